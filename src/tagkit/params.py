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

import difflib
import hashlib
import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from tagkit.contract import TABLES
from tagkit.currency import SYMBOL
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
    # table -> highest share of its rows that may be set aside before the run stops; "default" for the others
    max_quarantine_share: dict[str, Share]

    @field_validator("max_quarantine_share")
    @classmethod
    def _tables_or_default(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - {"default", *TABLES})
        if unknown:
            raise ValueError(f"keys must be 'default' or a table ({', '.join(TABLES)}); unknown: {', '.join(unknown)}")
        if "default" not in value:
            raise ValueError("needs a 'default' share (0..1) for the tables not named")
        return value

    def quarantine_limit(self, table: str) -> float:
        """The highest share of ``table``'s rows that may be set aside (above it the run stops)."""
        return self.max_quarantine_share.get(table, self.max_quarantine_share["default"])

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


class SignalWeights(_Frozen):
    """How much one competitor signal of each kind counts."""

    quote: Weight
    visit: Weight
    promotion: Weight
    exclusive_offer: Weight
    lost_listing: Weight


class RiskSignal(_Frozen):
    """One risk signal: the way it may weigh (``up``: more of it, more risk) and its documented weight
    (log-odds per unit of the signal), used when nothing can be learned.

    ``steps``: instead of one weight per unit, one weight per threshold the signal reaches (a
    monotone step function learned from the data); the documented weight is then per step reached.
    """

    direction: Literal["up", "down"]
    weight: Annotated[float, Field(ge=0)]
    steps: list[Annotated[float, Field(gt=0)]] = []

    @field_validator("steps")
    @classmethod
    def _increasing(cls, value: list[float]) -> list[float]:
        if value != sorted(set(value)):
            raise ValueError("steps must be increasing, without repeats")
        return value


class RiskSignals(_Frozen):
    """Every signal of score_risk (tagkit/scoring/risk_signals.py says how each is measured)."""

    sales_decline: RiskSignal
    orders_lapsed: RiskSignal
    recency: RiskSignal
    frequency: RiskSignal
    fewer_orders: RiskSignal
    fewer_lines: RiskSignal
    fewer_visits: RiskSignal
    cold_visits: RiskSignal
    complaints: RiskSignal
    satisfaction_drop: RiskSignal
    competitor_signals: RiskSignal
    warning_signs: RiskSignal


class WarningSignFloors(_Frozen):
    """From which value of each leading signal it counts as a warning sign (same units as the signal)."""

    sales_decline: Annotated[float, Field(gt=0)]
    fewer_orders: Annotated[float, Field(gt=0)]
    fewer_lines: Annotated[float, Field(gt=0)]
    fewer_visits: Annotated[float, Field(gt=0)]
    cold_visits: Annotated[float, Field(gt=0)]
    complaints: Annotated[float, Field(gt=0)]
    satisfaction_drop: Annotated[float, Field(gt=0)]
    competitor_signals: Annotated[float, Field(gt=0)]


class RiskModelParams(_Frozen):
    """How score_risk is learned from the company's own history (tagkit/scoring/risk_model.py)."""

    learn: bool
    min_training_quarters: Annotated[int, Field(ge=1, le=16)]
    min_outcomes: Annotated[int, Field(ge=1)]
    max_training_quarters: Annotated[int, Field(ge=1, le=16)]
    max_training_rows: Annotated[int, Field(ge=100)]
    penalty: Annotated[float, Field(ge=0)]

    @model_validator(mode="after")
    def _enough_quarters(self) -> RiskModelParams:
        if self.max_training_quarters < self.min_training_quarters:
            raise ValueError("max_training_quarters must be at or above min_training_quarters")
        return self


class RiskParams(_Frozen):
    """How ``score_risk`` (the chance, in %, of going bad next quarter) is learned and measured."""

    decline_threshold: Share
    model: RiskModelParams
    intercept: float
    signals: RiskSignals
    warning_sign_floors: WarningSignFloors
    seasonal_years: Annotated[int, Field(ge=1, le=5)]
    decline_long_interval_days: Annotated[float, Field(gt=0)]
    visits_before_min: Annotated[float, Field(ge=0)]
    satisfaction_drop_full: Annotated[float, Field(gt=0, le=4)]
    signal_weights: SignalWeights
    min_history_days: Days
    reason_min_points: Annotated[float, Field(ge=0)]


