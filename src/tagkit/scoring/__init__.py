"""Scoring: customer features, the seven scores, the tags, flags and their reasons (pure LazyFrame functions).

Public API:

- :func:`score_customers` — the ``scores.parquet`` frame of a quarter (with ``previous_tag`` and hysteresis).
- :func:`score_quarter` — the same frame without ``previous_tag``/hysteresis, for cheap back-test quarters.
- :data:`CONTRACT_COLUMNS` — the contract's columns, first in that order.
- :func:`tag_quality` / :func:`flag_quality` — precision and recall against a planted truth.
"""
from __future__ import annotations

from tagkit.scoring.engine import CONTRACT_COLUMNS, score_customers, score_quarter
from tagkit.scoring.quality import flag_quality, tag_quality

__all__ = ["CONTRACT_COLUMNS", "flag_quality", "score_customers", "score_quarter", "tag_quality"]
