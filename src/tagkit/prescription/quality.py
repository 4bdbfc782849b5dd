"""How well the prescription matches a planted truth (the sample data's ``_truth/planted.parquet``).

Measurement only: the prescription never reads the truth.
"""
from __future__ import annotations

import polars as pl

from tagkit.scoring.quality import SCHEMA, flag_quality

MEASURED_FLAGS = ("speculator", "rep_change_recommended", "benchmark_at_risk", "dormant", "new_customer")


def prescription_quality(customers: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    """One row per measure: ``nail_cause`` (accuracy over the planted nails tagged nail, as
    precision; recall over all planted nails) and precision/recall of each prescription flag.

    >>> prescription_quality(rx.customers, pl.read_parquet("data/sample/_truth/planted.parquet"))  # doctest: +SKIP
    """
    nails = customers.select("customer_id", "tag", "nail_cause").join(
        truth.select("customer_id", pl.col("nail_cause").alias("true_cause")), on="customer_id"
    ).filter(pl.col("true_cause").is_not_null())
    judged = nails.filter(pl.col("tag") == "nail")
    correct = judged.filter(pl.col("nail_cause") == pl.col("true_cause")).height
    cause = pl.DataFrame(
        [{
            "label": "nail_cause",
            "predicted": judged.height,
            "actual": nails.height,
            "correct": correct,
            "precision": correct / judged.height if judged.height else None,
            "recall": correct / nails.height if nails.height else None,
        }],
        schema=SCHEMA,
    )
    return pl.concat([cause, flag_quality(customers, truth, MEASURED_FLAGS)])
