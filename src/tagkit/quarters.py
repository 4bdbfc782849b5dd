"""Calendar quarters (``YYYYQn``): bounds, neighbours, and a polars expression for labels."""
from __future__ import annotations

import datetime as dt

import polars as pl

from tagkit.params import parse_quarter


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
