"""The seven contract scores, each 0..100 or null where its inputs are absent.

- ``score_contribution``: rank of trailing-4q sales within the region (the ABC view, as a score).
- ``score_loyalty``: tenure, regularity of ordering, share of wallet (exclusivity, 专营度) and
  breadth of our lines, weighted (params ``loyalty``).
- ``score_influence``: influence scope, downstream outlets (log scale) and referrals, weighted
  over the parts the customer has (params ``influence``); null when all three are unknown.
- ``score_satisfaction``: survey satisfaction over the survey window on 0..100, less points per
  complaint in it; null without surveys.
- ``score_cooperation``: survey cooperation (how well the customer follows our programmes) on
  0..100; null without surveys.
- ``score_potential``: rank within the region of the untapped potential
  (``potential_annual_value`` − trailing sales); null where the potential is unknown.
- ``score_risk`` is not made here: it is the learned chance of going bad next quarter
  (:mod:`tagkit.scoring.risk_model`), added by the engine from the risk signals.
"""
from __future__ import annotations

import polars as pl

from tagkit.params import ScoringParams
from tagkit.scoring.exprs import capped_points, log_points, percent_rank, survey_points, weighted_mean


def score_frame(features: pl.LazyFrame, *, p: ScoringParams) -> pl.LazyFrame:
    """Add the six scores other than ``score_risk`` (one quarter's rows: the ranks are within each region)."""
    inf, loy, sat = p.influence, p.loyalty, p.satisfaction
    scope = pl.col("influence_scope").replace_strict(
        {k: float(v) for k, v in inf.scope_points}, default=None, return_dtype=pl.Float64
    )
    complaint_points = (pl.col("complaints_window").fill_null(0) * sat.complaint_points).clip(
        0, sat.complaint_points_max
    )
    return features.with_columns(
        score_contribution=percent_rank("sales_trailing_4q"),
        score_loyalty=100
        * weighted_mean({
            "tenure": (loy.weights.tenure, (pl.col("tenure_days") / loy.tenure_full_days).clip(0.0, 1.0)),
            "regularity": (loy.weights.regularity, pl.col("regularity")),
            "share_of_wallet": (
                loy.weights.share_of_wallet,
                (pl.col("share_of_wallet") / loy.share_of_wallet_full).clip(0.0, 1.0),
            ),
            "breadth": (loy.weights.breadth, pl.col("lines_share")),
        }),
        score_influence=weighted_mean({
            "scope": (inf.weights.scope, scope),
            "outlets": (inf.weights.outlets, log_points("downstream_outlets", inf.outlets_full)),
            "referrals": (inf.weights.referrals, capped_points("referrals", inf.referrals_full)),
        }),
        score_satisfaction=(survey_points("satisfaction_mean") - complaint_points).clip(0.0, 100.0),
        score_cooperation=survey_points("cooperation_mean"),
        score_potential=percent_rank("headroom"),
    )
