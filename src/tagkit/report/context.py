"""What every section builder gets: the region's rows, the language, and the shared helpers.

Helpers here turn data values into reader's words (tag names, rep names, reasons, actions)
so that every section says them the same way.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from tagkit.contract import TAG_ORDER
from tagkit.lang import Lang
from tagkit.params import ReportParams
from tagkit.report import labels
from tagkit.report.blocks import Cell, Note
from tagkit.report.formats import DASH, format_money
from tagkit.report.inputs import RunData
from tagkit.report.prescribed import action_text, text_in
from tagkit.report.words import ui


@dataclass(frozen=True)
class Context:
    data: RunData
    region: str
    quarter: str
    params: ReportParams
    mine: pl.DataFrame = field(init=False)
    rep_names: dict[str, tuple[str, str]] = field(init=False)  # rep_id → (name, role)

    def __post_init__(self) -> None:
        object.__setattr__(self, "mine", self.data.region_rows(self.region))
        names: dict[str, tuple[str, str]] = {}
        reps = self.data.reps
        if reps is not None and {"rep_id", "rep_name"} <= set(reps.columns):
            role = pl.col("role") if "role" in reps.columns else pl.lit(None, dtype=pl.String)
            for rep_id, name, r in reps.select("rep_id", "rep_name", role.alias("role")).iter_rows():
                names[str(rep_id)] = (str(name), r or "")
        object.__setattr__(self, "rep_names", names)

    # --- words --------------------------------------------------------------------------------
    @property
    def lang(self) -> Lang:
        return self.params.language

    def ui(self, key: str, **fmt: object) -> str:
        return ui(key, self.lang, **fmt)

    @property
    def currency(self) -> str:
        return self.params.currency[self.lang]

    def money(self, value: float | None) -> str:
        """An amount in this language's style, with report.currency's symbol."""
        return format_money(value, self.lang, self.currency)

    def tag(self, tag: str | None) -> str:
        return labels.tag_name(tag, self.lang) if tag else self.ui("no_previous")

    def tag_labels(self) -> dict[str, str]:
        return {t: labels.tag_name(t, self.lang) for t in TAG_ORDER}

    def name(self, kind: str, value: str | None) -> str:
        return labels.name_of(kind, value, self.lang) if value else DASH

    def level(self, row: dict[str, Any]) -> str:
        """The benchmark level as met, or marked former / potential where its bar is not met now
        (``benchmark_level_status``; an older run without it shows the level alone)."""
        level = row.get("benchmark_level")
        return labels.level_name(level, row.get("benchmark_level_status"), self.lang) if level else DASH

    # --- columns ------------------------------------------------------------------------------
    def has(self, column: str, frame: pl.DataFrame | None = None) -> bool:
        """The column exists (an older or partial run may not have written it)."""
        return column in (self.mine if frame is None else frame).columns

    # --- people -------------------------------------------------------------------------------
    def rep_label(self, rep_id: str | None) -> str:
        """``name (id)`` when the reps table knows the id, else the id alone."""
        if not rep_id:
            return DASH
        name = self.rep_names.get(rep_id)
        return f"{name[0]} ({rep_id})" if name else rep_id

    def rep_cell(self, rep_id: str | None) -> Cell:
        name = self.rep_names.get(rep_id or "")
        if not name:
            return Cell(rep_id or DASH, cls="nowrap")
        role = labels.name_of("role", name[1], self.lang) if name[1] else ""
        return Cell(name[0], sub=" · ".join(x for x in (rep_id, role) if x), cls="nowrap")

    # --- customers ----------------------------------------------------------------------------
    def customer_cell(self, row: dict[str, Any]) -> Cell:
        where = " · ".join(str(x) for x in (row.get("customer_id"), row.get("city")) if x)
        return Cell(str(row["customer_name"]), sub=where)

    def reasons(self, row: dict[str, Any]) -> tuple[str, ...]:
        """The scorer's evidence sentences in this language; short labels for older scores files."""
        sentences = row.get(f"reasons_{self.lang}")
        if sentences:
            return tuple(sentences)
        return tuple(labels.reason_text(c, self.lang) for c in row.get("reason_codes") or [])

    def actions(self, row: dict[str, Any]) -> tuple[str, ...]:
        lead = row.get("escalate_level")
        return tuple(action_text(c, self.lang, self.data.playbook, lead) for c in row.get("action_codes") or [])

    def flag_badges(self, row: dict[str, Any], skip: tuple[str, ...] = ()) -> tuple[tuple[str, str], ...]:
        return tuple((labels.flag_name(f, self.lang), f"flag-{f}") for f in row.get("flags") or [] if f not in skip)

    def tag_badge(self, tag: str) -> tuple[tuple[str, str], ...]:
        """The tag as a badge, shown on a phone's card only (on a wide page the section's title says it)."""
        return ((self.tag(tag), f"tag-badge tag-{tag}"),)

    # --- lists --------------------------------------------------------------------------------
    def cap(self, frame: pl.DataFrame) -> tuple[pl.DataFrame, str]:
        """The first ``max_customers_listed`` rows, and the "first n of m" note when rows were cut."""
        limit = self.params.max_customers_listed
        if frame.height <= limit:
            return frame, ""
        return frame.head(limit), self.ui("shown_of", shown=limit, total=frame.height)

    def strategy(self, tag: str) -> Note | None:
        """The playbook's one-line strategy for ``tag``, when the run has a playbook."""
        text = text_in(((self.data.playbook or {}).get("strategies") or {}).get(tag), self.lang)
        return Note(self.ui("strategy", text=text), tone="info") if text else None

    def not_computed(self, what: str) -> Note:
        return Note(self.ui("not_computed", what=self.ui(what)), tone="missing")

    def none_in_region(self, what: str) -> Note:
        return Note(self.ui("none_in_region", what=self.ui(what)))