class BenchmarkParams(_Frozen):
    """Benchmark: influence, satisfaction and cooperation all past their bands."""

    min_influence: MinBand
    min_satisfaction: MinBand
    min_cooperation: MinBand


class LineGapParams(_Frozen):
    """Nail by line gap: a large customer (``abc_classes``, or ``score_potential`` past ``min_potential``)
    buying at least ``min_lines_bought`` but at most ``max_lines_share`` of our lines sold in the window,
    a customer for ``min_tenure_days``."""

    abc_classes: list[Literal["A", "B", "C"]]
    min_potential: MinBand
    max_lines_share: Share
    min_lines_bought: Annotated[int, Field(ge=0)]
    min_tenure_days: Days


class NailParams(_Frozen):
    """Nail: high value, low share, stalled, effort not converting, not new; or a large customer's line gap."""

    min_potential: MinBand
    max_share_of_wallet: MaxBand
    max_lines_share: Share
    min_stalled_quarters: Annotated[int, Field(ge=0)]
    min_tenure_days: Days
    min_visits: Annotated[int, Field(ge=0)]
    max_positive_share: Share
    line_gap: LineGapParams


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
    risk_sales_decline_normal: ReasonText
    risk_sales_decline_year: ReasonText
    risk_orders_lapsed: ReasonText
    risk_no_recent_order: ReasonText
    risk_fewer_orders: ReasonText
    risk_fewer_lines: ReasonText
    risk_fewer_visits: ReasonText
    risk_cold_visits: ReasonText
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
    nail_line_gap: ReasonText
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
    # how money is written in the reasons' sentences: report.currency, handed over by Params like the wording
    currency: dict[Literal["zh", "en"], str] = Field(default_factory=lambda: dict(SYMBOL))

    @model_validator(mode="after")
    def _abc_in_order(self) -> ScoringParams:
        if self.abc.b_share < self.abc.a_share:
            raise ValueError("abc.b_share must be at or above abc.a_share")
        return self


class BacktestParams(_Frozen):
    """How every run measures its own tags on the company's history (units in params/backtest.yaml)."""

    quarters: Annotated[int, Field(ge=1, le=8)]
    no_order_days: Annotated[int, Field(gt=0)]


class ReportParams(_Frozen):
    """How reports read (units in params/report.yaml)."""

    language: Literal["zh", "en"]
    max_customers_listed: Annotated[int, Field(gt=0)]
    max_customers_printed: Annotated[int, Field(gt=0)]
    max_chart_customers: Annotated[int, Field(gt=0, le=100)]
    max_map_points: Annotated[int, Field(gt=0)]
    region_names: dict[Literal["zh", "en"], dict[str, str]]
    currency: dict[Literal["zh", "en"], Annotated[str, Field(min_length=1)]]

    def region_name(self, region: str) -> str:
        """``region`` as this language's pages call it (``region_names``); the data's name otherwise."""
        return self.region_names.get(self.language, {}).get(region, region)


# --- prescription (params/prescription.yaml) and playbook (params/playbook.yaml) -------------------
# Kept together: the playbook's conditions name the prescription's values (causes, decisions, defences).

PRESCRIPTION_TAGS = ("benchmark", "nail", "at_risk", "regular")
PRESCRIPTION_FLAGS = ("benchmark_at_risk", "benchmark_candidate", "speculator", "dormant", "new_customer",
                      "rep_change_recommended", "holdout", "line_gap", "benchmark_slipping")
Tag = Literal["benchmark", "nail", "at_risk", "regular"]
Flag = Literal["benchmark_at_risk", "benchmark_candidate", "speculator", "dormant", "new_customer",
               "rep_change_recommended", "holdout", "line_gap", "benchmark_slipping"]
