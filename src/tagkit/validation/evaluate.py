"""Evaluate GE expectation configurations with polars instead of GE's pandas engine: the checks planned by
:mod:`tagkit.validation.plan` (one polars expression per expectation, with GE's semantics) run here.

Everything is computed as lazy aggregates, so a table is never held in memory whole
(docs/scaling.md, "Validation"):

1. uniqueness (:func:`resolve_repeats`): a streaming ``group_by`` finds the repeated keys;
   the check becomes "the key is one of those" — exact, like GE's ``is_duplicated``;
2. :func:`flag`: every row mask as a column (:func:`mask_name`), in one cached
   ``with_columns``, so that counts, examples and the quarantine split reuse a mask
   instead of recomputing it;
3. :func:`count_query`: one row of sums (unexpected, domain, non-missing per check);
4. :func:`example_query`: the first ``n`` flagged rows of every check (a running count per
   mask, so at most ``n`` rows per check ever leave the stream).

The queries of one table run together (:func:`collect_queries`), on polars' streaming engine.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, Final

import polars as pl

from tagkit.validation.plan import TYPE_TYPES, Check, mask_name, plan_suite
from tagkit.validation.result import Example, ExpectationResult

N_EXAMPLES = 5
ENGINE: Final = "streaming"
FILE, ROW = "_file", "_row"


def _evaluated(checks: Sequence[Check]) -> list[Check]:
    return [c for c in checks if c.is_map and not c.skipped]


def _mask(check: Check) -> pl.Expr:
    """The rows ``check`` flags: set for every evaluated check once :func:`resolve_repeats` has run."""
    if check.unexpected is None:
        raise ValueError(f"uniqueness check {check.index} needs resolve_repeats() first")
    return check.unexpected


def _shown(check: Check) -> pl.Expr:
    """The value an example row of ``check`` shows: set for every check that flags rows."""
    if check.shown is None:
        raise ValueError(f"check {check.index} flags rows but shows no value for them")
    return check.shown


def resolve_repeats(frame: pl.LazyFrame, checks: Sequence[Check]) -> list[Check]:
    """Turn each uniqueness check into "the key is one of the repeated keys".

    GE flags every non-missing row whose key appears more than once; a streaming
    ``group_by`` counts the keys (one pass over the key columns, no sort, no whole table
    in memory) and keeps those seen twice or more. Runs one query per uniqueness check.
    """
    out = []
    for check in checks:
        if check.repeated is None or check.skipped or check.unexpected is not None:
            out.append(check)
            continue
        assert check.nonnull is not None
        # a compound key is grouped by its columns and made a struct on the few repeated keys only:
        # grouping by the struct itself takes 1.7 times as long (8M rows of the features table)
        compound = check.config["type"] == "expect_compound_columns_to_be_unique"
        cols = check.kwargs.get("column_list") if compound else None
        rows = frame.lazy().filter(check.nonnull)
        grouped = rows.group_by(*cols) if cols else rows.group_by(check.repeated.alias("__key"))
        keys = (
            grouped.agg(pl.len().alias("__n"))
            .filter(pl.col("__n") > 1).select(pl.struct(cols).alias("__key") if cols else "__key")
            .collect(engine=ENGINE).to_series()
        )
        unexpected = (check.nonnull & check.repeated.is_in(pl.lit(keys.implode()))).fill_null(False)
        out.append(replace(check, unexpected=unexpected))
    return out


def flag(frame: pl.DataFrame | pl.LazyFrame, checks: Sequence[Check]) -> tuple[pl.LazyFrame, list[Check]]:
    """Add every row mask as a :func:`mask_name` column (lazily, one ``with_columns``).

    Returns the frame with the masks and the checks rewritten to read them. Uniqueness
    checks must have been through :func:`resolve_repeats`. The frame gets ``_row`` (the
    1-based position) if it has none.
    """
    lf = frame.lazy()
    if ROW not in lf.collect_schema():
        lf = lf.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
    evaluated = _evaluated(checks)
    unresolved = [c.index for c in evaluated if c.unexpected is None]
    if unresolved:
        raise ValueError(f"uniqueness checks {unresolved} need resolve_repeats() before flag()")
    flagged = lf.with_columns(_mask(c).alias(mask_name(c.index)) for c in evaluated) if evaluated else lf
    # cache: the queries run together then read one stream of masks (measured 12.7 -> 8.4 CPU-s
    # on 10M order lines with the spool sinks), instead of each recomputing them from the input
    flagged = flagged.cache()
    done = {c.index for c in evaluated}
    rewritten = [replace(c, unexpected=pl.col(mask_name(c.index))) if c.index in done else c for c in checks]
    return flagged, rewritten


def count_query(flagged: pl.LazyFrame, checks: Sequence[Check], extra: Sequence[pl.Expr] = ()) -> pl.LazyFrame:
    """One row of sums over ``flagged``: per map check unexpected (``u<i>``), domain (``d<i>``) and
    non-missing (``n<i>``) rows; per null-rate check the non-null rows (``o<i>``); ``__height``;
    then ``extra`` (e.g. the quarantine counts). Every one a streaming reduction."""
    exprs = [pl.len().alias("__height"), *extra]
    for check in checks:
        if check.skipped:
            continue
        i = check.index
        if check.is_map:
            assert check.unexpected is not None
            exprs.append(check.unexpected.sum().alias(f"u{i}"))
            exprs.append((pl.len() if check.domain is None else check.domain.sum()).alias(f"d{i}"))
            if check.nonnull is not None:
                exprs.append(check.nonnull.sum().alias(f"n{i}"))
        elif check.config["type"] == "expect_column_proportion_of_non_null_values_to_be_between":
            exprs.append(pl.col(check.kwargs["column"]).is_not_null().sum().alias(f"o{i}"))
        elif check.config["type"] == "expect_column_max_to_be_between":
            exprs.append(pl.col(check.kwargs["column"]).max().alias(f"m{i}"))
    return flagged.select(exprs)


def example_query(flagged: pl.LazyFrame, checks: Sequence[Check], n_examples: int = N_EXAMPLES,
                  table: str = "", *, first_of_each_file: bool = False) -> pl.LazyFrame:
    """The first ``n_examples`` rows flagged by each map check: ``_file``, ``_row``, the masks
    and each check's shown value (``v<i>``, computed on these few rows only).

    ``first_of_each_file`` also keeps each file's first row, so the files read come out of the
    same pass (a ``group_by`` beside it would make polars buffer the shared input).
    """
    evaluated = _evaluated(checks)
    schema = flagged.collect_schema()
    file = pl.col(FILE) if FILE in schema else pl.lit(table, dtype=pl.String).alias(FILE)
    first = [pl.col(FILE).is_first_distinct()] if first_of_each_file and FILE in schema else []
    if not evaluated and not first:
        return flagged.select(file, pl.col(ROW)).clear()
    # the rows any check flags (or a file's first) first, then a running count per mask on those few keeps
    # the first n of each: the same rows as counting over every row (the others add nothing to any count),
    # without a running sum per check over all of them
    unexpected = [_mask(c).alias(f"_u{c.index}") for c in evaluated]
    counted = [pl.col(f"_u{c.index}") & (pl.col(f"_u{c.index}").cast(pl.Int64).cum_sum() <= n_examples)
               for c in evaluated]
    masks = [mask_name(c.index) for c in evaluated]
    return (
        flagged.with_columns(*unexpected, _first=pl.any_horizontal(first) if first else pl.lit(False))
        .filter(pl.any_horizontal(*(pl.col(f"_u{c.index}") for c in evaluated), pl.col("_first")))
        .filter(pl.any_horizontal(*counted, pl.col("_first")))
        .select(file, pl.col(ROW), *masks, *(_shown(c).alias(f"v{c.index}") for c in evaluated))
    )


def collect_queries(queries: Sequence[pl.LazyFrame]) -> list[pl.DataFrame]:
    """Run queries on the same input together (polars shares what it can), streaming."""
    return pl.collect_all(list(queries), engine=ENGINE)


def _in_bounds(value: float, kw: Mapping[str, Any]) -> bool:
    low, high = kw.get("min_value"), kw.get("max_value")
    if low is not None and (value <= low if kw.get("strict_min") else value < low):
        return False
    return not (high is not None and (value >= high if kw.get("strict_max") else value > high))


def _examples(check: Check, examples: pl.DataFrame, n_examples: int) -> tuple[Example, ...]:
    rows = examples.filter(pl.col(mask_name(check.index))).head(n_examples)
    return tuple(Example(f, int(r), v) for f, r, v in rows.select(FILE, ROW, f"v{check.index}").iter_rows())


def read_results(checks: Sequence[Check], counts: Mapping[str, Any], examples: pl.DataFrame, *, table: str,
                 schema: pl.Schema, n_examples: int = N_EXAMPLES) -> list[ExpectationResult]:
    """Each check's result from the row of :func:`count_query` and the rows of :func:`example_query`."""
    height = int(counts["__height"])
    return [_result(c, table, counts, examples, schema, height, n_examples) for c in checks]


