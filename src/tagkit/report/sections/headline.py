"""At a glance: the region alert (when there is one), customers and sales share by tag, the change since
last quarter, the quality index."""
from __future__ import annotations

import polars as pl

from tagkit.charts import tag_mix_chart
from tagkit.contract import TAG_ORDER
from tagkit.report import prescribed
from tagkit.report.blocks import Card, Cards, Chart, Note, Section
from tagkit.report.context import Context
from tagkit.report.formats import format_change, format_count, format_delta, format_percent, format_points, trend_class
from tagkit.report.sections.alert import alert_blocks

ID = "headline"
# which way a tag's count moving is good news
BETTER = {"at_risk": "down", "benchmark": "up", "nail": "neither", "regular": "neither"}


def summarise_by_tag(scores: pl.DataFrame) -> pl.DataFrame:
    """Customers and sales per tag, every tag present (zero rows where no customer has it)."""
    counts = scores.group_by("tag").agg(
        customers=pl.len().cast(pl.Int64),
        sales_quarter=pl.col("sales_quarter").sum(),
        sales_trailing_4q=pl.col("sales_trailing_4q").sum(),
    )
    all_tags = pl.DataFrame({"tag": TAG_ORDER, "order": list(range(len(TAG_ORDER)))})
    return (
        all_tags.join(counts, on="tag", how="left")
        .with_columns(pl.col("customers", "sales_quarter", "sales_trailing_4q").fill_null(0))
        .sort("order")
        .drop("order")
    )


def headline_by_tag(scores: pl.DataFrame) -> pl.DataFrame:
    """Per tag: customers and sales share now, and the same under last quarter's tags.

    Last quarter is read from the same rows: ``previous_tag`` and ``sales_previous_quarter``
    (customers without a previous tag are left out of it). Shares are of the region's sales;
    ``*_previous`` columns are null when the scores carry no previous quarter.
    """
    now = summarise_by_tag(scores).select("tag", "customers", "sales_quarter")
    has_previous = "sales_previous_quarter" in scores.columns and scores["previous_tag"].is_not_null().any()
    if has_previous:
        before = (scores.filter(pl.col("previous_tag").is_not_null())
                  .group_by(pl.col("previous_tag").alias("tag"))
                  .agg(customers_previous=pl.len().cast(pl.Int64),
                       sales_previous=pl.col("sales_previous_quarter").sum()))
        now = now.join(before, on="tag", how="left", maintain_order="left").with_columns(
            pl.col("customers_previous", "sales_previous").fill_null(0))
    else:
        now = now.with_columns(customers_previous=pl.lit(None, dtype=pl.Int64),
                               sales_previous=pl.lit(None, dtype=pl.Float64))

    def share(col: str) -> pl.Expr:
        total = pl.col(col).sum()
        return pl.when(total > 0).then(pl.col(col) / total).otherwise(None)

    return now.with_columns(sales_share=share("sales_quarter"), sales_share_previous=share("sales_previous"))


def _mix_frame(ctx: Context, by_tag: pl.DataFrame) -> pl.DataFrame:
    rows = []
    for r in by_tag.iter_rows(named=True):
        for period, share, customers, sales in (("this", r["sales_share"], r["customers"], r["sales_quarter"]),
                                                ("last", r["sales_share_previous"], r["customers_previous"],
                                                 r["sales_previous"])):
            if share is None:
                continue
            rows.append({"tag": r["tag"], "tag_label": ctx.tag(r["tag"]), "period": period,
                         "period_label": ctx.ui("this_quarter" if period == "this" else "last_quarter"),
                         "share": share, "share_label": format_percent(share, 1), "customers": customers,
                         "sales_label": ctx.money(sales)})
    return pl.DataFrame(rows)