# showcase_basis: why a benchmark's before/after is shown (before_benchmark) or not (the others)
ShowcaseBasis = Literal["before_benchmark", "slipping", "no_before", "no_growth"]
Level = Literal["national", "provincial", "city", "local"]
Criterion = Literal["influence", "satisfaction", "cooperation"]
Cause = Literal["trust", "competitor", "internal", "unknown"]
Decision = Literal["invest", "reduce", "drop"]
Defence = Literal["relationship", "commercial", "risk"]
Topic = Literal["product", "price", "delivery", "service", "rep", "payment", "other"]
SignalKind = Literal["quote", "visit", "promotion", "exclusive_offer", "lost_listing"]
RiskComponent = Literal["sales_decline", "orders_lapsed", "fewer_visits", "complaints", "satisfaction_drop",
                        "competitor_signals"]
Role = Literal["rep", "supervisor", "regional_manager"]
# the escalation ladder: the roles, then the company's executives above them (not a role of the reps table)
LADDER = ("rep", "supervisor", "regional_manager", "executive")
Rung = Literal["rep", "supervisor", "regional_manager", "executive"]
Outcome = Literal["positive", "neutral", "negative"]
Money = Annotated[float, Field(ge=0)]
PerMonth = Annotated[float, Field(ge=0)]


class LevelReach(_Frozen):
    """Reach a benchmark needs for a level: this many downstream outlets, or this many referrals."""

    min_outlets: Annotated[int, Field(ge=0)]
    min_referrals: Annotated[int, Field(ge=0)]


class BenchmarkLevels(_Frozen):
    """benchmark_level: the highest level whose scope and reach the customer has (else local)."""

    national: LevelReach
    provincial: LevelReach
    city: LevelReach


class SlippingParams(_Frozen):
    """When a benchmark counts as slipping (flag ``benchmark_slipping``: defend it, never showcase it)."""

    below_before: Share       # sales per quarter now at least this share below its "before" (0: any fall)
    trailing_decline: Share   # or the trailing 4 quarters at least this share below the 4 before


class BenchmarkPrescriptionParams(_Frozen):
    levels: BenchmarkLevels
    candidate_max_gap: Score
    showcase_quarters: Quarters
    before_min_quarters: Quarters
    slipping: SlippingParams


class VisitCost(_Frozen):
    """Cost of one visit of each type (currency units)."""

    routine: Money
    supervisor: Money
    manager: Money
    executive: Money


class NailDecisionParams(_Frozen):
    """invest / reduce / drop from the upside and its return on the visit cost."""

    invest_min_upside: Money
    invest_min_return: Annotated[float, Field(ge=0)]
    drop_below_upside: Money
    drop_below_return: Annotated[float, Field(ge=0)]

    @model_validator(mode="after")
    def _drop_below_invest(self) -> NailDecisionParams:
        if self.drop_below_upside > self.invest_min_upside or self.drop_below_return > self.invest_min_return:
            raise ValueError("drop_below_* must be at or below invest_min_*")
        return self


class EscalationTier(_Frozen):
    level: Rung
    min_upside: Money


class VisitRungs(_Frozen):
    """The rung of the ladder each visit type stands for."""

    routine: Rung
    supervisor: Rung
    manager: Rung
    executive: Rung


class LadderParams(_Frozen):
    """Who has already tried: the visits of the last ``window_quarters`` without a ``success_outcomes``."""

    window_quarters: Quarters
    visit_rungs: VisitRungs
    success_outcomes: Annotated[list[Outcome], Field(min_length=1)]
    senior_from: Rung


class CausePoints(_Frozen):
    """Evidence points per item in the cause window."""

    trust_complaint: Weight
    low_satisfaction: Weight
    former_rep_complaint: Weight
    current_rep_complaint: Weight
    competitor_signal: SignalWeights


