"""The pipeline declaration (``pipelines/*.yaml``) and the parameters each notebook receives."""
from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from tagkit.errors import UsageError
from tagkit.params import SECTIONS


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    notebook: str
    per: Literal["region"] | None = None
    params: tuple[str, ...] = ()


class Pipeline(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    steps: tuple[Step, ...]

    def select(self, only: list[str] | None) -> list[Step]:
        """The steps to run, in pipeline order; unknown names are a usage error."""
        if not only:
            return list(self.steps)
        names = [s.name for s in self.steps]
        unknown = [n for n in only if n not in names]
        if unknown:
            raise UsageError(f"--only: unknown step(s) {unknown}; the steps are {', '.join(names)}.")
        return [s for s in self.steps if s.name in only]


class NotebookParameters(BaseModel):
    """What papermill injects into every notebook's ``parameters`` cell (absolute paths as strings)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    data_dir: str
    quarter: str
    run_dir: str
    params_dir: str
    params_file: str  # "" when the user gave no --params
    region: str = ""  # only for per-region steps
    actions_dir: str = ""  # tagkit run --actions: last quarter's filled-in action lists (validate step)
    features_path: str = ""  # tagkit run --features: the features table to score from (score and report steps)


# the parameters only some notebooks declare (papermill warns of, and ignores, one a notebook lacks):
# parameter -> the steps whose notebook declares it
STEP_PARAMETERS: dict[str, frozenset[str]] = {
    "actions_dir": frozenset({"validate"}),
    # the report notebook scores itself when run alone on an empty folder (steps.ensure_scored)
    "features_path": frozenset({"score", "report"}),
}


def load_pipeline(path: Path) -> Pipeline:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        pipeline = Pipeline.model_validate(raw)
    except FileNotFoundError as exc:
        raise UsageError(f"{path}: pipeline file not found.") from exc
    except (yaml.YAMLError, ValidationError) as exc:
        raise UsageError(f"{path}: not a valid pipeline declaration: {exc}") from exc
    for step in pipeline.steps:
        bad = set(step.params) - set(SECTIONS)
        if bad:
            raise UsageError(f"{path}: step '{step.name}' names unknown params sections {sorted(bad)}.")
    return pipeline
