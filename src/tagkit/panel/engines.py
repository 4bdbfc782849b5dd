"""Order lines (parquet) → the features table (parquet), on polars, DuckDB or Spark.

polars runs :func:`tagkit.scoring.order_features`, the reference. DuckDB runs ``features.sql`` as
written, reading the parquet itself and spilling to disk past its memory limit, so the order lines
need not fit in memory. Spark runs the generated ``features_spark.sql`` (:mod:`tagkit.panel.spark_job`),
in local mode unless given a master URL.

Whatever the engine, the table is written the same way (:func:`conform` then
:func:`tagkit.outputs.write_table`): the columns of docs/features.md in their order and types, the
rows sorted by ``customer_id, quarter``. Equal tables then make the same bytes, so the file does not
say which engine made it.
"""
from __future__ import annotations

import datetime as dt
import logging
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from tagkit.contract import FEATURES_SCHEMA, SPECULATOR_SCHEMA
from tagkit.errors import InputError, UsageError
from tagkit.outputs import write_table
from tagkit.panel.sql import duckdb_sql
from tagkit.scoring.order_lines import order_features

if TYPE_CHECKING:
    from pyspark.sql import DataFrame as SparkDataFrame

logger = logging.getLogger(__name__)

ENGINES = ("polars", "duckdb", "spark")
SCHEMA: dict[str, pl.DataType] = FEATURES_SCHEMA | SPECULATOR_SCHEMA
REQUIRED = ("customer_id", "order_date", "amount")
OPTIONAL = {"discount": "DOUBLE", "product_line": "VARCHAR"}  # NULL when the data has no such column


def parquet_files(orders: str | Path) -> list[Path]:
    """The parquet files of ``orders``: the file itself, or every ``*.parquet`` under a folder (sorted)."""
    path = Path(orders)
    if path.is_file():
        return [path]
    found = sorted(path.rglob("*.parquet")) if path.is_dir() else []
    if not found:
        raise InputError(f"{path}: no order lines here. Pass a parquet file of order lines, or a folder of "
                         "them (hive-partitioned is fine), e.g. a run's clean/orders.parquet.")
    return found


def check_columns(columns: list[str], *, source: str | Path) -> None:
    """Raise :class:`InputError` naming every required column ``columns`` lacks."""
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise InputError(f"{source}: column '{missing[0]}' must be present in the order lines"
                         + (f" (and {', '.join(repr(c) for c in missing[1:])})" if missing[1:] else "")
                         + f"; got columns {', '.join(columns)}. The features table needs "
                         f"{', '.join(REQUIRED)} (discount and product_line are optional).")


def conform(frame: pl.DataFrame) -> pl.DataFrame:
    """The table in the features schema's column order and types, sorted by ``customer_id, quarter``."""
    return frame.select(pl.col(name).cast(dtype) for name, dtype in SCHEMA.items()).sort("customer_id", "quarter")


def features_polars(orders: str | Path, *, as_of: dt.date, quarter_end_days: int) -> pl.DataFrame:
    """The reference: :func:`order_features` on the streaming engine."""
    files = parquet_files(orders)
    lines = pl.scan_parquet(files, hive_partitioning=Path(orders).is_dir())
    check_columns(lines.collect_schema().names(), source=orders)
    return order_features(lines, as_of=as_of, quarter_end_days=quarter_end_days).collect(engine="streaming")


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def features_duckdb(orders: str | Path, *, as_of: dt.date, quarter_end_days: int,
                    spill_dir: str | Path | None = None) -> pl.DataFrame:
    """``features.sql`` on DuckDB, which reads the parquet and spills its aggregation to ``spill_dir``
    (a temporary folder by default) past its memory limit (80% of the machine's by default)."""
    import duckdb

    files = parquet_files(orders)
    source = (f"read_parquet([{', '.join(_sql_text(str(f)) for f in files)}], "
              f"hive_partitioning = {str(Path(orders).is_dir()).lower()}, union_by_name = true)")
    with tempfile.TemporaryDirectory(prefix="tagkit-duckdb-", dir=spill_dir) as spill:
        con = duckdb.connect(config={"temp_directory": spill})
        try:
            # no progress bar: DuckDB draws one on the terminal for queries past 2 s, over the command's own lines
            con.execute("SET enable_progress_bar = false")
            columns = [d[0] for d in con.execute(f"SELECT * FROM {source} LIMIT 0").description]
            check_columns(columns, source=orders)
            picked = ["CAST(customer_id AS VARCHAR) AS customer_id", "CAST(order_date AS DATE) AS order_date",
                      "CAST(amount AS DOUBLE) AS amount"]
            picked += [name if name in columns else f"CAST(NULL AS {kind}) AS {name}"
                       for name, kind in OPTIONAL.items()]
            con.execute(f"CREATE VIEW orders AS SELECT {', '.join(picked)} FROM {source}")
            table = con.sql(duckdb_sql(),
                            params={"as_of": as_of, "quarter_end_days": quarter_end_days}).to_arrow_table()
        finally:
            con.close()
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)  # an Arrow table makes a DataFrame (an Arrow array, a Series)
    return frame


