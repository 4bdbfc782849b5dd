"""The pieces a report page is made of: sections holding cards, charts, tables and notes.

Section builders return these plain objects; one Jinja template renders them all, with
autoescape on, so no builder ever writes HTML and every value from the data is escaped once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import altair as alt

from tagkit.charts import chart_spec
from tagkit.report.assets import script_json
from tagkit.report.formats import format_count


@dataclass(frozen=True)
class Cell:
    """One table cell: ``text`` (and an optional muted ``sub`` line), bullet ``items``, ``badges``.

    ``sort`` is the value the in-page sort uses (a number for figures); None sorts by the text.
    """

    text: str = ""
    sort: float | str | None = None
    sub: str = ""
    items: tuple[str, ...] = ()
    badges: tuple[tuple[str, str], ...] = ()  # (text, css class)
    num: bool = False
    cls: str = ""
    href: str = ""  # a relative link the report built itself (never a value from the data)
    links: tuple[tuple[str, str], ...] = ()  # more (label, relative link) after the text, built by the report too

    @classmethod
    def count(cls, value: int | float | None, sub: str = "") -> Cell:
        """A whole number as the tables show counts: with separators, right-aligned, sorted by its value."""
        return cls(format_count(value), sort=value, num=True, sub=sub)


@dataclass(frozen=True)
class Column:
    """A table column. ``fold``: long text (reasons, evidence, actions) shown on a line under its row, with the
    label before it, instead of as a column: the table then fits the page and nothing hides behind a scrollbar."""

    key: str
    label: str
    num: bool = False
    wide: bool = False
    fold: bool = False


@dataclass(frozen=True)
class Table:
    id: str
    columns: list[Column]
    rows: list[dict[str, Cell]]
    caption: str = ""
    shown_of: str = ""
    filterable: bool = True
    row_classes: list[str] = field(default_factory=list)
    compact: bool = False  # as narrow as its content (short reference tables)
    kind: Literal["table"] = "table"

    @property
    def shown(self) -> list[Column]:
        """The columns laid out as columns."""
        return [c for c in self.columns if not c.fold]

    @property
    def folded(self) -> list[Column]:
        """The columns shown under each row."""
        return [c for c in self.columns if c.fold]

    def fold_cells(self, row: dict[str, Cell]) -> list[tuple[Column, Cell]]:
        """The folded columns of ``row`` that have something to show."""
        return [(c, row[c.key]) for c in self.folded
                if c.key in row and (row[c.key].text or row[c.key].sub or row[c.key].items or row[c.key].badges)]


@dataclass(frozen=True)
class Card:
    label: str
    value: str
    sub: str = ""
    delta: str = ""
    delta_class: str = "flat"
    tag: str = ""


@dataclass(frozen=True)
class Cards:
    cards: list[Card]
    kind: Literal["cards"] = "cards"


@dataclass(frozen=True)
class Chart:
    """A chart: its themed spec as JSON safe inside ``<script type="application/json">``."""

    id: str
    spec_json: str
    caption: str = ""
    kind: Literal["chart"] = "chart"

    @classmethod
    def of(cls, chart_id: str, chart: alt.TopLevelMixin, caption: str = "") -> Chart:
        return cls(id=chart_id, spec_json=script_json(chart_spec(chart)), caption=caption)


@dataclass(frozen=True)
class Note:
    """A paragraph; ``tone`` ``missing`` marks data this run did not compute, ``warn`` a caveat."""

    text: str
    tone: Literal["info", "missing", "warn", "lead"] = "info"
    items: tuple[str, ...] = ()
    title: str = ""
    kind: Literal["note"] = "note"


@dataclass(frozen=True)
class Heading:
    text: str
    kind: Literal["heading"] = "heading"


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    blocks: list[Any]
    nav: str = ""  # short name in the contents bar; the title when empty
    group: str = ""  # id of a wrapper shared with the neighbouring sections of the same group

    def chart_ids(self) -> list[str]:
        return [b.id for b in self.blocks if isinstance(b, Chart)]
