"""Validate a dataset against the contract's suites: what is blocking, what is set aside.

Tables are validated in reference order (reps, customers, then the tables pointing at
customers), so a reference is checked against the *usable* rows of the table it points
to: an order of a customer whose row was set aside is itself set aside.

Expectations are evaluated on the rows as read, except ``meta.evaluated_on ==
"clean_rows"`` (no usable rows left; null rates), evaluated on the clean rows.

A table of up to :data:`STREAM_ROWS` rows (every Excel sheet, every master table) is read
into memory once and checked there. A bigger one is never held whole: it is read in one
streaming pass that evaluates its checks as aggregates (:mod:`.evaluate`) and streams its
clean and quarantined rows to parquet files in a temporary spool (:mod:`.spool`), which
the result's frames then scan. Counts are exact either way, and checked: rows read = rows
used + rows set aside, each side counted by its own query, and the rows in the spool files
match the counts.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import polars as pl

from tagkit.contract import RETURNED_TABLES, TABLES, Table, lost_reasons
from tagkit.errors import ValidationBlocked
from tagkit.params import ValidationParams
from tagkit.quarters import quarter_end
from tagkit.validation.evaluate import (
    FILE,
    ROW,
    collect_queries,
    count_query,
    example_query,
    flag,
    read_results,
    resolve_repeats,
)
from tagkit.validation.expectations import POLARS_TYPES, load_suites, null_rate_parameter, reference_parameter
from tagkit.validation.messages import TableContext, blocking_message, warning_message
from tagkit.validation.plan import Check, mask_name, plan_suite
from tagkit.validation.quarantine import plan_split, read_counts
from tagkit.validation.result import Example, ExpectationResult, Frame, TableAccounting, ValidationResult
from tagkit.validation.spool import PARQUET_OPTIONS, Spool

logger = logging.getLogger(__name__)

VALIDATION_ORDER = ("reps", "customers", "orders", "visits", "feedback", "competitor_signals", "actions")
# Above this many rows a table is streamed rather than read into memory. Any sheet an Excel
# export can hold (1,048,576 rows) stays below it, and so does a master table of a million customers.
STREAM_ROWS = 2_000_000


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
        lf = lf.with_row_index("_row", offset=1).with_columns(pl.col("_row").cast(pl.Int64))
        original.append("_row")
    absent = tuple(c.name for c in table.columns if not c.required and c.name not in schema)
    add += [pl.lit(None, dtype=getattr(pl, POLARS_TYPES[table.column(n).kind])).alias(n) for n in absent]
    add += [pl.lit(None, dtype=pl.String).alias(f"_raw_{c.name}") for c in table.columns
            if c.kind != "string" and f"_raw_{c.name}" not in schema]
    present = [c for c in table.column_names if c in schema or c in absent]
    lineage = ("_file", "_row")
    extras = [c for c in schema.names()
              if c not in table.column_names and c not in lineage and not c.startswith("_raw_")]
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


def _empty_column_examples(frame: pl.LazyFrame, column: str) -> tuple[Example, ...]:
    raw = f"_raw_{column}"
    values = pl.col(raw) if raw in frame.collect_schema() else pl.lit(None, dtype=pl.String)
    head = frame.select(pl.col(FILE), pl.col(ROW), values.alias("v")).head(3).collect()
    return tuple(Example(f, int(r), v) for f, r, v in head.iter_rows())


def _duplicates(frame: pl.LazyFrame, check: Check) -> tuple[tuple[str, tuple[int, ...]], ...]:
    key = check.kwargs.get("column") or check.kwargs["column_list"][0]
    groups = (
        frame.filter(pl.col(mask_name(check.index)))
        .group_by(pl.col(key).cast(pl.String), maintain_order=True)
        .agg(pl.col(ROW).sort())
        .collect()
    )
    return tuple((str(k), tuple(int(r) for r in rows)) for k, rows in groups.iter_rows())


def _report_failures(results: list[ExpectationResult], flagged: pl.LazyFrame, checks: Sequence[Check],
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
    spool: Spool
    spooled: dict[str, Path]


def _is_large(frame: pl.LazyFrame, stream_rows: int) -> bool:
    """More than ``stream_rows`` rows? Reads no further than the row after the limit."""
    return frame.head(stream_rows + 1).select(pl.len()).collect().item() > stream_rows


def _validate_table(name: str, lf: pl.LazyFrame, suite: Mapping[str, Any], params: ValidationParams,
                    qend: dt.date, known: dict[str, pl.Series], present: Sequence[str],
                    out: _Collected) -> tuple[Frame, Frame, TableAccounting]:
    table = TABLES[name]
    prep = _prepare(lf, table)
    streamed = _is_large(prep.frame, STREAM_ROWS)
    # a small table is read once, and every query below runs on it in memory
    frame = prep.frame if streamed else prep.frame.collect().rechunk().lazy()
    schema = frame.collect_schema()
    self_keys = None
    if name in table.references.values() and table.key and table.key[0] in schema:
        # a table pointing at itself (reps.manager_id): its own keys as read
        self_keys = frame.select(pl.col(table.key[0]).drop_nulls().unique()).collect().to_series()
    parameters, unavailable = _parameters(table, params, qend, known, present, self_keys)
    checks = plan_suite(suite, schema, parameters, unavailable)
    on_read = [c for c in checks if c.meta.get("evaluated_on") != "clean_rows"]
    wanted = {c.index for c in checks if c.meta.get("evaluated_on") == "clean_rows"}

    flagged, flagged_checks = flag(frame, resolve_repeats(frame, on_read))
    split = plan_split(flagged, flagged_checks, table=table, original_columns=prep.original,
                       clean_columns=prep.clean_columns)
    clean_schema = split.clean.collect_schema()
    on_clean = [c for c in plan_suite(suite, clean_schema, parameters, unavailable) if c.index in wanted]
    clean_flagged, clean_checks = flag(split.clean, resolve_repeats(split.clean, on_clean))
    # one run over the input: the checks, the split's counts, the files; the checks on the clean
    # rows; and for a streamed table the clean and quarantined rows, to the spool
    spooled = {kind: out.spool.path(kind, name) for kind in ("clean", "quarantine")} if streamed else {}
    sinks = [part.sink_parquet(spooled[kind], lazy=True, **PARQUET_OPTIONS)
             for kind, part in (("clean", split.clean), ("quarantine", split.quarantine)) if kind in spooled]
    # a small table's clean and quarantined rows come out of the same run, not a second one over the masks
    outputs = sinks if streamed else [split.clean, split.quarantine]
    counts, examples, clean_counts, clean_examples, *written = collect_queries([
        count_query(flagged, flagged_checks, split.counts),
        example_query(flagged, flagged_checks, table=name, first_of_each_file=True),
        count_query(clean_flagged, clean_checks),
        example_query(clean_flagged, clean_checks, table=name),
        *outputs,
    ])
    row, clean_row = counts.row(0, named=True), clean_counts.row(0, named=True)
    results = read_results(flagged_checks, row, examples, table=name, schema=schema)
    results += read_results(clean_checks, clean_row, clean_examples, table=name, schema=clean_schema)
    results.sort(key=lambda r: r.index)

    split_counts = read_counts(row)
    files = tuple(sorted(f for f in examples.get_column(FILE).unique().to_list() if f is not None))
    rows_read = int(row["__height"])
    accounting = TableAccounting(  # checks rows read = used + set aside, each counted apart
        table=name, rows_read=rows_read, rows_used=int(clean_row["__height"]),
        rows_quarantined=split_counts.rows_quarantined, rows_value_nulled=split_counts.rows_value_nulled,
        by_reason=split_counts.by_reason, files=files, columns_absent=prep.absent, rows_lost=split_counts.rows_lost,
    )
    ctx = TableContext(name, files, rows_read, accounting=accounting, parameters=parameters)
    results = _report_failures(results, flagged, flagged_checks + clean_checks, ctx, out)
    for column in prep.absent:
        out.warnings.append(f"{', '.join(files) or name}: optional column '{column}' is absent; "
                            "it is treated as empty, and the scores that use it are weaker.")
    out.results.extend(results)

    clean: Frame
    quarantine: Frame
    if streamed:
        clean, quarantine = pl.scan_parquet(spooled["clean"]), pl.scan_parquet(spooled["quarantine"])
        out.spooled |= {f"{kind}/{name}": path for kind, path in spooled.items()}
        heights = tuple(f.select(pl.len()).collect().item() for f in (clean, quarantine))  # parquet footers
    else:
        clean, quarantine = written
        heights = (clean.height, quarantine.height)
    if heights != (accounting.rows_used, accounting.quarantine_rows):
        raise AssertionError(f"{name}: split into {heights[0]} clean and {heights[1]} quarantined rows, "
                             f"counted {accounting.rows_used} and {accounting.quarantine_rows}")
    for key in table.key:
        if key in clean_schema:  # the usable keys, for the tables pointing at this one
            known[f"{name}.{key}"] = clean.lazy().group_by(key).agg().drop_nulls().collect().get_column(key)
    return clean, quarantine, accounting


def validate_dataset(tables: Mapping[str, pl.LazyFrame], *, quarter: str, params: ValidationParams,
                     missing: Sequence[str] = ()) -> ValidationResult:
    """Check every table against its suite; set problem rows aside; collect what blocks.

    Pure: reads only the frames given, writes nothing but that spool, never raises for bad data — call
    :func:`raise_if_blocked` after writing the report. ``tables`` are intake's frames
    (contract columns typed, ``_file``/``_row``, ``_raw_<col>`` for text that was parsed).
    A table of more than :data:`STREAM_ROWS` rows is streamed: its
    clean and quarantined rows are written to temporary parquet files as it is read, and
    returned as LazyFrames scanning them (see the module docstring); the files go when the
    result does.

    >>> result = validate_dataset(dataset.tables, quarter="2026Q3", params=params.validation)  # doctest: +SKIP
    >>> result.accounting["orders"].rows_quarantined                                          # doctest: +SKIP
    12
    """
    suites = load_suites()
    qend = quarter_end(quarter)
    present = [t for t in TABLES if t in tables]
    out = _Collected([], [], [], Spool(), {})
    clean: dict[str, Frame] = {}
    quarantine: dict[str, Frame] = {}
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
    _check_row_loss(accounting, params, out)
    order = {t: i for i, t in enumerate(TABLES)}
    absent_optional = {t for t in TABLES if t not in tables and not TABLES[t].required and t not in RETURNED_TABLES}
    result = ValidationResult(
        quarter=quarter,
        clean=dict(sorted(clean.items(), key=lambda kv: order[kv[0]])),
        quarantine=dict(sorted(quarantine.items(), key=lambda kv: order[kv[0]])),
        expectations=sorted(out.results, key=lambda r: (order[r.table], r.index)),
        accounting=dict(sorted(accounting.items(), key=lambda kv: order[kv[0]])),
        blocking=out.blocking,
        warnings=out.warnings,
        missing=sorted(absent_optional | set(missing), key=lambda t: order.get(t, len(order))),
        spooled=out.spooled,
    )
    out.spool.tie_to(result)
    return result


def _check_row_loss(accounting: Mapping[str, TableAccounting], params: ValidationParams, out: _Collected) -> None:
    """Rows set aside are never lost silently: above ``validation.max_quarantine_share`` of a table the
    run stops (the scores would rest on a fraction of the data), below it a warning says how many."""
    for name, acc in accounting.items():
        if not acc.rows_lost:
            continue
        share, limit = acc.rows_lost / acc.rows_read, params.quarantine_limit(name)
        reasons = lost_reasons(acc.by_reason)
        files = ", ".join(acc.files[:3]) + (f" and {len(acc.files) - 3} more" if len(acc.files) > 3 else "")
        said = (f"{files}: {acc.rows_lost:,} of {acc.rows_read:,} rows of table '{name}' ({share:.1%}) "
                f"were set aside as unusable; main reasons: {reasons}")
        if share > limit:
            out.blocking.append(
                f"{said}. That is more than validation.max_quarantine_share allows ({limit:.0%}), so the scores "
                f"would rest on part of the data. See quarantine/{name}.parquet and validation.html for the rows; "
                f"fix them in the source and export again, or, if this loss is expected, raise the limit in a "
                f"--params file (validation: max_quarantine_share: {name}: 0.5).")
        else:
            out.warnings.append(f"{said}. They are in quarantine/{name}.parquet; the run went on without them.")


def raise_if_blocked(result: ValidationResult) -> None:
    """Raise :class:`ValidationBlocked` listing every blocking failure, if there is any."""
    if result.blocking:
        raise ValidationBlocked(result.blocking)
