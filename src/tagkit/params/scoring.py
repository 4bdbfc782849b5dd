"""``params/scoring.yaml``: weights, windows and thresholds of the score step."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from tagkit.currency import SYMBOL
from tagkit.lang import Lang
from tagkit.params.reasons import ReasonParams
from tagkit.params.types import Days, MaxBand, MinBand, Quarters, Score, Share, Weight, _Frozen


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
    steps: list[Annotated[float, Field(gt=0)]] = Field(default_factory=list)

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


def _symbols() -> dict[Lang, str]:
    return {"zh": SYMBOL["zh"], "en": SYMBOL["en"]}


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
    currency: dict[Lang, str] = Field(default_factory=_symbols)

    @model_validator(mode="after")
    def _abc_in_order(self) -> ScoringParams:
        if self.abc.b_share < self.abc.a_share:
            raise ValueError("abc.b_share must be at or above abc.a_share")
        return self
