"""``index.html``: every region's headline figures and a link to its report, failures marked.

A failed region gets a line saying what failed (``In [4]``, the error) and a link to its failure
page at the failing cell (see :mod:`tagkit.report.failure`). Also links the other quarters' runs
found beside this one (``OUT/<quarter>/index.html``), so a reader can walk back through earlier
quarters from the latest index.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import polars as pl

from tagkit.contract import TAG_ORDER, region_stem
from tagkit.lang import Lang
from tagkit.params import ReportParams
from tagkit.quarters import quarter_end
from tagkit.report import prescribed
from tagkit.report.assets import static_text
from tagkit.report.blocks import Cell, Column, Table
from tagkit.report.export import export_links
from tagkit.report.failure import FAILURE_ANCHOR
from tagkit.report.formats import format_change, format_count, format_money, format_percent
from tagkit.report.labels import tag_name
from tagkit.report.region import CSP, env, report_filename
from tagkit.report.sections.alert import region_alert
from tagkit.report.words import ui
from tagkit.run_folder import RunFolder

QUARTER_DIR = re.compile(r"^\d{4}Q[1-4]$")
ERROR_CHARS = 200  # an error message can quote a whole frame; the failure page has the rest

# region -> what the runner recorded of its failure (see RegionFailure.of)
FailedRegions = Mapping[str, Mapping[str, Any] | str]


@dataclass(frozen=True)
class RegionFailure:
    """A failed region as the index shows it; paths are relative to the run folder."""

    notebook: str = ""  # the executed notebook, kept by the runner
    page: str = ""  # its HTML failure page, when one was written
    cell: int | str | None = None  # the failing cell's In [n]
    ename: str = ""
    evalue: str = ""

    @classmethod
    def of(cls, value: Mapping[str, Any] | str) -> RegionFailure:
        """From ``{"notebook", "page"?, "cell"?, "ename"?, "evalue"?}``, or the notebook path alone (older runs)."""
        if isinstance(value, str):
            return cls(notebook=value)
        return cls(notebook=str(value.get("notebook") or ""), page=str(value.get("page") or ""),
                   cell=value.get("cell"), ename=str(value.get("ename") or ""), evalue=str(value.get("evalue") or ""))

    def href(self) -> str:
        """The failure page at the failing cell, else the notebook itself."""
        if self.page:
            return f"{quote(self.page)}#{FAILURE_ANCHOR}"
        return quote(self.notebook)

    def link_text(self, lang: Lang) -> str:
        return ui("failed_cell" if self.page else "failed_notebook", lang)

    def describe(self, lang: Lang) -> str:
        """``failed at In [4]: ValueError: …`` in the report's language; empty when nothing was recorded."""
        error = ": ".join(part for part in (self.ename, self.evalue.strip()) if part)
        if len(error) > ERROR_CHARS:
            error = error[:ERROR_CHARS - 1] + "…"
        if not error:
            return ""
        if self.cell is not None:
            return ui("failed_at", lang, cell=self.cell, error=error)
        return ui("failed_error", lang, error=error)


def region_headlines(scores: pl.DataFrame) -> pl.DataFrame:
    """One row per region: customers, sales this and last quarter, customers per tag, benchmarks at risk."""
    previous = pl.col("sales_previous_quarter").sum() if "sales_previous_quarter" in scores.columns else pl.lit(None)
    bar = (pl.col("flags").list.contains("benchmark_at_risk").sum().cast(pl.Int64) if "flags" in scores.columns
           else pl.lit(0, dtype=pl.Int64))
    return (
        scores.group_by("region")
        .agg(
            customers=pl.len().cast(pl.Int64),
            sales_quarter=pl.col("sales_quarter").sum(),
            sales_previous_quarter=previous,
            benchmark_at_risk=bar,
            **{t: (pl.col("tag") == t).sum().cast(pl.Int64) for t in TAG_ORDER},
        )
        .sort("region")
    )


def sibling_quarters(run_dir: Path) -> list[str]:
    """Other quarters' run folders beside this one that hold an index, newest first."""
    return sorted(
        (p.name for p in run_dir.parent.iterdir()
         # a run works in "<quarter>.partial" beside its own published folder, which is not "another" quarter
         if p.is_dir() and QUARTER_DIR.match(p.name) and p.name != run_dir.name.split(".")[0]
         and RunFolder(p).file(RunFolder.INDEX).exists()),
        reverse=True,
    )


def _status_cell(region: str, *, lang: Lang, failed: Mapping[str, RegionFailure], present: set[str] | None,
                 customers: int, action_lists: AbstractSet[str] = frozenset()) -> Cell:
    name = report_filename(region)
    if region in failed:
        failure = failed[region]
        return Cell(ui("failed", lang), cls="failed", sub=failure.describe(lang), items=(failure.link_text(lang),),
                    sort=0, href=failure.href())
    if present is not None and name not in present:
        return Cell(ui("not_generated", lang), cls="failed", sort=0)
    # the region's full customer list beside its report (written by the same notebook)
    links = tuple((label, quote(href.removeprefix("../"))) for label, href in export_links(region, rows=customers))
    if (lists := f"{region_stem(region)}.xlsx") in action_lists:  # the region's action list, to fill in
        links += ((ui("action_list", lang), quote(f"{RunFolder.ACTIONS}/{lists}")),)
    return Cell(ui("open", lang), href=f"{RunFolder.REPORTS}/" + quote(name), sort=1, links=links)


