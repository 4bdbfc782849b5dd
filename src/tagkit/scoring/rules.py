"""The first, rule-based scores and tags (Part A): simple, documented, real.

Each score is 0..100, or null where its inputs are absent. The tag follows an
explicit precedence: at_risk, then benchmark, then nail, else regular. The
thresholds live in ``params/scoring.yaml``.
"""
from __future__ import annotations

import polars as pl

from tagkit.params import ScoringParams
from tagkit.scoring.features import SCOPE_POINTS, customer_features
from tagkit.quarters import quarter_end, shift_quarter


def _percent_rank(col: str) -> pl.Expr:
    """Rank of ``col`` within the customer's region, 0 (lowest) .. 100 (highest); null stays null."""
    n = pl.col(col).count().over("region")
    rank = pl.col(col).rank("average").over("region")
    return pl.when(n > 1).then((rank - 1) / (n - 1) * 100).otherwise(pl.when(n == 1).then(100.0))


def _survey_score(col: str) -> pl.Expr:
    """A 1..5 survey mean on the 0..100 scale."""
    return ((pl.col(col) - 1) / 4 * 100).clip(0, 100)


def _capped(expr: pl.Expr, full: float) -> pl.Expr:
    return (expr.cast(pl.Float64) / full).clip(0, 1) * 100


def _weighted_mean(parts: dict[str, tuple[float, pl.Expr]]) -> pl.Expr:
    """Weighted mean over the parts that are not null (absent signals drop out, they don't count as zero)."""
    num = pl.sum_horizontal([(w * e) for w, e in parts.values()])
    den = pl.sum_horizontal([pl.when(e.is_not_null()).then(pl.lit(w)).otherwise(0.0) for w, e in parts.values()])
    return pl.when(den > 0).then(num / den)


def score_frame(features: pl.LazyFrame, *, p: ScoringParams, quarter: str) -> pl.LazyFrame:
    """Add the seven contract scores and the helper ratios they come from."""
    as_of = quarter_end(quarter)
    tenure_start = pl.coalesce(pl.col("since"), pl.col("first_order"))
    lapse_ratio = pl.col("days_since_last_order") / pl.col("usual_interval_days")
    lapse = (
        pl.when(pl.col("last_order").is_null())
        .then(1.0)
        .when(pl.col("usual_interval_days").is_null() | (pl.col("usual_interval_days") <= 0))
        .then((pl.col("days_since_last_order") / 365).clip(0, 1))
        .otherwise(((lapse_ratio - 1) / (p.risk_lapse_factor - 1)).clip(0, 1))
    )
    decline = pl.when(pl.col("sales_before_2q") > 0).then(
        (-(pl.col("sales_recent_2q") - pl.col("sales_before_2q")) / pl.col("sales_before_2q")).clip(0, 1)
    )
    return features.with_columns(
        tenure_days=(pl.lit(as_of) - tenure_start).dt.total_days(),
        share_of_wallet=pl.when(pl.col("potential_annual_value") > 0).then(
            pl.col("sales_trailing_4q").clip(0) / pl.col("potential_annual_value")
        ),
        score_contribution=_percent_rank("sales_trailing_4q"),
        score_loyalty=(
            60 * pl.col("active_quarters_4q").fill_null(0) / 4
            + 40 * ((pl.lit(as_of) - tenure_start).dt.total_days() / 730).clip(0, 1).fill_null(0)
        ).cast(pl.Float64),
        score_influence=pl.mean_horizontal(
            pl.col("influence_scope").cast(pl.String).replace_strict(SCOPE_POINTS, default=None, return_dtype=pl.Float64),
            _capped(pl.col("downstream_outlets"), p.influence_outlets_full),
            _capped(pl.col("referrals"), p.influence_referrals_full),
        ),
        score_satisfaction=_survey_score("satisfaction_mean"),
        score_cooperation=_survey_score("cooperation_mean"),
        score_potential=_percent_rank("potential_annual_value"),
        score_risk=100
        * _weighted_mean(
            {
                "lapse": (0.45, lapse),
                "decline": (0.35, decline),
                "complaints": (0.1, (pl.col("complaints_recent") / 3).clip(0, 1)),
                "signals": (0.1, (pl.col("signals_recent") / 3).clip(0, 1)),
            }
        ),
    )


