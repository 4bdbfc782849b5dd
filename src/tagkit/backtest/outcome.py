"""Who a back-test judges, and what "went bad" means: pure LazyFrame functions over the order lines.

For a scored quarter ``q`` (its outcome quarter is ``q + 1``):

- **population**: customers with net sales > 0 over the four quarters up to ``q``
  (``q - 3`` .. ``q``). The others are excluded, each for one reason:
  ``no_purchase_yet`` (no purchase by the end of ``q``: not a customer yet),
  ``already_left`` (bought before, but nothing in the four quarters: already gone, so
  calling them at risk predicts nothing), ``net_sales_not_positive`` (only returns or
  credits in the four quarters: there is no level of sales to decline from).
- **went bad**: no purchase at all in ``q + 1``, or net sales in ``q + 1`` below
  ``(1 - decline_threshold)`` x the customer's average quarter over ``q - 3`` .. ``q``.

A purchase is an order line with a positive amount (returns and credits are negative
lines and are not orders). The outcome is computed from the order lines alone (through
their customer × quarter panel, :mod:`tagkit.scoring.order_lines`, the same one the
engine reads), not from the scoring engine, so it does not change when the engine does.
Sales are summed in integer cents, so the figures do not depend on the order of the rows.
"""
from __future__ import annotations

import datetime as dt

import polars as pl

from tagkit.contract import TABLES
from tagkit.quarters import quarter_end, shift_quarter
from tagkit.scoring.order_lines import order_panels, quarter_index

EXCLUSIONS = ("no_purchase_yet", "already_left", "net_sales_not_positive")
IN_POPULATION = "in_population"


def cut_at(tables: dict[str, pl.LazyFrame], as_of: dt.date) -> dict[str, pl.LazyFrame]:
    """Every dated table without its rows after ``as_of``.

    The engine is meant to ignore later rows itself; cutting here guarantees that a
    back-tested quarter never sees its own future, whatever the engine does.
    """
    out = {}
    for name, frame in tables.items():
        table = TABLES.get(name)
        date_col = table.date_column if table is not None else None
        if date_col is not None and date_col in frame.collect_schema().names():
            frame = frame.filter(pl.col(date_col) <= as_of)
        out[name] = frame
    return out


def history_quarters(quarter: str, data_start: dt.date) -> int:
    """How many of the four quarters up to ``quarter`` the data covers (0..4)."""
    return sum(quarter_end(shift_quarter(quarter, -i)) >= data_start for i in range(4))


def quarter_outcomes(
    orders: pl.LazyFrame, *, quarter: str, decline_threshold: float, history: int = 4
) -> pl.LazyFrame:
    """One row per customer with orders: population status and outcome for scored ``quarter``.

    ``history`` is the number of quarters the average quarter is taken over (4, fewer
    only when the data starts inside the window; see :func:`history_quarters`).
    Columns: ``customer_id, status, sales_4q, avg_quarter, sales_next, purchased_next,
    went_bad, no_order_next, days_since_last_purchase``.
    """
    panel = order_panels(orders, quarter=shift_quarter(quarter, 1)).quarters
    return panel_outcomes(panel, quarter=quarter, decline_threshold=decline_threshold, history=history)


def panel_outcomes(
    panel: pl.LazyFrame, *, quarter: str, decline_threshold: float, history: int = 4
) -> pl.LazyFrame:
    """:func:`quarter_outcomes` from the customer × quarter order panel (``OrderPanels.quarters``)."""
    as_of, q = quarter_end(quarter), quarter_index(quarter)
    qi = pl.col("qi")
    window, in_next = qi.is_between(q - 3, q), qi == q + 1
    purchase = pl.col("last_purchase").is_not_null()  # the quarter has a line with a positive amount

    def cents(when: pl.Expr) -> pl.Expr:
        return pl.when(when).then(pl.col("sales_cents")).otherwise(0).sum()

    per_customer = (
        panel.filter(qi <= q + 1)
        .group_by("customer_id")
        .agg(
            last_purchase=pl.when(qi <= q).then(pl.col("last_purchase")).max(),
            purchased_4q=(purchase & window).any(),
            sales_4q=cents(window) / 100,
            sales_next=cents(in_next) / 100,
            purchased_next=(purchase & in_next).any(),
        )
    )
    avg_quarter = pl.col("sales_4q") / history
    status = (
        pl.when(pl.col("last_purchase").is_null())
        .then(pl.lit("no_purchase_yet"))
        .when(~pl.col("purchased_4q"))
        .then(pl.lit("already_left"))
        .when(pl.col("sales_4q") <= 0)
        .then(pl.lit("net_sales_not_positive"))
        .otherwise(pl.lit(IN_POPULATION))
    )
    no_order_next = ~pl.col("purchased_next")
    declined = pl.col("sales_next") < (1 - decline_threshold) * avg_quarter
    return per_customer.select(
        "customer_id",
        status=status,
        sales_4q=pl.col("sales_4q"),
        avg_quarter=avg_quarter,
        sales_next=pl.col("sales_next"),
        purchased_next=pl.col("purchased_next"),
        # only defined for the population: an excluded customer is not a prediction either way
        went_bad=pl.when(status == IN_POPULATION).then(no_order_next | declined),
        no_order_next=pl.when(status == IN_POPULATION).then(no_order_next),
        days_since_last_purchase=(pl.lit(as_of) - pl.col("last_purchase")).dt.total_days(),
    )


def attach_outcomes(scores: pl.LazyFrame, outcomes: pl.LazyFrame, *, quarter: str) -> pl.LazyFrame:
    """The engine's scores of ``quarter`` with the outcome beside them, one row per scored customer.

    A customer in ``customers`` with no order line at all is ``no_purchase_yet``.
    """
    return (
        scores.select("customer_id", "region", "tag", "score_risk", "abc_class")
        .join(outcomes, on="customer_id", how="left")
        .with_columns(pl.col("status").fill_null("no_purchase_yet"), quarter=pl.lit(quarter))
    )
