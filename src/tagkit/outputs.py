"""Writing a run's tables so that the same rows give the same bytes.

polars writes a DataFrame's parquet row groups along its in-memory chunks, and how a frame is
chunked after a parallel or streaming collect varies from run to run (at 200k customers,
``scores.parquet`` came out as row groups of 100,021 + 99,979 rows in one run and 100,006 +
99,994 in the next: equal tables, different files). One chunk first, then the layout is the rows'.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl


def write_table(frame: pl.DataFrame, path: str | Path, **options: Any) -> None:
    """``frame`` to parquet at ``path``, laid out the same whatever its chunks; ``options`` go to
    ``write_parquet`` (default: no statistics)."""
    frame.rechunk().write_parquet(path, **{"statistics": False, **options})


# what makes a spreadsheet read a cell as a formula (OWASP "CSV injection"): =, +, -, @, and a tab or
# carriage return in front of them
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_spreadsheet_text(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every text cell that a spreadsheet would run as a formula (a customer named
    ``=HYPERLINK(...)``, ``-3+4``) behind a leading apostrophe, which spreadsheets show as text.
    Numbers stay numbers: a negative amount is a number column, not text."""
    text = [c for c, t in frame.schema.items() if t == pl.String]
    return frame.with_columns(
        pl.when(pl.any_horizontal(pl.col(c).str.starts_with(s) for s in FORMULA_STARTS))
        .then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in text
    )


def write_csv_for_spreadsheets(frame: pl.DataFrame, path: str | Path) -> None:
    """``frame`` as CSV, UTF-8 with a BOM (so Excel shows Chinese), its text safe to open in a spreadsheet
    (:func:`as_spreadsheet_text`)."""
    as_spreadsheet_text(frame).write_csv(path, include_bom=True)
