"""Scoring: customer features, the seven scores, the tags, flags and their reasons (pure LazyFrame functions).

Public API:

- :func:`score_customers` — the ``scores.parquet`` frame of a quarter (with ``previous_tag`` and hysteresis).
- :func:`score_quarter` — the same frame without ``previous_tag``/hysteresis, for cheap back-test quarters.
- :func:`order_features` — the features table (docs/features.md): all the scorer takes from the
  order lines, one row per customer and quarter; ``score_customers(..., features=...)`` takes it
  instead of the order lines (:data:`FEATURES_SCHEMA`, :data:`SPECULATOR_SCHEMA`, :func:`read_features`).
- :data:`CONTRACT_COLUMNS` — the contract's columns, first in that order.
- :func:`tag_quality` / :func:`flag_quality` — precision and recall against a planted truth.
"""
from __future__ import annotations

from tagkit.scoring.engine import CONTRACT_COLUMNS, score_customers, score_quarter
from tagkit.scoring.order_lines import (
    FEATURES_SCHEMA,
    SPECULATOR_SCHEMA,
    OrderPanels,
    order_features,
    order_panels,
    read_features,
)
from tagkit.scoring.quality import flag_quality, tag_quality

__all__ = [
    "CONTRACT_COLUMNS", "FEATURES_SCHEMA", "SPECULATOR_SCHEMA", "OrderPanels", "flag_quality", "order_features",
    "order_panels", "read_features", "score_customers", "score_quarter", "tag_quality",
]
