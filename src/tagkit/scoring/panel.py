"""One pass over each input table into compact customer × quarter panels.

Every quarter-dependent feature is derived from these panels (:mod:`tagkit.scoring.features`),
so scoring the previous quarter as well (for ``previous_tag``) re-reads a few rows per customer
and quarter instead of every order line. The panels are plain ``group_by`` aggregations, which
the streaming engine runs in bounded memory, and each is cached so the two quarters share it.
The order lines are read twice: customer × quarter (sales, rhythm) and customer × product line
(breadth); that second, narrower pass is the only other one over the largest table.

Quarters are integers here (``year * 4 + quarter - 1``), so windows are integer ranges.
Money is summed in integer cents: a float sum depends on the order rows arrive in, an
integer sum does not, and scores must not change when the input rows are shuffled.
"""
from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from tagkit.contract import SIGNALS, TOPICS, VISIT_TYPES
from tagkit.params import WindowParams, parse_quarter
from tagkit.quarters import quarter_end

ESCALATED_VISITS = ("supervisor", "manager", "executive")
CUSTOMER_COLUMNS = {
    "province": pl.String,
    "city": pl.String,
    "channel": pl.String,
    "lat": pl.Float64,
    "lon": pl.Float64,
    "potential_annual_value": pl.Float64,
    "downstream_outlets": pl.Int64,
    "influence_scope": pl.String,
    "referrals": pl.Int64,
    "since": pl.Date,
}


def quarter_index(quarter: str) -> int:
    """``"2026Q3"`` → ``8106`` (``year * 4 + quarter - 1``): consecutive quarters are consecutive integers."""
    year, q = parse_quarter(quarter)
    return year * 4 + q - 1


def quarter_index_of(date: str) -> pl.Expr:
    """The quarter index of each date in column ``date``."""
    col = pl.col(date)
    return (col.dt.year().cast(pl.Int32) * 4 + col.dt.quarter().cast(pl.Int32) - 1).alias("qi")


def _has(frame: pl.LazyFrame, column: str) -> bool:
    return column in frame.collect_schema().names()


def _column(frame: pl.LazyFrame, column: str, dtype: pl.DataType) -> pl.Expr:
    """``column`` when the table has it, else a typed null: optional contract columns may be left out."""
    if _has(frame, column):
        return pl.col(column).cast(dtype)
    return pl.lit(None, dtype=dtype).alias(column)


@dataclass(frozen=True)
class Panels:
    """The customers and the per-quarter panels, cut at the last day of ``last_quarter``.

    A panel is ``None`` when its source table is absent, so the scores that need it are null.
    ``lines`` serves ``last_quarter`` and the quarter before it (see :func:`line_panel`).
    """

    last_quarter: str
    customers: pl.LazyFrame
    orders: pl.LazyFrame
    lines: pl.LazyFrame
    visits: pl.LazyFrame | None
    feedback: pl.LazyFrame | None
    signals: pl.LazyFrame | None

    @property
    def absent_tables(self) -> list[str]:
        """Optional tables whose signals are unavailable for every customer."""
        named = {"visits": self.visits, "feedback": self.feedback, "competitor_signals": self.signals}
        return [name for name, panel in named.items() if panel is None]


def customer_frame(customers: pl.LazyFrame) -> pl.LazyFrame:
    """The customers with every optional contract column present (typed nulls where absent).

    Sorted by customer_id here, while the frame is narrow: every later join keeps this order, so the
    scores come out sorted without sorting the wide frame at the end.
    """
    return customers.select(
        pl.col("customer_id", "customer_name", "region", "rep_id").cast(pl.String),
        *(_column(customers, name, dtype) for name, dtype in CUSTOMER_COLUMNS.items()),
    ).sort("customer_id")


def order_panel(orders: pl.LazyFrame, *, last: int, as_of: object) -> pl.LazyFrame:
    """customer × quarter: net sales (cents), ordering days, first and last order day."""
    return (
        orders.filter(pl.col("order_date") <= as_of)
        .select(
            "customer_id",
            "order_date",
            quarter_index_of("order_date"),
            cents=(pl.col("amount") * 100).round().cast(pl.Int64),
        )
        .filter(pl.col("qi") <= last)
        .group_by("customer_id", "qi")
        .agg(
            sales_cents=pl.col("cents").sum(),
            order_days=pl.col("order_date").n_unique().cast(pl.Int64),
            first_order=pl.col("order_date").min(),
            last_order=pl.col("order_date").max(),
        )
    )


def line_panel(orders: pl.LazyFrame, *, first: int, last: int, as_of: object) -> pl.LazyFrame:
    """customer × product line: the first and last quarter (within ``first..last``) it bought the line.

    Breadth looks at the trailing window alone, so only quarters ``first..last`` are read: with
    ``first`` one quarter before the trailing window of ``last``, the first and last quarter tell
    exactly whether a line was bought in the trailing window of ``last`` or of the quarter before.
    This second pass over the order lines is the costliest after the first, hence the compact form.
    """
    schema = {"customer_id": pl.String, "product_line": pl.String, "first_qi": pl.Int32, "last_qi": pl.Int32}
    if not _has(orders, "product_line"):
        return pl.LazyFrame(schema=schema)
    return (
        orders.filter((pl.col("order_date") <= as_of) & pl.col("product_line").is_not_null())
        .select("customer_id", pl.col("product_line").cast(pl.String), quarter_index_of("order_date"))
        .filter(pl.col("qi").is_between(first, last))
        .group_by("customer_id", "product_line")
        .agg(first_qi=pl.col("qi").min(), last_qi=pl.col("qi").max())
    )