def features_spark(orders: str | Path, *, as_of: dt.date, quarter_end_days: int,
                   spark_master: str | None = None) -> pl.DataFrame:
    """``features_spark.sql`` on Spark: the running session, else a new one on ``spark_master`` (local mode on
    every core by default)."""
    from tagkit.panel import spark_job

    files = parquet_files(orders)
    check_columns(pl.scan_parquet(files).collect_schema().names(), source=orders)  # before a JVM starts
    try:
        spark = spark_job.session(master=spark_master or "local[*]")
    except spark_job.JavaMissing as exc:
        raise UsageError(str(exc)) from exc
    frame = spark_job.features_frame(spark, [str(f) for f in files], as_of=as_of,
                                     quarter_end_days=quarter_end_days, source=str(orders))
    return read_spark(frame)


def read_spark(frame: SparkDataFrame) -> pl.DataFrame:
    """A Spark DataFrame's rows in polars: Spark writes its parquet parts to a temporary folder, as the
    cluster job does (nothing is collected through the driver), and they are read back here. The folder
    must be one the executors and this process both see: local mode's disk, or a shared file system."""
    parts = Path(tempfile.mkdtemp(prefix="tagkit-spark-"))
    try:
        frame.write.mode("overwrite").parquet(str(parts / "features"))
        written = sorted((parts / "features").glob("*.parquet"))
        return pl.read_parquet(written) if written else pl.DataFrame(schema=SCHEMA)
    finally:
        shutil.rmtree(parts, ignore_errors=True)


def make_features(orders: str | Path, out: str | Path, *, as_of: dt.date, quarter_end_days: int,
                  engine: str = "polars", spark_master: str | None = None) -> Path:
    """Write the features table of the order lines dated up to ``as_of`` to ``out`` (parquet); returns ``out``.

    ``orders``: a parquet file of order lines (e.g. a run's ``clean/orders.parquet``) or a folder of them.
    ``engine``: ``polars`` (the reference), ``duckdb`` or ``spark``; every engine writes the same table.

    >>> make_features("out/2026Q3/clean/orders.parquet", "features.parquet", as_of=dt.date(2026, 9, 30),
    ...               quarter_end_days=7, engine="duckdb")                                # doctest: +SKIP
    """
    if engine not in ENGINES:
        raise UsageError(f"engine must be one of {', '.join(ENGINES)}; got {engine!r}.")
    if spark_master and engine != "spark":
        raise UsageError(f"--spark-master is for the spark engine; got engine {engine!r}. Pass --engine spark.")
    make = {"polars": features_polars, "duckdb": features_duckdb, "spark": features_spark}[engine]
    kwargs = {"spark_master": spark_master} if engine == "spark" else {}
    try:
        table = make(orders, as_of=as_of, quarter_end_days=quarter_end_days, **kwargs)
    except ModuleNotFoundError as exc:
        extra = "tagkit[spark]" if engine == "spark" else "tagkit"
        raise UsageError(f"engine {engine!r} needs the Python package {exc.name!r}, which is not installed. "
                         f"Install it with: pip install '{extra}' "
                         "(from the project: pip install -e '.[spark]').") from exc
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_table(conform(table), path)
    logger.info("wrote %s (%d customer-quarters, engine %s)", path, table.height, engine)
    return path