def _result(check: Check, table: str, row: Mapping[str, Any], examples: pl.DataFrame, schema: pl.Schema,
            height: int, n_examples: int) -> ExpectationResult:
    base = dict(
        table=table, index=check.index, expectation_type=check.config["type"],
        kwargs=check.config["kwargs"], meta=check.meta, description=check.config.get("description") or "",
    )
    if check.skipped:
        return ExpectationResult(**base, success=None, skipped=check.skipped)
    i, kind, kw = check.index, check.config["type"], check.kwargs
    if check.is_map:
        unexpected, domain = int(row[f"u{i}"]), int(row[f"d{i}"])
        nonnull = int(row[f"n{i}"]) if check.nonnull is not None else None
        considered = domain if nonnull is None else nonnull
        mostly = kw.get("mostly", 1.0)
        success = True if considered == 0 else (considered - unexpected) / considered >= mostly
        return ExpectationResult(
            **base, success=success, element_count=domain, unexpected_count=unexpected,
            unexpected_percent=unexpected / considered * 100 if considered else None,
            missing_count=None if nonnull is None else domain - nonnull,
            examples=_examples(check, examples, n_examples) if unexpected else (),
        )
    if kind == "expect_column_to_exist":
        return ExpectationResult(**base, success=kw["column"] in schema)
    if kind in TYPE_TYPES:
        type_name = str(schema[kw["column"]])
        allowed = kw.get("type_list") or [kw.get("type_")]
        return ExpectationResult(**base, success=type_name in allowed, observed_value=type_name)
    if kind == "expect_table_row_count_to_be_between":
        return ExpectationResult(**base, success=_in_bounds(height, kw), observed_value=height)
    if kind == "expect_column_proportion_of_non_null_values_to_be_between":
        observed = int(row[f"o{i}"]) / height if height else 0.0
        return ExpectationResult(**base, success=_in_bounds(observed, kw), observed_value=observed)
    if kind == "expect_column_max_to_be_between":
        observed = row[f"m{i}"]  # None on no rows: GE fails it, as nothing reaches the bound
        success = observed is not None and _in_bounds(observed, kw)
        return ExpectationResult(**base, success=success, observed_value=observed)
    raise ValueError(f"expectation type {kind!r} has no polars translation; add one in {__name__}")


