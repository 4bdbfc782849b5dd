"""``tagkit run``: execute the pipeline's notebooks with papermill and write the run folder.

Layout of a run (DATA_CONTRACT.md): ``<out>/<quarter>/`` with scores.parquet,
validation.html, reports/, index.html, manifest.json and the executed notebooks.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import papermill
import polars as pl
from papermill.exceptions import PapermillExecutionError

from tagkit.errors import InputError, RegionsFailed, StepFailed, TagkitError, UsageError, ValidationBlocked
from tagkit.kernel import KERNEL_NAME, check_kernel
from tagkit.params import Params, load_params, parse_quarter, project_root
from tagkit.pipeline import manifest as mf
from tagkit.pipeline.spec import NotebookParameters, Step, load_pipeline
from tagkit.pipeline.steps import STATUS_FILE
from tagkit.quarters import quarter_end, quarter_of, shift_quarter
from tagkit.report.region import report_filename

logger = logging.getLogger(__name__)

# errors raised inside a notebook that are the user's to fix, by exception name
_USER_ERRORS: dict[str, type[TagkitError]] = {
    "ValidationBlocked": ValidationBlocked,
    "InputError": InputError,
    "ParamsError": UsageError,
    "UsageError": UsageError,
}


@dataclass
class RunResult:
    run_dir: Path
    outcome: str
    steps: list[dict[str, Any]] = field(default_factory=list)
    failed_regions: dict[str, str] = field(default_factory=dict)

    @property
    def index(self) -> Path:
        return self.run_dir / "index.html"


def resolve_quarter(quarter: str, data_dir: Path, params: Params, *, today: dt.date | None = None) -> str:
    """``latest``: the quarter of the newest order line, or the one before if that quarter has not ended yet
    (an extract pulled in November holds a few weeks of a quarter nobody should score).
    Anything else must be ``YYYYQn``."""
    if quarter != "latest":
        parse_quarter(quarter)
        return quarter
    from tagkit.io import load_dataset  # intake is only needed to resolve 'latest'

    with load_dataset(data_dir, io=params.io) as dataset:
        last = dataset.tables["orders"].select(pl.col("order_date").max()).collect().item()
    if last is None:
        raise InputError(f"{data_dir}: orders have no dates, so 'latest' has no quarter. Pass --quarter YYYYQn.")
    found = quarter_of(last)
    return shift_quarter(found, -1) if quarter_end(found) >= (today or dt.date.today()) else found


def _execute(step: Step, *, root: Path, run_dir: Path, parameters: NotebookParameters, suffix: str = "") -> Path:
    source = root / step.notebook
    target = run_dir / "notebooks" / f"{source.stem}{suffix}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    papermill.execute_notebook(
        str(source),
        str(target),
        parameters=parameters.model_dump(exclude=set() if parameters.region else {"region"}),
        kernel_name=KERNEL_NAME,
        progress_bar=False,
        cwd=str(source.parent),
    )
    return target


def _user_error(exc: PapermillExecutionError, notebook: Path) -> TagkitError:
    kind = _USER_ERRORS.get(exc.ename)
    if kind is ValidationBlocked:
        status = notebook.parent.parent / "validation.json"
        failures = json.loads(status.read_text(encoding="utf-8")).get("blocking", []) if status.exists() else []
        return ValidationBlocked(failures or [exc.evalue])
    if kind is not None:
        return kind(exc.evalue)
    return StepFailed(f"{notebook}: cell {exc.cell_index} raised {exc.ename}: {exc.evalue}. "
                      "Open the executed notebook to see the failing cell.")


def run_quarter(
    *,
    data_dir: Path,
    quarter: str,
    out_dir: Path,
    params_file: Path | None = None,
    only: list[str] | None = None,
    pipeline_file: Path | None = None,
) -> RunResult:
    """Run the pipeline for one quarter; raises a :class:`TagkitError` subclass when it cannot finish."""
    root = project_root()
    params_dir = root / "params"
    params = load_params(params_dir, params_file)
    pipeline = load_pipeline(pipeline_file or root / "pipelines" / "quarterly.yaml")
    steps = pipeline.select(only)
    if not data_dir.is_dir():
        raise InputError(f"{data_dir}: data folder not found. Pass --data with the folder holding customers and orders.")
    quarter = resolve_quarter(quarter, data_dir, params)
    check_kernel()
    run_dir = (out_dir / quarter).resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    base = NotebookParameters(
        data_dir=str(data_dir.resolve()),
        quarter=quarter,
        run_dir=str(run_dir),
        params_dir=str(params_dir),
        params_file=str(params_file.resolve()) if params_file else "",
    )
    started = time.time()
    result = RunResult(run_dir=run_dir, outcome="running")
    doc: dict[str, Any] = {
        "quarter": quarter,
        "started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "pipeline": pipeline.name,
        "steps_requested": [s.name for s in steps],
        "inputs": {"data_dir": str(data_dir.resolve()), "files": mf.describe_inputs(data_dir)},
        "params": {"file": str(params_file) if params_file else None, "sha256": params.digest(),
                   "values": params.model_dump(mode="json")},
        "versions": mf.package_versions(),
        "git_commit": mf.git_commit(root),
        "steps": result.steps,
    }
    try:
        for step in steps:
            if step.per == "region":
                _run_per_region(step, root=root, run_dir=run_dir, base=base, result=result)
            else:
                t0 = time.time()
                try:
                    nb = _execute(step, root=root, run_dir=run_dir, parameters=base)
                except PapermillExecutionError as exc:
                    result.steps.append({"step": step.name, "outcome": "failed", "seconds": round(time.time() - t0, 3)})
                    raise _user_error(exc, run_dir / "notebooks" / Path(step.notebook).name) from None
                result.steps.append({"step": step.name, "outcome": "ok", "seconds": round(time.time() - t0, 3),
                                     "notebook": str(nb.relative_to(run_dir))})
        result.outcome = "regions_failed" if result.failed_regions else "ok"
    except TagkitError as exc:
        result.outcome = type(exc).__name__
        raise
    except KeyboardInterrupt:
        result.outcome = "interrupted"
        raise
    finally:
        doc["outcome"] = result.outcome
        doc["seconds"] = round(time.time() - started, 3)
        doc["validation"] = _validation_summary(run_dir)
        mf.write_manifest(run_dir / "manifest.json", doc)
    if result.failed_regions:
        raise RegionsFailed(
            f"{len(result.failed_regions)} region report(s) failed: {', '.join(sorted(result.failed_regions))}. "
            f"The others were written; see {run_dir / 'index.html'} and the executed notebooks."
        )
    return result


def _run_per_region(step: Step, *, root: Path, run_dir: Path, base: NotebookParameters, result: RunResult) -> None:
    scores = run_dir / "scores.parquet"
    if not scores.exists():
        raise InputError(f"{scores}: missing, so there are no regions to report. Run the score step first.")
    regions = sorted(pl.read_parquet(scores, columns=["region"])["region"].unique().to_list())
    status: dict[str, dict[str, Any]] = {}
    for region in regions:
        t0 = time.time()
        suffix = "-" + report_filename(region).removesuffix(".html")
        params = base.model_copy(update={"region": region})
        notebook = f"notebooks/{Path(step.notebook).stem}{suffix}.ipynb"
        try:
            _execute(step, root=root, run_dir=run_dir, parameters=params, suffix=suffix)
            outcome = "ok"
        except PapermillExecutionError as exc:
            logger.error("region %s failed in cell %s: %s: %s", region, exc.cell_index, exc.ename, exc.evalue)
            outcome = "failed"
            result.failed_regions[region] = notebook
            (run_dir / "reports" / report_filename(region)).unlink(missing_ok=True)
        status[region] = {"outcome": outcome, "seconds": round(time.time() - t0, 3), "notebook": notebook}
    (run_dir / STATUS_FILE).write_text(json.dumps({"regions": status}, ensure_ascii=False, indent=2, sort_keys=True),
                                       encoding="utf-8")
    result.steps.append({"step": step.name, "outcome": "failed" if result.failed_regions else "ok", "regions": status})


def _validation_summary(run_dir: Path) -> dict[str, Any] | None:
    path = run_dir / "validation.json"
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return {"accounting": data.get("tables", {}), "blocking": data.get("blocking", []),
            "missing_optional_tables": data.get("missing_optional_tables", [])}
