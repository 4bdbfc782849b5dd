"""Evaluate GE expectation configurations with polars instead of GE's pandas engine.

GE on pandas costs seconds per expectation on 10M rows and needs the whole table in pandas
memory; the same check as a polars expression costs milliseconds and streams. Each
expectation type used in the suites translates to polars expressions with GE's semantics:

- ``unexpected``: True on the rows the expectation flags;
- ``domain``: the rows it looks at (its ``row_condition``; ``element_count``);
- ``nonnull``: the rows GE does not count as missing (map expectations other than the
  null checks ignore missing values; success is then ``1 - unexpected/nonnull >= mostly``).

Missing means null, not NaN: a NaN is a value (out of any range), as in polars and in
pandas with pyarrow dtypes, which the equivalence test runs GE on.

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

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import polars as pl

from tagkit.validation.result import Example, ExpectationResult

N_EXAMPLES = 5
ENGINE = "streaming"
FLOAT_TYPES = (pl.Float32, pl.Float64)
MAP_TYPES = frozenset({
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_null",
    "expect_column_values_to_be_between",
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_not_be_in_set",
    "expect_column_values_to_be_unique",
    "expect_compound_columns_to_be_unique",
    "expect_column_values_to_match_regex",
    "expect_column_pair_values_a_to_be_greater_than_b",
    "expect_column_pair_values_to_be_equal",
})
PAIR_TYPES = frozenset({"expect_column_pair_values_a_to_be_greater_than_b", "expect_column_pair_values_to_be_equal"})
AGGREGATE_TYPES = frozenset({
    "expect_column_to_exist",
    "expect_column_values_to_be_in_type_list",
    "expect_column_values_to_be_of_type",
    "expect_table_row_count_to_be_between",
    "expect_column_proportion_of_non_null_values_to_be_between",
    "expect_column_max_to_be_between",
})
TYPE_TYPES = frozenset({"expect_column_values_to_be_in_type_list", "expect_column_values_to_be_of_type"})
FILE, ROW = "_file", "_row"


class ParameterMissing(LookupError):
    """An expectation refers to a suite parameter that was not given."""


@dataclass(frozen=True, eq=False)  # holds polars expressions, which do not compare to a bool
class Check:
    """One expectation, translated for a frame of a given schema."""

    index: int
    config: dict[str, Any]  # the expectation as in the suite JSON
    kwargs: dict[str, Any]  # parameters substituted
    skipped: str | None = None
    unexpected: pl.Expr | None = None
    domain: pl.Expr | None = None  # None: every row
    nonnull: pl.Expr | None = None  # None: GE reports no missing_count (null checks)
    shown: pl.Expr | None = None  # the value shown for an example row, as text
    repeated: pl.Expr | None = None  # uniqueness: the key; :func:`resolve_repeats` sets ``unexpected``

    @property
    def is_map(self) -> bool:
        return self.unexpected is not None or self.repeated is not None

    @property
    def meta(self) -> dict[str, Any]:
        return self.config.get("meta") or {}


def mask_name(index: int) -> str:
    return f"__unexpected_{index}"


def _resolve(value: Any, parameters: Mapping[str, Any]) -> Any:
    if isinstance(value, dict) and "$PARAMETER" in value:
        name = value["$PARAMETER"]
        if name not in parameters:
            raise ParameterMissing(name)
        return parameters[name]
    return value


def condition_expr(cond: dict[str, Any]) -> pl.Expr:
    """A GE 1.x structured ``row_condition`` (as serialised) as a polars predicate."""
    kind = cond.get("type")
    if kind == "nullity":
        col = pl.col(cond["column"]["name"])
        return col.is_null() if cond["is_null"] else col.is_not_null()
    if kind == "comparison":
        col, value = pl.col(cond["column"]["name"]), cond["parameter"]
        ops = {
            "==": lambda: col == value, "!=": lambda: col != value,
            "<": lambda: col < value, "<=": lambda: col <= value,
            ">": lambda: col > value, ">=": lambda: col >= value,
            "IN": lambda: col.is_in(value), "NOT_IN": lambda: ~col.is_in(value),
        }
        return ops[cond["operator"]]().fill_null(False)
    if kind in ("and", "or"):
        parts = [condition_expr(c) for c in cond["conditions"]]
        out = parts[0]
        for part in parts[1:]:
            out = (out & part) if kind == "and" else (out | part)
        return out
    raise ValueError(f"row_condition of type {kind!r} is not supported by tagkit's polars evaluator")


def _columns_used(kwargs: Mapping[str, Any]) -> list[str]:
    names = list(kwargs.get("column_list") or [])
    names += [kwargs[k] for k in ("column_A", "column_B") if k in kwargs]
    if "column" in kwargs:
        names.append(kwargs["column"])

    def walk(cond: Any) -> None:
        if isinstance(cond, dict):
            if "column" in cond and isinstance(cond["column"], dict):
                names.append(cond["column"]["name"])
            for sub in cond.get("conditions", []):
                walk(sub)

    walk(kwargs.get("row_condition"))
    return names


def _value_set(values: Any, dtype: pl.DataType) -> pl.Expr:
    # one literal list: polars hashes it once per query, not once per streamed batch
    series = values if isinstance(values, pl.Series) else pl.Series(list(values), dtype=dtype, strict=False)
    return pl.lit(series.cast(dtype, strict=False).implode())


def _bound(value: Any) -> pl.Expr:
    # dates stay dates (a bare lit of a date is a Date literal); numbers stay numbers
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return pl.lit(value, dtype=pl.Date)
    return pl.lit(value)


def _between(col: pl.Expr, kw: Mapping[str, Any], is_float: bool) -> pl.Expr:
    inside = pl.lit(True)
    low, high = kw.get("min_value"), kw.get("max_value")
    if low is not None:
        inside &= (col > _bound(low)) if kw.get("strict_min") else (col >= _bound(low))
    if high is not None:
        inside &= (col < _bound(high)) if kw.get("strict_max") else (col <= _bound(high))
    out = ~inside
    return (out | col.is_nan()) if is_float else out


def plan_check(index: int, config: dict[str, Any], schema: pl.Schema, parameters: Mapping[str, Any],
               unavailable: Mapping[str, str] | None = None) -> Check:
    """Translate one expectation config (GE JSON form) for a frame with ``schema``."""
    kind = config["type"]
    try:
        kw = {k: _resolve(v, parameters) for k, v in config["kwargs"].items()}
    except ParameterMissing as exc:
        name = exc.args[0]
        why = (unavailable or {}).get(name, f"no value given for parameter '{name}'")
        return Check(index, config, dict(config["kwargs"]), skipped=why)
    check = Check(index, config, kw)
    if kind == "expect_column_to_exist":
        return check
    absent = [c for c in _columns_used(kw) if c not in schema]
    if absent:
        return replace(check, skipped=f"column {', '.join(sorted(set(absent)))} is absent")
    if kind in AGGREGATE_TYPES:
        return check  # computed in count_query
    if kind not in MAP_TYPES:
        raise ValueError(f"expectation type {kind!r} has no polars translation; add one in {__name__}")
    condition = condition_expr(kw["row_condition"]) if kw.get("row_condition") else None
    domain = pl.lit(True) if condition is None else condition
    if kind == "expect_compound_columns_to_be_unique":
        cols = kw["column_list"]
        # GE's default ignore_row_if="all_values_are_missing"; a null inside a key equals a null
        nonnull = domain & pl.any_horizontal([pl.col(c).is_not_null() for c in cols])
        shown = pl.concat_str([pl.col(c).cast(pl.String) for c in cols], separator=", ", ignore_nulls=True)
        return replace(check, domain=condition, nonnull=nonnull, repeated=pl.struct(cols), shown=shown)
    if kind in PAIR_TYPES:
        return _pair_check(check, kind, kw, condition)
    name = kw["column"]
    col, dtype = pl.col(name), schema[name]
    is_float = isinstance(dtype, FLOAT_TYPES)
    # a list (the features table's product_lines) has no cast to text: its items are joined instead
    shown = col.list.eval(pl.element().cast(pl.String)).list.join(", ") if isinstance(dtype, pl.List) \
        else col.cast(pl.String)
    if kind == "expect_column_values_to_not_be_null":
        return replace(check, domain=condition, unexpected=domain & col.is_null(), shown=shown)
    if kind == "expect_column_values_to_be_null":
        return replace(check, domain=condition, unexpected=domain & col.is_not_null(), shown=shown)
    nonnull = domain & col.is_not_null()
    if kind == "expect_column_values_to_be_unique":
        return replace(check, domain=condition, nonnull=nonnull, repeated=col, shown=shown)
    if kind == "expect_column_values_to_be_between":
        bad = _between(col, kw, is_float)
    elif kind == "expect_column_values_to_match_regex":
        bad = ~col.cast(pl.String).str.contains(kw["regex"])
    elif kind == "expect_column_values_to_be_in_set":
        bad = ~col.is_in(_value_set(kw["value_set"], dtype))
    else:  # expect_column_values_to_not_be_in_set
        bad = col.is_in(_value_set(kw["value_set"], dtype))
    unexpected = (nonnull & bad).fill_null(False)
    return replace(check, domain=condition, nonnull=nonnull, unexpected=unexpected, shown=shown)


def _pair_check(check: Check, kind: str, kw: Mapping[str, Any], condition: pl.Expr | None) -> Check:
    """A column-pair map expectation. GE's ``ignore_row_if`` decides which rows with a missing value
    are left out (``both_values_are_missing``, its default; ``either_value_is_missing``; ``neither``)."""
    a, b = pl.col(kw["column_A"]), pl.col(kw["column_B"])
    domain = pl.lit(True) if condition is None else condition
    ignore = kw.get("ignore_row_if", "both_values_are_missing")
    if ignore == "either_value_is_missing":
        nonnull = domain & a.is_not_null() & b.is_not_null()
    elif ignore == "both_values_are_missing":
        nonnull = domain & (a.is_not_null() | b.is_not_null())
    else:
        nonnull = domain
    if kind == "expect_column_pair_values_to_be_equal":
        good = a.eq_missing(b)
    else:
        good = (a >= b) if kw.get("or_equal") else (a > b)
    unexpected = (nonnull & ~good.fill_null(False)).fill_null(False)
    shown = pl.concat_str([pl.lit(f"{kw['column_A']} "), a.cast(pl.String).fill_null("null"),
                           pl.lit(f", {kw['column_B']} "), b.cast(pl.String).fill_null("null")])
    return replace(check, domain=condition, nonnull=nonnull, unexpected=unexpected, shown=shown)


def plan_suite(suite: Mapping[str, Any], schema: pl.Schema, parameters: Mapping[str, Any],
               unavailable: Mapping[str, str] | None = None) -> list[Check]:
    """Translate a suite; checks on a column of the wrong type are skipped (the type check fails)."""
    wrong = set()
    for e in suite["expectations"]:
        column = e["kwargs"].get("column")
        if e["type"] in TYPE_TYPES and column in schema:
            allowed = e["kwargs"].get("type_list") or [e["kwargs"].get("type_")]
            if str(schema[column]) not in allowed:
                wrong.add(column)
    checks = []
    for i, e in enumerate(suite["expectations"]):
        used = set(_columns_used(e["kwargs"])) & wrong
        if used and e["type"] not in TYPE_TYPES:
            why = f"column {', '.join(sorted(used))} has the wrong type"
            checks.append(Check(i, e, dict(e["kwargs"]), skipped=why))
        else:
            checks.append(plan_check(i, e, schema, parameters, unavailable))
    return checks


def _evaluated(checks: Sequence[Check]) -> list[Check]:
    return [c for c in checks if c.is_map and not c.skipped]


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
        cols = check.kwargs.get("column_list") if check.config["type"] == "expect_compound_columns_to_be_unique" else None
        grouped = frame.lazy().filter(check.nonnull)
        grouped = grouped.group_by(*cols) if cols else grouped.group_by(check.repeated.alias("__key"))
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
    flagged = lf.with_columns(c.unexpected.alias(mask_name(c.index)) for c in evaluated) if evaluated else lf
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
    unexpected = [c.unexpected.alias(f"_u{c.index}") for c in evaluated]
    counted = [pl.col(f"_u{c.index}") & (pl.col(f"_u{c.index}").cast(pl.Int64).cum_sum() <= n_examples)
               for c in evaluated]
    masks = [mask_name(c.index) for c in evaluated]
    return (
        flagged.with_columns(*unexpected, _first=pl.any_horizontal(first) if first else pl.lit(False))
        .filter(pl.any_horizontal(*(pl.col(f"_u{c.index}") for c in evaluated), pl.col("_first")))
        .filter(pl.any_horizontal(*counted, pl.col("_first")))
        .select(file, pl.col(ROW), *masks, *(c.shown.alias(f"v{c.index}") for c in evaluated))
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
        observed = str(schema[kw["column"]])
        allowed = kw.get("type_list") or [kw.get("type_")]
        return ExpectationResult(**base, success=observed in allowed, observed_value=observed)
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
