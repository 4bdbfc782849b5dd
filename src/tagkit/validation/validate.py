"""Validate a dataset against the contract's suites: what is blocking, what is set aside.

Tables are validated in reference order (reps, customers, then the tables pointing at
customers), so a reference is checked against the *usable* rows of the table it points
to: an order of a customer whose row was set aside is itself set aside.

Expectations are evaluated on the rows as read, except ``meta.evaluated_on ==
"clean_rows"`` (no usable rows left; null rates), evaluated on the clean rows.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import polars as pl

from tagkit.contract import TABLES, Table
from tagkit.errors import ValidationBlocked
from tagkit.params import ValidationParams
from tagkit.quarters import quarter_end
from tagkit.validation.evaluate import Check, evaluate_checks, mask_name, materialise, plan_suite
from tagkit.validation.expectations import POLARS_TYPES, load_suites, null_rate_parameter, reference_parameter
from tagkit.validation.messages import TableContext, blocking_message, warning_message
from tagkit.validation.quarantine import split_rows
from tagkit.validation.result import Example, ExpectationResult, TableAccounting, ValidationResult

logger = logging.getLogger(__name__)

VALIDATION_ORDER = ("reps", "customers", "orders", "visits", "feedback", "competitor_signals")


@dataclass(frozen=True)
class _Prepared:
    frame: pl.LazyFrame
    original: list[str]  # columns as given (quarantine keeps these)
    clean_columns: list[str]
    absent: tuple[str, ...]  # optional contract columns the input lacked


def _prepare(lf: pl.LazyFrame, table: Table) -> _Prepared:
    """Add what the suites expect but intake may leave out: absent optional columns (as
    nulls), absent ``_raw_*`` (no text was parsed), and ``_file``/``_row`` if missing."""
    lf = lf.lazy()  # a DataFrame is accepted too
    schema = lf.collect_schema()
    original = list(schema.names())
    add: list[pl.Expr] = []
    if "_file" not in schema:
        add.append(pl.lit(table.name).alias("_file"))
        original.append("_file")
    if "_row" not in schema:
        add.append(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("_row"))
        original.append("_row")
    absent = tuple(c.name for c in table.columns if not c.required and c.name not in schema)
    add += [pl.lit(None, dtype=getattr(pl, POLARS_TYPES[table.column(n).kind])).alias(n) for n in absent]
    add += [pl.lit(None, dtype=pl.String).alias(f"_raw_{c.name}") for c in table.columns
            if c.kind != "string" and f"_raw_{c.name}" not in schema]
    present = [c for c in table.column_names if c in schema or c in absent]
    lineage = ("_file", "_row")
    extras = [c for c in schema.names() if c not in table.column_names and c not in lineage and not c.startswith("_raw_")]
    clean_columns = [*present, *extras, *lineage]
    return _Prepared(lf.with_columns(add) if add else lf, original, clean_columns, absent)


def _parameters(table: Table, params: ValidationParams, qend: dt.date, known: Mapping[str, pl.Series],
                present: Sequence[str], self_keys: pl.Series | None) -> tuple[dict[str, Any], dict[str, str]]:
    values: dict[str, Any] = {"quarter_end": qend, "max_discount": params.max_discount}
    unavailable: dict[str, str] = {}
    for col in table.columns:
        key = f"{table.name}.{col.name}"
        if not col.required:
            name = null_rate_parameter(col.name)
            if key in params.max_null_rate:
                values[name] = 1 - params.max_null_rate[key]
            else:
                unavailable[name] = f"no max_null_rate set for {key} in params"
    for target in table.references.values():
        key_col = TABLES[target].key[0]
        name = reference_parameter(target, key_col)
        if target == table.name and self_keys is not None:
            values[name] = self_keys
        elif f"{target}.{key_col}" in known:
            values[name] = known[f"{target}.{key_col}"]
        elif target not in present:
            unavailable[name] = f"{target} is absent"
        else:
            unavailable[name] = f"{target} has no usable {key_col} column"
    return values, unavailable


def _empty_column_examples(frame: pl.DataFrame, column: str) -> tuple[Example, ...]:
    raw = f"_raw_{column}"
    values = pl.col(raw) if raw in frame.columns else pl.lit(None, dtype=pl.String)
    head = frame.select(pl.col("_file"), pl.col("_row"), values.alias("v")).head(3)
    return tuple(Example(f, int(r), v) for f, r, v in head.iter_rows())


def _duplicates(frame: pl.DataFrame, check: Check) -> tuple[tuple[str, tuple[int, ...]], ...]:
    key = check.kwargs.get("column") or check.kwargs["column_list"][0]
    groups = (
        frame.filter(pl.col(mask_name(check.index)))
        .group_by(pl.col(key).cast(pl.String), maintain_order=True)
        .agg(pl.col("_row").sort())
    )
    return tuple((str(k), tuple(int(r) for r in rows)) for k, rows in groups.iter_rows())


def _report_failures(results: list[ExpectationResult], flagged: pl.DataFrame, checks: Sequence[Check],
                     ctx: TableContext, out: _Collected) -> list[ExpectationResult]:
    """Word every failed blocking or warning expectation; return the results with examples added."""
    by_index = {c.index: c for c in checks}
    reported = []
    for result in results:
        if result.failed and result.severity != "row":
            here = ctx
            if result.reason == "duplicate_key":
                here = replace(ctx, duplicates=_duplicates(flagged, by_index[result.index]))
            if result.reason == "column_empty" and result.column:
                result = replace(result, examples=_empty_column_examples(flagged, result.column))
            if result.severity == "blocking":
                out.blocking.append(blocking_message(result, here))
            else:
                out.warnings.append(warning_message(result, here))
        reported.append(result)
    return reported


@dataclass
class _Collected:
    results: list[ExpectationResult]
    blocking: list[str]
    warnings: list[str]


def _validate_table(name: str, lf: pl.LazyFrame, suite: Mapping[str, Any], params: ValidationParams,
                    qend: dt.date, known: dict[str, pl.Series], present: Sequence[str],
                    out: _Collected) -> tuple[pl.DataFrame, pl.DataFrame, TableAccounting]:
    table = TABLES[name]
    prep = _prepare(lf, table)
    schema = prep.frame.collect_schema()
    self_keys = None
    if name in table.references.values() and table.key and table.key[0] in schema:
        # a table pointing at itself (reps.manager_id): its own keys as read
        self_keys = prep.frame.select(pl.col(table.key[0]).drop_nulls().unique()).collect().to_series()
    parameters, unavailable = _parameters(table, params, qend, known, present, self_keys)
    checks = plan_suite(suite, schema, parameters, unavailable)
    on_read = [c for c in checks if c.meta.get("evaluated_on") != "clean_rows"]
    on_clean = [c for c in checks if c.meta.get("evaluated_on") == "clean_rows"]

    flagged, materialised = materialise(prep.frame, on_read)  # the one pass over the input
    results = evaluate_checks(flagged, materialised, table=name)
    split = split_rows(flagged, materialised, table=table, original_columns=prep.original,
                       clean_columns=prep.clean_columns)
    wanted = {c.index for c in on_clean}
    replanned = [c for c in plan_suite(suite, split.clean.schema, parameters, unavailable) if c.index in wanted]
    results += evaluate_checks(split.clean, replanned, table=name)
    results.sort(key=lambda r: r.index)

    files = tuple(sorted(flagged.get_column("_file").unique().drop_nulls().to_list()))
    accounting = TableAccounting(
        table=name, rows_read=flagged.height, rows_used=split.clean.height,
        rows_quarantined=split.rows_quarantined, rows_value_nulled=split.rows_value_nulled,
        by_reason=split.by_reason, files=files, columns_absent=prep.absent,
    )
    ctx = TableContext(name, files, flagged.height, accounting=accounting, parameters=parameters)
    results = _report_failures(results, flagged, checks, ctx, out)
    for column in prep.absent:
        out.warnings.append(f"{', '.join(files) or name}: optional column '{column}' is absent; "
                            "it is treated as empty, and the scores that use it are weaker.")
    out.results.extend(results)
    for key in TABLES[name].key:
        if key in split.clean.columns:
            known[f"{name}.{key}"] = split.clean.get_column(key).drop_nulls().unique()
    return split.clean, split.quarantine, accounting


def validate_dataset(tables: Mapping[str, pl.LazyFrame], *, quarter: str, params: ValidationParams,
                     missing: Sequence[str] = ()) -> ValidationResult:
    """Check every table against its suite; set problem rows aside; collect what blocks.

    Pure: reads only the frames given, writes nothing, never raises for bad data — call
    :func:`raise_if_blocked` after writing the report. ``tables`` are intake's frames
    (contract columns typed, ``_file``/``_row``, ``_raw_<col>`` for text that was parsed).

    >>> result = validate_dataset(dataset.tables, quarter="2026Q3", params=params.validation)  # doctest: +SKIP
    >>> result.accounting["orders"].rows_quarantined                                          # doctest: +SKIP
    12
    """
    suites = load_suites()
    qend = quarter_end(quarter)
    present = [t for t in TABLES if t in tables]
    out = _Collected([], [], [])
    clean: dict[str, pl.DataFrame] = {}
    quarantine: dict[str, pl.DataFrame] = {}
    accounting: dict[str, TableAccounting] = {}
    known: dict[str, pl.Series] = {}
    for name in VALIDATION_ORDER:
        if name not in tables:
            if TABLES[name].required:
                out.blocking.append(f"{name}: table '{name}' must be present; got no file. "
                                    f"Put {name}.csv, .parquet or .xlsx in the data folder.")
            continue
        clean[name], quarantine[name], accounting[name] = _validate_table(
            name, tables[name], suites[name], params, qend, known, present, out)
        logger.info("%s: %d read, %d used, %d set aside", name, accounting[name].rows_read,
                    accounting[name].rows_used, accounting[name].rows_quarantined)
    order = {t: i for i, t in enumerate(TABLES)}
    absent_optional = {t for t in TABLES if t not in tables and not TABLES[t].required}
    return ValidationResult(
        quarter=quarter,
        clean=dict(sorted(clean.items(), key=lambda kv: order[kv[0]])),
        quarantine=dict(sorted(quarantine.items(), key=lambda kv: order[kv[0]])),
        expectations=sorted(out.results, key=lambda r: (order[r.table], r.index)),
        accounting=dict(sorted(accounting.items(), key=lambda kv: order[kv[0]])),
        blocking=out.blocking,
        warnings=out.warnings,
        missing=sorted(absent_optional | set(missing), key=lambda t: order.get(t, len(order))),
    )


def raise_if_blocked(result: ValidationResult) -> None:
    """Raise :class:`ValidationBlocked` listing every blocking failure, if there is any."""
    if result.blocking:
        raise ValidationBlocked(result.blocking)