def region_table(scores: pl.DataFrame, *, params: ReportParams, failed: Mapping[str, RegionFailure],
                 present: set[str] | None, quality: pl.DataFrame | None = None, quarter: str = "",
                 alerts: pl.DataFrame | None = None, action_lists: AbstractSet[str] = frozenset()) -> Table:
    """The index's table: one row per region with its headline figures, its region alert and its report's link;
    a region under its display name (``report.region_names``), the data's name under it when they differ."""
    lang = params.language
    columns = [Column("region", ui("region", lang)), Column("report", ui("report", lang)),
               Column("customers", ui("customers", lang), num=True),
               Column("sales", ui("sales_quarter", lang), num=True),
               Column("change", ui("vs_last_quarter", lang), num=True),
               *(Column(t, tag_name(t, lang), num=True) for t in TAG_ORDER),
               Column("bar", ui("benchmark_at_risk_short", lang), num=True)]
    if quality is not None:
        columns.append(Column("quality", ui("quality_index", lang), num=True))
    if alerts is not None:
        columns.insert(2, Column("alert", ui("index_alert", lang)))
    rows, classes = [], []
    for r in region_headlines(scores).iter_rows(named=True):
        before = r["sales_previous_quarter"]
        change = (r["sales_quarter"] - before) / before if before else None
        status = _status_cell(r["region"], lang=lang, failed=failed, present=present, customers=r["customers"],
                              action_lists=action_lists)
        row = {
            "region": Cell(params.region_name(r["region"]),
                           sub=r["region"] if params.region_name(r["region"]) != r["region"] else ""),
            "report": status,
            "customers": Cell(format_count(r["customers"]), sort=r["customers"], num=True),
            "sales": Cell(format_money(r["sales_quarter"], lang, params.currency[lang]), sort=r["sales_quarter"],
                          num=True),
            "change": Cell(format_change(change), sort=change, num=True),
            **{t: Cell(format_count(r[t]), sort=r[t], num=True, cls=f"tag-{t}") for t in TAG_ORDER},
            "bar": Cell(format_count(r["benchmark_at_risk"]), sort=r["benchmark_at_risk"], num=True),
        }
        if quality is not None:
            series = prescribed.quality_series(quality, r["region"])
            value = None
            if series is not None and series.height:
                upto = series.filter(pl.col("quarter") <= quarter) if quarter else series
                value = upto["value"][-1] if upto.height else None
            row["quality"] = Cell(format_percent(value), sort=value, num=True)
        if alerts is not None:
            alert = region_alert(alerts, r["region"])
            row["alert"] = (Cell(ui("index_alert_cell", lang, change=format_change(alert["change"])), cls="alert",
                                 sort=alert["change"]) if alert else Cell("", sort=1.0))
        rows.append(row)
        classes.append("failed-row" if status.sort == 0 else "alert-row" if alerts is not None and row["alert"].text
                       else "")
    return Table("tbl-regions", columns, rows, row_classes=classes)


def render_index(scores: pl.DataFrame, *, quarter: str, params: ReportParams, failed: FailedRegions,
                 others: list[str], present: set[str] | None = None, quality: pl.DataFrame | None = None,
                 alerts: pl.DataFrame | None = None, action_lists: AbstractSet[str] = frozenset()) -> str:
    """``failed`` maps a region to its failure: ``{"notebook": "notebooks/03_region_report-华北.ipynb",
    "page": "notebooks/03_region_report-华北.html", "cell": 4, "ename": "ValueError", "evalue": "…"}``, all
    paths relative to the run folder and every key but ``notebook`` optional (a bare notebook path is read as
    ``{"notebook": path}``); ``present`` names the report files written (None: do not check); ``others`` the
    sibling quarters; ``alerts`` the run's ``region_alerts.parquet`` (None: no alert column)."""
    lang = params.language
    failures = {region: RegionFailure.of(value) for region, value in failed.items()}
    table = region_table(scores, params=params, failed=failures, present=present, quality=quality, quarter=quarter,
                         alerts=alerts, action_lists=action_lists)
    missing = sum(1 for cls in table.row_classes if cls == "failed-row")
    return env.get_template("index.html.j2").render(
        lang=lang,
        csp=CSP,
        title=ui("index_title", lang, quarter=quarter),
        as_of=ui("generated", lang, as_of=quarter_end(quarter).isoformat()),
        lead=ui("index_lead", lang),
        failed_note=ui("regions_failed", lang, n=missing) if missing else "",
        failures=[{"line": ui("failure_line", lang, region=params.region_name(region),
                              what=f.describe(lang) or ui("failed", lang)),
                   "href": f.href(), "link": f.link_text(lang)} for region, f in sorted(failures.items())],
        table=table,
        ui={k: ui(k, lang) for k in ("validation", "other_quarters", "no_other_quarters", "filter", "filter_label",
                                     "sort_hint", "contents")},
        rows_shown=ui("rows_shown", lang, shown="{shown}", total="{total}"),
        others=[{"quarter": q, "href": f"../{q}/{RunFolder.INDEX}"} for q in others],
        css=static_text("report.css"),
        page_js=static_text("report.js"),
    )


def write_index(scores: pl.DataFrame, *, quarter: str, params: ReportParams, run_dir: Path,
                failed: FailedRegions | None = None, quality: pl.DataFrame | None = None,
                alerts: pl.DataFrame | None = None) -> Path:
    """Write ``index.html`` in the run folder; ``failed`` as for :func:`render_index`."""
    run = RunFolder(run_dir)
    path = run.file(RunFolder.INDEX)
    reports = run.reports_dir
    present = {p.name for p in reports.glob("*.html")} if reports.is_dir() else set()
    action_lists = {p.name for p in run.actions_dir.glob("*.xlsx")}
    html = render_index(scores, quarter=quarter, params=params, failed=failed or {},
                        others=sibling_quarters(run_dir), present=present, quality=quality, alerts=alerts,
                        action_lists=action_lists)
    path.write_text(html, encoding="utf-8")
    return path
