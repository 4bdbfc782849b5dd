"""The features table (docs/features.md) made by another engine than polars: one definition, several engines.

The order lines are the one input that outgrows a machine (docs/scaling.md). Their aggregation into
the customer × quarter features table is written once, as SQL in DuckDB's dialect
(``features.sql``), run as is by DuckDB and, transpiled by sqlglot (:mod:`tagkit.panel.sql`), by
Spark (``features_spark.sql``, committed, kept current by a golden-file test). polars'
:func:`tagkit.scoring.order_features` stays the reference and the default; the tests prove the
three equal.

- :func:`tagkit.panel.engines.make_features`: order lines (parquet) → the features parquet, on
  ``polars``, ``duckdb`` or ``spark``;
- :mod:`tagkit.panel.spark_job`: the entry point for ``spark-submit`` on a cluster.

Nothing is imported here: on a Spark cluster, :mod:`tagkit.panel.spark_job` needs only pyspark and
the committed SQL, not polars or DuckDB.
"""
