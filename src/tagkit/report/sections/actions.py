"""Actions: this quarter's list (who does what by when) and what became of last quarter's.

This quarter: per owner, the actions, how many fall due within a week, the first due date, and links to
the owner's one-page digest; the region's list itself (``actions/<region>.xlsx``) is linked at the top of
the page. Last quarter (``action_results.parquet``, ``action_summary.json``, :mod:`tagkit.actions`): the
counts of the lists returned, adoption by owner, how each action's customers fared when it was done or
not, and, with a holdout, the honest uplift of the defences with its interval.
"""
from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

import polars as pl

from tagkit.actions.outcomes import STATUS_ORDER, adoption, by_action
from tagkit.actions.returns import SET_ASIDE_REASONS
from tagkit.contract import region_stem
from tagkit.quarters import quarter_end
from tagkit.report.blocks import Cell, Column, Heading, Note, Section, Table
from tagkit.report.context import Context
from tagkit.report.digest import FOLDER
from tagkit.report.formats import format_percent
from tagkit.report.prescribed import action_text

ID = "actions"
SOON_DAYS = 7


def _this_quarter(ctx: Context, actions: pl.DataFrame) -> list:
    mine = actions.filter(pl.col("region") == ctx.region)
    if not mine.height:
        return [Note(ctx.ui("actions_none"))]
    soon = quarter_end(ctx.quarter) + dt.timedelta(days=SOON_DAYS)
    owners = (mine.group_by("owner_rep_id")
              .agg(actions=pl.len(), soon=(pl.col("due_date") <= soon).sum(), first=pl.col("due_date").min())
              .sort(["soon", "actions", "owner_rep_id"], descending=[True, True, False]))
    folder = f"../{FOLDER}/{quote(region_stem(ctx.region))}"
    columns = [Column("owner", ctx.ui("owner")), Column("actions", ctx.ui("actions_count"), num=True),
               Column("soon", ctx.ui("due_7"), num=True), Column("first", ctx.ui("first_due"), num=True),
               Column("digest", ctx.ui("digest"))]
    rows = []
    for r in owners.iter_rows(named=True):
        stem = quote(region_stem(r["owner_rep_id"]))
        rows.append({"owner": ctx.rep_cell(r["owner_rep_id"]), "actions": Cell.count(r["actions"]),
                     "soon": Cell.count(r["soon"]), "first": Cell(r["first"].isoformat(), sort=r["first"].isoformat()),
                     # the page opens (a link), the CSV downloads
                     "digest": Cell("HTML", href=f"{folder}/{stem}.html", links=(("CSV", f"{folder}/{stem}.csv"),))})
    return [Note(ctx.ui("actions_lead", n=mine.height, owners=owners.height), tone="lead"),
            Table("tbl-action-owners", columns, rows, compact=True)]


def _returned(ctx: Context, summary: dict[str, Any], results: pl.DataFrame | None) -> list:
    counts = summary.get("returned")
    before = summary.get("lists_of", "")
    if not counts:
        return [Note(ctx.ui("adoption_missing", quarter=before), tone="missing")]
    reasons = ", ".join(f"{r} {counts[r]}" for r in SET_ASIDE_REASONS if counts.get(r)) or "–"
    blocks: list = [Heading(ctx.ui("adoption_title", quarter=before)), Note(ctx.ui(
        "adoption_counts", published=counts["published"], returned=counts["returned"], matched=counts["matched"],
        set_aside=sum(counts.get(r, 0) for r in SET_ASIDE_REASONS), reasons=reasons,
        validation=counts.get("set_aside_by_validation", 0), no_response=counts["no_response"]))]
    mine = results.filter(pl.col("region") == ctx.region) if results is not None else None
    if mine is None or not mine.height:
        return blocks
    columns = [Column("owner", ctx.ui("owner")), Column("actions", ctx.ui("actions_count"), num=True),
               *(Column(s, ctx.ui(f"status_{s}"), num=True) for s in STATUS_ORDER),
               Column("done_share", ctx.ui("done_share"), num=True)]
    rows = [{"owner": ctx.rep_cell(r["owner_rep_id"]), "actions": Cell.count(r["actions"]),
             **{s: Cell.count(r[s]) for s in STATUS_ORDER},
             "done_share": Cell(format_percent(r["done_share"]), sort=r["done_share"], num=True)}
            for r in adoption(mine).iter_rows(named=True)]
    blocks.append(Table("tbl-adoption", columns, rows, compact=True))
    blocks += [Heading(ctx.ui("outcomes_title")), Note(ctx.ui("outcomes_lead"))]
    columns = [Column("action", ctx.ui("action"), wide=True),
               Column("done", ctx.ui("status_done"), num=True), Column("done_rate", ctx.ui("done_fared"), num=True),
               Column("not_done", ctx.ui("not_done"), num=True),
               Column("not_done_rate", ctx.ui("not_done_fared"), num=True)]
    rows = [{"action": Cell(action_text(r["action_code"], ctx.lang, ctx.data.playbook), sub=r["action_code"]),
             "done": Cell.count(r["done"]),
             "done_rate": Cell(format_percent(r["done_rate"]), sort=r["done_rate"], num=True),
             "not_done": Cell.count(r["not_done"]),
             "not_done_rate": Cell(format_percent(r["not_done_rate"]), sort=r["not_done_rate"], num=True)}
            for r in by_action(mine).iter_rows(named=True)]
    blocks.append(Table("tbl-action-outcomes", columns, rows))
    return blocks


def _holdout(ctx: Context, summary: dict[str, Any]) -> list:
    figures = (summary.get("holdout") or {}).get(ctx.region)
    if not figures:
        return []
    if figures["uplift"] is None:
        return [Heading(ctx.ui("holdout_title")),
                Note(ctx.ui("holdout_few", treated=figures["treated"], held=figures["held_out"]), tone="missing")]
    def rate(saved: int, n: int) -> str:
        return format_percent(saved / n if n else None)
    return [Heading(ctx.ui("holdout_title")), Note(ctx.ui(
        "holdout_result", treated=figures["treated"], treated_saved=figures["treated_saved"],
        treated_rate=rate(figures["treated_saved"], figures["treated"]), held=figures["held_out"],
        held_saved=figures["held_out_saved"], held_rate=rate(figures["held_out_saved"], figures["held_out"]),
        uplift=_points(ctx, figures["uplift"]), low=_points(ctx, figures["uplift_low"]),
        high=_points(ctx, figures["uplift_high"])))]


def _points(ctx: Context, share: float) -> str:
    """A difference of two shares in percentage points, signed (a percentage would read as a relative change)."""
    return ctx.ui("points", n=f"{share * 100:+.0f}".replace("-", "−"))


def build(ctx: Context) -> Section:
    actions = ctx.data.table("actions")
    blocks: list = _this_quarter(ctx, actions) if actions is not None else [ctx.not_computed("action_list")]
    summary = dict(ctx.data.action_summary or {})
    if summary:
        blocks += _returned(ctx, summary, ctx.data.table("action_results")) + _holdout(ctx, summary)
    return Section(ID, ctx.ui("actions_title"), blocks, nav=ctx.ui("actions_nav"))
