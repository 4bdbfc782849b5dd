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
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

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


class Band(_Frozen):
    """A tag threshold with hysteresis: ``enter`` to gain the tag, ``exit`` to lose it again.

    For a lower bound (``min_*``) ``exit`` must be at or below ``enter``; for an upper bound
    (``max_*``) at or above it, so that a customer once tagged keeps the tag in the band between.
    """

    enter: float
    exit: float


def _lower_bound(band: Band) -> Band:
    if band.exit > band.enter:
        raise ValueError(f"exit ({band.exit}) must be at or below enter ({band.enter}) for a minimum")
    return band


def _upper_bound(band: Band) -> Band:
    if band.exit < band.enter:
        raise ValueError(f"exit ({band.exit}) must be at or above enter ({band.enter}) for a maximum")
    return band


MinBand = Annotated[Band, AfterValidator(_lower_bound)]
MaxBand = Annotated[Band, AfterValidator(_upper_bound)]
Weight = Annotated[float, Field(ge=0)]
Quarters = Annotated[int, Field(ge=1, le=16)]
Days = Annotated[int, Field(ge=0)]


class WindowParams(_Frozen):
    """How far back each kind of feature looks, in quarters ending with the scored quarter."""

    trailing_quarters: Quarters  # 4 in the contract's sense of sales_trailing_4q
    recent_quarters: Quarters
    before_quarters: Quarters
    rhythm_quarters: Quarters
    survey_quarters: Quarters
    survey_fallback_quarters: Quarters
    region_min_customers: Annotated[int, Field(ge=1)]


class LifecycleParams(_Frozen):
    """Who is too new to judge and who has already left."""

    new_customer_days: Days
    dormant_days: Days
    dormant_intervals: Annotated[float, Field(gt=0)]
    default_interval_days: Annotated[float, Field(gt=0)]


class InfluenceWeights(_Frozen):
    """Weights of the parts of score_influence."""

    scope: Weight
    outlets: Weight
    referrals: Weight


class ScopePoints(_Frozen):
    """Points (0..100) of each influence_scope."""

    national: Score
    provincial: Score
    city: Score
    local: Score


class InfluenceParams(_Frozen):
    """score_influence from scope, downstream outlets and referrals."""

    weights: InfluenceWeights
    scope_points: ScopePoints
    outlets_full: Annotated[int, Field(gt=0)]
    referrals_full: Annotated[int, Field(gt=0)]


class SatisfactionParams(_Frozen):
    """score_satisfaction: survey mean less points per complaint."""

    complaint_points: Annotated[float, Field(ge=0)]
    complaint_points_max: Score


class LoyaltyWeights(_Frozen):
    """Weights of the parts of score_loyalty."""

    tenure: Weight
    regularity: Weight
    share_of_wallet: Weight
    breadth: Weight


class LoyaltyParams(_Frozen):
    """score_loyalty from tenure, regularity, share of wallet and breadth."""

    weights: LoyaltyWeights
    tenure_full_days: Annotated[int, Field(gt=0)]
    share_of_wallet_full: Annotated[float, Field(gt=0, le=1)]


class RiskWeights(_Frozen):
    """Weights of the risk components in score_risk."""

    sales_decline: Weight
    orders_lapsed: Weight
    fewer_visits: Weight
    complaints: Weight
    satisfaction_drop: Weight
    competitor_signals: Weight


class SignalWeights(_Frozen):
    """How much one competitor signal of each kind counts."""

    quote: Weight
    visit: Weight
    promotion: Weight
    exclusive_offer: Weight
    lost_listing: Weight


class RiskParams(_Frozen):
    """How ``score_risk`` weighs its evidence (each component is 0..1 before weighting)."""

    weights: RiskWeights
    decline_floor: Share
    decline_full: Annotated[float, Field(gt=0, le=1)]
    decline_long_interval_days: Annotated[float, Field(gt=0)]
    lapse_start: Annotated[float, Field(ge=0)]
    lapse_full: Annotated[float, Field(gt=0)]
    visits_before_min: Annotated[float, Field(ge=0)]
    complaints_full: Annotated[float, Field(gt=0)]
    satisfaction_drop_full: Annotated[float, Field(gt=0, le=4)]
    signals_full: Annotated[float, Field(gt=0)]
    signal_weights: SignalWeights
    min_history_days: Days
    reason_min_component: Share

    @model_validator(mode="after")
    def _full_beyond_start(self) -> RiskParams:
        if self.decline_full <= self.decline_floor:
            raise ValueError("decline_full must be above decline_floor")
        if self.lapse_full <= self.lapse_start:
            raise ValueError("lapse_full must be above lapse_start")
        if not any(w for _, w in self.weights):
            raise ValueError("at least one risk weight must be above 0")
        return self


