"""The Great Expectations suite of each contract table, built from :mod:`tagkit.contract`.

One suite per table, written to ``suites/<table>.json`` beside this module and
committed, so a contract change shows up as a reviewed diff of the suites. The
suites do not depend on params: everything that varies per run is a GE suite
parameter (``{"$PARAMETER": name}``) filled at evaluation time:

- ``quarter_end`` — the quarter's last day (rows dated after it are set aside);
- ``max_discount`` — from ``params/validation.yaml``;
- ``min_non_null_<column>`` — ``1 - max_null_rate["table.column"]``; a null-rate
  check whose parameter is absent is skipped (no limit configured);
- ``known_<table>_<key>`` — the usable keys of a referenced table (referential
  integrity is not a single-table expectation, so the value set of
  ``ExpectColumnValuesToBeInSet`` is filled from the referenced table's clean
  rows; ``meta.value_set_from`` names it). Absent when the table is absent:
  the check is skipped.

Expectations look at the rows as read, except those with ``meta.evaluated_on ==
"clean_rows"``: the row count (is anything usable left?) and the null rates (how
empty is what scoring will see, after values were nulled).

Every expectation's ``meta`` carries tagkit's ``severity`` (``blocking``:
the run stops; ``row``: the rows it flags go to quarantine and the run goes
on; ``warning``: reported only), a stable ``reason`` code, and for ``row``
the ``action``: ``row_set_aside`` or ``value_nulled`` (the row is kept and
``null_columns`` are set to null). GE's own ``severity`` field mirrors it
(blocking → critical, row → warning, warning → info).

Regenerate after a contract change with ``python -m tagkit.validation write-suites``.
"""
from __future__ import annotations

import json
import logging
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tagkit.contract import TABLES, Column, Table

if TYPE_CHECKING:
    from great_expectations import ExpectationSuite
    from great_expectations.expectations import Expectation

logger = logging.getLogger(__name__)

SUITES_DIR = Path(__file__).parent / "suites"
FLOAT_MAX = sys.float_info.max
# Polars dtype names: the suites are evaluated on polars frames, where intake put these types.
POLARS_TYPES = {"string": "String", "float": "Float64", "int": "Int64", "date": "Date", "bool": "Boolean"}
GE_SEVERITY = {"blocking": "critical", "row": "warning", "warning": "info"}
KIND_WORDS = {"float": "a number", "int": "a whole number", "date": "a date", "bool": "true or false"}
# Tables other tables point to: losing one of their rows loses every row pointing at it, so a
# bad optional value there is nulled (the row is kept); in other tables the row is set aside.
MASTER_TABLES = ("customers", "reps")
COORDINATES = ("lat", "lon")
# Contract bounds that params tighten: (table, column) -> {bound: parameter name}.
PARAM_BOUNDS = {("orders", "discount"): {"max_value": "max_discount"}}
# References whose failure is reported but not acted on. A customer whose rep is missing from
# reps can still be tagged; setting it aside would drop all its orders too.
WARNING_REFERENCES = {("customers", "rep_id")}


def _gx() -> Any:
    # GE's import chain trips DeprecationWarnings that are not ours to fix, and costs seconds;
    # only building the suites and the equivalence tests need it, never a validation run.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import great_expectations as gx
        from great_expectations.expectations.row_conditions import Column as Col
    return gx, Col


def reference_parameter(table: str, column: str) -> str:
    """The suite-parameter name of a referenced key: ``known_customers_customer_id``."""
    return f"known_{table}_{column}"


def null_rate_parameter(column: str) -> str:
    return f"min_non_null_{column}"


def _meta(severity: str, reason: str, action: str | None = None, **extra: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"severity": severity, "reason": reason}
    if action:
        meta["action"] = action
    meta.update(extra)
    return meta


def _bound_text(low: Any, high: Any) -> str:
    if low is not None and high is not None:
        return f"between {low} and {high}"
    return f"at least {low}" if low is not None else f"at most {high}"