def _tag_cards(ctx: Context, by_tag: pl.DataFrame) -> list[Card]:
    cards = []
    for r in by_tag.iter_rows(named=True):
        delta = None if r["customers_previous"] is None else r["customers"] - r["customers_previous"]
        points = (None if r["sales_share_previous"] is None or r["sales_share"] is None
                  else r["sales_share"] - r["sales_share_previous"])
        sub = f"{ctx.ui('sales_share')} {format_percent(r['sales_share'], 1)}"
        if points is not None:
            sub += f"（{format_points(points, ctx.lang)}）" if ctx.lang == "zh" else f" ({format_points(points, 'en')})"
        cards.append(Card(label=ctx.tag(r["tag"]), value=format_count(r["customers"]), sub=sub, tag=r["tag"],
                          delta="" if delta is None else ctx.ui("delta_vs_last", delta=format_delta(delta)),
                          delta_class=trend_class(delta, better=BETTER[r["tag"]])))
    return cards


def _region_cards(ctx: Context) -> tuple[list[Card], list[Note]]:
    mine, notes = ctx.mine, []
    sales = float(mine["sales_quarter"].sum())  # Float64 columns: float() only tells the type checker
    before = float(mine["sales_previous_quarter"].sum()) if ctx.has("sales_previous_quarter") else None
    change = (sales - before) / before if before else None
    cards = [
        Card(label=ctx.ui("customers"), value=format_count(mine.height)),
        Card(label=ctx.ui("sales_quarter"), value=ctx.money(sales),
             delta="" if change is None else ctx.ui("delta_vs_last", delta=format_change(change)),
             delta_class=trend_class(change)),
    ]
    series = prescribed.quality_series(ctx.data.table("quality_index"), ctx.region)
    if series is not None and series.height:
        current = series.filter(pl.col("quarter") <= ctx.quarter).tail(2)["value"].to_list() or [None]
        delta = current[-1] - current[0] if len(current) == 2 and None not in current else None
        # the index is the share of sales from benchmarks and healthy regulars (0..1)
        cards.append(Card(label=ctx.ui("quality_index"), value=format_percent(current[-1]),
                          delta="" if delta is None else ctx.ui("delta_vs_last", delta=format_points(delta, ctx.lang)),
                          delta_class=trend_class(delta)))
    else:
        notes.append(ctx.not_computed("what_quality"))
    region = prescribed.region_row(ctx.data.table("regions"), ctx.region, ctx.quarter) or {}
    stage = region.get("stage") or region.get("development_stage")
    if stage:
        cards.append(Card(label=ctx.ui("development_stage"), value=ctx.name("development_stage", stage)))
        focus = region.get(f"focus_{ctx.lang}")
        notes += [Note(focus)] if focus else []
    else:
        notes.append(ctx.not_computed("what_stage"))
    if region and region.get("speculators") is not None:
        # volume from quarter-end speculators is not market quality (DOMAIN.md)
        share = region.get("speculator_sales_share")
        cards.append(Card(label=ctx.ui("speculators"), value=format_count(region["speculators"]),
                          sub=ctx.ui("speculator_share", share=format_percent(share, 1)) if share is not None else ""))
    return cards, notes


def build(ctx: Context) -> Section:
    by_tag = headline_by_tag(ctx.mine)
    counts = dict(zip(by_tag["tag"], by_tag["customers"], strict=True))
    bar = ctx.mine.filter(pl.col("flags").list.contains("benchmark_at_risk")).height if ctx.has("flags") else 0
    region_cards, notes = _region_cards(ctx)
    missing = [n for n in notes if n.tone == "missing"]
    blocks: list = [
        *alert_blocks(ctx),  # a region-wide fall comes before anything else on the page
        Note(ctx.ui("headline_lead", customers=ctx.mine.height, bar=bar, **counts), tone="lead"),
        Cards(region_cards),
        *(n for n in notes if n.tone != "missing"),
        Cards(_tag_cards(ctx, by_tag)),
    ]
    mix = _mix_frame(ctx, by_tag)
    if mix.height:
        text = {"title": ctx.ui("chart_mix"), "share": ctx.ui("sales_share"), "tag": ctx.ui("tag"),
                "period": ctx.ui("period"), "customers": ctx.ui("customers"), "sales": ctx.ui("sales_quarter")}
        blocks.append(Chart.of("tag-mix", tag_mix_chart(mix, text=text, tag_labels=ctx.tag_labels())))
    return Section(ID, ctx.ui("sec_headline"), [*blocks, *missing])