def visit_panel(visits: pl.LazyFrame | None, *, last: int, as_of: object) -> pl.LazyFrame | None:
    """customer × quarter: visits, by type, and by outcome."""
    if visits is None:
        return None
    vtype = _column(visits, "visit_type", pl.String)
    outcome = _column(visits, "outcome", pl.String)
    return (
        visits.filter(pl.col("visit_date") <= as_of)
        .select("customer_id", quarter_index_of("visit_date"), vtype, outcome)
        .filter(pl.col("qi") <= last)
        .group_by("customer_id", "qi")
        .agg(
            visits=pl.len().cast(pl.Int64),
            visits_with_outcome=pl.col("outcome").is_not_null().sum().cast(pl.Int64),
            visits_positive=(pl.col("outcome") == "positive").sum().cast(pl.Int64),
            visits_negative=(pl.col("outcome") == "negative").sum().cast(pl.Int64),
            visits_escalated=pl.col("visit_type").is_in(ESCALATED_VISITS).sum().cast(pl.Int64),
            **{f"visits_{t}": (pl.col("visit_type") == t).sum().cast(pl.Int64) for t in VISIT_TYPES},
        )
    )


def feedback_panel(feedback: pl.LazyFrame | None, *, last: int, as_of: object) -> pl.LazyFrame | None:
    """customer × quarter: survey sums and counts (1..5 integers, so means are exact) and complaints by topic."""
    if feedback is None:
        return None
    complaint = _column(feedback, "complaint", pl.Boolean).fill_null(False)
    topic = _column(feedback, "complaint_topic", pl.String)
    return (
        feedback.filter(pl.col("feedback_date") <= as_of)
        .select(
            "customer_id",
            quarter_index_of("feedback_date"),
            _column(feedback, "satisfaction", pl.Int64),
            _column(feedback, "cooperation", pl.Int64),
            complaint.alias("complaint"),
            topic,
        )
        .filter(pl.col("qi") <= last)
        .group_by("customer_id", "qi")
        .agg(
            satisfaction_sum=pl.col("satisfaction").sum().cast(pl.Int64),
            satisfaction_n=pl.col("satisfaction").count().cast(pl.Int64),
            cooperation_sum=pl.col("cooperation").sum().cast(pl.Int64),
            cooperation_n=pl.col("cooperation").count().cast(pl.Int64),
            complaints=pl.col("complaint").sum().cast(pl.Int64),
            **{
                f"complaints_{t}": (pl.col("complaint") & (pl.col("complaint_topic") == t)).sum().cast(pl.Int64)
                for t in TOPICS
            },
        )
    )


def signal_panel(signals: pl.LazyFrame | None, *, last: int, as_of: object) -> pl.LazyFrame | None:
    """customer × quarter: competitor signals by kind."""
    if signals is None:
        return None
    return (
        signals.filter(pl.col("signal_date") <= as_of)
        .select("customer_id", quarter_index_of("signal_date"), pl.col("signal").cast(pl.String))
        .filter(pl.col("qi") <= last)
        .group_by("customer_id", "qi")
        .agg(
            signals=pl.len().cast(pl.Int64),
            **{f"signals_{s}": (pl.col("signal") == s).sum().cast(pl.Int64) for s in SIGNALS},
        )
    )


def _cached(panel: pl.LazyFrame | None) -> pl.LazyFrame | None:
    # every panel feeds the scored quarter and the previous one: compute it once per collect
    return None if panel is None else panel.cache()


def build_panels(tables: dict[str, pl.LazyFrame], *, last_quarter: str, windows: WindowParams) -> Panels:
    """Panels of every table present, cut at ``last_quarter``'s last day (later rows are ignored).

    ``last_quarter`` and the quarter before it can then be scored from them (earlier quarters
    too, except for breadth, whose panel keeps only the trailing windows of those two).
    """
    last, as_of = quarter_index(last_quarter), quarter_end(last_quarter)
    orders = tables["orders"]
    return Panels(
        last_quarter=last_quarter,
        customers=customer_frame(tables["customers"]).cache(),
        orders=order_panel(orders, last=last, as_of=as_of).cache(),
        lines=line_panel(orders, first=last - windows.trailing_quarters, last=last, as_of=as_of).cache(),
        visits=_cached(visit_panel(tables.get("visits"), last=last, as_of=as_of)),
        feedback=_cached(feedback_panel(tables.get("feedback"), last=last, as_of=as_of)),
        signals=_cached(signal_panel(tables.get("competitor_signals"), last=last, as_of=as_of)),
    )