def _column_expectations(table: Table, col: Column, gx: Any, Col: Any) -> list[Expectation]:
    """Row-level checks of one column, in the order their reasons appear in quarantine."""
    E = gx.expectations
    name = col.name
    master_optional = table.name in MASTER_TABLES and not col.required
    action = "value_nulled" if master_optional else "row_set_aside"
    nulls = list(COORDINATES) if table.name == "customers" and name in COORDINATES else [name]
    fix = {"null_columns": nulls} if action == "value_nulled" else {}
    raw = f"_raw_{name}"
    out: list[Expectation] = []

    def add(exp_cls: Any, severity: str, reason: str, description: str, act: str | None, **kwargs: Any) -> None:
        extra = {k: kwargs.pop(k) for k in ("null_columns", "value_set_from") if k in kwargs}
        out.append(
            exp_cls(
                **kwargs,
                description=description,
                meta=_meta(severity, reason, act, **extra),
                severity=GE_SEVERITY[severity],
            )
        )

    if col.required:
        # an unparseable value is also null once coerced; it gets its own reason below
        cond = {"row_condition": Col(raw).is_null()} if col.kind != "string" else {}
        add(E.ExpectColumnValuesToNotBeNull, "row", f"missing_{name}",
            f"{name} is filled in on every row", action, column=name, **cond)
    if col.kind != "string":
        add(E.ExpectColumnValuesToBeNull, "row", f"unparseable_{name}",
            f"every {name} given in the file can be read as {KIND_WORDS[col.kind]}", action,
            column=raw, row_condition=Col(name).is_null(), **fix)
    bounds = PARAM_BOUNDS.get((table.name, name), {})
    low = {"$PARAMETER": bounds["min_value"]} if "min_value" in bounds else col.min
    high = {"$PARAMETER": bounds["max_value"]} if "max_value" in bounds else col.max
    if col.kind == "float" and (low is None or high is None):
        add(E.ExpectColumnValuesToBeBetween, "row", f"non_finite_{name}",
            f"{name} is a finite number (not NaN or infinite)", action,
            column=name, min_value=-FLOAT_MAX, max_value=FLOAT_MAX, **fix)
    if low is not None or high is not None:
        shown = (bounds.get("min_value", col.min), bounds.get("max_value", col.max))
        add(E.ExpectColumnValuesToBeBetween, "row", f"{name}_out_of_range",
            f"{name} is {_bound_text(*shown)}", action,
            column=name, min_value=low, max_value=high, **fix)
    if col.allowed:
        add(E.ExpectColumnValuesToBeInSet, "row", f"invalid_{name}",
            f"{name} is one of {', '.join(col.allowed)}", action,
            column=name, value_set=list(col.allowed), **fix)
    target = table.references.get(name)
    if target:
        key = TABLES[target].key[0]
        severity = "warning" if (table.name, name) in WARNING_REFERENCES else "row"
        ref_action = None if severity == "warning" else action
        ref_fix = fix if ref_action == "value_nulled" else {}
        add(E.ExpectColumnValuesToBeInSet, severity, f"unknown_{name.removesuffix('_id')}",
            f"every {name} is a {key} of a usable row of {target}", ref_action,
            column=name, value_set={"$PARAMETER": reference_parameter(target, key)},
            value_set_from=f"{target}.{key}", **ref_fix)
    if name == table.date_column:
        add(E.ExpectColumnValuesToBeBetween, "row", "after_quarter_end",
            f"{name} is not after the quarter's last day (later rows are ignored and counted)",
            "row_set_aside", column=name, max_value={"$PARAMETER": "quarter_end"})
    return out


