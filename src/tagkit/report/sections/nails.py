"""Nail customers: the value behind the stalemate, its cause with evidence, who leads the effort, the decision."""
from __future__ import annotations

import polars as pl

from tagkit.charts import nail_upside_chart
from tagkit.report.blocks import Cell, Chart, Column, Note, Section, Table
from tagkit.report.context import Context
from tagkit.report.formats import format_percent

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
    text = {"currency": ctx.currency, "title": title, "amount": ctx.ui("amount"), "customer": ctx.ui("customer"), "part": ctx.ui("part")}
    return Chart.of("nail-upside", nail_upside_chart(pl.concat(parts), text=text, language=ctx.lang))


def _lead_cell(ctx: Context, row: dict) -> Cell:
    """Who leads the attack, by name; why it is not who the tier asked for, when the chain fell short."""
    cell = ctx.rep_cell(row.get("escalate_to"))
    note = row.get("escalate_note")
    if not note:
        return cell
    return Cell(cell.text, sub=cell.sub, cls=cell.cls, items=(ctx.name("escalate_note", note),))


def _table(ctx: Context, ranked: pl.DataFrame, prescribed: bool, upside_key: str) -> Table:
    listed, shown_of = ctx.cap(ranked)
    columns = [Column("customer", ctx.ui("customer")), Column("rep", ctx.ui("rep")),
               Column("potential", ctx.ui("potential"), num=True), Column("sales", ctx.ui("sales_trailing_4q"), num=True),
               Column("sow", ctx.ui("share_of_wallet"), num=True), Column("upside", ctx.ui("upside"), num=True)]
    if prescribed:
        columns += [Column("cause", ctx.ui("cause")), Column("lead", ctx.ui("escalate_to")),
                    Column("decision", ctx.ui("decision")), Column("evidence", ctx.ui("evidence"), fold=True),
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
            row["lead"] = _lead_cell(ctx, r)
            row["decision"] = Cell(ctx.name("nail_decision", decision), cls=f"decision-{decision}" if decision else "")
            row["actions"] = Cell(items=ctx.actions(r))
        rows.append(row)
    return Table("tbl-nails", columns, rows, shown_of=shown_of,
                 caption=ctx.ui("upside_is", what=ctx.ui(upside_key)) if upside_key != "upside" else "")


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
    return Section(ID, ctx.ui("sec_nails"), blocks)