def evaluate_checks(frame: pl.DataFrame | pl.LazyFrame, checks: Sequence[Check], *, table: str,
                    n_examples: int = N_EXAMPLES) -> list[ExpectationResult]:
    """Evaluate translated checks on ``frame``: repeats, then counts and examples in one run.

    Examples carry ``_file``/``_row`` if the frame has them (else the table name and the
    1-based position).
    """
    lf = frame.lazy()
    schema = lf.collect_schema()
    flagged, flagged_checks = flag(lf, resolve_repeats(lf, checks))
    counts, examples = collect_queries([count_query(flagged, flagged_checks),
                                        example_query(flagged, flagged_checks, n_examples, table)])
    return read_results(flagged_checks, counts.row(0, named=True), examples, table=table, schema=schema,
                        n_examples=n_examples)


def evaluate_suite(frame: pl.DataFrame | pl.LazyFrame, suite: Mapping[str, Any], *,
                   parameters: Mapping[str, Any], unavailable: Mapping[str, str] | None = None,
                   n_examples: int = N_EXAMPLES) -> list[ExpectationResult]:
    """Evaluate a GE suite (its JSON dict) on a polars frame, like GE's ``batch.validate``.

    ``parameters`` play the part of GE's ``expectation_parameters``; an expectation whose
    parameter is absent is skipped, with ``unavailable[name]`` as the reason if given. A
    LazyFrame is streamed, never collected whole.

    >>> results = evaluate_suite(orders, load_suites()["orders"], parameters={...})  # doctest: +SKIP
    """
    schema = frame.lazy().collect_schema()
    checks = plan_suite(suite, schema, parameters, unavailable)
    return evaluate_checks(frame, checks, table=suite["name"], n_examples=n_examples)
