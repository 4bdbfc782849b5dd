"""Row-level rules: split a table into clean rows and quarantined rows, with reasons.

A row-severity expectation flags rows; its ``meta.action`` says what happens to them:

- ``row_set_aside``: the row leaves the clean data (counted in ``rows_quarantined``);
- ``value_nulled``: the row stays, ``meta.null_columns`` are set to null in the clean data.

Every flagged row appears once in the quarantine table, with all its reason codes
(``;``-joined in suite order), one sentence per reason, and the action taken
(``row_set_aside`` wins over ``value_nulled``).

:func:`plan_split` only plans: the clean and quarantine frames are lazy (collected for a
small table, streamed to parquet for a big one) and the counts are reductions that join
the table's single counting pass.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from tagkit.contract import NOT_A_LOSS, Table
from tagkit.validation.expectations import KIND_WORDS
from tagkit.validation.plan import Check, mask_name
from tagkit.validation.result import QUARANTINE_COLUMNS


@dataclass(frozen=True, eq=False)
class SplitPlan:
    """The two halves of a flagged table, as lazy frames, and the reductions that count them."""

    clean: pl.LazyFrame
    quarantine: pl.LazyFrame
    counts: list[pl.Expr]  # reductions over the flagged frame: read them back with :func:`read_counts`


@dataclass(frozen=True)
class SplitCounts:
    rows_quarantined: int
    rows_value_nulled: int
    by_reason: dict[str, int]
    rows_lost: int = 0  # set aside for a problem in the row (any reason but those of NOT_A_LOSS)


def row_checks(checks: Sequence[Check]) -> list[Check]:
    """The evaluated checks that act on rows (severity ``row``)."""
    return [c for c in checks if c.is_map and not c.skipped and c.meta.get("severity") == "row"]


def _text(value: object) -> str:
    return ", ".join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value)


def _format(template: str, *values: pl.Expr) -> pl.Expr:
    """``pl.format`` as a ``concat_str``: polars 2.1's streaming engine panics on ``pl.format``
    over a filtered frame held in several chunks (the small tables validated in memory)."""
    pieces = template.split("{}")
    parts: list[pl.Expr] = []
    for piece, value in zip(pieces, [*values, None], strict=True):
        if piece:
            parts.append(pl.lit(piece))
        if value is not None:
            parts.append(value)
    return pl.concat_str(parts)


def _detail(check: Check, table: Table) -> pl.Expr:
    """One sentence saying what was wrong with the row, naming the value."""
    kind, kw, meta = check.config["type"], check.kwargs, check.meta
    column = kw.get("column", "")
    value = pl.col(column).cast(pl.String).fill_null("null") if column else pl.lit("")
    reason = meta.get("reason", "")
    if kind == "expect_column_values_to_be_null" and column.startswith("_raw_"):
        name = column.removeprefix("_raw_")
        what = KIND_WORDS[table.column(name).kind] if name in table.column_names else "a value"
        text = _format("{} '{}' cannot be read as {}", pl.lit(name), value, pl.lit(what))
    elif kind == "expect_column_values_to_not_be_null":
        text = pl.lit(f"{column} is empty")
    elif kind == "expect_column_values_to_be_between" and reason == "after_quarter_end":
        last_day = pl.lit(str(kw["max_value"]))
        text = _format("{} {} is after the quarter's last day, {}", pl.lit(column), value, last_day)
    elif kind == "expect_column_values_to_be_between" and reason.startswith("non_finite_"):
        text = _format("{} is {}, not a finite number", pl.lit(column), value)
    elif kind == "expect_column_values_to_be_between":
        low, high = kw.get("min_value"), kw.get("max_value")
        if low is not None and high is not None:
            bounds = f"{low}..{high}"
        else:
            bounds = f">= {low}" if high is None else f"<= {high}"
        text = _format("{} {} is outside {}", pl.lit(column), value, pl.lit(bounds))
    elif kind == "expect_column_values_to_be_in_set" and "value_set_from" in meta:
        source = meta["value_set_from"].split(".")[0]
        text = _format("{} '{}' is not among the usable rows of {}", pl.lit(column), value, pl.lit(source))
    elif kind == "expect_column_values_to_be_in_set":
        text = _format("{} '{}' is not one of {}", pl.lit(column), value, pl.lit(_text(kw["value_set"])))
    elif kind == "expect_column_values_to_not_be_in_set":
        when = kw.get("row_condition")
        also = ""
        if when and when.get("type") == "comparison":
            also = f" together with {when['column']['name']} {when['parameter']}"
        text = _format("{} {}{} is not allowed", pl.lit(column), value, pl.lit(also))
    else:
        text = pl.lit(f"not met: {check.config.get('description') or reason}")
    if meta.get("action") == "value_nulled":
        text = _format("{} ({} set to null)", text, pl.lit(" and ".join(meta.get("null_columns", [column]))))
    return _format("{}.", text)


def _any(masks: Sequence[pl.Expr]) -> pl.Expr:
    return pl.any_horizontal(masks) if masks else pl.lit(False)


def plan_split(flagged: pl.LazyFrame, checks: Sequence[Check], *, table: Table,
               original_columns: Sequence[str], clean_columns: Sequence[str]) -> SplitPlan:
    """Plan the split of ``flagged`` (the table with a :func:`mask_name` column per map check) in two.

    ``original_columns`` are the columns as read (quarantine keeps them, ``_raw_*`` included);
    ``clean_columns`` are those the clean data keeps, in order. Nothing is computed here: the
    counts join the table's one counting pass, the frames are collected or streamed to parquet.
    """
    rows = row_checks(checks)
    aside = [pl.col(mask_name(c.index)) for c in rows if c.meta.get("action") == "row_set_aside"]
    nulled = [c for c in rows if c.meta.get("action") == "value_nulled"]
    is_aside = _any(aside)
    is_flagged = _any([pl.col(mask_name(c.index)) for c in rows])

    codes = [pl.when(pl.col(mask_name(c.index))).then(pl.lit(c.meta["reason"])) for c in rows]
    details = [pl.when(pl.col(mask_name(c.index))).then(_detail(c, table)) for c in rows]
    annotations = [
        pl.concat_list(codes).list.drop_nulls().list.unique(maintain_order=True).list.join(";").alias("reason")
        if codes else pl.lit("").alias("reason"),
        pl.concat_list(details).list.drop_nulls().list.join(" ").alias("detail")
        if details else pl.lit("").alias("detail"),
        pl.when(is_aside).then(pl.lit("row_set_aside")).otherwise(pl.lit("value_nulled")).alias("action"),
    ]
    own = [c for c in original_columns if c not in QUARANTINE_COLUMNS]
    quarantine = (
        flagged.filter(is_flagged)
        .select(*own, *annotations, "_file", "_row")
        .cast({name: dtype for name, dtype in QUARANTINE_COLUMNS.items()})
    )

    nulls: dict[str, list[pl.Expr]] = {}
    for c in nulled:
        for name in c.meta.get("null_columns", [c.kwargs["column"]]):
            nulls.setdefault(name, []).append(pl.col(mask_name(c.index)))
    clean = (
        flagged.filter(~is_aside)
        .with_columns(pl.when(_any(m)).then(None).otherwise(pl.col(n)).alias(n) for n, m in nulls.items())
        .select(clean_columns)
    )

    reasons: dict[str, list[pl.Expr]] = {}
    for c in rows:
        reasons.setdefault(c.meta["reason"], []).append(pl.col(mask_name(c.index)))
    lost = [pl.col(mask_name(c.index)) for c in rows
            if c.meta.get("action") == "row_set_aside" and c.meta["reason"] not in NOT_A_LOSS]
    counts = [
        is_aside.sum().alias("__aside"),
        _any(lost).sum().alias("__lost"),
        (is_flagged & ~is_aside).sum().alias("__nulled"),
        *(_any(m).sum().alias(f"__reason_{code}") for code, m in reasons.items()),
    ]
    return SplitPlan(clean, quarantine, counts)


def read_counts(row: Mapping[str, Any]) -> SplitCounts:
    """The counts of :attr:`SplitPlan.counts` from the collected row (other keys are ignored)."""
    by_reason = {k.removeprefix("__reason_"): int(v) for k, v in row.items() if k.startswith("__reason_") and v}
    return SplitCounts(int(row["__aside"]), int(row["__nulled"]), by_reason, int(row["__lost"]))