def tag_frame(scored: pl.LazyFrame, *, p: ScoringParams) -> pl.LazyFrame:
    """Tag by explicit precedence and list the reasons behind each tag."""
    enough_history = pl.col("history_days").fill_null(0) >= p.risk_min_history_days
    at_risk = (pl.col("score_risk") >= p.risk_threshold) & enough_history
    influence_ok = pl.col("score_influence") >= p.benchmark_min_influence
    satisfaction_ok = pl.col("score_satisfaction") >= p.benchmark_min_satisfaction
    cooperation_ok = pl.col("score_cooperation") >= p.benchmark_min_cooperation
    benchmark = (influence_ok & satisfaction_ok & cooperation_ok).fill_null(False) & ~at_risk.fill_null(False)
    nail = (
        (pl.col("score_potential") >= p.nail_min_potential)
        & (pl.col("share_of_wallet") <= p.nail_max_share_of_wallet)
        & (pl.col("tenure_days") >= p.nail_min_tenure_days)
    ).fill_null(False) & ~at_risk.fill_null(False) & ~benchmark
    tag = (
        pl.when(at_risk.fill_null(False))
        .then(pl.lit("at_risk"))
        .when(benchmark)
        .then(pl.lit("benchmark"))
        .when(nail)
        .then(pl.lit("nail"))
        .otherwise(pl.lit("regular"))
    )

    def reason(code: str, cond: pl.Expr) -> pl.Expr:
        return pl.when(cond.fill_null(False)).then(pl.lit(code))

    lapsed = pl.col("last_order").is_null() | (
        pl.col("days_since_last_order") > p.risk_lapse_factor * pl.col("usual_interval_days")
    )
    declined = pl.col("sales_recent_2q") < 0.7 * pl.col("sales_before_2q")
    reasons = pl.concat_list(
        reason("risk_orders_lapsed", pl.col("tag").eq("at_risk") & lapsed),
        reason("risk_sales_decline", pl.col("tag").eq("at_risk") & declined),
        reason("risk_complaints", pl.col("tag").eq("at_risk") & (pl.col("complaints_recent") > 0)),
        reason("risk_competitor_signals", pl.col("tag").eq("at_risk") & (pl.col("signals_recent") > 0)),
        reason("risk_score_high", pl.col("tag").eq("at_risk")),
        reason("benchmark_influence", pl.col("tag").eq("benchmark")),
        reason("benchmark_satisfaction", pl.col("tag").eq("benchmark")),
        reason("benchmark_cooperation", pl.col("tag").eq("benchmark")),
        reason("nail_high_potential", pl.col("tag").eq("nail")),
        reason("nail_low_share_of_wallet", pl.col("tag").eq("nail")),
    ).list.drop_nulls()
    return scored.with_columns(tag=tag).with_columns(reason_codes=reasons)


def abc_frame(scored: pl.LazyFrame, *, p: ScoringParams) -> pl.LazyFrame:
    """A/B/C by cumulative share of the region's trailing-4-quarter sales, largest first (the baseline)."""
    sales = pl.col("sales_trailing_4q").clip(0)
    ordered = scored.sort(["region", "sales_trailing_4q", "customer_id"], descending=[False, True, False])
    before = (sales.cum_sum() - sales).over("region") / sales.sum().over("region")
    return ordered.with_columns(
        abc_class=pl.when(sales.sum().over("region") <= 0)
        .then(pl.lit("C"))
        .when(before < p.abc_a_share)
        .then(pl.lit("A"))
        .when(before < p.abc_b_share)
        .then(pl.lit("B"))
        .otherwise(pl.lit("C"))
    )


CONTRACT_COLUMNS = [
    "customer_id", "customer_name", "region", "rep_id", "quarter", "tag", "previous_tag", "abc_class",
    "score_contribution", "score_loyalty", "score_influence", "score_satisfaction", "score_cooperation",
    "score_potential", "score_risk", "reason_codes", "sales_quarter", "sales_trailing_4q",
]


def tag_quarter(tables: dict[str, pl.LazyFrame], *, quarter: str, p: ScoringParams) -> pl.LazyFrame:
    """Features, scores, tags and ABC for one quarter (without ``previous_tag``)."""
    return (
        customer_features(tables, quarter=quarter)
        .pipe(score_frame, p=p, quarter=quarter)
        .pipe(tag_frame, p=p)
        .pipe(abc_frame, p=p)
        .with_columns(quarter=pl.lit(quarter))
    )


def score_customers(tables: dict[str, pl.LazyFrame], *, quarter: str, p: ScoringParams) -> pl.LazyFrame:
    """The ``scores.parquet`` frame: contract columns first, then the features behind them, by customer_id.

    ``previous_tag`` comes from scoring the previous quarter on the same history,
    so transitions exist on the first run.
    """
    current = tag_quarter(tables, quarter=quarter, p=p)
    previous = (
        tag_quarter(tables, quarter=shift_quarter(quarter, -1), p=p)
        # a customer with no order yet by then had no tag then
        .filter(pl.col("first_order").is_not_null())
        .select("customer_id", previous_tag=pl.col("tag"))
    )
    out = current.join(previous, on="customer_id", how="left")
    extras = [
        "share_of_wallet", "tenure_days", "history_days", "days_since_last_order", "usual_interval_days",
        "sales_previous_quarter", "lines_bought", "visits_4q", "positive_visits_4q", "complaints_recent",
        "signals_recent", "satisfaction_mean", "cooperation_mean", "lat", "lon", "city", "province",
    ]
    names = out.collect_schema().names()
    return out.select(*CONTRACT_COLUMNS, *[c for c in extras if c in names]).sort("customer_id")
