"""Scoring: customer features, the seven scores, the tags and their reasons (pure LazyFrame functions)."""
from __future__ import annotations

from tagkit.scoring.rules import CONTRACT_COLUMNS, score_customers

__all__ = ["CONTRACT_COLUMNS", "score_customers"]
