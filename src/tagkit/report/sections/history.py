"""How the region moved: last quarter's tag against this quarter's, and the quality index over quarters.

The transitions come from the contract's ``previous_tag`` column (the tag in the previous
quarter's run); the quality index from the prescription's ``quality_index.parquet``.
"""
from __future__ import annotations

import polars as pl

from tagkit.charts import crosstab_chart, flows_chart, quality_parts_chart, quality_trend_chart
from tagkit.contract import TAG_ORDER
from tagkit.report import prescribed
from tagkit.report.blocks import Cell, Chart, Column, Heading, Note, Section, Table
from tagkit.report.context import Context
from tagkit.report.formats import format_percent

ID = "transitions"
NONE = "_none"
PARTS = ("benchmark", "healthy_regular", "nail", "at_risk", "speculator", "dormant")
# the prescription's movements (regions.py), read as good or bad news
MOVEMENT_DIRECTION = {"nail_pulled": "up", "at_risk_saved": "up", "benchmark_new": "up", "at_risk_lost": "down",
                      "benchmark_lost": "down", "at_risk_new": "down", "nail_new": "other", "nail_released": "other"}
MOVEMENT_URGENCY = {"benchmark_lost": 0, "at_risk_lost": 1, "at_risk_new": 2, "nail_pulled": 3, "at_risk_saved": 3,
                    "benchmark_new": 3}
# which moves a manager reads as good or bad news
_UP = {("at_risk", "regular"), ("at_risk", "benchmark"), ("regular", "benchmark"), ("nail", "regular"),
       ("nail", "benchmark")}
_DOWN = {("benchmark", "at_risk"), ("benchmark", "regular"), ("regular", "at_risk"), ("nail", "at_risk")}
# the order a changed customer is listed in: lost benchmarks first, then new at-risk, then the rest
_URGENCY = {("benchmark", "at_risk"): 0, ("benchmark", "regular"): 1, ("regular", "at_risk"): 2,
            ("nail", "at_risk"): 2}


def transition_counts(scores: pl.DataFrame) -> pl.DataFrame:
    """Customers per (previous_tag, tag), every pair present; a customer without a previous tag is ``_none``."""
    froms = [*TAG_ORDER, NONE]
    grid = pl.DataFrame({"from": froms}).join(pl.DataFrame({"to": TAG_ORDER}), how="cross")
    counts = (scores.group_by(pl.col("previous_tag").fill_null(NONE).alias("from"), pl.col("tag").alias("to"))
              .agg(customers=pl.len().cast(pl.Int64)))
    return (grid.join(counts, on=["from", "to"], how="left", maintain_order="left")
            .with_columns(pl.col("customers").fill_null(0)))


def _direction(src: str, dst: str) -> str:
    return "up" if (src, dst) in _UP else "down" if (src, dst) in _DOWN else "other"


def _matrix_chart(ctx: Context, counts: pl.DataFrame) -> Chart:
    shown = counts.filter((pl.col("from") != NONE) | (pl.col("customers") > 0))
    total = shown.group_by("from").agg(n=pl.col("customers").sum())
    shown = shown.join(total, on="from", how="left", maintain_order="left")
    cells = shown.select(
        row_label=pl.col("from").replace_strict({**ctx.tag_labels(), NONE: ctx.ui("no_previous")}),
        col_label=pl.col("to").replace_strict(ctx.tag_labels()),
        customers="customers", highlight=(pl.col("from") != pl.col("to")) & (pl.col("customers") > 0),
    ).with_columns(share_label=pl.Series([format_percent(c / n if n else None)
                                          for c, n in zip(shown["customers"], shown["n"], strict=True)],
                                         dtype=pl.String))
    rows = [ctx.tag(t) for t in TAG_ORDER] + ([ctx.ui("no_previous")] if (shown["from"] == NONE).any() else [])
    text = {"title": ctx.ui("chart_transitions"), "rows": ctx.ui("previous_tag"), "columns": ctx.ui("tag"),
            "customers": ctx.ui("customers"), "share": ctx.ui("share_of_class")}
    return Chart.of("transitions", crosstab_chart(cells, text=text, rows=rows, columns=[ctx.tag(t) for t in TAG_ORDER]))


def _movement_flows(ctx: Context) -> Chart | None:
    moves = (ctx.mine.filter(pl.col("movement").is_not_null()).group_by("movement").agg(customers=pl.len())
             .sort(["customers", "movement"], descending=[True, False]))
    if not moves.height:
        return None
    flows = pl.DataFrame({
        "move_label": [ctx.name("movement", m) for m in moves["movement"]],
        "customers": moves["customers"],
        "direction": [MOVEMENT_DIRECTION.get(m, "other") for m in moves["movement"]],
    })
    text = {"title": ctx.ui("chart_movements"), "move": ctx.ui("move"), "customers": ctx.ui("customers")}
    return Chart.of("tag-flows", flows_chart(flows, text=text))


def _flows(ctx: Context, counts: pl.DataFrame) -> Chart | None:
    if ctx.has("movement"):
        return _movement_flows(ctx)
    moves = counts.filter((pl.col("from") != pl.col("to")) & (pl.col("from") != NONE) & (pl.col("customers") > 0))
    if not moves.height:
        return None
    flows = pl.DataFrame({
        "move_label": [f"{ctx.tag(a)} → {ctx.tag(b)}" for a, b in zip(moves["from"], moves["to"], strict=True)],
        "customers": moves["customers"],
        "direction": [_direction(a, b) for a, b in zip(moves["from"], moves["to"], strict=True)],
    })
    text = {"title": ctx.ui("chart_flows"), "move": ctx.ui("move"), "customers": ctx.ui("customers")}
    return Chart.of("tag-flows", flows_chart(flows, text=text))


