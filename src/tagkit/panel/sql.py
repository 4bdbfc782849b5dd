"""The features table's SQL: ``features.sql`` (DuckDB's dialect, the one written by hand) and its Spark SQL.

``features_spark.sql`` is generated from ``features.sql`` by :func:`spark_sql` and committed, so a
warehouse job can take it without tagkit or sqlglot installed. Regenerate it after editing
``features.sql``::

    python -m tagkit.panel.sql > src/tagkit/panel/features_spark.sql

(tests/test_panel_engines.py fails while the committed file differs from what this writes.)
"""
from __future__ import annotations

import sys
from importlib.resources import files

SOURCE = "features.sql"
SPARK = "features_spark.sql"
PARAMETERS = ("as_of", "quarter_end_days")  # the named parameters of both texts ($name in DuckDB, :name in Spark)

SPARK_HEADER = """\
-- The features table (docs/features.md), in Spark SQL. GENERATED from features.sql by
-- `python -m tagkit.panel.sql` (sqlglot); do not edit: edit features.sql and generate it again.
--
-- Reads a table or view `orders` (customer_id STRING, order_date DATE, amount DOUBLE, discount DOUBLE,
-- product_line STRING; discount and product_line NULL where the data has none) and two named
-- parameters: :as_of (DATE, the last order date counted) and :quarter_end_days (BIGINT, 7 by default).
-- From PySpark: spark.sql(text, args={"as_of": datetime.date(2026, 9, 30), "quarter_end_days": 7}).
-- In a warehouse job, put the literals in their place: DATE '2026-09-30' and 7.
"""


def duckdb_sql() -> str:
    """The definition as written, in DuckDB's dialect (``$as_of``, ``$quarter_end_days``)."""
    return files("tagkit.panel").joinpath(SOURCE).read_text(encoding="utf-8")


def committed_spark_sql() -> str:
    """The committed Spark SQL (``features_spark.sql``), as the Spark engine and :mod:`spark_job` run it."""
    return files("tagkit.panel").joinpath(SPARK).read_text(encoding="utf-8")


def spark_sql() -> str:
    """``features.sql`` transpiled to Spark SQL (needs sqlglot): what ``features_spark.sql`` must hold."""
    import sqlglot
    from sqlglot import exp

    def half_even(node: exp.Expression) -> exp.Expression:
        # sqlglot (30.x) passes DuckDB's ROUND_EVEN through unchanged; Spark spells it BROUND
        if isinstance(node, exp.Anonymous) and node.name.upper() == "ROUND_EVEN":
            return exp.Anonymous(this="BROUND", expressions=node.expressions)
        return node

    tree = sqlglot.parse_one(duckdb_sql(), read="duckdb").transform(half_even)
    # the source's comments would land mid-expression in the output; the header says where to read them
    return SPARK_HEADER + tree.sql(dialect="spark", pretty=True, comments=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(spark_sql())
