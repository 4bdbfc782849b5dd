"""Validation: check the input tables against the contract before anything is scored.

The checks are Great Expectations suites built from :mod:`tagkit.contract` and committed
in ``suites/``; they are evaluated with polars (:mod:`.evaluate`), not GE's pandas engine,
as streaming aggregates: a big table is read once and never held in memory whole (see
docs/scaling.md, "Validation").
Blocking failures stop the run (:func:`raise_if_blocked`); row-level problems are set
aside in a quarantine table with a reason code and the run goes on.

>>> result = validate_dataset(dataset.tables, quarter="2026Q3", params=params.validation)  # doctest: +SKIP
>>> write_validation_outputs(result, run_dir)                                             # doctest: +SKIP
>>> raise_if_blocked(result)                                                              # doctest: +SKIP
"""
from __future__ import annotations

from tagkit.validation.evaluate import evaluate_suite
from tagkit.validation.expectations import build_suites, load_suites, to_ge_suite, write_suites
from tagkit.validation.outputs import write_validation_outputs
from tagkit.validation.result import (
    QUARANTINE_COLUMNS,
    ExpectationResult,
    TableAccounting,
    ValidationResult,
)
from tagkit.validation.validate import raise_if_blocked, validate_dataset

__all__ = [
    "QUARANTINE_COLUMNS",
    "ExpectationResult",
    "TableAccounting",
    "ValidationResult",
    "build_suites",
    "evaluate_suite",
    "load_suites",
    "raise_if_blocked",
    "to_ge_suite",
    "validate_dataset",
    "write_suites",
    "write_validation_outputs",
]
