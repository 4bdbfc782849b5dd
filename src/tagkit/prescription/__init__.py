"""Prescription: what to do about each customer, each rep and each region (pure LazyFrame functions).

Public API:

- :func:`prescribe` — scores and tables of a quarter in, a :class:`Prescription` out (lazy tables:
  ``customers`` = the scores with the prescription columns, ``reps``, ``regions``,
  ``transitions``, ``radiation``, ``coverage_gaps``, ``quality_index``).
- :func:`write_prescription` — write the management tables into the run folder.
- :func:`playbook_table` — the playbook's actions as a small frame (code → zh/en text), for reports.
- :func:`prescription_quality` — nail causes and flags against a planted truth (sample data).
"""
from __future__ import annotations

from tagkit.prescription.engine import Prescription, prescribe
from tagkit.prescription.output import write_prescription
from tagkit.prescription.playbook import playbook_table
from tagkit.prescription.quality import prescription_quality

__all__ = ["Prescription", "playbook_table", "prescribe", "prescription_quality", "write_prescription"]
