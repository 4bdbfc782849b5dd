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
