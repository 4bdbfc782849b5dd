"""Translate GE expectation configurations into polars expressions (:func:`plan_suite`), with GE's semantics.

GE on pandas costs seconds per expectation on 10M rows and needs the whole table in pandas
memory; the same check as a polars expression costs milliseconds and streams. Each
expectation type used in the suites translates to polars expressions (a :class:`Check`):

- ``unexpected``: True on the rows the expectation flags;
- ``domain``: the rows it looks at (its ``row_condition``; ``element_count``);
- ``nonnull``: the rows GE does not count as missing (map expectations other than the
  null checks ignore missing values; success is then ``1 - unexpected/nonnull >= mostly``).

Missing means null, not NaN: a NaN is a value (out of any range), as in polars and in
pandas with pyarrow dtypes, which the equivalence test runs GE on. Running the checks is
:mod:`tagkit.validation.evaluate`.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import polars as pl

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
    return _column_check(check, kind, kw, schema[kw["column"]], condition)


def _column_check(check: Check, kind: str, kw: Mapping[str, Any], dtype: pl.DataType,
                  condition: pl.Expr | None) -> Check:
    """A map expectation on one column, ``kw["column"]`` of type ``dtype``."""
    domain = pl.lit(True) if condition is None else condition
    col = pl.col(kw["column"])
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
