"""``params/prescription.yaml``, the sections of the three tags: ``benchmark``, ``nail`` and ``at_risk``.

The rest of the file (reps, regions, visits …) is :mod:`tagkit.params.prescription`.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from tagkit.params.scoring import SignalWeights
from tagkit.params.types import Money, PerMonth, Quarters, ReasonText, Score, Share, Weight, _Frozen
from tagkit.params.vocabulary import Defence, Outcome, RiskComponent, Rung, SignalKind, Topic


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
            raise ValueError(
                f"steps.signal_words needs a word for each signal kind of the defences; missing: {unnamed}")
        return self

    @field_validator("visit_frequency")
    @classmethod
    def _bands_descending(cls, value: list[RiskBand]) -> list[RiskBand]:
        if not value or [b.min_risk for b in value] != sorted((b.min_risk for b in value), reverse=True):
            raise ValueError("bands must be listed from the highest min_risk down")
        return value
