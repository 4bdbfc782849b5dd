"""Nail customers: the value behind the stalemate, its cause with evidence, who leads the effort, the decision;
with, for a nail by line gap, the lines it does not buy and the benchmark to take it to; and where the senior
visits went (to the invest nails that need them, or wasted on those to reduce or drop)."""
from __future__ import annotations

from typing import Any

import polars as pl

from tagkit.charts import nail_upside_chart
from tagkit.params import LADDER
from tagkit.report.blocks import Cell, Chart, Column, Heading, Note, Section, Table
from tagkit.report.context import Context
from tagkit.report.formats import format_count, format_percent

ID = "nails"
PRESCRIBED = ("nail_cause", "nail_decision", "escalate_to")


def upside_expr(scores: pl.DataFrame) -> tuple[pl.Expr, str]:
    """The upside of each nail and what it means: the prescription's figure, else untapped potential."""
    if "nail_upside" in scores.columns:
        return pl.col("nail_upside").cast(pl.Float64), "upside"
    if "headroom" in scores.columns:
        return pl.col("headroom").cast(pl.Float64), "upside_headroom"
    if "potential_annual_value" in scores.columns:
        return (pl.col("potential_annual_value") - pl.col("sales_trailing_4q")).clip(lower_bound=0), "upside_headroom"
    return pl.lit(None, dtype=pl.Float64), "upside_headroom"


def rank_nails(scores: pl.DataFrame) -> pl.DataFrame:
    """The region's nails, largest upside first (``upside`` column added)."""
    upside, _ = upside_expr(scores)
    return (scores.filter(pl.col("tag") == "nail").with_columns(upside=upside)
            .sort(["upside", "sales_trailing_4q", "customer_id"], descending=[True, True, False], nulls_last=True))


def _chart(ctx: Context, ranked: pl.DataFrame, upside_key: str) -> Chart:
    top = ranked.head(ctx.params.max_chart_customers).with_row_index("rank")
    parts = []
    upside_label = ctx.ui("upside") if upside_key == "upside" else ctx.ui("untapped")
    for part, column, label in ((0, "sales_trailing_4q", ctx.ui("bought")), (1, "upside", upside_label)):
        amounts = top[column].fill_null(0).clip(lower_bound=0)
        parts.append(top.select("customer_name", "rank").with_columns(
            part=pl.lit(part), part_label=pl.lit(label),
            amount=amounts,
            amount_label=pl.Series([ctx.money(v) for v in amounts], dtype=pl.String)))
    title = ctx.ui("chart_upside" if upside_key == "upside" else "chart_untapped")
    text = {"currency": ctx.currency, "title": title, "amount": ctx.ui("amount"), "customer": ctx.ui("customer"),
            "part": ctx.ui("part")}
    return Chart.of("nail-upside", nail_upside_chart(pl.concat(parts), text=text, language=ctx.lang))


def _ladder(ctx: Context) -> dict[str, Any]:
    """The run's ``prescription.nail.ladder`` settings (empty for an older run)."""
    return ctx.data.methodology.get("prescription", {}).get("nail", {}).get("ladder") or {}


def _lead_why(ctx: Context, row: dict) -> Cell:
    """Why this rung leads: the highest rung that already tried without success, and why it is not who the
    ladder asked for when the chain fell short (folded under the row: a sentence, not a column's width)."""
    tried, note = row.get("escalate_tried_level"), row.get("escalate_note")
    # the top rung leads again though it already failed: nobody is left above, the value is in question
    top_again = tried == LADDER[-1] and row.get("escalate_level") == LADDER[-1]
    items = ((ctx.ui("escalate_top_tried" if top_again else "escalate_tried", level=ctx.name("role", tried)),)
             if tried else ()) + ((ctx.name("escalate_note", note),) if note else ())
    return Cell(items=items)


def _table(ctx: Context, ranked: pl.DataFrame, prescribed: bool, upside_key: str) -> Table:
    listed, shown_of = ctx.cap(ranked)
    columns = [Column("customer", ctx.ui("customer")), Column("rep", ctx.ui("rep")),
               Column("potential", ctx.ui("potential"), num=True),
               Column("sales", ctx.ui("sales_trailing_4q"), num=True),
               Column("sow", ctx.ui("share_of_wallet"), num=True), Column("upside", ctx.ui("upside"), num=True)]
    if prescribed:
        columns += [Column("cause", ctx.ui("cause")), Column("lead", ctx.ui("escalate_to")),
                    Column("decision", ctx.ui("decision")), Column("lead_why", ctx.ui("escalate_why"), fold=True),
                    Column("evidence", ctx.ui("evidence"), fold=True),
                    Column("line_gap", ctx.ui("line_gap_nails"), fold=True),
                    Column("actions", ctx.ui("actions"), fold=True)]
    columns.append(Column("reasons", ctx.ui("why_nail"), fold=True))
    rows = []
    for r in listed.iter_rows(named=True):
        row = {
            "customer": Cell(ctx.customer_cell(r).text, sub=ctx.customer_cell(r).sub, badges=ctx.tag_badge("nail")),
            "rep": ctx.rep_cell(r["rep_id"]),
            "potential": Cell(ctx.money(r.get("potential_annual_value")),
                              sort=r.get("potential_annual_value"), num=True),
            "sales": Cell(ctx.money(r["sales_trailing_4q"]), sort=r["sales_trailing_4q"], num=True),
            "sow": Cell(format_percent(r.get("share_of_wallet")), sort=r.get("share_of_wallet"), num=True),
            "upside": Cell(ctx.money(r["upside"]), sort=r["upside"], num=True),
            "reasons": Cell(items=ctx.reasons(r)),
        }
        if prescribed:
            decision, evidence = r.get("nail_decision"), r.get(f"nail_evidence_{ctx.lang}")
            row["cause"] = Cell(ctx.name("nail_cause", r.get("nail_cause")))
            row["evidence"] = Cell(items=(evidence,) if evidence else ())
            row["lead"], row["lead_why"] = ctx.rep_cell(r.get("escalate_to")), _lead_why(ctx, r)
            row["decision"] = Cell(ctx.name("nail_decision", decision), cls=f"decision-{decision}" if decision else "")
            row["line_gap"] = _line_gap_cell(ctx, r)
            row["actions"] = Cell(items=ctx.actions(r))
        rows.append(row)
    return Table("tbl-nails", columns, rows, shown_of=shown_of,
                 caption=ctx.ui("upside_is", what=ctx.ui(upside_key)) if upside_key != "upside" else "")


