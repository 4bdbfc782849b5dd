"""Source column names → contract column names (aliases, whitespace, BOM, case).

A column matches a contract column when its cleaned name equals the contract
name case-insensitively, or equals an alias from ``io.aliases[table]``. Other
columns are kept under their cleaned names. Problems (a required column
missing, one name appearing twice) come back as messages, so every problem of
every file can be reported together.
"""
from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from tagkit.contract import Table

logger = logging.getLogger(__name__)

RESERVED = ("_file", "_row")
RAW_PREFIX = "_raw_"
# polars renames the second of two equal CSV headers to "<name>_duplicated_0"
_POLARS_DUPLICATE = re.compile(r"^(?P<base>.*)_duplicated_\d+$")
_ALIASES_FILE = "params/io.yaml"


def clean_name(name: object) -> str:
    """A header cell as text, without BOM and surrounding (also full-width) whitespace."""
    return str(name).replace("\ufeff", "").strip()


def _key(name: str) -> str:
    return clean_name(name).casefold()


@dataclass(frozen=True)
class Matcher:
    """Which contract column a source name stands for, for one table."""

    table: Table
    aliases: Mapping[str, str]

    def target(self, name: object) -> tuple[str, int] | None:
        """``(contract column, rank)``; rank 0 is an exact name, 1.. aliases in params order."""
        key = _key(str(name))
        for column in self.table.column_names:
            if column.casefold() == key:
                return column, 0
        for rank, (alias, column) in enumerate(self.aliases.items(), start=1):
            if _key(alias) == key and column in self.table.column_names:
                return column, rank
        return None

    def targets(self, names: Iterable[object]) -> set[str]:
        return {hit[0] for name in names if name is not None and (hit := self.target(name))}


@dataclass
class ColumnMapping:
    """How one file's columns are renamed; ``problems`` are blocking, ``notes`` are not."""

    renames: dict[str, str] = field(default_factory=dict)  # source name -> final name
    matched: dict[str, str] = field(default_factory=dict)  # contract column -> source name
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def map_columns(names: Sequence[str], matcher: Matcher, *, file: str, missing_hint: str = "") -> ColumnMapping:
    """Rename ``names`` (one file's header) to contract names, checking required columns.

    ``missing_hint`` is appended to each missing-column message (e.g. where an
    xlsx header was found).

    >>> m = Matcher(ORDERS, {"订单编号": "order_id"})                      # doctest: +SKIP
    >>> map_columns(["订单编号", " Customer_ID "], m, file="o.csv").renames   # doctest: +SKIP
    {'订单编号': 'order_id', ' Customer_ID ': 'customer_id'}
    """
    table = matcher.table
    mapping = ColumnMapping()
    present = set(names)
    candidates: dict[str, list[tuple[int, str]]] = {}
    extras: list[str] = []
    for name in names:
        dup = _POLARS_DUPLICATE.match(name)
        if dup and dup["base"] in present:
            mapping.problems.append(
                f"{file}: column '{clean_name(dup['base'])}' must appear once in the header; got it twice. "
                "Rename or delete one of the two columns in the file."
            )
            continue
        hit = matcher.target(name)
        if hit is None:
            extras.append(name)
        else:
            candidates.setdefault(hit[0], []).append((hit[1], name))

    for column, found in candidates.items():
        found.sort(key=lambda item: item[0])
        if len(found) > 1 and found[0][0] == found[1][0]:
            names_ = ", ".join(f"'{clean_name(n)}'" for _, n in found)
            mapping.problems.append(
                f"{file}: column '{column}' must come from one source column; got {len(found)} "
                f"({names_}). Delete or rename all but one of them in the file."
            )
            continue
        winner = found[0][1]
        mapping.renames[winner] = column
        mapping.matched[column] = winner
        for _, loser in found[1:]:
            extras.append(loser)
            mapping.notes.append(
                f"{file}: columns '{clean_name(winner)}' and '{clean_name(loser)}' both map to "
                f"'{column}'; used '{clean_name(winner)}' (an exact name or the earlier alias in "
                f"{_ALIASES_FILE}) and kept '{clean_name(loser)}' as an extra column."
            )

    used = set(mapping.renames.values())
    for name in extras:
        final = clean_name(name) or "unnamed"
        if final in RESERVED or final.startswith(RAW_PREFIX):
            mapping.problems.append(
                f"{file}: column '{final}' must not be named like tagkit's own columns "
                f"({', '.join(RESERVED)}, {RAW_PREFIX}*). Rename it in the file."
            )
            continue
        while final in used:
            final = f"{final}_2"
        used.add(final)
        mapping.renames[name] = final

    for column in table.required_columns:
        if column not in mapping.matched and column not in candidates:
            mapping.problems.append(missing_column_message(file, column, matcher, names, extras) + missing_hint)
    return mapping


def _similarity(source: str, names: Iterable[str]) -> float:
    best = 0.0
    src = _key(source)
    for name in names:
        key = _key(name)
        if key and (key in src or src in key):
            best = max(best, 0.9)
        best = max(best, difflib.SequenceMatcher(None, src, key).ratio())
    return best


def missing_column_message(
    file: str, column: str, matcher: Matcher, found: Sequence[str], unmatched: Sequence[str]
) -> str:
    """The message for a required column absent from a file, suggesting the alias to add."""
    table = matcher.table.name
    known = [column] + [a for a, c in matcher.aliases.items() if c == column]
    shown = [clean_name(n) for n in unmatched]
    listed = ", ".join(f"'{clean_name(n)}'" for n in found) or "none"
    ranked = sorted(((_similarity(n, known), n) for n in shown), reverse=True)
    if ranked and ranked[0][0] >= 0.5:
        fix = (
            f"If '{ranked[0][1]}' holds {column}, add the line '{ranked[0][1]}: {column}' under "
            f"aliases: {table}: in {_ALIASES_FILE} (or your --params file)"
        )
    elif shown:
        fix = (
            f"If one of those columns is '{column}' under another name, add '<that name>: {column}' under "
            f"aliases: {table}: in {_ALIASES_FILE} (or your --params file); otherwise add the column to the export"
        )
    else:
        fix = f"Add the column to the export, or map its source name under aliases: {table}: in {_ALIASES_FILE}"
    return (
        f"{file}: column '{column}' must be present (required in {table}); got columns {listed}. "
        f"{fix}."
    )
