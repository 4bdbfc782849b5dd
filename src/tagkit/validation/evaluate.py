"""Evaluate GE expectation configurations with polars instead of GE's pandas engine.

GE on pandas costs seconds per expectation on 10M rows; the same check as a polars
expression costs milliseconds. Each expectation type used in the suites translates to
polars expressions with GE's semantics:

- ``unexpected``: True on the rows the expectation flags;
- ``domain``: the rows it looks at (its ``row_condition``; ``element_count``);
- ``nonnull``: the rows GE does not count as missing (map expectations other than the
  null checks ignore missing values; success is then ``1 - unexpected/nonnull >= mostly``).

Missing means null, not NaN: a NaN is a value (out of any range), as in polars and in
pandas with pyarrow dtypes, which the equivalence test runs GE on.

A table is read once: every row mask is computed in one ``with_columns`` pass
(:func:`materialise`), then every count and example in one ``select`` on the masks.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import polars as pl

from tagkit.validation.result import Example, ExpectationResult

N_EXAMPLES = 5
FLOAT_TYPES = (pl.Float32, pl.Float64)
MAP_TYPES = frozenset({
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_null",
    "expect_column_values_to_be_between",
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_not_be_in_set",
    "expect_column_values_to_be_unique",
    "expect_compound_columns_to_be_unique",
})
AGGREGATE_TYPES = frozenset({
    "expect_column_to_exist",
    "expect_column_values_to_be_in_type_list",
    "expect_column_values_to_be_of_type",
    "expect_table_row_count_to_be_between",
    "expect_column_proportion_of_non_null_values_to_be_between",
})
TYPE_TYPES = frozenset({"expect_column_values_to_be_in_type_list", "expect_column_values_to_be_of_type"})


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
    shown: Callable[[pl.Expr], pl.Expr] | None = None  # row indices -> the values shown as examples

    @property
    def is_map(self) -> bool:
        return self.unexpected is not None

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
        return check  # computed in evaluate_checks
    if kind not in MAP_TYPES:
        raise ValueError(f"expectation type {kind!r} has no polars translation; add one in {__name__}")
    condition = condition_expr(kw["row_condition"]) if kw.get("row_condition") else None
    domain = pl.lit(True) if condition is None else condition
    if kind == "expect_compound_columns_to_be_unique":
        cols = kw["column_list"]
        # GE's default ignore_row_if="all_values_are_missing"
        nonnull = domain & pl.any_horizontal([pl.col(c).is_not_null() for c in cols])
        keys = pl.struct([pl.when(nonnull).then(pl.col(c)).alias(c) for c in cols])

        def shown_keys(rows: pl.Expr) -> pl.Expr:
            parts = [pl.col(c).gather(rows).cast(pl.String) for c in cols]
            return pl.concat_str(parts, separator=", ", ignore_nulls=True)

        return replace(check, domain=condition, nonnull=nonnull, unexpected=nonnull & keys.is_duplicated(),
                       shown=shown_keys)
    name = kw["column"]
    col, dtype = pl.col(name), schema[name]
    is_float = isinstance(dtype, FLOAT_TYPES)

    def shown(rows: pl.Expr) -> pl.Expr:
        return col.gather(rows).cast(pl.String)

    if kind == "expect_column_values_to_not_be_null":
        return replace(check, domain=condition, unexpected=domain & col.is_null(), shown=shown)
    if kind == "expect_column_values_to_be_null":
        return replace(check, domain=condition, unexpected=domain & col.is_not_null(), shown=shown)
    nonnull = domain & col.is_not_null()
    if kind == "expect_column_values_to_be_between":
        bad = _between(col, kw, is_float)
    elif kind == "expect_column_values_to_be_in_set":
        bad = ~col.is_in(_value_set(kw["value_set"], dtype))
    elif kind == "expect_column_values_to_not_be_in_set":
        bad = col.is_in(_value_set(kw["value_set"], dtype))
    else:  # expect_column_values_to_be_unique
        bad = pl.when(nonnull).then(col).is_duplicated()
    unexpected = (nonnull & bad).fill_null(False)
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


def _aggregate_exprs(check: Check, row_id: Callable[[pl.Expr], pl.Expr], file_id: Callable[[pl.Expr], pl.Expr],
                     n_examples: int) -> list[pl.Expr]:
    i = check.index
    if check.is_map:
        assert check.unexpected is not None and check.shown is not None
        mask = check.unexpected
        first = mask.arg_true().head(n_examples)
        exprs = [
            mask.sum().alias(f"u{i}"),
            (pl.len() if check.domain is None else check.domain.sum()).alias(f"d{i}"),
            # gather the few example rows first: casting whole columns to text costs seconds
            pl.struct(file=file_id(first), row=row_id(first), value=check.shown(first)).implode().alias(f"x{i}"),
        ]
        if check.nonnull is not None:
            exprs.append(check.nonnull.sum().alias(f"n{i}"))
        return exprs
    kind = check.config["type"]
    if kind == "expect_column_proportion_of_non_null_values_to_be_between":
        return [pl.col(check.kwargs["column"]).is_not_null().mean().fill_null(0.0).alias(f"o{i}")]
    return []


def _in_bounds(value: float, kw: Mapping[str, Any]) -> bool:
    low, high = kw.get("min_value"), kw.get("max_value")
    if low is not None and (value <= low if kw.get("strict_min") else value < low):
        return False
    return not (high is not None and (value >= high if kw.get("strict_max") else value > high))


def _result(check: Check, table: str, row: Mapping[str, Any], schema: pl.Schema, height: int) -> ExpectationResult:
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
        examples = tuple(Example(x["file"], int(x["row"]), x["value"]) for x in row[f"x{i}"])
        return ExpectationResult(
            **base, success=success, element_count=domain, unexpected_count=unexpected,
            unexpected_percent=unexpected / considered * 100 if considered else None,
            missing_count=None if nonnull is None else domain - nonnull, examples=examples,
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
        observed = float(row[f"o{i}"])
        return ExpectationResult(**base, success=_in_bounds(observed, kw), observed_value=observed)
    raise ValueError(f"expectation type {kind!r} has no polars translation; add one in {__name__}")


def evaluate_checks(frame: pl.DataFrame | pl.LazyFrame, checks: Sequence[Check], *, table: str,
                    n_examples: int = N_EXAMPLES) -> list[ExpectationResult]:
    """Evaluate translated checks on ``frame`` in one ``select``; examples carry ``_file``/``_row``."""
    lf = frame.lazy()
    schema = lf.collect_schema()

    def row_id(rows: pl.Expr) -> pl.Expr:
        return pl.col("_row").gather(rows) if "_row" in schema else rows.cast(pl.Int64) + 1

    def file_id(rows: pl.Expr) -> pl.Expr:
        if "_file" in schema:
            return pl.col("_file").gather(rows)
        return pl.lit(table).repeat_by(rows.len()).explode()

    exprs = [pl.len().alias("__height")]
    for check in checks:
        if not check.skipped:
            exprs.extend(_aggregate_exprs(check, row_id, file_id, n_examples))
    row = lf.select(exprs).collect().row(0, named=True)
    return [_result(c, table, row, schema, int(row["__height"])) for c in checks]


def materialise(frame: pl.DataFrame | pl.LazyFrame, checks: Sequence[Check]) -> tuple[pl.DataFrame, list[Check]]:
    """Compute every row mask once, as a :func:`mask_name` column, in one pass over ``frame``.

    Returns the frame with the masks and the checks rewritten to read them, so that counts,
    examples and the quarantine split reuse a mask instead of recomputing it (polars does
    not share a costly mask such as ``is_in`` between aggregates on its own).
    """
    evaluated = [c for c in checks if c.is_map and not c.skipped]
    flagged = frame.lazy().with_columns(c.unexpected.alias(mask_name(c.index)) for c in evaluated).collect()
    done = {c.index for c in evaluated}
    rewritten = [replace(c, unexpected=pl.col(mask_name(c.index))) if c.index in done else c for c in checks]
    return flagged, rewritten


def evaluate_suite(frame: pl.DataFrame | pl.LazyFrame, suite: Mapping[str, Any], *,
                   parameters: Mapping[str, Any], unavailable: Mapping[str, str] | None = None,
                   n_examples: int = N_EXAMPLES) -> list[ExpectationResult]:
    """Evaluate a GE suite (its JSON dict) on a polars frame, like GE's ``batch.validate``.

    ``parameters`` play the part of GE's ``expectation_parameters``; an expectation whose
    parameter is absent is skipped, with ``unavailable[name]`` as the reason if given.

    >>> results = evaluate_suite(orders, load_suites()["orders"], parameters={...})  # doctest: +SKIP
    """
    schema = frame.lazy().collect_schema()
    flagged, checks = materialise(frame, plan_suite(suite, schema, parameters, unavailable))
    return evaluate_checks(flagged, checks, table=suite["name"], n_examples=n_examples)
