"""The Great Expectations suite of the features table (docs/features.md): a panel handed to a run.

A features table made elsewhere (a warehouse query, a Spark job; ``tagkit run --features``) takes
the place of the order lines' aggregation, so it is checked before anything is scored, like every
input table. The suite is committed as ``suites/features.json`` beside the contract tables' suites
and evaluated by the same polars evaluator (:mod:`.evaluate`), in one streaming pass plus the key
count. Every expectation is ``blocking``: a panel has no row to set aside, since a dropped
customer-quarter would change the scores silently.

What the contract's :class:`~tagkit.contract.Table` cannot say, and how it is said here:

- ``product_lines`` is a list of strings. The contract's kinds are scalars (``string``, ``float``,
  ...), so this suite is not built from :mod:`tagkit.contract` but from the features schema itself
  (``tagkit.contract.FEATURES_SCHEMA`` and ``SPECULATOR_SCHEMA``, passed in by the caller:
  validation does not import scoring). Its type check names the polars type ``List(String)``, as the
  other suites name polars types.
- "each date lies in its row's quarter" compares a date with a label. GE has no such expectation,
  so the suite compares two columns (``expect_column_pair_values_a_to_be_greater_than_b``) with the
  quarter's first and last day, columns derived from the label before evaluation
  (:func:`with_quarter_bounds`; the suite's ``meta.derived_columns`` says how). The label's few
  distinct values are looked up, not parsed on every row: formatting or building a date per row
  costs about a second per column at 8M rows, the lookup a tenth of that.

Run-dependent values are suite parameters, as in the other suites: ``run_quarter_end`` (the last
day of the run's quarter, which the panel's last quarter must reach) and ``quarter_end_days`` (params
``prescription.speculator``).
Regenerate with ``python -m tagkit.validation write-suites``.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from tagkit.quarters import quarter_end, quarter_start
from tagkit.validation.expectations import GE_SEVERITY, SUITES_DIR, _gx, _meta

SUITE_NAME = "features"
SUITE_FILE = SUITES_DIR / f"{SUITE_NAME}.json"
KEY = ("customer_id", "quarter")
FIRST_DAY, LAST_DAY = "quarter_first_day", "quarter_last_day"  # derived from ``quarter`` (with_quarter_bounds)
# last_purchase: null when the quarter has only returns or credits. product_lines: a null list is read as
# an empty one (no product line), so it changes nothing; leaving it unchecked saves reading the list column
# (a second at 8M rows, as long as every other check together)
NULLABLE = ("last_purchase", "product_lines")
QUARTER_PATTERN = r"^[0-9]{4}Q[1-4]$"
MAX_DAYS = 92  # the longest quarter (Q3, Q4)
# polars' names of the integer types the table may use (docs/features.md: any integer type)
INTEGER_TYPES = ["Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32"]
# counts of days, and sums over purchases only: never negative (name -> (low, high); None: no upper bound)
BOUNDS: dict[str, tuple[int, int | None]] = {
    "order_days": (1, MAX_DAYS),  # a row exists only for a quarter with an order line
    "other_purchase_days": (0, MAX_DAYS),
    "quarter_end_days": (0, None),
    "purchase_cents": (0, None),
    "end_purchase_cents": (0, None),
    "end_discount_cents": (0, None),
}
# run-dependent checks, which say the file does not fit this run rather than that it is broken
RUN_REASONS = ("quarters_do_not_reach", "quarter_end_days_differs")


def with_quarter_bounds(frame: pl.LazyFrame) -> pl.LazyFrame:
    """``frame`` with ``quarter_first_day`` and ``quarter_last_day`` (dates) of each row's ``quarter``, null
    where the label is malformed (its own check says so). Reads the distinct labels first (one column)."""
    if "quarter" not in frame.collect_schema() or frame.collect_schema()["quarter"] != pl.String:
        return frame  # the type check fails; the checks on these columns are skipped
    labels = frame.select(pl.col("quarter").unique()).collect(engine="streaming")["quarter"]
    good = [q for q in labels.drop_nulls().to_list() if re.fullmatch(QUARTER_PATTERN, q)]
    return frame.with_columns(
        pl.col("quarter").replace_strict({q: quarter_start(q) for q in good}, default=None,
                                         return_dtype=pl.Date).alias(FIRST_DAY),
        pl.col("quarter").replace_strict({q: quarter_end(q) for q in good}, default=None,
                                         return_dtype=pl.Date).alias(LAST_DAY),
    )


def _type_list(dtype: pl.DataType) -> list[str]:
    return list(INTEGER_TYPES) if dtype == pl.Int64 else [str(dtype)]


def build_features_suite(columns: Mapping[str, pl.DataType], how: Mapping[str, str]) -> dict[str, Any]:
    """The features table's suite as GE serialises it. ``columns``: name → polars type, in the table's
    order (both column groups of docs/features.md); ``how``: name → how to make the column (the fix)."""
    gx, _ = _gx()
    E = gx.expectations
    critical = GE_SEVERITY["blocking"]
    exps = []

    def add(exp_cls: Any, reason: str, description: str, fix: str, **kwargs: Any) -> None:
        exps.append(exp_cls(**kwargs, description=description, meta=_meta("blocking", reason, fix=fix),
                            severity=critical))

    for name in columns:
        add(E.ExpectColumnToExist, "missing_column", f"the column {name} is present",
            f"Make it {how[name]}", column=name)
    for name, dtype in columns.items():
        add(E.ExpectColumnValuesToBeInTypeList, "wrong_type", f"{name} is of type {' or '.join(_type_list(dtype))}",
            f"Make it {how[name]}", column=name, type_list=_type_list(dtype))
    add(E.ExpectCompoundColumnsToBeUnique, "duplicate_key", "each (customer_id, quarter) appears on one row only",
        "Group by customer_id and quarter: one row per customer and quarter", column_list=list(KEY))
    for name in columns:
        if name not in NULLABLE:
            add(E.ExpectColumnValuesToNotBeNull, f"missing_{name}", f"{name} is filled in on every row",
                f"Make it {how[name]}", column=name)
    add(E.ExpectColumnValuesToMatchRegex, "malformed_quarter", "quarter is a label YYYYQn (e.g. 2026Q3)",
        "Make it the year, 'Q' and the quarter of order_date, as in docs/features.md", column="quarter",
        regex=QUARTER_PATTERN)
    for name, (low, high) in BOUNDS.items():
        if name in columns:
            words = f"at least {low}" if high is None else f"between {low} and {high}"
            add(E.ExpectColumnValuesToBeBetween, f"{name}_out_of_range", f"{name} is {words}",
                f"Make it {how[name]}", column=name, min_value=low, max_value=high)
    add(E.ExpectColumnPairValuesAToBeGreaterThanB, "first_after_last", "first_order is not after last_order",
        "Make first_order MIN(order_date) and last_order MAX(order_date) of the same lines",
        column_A="last_order", column_B="first_order", or_equal=True, ignore_row_if="either_value_is_missing")
    add(E.ExpectColumnPairValuesAToBeGreaterThanB, "last_purchase_after_last_order",
        "last_purchase is not after last_order", "Make last_purchase MAX(order_date) of the lines with amount > 0",
        column_A="last_order", column_B="last_purchase", or_equal=True, ignore_row_if="either_value_is_missing")
    # with first_order <= last_order and last_purchase <= last_order above, these put every date in its quarter
    inside = "Group the lines by the quarter of their order_date: a row's dates come from its own quarter's lines"
    for a, b, reason, words in (("first_order", FIRST_DAY, "first_order_outside_quarter", "first_order is not before"),
                                (LAST_DAY, "last_order", "last_order_outside_quarter", "last_order is not after"),
                                ("last_purchase", FIRST_DAY, "last_purchase_outside_quarter",
                                 "last_purchase is not before")):
        edge = "first" if b == FIRST_DAY else "last"
        add(E.ExpectColumnPairValuesAToBeGreaterThanB, reason, f"{words} the {edge} day of the row's quarter", inside,
            column_A=a, column_B=b, or_equal=True, ignore_row_if="either_value_is_missing")
    # on the quarters' last days: GE compares a column's maximum with a number or a date, not a label
    add(E.ExpectColumnMaxToBeBetween, "quarters_do_not_reach", "the latest quarter is at least the run's quarter",
        "Make the table from order lines up to the run's quarter's last day, or run an earlier quarter",
        column=LAST_DAY, min_value={"$PARAMETER": "run_quarter_end"})
    if "quarter_end_days" in columns:
        add(E.ExpectColumnValuesToBeBetween, "quarter_end_days_differs",
            "quarter_end_days is the run's params prescription.speculator.quarter_end_days",
            "Make the table again with the run's days, or set params prescription.speculator.quarter_end_days "
            "to the days the table was made with", column="quarter_end_days",
            min_value={"$PARAMETER": "quarter_end_days"}, max_value={"$PARAMETER": "quarter_end_days"})
    suite = gx.ExpectationSuite(name=SUITE_NAME, expectations=exps, meta={
        "tagkit_table": SUITE_NAME,
        "parameters": ["quarter_end_days", "run_quarter_end"],
        "derived_columns": {FIRST_DAY: "the first day of the quarter labelled in column quarter",
                            LAST_DAY: "the last day of the quarter labelled in column quarter"},
        "schema": "docs/features.md",
    })
    return suite.to_json_dict()


def write_features_suite(columns: Mapping[str, pl.DataType], how: Mapping[str, str],
                         path: Path = SUITE_FILE) -> Path:
    """Regenerate the committed ``suites/features.json``."""
    path.write_text(json.dumps(build_features_suite(columns, how), indent=2, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    return path


def load_features_suite(path: Path = SUITE_FILE) -> dict[str, Any]:
    """The committed suite as a plain dict (no GE import)."""
    return json.loads(path.read_text(encoding="utf-8"))
