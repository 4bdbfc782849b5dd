"""Rep scorecards and where each rep's visits go, by the tag of the customer visited, against the playbook.

With the prescription's ``reps.parquet`` the scorecard is its: benchmarks held against the
minimum, new ones against the yearly target, a benchmark to borrow, nails and at-risk customers
won and lost, and this quarter's visits by tag against the shares of the rep's visit plan; then
the plan of next quarter against what the rep can make (visits made per quarter, the capacity
with its slack, the unconstrained recommendation, the planned visits by tag). Without it, the
per-rep facts that scores.parquet holds (customers and last-four-quarter visits by tag) are
shown, and the page says the scorecard was not computed.
"""
from __future__ import annotations

import dataclasses

import polars as pl

from tagkit.charts import visit_allocation_chart
from tagkit.contract import TAG_ORDER
from tagkit.report import prescribed
from tagkit.report.blocks import Cell, Chart, Column, Heading, Note, Section, Table
from tagkit.report.context import Context
from tagkit.report.formats import DASH, format_count, format_percent
from tagkit.report.sections.lists import flagged_list, sales_figure

ID = "reps"
TAGGED = tuple(t for t in TAG_ORDER if t != "regular")  # the tags a rep's table counts one by one


def rep_summary(scores: pl.DataFrame) -> pl.DataFrame:
    """Per rep, from the scores: customers and visits (last 4 quarters) per tag, sales; by rep id."""
    visits = pl.col("visits_trailing").fill_null(0) if "visits_trailing" in scores.columns else pl.lit(0)
    return (
        scores.group_by("rep_id")
        .agg(customers=pl.len().cast(pl.Int64), sales_trailing_4q=pl.col("sales_trailing_4q").sum(),
             visits=visits.sum().cast(pl.Int64),
             **{t: (pl.col("tag") == t).sum().cast(pl.Int64) for t in TAG_ORDER},
             **{f"visits_{t}": visits.filter(pl.col("tag") == t).sum().cast(pl.Int64) for t in TAG_ORDER})
        .sort("rep_id")
    )


def _shares(ctx: Context, frame: pl.DataFrame) -> pl.DataFrame | None:
    rows = []
    for r in frame.filter(pl.col("visits") > 0).iter_rows(named=True):
        for t in TAG_ORDER:
            n = r.get(f"visits_{t}") or 0
            if n:
                rows.append({"rep_label": ctx.rep_label(r["rep_id"]), "tag": t, "tag_label": ctx.tag(t),
                             "share": n / r["visits"], "share_label": format_percent(n / r["visits"]), "visits": n})
    return pl.DataFrame(rows) if rows else None


def _targets(ctx: Context, frame: pl.DataFrame) -> pl.DataFrame | None:
    """A tick where each tag's segment would end if the rep followed the playbook (same stacking order)."""
    rows = []
    for r in frame.filter(pl.col("visits") > 0).iter_rows(named=True):
        end = 0.0
        for t in TAG_ORDER[:-1]:  # the last segment always ends at 100 %: no tick to read
            target = r.get(f"visit_target_{t}")
            if target is None:
                return None
            end += target
            rows.append({"rep_label": ctx.rep_label(r["rep_id"]), "tag_label": ctx.tag(t),
                         "cumulative": min(end, 1.0), "share_label": format_percent(target)})
    return pl.DataFrame(rows) if rows else None


def _chart(ctx: Context, frame: pl.DataFrame, title: str) -> Chart | None:
    shares = _shares(ctx, frame)
    if shares is None:
        return None
    text = {"title": title, "share": ctx.ui("visit_share"), "rep": ctx.ui("rep"), "tag": ctx.ui("tag"),
            "visits": ctx.ui("visits"), "target": ctx.ui("target")}
    return Chart.of("visit-allocation", visit_allocation_chart(shares, text=text, tag_labels=ctx.tag_labels(),
                                                               targets=_targets(ctx, frame)))


