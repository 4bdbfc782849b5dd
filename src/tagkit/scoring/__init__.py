"""Scoring: customer features, the seven scores, the tags, flags and their reasons (pure LazyFrame functions).

Public API:

- :func:`score_customers` — the ``scores.parquet`` frame of a quarter (with ``previous_tag`` and hysteresis).
- :func:`score_quarter` — the same frame without ``previous_tag``/hysteresis.
- :class:`Timeline` / :func:`timeline_of` — the history as one feature panel (every customer × quarter,
  :mod:`~tagkit.scoring.panel_features`), a risk model per quarter learned from the quarters before it
  (:mod:`~tagkit.scoring.risk_model`, signals in :mod:`~tagkit.scoring.risk_signals`), and every earlier
  quarter tagged as it would have been then: what the scores, the back-test and the prescription share.
- :func:`order_features` — the features table (docs/features.md): all the scorer takes from the
  order lines, one row per customer and quarter; ``score_customers(..., features=...)`` takes it
  instead of the order lines (its format: :data:`tagkit.contract.FEATURES_SCHEMA`; read from disk by
  :func:`tagkit.io.features_table.read_features`).
- :data:`CONTRACT_COLUMNS` — the contract's columns, first in that order.
- :func:`tag_quality` / :func:`flag_quality` — precision and recall against a planted truth.
"""
from __future__ import annotations

from tagkit.scoring.engine import CONTRACT_COLUMNS, score_customers, score_quarter, timeline_of
from tagkit.scoring.order_lines import OrderPanels, order_features, order_panels
from tagkit.scoring.quality import flag_quality, tag_quality
from tagkit.scoring.timeline import Timeline

__all__ = [
    "CONTRACT_COLUMNS",
    "OrderPanels",
    "Timeline",
    "flag_quality",
    "order_features",
    "order_panels",
    "score_customers",
    "score_quarter",
    "tag_quality",
    "timeline_of",
]
