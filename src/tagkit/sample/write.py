"""Where the generated tables go: one CSV file written batch by batch, or hive-partitioned parquet parts.

A table written in parts is ``<name>/quarter=<YYYYQn>/part-<i>.parquet``, one
part per batch of customers, numbered with as many digits as the last part
needs (``part-0`` when a quarter is one part, ``part-00`` … ``part-19`` for
twenty), so the parts sort in the order they were written. The io layer reads
such a folder as one table (DATA_CONTRACT.md, "a folder: every file in it").

The outcome quarter's orders (``_truth/next_quarter/orders.parquet``) are one
parquet file instead, each batch a row group of it (:class:`ParquetFile`).
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from tagkit.contract import TABLES


def clear_table(out_dir: Path, name: str) -> None:
    """Remove what a generation may have written for table ``name`` before: ``<name>.csv`` and
    ``<name>/quarter=*``, so that the table has exactly one source however it was written last time.
    Anything else in ``<name>/`` (a hand-made extra file) is left alone."""
    (out_dir / f"{name}.csv").unlink(missing_ok=True)
    folder = out_dir / name
    if folder.is_dir():
        for stale in folder.glob("quarter=*"):
            shutil.rmtree(stale)
        if not any(folder.iterdir()):
            folder.rmdir()


def write_csv(frame: pl.DataFrame, path: Path) -> None:
    """A whole contract table as one CSV file, contract columns in contract order."""
    frame.select(TABLES[path.stem].column_names).write_csv(path)


@dataclass
class TableSink:
    """One table being written batch by batch, quarter by quarter.

    ``parts`` is the number of batches per quarter. As CSV, batches are appended to
    ``<name>.csv`` (the header once); as parquet, each batch is a part of its quarter.
    Either way the contract columns are written in contract order.
    """

    out_dir: Path
    name: str
    parquet: bool
    parts: int
    rows: int = 0
    _started: bool = False

    def __post_init__(self) -> None:
        clear_table(self.out_dir, self.name)

    def part_path(self, quarter: str, part: int) -> Path:
        width = len(str(self.parts - 1))
        return self.out_dir / self.name / f"quarter={quarter}" / f"part-{part:0{width}d}.parquet"

    def write(self, frame: pl.DataFrame, quarter: str, part: int) -> None:
        frame = frame.select(TABLES[self.name].column_names)
        if self.parquet:
            path = self.part_path(quarter, part)
            path.parent.mkdir(parents=True, exist_ok=True)
            frame.write_parquet(path)
        else:
            with (self.out_dir / f"{self.name}.csv").open("ab" if self._started else "wb") as fh:
                frame.write_csv(fh, include_header=not self._started)
        self._started = True
        self.rows += frame.height


class ParquetFile:
    """One table written batch by batch into a single parquet file, each batch a row group, contract columns
    in contract order: a scale-up's batches need not be held at once to make one file."""

    def __init__(self, path: Path, name: str) -> None:
        self.path, self.name, self.rows = path, name, 0
        self._writer: pq.ParquetWriter | None = None
        path.parent.mkdir(parents=True, exist_ok=True)

    def write(self, frame: pl.DataFrame) -> None:
        table = frame.select(TABLES[self.name].column_names).to_arrow()
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, table.schema, compression="zstd")
        self._writer.write_table(table)
        self.rows += frame.height

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
