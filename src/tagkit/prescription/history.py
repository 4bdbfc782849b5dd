"""The tags over the history: earlier quarters scored cheaply, and the customer-quality index.

Each earlier quarter (``quality_index.history_quarters`` in all, this one included) comes from
the run's :class:`~tagkit.scoring.timeline.Timeline`: scored as it would have been then (its
features as of its last day, a risk model learned from the quarters before it, raw tags without
hysteresis), its speculators detected as of that quarter and the speculator precedence applied,
so every quarter is judged the same way. The current quarter's rows are the prescribed customers
themselves (what the report shows).

**Customer-quality index** (one value per region and quarter): the share of the quarter's sales
(positive net sales) that comes from benchmark customers and healthy regular customers (regular,
neither speculator nor dormant); the rest is split into nail, at-risk and speculator sales.
"Quality rising over two to three years" shows as this index rising. ``quarters_of_history``
counts the region's quarters with orders up to that quarter: the first ones rest on less history
(no trailing year yet), so read them with care. Quarters before the region's first order are
left out. Sums run in integer cents, so the figures are the same whatever the row order.
"""
from __future__ import annotations

import datetime as dt

import polars as pl

from tagkit.params import PrescriptionParams, ScoringParams
from tagkit.prescription.speculators import attach_speculators, speculator_demoted
from tagkit.quarters import quarter_index, quarter_of, shift_quarter
from tagkit.scoring.timeline import Timeline

HISTORY_SCHEMA = pl.Schema({
    "customer_id": pl.String, "region": pl.String, "rep_id": pl.String, "quarter": pl.String, "qi": pl.Int64,
    "tag": pl.String, "is_speculator": pl.Boolean, "is_dormant": pl.Boolean, "sales_quarter": pl.Float64,
    "lines_bought": pl.Int64,
})
QUALITY_PARTS = ("benchmark", "healthy_regular", "nail", "at_risk", "speculator", "dormant")


def _history_rows(frame: pl.LazyFrame, quarter: str, *, dormant: pl.Expr) -> pl.LazyFrame:
    return frame.select(
        "customer_id", "region", "rep_id",
        quarter=pl.lit(quarter), qi=pl.lit(quarter_index(quarter), dtype=pl.Int64),
        tag="tag", is_speculator="is_speculator", is_dormant=dormant.fill_null(False),
        sales_quarter="sales_quarter", lines_bought=pl.col("lines_bought").cast(pl.Int64),
    ).cast(HISTORY_SCHEMA)


def earlier_quarter(timeline: Timeline, *, quarter: str, scoring: ScoringParams, p: PrescriptionParams) -> pl.LazyFrame:
    """One earlier quarter's rows: the timeline's raw tag, then the speculator precedence."""
    scored = timeline.quarter(quarter_index(quarter)).lazy()
    scored = attach_speculators(scored, timeline.panels.orders, quarter=quarter, p=p.speculator)
    scored = scored.with_columns(tag=pl.when(speculator_demoted(scoring)).then(pl.lit("regular"))
                                 .otherwise(pl.col("tag")))
    return _history_rows(scored, quarter, dormant=pl.col("is_dormant"))


def history_quarters(quarter: str, *, first_order: dt.date | None, p: PrescriptionParams,
                     earliest: int | None = None) -> list[str]:
    """The earlier quarters of the history: up to ``history_quarters - 1`` before ``quarter``, none
    before the quarter of the first order (``first_order``, a date or None) nor before ``earliest``
    (a quarter index: the first the timeline holds)."""
    earlier = [shift_quarter(quarter, -k) for k in range(p.quality_index.history_quarters - 1, 0, -1)]
    if first_order is None:
        return []
    first = max(quarter_index(quarter_of(first_order)), earliest if earliest is not None else 0)
    return [q for q in earlier if quarter_index(q) >= first]


def earlier_history(timeline: Timeline, *, quarters: list[str], scoring: ScoringParams,
                    p: PrescriptionParams) -> pl.DataFrame:
    """customer × quarter rows (:data:`HISTORY_SCHEMA`) of ``quarters``, each as the timeline scored it."""
    frames = [earlier_quarter(timeline, quarter=q, scoring=scoring, p=p).collect() for q in quarters]
    return pl.concat(frames, how="vertical") if frames else pl.DataFrame(schema=HISTORY_SCHEMA)


def current_rows(customers: pl.LazyFrame, *, quarter: str) -> pl.LazyFrame:
    """This quarter's history rows, from the prescribed customers (tags after the precedence)."""
    return _history_rows(customers, quarter, dormant=pl.col("flags").list.contains("dormant"))


def _cents(expr: pl.Expr) -> pl.Expr:
    return (expr * 100).round().cast(pl.Int64)


def quality_index(history: pl.LazyFrame) -> pl.LazyFrame:
    """region × quarter: sales by part (see the module docstring) and ``quality_index`` (0..1)."""
    tag, spec, dormant = pl.col("tag"), pl.col("is_speculator"), pl.col("is_dormant")
    # speculator first: its volume is never quality, whatever its tag
    part = (
        pl.when(spec).then(pl.lit("speculator"))
        .when(tag == "benchmark").then(pl.lit("benchmark"))
        .when(tag == "nail").then(pl.lit("nail"))
        .when(tag == "at_risk").then(pl.lit("at_risk"))
        .when(dormant).then(pl.lit("dormant"))
        .otherwise(pl.lit("healthy_regular"))
    )
    sales = _cents(pl.col("sales_quarter").clip(0))
    per_quarter = (
        history.with_columns(_part=part, _cents=sales)
        .group_by("region", "quarter", "qi")
        .agg(
            customers=pl.len().cast(pl.Int64),
            _total=pl.col("_cents").sum(),
            **{f"_{k}": pl.col("_cents").filter(pl.col("_part") == k).sum() for k in QUALITY_PARTS},
        )
        .filter(pl.col("_total") > 0)
    )
    share = {f"share_{k}": (pl.col(f"_{k}") / pl.col("_total")).round(4) for k in QUALITY_PARTS}
    return per_quarter.sort("region", "qi").select(
        "region", "quarter", "customers",
        sales=pl.col("_total") / 100,
        **{f"sales_{k}": pl.col(f"_{k}") / 100 for k in QUALITY_PARTS},
        **share,
        quality_index=((pl.col("_benchmark") + pl.col("_healthy_regular")) / pl.col("_total")).round(4),
        quarters_of_history=pl.col("qi").rank("ordinal").over("region").cast(pl.Int64),
    )


def tag_at(history: pl.LazyFrame, *, quarter: str, alias: str) -> pl.LazyFrame:
    """``customer_id, <alias>``: each customer's tag in ``quarter`` (no row where the history lacks it)."""
    return history.filter(pl.col("qi") == quarter_index(quarter)).select("customer_id", pl.col("tag").alias(alias))
