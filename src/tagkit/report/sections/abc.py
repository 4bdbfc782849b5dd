"""What ABC hides: the ABC class against the tag, and the customers in the cells where they disagree.

ABC ranks by sales alone. The cells worth a manager's eye are A customers that are not
benchmarks (big buyers without influence, satisfaction or cooperation — or at risk) and C
customers that are benchmarks or nails (the ones ABC would give the least attention).
"""
from __future__ import annotations

import polars as pl

from tagkit.charts import crosstab_chart
from tagkit.contract import TAG_ORDER
from tagkit.report.blocks import Cell, Chart, Column, Note, Section, Table
from tagkit.report.context import Context
from tagkit.report.formats import format_percent, format_score

ID = "abc-vs-tags"
CLASSES = ["A", "B", "C"]

SURPRISING = (
    (pl.col("abc_class") == "A") & (pl.col("tag") != "benchmark")
) | ((pl.col("abc_class") == "C") & pl.col("tag").is_in(["benchmark", "nail"]))


def abc_crosstab(scores: pl.DataFrame) -> pl.DataFrame:
    """Customers per ABC class and tag, every cell present, with ``surprising`` marking disagreement."""
    grid = pl.DataFrame({"abc_class": CLASSES}).join(pl.DataFrame({"tag": TAG_ORDER}), how="cross")
    counts = scores.group_by("abc_class", "tag").agg(customers=pl.len().cast(pl.Int64))
    return (
        grid.join(counts, on=["abc_class", "tag"], how="left", maintain_order="left")
        .with_columns(pl.col("customers").fill_null(0))
        .with_columns(share=pl.col("customers") / pl.col("customers").sum().over("abc_class"),
                      surprising=SURPRISING)
    )


def _chart(ctx: Context, cross: pl.DataFrame) -> Chart:
    cells = cross.select(
        row_label=pl.col("abc_class"),
        col_label=pl.col("tag").replace_strict(ctx.tag_labels()),
        customers="customers",
        highlight=pl.col("surprising") & (pl.col("customers") > 0),
    ).with_columns(share_label=pl.Series([format_percent(v) for v in cross["share"]], dtype=pl.String))
    text = {"title": ctx.ui("chart_abc"), "rows": ctx.ui("abc_class"), "columns": ctx.ui("tag"),
            "customers": ctx.ui("customers"), "share": ctx.ui("share_of_class")}
    return Chart.of("abc-crosstab", crosstab_chart(cells, text=text, rows=CLASSES,
                                                   columns=[ctx.tag(t) for t in TAG_ORDER]))


def _surprise(ctx: Context, abc: str, tag: str) -> str:
    return ctx.ui("surprise_a") if abc == "A" else ctx.ui("surprise_c", tag=ctx.tag(tag))


def _table(ctx: Context) -> Table:
    order = {t: i for i, t in enumerate(TAG_ORDER)}
    ranked = (
        ctx.mine.filter(SURPRISING)
        .with_columns(_o=pl.col("tag").replace_strict(order, return_dtype=pl.Int64))
        .sort(["abc_class", "_o", "sales_trailing_4q", "customer_id"], descending=[False, False, True, False],
              nulls_last=True)
    )
    listed, shown_of = ctx.cap(ranked)
    columns = [Column("customer", ctx.ui("customer")), Column("surprise", ctx.ui("surprise")),
               Column("tag", ctx.ui("tag")), Column("rep", ctx.ui("rep")),
               Column("sales", ctx.ui("sales_trailing_4q"), num=True),
               Column("influence", ctx.ui("influence"), num=True), Column("reasons", ctx.ui("reasons"), fold=True)]
    rows = [
        {
            "customer": ctx.customer_cell(r),
            "surprise": Cell(_surprise(ctx, r["abc_class"], r["tag"])),
            "tag": Cell(ctx.tag(r["tag"]), cls=f"tag-{r['tag']} nowrap"),
            "rep": ctx.rep_cell(r["rep_id"]),
            "sales": Cell(ctx.money(r["sales_trailing_4q"]), sort=r["sales_trailing_4q"], num=True),
            "influence": Cell(format_score(r.get("score_influence")), sort=r.get("score_influence"), num=True),
            "reasons": Cell(items=ctx.reasons(r)),
        }
        for r in listed.iter_rows(named=True)
    ]
    return Table("tbl-abc", columns, rows, caption=ctx.ui("abc_surprises"), shown_of=shown_of)


def build(ctx: Context) -> Section:
    cross = abc_crosstab(ctx.mine)
    # customers is an Int64 column: int() only tells the type checker the sums are ints
    a_not = int(cross.filter((pl.col("abc_class") == "A") & (pl.col("tag") != "benchmark"))["customers"].sum())
    c_tagged = int(cross.filter((pl.col("abc_class") == "C")
                                & pl.col("tag").is_in(["benchmark", "nail"]))["customers"].sum())
    blocks: list = [Note(ctx.ui("abc_lead", a_not=a_not, c_tagged=c_tagged), tone="lead"), _chart(ctx, cross)]
    blocks.append(_table(ctx) if a_not + c_tagged else Note(ctx.ui("none_in_region", what=ctx.ui("abc_surprises"))))
    return Section(ID, ctx.ui("sec_abc"), blocks)
