"""``params/reasons.yaml``: the sentence of every reason code of the scorer."""
from __future__ import annotations

from tagkit.params.types import ReasonText, _Frozen


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
