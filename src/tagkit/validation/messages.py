"""The words of validation failures, in the template of STYLE.md.

``<file>: column '<col>' must be <expected>; got <actual> in <n> rows (e.g. rows 12, 40). <How to fix>.``
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tagkit.errors import example_rows
from tagkit.validation.result import Example, ExpectationResult, TableAccounting


@dataclass(frozen=True)
class TableContext:
    """What a message needs beyond the expectation result."""

    table: str
    files: tuple[str, ...]
    rows_read: int
    duplicates: tuple[tuple[str, tuple[int, ...]], ...] = ()  # key value -> rows holding it
    accounting: TableAccounting | None = None
    parameters: Mapping[str, Any] = field(default_factory=dict)


def where(ctx: TableContext, examples: Sequence[Example] = ()) -> str:
    """The file(s) a message is about: the examples' files, else the table's."""
    files = sorted({e.file for e in examples}) or list(ctx.files)
    if not files:
        return ctx.table
    if len(files) == 1:
        return files[0]
    return f"{ctx.table} ({', '.join(files[:3])}{' and more' if len(files) > 3 else ''})"


def rows_text(examples: Sequence[Example]) -> str:
    files = {e.file for e in examples}
    if len(files) <= 1:
        return example_rows([e.row for e in examples])
    return "rows " + ", ".join(f"{e.file}:{e.row}" for e in examples)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def blocking_message(result: ExpectationResult, ctx: TableContext) -> str:
    col, reason = result.column, result.reason
    place = where(ctx, result.examples)
    if reason == "missing_column":
        return (f"{place}: column '{col}' must be present in {ctx.table}; got no such column. "
                f"Add it, or map the source column to '{col}' in params io.aliases.")
    if reason == "wrong_type":
        expected = " or ".join(result.kwargs.get("type_list") or [])
        return (f"{place}: column '{col}' must be of type {expected}; got {result.observed_value}. "
                "Intake should have converted it; report this as a tagkit bug, with the file.")
    if reason == "column_empty":
        # examples: the first rows, with the source text when there was some (see validate.py)
        texts = ", ".join(f"'{e.value}'" for e in result.examples if e.value is not None)
        if texts:
            return (f"{place}: column '{col}' must have readable values; got none in "
                    f"{_plural(ctx.rows_read, 'row')} (e.g. {rows_text(result.examples)}: {texts}). "
                    "Write the values in the contract's format (dates as YYYY-MM-DD, numbers without units), "
                    f"or map the right source column to '{col}' in params io.aliases.")
        return (f"{place}: column '{col}' must have values; got only empty cells in "
                f"{_plural(ctx.rows_read, 'row')} (e.g. {rows_text(result.examples)}). "
                f"Fill it in, or map the right source column to '{col}' in params io.aliases.")
    if reason == "duplicate_key":
        listed = "; ".join(f"'{value}' in {example_rows(list(rows))}" for value, rows in ctx.duplicates[:5])
        more = f"; and {len(ctx.duplicates) - 5} more" if len(ctx.duplicates) > 5 else ""
        return (f"{place}: column '{col}' must be unique (one row per {col}); got "
                f"{_plural(len(ctx.duplicates), 'value')} repeated in {_plural(result.unexpected_count or 0, 'row')} "
                f"({listed}{more}). Keep one row per {col}, merging or deleting the others.")
    if reason == "no_usable_rows":
        acc = ctx.accounting
        read = acc.rows_read if acc else ctx.rows_read
        by_reason = sorted((acc.by_reason if acc else {}).items(), key=lambda kv: -kv[1])
        why = ", ".join(f"{code} {n}" for code, n in by_reason)
        because = f" (set aside: {why})" if why else ""
        return (f"{place}: table '{ctx.table}' must have at least one usable row; got 0 usable of "
                f"{read} read{because}. Fix the most common reason first; validation.html lists the rows set aside.")
    return f"{place}: {result.description} — not met ({result.expectation_type}). See validation.html."


def warning_message(result: ExpectationResult, ctx: TableContext) -> str:
    col, reason = result.column, result.reason
    place = where(ctx, result.examples)
    if reason == "high_null_rate":
        limit = 1 - float(ctx.parameters.get(f"min_non_null_{col}", 1.0))
        empty = 1 - float(result.observed_value or 0.0)
        key = result.meta.get("params_key", f"{ctx.table}.{col}")
        used = ctx.accounting.rows_used if ctx.accounting else ctx.rows_read
        return (f"{place}: column '{col}' should be empty on at most {limit:.0%} of rows; got {empty:.0%} empty "
                f"of {_plural(used, 'usable row')}. Scores that use {col} are weaker; fill it in at the source, "
                f"or raise max_null_rate['{key}'] in params if this is expected.")
    if reason.startswith("unknown_"):
        source = str(result.meta.get("value_set_from", "")).split(".")[0]
        values = ", ".join(sorted({f"'{e.value}'" for e in result.examples}))
        return (f"{place}: column '{col}' should name a row of {source}; got unknown values in "
                f"{_plural(result.unexpected_count or 0, 'row')} (e.g. {rows_text(result.examples)}: {values}). "
                f"The rows are kept; add the missing entries to {source}, or correct the ids.")
    if reason == "no_usable_rows":
        return (f"{place}: table '{ctx.table}' should have usable rows; got none. "
                "The scores that need it will be empty; see validation.html for the rows set aside.")
    return f"{place}: {result.description} — not met. See validation.html."
