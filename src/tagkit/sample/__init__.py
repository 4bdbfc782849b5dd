"""Realistic, deterministic sample data in the data-contract format, with the planted truth beside it.

The generator plants every behaviour of DOMAIN.md (benchmark, nail, at-risk
customers) and the confounders a naive rule would mis-tag, so that a scorer
can be measured against ``_truth/planted.parquet``.

Modules: :mod:`~tagkit.sample.reference` (geography, names, product lines),
:mod:`~tagkit.sample.archetypes` (the planted stories as data),
:mod:`~tagkit.sample.timeline` (the visible quarters and the outcome quarter),
:mod:`~tagkit.sample.population` (reps, customers, their plan),
:mod:`~tagkit.sample.events` (one quarter of orders, visits, feedback, signals),
:mod:`~tagkit.sample.truth` (the truth file and its README),
:mod:`~tagkit.sample.generate` (writes the folder).
"""
from __future__ import annotations

from tagkit.sample.generate import generate_sample

__all__ = ["generate_sample"]