def build_suite(table: Table) -> ExpectationSuite:
    """The GE suite of one contract table (see the module docstring for its conventions)."""
    gx, Col = _gx()
    E = gx.expectations
    blocking = GE_SEVERITY["blocking"]
    exps: list[Expectation] = []
    for name in table.required_columns:
        exps.append(E.ExpectColumnToExist(
            column=name, description=f"the required column {name} is present",
            meta=_meta("blocking", "missing_column"), severity=blocking))
    for col in table.columns:
        exps.append(E.ExpectColumnValuesToBeInTypeList(
            column=col.name, type_list=[POLARS_TYPES[col.kind]],
            description=f"{col.name} was read as {col.kind} (polars {POLARS_TYPES[col.kind]})",
            meta=_meta("blocking", "wrong_type"), severity=blocking))
    for name in table.required_columns:
        exps.append(E.ExpectColumnProportionOfNonNullValuesToBeBetween(
            column=name, min_value=0, strict_min=True,
            description=f"the required column {name} is not entirely empty or unreadable",
            meta=_meta("blocking", "column_empty"), severity=blocking))
    if len(table.key) == 1:
        exps.append(E.ExpectColumnValuesToBeUnique(
            column=table.key[0], description=f"each {table.key[0]} appears on one row only",
            meta=_meta("blocking", "duplicate_key"), severity=blocking))
    elif table.key:
        exps.append(E.ExpectCompoundColumnsToBeUnique(
            column_list=list(table.key), description=f"each ({', '.join(table.key)}) appears on one row only",
            meta=_meta("blocking", "duplicate_key"), severity=blocking))
    no_rows = "blocking" if table.required else "warning"
    exps.append(E.ExpectTableRowCountToBeBetween(
        min_value=1, description=f"at least one row of {table.name} is usable after rows are set aside",
        meta=_meta(no_rows, "no_usable_rows", evaluated_on="clean_rows"), severity=GE_SEVERITY[no_rows]))

    for col in table.columns:
        exps.extend(_column_expectations(table, col, gx, Col))
    if table.name == "customers":
        exps.append(E.ExpectColumnValuesToNotBeInSet(
            column="lat", value_set=[0.0], row_condition=Col("lon") == 0.0,
            description="lat and lon are not both 0 (a blank exported as zero, not a place)",
            meta=_meta("row", "zero_coordinates", "value_nulled", null_columns=list(COORDINATES)),
            severity=GE_SEVERITY["row"]))

    for col in table.columns:
        if not col.required:
            exps.append(E.ExpectColumnProportionOfNonNullValuesToBeBetween(
                column=col.name, min_value={"$PARAMETER": null_rate_parameter(col.name)},
                description=f"the share of empty {col.name} is within params max_null_rate",
                meta=_meta("warning", "high_null_rate", params_key=f"{table.name}.{col.name}",
                           evaluated_on="clean_rows"),
                severity=GE_SEVERITY["warning"]))
    return gx.ExpectationSuite(
        name=table.name,
        expectations=exps,
        meta={"tagkit_table": table.name, "parameters": sorted(_parameter_names(table))},
    )


def _parameter_names(table: Table) -> set[str]:
    names = {reference_parameter(t, TABLES[t].key[0]) for t in table.references.values()}
    names |= {null_rate_parameter(c.name) for c in table.columns if not c.required}
    names |= {p for (t, _), b in PARAM_BOUNDS.items() if t == table.name for p in b.values()}
    if table.date_column:
        names.add("quarter_end")
    return names


def build_suites() -> dict[str, dict[str, Any]]:
    """Every contract table's suite, as the JSON dict GE serialises it to."""
    return {name: build_suite(table).to_json_dict() for name, table in TABLES.items()}


def suite_json(suite: dict[str, Any]) -> str:
    return json.dumps(suite, indent=2, ensure_ascii=False) + "\n"


def write_suites(directory: Path = SUITES_DIR) -> list[Path]:
    """Regenerate the committed ``suites/<table>.json`` from the contract."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, suite in build_suites().items():
        path = directory / f"{name}.json"
        path.write_text(suite_json(suite), encoding="utf-8")
        paths.append(path)
    return paths


def load_suites(directory: Path = SUITES_DIR) -> dict[str, dict[str, Any]]:
    """The committed suites as plain dicts: what a validation run evaluates (no GE import)."""
    return {
        name: json.loads((directory / f"{name}.json").read_text(encoding="utf-8"))
        for name in TABLES
    }


def to_ge_suite(suite: dict[str, Any]) -> ExpectationSuite:
    """A committed suite dict as a GE ``ExpectationSuite`` object."""
    gx, _ = _gx()
    return gx.ExpectationSuite(**suite)