class NailCauseParams(_Frozen):
    window_quarters: Quarters
    trust_topics: list[Topic]
    low_satisfaction_below: Annotated[float, Field(ge=1, le=5)]
    points: CausePoints
    min_points: Annotated[float, Field(gt=0)]
    tie_order: list[Literal["internal", "trust", "competitor"]]

    @field_validator("tie_order")
    @classmethod
    def _every_cause_once(cls, value: list[str]) -> list[str]:
        if sorted(value) != ["competitor", "internal", "trust"]:
            raise ValueError("must name internal, trust and competitor once each")
        return value


class CauseText(_Frozen):
    trust: ReasonText
    competitor: ReasonText
    internal: ReasonText
    unknown: ReasonText


class LineGapVisitParams(_Frozen):
    """The reference visit of a nail by line gap: the benchmark that buys its missing lines."""

    candidates: Annotated[int, Field(ge=1, le=1000)]
    visit: ReasonText


class NailPrescriptionParams(_Frozen):
    attainable_share: Share
    visit_cost: VisitCost
    decision: NailDecisionParams
    escalation: list[EscalationTier]
    ladder: LadderParams
    max_chain_depth: Annotated[int, Field(ge=1, le=10)]
    cause: NailCauseParams
    evidence: CauseText
    line_gap: LineGapVisitParams

    @field_validator("escalation")
    @classmethod
    def _tiers_descending(cls, value: list[EscalationTier]) -> list[EscalationTier]:
        if not value or [t.min_upside for t in value] != sorted((t.min_upside for t in value), reverse=True):
            raise ValueError("tiers must be listed from the highest min_upside down")
        return value


class DefenceTriggers(_Frozen):
    """Recent evidence that calls for a defence (any one is enough)."""

    complaint_topics: list[Topic]
    signal_kinds: list[SignalKind]
    risk_components: list[RiskComponent]


class DefenceParams(_Frozen):
    relationship: DefenceTriggers
    commercial: DefenceTriggers
    risk: DefenceTriggers


class RiskBand(_Frozen):
    min_risk: Score
    per_month: PerMonth


class DefenceFound(_Frozen):
    """How each kind of evidence reads in a defence step ({competitor}, {signal_kinds}, {topics}, {components})."""

    signals: ReasonText
    complaints: ReasonText
    components: ReasonText


class DefenceSteps(_Frozen):
    """The specific step of each defence (prescription.yaml ``at_risk.steps``): what was found, what to do."""

    relationship: ReasonText
    commercial: ReasonText
    risk: ReasonText
    nothing_found: ReasonText
    found: DefenceFound
    unnamed_competitor: ReasonText
    signal_words: dict[SignalKind, ReasonText]
    answers: dict[Topic | SignalKind | RiskComponent, ReasonText]


class AtRiskPrescriptionParams(_Frozen):
    defences: DefenceParams
    min_component: Share
    fallback_defence: Defence
    steps: DefenceSteps
    visit_frequency: list[RiskBand]

    @model_validator(mode="after")
    def _every_trigger_answered(self) -> AtRiskPrescriptionParams:
        triggers = {item for name in ("relationship", "commercial", "risk")
                    for kind in ("complaint_topics", "signal_kinds", "risk_components")
                    for item in getattr(getattr(self.defences, name), kind)}
        missing = sorted(triggers - set(self.steps.answers))
        if missing:
            raise ValueError(f"steps.answers needs what to do about each trigger of the defences; missing: {missing}")
        unnamed = sorted({k for name in ("relationship", "commercial", "risk")
                          for k in getattr(self.defences, name).signal_kinds} - set(self.steps.signal_words))
        if unnamed:
            raise ValueError(f"steps.signal_words needs a word for each signal kind of the defences; missing: {unnamed}")
        return self

    @field_validator("visit_frequency")
    @classmethod
    def _bands_descending(cls, value: list[RiskBand]) -> list[RiskBand]:
        if not value or [b.min_risk for b in value] != sorted((b.min_risk for b in value), reverse=True):
            raise ValueError("bands must be listed from the highest min_risk down")
        return value


class RepChangeParams(_Frozen):
    window_quarters: Quarters
    min_complaints: Annotated[int, Field(ge=1)]
    min_complaints_at_risk: Annotated[int, Field(ge=1)]


