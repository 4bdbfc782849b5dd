"""Hand-made frames in the shape intake hands to validation (tests only).

Intake's frames carry the contract columns in contract types, ``_file`` and ``_row``
(1-based data row), and for every column parsed from text ``_raw_<col>`` with the
original text. :func:`intake_frame` builds one from row dicts: a typed value also gets
its text as ``_raw_``, as a CSV would; give ``_raw_<col>`` explicitly for a text that
did not parse (the typed value is then None).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from tagkit.contract import TABLES
from tagkit.params import ValidationParams

KINDS = {"string": pl.String, "float": pl.Float64, "int": pl.Int64, "date": pl.Date, "bool": pl.Boolean}
QUARTER = "2026Q3"  # last day 2026-09-30
PARAMS = ValidationParams(
    max_null_rate={"customers.lat": 0.2, "customers.lon": 0.2, "orders.product_line": 0.5},
    max_discount=0.95,
    # these frames hold a handful of rows, a bad one a large share: the stop on heavy loss has its own
    # tests (test_run_trust.py), here every row rule is looked at on its own
    max_quarantine_share={"default": 1.0},
)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def intake_frame(table: str, rows: list[dict[str, Any]], file: str | None = None,
                 *, drop: tuple[str, ...] = (), raw: bool = True) -> pl.LazyFrame:
    """A LazyFrame of ``table`` as intake would produce it from ``file``.

    ``drop``: contract columns the file lacks. ``raw=False``: no ``_raw_*`` columns, as
    from a parquet file (nothing was parsed from text).
    """
    spec = TABLES[table]
    columns: dict[str, pl.Series] = {}
    for col in spec.columns:
        if col.name in drop:
            continue
        values = [r.get(col.name) for r in rows]
        columns[col.name] = pl.Series(col.name, values, dtype=KINDS[col.kind])
        if col.kind != "string" and raw:
            texts = [r[f"_raw_{col.name}"] if f"_raw_{col.name}" in r else _text(r.get(col.name)) for r in rows]
            columns[f"_raw_{col.name}"] = pl.Series(f"_raw_{col.name}", texts, dtype=pl.String)
    extras = sorted({k for r in rows for k in r} - set(spec.column_names) - {c for c in columns})
    for name in extras:
        columns[name] = pl.Series(name, [r.get(name) for r in rows])
    columns["_file"] = pl.Series("_file", [file or f"{table}.csv"] * len(rows), dtype=pl.String)
    columns["_row"] = pl.Series("_row", range(1, len(rows) + 1), dtype=pl.Int64)
    return pl.DataFrame(columns).lazy()


def customer(cid: str | None, **kw: Any) -> dict[str, Any]:
    row = {"customer_id": cid, "customer_name": f"Name {cid}", "region": "East", "rep_id": "R1"}
    return row | kw


def order(oid: str, cid: str | None, day: dt.date | None = dt.date(2026, 8, 1), amount: float | None = 100.0,
          **kw: Any) -> dict[str, Any]:
    return {"order_id": oid, "customer_id": cid, "order_date": day, "amount": amount} | kw


def rep(rid: str | None, **kw: Any) -> dict[str, Any]:
    return {"rep_id": rid, "rep_name": f"Rep {rid}", "region": "East"} | kw
