"""The region alert at the top of a region's report: a region-wide fall that is not the usual season.

Read from ``region_alerts.parquet`` and ``region_alert_breakdown.parquet``
(:mod:`tagkit.prescription.alerts`). Nothing shows for a region without an alert; a run
without the files shows nothing either (older runs did not make them).
"""
from __future__ import annotations

from typing import Any

import polars as pl

from tagkit.report.blocks import Cell, Column, Note, Table
from tagkit.report.context import Context
from tagkit.report.formats import format_change, format_count, format_percent
from tagkit.report.prescribed import for_region

DIMENSION_ORDER = ("city", "rep_id", "tag", "competitor")


def region_alert(alerts: pl.DataFrame | None, region: str) -> dict[str, Any] | None:
    """The region's alert row when it has an alert this quarter, else None."""
    mine = for_region(alerts, region)
    if mine is None or not mine.height or "alert" not in mine.columns:
        return None
    row = mine.row(0, named=True)
    return row if row["alert"] else None


def _key(ctx: Context, dimension: str, key: str) -> Cell:
    if dimension == "rep_id":
        return ctx.rep_cell(key)
    if dimension == "tag":
        return Cell(ctx.tag(key))
    if dimension == "competitor":
        return Cell(ctx.name("competitor_signal", key))
    return Cell(key)


def _breakdown(ctx: Context, rows: pl.DataFrame) -> Table:
    columns = [Column("dimension", ctx.ui("alert_dimension")), Column("key", ctx.ui("alert_key")),
               Column("customers", ctx.ui("customers"), num=True),
               Column("now", ctx.ui("sales_quarter"), num=True),
               Column("before", ctx.ui("alert_last_year"), num=True),
               Column("change", ctx.ui("yoy"), num=True), Column("share", ctx.ui("alert_share"), num=True),
               Column("signals", ctx.ui("alert_signals"), num=True)]
    order = {d: i for i, d in enumerate(DIMENSION_ORDER)}
    rows = (rows.with_columns(_o=pl.col("dimension").replace_strict(order, default=len(order)))
            .sort("_o", maintain_order=True))
    body = []
    for r in rows.iter_rows(named=True):
        competitor = r["dimension"] == "competitor"
        body.append({
            "dimension": Cell(ctx.ui(f"alert_by_{r['dimension']}")),
            "key": _key(ctx, r["dimension"], r["key"]),
            "customers": Cell(format_count(r["customers"]), sort=r["customers"], num=True),
            "now": Cell("" if competitor else ctx.money(r["sales_now"]), sort=r["sales_now"], num=True),
            "before": Cell("" if competitor else ctx.money(r["sales_last_year"]),
                           sort=r["sales_last_year"], num=True),
            "change": Cell("" if competitor else format_change(r["change"]), sort=r["change"], num=True),
            "share": Cell(format_percent(r["share_of_fall"]), sort=r["share_of_fall"], num=True),
            "signals": Cell(f"{format_count(r['signals_now'])} / {format_count(r['signals_last_year'])}",
                            sort=r["signals_now"], num=True),
        })
    return Table("tbl-region-alert", columns, body, filterable=False, compact=True)


def alert_blocks(ctx: Context) -> list:
    """The alert's note and breakdown for the report's first section, or nothing."""
    row = region_alert(ctx.data.table("region_alerts"), ctx.region)
    if row is None:
        return []
    text = ctx.ui("region_alert", change=format_change(row["change"]), now=ctx.money(row["sales_now"]),
                  before=ctx.money(row["sales_last_year"]),
                  adjusted=format_change(row["adjusted_change"]),
                  signals_now=format_count(row["signals_now"]), signals_before=format_count(row["signals_last_year"]))
    blocks: list = [Note(text, tone="warn", title=ctx.ui("region_alert_title"))]
    rows = for_region(ctx.data.table("region_alert_breakdown"), ctx.region)
    if rows is not None and rows.height:
        blocks.append(_breakdown(ctx, rows))
    return blocks
