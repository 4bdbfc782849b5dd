"""One pass over each input table into compact customer × quarter panels.

Every quarter-dependent feature is derived from these panels (:mod:`tagkit.scoring.features`),
so scoring the previous quarter as well (for ``previous_tag``) re-reads a few rows per customer
and quarter instead of every order line. The order panels come from
:mod:`tagkit.scoring.order_lines`: two streaming aggregations of the order lines (customer ×
quarter, customer × product line), or a precomputed features table. The other panels are plain
``group_by`` aggregations too; each is cached so the two quarters share it, and
:meth:`Panels.collect` materialises them all once for scoring many quarters (back-test, history).

Quarters are integers here (``year * 4 + quarter - 1``), so windows are integer ranges.
Money is summed in integer cents: a float sum depends on the order rows arrive in, an
integer sum does not, and scores must not change when the input rows are shuffled.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import polars as pl

from tagkit.contract import SIGNALS, TOPICS, VISIT_TYPES
from tagkit.quarters import quarter_end, quarter_index, quarter_index_of
from tagkit.scoring.order_lines import OrderPanels, _has

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

__all__ = ["Panels", "build_panels", "customer_frame"]

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


def _column(frame: pl.LazyFrame, column: str, dtype: PolarsDataType) -> pl.Expr:
    """``column`` when the table has it, else a typed null: optional contract columns may be left out."""
    if _has(frame, column):
        return pl.col(column).cast(dtype)
    return pl.lit(None, dtype=dtype).alias(column)


@dataclass(frozen=True)
class Panels:
    """The customers and the per-quarter panels, cut at the last day of ``last_quarter``.

    A panel is ``None`` when its source table is absent, so the scores that need it are null.
    ``orders`` and ``lines`` are the :class:`~tagkit.scoring.order_lines.OrderPanels`
    (``lines_top``: the quarter index of bit 0 of ``lines.qbits``).
    """

    last_quarter: str
    customers: pl.LazyFrame
    orders: pl.LazyFrame
    lines: pl.LazyFrame
    lines_top: int
    visits: pl.LazyFrame | None
    feedback: pl.LazyFrame | None
    signals: pl.LazyFrame | None
    catalogue: pl.LazyFrame | None = None  # every customer's ``lines`` when these panels hold some customers only

    @property
    def absent_tables(self) -> list[str]:
        """Optional tables whose signals are unavailable for every customer."""
        named = {"visits": self.visits, "feedback": self.feedback, "competitor_signals": self.signals}
        return [name for name, panel in named.items() if panel is None]

    def collect(self) -> Panels:
        """Every panel computed now and held in memory (customer-level frames only), lazily wrapped.

        For scoring many quarters from one history (the back-test, the prescription's quality
        index): each quarter then filters these rows instead of reading the tables again. One
        panel after the other, so that only one aggregation's working memory is held at a time.
        """
        names = [n for n in LAZY_PANELS if getattr(self, n) is not None]
        return replace(self, **{n: getattr(self, n).collect(engine="streaming").lazy() for n in names})

    def until(self, quarter: str) -> Panels:
        """The panels as of ``quarter``'s last day (at most ``last_quarter``): later quarters' rows left out."""
        q = quarter_index(quarter)
        if q > quarter_index(self.last_quarter):
            raise ValueError(f"the panels end with {self.last_quarter}; {quarter} is later")
        cut = {n: getattr(self, n).filter(pl.col("qi") <= q) for n in QUARTER_PANELS if getattr(self, n) is not None}
        return replace(self, last_quarter=quarter, **cut)


    def for_customers(self, ids: pl.Series) -> Panels:
        """The panels of the customers ``ids`` only (``catalogue`` keeps every customer's product lines: the
        lines available to anyone are a company-wide figure)."""
        keep = pl.col("customer_id").is_in(ids.implode())
        cut = {n: getattr(self, n).filter(keep) for n in LAZY_PANELS if getattr(self, n) is not None}
        return replace(self, catalogue=self.catalogue if self.catalogue is not None else self.lines, **cut)


QUARTER_PANELS = ("orders", "visits", "feedback", "signals")  # customer × quarter index
LAZY_PANELS = ("customers", "lines", *QUARTER_PANELS)


def customer_frame(customers: pl.LazyFrame) -> pl.LazyFrame:
    """The customers with every optional contract column present (typed nulls where absent).

    Sorted by customer_id here, while the frame is narrow: every later join keeps this order, so the
    scores come out sorted without sorting the wide frame at the end.
    """
    return customers.select(
        pl.col("customer_id", "customer_name", "region", "rep_id").cast(pl.String),
        *(_column(customers, name, dtype) for name, dtype in CUSTOMER_COLUMNS.items()),
    ).sort("customer_id")


def visit_panel(visits: pl.LazyFrame | None, *, last: int, as_of: dt.date) -> pl.LazyFrame | None:
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


def feedback_panel(feedback: pl.LazyFrame | None, *, last: int, as_of: dt.date) -> pl.LazyFrame | None:
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


def signal_panel(signals: pl.LazyFrame | None, *, last: int, as_of: dt.date) -> pl.LazyFrame | None:
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


def build_panels(tables: dict[str, pl.LazyFrame], *, last_quarter: str, orders: OrderPanels) -> Panels:
    """Panels of every table present, cut at ``last_quarter``'s last day (later rows are ignored).

    ``orders`` are the order panels (:func:`tagkit.scoring.order_lines.resolve_panels`), from
    the order lines or a features table. ``last_quarter`` and any earlier quarter can be scored
    from the panels (breadth as far back as ``orders.lines`` reaches).
    """
    last, as_of = quarter_index(last_quarter), quarter_end(last_quarter)
    return Panels(
        last_quarter=last_quarter,
        customers=customer_frame(tables["customers"]).cache(),
        orders=orders.quarters.filter(pl.col("qi") <= last).cache(),
        lines=orders.lines.cache(),
        lines_top=orders.top,
        visits=_cached(visit_panel(tables.get("visits"), last=last, as_of=as_of)),
        feedback=_cached(feedback_panel(tables.get("feedback"), last=last, as_of=as_of)),
        signals=_cached(signal_panel(tables.get("competitor_signals"), last=last, as_of=as_of)),
    )