class NailVisitFrequency(_Frozen):
    invest: PerMonth
    reduce: PerMonth
    drop: PerMonth


class VisitFrequencyParams(_Frozen):
    """Visits per month for customers outside the at-risk bands."""

    benchmark: PerMonth
    nail: NailVisitFrequency
    regular: PerMonth
    dormant: PerMonth


PlanGroup = Literal["at_risk", "benchmark", "nail_invest", "nail_other", "regular"]


class PlanPriority(_Frozen):
    group: PlanGroup
    floor: Annotated[int, Field(ge=0, le=100)]   # visits a quarter a customer keeps (its recommendation if lower)


class VisitPlanParams(_Frozen):
    """Each rep's visits of next quarter, fitted to what the rep makes (tagkit/prescription/visit_plan.py)."""

    capacity_quarters: Quarters
    slack: Annotated[float, Field(ge=0, le=2)]
    priority: list[PlanPriority]

    @field_validator("priority")
    @classmethod
    def _every_group_once(cls, value: list[PlanPriority]) -> list[PlanPriority]:
        if sorted(g.group for g in value) != sorted(PlanGroup.__args__):
            raise ValueError(f"must list each of {', '.join(PlanGroup.__args__)} once")
        return value


class SpeculatorParams(_Frozen):
    window_quarters: Quarters
    quarter_end_days: Annotated[int, Field(ge=1, le=31)]
    min_quarter_end_share: Share
    min_discount: Share
    max_other_days_per_quarter: Annotated[float, Field(ge=0)]
    min_quarters: Annotated[int, Field(ge=1)]


class RepTargetParams(_Frozen):
    benchmarks_min: Annotated[int, Field(ge=0)]
    benchmarks_new_per_year: Annotated[int, Field(ge=0)]


class StageParams(_Frozen):
    early_below_penetration: Share
    late_from_penetration: Share
    late_below_growth: float

    @model_validator(mode="after")
    def _early_before_late(self) -> StageParams:
        if self.early_below_penetration > self.late_from_penetration:
            raise ValueError("early_below_penetration must be at or below late_from_penetration")
        return self


class StageText(_Frozen):
    early: ReasonText
    middle: ReasonText
    late: ReasonText


class RegionPrescriptionParams(_Frozen):
    stage: StageParams
    focus: StageText


class RadiationParams(_Frozen):
    radius_km: Annotated[float, Field(gt=0, le=2000)]
    gap_min_customers: Annotated[int, Field(ge=1)]


class QualityIndexParams(_Frozen):
    history_quarters: Annotated[int, Field(ge=1, le=16)]


class PrescriptionReasonParams(_Frozen):
    """Sentences of the reason codes the prescription adds (same placeholders style as reasons.yaml)."""

    speculator_quarter_end: ReasonText
    speculator_not_at_risk: ReasonText
    rep_change_complaints: ReasonText
    benchmark_candidate: ReasonText
    benchmark_slipping_before: ReasonText
    benchmark_slipping_trailing: ReasonText


class RegionAlertParams(_Frozen):
    """A region-wide fall that is not the usual season (tagkit/prescription/alerts.py)."""

    min_decline: Annotated[float, Field(gt=0, le=1)]
    min_customers: Annotated[int, Field(ge=1)]
    breakdown_rows: Annotated[int, Field(ge=1, le=50)]


class PrescriptionParams(_Frozen):
    """What to do about each customer, rep and region (units in params/prescription.yaml)."""

    benchmark: BenchmarkPrescriptionParams
    nail: NailPrescriptionParams
    at_risk: AtRiskPrescriptionParams
    rep_change: RepChangeParams
    speculator: SpeculatorParams
    visit_frequency: VisitFrequencyParams
    visit_plan: VisitPlanParams
    reps: RepTargetParams
    regions: RegionPrescriptionParams
    radiation: RadiationParams
    quality_index: QualityIndexParams
    region_alert: RegionAlertParams
    reasons: PrescriptionReasonParams


