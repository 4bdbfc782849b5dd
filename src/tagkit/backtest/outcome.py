"""Who a back-test judges, and the cut that keeps every scored quarter from seeing its future.

For a scored quarter ``q`` (its outcome quarter is ``q + 1``), customers are judged when they
were active (net sales > 0 over ``q - 3`` .. ``q``) and not already past the went-bad bar in
``q``. The others are excluded, each for one reason:
``no_purchase_yet`` (no order by the end of ``q``: not a customer yet),
``already_left`` (bought before, but nothing in the four quarters),
``net_sales_not_positive`` (only returns or credits in the four quarters: no level to decline from),
``already_past_bar`` (no purchase in ``q``, or sales already below ``1 - risk.decline_threshold``
of its base: a warning now would be late news).

**Went bad**: no purchase at all in ``q + 1``, or net sales in ``q + 1`` below
``(1 - risk.decline_threshold)`` × the customer's average quarter over ``q - 3`` .. ``q``, each
quarter with its region's seasonal movement taken out. It is computed from the order panel
(:mod:`tagkit.scoring.risk_signals`, ``outcome_columns``), the same definition the risk model learns.
A purchase is an order line with a positive amount; sales are summed in integer cents.
"""
from __future__ import annotations

import datetime as dt

import polars as pl

from tagkit.contract import TABLES
from tagkit.quarters import quarter_end, shift_quarter

EXCLUSIONS = ("no_purchase_yet", "already_left", "net_sales_not_positive", "already_past_bar")
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


