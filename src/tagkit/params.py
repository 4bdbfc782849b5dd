"""One typed, frozen params model per concern, loaded from ``params/*.yaml``.

``params/<section>.yaml`` holds the defaults of one section (``io.yaml`` →
``Params.io``); a user's ``--params FILE`` is a partial YAML with the same
sections, merged on top. Unknown keys, missing keys and wrong types are all
reported together in one :class:`~tagkit.errors.ParamsError`.

>>> params = load_params(project_root() / "params")     # doctest: +SKIP
>>> params.report.language
'zh'
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tagkit.contract import TABLES
from tagkit.errors import ParamsError, UsageError

QUARTER_RE = re.compile(r"^(\d{4})Q([1-4])$")


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Share = Annotated[float, Field(ge=0, le=1)]
Score = Annotated[float, Field(ge=0, le=100)]


class IOParams(_Frozen):
    """How input files are read."""

    encoding: Literal["auto", "utf-8", "utf-8-sig", "gbk", "gb18030"]
    aliases: dict[str, dict[str, str]]  # table -> {source column: contract column}
    xlsx_header_row: Annotated[int, Field(ge=0)] | None  # None: find the header row


class ValidationParams(_Frozen):
    """What validation treats as blocking and what it sets aside."""

    max_null_rate: dict[str, Share]  # "table.column" -> highest acceptable null rate (warning above)
    max_discount: Share

    @field_validator("max_null_rate")
    @classmethod
    def _optional_contract_columns(cls, value: dict[str, float]) -> dict[str, float]:
        # a misspelt key would silently check nothing; required columns are checked row by row
        known = {f"{t.name}.{c.name}" for t in TABLES.values() for c in t.columns if not c.required}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(
                f"keys must be 'table.column' of an optional contract column; unknown: {', '.join(unknown)}"
            )
        return value


class ScoringParams(_Frozen):
    """Weights, windows and thresholds of the score step (units in params/scoring.yaml)."""

    abc_a_share: Share
    abc_b_share: Share
    benchmark_min_influence: Score
    benchmark_min_satisfaction: Score
    benchmark_min_cooperation: Score
    nail_min_potential: Score
    nail_max_share_of_wallet: Share
    nail_min_tenure_days: Annotated[int, Field(ge=0)]
    risk_threshold: Score
    risk_min_history_days: Annotated[int, Field(ge=0)]
    risk_lapse_factor: Annotated[float, Field(gt=0)]
    influence_outlets_full: Annotated[int, Field(gt=0)]
    influence_referrals_full: Annotated[int, Field(gt=0)]


class BacktestParams(_Frozen):
    """How every run measures its own tags on the company's history (units in params/backtest.yaml)."""

    quarters: Annotated[int, Field(ge=1, le=8)]
    decline_threshold: Share
    no_order_days: Annotated[int, Field(gt=0)]


class ReportParams(_Frozen):
    """How reports read."""

    language: Literal["zh", "en"]
    max_customers_listed: Annotated[int, Field(gt=0)]


class Params(_Frozen):
    io: IOParams
    validation: ValidationParams
    scoring: ScoringParams
    backtest: BacktestParams
    report: ReportParams

    def digest(self) -> str:
        """A stable hash of the params, for the manifest and for skipping unchanged work."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()


SECTIONS = tuple(Params.model_fields)


def project_root(start: Path | None = None) -> Path:
    """The folder holding ``params/``, ``pipelines/`` and ``notebooks/``: cwd or an ancestor.

    Falls back to the checkout this package was installed from (editable installs).
    """
    candidates = [start or Path.cwd(), *(start or Path.cwd()).parents, Path(__file__).resolve().parents[2]]
    for here in candidates:
        if (here / "params").is_dir() and (here / "pipelines").is_dir():
            return here
    raise UsageError(
        f"{start or Path.cwd()}: no tagkit project found (a folder with params/ and pipelines/). "
        "Run tagkit from the project checkout, or pass --params-dir."
    )


def _deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and key != "aliases":
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise ParamsError(f"{path}: params file not found. Check the path given to --params.") from exc
    except yaml.YAMLError as exc:
        raise ParamsError(f"{path}: not valid YAML ({exc}). Fix the syntax at the line shown.") from exc
    if not isinstance(data, dict):
        raise ParamsError(f"{path}: must be a mapping of sections ({', '.join(SECTIONS)}); got {type(data).__name__}.")
    return data


def load_params(params_dir: Path, override: Path | None = None) -> Params:
    """Load the defaults of every section from ``params_dir`` and merge ``override`` on top."""
    raw: dict[str, Any] = {}
    for section in SECTIONS:
        path = params_dir / f"{section}.yaml"
        if path.exists():
            raw[section] = _read_yaml(path)
    if override is not None:
        top = _read_yaml(override)
        unknown = sorted(set(top) - set(SECTIONS))
        if unknown:
            raise ParamsError(
                f"{override}: unknown section(s) {unknown}; the sections are {', '.join(SECTIONS)}. "
                "Check the spelling or nesting."
            )
        raw = _deep_merge(raw, top)
    return parse_params(raw, source=str(override or params_dir))


def parse_params(raw: dict[str, Any], source: str = "params") -> Params:
    """Validate a params mapping, reporting every problem at once."""
    try:
        return Params.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"])
            if err["type"] == "extra_forbidden":
                problems.append(f"unknown key '{where}' (check the spelling; see params/*.yaml for the keys)")
            elif err["type"] == "missing":
                problems.append(f"missing key '{where}'")
            else:
                problems.append(f"'{where}' {err['msg'].lower()}; got {err.get('input')!r}")
        raise ParamsError(f"{source}: {len(problems)} problem(s) in params:\n" + "\n".join(f"  - {p}" for p in problems)) from exc


def parse_quarter(quarter: str) -> tuple[int, int]:
    """``"2026Q3"`` → ``(2026, 3)``; anything else is a usage error."""
    m = QUARTER_RE.match(str(quarter))
    if not m:
        raise UsageError(f"quarter '{quarter}' must look like YYYYQn, e.g. 2026Q3.")
    return int(m.group(1)), int(m.group(2))