def _changed(ctx: Context) -> Table | Note:
    changed = pl.col("previous_tag").is_not_null() & (pl.col("previous_tag") != pl.col("tag"))
    if ctx.has("movement"):
        changed = changed | pl.col("movement").is_not_null()
    moved = ctx.mine.filter(changed)
    if not moved.height:
        return Note(ctx.ui("no_changes"))
    movements = moved["movement"].to_list() if ctx.has("movement") else [None] * moved.height
    # the more urgent of the movement's and the tags': a benchmark now at risk is "newly at risk", still listed first
    urgency = [min(MOVEMENT_URGENCY.get(m, 3) if m else 3, _URGENCY.get((a, b), 3))
               for a, b, m in zip(moved["previous_tag"], moved["tag"], movements, strict=True)]
    ranked = moved.with_columns(_u=pl.Series(urgency)).sort(["_u", "sales_trailing_4q", "customer_id"],
                                                             descending=[False, True, False], nulls_last=True)
    listed, shown_of = ctx.cap(ranked)
    columns = [Column("customer", ctx.ui("customer")), Column("rep", ctx.ui("rep")), Column("move", ctx.ui("move")),
               Column("sales", ctx.ui("sales_trailing_4q"), num=True), Column("reasons", ctx.ui("reasons"), fold=True)]
    rows = [{"customer": ctx.customer_cell(r), "rep": ctx.rep_cell(r["rep_id"]),
             "move": _move_cell(ctx, r),
             "sales": Cell(ctx.money(r["sales_trailing_4q"]), sort=r["sales_trailing_4q"], num=True),
             "reasons": Cell(items=ctx.reasons(r))}
            for r in listed.iter_rows(named=True)]
    return Table("tbl-transitions", columns, rows, caption=ctx.ui("changed_customers"), shown_of=shown_of)


def _move_cell(ctx: Context, row: dict) -> Cell:
    movement = row.get("movement")
    direction = MOVEMENT_DIRECTION.get(movement) if movement else _direction(row["previous_tag"], row["tag"])
    return Cell(f"{ctx.tag(row['previous_tag'])} → {ctx.tag(row['tag'])}", cls=f"move-{direction} nowrap",
                sub=ctx.name("movement", movement) if movement else "")


def _quality(ctx: Context) -> list:
    frame = prescribed.for_region(ctx.data.table("quality_index"), ctx.region)
    series = prescribed.quality_series(frame, ctx.region)
    if frame is None or series is None or not series.height:  # series is None whenever frame is
        return [ctx.not_computed("what_quality")]
    trend = series.with_columns(
        value_label=pl.Series([format_percent(v) for v in series["value"]], dtype=pl.String),
        current=pl.col("quarter") == ctx.quarter)
    text = {"title": ctx.ui("chart_quality"), "quarter": ctx.ui("quarter"), "value": ctx.ui("quality_index"),
            "share": ctx.ui("sales_share"), "part": ctx.ui("part")}
    blocks: list = [Note(ctx.ui("quality_lead"))]
    shares = [p for p in PARTS if f"share_{p}" in frame.columns]
    if shares:
        parts = (frame.select(pl.col("quarter").cast(pl.String), *(f"share_{p}" for p in shares))
                 .unpivot(index="quarter", variable_name="part", value_name="share")
                 .with_columns(pl.col("part").str.strip_prefix("share_")).drop_nulls("share")
                 .filter(pl.col("share") > 0).sort("quarter", "part"))
        parts = parts.with_columns(
            part_label=pl.Series([ctx.name("quality_part", p) for p in parts["part"]], dtype=pl.String),
            share_label=pl.Series([format_percent(v, 1) for v in parts["share"]], dtype=pl.String))
        chart = quality_parts_chart(parts, trend, text=text,
                                    part_labels={p: ctx.name("quality_part", p) for p in shares})
    else:
        chart = quality_trend_chart(trend, text=text)
    blocks.append(Chart.of("quality-index", chart))
    if "quarters_of_history" in frame.columns:
        thin = frame.filter(pl.col("quarters_of_history") < 4)["quarter"].to_list()
        if thin:
            blocks.append(Note(ctx.ui("quality_thin", quarters=", ".join(sorted(thin))), tone="warn"))
    return blocks


def _previous_source(ctx: Context) -> list[Note]:
    """Where last quarter's tags come from: the run published then, or re-scored now (which may differ)."""
    source = ctx.data.previous_tags
    if not source:
        return []
    if source.get("source") == "published":
        return [Note(ctx.ui("previous_published", quarter=source["quarter"], customers=f"{source['customers']:,}"))]
    return [Note(ctx.ui("previous_rescored", quarter=source["quarter"]), tone="warn")]


def build(ctx: Context) -> Section:
    counts = transition_counts(ctx.mine)
    blocks: list = [Note(ctx.ui("transitions_lead"), tone="lead"), *_previous_source(ctx), _matrix_chart(ctx, counts)]
    flows = _flows(ctx, counts)
    blocks += [flows] if flows else []
    blocks += [_changed(ctx), Heading(ctx.ui("quality_index")), *_quality(ctx)]
    return Section(ID, ctx.ui("sec_transitions"), blocks)
