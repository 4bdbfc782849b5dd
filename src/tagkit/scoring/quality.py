"""How well the tags match a planted truth (the sample data's ``_truth/planted.parquet``).

Measurement only: the scorer never reads the truth.
"""
from __future__ import annotations

import polars as pl

MEASURED_TAGS = ("benchmark", "nail", "at_risk")
MEASURED_FLAGS = ("benchmark_at_risk", "dormant", "new_customer")


def _precision_recall(joined: pl.DataFrame, predicted: pl.Expr, actual: pl.Expr, name: str) -> dict[str, object]:
    tp = joined.select((predicted & actual).sum()).item()
    n_pred = joined.select(predicted.sum()).item()
    n_true = joined.select(actual.sum()).item()
    return {
        "label": name,
        "predicted": n_pred,
        "actual": n_true,
        "correct": tp,
        "precision": tp / n_pred if n_pred else None,
        "recall": tp / n_true if n_true else None,
    }


SCHEMA = {"label": pl.String, "predicted": pl.Int64, "actual": pl.Int64, "correct": pl.Int64,
          "precision": pl.Float64, "recall": pl.Float64}


def tag_quality(scores: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    """Precision and recall of each tag against ``truth.true_tag``, one row per tag.

    >>> tag_quality(scores, pl.read_parquet("data/sample/_truth/planted.parquet"))   # doctest: +SKIP
    """
    joined = scores.select("customer_id", "tag").join(truth.select("customer_id", "true_tag"), on="customer_id")
    rows = [_precision_recall(joined, pl.col("tag") == t, pl.col("true_tag") == t, t) for t in MEASURED_TAGS]
    return pl.DataFrame(rows, schema=SCHEMA)


def flag_quality(scores: pl.DataFrame, truth: pl.DataFrame, flags: tuple[str, ...] = MEASURED_FLAGS) -> pl.DataFrame:
    """Precision and recall of each flag against ``truth.expected_flags``, one row per flag."""
    joined = scores.select("customer_id", "flags").join(
        truth.select("customer_id", "expected_flags"), on="customer_id"
    )
    rows = [
        _precision_recall(joined, pl.col("flags").list.contains(f), pl.col("expected_flags").list.contains(f), f)
        for f in flags
    ]
    return pl.DataFrame(rows, schema=SCHEMA)