class ActionCondition(_Frozen):
    """Holds when every key given matches (a list key: the customer has any of the values)."""

    reasons: list[str] = []
    flags: list[Flag] = []
    causes: list[Cause] = []
    decisions: list[Decision] = []
    defences: list[Defence] = []
    levels: list[Level] = []
    missing: list[Criterion] = []
    showcase: list[ShowcaseBasis] = []
    topics: list[Topic] = []
    signals: list[SignalKind] = []

    @model_validator(mode="after")
    def _not_empty(self) -> ActionCondition:
        if not any(getattr(self, k) for k in type(self).model_fields):
            raise ValueError("a condition needs at least one key (an action without `when` applies always)")
        return self


class Action(_Frozen):
    """One playbook action: for customers of ``tags`` when any ``when`` condition holds (none: always)."""

    tags: Annotated[list[Tag], Field(min_length=1)]
    priority: int
    zh: str
    en: str
    when: list[ActionCondition] = []
    fallback: bool = False
    # on the action list (actions/<region>.xlsx) to be done within this many days of the quarter's last day;
    # None: an ongoing way of working, not a task with a deadline, so not listed
    due_days: Annotated[int, Field(ge=0)] | None = None
    # who carries it out: the customer's rep, or the nail's escalation lead (the rep where there is none)
    owner: Literal["rep", "lead"] = "rep"


class TagText(_Frozen):
    benchmark: ReasonText
    nail: ReasonText
    at_risk: ReasonText
    regular: ReasonText


ACTION_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


class LeadWords(_Frozen):
    """What ``{lead}`` in an action's text reads, per rung of the ladder; ``any`` where the rung is not known."""

    rep: ReasonText
    supervisor: ReasonText
    regional_manager: ReasonText
    executive: ReasonText
    any: ReasonText


ACTION_PLACEHOLDERS = ("lead",)


class PlaybookParams(_Frozen):
    """Strategy per tag and the actions that carry it out (params/playbook.yaml)."""

    strategies: TagText
    actions: dict[str, Action]
    leads: LeadWords
    # share (0..1) of at-risk customers drawn at random each quarter to get no action (flag `holdout`), so
    # that the next report can tell what the defences changed; 0: none
    holdout_share: Share = 0.0

    @model_validator(mode="after")
    def _codes_known_and_every_tag_served(self) -> PlaybookParams:
        problems = [f"action code '{c}' must be lower_snake_case" for c in self.actions if not ACTION_CODE.match(c)]
        known = set(ReasonParams.model_fields) | set(PrescriptionReasonParams.model_fields)
        for code, action in self.actions.items():
            unknown = sorted({r for w in action.when for r in w.reasons} - known)
            if unknown:
                problems.append(f"action '{code}': unknown reason code(s) {unknown}")
            for lang in ("zh", "en"):
                names = sorted(set(re.findall(r"\{(\w*)\}", getattr(action, lang))) - set(ACTION_PLACEHOLDERS))
                if names:
                    problems.append(f"action '{code}'.{lang}: unknown placeholder(s) {names} "
                                    f"(only {{{', '.join(ACTION_PLACEHOLDERS)}}})")
        for tag in PRESCRIPTION_TAGS:
            if not any(tag in a.tags and (a.fallback or not a.when) for a in self.actions.values()):
                problems.append(f"tag '{tag}' needs an action without `when` or with `fallback: true`, "
                                "so that every customer gets at least one action")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class Params(_Frozen):
    io: IOParams
    validation: ValidationParams
    scoring: ScoringParams
    backtest: BacktestParams
    report: ReportParams
    reasons: ReasonParams
    prescription: PrescriptionParams
    playbook: PlaybookParams

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
        currency = data.get("report", {}).get("currency") if isinstance(data.get("report"), dict) else None
        handed = {"reasons": wording, **({"currency": currency} if isinstance(currency, dict) else {})}
        return {**data, "scoring": {**data["scoring"], **handed}}

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
        "Run tagkit from the project checkout (cd into it first, as cron jobs must)."
    )


# the mappings whose keys are the user's, not a fixed schema: a params file extends them key by key,
# and a key given as null (``~``) removes the default entry (elsewhere null is a value, e.g. "find it")
OPEN_MAPPINGS = (("io", "aliases"), ("io", "aliases", "*"), ("validation", "max_null_rate"),
                 ("validation", "max_quarantine_share"), ("playbook", "actions"))


