"""Calendar quarters (``YYYYQn``): bounds, neighbours, quarter indices, and polars expressions for labels,
indices and the days to a quarter's end."""
from __future__ import annotations

import datetime as dt
import re

import polars as pl

from tagkit.errors import UsageError

QUARTER_RE = re.compile(r"^(\d{4})Q([1-4])$")


def parse_quarter(quarter: str) -> tuple[int, int]:
    """``"2026Q3"`` → ``(2026, 3)``; anything else is a usage error."""
    m = QUARTER_RE.match(str(quarter))
    if not m:
        raise UsageError(f"quarter '{quarter}' must look like YYYYQn, e.g. 2026Q3.")
    return int(m.group(1)), int(m.group(2))


def quarter_start(quarter: str) -> dt.date:
    year, q = parse_quarter(quarter)
    return dt.date(year, 3 * (q - 1) + 1, 1)


def quarter_end(quarter: str) -> dt.date:
    """The as-of date of a quarter: its last day."""
    year, q = parse_quarter(quarter)
    if q == 4:
        return dt.date(year, 12, 31)
    return dt.date(year, 3 * q + 1, 1) - dt.timedelta(days=1)


def shift_quarter(quarter: str, n: int) -> str:
    """``shift_quarter("2026Q1", -1) == "2025Q4"``."""
    year, q = parse_quarter(quarter)
    index = year * 4 + (q - 1) + n
    return f"{index // 4}Q{index % 4 + 1}"


def quarter_of(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarter_label(date_col: str | pl.Expr) -> pl.Expr:
    """A ``YYYYQn`` string for each date of ``date_col``."""
    col = pl.col(date_col) if isinstance(date_col, str) else date_col
    return pl.format("{}Q{}", col.dt.year(), col.dt.quarter())


def scorable_quarters(first_order: dt.date, last_order: dt.date) -> tuple[str, str]:
    """The first and last quarter a data span can score: the first quarter it covers from its first day
    (a quarter the data enters halfway would look like a quarter of lost sales) and the quarter of the
    newest order line."""
    first = quarter_of(first_order)
    if first_order > quarter_start(first):
        first = shift_quarter(first, 1)
    return first, quarter_of(last_order)


def quarter_outside_data(quarter: str, first_order: dt.date | None, last_order: dt.date | None) -> str | None:
    """Why ``quarter`` cannot be scored from order lines dated ``first_order`` .. ``last_order``, or None.

    A quarter after the newest order line would tag every customer dormant; one before the first full
    quarter has no history to judge anyone by. Both are a mistake in the command, not in the data.
    """
    if first_order is None or last_order is None:
        return None
    first, last = scorable_quarters(first_order, last_order)
    key = parse_quarter(quarter)
    if parse_quarter(first) <= key <= parse_quarter(last):
        return None
    where = "after the newest order line" if key > parse_quarter(last) else "before the first full quarter of the data"
    return (f"quarter {quarter} is {where}: the order lines run from {first_order.isoformat()} to "
            f"{last_order.isoformat()}, so the quarters that can be scored are {first} to {last}. "
            "Pass one of them (--quarter), or --quarter latest for the newest finished quarter.")


def quarter_index(quarter: str) -> int:
    """``"2026Q3"`` → ``8106`` (``year * 4 + quarter - 1``): consecutive quarters are consecutive integers."""
    year, q = parse_quarter(quarter)
    return year * 4 + q - 1


def quarter_index_of(date: str) -> pl.Expr:
    """The quarter index of each date in column ``date``."""
    col = pl.col(date)
    return (col.dt.year().cast(pl.Int32) * 4 + col.dt.quarter().cast(pl.Int32) - 1).alias("qi")


def quarter_index_of_label(label: str) -> pl.Expr:
    """The quarter index of each ``YYYYQn`` label in column ``label``."""
    col = pl.col(label)
    return (col.str.slice(0, 4).cast(pl.Int32) * 4 + col.str.slice(5, 1).cast(pl.Int32) - 1).alias("qi")


def quarter_label_of(qi: str) -> pl.Expr:
    """The ``YYYYQn`` label of each quarter index in column ``qi``."""
    return pl.format("{}Q{}", pl.col(qi) // 4, pl.col(qi) % 4 + 1)


def days_to_quarter_end(date: str) -> pl.Expr:
    """Days from each date to its quarter's last day (0 on that day).

    Integer arithmetic on the day of the year: building the quarter's end date for each order
    line costs several times more, and this runs on every line.
    """
    col = pl.col(date)
    quarter = col.dt.quarter()
    last_day = (
        pl.when(quarter == 1).then(90).when(quarter == 2).then(181).when(quarter == 3).then(273).otherwise(365)
        + col.dt.is_leap_year().cast(pl.Int32)
    )
    return last_day - col.dt.ordinal_day().cast(pl.Int32)