class BenchmarkParams(_Frozen):
    """Benchmark: influence, satisfaction and cooperation all past their bands."""

    min_influence: MinBand
    min_satisfaction: MinBand
    min_cooperation: MinBand


class NailParams(_Frozen):
    """Nail: high value, low share, stalled, effort not converting, not new."""

    min_potential: MinBand
    max_share_of_wallet: MaxBand
    max_lines_share: Share
    min_stalled_quarters: Annotated[int, Field(ge=0)]
    min_tenure_days: Days
    min_visits: Annotated[int, Field(ge=0)]
    max_positive_share: Share


class AtRiskParams(_Frozen):
    """At risk: score_risk past its band."""

    min_risk: MinBand


class AbcParams(_Frozen):
    """The ABC baseline: cumulative shares of the region's trailing-4q sales."""

    a_share: Share
    b_share: Share


class ReasonText(_Frozen):
    """One reason sentence in both languages; ``{name}`` placeholders are filled with the customer's figures."""

    zh: str
    en: str


class ReasonParams(_Frozen):
    """The sentence of every reason code (params/reasons.yaml); placeholders are listed there."""

    risk_sales_decline_yoy: ReasonText
    risk_sales_decline_qoq: ReasonText
    risk_sales_decline_year: ReasonText
    risk_orders_lapsed: ReasonText
    risk_fewer_visits: ReasonText
    risk_complaints: ReasonText
    risk_satisfaction_drop: ReasonText
    risk_competitor_signals: ReasonText
    risk_score_high: ReasonText
    benchmark_at_risk: ReasonText
    benchmark_influence: ReasonText
    benchmark_satisfaction: ReasonText
    benchmark_cooperation: ReasonText
    nail_high_potential: ReasonText
    nail_low_share_of_wallet: ReasonText
    nail_few_lines: ReasonText
    nail_stalled: ReasonText
    nail_effort_not_converting: ReasonText
    dormant_no_orders: ReasonText
    new_customer_short_tenure: ReasonText
    not_benchmark_influence: ReasonText
    not_benchmark_satisfaction: ReasonText
    not_benchmark_cooperation: ReasonText
    tag_kept: ReasonText


class ScoringParams(_Frozen):
    """Weights, windows and thresholds of the score step (units in params/scoring.yaml).

    ``reasons`` is the wording of params/reasons.yaml, handed over by :class:`Params`
    so that the scorer renders its sentences from the one typed params object it gets.
    """

    windows: WindowParams
    lifecycle: LifecycleParams
    influence: InfluenceParams
    satisfaction: SatisfactionParams
    loyalty: LoyaltyParams
    risk: RiskParams
    benchmark: BenchmarkParams
    nail: NailParams
    at_risk: AtRiskParams
    hysteresis: bool
    abc: AbcParams
    reasons: ReasonParams

    @model_validator(mode="after")
    def _abc_in_order(self) -> ScoringParams:
        if self.abc.b_share < self.abc.a_share:
            raise ValueError("abc.b_share must be at or above abc.a_share")
        return self


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
    reasons: ReasonParams

    @model_validator(mode="before")
    @classmethod
    def _scoring_gets_the_reason_wording(cls, data: Any) -> Any:
        # score_customers takes ScoringParams only, so the wording of reasons.yaml travels inside it;
        # an invalid reasons section is reported once, under 'reasons', not again under 'scoring'
        if not isinstance(data, dict) or not isinstance(data.get("scoring"), dict):
            return data
        try:
            wording = ReasonParams.model_validate(data["reasons"])
        except (KeyError, ValidationError):
            wording = ReasonParams.model_construct()
        return {**data, "scoring": {**data["scoring"], "reasons": wording}}

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
