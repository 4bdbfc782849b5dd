"""Small file builders for the tagkit.io tests: each writes one fixture file into tmp_path.

Imported by ``tests/test_io_*.py`` (pytest puts ``tests/`` on sys.path).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path

import pytest
import xlsxwriter

from tagkit.params import IOParams, load_params
from tagkit.project import project_root

Cell = str | int | float | bool | dt.date | dt.datetime | None


def write_csv(path: Path, rows: Sequence[Sequence[object]], *, encoding: str = "utf-8") -> Path:
    """Write ``rows`` (header first) as CSV bytes in ``encoding``."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[Cell]], *, title_rows: Sequence[str] = ()) -> Path:
    """Write an xlsx sheet: ``title_rows`` (one cell each), a blank row, then ``rows`` (header first).

    ``date``/``datetime`` cells are written as real Excel dates (a number with a date format).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with xlsxwriter.Workbook(str(path)) as book:
        sheet = book.add_worksheet("导出")
        date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
        row = 0
        for title in title_rows:
            sheet.write(row, 0, title)
            row += 1
        if title_rows:
            row += 1  # the blank spacer row exports put under a title
        for values in rows:
            for col, value in enumerate(values):
                if value is None:
                    continue
                if isinstance(value, dt.datetime | dt.date):
                    sheet.write_datetime(row, col, value, date_fmt)
                else:
                    sheet.write(row, col, value)
            row += 1
    return path


CUSTOMERS_EN = [
    ["customer_id", "customer_name", "region", "rep_id"],
    ["C1", "Alpha", "East", "R1"],
    ["C2", "Beta", "South", "R2"],
]
ORDERS_EN = [
    ["order_id", "customer_id", "order_date", "amount"],
    ["O1", "C1", "2026-02-05", "100.5"],
    ["O2", "C2", "2026-03-01", "-20"],
    ["O3", "C1", "2026-03-02", "7"],
]


def write_minimal(data: Path, *, skip: Sequence[str] = ()) -> Path:
    """A valid data folder with customers.csv and orders.csv, minus the tables in ``skip``."""
    data.mkdir(parents=True, exist_ok=True)
    if "customers" not in skip:
        write_csv(data / "customers.csv", CUSTOMERS_EN)
    if "orders" not in skip:
        write_csv(data / "orders.csv", ORDERS_EN)
    return data


@pytest.fixture(scope="session")
def io_params() -> IOParams:
    """The project's default io params (params/io.yaml), with the Chinese aliases."""
    return load_params(project_root() / "params").io


def with_io(params: IOParams, **changes: object) -> IOParams:
    """A copy of ``params`` with some fields changed, validated like a params file would be."""
    return IOParams.model_validate(params.model_dump() | changes)
