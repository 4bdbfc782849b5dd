"""At-risk customers, most urgent first: benchmark-quality ones at the very top, then by risk and value."""
from __future__ import annotations

import polars as pl

from tagkit.charts import risk_value_chart
from tagkit.report.blocks import Cell, Chart, Column, Note, Section, Table
from tagkit.report.context import Context
from tagkit.report.formats import format_change, format_money, format_score

ID = "at-risk"


def _flagged(flag: str) -> pl.Expr:
    return pl.col("flags").list.contains(flag).fill_null(False) if flag else pl.lit(False)


def rank_at_risk(scores: pl.DataFrame) -> pl.DataFrame:
    """The region's at-risk customers in the order a manager should call them, ``benchmark`` marking the top group."""
    bench = _flagged("benchmark_at_risk") if "flags" in scores.columns else pl.lit(False)
    return (
        scores.filter(pl.col("tag") == "at_risk")
        .with_columns(benchmark=bench)
        .sort(["benchmark", "score_risk", "sales_trailing_4q", "customer_id"], descending=[True, True, True, False],
              nulls_last=True)
    )


def _chart(ctx: Context, ranked: pl.DataFrame) -> Chart:
    points = ranked.head(ctx.params.max_customers_listed).select(
        "customer_name", pl.col("city").fill_null("") if ctx.has("city") else pl.lit("").alias("city"),
        value=pl.col("sales_trailing_4q").fill_null(0).clip(lower_bound=0),
        score_risk=pl.col("score_risk"), benchmark="benchmark",
    ).drop_nulls("score_risk")
    points = points.with_columns(
        value_label=pl.Series([format_money(v, ctx.lang) for v in points["value"]], dtype=pl.String),
        group_label=pl.when("benchmark").then(pl.lit(ctx.ui("benchmark_group")))
        .otherwise(pl.lit(ctx.ui("other_risk_group"))),
    )
    text = {"title": ctx.ui("chart_risk"), "value": ctx.ui("sales_trailing_4q"), "risk": ctx.ui("score_risk"),
            "customer": ctx.ui("customer"), "city": ctx.ui("city"), "benchmark_group": ctx.ui("benchmark_group")}
    return Chart.of("risk-value", risk_value_chart(points, text=text, language=ctx.lang))


def _defence_cell(ctx: Context, row: dict) -> Cell:
    defences = tuple((ctx.name("defences", d), f"defence-{d}") for d in row.get("defences") or [])
    per_month = row.get("visit_frequency")
    sub = ctx.ui("visits_per_month", n=f"{per_month:g}") if per_month else ""
    return Cell(sub=sub, badges=defences, items=ctx.actions(row))


def _table(ctx: Context, ranked: pl.DataFrame, prescribed: bool) -> Table:
    listed, shown_of = ctx.cap(ranked)
    columns = [Column("rank", ctx.ui("rank"), num=True), Column("customer", ctx.ui("customer")),
               Column("rep", ctx.ui("rep")), Column("risk", ctx.ui("score_risk"), num=True),
               Column("sales", ctx.ui("sales_trailing_4q"), num=True), Column("yoy", ctx.ui("yoy"), num=True),
               Column("reasons", ctx.ui("reasons"), wide=True)]
    if prescribed:
        columns.append(Column("defences", ctx.ui("defences"), wide=True))
    rows = []
    for i, r in enumerate(listed.iter_rows(named=True), start=1):
        row = {
            "rank": Cell(str(i), sort=i, num=True),
            "customer": Cell(ctx.customer_cell(r).text, sub=ctx.customer_cell(r).sub,
                             badges=ctx.flag_badges(r, skip=("new_customer",))),
            "rep": ctx.rep_cell(r["rep_id"]),
            "risk": Cell(format_score(r["score_risk"]), sort=r["score_risk"], num=True, cls="risk"),
            "sales": Cell(format_money(r["sales_trailing_4q"], ctx.lang), sort=r["sales_trailing_4q"], num=True),
            "yoy": Cell(format_change(r.get("yoy_change")), sort=r.get("yoy_change"), num=True),
            "reasons": Cell(items=ctx.reasons(r)),
        }
        if prescribed:
            row["defences"] = _defence_cell(ctx, r)
        rows.append(row)
    classes = ["top-priority" if b else "" for b in listed["benchmark"]]
    return Table("tbl-at-risk", columns, rows, shown_of=shown_of, row_classes=classes)


def build(ctx: Context) -> Section:
    ranked = rank_at_risk(ctx.mine)
    dormant = ctx.mine.filter(_flagged("dormant")).height if ctx.has("flags") else 0
    blocks: list = [Note(ctx.ui("at_risk_lead", dormant=ctx.ui("dormant_note", n=dormant) if dormant else ""),
                         tone="lead")]
    strategy = ctx.strategy("at_risk")
    blocks += [strategy] if strategy else []
    if not ranked.height:
        return Section(ID, ctx.ui("sec_at_risk"), [*blocks, ctx.none_in_region("at_risk_customers")])
    prescribed = ctx.has("defences")
    if not prescribed:
        blocks.append(ctx.not_computed("what_defences"))
    blocks += [_chart(ctx, ranked), _table(ctx, ranked, prescribed)]
    return Section(ID, ctx.ui("sec_at_risk"), blocks)