def _scorecard_table(ctx: Context, cards: pl.DataFrame) -> Table:
    # only the benchmarks to borrow need a name: not a dict of every customer in the run, per region
    borrow = cards.get_column("borrow_benchmark_id").cast(pl.String) if "borrow_benchmark_id" in cards.columns \
        else pl.Series([], dtype=pl.String)
    known = ctx.data.scores.filter(pl.col("customer_id").is_in(borrow.drop_nulls().implode()))
    names = dict(zip(known["customer_id"], known["customer_name"], strict=True))
    columns = [Column("rep", ctx.ui("rep")), Column("customers", ctx.ui("customers"), num=True),
               Column("benchmarks", ctx.ui("sc_benchmarks"), num=True),
               Column("new", ctx.ui("sc_new_benchmarks"), num=True),
               Column("candidates", ctx.ui("sc_candidates"), num=True), Column("borrow", ctx.ui("sc_borrow")),
               Column("nails", ctx.ui("sc_nails"), num=True), Column("at_risk", ctx.ui("sc_at_risk"), num=True),
               Column("speculators", ctx.ui("sc_speculators"), num=True),
               Column("visits", ctx.ui("visits"), num=True), Column("alignment", ctx.ui("sc_alignment"), num=True)]
    rows, classes = [], []
    for r in cards.sort("rep_id").iter_rows(named=True):
        gap = r.get("benchmarks_gap") or 0
        borrow_id = r.get("borrow_benchmark_id")
        rows.append({
            "rep": ctx.rep_cell(r["rep_id"]),
            "customers": Cell.count(r.get("customers"), ctx.money(r.get("sales_trailing_4q"))),
            "benchmarks": Cell(f"{format_count(r.get('benchmarks'))} / {format_count(r.get('benchmarks_min'))}",
                               sort=r.get("benchmarks"), num=True, cls="short" if gap else ""),
            "new": Cell(f"{format_count(r.get('benchmarks_new_4q'))} / {format_count(r.get('benchmarks_new_target'))}",
                        sort=r.get("benchmarks_new_4q"), num=True),
            "candidates": Cell.count(r.get("candidates")),
            "borrow": Cell(names.get(borrow_id, borrow_id) if borrow_id else DASH,
                           sub=ctx.name("benchmark_level", r.get("borrow_benchmark_level")) if borrow_id else ""),
            "nails": Cell.count(r.get("nails"), ctx.ui("sc_nails_sub", invest=format_count(r.get("nails_invest")),
                                                   pulled=format_count(r.get("nails_pulled")))),
            "at_risk": Cell.count(r.get("at_risk"), ctx.ui("sc_at_risk_sub", saved=format_count(r.get("at_risk_saved")),
                                                       lost=format_count(r.get("at_risk_lost")))),
            "speculators": Cell.count(r.get("speculators")),
            "visits": Cell.count(r.get("visits")),
            "alignment": Cell(format_percent(r.get("visit_alignment")), sort=r.get("visit_alignment"), num=True),
        })
        classes.append("short" if gap else "")
    return Table("tbl-scorecards", columns, rows, row_classes=classes)


def _slack(cards: pl.DataFrame) -> float | None:
    """The slack the capacity carries (the same for every rep of a run), read back from the cards."""
    known = cards.filter((pl.col("visits_per_quarter") > 0) & pl.col("visit_capacity").is_not_null())
    return known["visit_capacity"][0] / known["visits_per_quarter"][0] - 1 if known.height else None


def _planned_by_tag(ctx: Context, r: dict) -> str:
    planned = r.get("visits_planned") or 0
    parts = [f"{ctx.tag(t)} {round((r.get(f'visit_target_{t}') or 0) * planned)}" for t in TAG_ORDER]
    return " · ".join(parts) if planned else ""


def _plan_table(ctx: Context, cards: pl.DataFrame) -> Table:
    columns = [Column("rep", ctx.ui("rep")), Column("made", ctx.ui("plan_made"), num=True),
               Column("capacity", ctx.ui("plan_capacity"), num=True),
               Column("recommended", ctx.ui("plan_recommended"), num=True),
               Column("planned", ctx.ui("plan_planned"), num=True), Column("status", ctx.ui("plan_status"))]
    rows, classes = [], []
    for r in cards.sort("rep_id").iter_rows(named=True):
        capacity, planned, over = r.get("visit_capacity"), r.get("visits_planned"), r.get("visits_over_capacity")
        status = (ctx.ui("plan_over") if over else ctx.ui("plan_fits") if capacity is not None
                  else ctx.ui(f"plan_{r.get('visit_plan_basis') or 'no_rep_visits'}"))
        rows.append({
            "rep": ctx.rep_cell(r["rep_id"]),
            "made": Cell.count(r.get("visits_per_quarter")), "capacity": Cell.count(capacity),
            "recommended": Cell.count(r.get("visits_recommended")),
            "planned": Cell.count(planned, sub=_planned_by_tag(ctx, r)),
            "status": Cell(status),
        })
        classes.append("short" if over or capacity is None else "")
    return Table("tbl-visit-plan", columns, rows, row_classes=classes)


