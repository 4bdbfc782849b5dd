"""``params/prescription.yaml``: what to do about each customer, rep and region.

The sections of the three tags are :mod:`tagkit.params.prescription_tags`.
"""
from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import Field, field_validator, model_validator

from tagkit.params.prescription_tags import (
    AtRiskPrescriptionParams,
    BenchmarkPrescriptionParams,
    NailPrescriptionParams,
)
from tagkit.params.types import PerMonth, Quarters, ReasonText, Share, _Frozen


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
        if sorted(g.group for g in value) != sorted(get_args(PlanGroup)):
            raise ValueError(f"must list each of {', '.join(get_args(PlanGroup))} once")
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
