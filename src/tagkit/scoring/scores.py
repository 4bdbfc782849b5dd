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
- ``score_risk``: 100 × weighted mean of the risk components (:func:`risk_components`, params
  ``risk``); a component whose table is absent drops out, so the score exists from customers and
  orders alone.
"""
from __future__ import annotations

import polars as pl

from tagkit.params import ScoringParams
from tagkit.scoring.exprs import capped_points, log_points, percent_rank, survey_points, unit, weighted_mean

RISK_COMPONENTS = ("sales_decline", "orders_lapsed", "fewer_visits", "complaints", "satisfaction_drop",
                   "competitor_signals")


def _present(table_column: str, value: pl.Expr) -> pl.Expr:
    """``value`` where the table behind ``table_column`` is present (its counts are non-null), else null."""
    return pl.when(pl.col(table_column).is_not_null()).then(value.fill_null(0.0))


def risk_components(p: ScoringParams) -> dict[str, pl.Expr]:
    """Each risk signal on 0..1 (1 = strongest evidence); null only where its table is absent."""
    r, life = p.risk, p.lifecycle
    relative = pl.col("decline_relative")
    never_ordered = unit(pl.col("tenure_days") / life.default_interval_days, r.lapse_start, r.lapse_full)
    visits_drop = pl.when(pl.col("visits_before") >= r.visits_before_min).then(
        (1 - pl.col("visits_recent_per_quarter") / pl.col("visits_before_per_quarter")).clip(0.0, 1.0)
    )
    satisfaction_drop = ((pl.col("satisfaction_before") - pl.col("satisfaction_recent"))
                         / r.satisfaction_drop_full).clip(0.0, 1.0)
    return {
        "sales_decline": unit(-relative, r.decline_floor, r.decline_full).fill_null(0.0),
        "orders_lapsed": pl.when(pl.col("last_order").is_null())
        .then(never_ordered.fill_null(1.0))
        .otherwise(unit(pl.col("lapse_ratio"), r.lapse_start, r.lapse_full)),
        "fewer_visits": _present("visits_trailing", visits_drop),
        "complaints": _present("complaints_recent", (pl.col("complaints_recent") / r.complaints_full).clip(0.0, 1.0)),
        "satisfaction_drop": _present("complaints_recent", satisfaction_drop),
        "competitor_signals": _present("signals_recent", (pl.col("signals_weighted") / r.signals_full).clip(0.0, 1.0)),
    }


def decline_basis(p: ScoringParams) -> pl.Expr:
    """Which comparison judges the customer's sales: ``quarter_yoy``, ``quarter_qoq`` or ``year``.

    The same quarter last year where there is one (the customer's own season), else the previous
    quarter; a customer ordering less often than every ``decline_long_interval_days`` is judged on
    its trailing four quarters against the four before, since one quarter holds too few of its
    orders to tell a decline from its rhythm. All against the region's median change.
    """
    long_rhythm = (pl.col("usual_interval_days") > p.risk.decline_long_interval_days).fill_null(False)
    return (
        pl.when(long_rhythm & pl.col("year_relative").is_not_null()).then(pl.lit("year"))
        .when(pl.col("yoy_relative").is_not_null()).then(pl.lit("quarter_yoy"))
        .when(pl.col("qoq_relative").is_not_null()).then(pl.lit("quarter_qoq"))
    )


def score_frame(features: pl.LazyFrame, *, p: ScoringParams) -> pl.LazyFrame:
    """Add the seven scores and the risk components (``risk_<component>``, 0..1) behind ``score_risk``."""
    inf, loy, sat = p.influence, p.loyalty, p.satisfaction
    scope = pl.col("influence_scope").replace_strict(
        {k: float(v) for k, v in inf.scope_points}, default=None, return_dtype=pl.Float64
    )
    complaint_points = (pl.col("complaints_window").fill_null(0) * sat.complaint_points).clip(
        0, sat.complaint_points_max
    )
    components = risk_components(p)
    basis = pl.col("decline_basis")
    return features.with_columns(decline_basis=decline_basis(p)).with_columns(
        decline_relative=pl.when(basis == "year").then(pl.col("year_relative"))
        .when(basis == "quarter_yoy").then(pl.col("yoy_relative"))
        .when(basis == "quarter_qoq").then(pl.col("qoq_relative")),
    ).with_columns(
        **{f"risk_{name}": expr for name, expr in components.items()},
    ).with_columns(
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
        score_risk=100 * weighted_mean({c: (getattr(p.risk.weights, c), pl.col(f"risk_{c}")) for c in RISK_COMPONENTS}),
    )