def _plan_blocks(ctx: Context, cards: pl.DataFrame) -> list:
    """Next quarter's visit plan against each rep's capacity (older runs without it: nothing)."""
    if "visits_planned" not in cards.columns:
        return []
    slack = _slack(cards)
    lead = (ctx.ui("plan_lead", slack=format_percent(slack)) if slack is not None
            else ctx.ui("plan_lead_unknown"))
    return [Heading(ctx.ui("plan_title")), Note(lead), _plan_table(ctx, cards)]


def _facts_table(ctx: Context, summary: pl.DataFrame) -> Table:
    columns = [Column("rep", ctx.ui("rep")), Column("customers", ctx.ui("customers"), num=True),
               *(Column(t, ctx.tag(t), num=True) for t in TAGGED),
               Column("sales", ctx.ui("sales_trailing_4q"), num=True), Column("visits", ctx.ui("visits"), num=True),
               *(Column(f"vs_{t}", f"{ctx.ui('visit_share')} · {ctx.tag(t)}", num=True) for t in TAGGED)]
    rows = []
    for r in summary.iter_rows(named=True):
        row = {"rep": ctx.rep_cell(r["rep_id"]), "customers": Cell.count(r["customers"]),
               "sales": Cell(ctx.money(r["sales_trailing_4q"]), sort=r["sales_trailing_4q"], num=True),
               "visits": Cell.count(r["visits"])}
        for t in TAGGED:
            row[t] = Cell.count(r[t])
            share = r[f"visits_{t}"] / r["visits"] if r["visits"] else None
            row[f"vs_{t}"] = Cell(format_percent(share), sort=share, num=True)
        rows.append(row)
    return Table("tbl-reps", columns, rows)


def _decision_lists(ctx: Context) -> list:
    """Every recommended rep change and every speculator of the region, not only those on the tag lists."""
    complaints = (Column("complaints", ctx.ui("rep_complaints"), num=True),
                  lambda r: Cell(format_count(r.get("rep_complaints_current")), sort=r.get("rep_complaints_current"),
                                 num=True))
    share = (Column("end_share", ctx.ui("quarter_end_share"), num=True),
             lambda r: Cell(format_percent(r.get("speculator_quarter_end_share")),
                            sort=r.get("speculator_quarter_end_share"), num=True))
    sales = sales_figure(ctx)
    return [*flagged_list(ctx, "rep_change_recommended", table_id="tbl-rep-changes", title=ctx.ui("rep_changes"),
                           lead=ctx.ui("rep_changes_lead"), figures=[complaints, sales]),
            *flagged_list(ctx, "speculator", table_id="tbl-speculators", title=ctx.ui("speculator_list"),
                           lead=ctx.ui("speculator_list_lead"), figures=[share, sales])]


def build(ctx: Context) -> Section:
    section = _build(ctx)
    return dataclasses.replace(section, blocks=[*section.blocks, *_decision_lists(ctx)])


def _build(ctx: Context) -> Section:
    cards = prescribed.for_region(ctx.data.table("reps"), ctx.region)
    blocks: list = [Note(ctx.ui("reps_lead"), tone="lead")]
    if cards is not None and cards.height:
        blocks.append(Note(ctx.ui("targets_lead")))
        chart = _chart(ctx, cards, ctx.ui("chart_visits_quarter"))
        blocks += [chart if chart else Note(ctx.ui("no_visits")), _scorecard_table(ctx, cards),
                   Note(ctx.ui("scorecard_help")), *_plan_blocks(ctx, cards)]
        return Section(ID, ctx.ui("sec_reps"), blocks)
    blocks.append(ctx.not_computed("what_scorecards"))
    summary = rep_summary(ctx.mine)
    chart = _chart(ctx, summary, ctx.ui("chart_visits"))
    blocks += [chart if chart else Note(ctx.ui("no_visits")), _facts_table(ctx, summary)]
    return Section(ID, ctx.ui("sec_reps"), blocks)