SENIOR = ("escalate_level", "nail_decision", "nail_senior_visits")


def senior_visit_counts(nails: pl.DataFrame) -> pl.DataFrame:
    """One row per group of nails — invest, by the rung that leads it (every rung, in ladder order), then
    reduce and drop — with ``nails``, ``with_senior`` (nails with a senior visit in the ladder window)
    and ``senior_visits``."""
    group = pl.when(pl.col("nail_decision") == "invest").then(pl.lit("invest:") + pl.col("escalate_level")) \
        .otherwise(pl.col("nail_decision"))
    counted = nails.filter(pl.col("nail_decision").is_not_null()).group_by(group.alias("group")).agg(
        nails=pl.len(), with_senior=(pl.col("nail_senior_visits") > 0).sum(),
        senior_visits=pl.col("nail_senior_visits").sum())
    groups = pl.DataFrame({"group": [f"invest:{rung}" for rung in LADDER] + ["reduce", "drop"]})
    return groups.join(counted, on="group", how="left", maintain_order="left").with_columns(
        pl.col("nails", "with_senior", "senior_visits").fill_null(0).cast(pl.Int64))


def _senior_visits(ctx: Context, nails: pl.DataFrame) -> list:
    """Where the senior visits of the ladder window went: the invest nails by who leads them, and the
    nails to reduce or drop (senior time wasted there). Nothing without the columns or a visits table."""
    if not all(ctx.has(c) for c in SENIOR) or nails["nail_senior_visits"].is_null().all():
        return []
    ladder = _ladder(ctx)
    senior = ctx.name("role", ladder.get("senior_from") or "supervisor")
    counts = senior_visit_counts(nails)
    # senior_visits is Int64: int() only tells the type checker
    wasted = int(counts.filter(pl.col("group").is_in(["reduce", "drop"]))["senior_visits"].sum())
    columns = [Column("group", ctx.ui("senior_group"), wide=True), Column("nails", ctx.ui("senior_nails"), num=True),
               Column("with_senior", ctx.ui("senior_with", senior=senior), num=True),
               Column("senior_visits", ctx.ui("senior_visits", senior=senior), num=True)]
    rows = []
    for r in counts.iter_rows(named=True):
        group = r["group"]
        label = (ctx.ui("senior_invest_led", lead=ctx.name("role", group.removeprefix("invest:")))
                 if group.startswith("invest:") else ctx.name("nail_decision", group))
        figures = {k: Cell.count(r[k]) for k in ("nails", "with_senior", "senior_visits")}
        rows.append({"group": Cell(label), **figures})
    lead = ctx.ui("senior_lead", quarters=ladder.get("window_quarters", "–"), senior=senior,
                  visits=format_count(int(counts["senior_visits"].sum())), wasted=format_count(wasted))
    return [Heading(ctx.ui("senior_heading")), Note(lead),
            Table("tbl-senior-visits", columns, rows, filterable=False, compact=True)]


def _line_gap_cell(ctx: Context, row: dict) -> Cell:
    """A nail by line gap: how many of our lines it buys and the benchmark to take it to, which names the
    lines it does not buy (folded under its row: nearly every nail of the sample has a line gap, so a second
    table would repeat the nails table); the missing lines themselves where no benchmark buys them."""
    missing = row.get("nail_missing_lines")
    if not missing or not (row.get("flags") and "line_gap" in row["flags"]):
        return Cell()
    bought, available = row.get("lines_bought"), row.get("lines_available")
    sep, colon = ("、", "：") if ctx.lang == "zh" else (", ", ": ")
    head = f"{ctx.ui('lines_bought')} {ctx.ui('of_lines', n=bought, of=available)}" if bought is not None else ""
    visit = row.get(f"line_gap_visit_{ctx.lang}")
    text = visit or f"{ctx.ui('missing_lines')}{colon}{sep.join(missing)} · {ctx.ui('no_reference')}"
    return Cell(items=(f"{head}{colon}{text}" if head else text,))


def build(ctx: Context) -> Section:
    ranked = rank_nails(ctx.mine)
    blocks: list = [Note(ctx.ui("nails_lead"), tone="lead")]
    strategy = ctx.strategy("nail")
    blocks += [strategy] if strategy else []
    if not ranked.height:
        return Section(ID, ctx.ui("sec_nails"), [*blocks, ctx.none_in_region("nail_customers")])
    prescribed = all(ctx.has(c) for c in PRESCRIBED)
    if not prescribed:
        blocks.append(ctx.not_computed("what_nail"))
    _, upside_key = upside_expr(ctx.mine)
    blocks += [_chart(ctx, ranked, upside_key), _table(ctx, ranked, prescribed, upside_key)]
    blocks += _senior_visits(ctx, ranked)
    return Section(ID, ctx.ui("sec_nails"), blocks)
