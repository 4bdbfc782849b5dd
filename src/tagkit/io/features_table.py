"""Reading a features table (docs/features.md) from disk: the scan, the schema check, errors naming the file.

The scorer (:mod:`tagkit.scoring`) takes the table as a LazyFrame and reads nothing itself; callers read it
here first: ``score_customers(..., features=read_features("features.parquet"))``. The table's format is
the contract's (:data:`tagkit.contract.FEATURES_SCHEMA`, :data:`~tagkit.contract.SPECULATOR_SCHEMA`).
"""
from __future__ import annotations

from pathlib import Path

import polars as pl

from tagkit.contract import FEATURES_SCHEMA, HOW, SPECULATOR_SCHEMA
from tagkit.errors import InputError

INTEGERS = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32)

FeaturesSource = pl.LazyFrame | pl.DataFrame | str | Path
"""A features table: a frame, or a parquet file or folder (every ``*.parquet`` in it, hive-partitioned too)."""


def _source_name(source: FeaturesSource) -> str:
    return str(source) if isinstance(source, (str, Path)) else "features table"


def scan_features(path: Path, *, or_else: str = "") -> pl.LazyFrame:
    """The table at ``path``: a parquet file, or a folder of them (hive-partitioned, e.g. by quarter, too);
    a missing file or a folder without parquet stops here, the fix ending with ``or_else``."""
    written = "written by `tagkit features` or by the query in docs/features.md"
    if path.is_dir():
        if not any(path.rglob("*.parquet")):
            raise InputError(f"{path}: the features folder holds no .parquet file. Pass the parquet file or folder "
                             f"{written}{or_else}.")
        return pl.scan_parquet(path / "**" / "*.parquet", hive_partitioning=True)
    if not path.exists():
        raise InputError(f"{path}: no such features table. Pass the parquet file (or folder) {written}{or_else}.")
    return pl.scan_parquet(path)


def _expected(dtype: pl.DataType) -> str:
    return "an integer (Int64)" if dtype == pl.Int64 else str(dtype)


def check_features(features: pl.LazyFrame, *, source: str = "features table",
                   speculator: bool = False) -> list[str]:
    """Every problem of a features table's schema (missing columns, wrong types), as messages; [] if fine.

    Reads the schema only. Integer columns may have any integer type; the others must match exactly.
    """
    schema = features.collect_schema()
    wanted = FEATURES_SCHEMA | (SPECULATOR_SCHEMA if speculator else {})
    problems = []
    for name, dtype in wanted.items():
        fix = f"Make it {HOW[name]}, one row per customer and quarter; see docs/features.md"
        if name not in schema:
            problems.append(f"{source}: column '{name}' must be present ({_expected(dtype)}); it is missing "
                            f"(columns: {', '.join(schema.names())}). {fix}.")
            continue
        got = schema[name]
        ok = got == dtype or (dtype == pl.Int64 and isinstance(got, INTEGERS))
        if not ok:
            problems.append(f"{source}: column '{name}' must be {_expected(dtype)}; got {got}. {fix}.")
    return problems


def read_features(source: FeaturesSource, *, speculator: bool = False) -> pl.LazyFrame:
    """A features table as a LazyFrame, its schema checked: raises :class:`InputError` listing every problem.

    ``source`` is a frame or a parquet file or folder. With ``speculator``, the prescription's
    columns (:data:`SPECULATOR_SCHEMA`) are required too.
    """
    frame = scan_features(Path(source)) if isinstance(source, (str, Path)) else source.lazy()
    problems = check_features(frame, source=_source_name(source), speculator=speculator)
    if problems:
        raise InputError("\n".join(problems))
    return frame
