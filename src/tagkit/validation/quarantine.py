"""Row-level rules: split a table into clean rows and quarantined rows, with reasons.

A row-severity expectation flags rows; its ``meta.action`` says what happens to them:

- ``row_set_aside``: the row leaves the clean data (counted in ``rows_quarantined``);
- ``value_nulled``: the row stays, ``meta.null_columns`` are set to null in the clean data.

Every flagged row appears once in the quarantine table, with all its reason codes
(``;``-joined in suite order), one sentence per reason, and the action taken
(``row_set_aside`` wins over ``value_nulled``).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from tagkit.contract import Table
from tagkit.validation.evaluate import Check, mask_name
from tagkit.validation.expectations import KIND_WORDS
from tagkit.validation.result import QUARANTINE_COLUMNS


@dataclass(frozen=True)
class Split:
    clean: pl.DataFrame
    quarantine: pl.DataFrame
    rows_quarantined: int
    rows_value_nulled: int
    by_reason: dict[str, int]


def row_checks(checks: Sequence[Check]) -> list[Check]:
    """The evaluated checks that act on rows (severity ``row``)."""
    return [c for c in checks if c.is_map and not c.skipped and c.meta.get("severity") == "row"]


def _text(value: object) -> str:
    return ", ".join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value)


def _detail(check: Check, table: Table) -> pl.Expr:
    """One sentence saying what was wrong with the row, naming the value."""
    kind, kw, meta = check.config["type"], check.kwargs, check.meta
    column = kw.get("column", "")
    value = pl.col(column).cast(pl.String).fill_null("null") if column else pl.lit("")
    reason = meta.get("reason", "")
    if kind == "expect_column_values_to_be_null" and column.startswith("_raw_"):
        name = column.removeprefix("_raw_")
        what = KIND_WORDS[table.column(name).kind] if name in table.column_names else "a value"
        text = pl.format("{} '{}' cannot be read as {}", pl.lit(name), value, pl.lit(what))
    elif kind == "expect_column_values_to_not_be_null":
        text = pl.lit(f"{column} is empty")
    elif kind == "expect_column_values_to_be_between" and reason == "after_quarter_end":
        last_day = pl.lit(str(kw["max_value"]))
        text = pl.format("{} {} is after the quarter's last day, {}", pl.lit(column), value, last_day)
    elif kind == "expect_column_values_to_be_between" and reason.startswith("non_finite_"):
        text = pl.format("{} is {}, not a finite number", pl.lit(column), value)
    elif kind == "expect_column_values_to_be_between":
        low, high = kw.get("min_value"), kw.get("max_value")
        if low is not None and high is not None:
            bounds = f"{low}..{high}"
        else:
            bounds = f">= {low}" if high is None else f"<= {high}"
        text = pl.format("{} {} is outside {}", pl.lit(column), value, pl.lit(bounds))
    elif kind == "expect_column_values_to_be_in_set" and "value_set_from" in meta:
        source = meta["value_set_from"].split(".")[0]
        text = pl.format("{} '{}' is not among the usable rows of {}", pl.lit(column), value, pl.lit(source))
    elif kind == "expect_column_values_to_be_in_set":
        text = pl.format("{} '{}' is not one of {}", pl.lit(column), value, pl.lit(_text(kw["value_set"])))
    elif kind == "expect_column_values_to_not_be_in_set":
        when = kw.get("row_condition")
        also = ""
        if when and when.get("type") == "comparison":
            also = f" together with {when['column']['name']} {when['parameter']}"
        text = pl.format("{} {}{} is not allowed", pl.lit(column), value, pl.lit(also))
    else:
        text = pl.lit(f"not met: {check.config.get('description') or reason}")
    if meta.get("action") == "value_nulled":
        text = pl.format("{} ({} set to null)", text, pl.lit(" and ".join(meta.get("null_columns", [column]))))
    return pl.format("{}.", text)


def _any(masks: Sequence[pl.Expr]) -> pl.Expr:
    return pl.any_horizontal(masks) if masks else pl.lit(False)


def split_rows(flagged: pl.DataFrame, checks: Sequence[Check], *, table: Table,
               original_columns: Sequence[str], clean_columns: Sequence[str]) -> Split:
    """Split ``flagged`` (the table with a :func:`mask_name` column per map check) in two.

    ``original_columns`` are the columns as read (quarantine keeps them, ``_raw_*`` included);
    ``clean_columns`` are those the clean data keeps, in order.
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
    counts = flagged.select(
        is_aside.sum().alias("__aside"),
        (is_flagged & ~is_aside).sum().alias("__nulled"),
        *(_any(m).sum().alias(code) for code, m in reasons.items()),
    ).row(0, named=True)
    rows_quarantined, rows_value_nulled = int(counts.pop("__aside")), int(counts.pop("__nulled"))
    by_reason = {code: int(n) for code, n in counts.items() if n}
    if quarantine.height != rows_quarantined + rows_value_nulled:
        raise AssertionError(f"{table.name}: quarantine holds {quarantine.height} rows, expected "
                             f"{rows_quarantined} set aside + {rows_value_nulled} with values nulled")
    return Split(clean, quarantine, rows_quarantined, rows_value_nulled, by_reason)
