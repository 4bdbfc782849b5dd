"""The features table on Spark: the engine behind ``tagkit features --engine spark``, and a job for a cluster.

On a cluster, ship tagkit (a wheel, or ``--py-files``) and submit this module; it needs pyspark and
the committed ``features_spark.sql`` only (no polars, DuckDB or sqlglot on the executors)::

    spark-submit --master yarn tagkit_job.py --orders s3://lake/orders/ --out s3://lake/features/ \\
        --quarter 2026Q3 --quarter-end-days 7

where ``tagkit_job.py`` is ``from tagkit.panel.spark_job import main; main()``, or, with tagkit
installed on the driver, ``python -m tagkit.panel.spark_job --master spark://host:7077 ...``. The
output is a folder of parquet parts, which ``tagkit run --features`` and ``features=`` read as is.
"""
from __future__ import annotations

import argparse
import calendar
import datetime as dt
import os
import re
import shutil
import sys
import warnings
from importlib.resources import files
from typing import TYPE_CHECKING

from tagkit.panel.sql import committed_spark_sql

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

REQUIRED = ("customer_id", "order_date", "amount")
OPTIONAL = {"discount": "double", "product_line": "string"}  # NULL when the data has no such column
LOCAL_CONF = {
    # small local jobs: Spark's 200 shuffle partitions would be 200 near-empty tasks per stage
    "spark.sql.shuffle.partitions": "8",
    # Spark's default 1 GB heap spends half the time collecting garbage: 10M order lines took 200 s with it,
    # 101 s with 4 GB (a cap, not a reservation)
    "spark.driver.memory": "4g",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
}


class JavaMissing(RuntimeError):
    """No Java runtime for Spark (pyspark starts a JVM)."""


def check_java() -> None:
    """Raise :class:`JavaMissing`, with the fix, when neither ``JAVA_HOME`` nor ``java`` on the PATH is there."""
    if os.environ.get("JAVA_HOME") or shutil.which("java"):
        return
    raise JavaMissing("the spark engine needs a Java runtime, 17 or newer, and none was found (no JAVA_HOME, no "
                      "`java` on the PATH). Install one, e.g. on Debian: apt-get install openjdk-17-jre-headless.")


def session(master: str = "local[*]", conf: dict[str, str] | None = None) -> SparkSession:
    """The running Spark session if there is one (spark-submit's, a test's: kept as configured), else a new
    one on ``master`` (in local mode with :data:`LOCAL_CONF`, then ``conf``)."""
    from pyspark.sql import SparkSession

    running = SparkSession.getActiveSession()
    if running is not None:
        return running
    check_java()
    builder = SparkSession.builder.master(master).appName("tagkit-features")
    local = {**LOCAL_CONF, "spark.driver.extraJavaOptions": f"-Dlog4j2.configurationFile={_quiet_logging()}"}
    for key, value in {**(local if master.startswith("local") else {}), **(conf or {})}.items():
        builder = builder.config(key, value)
    with warnings.catch_warnings():
        # pyspark 4.3 warns on start that pandas 3 is not fully supported; tagkit hands Spark no pandas frames
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
        spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _quiet_logging() -> str:
    """The path of the log4j2 configuration shipped beside this module (errors only)."""
    return str(files("tagkit.panel").joinpath("log4j2.properties"))


def features_frame(spark: SparkSession, orders: str | list[str], *, as_of: dt.date, quarter_end_days: int,
                   source: str | None = None) -> DataFrame:
    """The features table of the order lines at ``orders`` (parquet: a path, a folder or a list of files) as a
    Spark DataFrame, from the committed ``features_spark.sql``; ``source`` names them in errors."""
    paths = [orders] if isinstance(orders, str) else list(orders)
    return features_of_lines(spark.read.parquet(*paths), as_of=as_of, quarter_end_days=quarter_end_days,
                             source=source or ", ".join(paths))


def features_of_lines(lines: DataFrame, *, as_of: dt.date, quarter_end_days: int,
                      source: str = "order lines") -> DataFrame:
    """The features table of order lines already in a Spark DataFrame (any partitioning)."""
    from pyspark.sql import functions as F

    missing = [c for c in REQUIRED if c not in lines.columns]
    if missing:
        raise ValueError(f"{source}: column '{missing[0]}' must be present in the order lines; got columns "
                         f"{', '.join(lines.columns)}. The features table needs {', '.join(REQUIRED)} (discount "
                         "and product_line are optional).")
    picked = [F.col("customer_id").cast("string").alias("customer_id"),
              F.col("order_date").cast("date").alias("order_date"),
              F.col("amount").cast("double").alias("amount")]
    picked += [(F.col(name) if name in lines.columns else F.lit(None)).cast(kind).alias(name)
               for name, kind in OPTIONAL.items()]
    lines.select(picked).createOrReplaceTempView("orders")
    return lines.sparkSession.sql(committed_spark_sql(),
                                  args={"as_of": as_of, "quarter_end_days": quarter_end_days})


def quarter_end(quarter: str) -> dt.date:
    """``2026Q3`` → 2026-09-30 (here rather than tagkit.quarters, which needs polars)."""
    found = re.fullmatch(r"(\d{4})Q([1-4])", quarter)
    if not found:
        raise ValueError(f"--quarter must be YYYYQn, e.g. 2026Q3; got {quarter!r}.")
    year, month = int(found[1]), int(found[2]) * 3
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def build_parser() -> argparse.ArgumentParser:
    """The job's command line (``python -m tagkit.panel.spark_job``, or spark-submit of a driver calling main)."""
    parser = argparse.ArgumentParser(
        prog="python -m tagkit.panel.spark_job",
        description="Write the features table (docs/features.md) of order lines with Spark.")
    parser.add_argument("--orders", required=True, help="order lines: parquet file or folder (s3://, hdfs://, a path)")
    parser.add_argument("--out", required=True, help="folder to write the features table into (parquet parts)")
    cut = parser.add_mutually_exclusive_group(required=True)
    cut.add_argument("--quarter", help="the latest quarter to score, YYYYQn: lines up to its last day count")
    cut.add_argument("--as-of", type=dt.date.fromisoformat, help="the last order date counted, YYYY-MM-DD")
    parser.add_argument("--quarter-end-days", type=int, default=7,
                        help="params prescription.speculator.quarter_end_days (default: 7)")
    parser.add_argument("--master", default=None,
                        help="Spark master URL (default: spark-submit's, or local[*] when run with python -m)")
    parser.add_argument("--partition-by-quarter", action="store_true", help="write quarter=YYYYQn/ folders")
    return parser


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    return build_parser().parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    as_of = args.as_of or quarter_end(args.quarter)
    spark = session(master=args.master or "local[*]")  # under spark-submit, its session, on the cluster's master
    frame = features_frame(spark, args.orders, as_of=as_of, quarter_end_days=args.quarter_end_days)
    writer = frame.write.mode("overwrite")
    if args.partition_by_quarter:
        writer = writer.partitionBy("quarter")
    writer.parquet(args.out)
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
