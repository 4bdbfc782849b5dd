"""What validation returns: expectation results, row accounting, clean and quarantined rows."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import polars as pl

Severity = Literal["blocking", "row", "warning"]
# A table's clean or quarantined rows: in memory, or (a streamed table) lazy, read when written.
Frame = pl.DataFrame | pl.LazyFrame
Action = Literal["row_set_aside", "value_nulled"]

# The quarantine table of every input table: the row's own columns first (as read, ``_raw_*``
# included, before any value was nulled), then these.
QUARANTINE_COLUMNS: dict[str, pl.DataType] = {
    "reason": pl.String(),  # stable codes, ';'-joined in suite order
    "detail": pl.String(),  # one sentence per code, ' '-joined
    "action": pl.String(),  # row_set_aside | value_nulled
    "_file": pl.String(),
    "_row": pl.Int64(),
}


@dataclass(frozen=True)
class Example:
    """One offending row: where it is and what it held."""

    file: str
    row: int
    value: str | None


@dataclass(frozen=True)
class ExpectationResult:
    """The outcome of one expectation on one table, shaped like GE's validation result.

    ``success`` is None when the expectation was not evaluated (``skipped`` says why: a
    referenced table is absent, no null-rate limit is configured, the column is absent).
    """

    table: str
    index: int  # position in the table's suite
    expectation_type: str
    kwargs: dict[str, Any]  # as in the suite: parameters are left as {"$PARAMETER": name}
    meta: dict[str, Any]
    description: str
    success: bool | None
    skipped: str | None = None
    element_count: int | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    missing_count: int | None = None
    observed_value: Any = None
    examples: tuple[Example, ...] = ()

    @property
    def severity(self) -> Severity:
        return self.meta["severity"]

    @property
    def reason(self) -> str:
        return self.meta["reason"]

    @property
    def column(self) -> str | None:
        return self.kwargs.get("column")

    @property
    def failed(self) -> bool:
        return self.success is False

    def to_dict(self) -> dict[str, Any]:
        """GE's ``ExpectationValidationResult`` layout, plus tagkit's table and examples."""
        result: dict[str, Any] = {
            "element_count": self.element_count,
            "unexpected_count": self.unexpected_count,
            "unexpected_percent": self.unexpected_percent,
            "missing_count": self.missing_count,
            "observed_value": self.observed_value,
            "partial_unexpected_list": [e.value for e in self.examples],
            "partial_unexpected_index_list": [{"_file": e.file, "_row": e.row} for e in self.examples],
        }
        return {
            "table": self.table,
            "success": self.success,
            "skipped": self.skipped,
            "expectation_config": {
                "type": self.expectation_type,
                "kwargs": self.kwargs,
                "meta": self.meta,
                "description": self.description,
            },
            "result": {k: v for k, v in result.items() if v is not None},
        }


@dataclass(frozen=True)
class TableAccounting:
    """Where every row read went. ``rows_read == rows_used + rows_quarantined``.

    ``rows_value_nulled`` rows are among ``rows_used`` (kept, some values nulled) and also
    listed in the quarantine table. ``by_reason`` counts rows per reason code; a row with
    several reasons counts once under each, so these do not add up to the totals.
    """

    table: str
    rows_read: int
    rows_used: int
    rows_quarantined: int
    rows_value_nulled: int
    by_reason: dict[str, int]
    files: tuple[str, ...]
    columns_absent: tuple[str, ...] = ()
    # of rows_quarantined, those set aside for a problem in the row (not merely dated after the quarter)
    rows_lost: int = 0

    def __post_init__(self) -> None:
        if self.rows_read != self.rows_used + self.rows_quarantined:
            raise AssertionError(
                f"{self.table}: row accounting broken: read {self.rows_read} != "
                f"used {self.rows_used} + quarantined {self.rows_quarantined}"
            )

    @property
    def quarantine_rows(self) -> int:
        """Rows in the quarantine table: set aside, or kept with values nulled."""
        return self.rows_quarantined + self.rows_value_nulled

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["files"] = list(self.files)
        out["columns_absent"] = list(self.columns_absent)
        return out


@dataclass(frozen=True)
class ValidationResult:
    """Everything validation found, for the report and for the steps after it.

    ``clean``: per table, the usable rows (contract columns in contract order, absent
    optional ones added as nulls, then extra columns, then ``_file``/``_row`` for lineage;
    no ``_raw_*``), with nulled values applied. ``quarantine``: per table, every row set
    aside or with a value nulled, once, with all its reasons (schema in
    :data:`QUARANTINE_COLUMNS`). A streamed table's frames are LazyFrames scanning the
    parquet files its validation wrote (``spooled``: ``"clean/orders"`` -> file, see
    :mod:`tagkit.validation.spool`); others are DataFrames. ``.lazy()`` gives a LazyFrame of either.
    """

    quarter: str
    clean: dict[str, Frame]
    quarantine: dict[str, Frame]
    expectations: list[ExpectationResult]
    accounting: dict[str, TableAccounting]
    blocking: list[str]
    warnings: list[str]
    missing: list[str] = field(default_factory=list)
    spooled: dict[str, Path] = field(default_factory=dict)  # "<clean|quarantine>/<table>" -> parquet file

    @property
    def blocked(self) -> bool:
        return bool(self.blocking)

    def accounting_frame(self) -> pl.DataFrame:
        """Rows read, used, set aside and with values nulled, one row per table (for display)."""
        columns = ("rows_read", "rows_used", "rows_quarantined", "rows_value_nulled")
        return pl.DataFrame(
            [(name, *(getattr(acc, c) for c in columns)) for name, acc in self.accounting.items()],
            schema=[("table", pl.String), *((c, pl.Int64) for c in columns)],
            orient="row",
        )

    def summary(self) -> dict[str, Any]:
        """The machine-readable summary written to ``validation.json``."""
        return {
            "quarter": self.quarter,
            "blocked": self.blocked,
            "blocking": self.blocking,
            "warnings": self.warnings,
            "missing_optional_tables": self.missing,
            "tables": {name: acc.to_dict() for name, acc in self.accounting.items()},
            "expectations": [r.to_dict() for r in self.expectations],
        }