def _is_open(path: tuple[str, ...]) -> bool:
    return any(len(path) == len(m) and all(a == b or b == "*" for a, b in zip(path, m, strict=True))
               for m in OPEN_MAPPINGS)


def _deep_merge(base: dict[str, Any], top: dict[str, Any], path: tuple[str, ...] = ()) -> dict[str, Any]:
    """``top`` over ``base``, mapping by mapping: a user's file changes only the keys it names."""
    out = dict(base)
    for key, value in top.items():
        if value is None and _is_open(path):
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value, (*path, str(key)))
        else:
            out[key] = value
    return out


def with_changes(params: Params, changes: dict[str, Any], *, source: str = "changes") -> Params:
    """``params`` with ``changes`` merged in key by key, as a ``--params`` file would be, and checked like one."""
    return parse_params(_deep_merge(params.model_dump(mode="json"), changes), source=source)


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


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The params model that holds the key at ``loc`` (a mapping's own keys are the user's: None)."""
    model: Any = Params
    for part in loc[:-1]:
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            return None
        annotation = fields[part].annotation
        model = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _unknown_key(loc: tuple) -> str:
    where = ".".join(str(p) for p in loc)
    model = _model_at(loc)
    known = list(model.model_fields) if model else []
    close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'? " if close else ""
    keys = f"the keys here are {', '.join(known)}" if known and len(known) <= 12 else "see params/*.yaml for the keys"
    return f"unknown key '{where}': {hint}{keys}"


# pydantic's error types in the words of a params file's reader (never "instance of Band")
_PLAIN = {
    "float_parsing": "must be a number", "float_type": "must be a number",
    "int_parsing": "must be a whole number", "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_parsing": "must be true or false", "bool_type": "must be true or false",
    "string_type": "must be text", "list_type": "must be a list (one '- item' per line)",
    "dict_type": "must be a mapping (key: value lines indented under it)",
}


def _wrong_value(err: dict[str, Any]) -> str:
    loc = tuple(err["loc"])
    where, got, kind, ctx = ".".join(str(p) for p in loc), err.get("input"), err["type"], err.get("ctx", {})
    if kind == "model_type":
        model = _model_at((*loc, "_"))
        fields = ", ".join(model.model_fields) if model else ""
        said = f"must be a mapping with the keys {fields}" if fields else "must be a mapping"
    elif kind == "literal_error":
        said = f"must be one of {ctx.get('expected')}"
    elif kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = next(iter(ctx.values()), "")
        said = {"greater_than_equal": "at least", "greater_than": "more than", "less_than_equal": "at most",
                "less_than": "less than"}[kind]
        said = f"must be {said} {bound}"
    elif kind == "value_error":
        said = str(ctx.get("error", err["msg"]))
    else:
        said = _PLAIN.get(kind, err["msg"].replace("Input should be", "must be").rstrip("."))
    return f"'{where}' {said}; got {got!r}"


def parse_params(raw: dict[str, Any], source: str = "params") -> Params:
    """Validate a params mapping, reporting every problem at once."""
    try:
        return Params.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            if err["type"] == "extra_forbidden":
                problems.append(_unknown_key(tuple(err["loc"])))
            elif err["type"] == "missing":
                problems.append(f"missing key '{'.'.join(str(p) for p in err['loc'])}'")
            else:
                problems.append(_wrong_value(err))
        raise ParamsError(f"{source}: {len(problems)} problem(s) in params:\n" + "\n".join(f"  - {p}" for p in problems)) from exc


def parse_quarter(quarter: str) -> tuple[int, int]:
    """``"2026Q3"`` → ``(2026, 3)``; anything else is a usage error."""
    m = QUARTER_RE.match(str(quarter))
    if not m:
        raise UsageError(f"quarter '{quarter}' must look like YYYYQn, e.g. 2026Q3.")
    return int(m.group(1)), int(m.group(2))
