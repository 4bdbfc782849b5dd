"""Benchmarks: level, the before-and-after showcase, radiation neighbours; candidates and what they still lack.

The showcase is the prescription's (``showcase_sales_before`` / ``_now``: sales per quarter before
the customer became a benchmark against the last 4 quarters). Only a real before that grew is
charted (``showcase_basis`` ``before_benchmark``); the table says for every other benchmark why it
has no showcase, and how many are slipping (defended, never showcased). For scores without it,
the last 4 quarters against the four before (``sales_prior_4q``), said so in the headings.
"""
from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from tagkit.charts import showcase_chart
from tagkit.report import prescribed
from tagkit.report.blocks import Cell, Chart, Column, Heading, Note, Section, Table
from tagkit.report.context import Context
from tagkit.report.formats import DASH, format_change, format_count, format_score

ID = "benchmarks"
LEVELS = ["national", "provincial", "city", "local", "neighbourhood"]
CRITERIA = ("influence", "satisfaction", "cooperation")


@dataclass(frozen=True)
class Showcase:
    """Which columns hold "before" and "after", and how the page names them."""

    before: str
    after: str
    title: str
    before_label: str
    after_label: str


def showcase_columns(ctx: Context) -> Showcase | None:
    if ctx.has("showcase_sales_before") and ctx.has("showcase_sales_now"):
        return Showcase("showcase_sales_before", "showcase_sales_now", ctx.ui("chart_showcase_rx"),
                        ctx.ui("before_rx"), ctx.ui("after_rx"))
    if ctx.has("sales_prior_4q"):
        return Showcase("sales_prior_4q", "sales_trailing_4q", ctx.ui("chart_showcase"), ctx.ui("before"),
                        ctx.ui("after"))
    return None


def _level_rank() -> pl.Expr:
    return pl.col("benchmark_level").replace_strict({lv: i for i, lv in enumerate(LEVELS)}, default=len(LEVELS),
                                                    return_dtype=pl.Int64)


def rank_benchmarks(scores: pl.DataFrame) -> pl.DataFrame:
    """The region's benchmarks: highest level first (when levels exist), then by sales."""
    mine = scores.filter(pl.col("tag") == "benchmark")
    level = _level_rank() if "benchmark_level" in scores.columns else pl.lit(0)
    return mine.with_columns(_lv=level).sort(["_lv", "sales_trailing_4q", "customer_id"],
                                             descending=[False, True, False], nulls_last=True).drop("_lv")


def _change(before: float | None, after: float | None) -> float | None:
    return (after - before) / before if before and after is not None and before > 0 else None


def _showable(ranked: pl.DataFrame, show: Showcase) -> pl.DataFrame:
    """The benchmarks whose before/after may be shown: with the prescription's verdict, only those it allows."""
    if show.before.startswith("showcase") and "showcase_basis" in ranked.columns:
        return ranked.filter(pl.col("showcase_basis") == "before_benchmark")
    return ranked


def _chart(ctx: Context, ranked: pl.DataFrame, show: Showcase) -> Chart | None:
    top = (_showable(ranked, show).filter(pl.col(show.before).is_not_null()).head(ctx.params.max_chart_customers)
           .with_row_index("rank").select("customer_name", "rank", before=pl.col(show.before),
                                          after=pl.col(show.after).fill_null(0)))
    if not top.height:
        return None
    top = top.with_columns(
        before_label=pl.Series([ctx.money(v) for v in top["before"]], dtype=pl.String),
        after_label=pl.Series([ctx.money(v) for v in top["after"]], dtype=pl.String),
        change_label=pl.Series([format_change(_change(b, a)) for b, a in zip(top["before"], top["after"], strict=True)],
                               dtype=pl.String),
    )
    text = {"currency": ctx.currency, "title": show.title, "sales": ctx.ui("sales"), "before": show.before_label,
            "after": show.after_label, "customer": ctx.ui("customer"), "change": ctx.ui("change")}
    return Chart.of("showcase", showcase_chart(top, text=text, language=ctx.lang))


def _neighbour_cells(ctx: Context, row: dict, neighbours: dict[str, list[str]] | None) -> tuple[Cell, Cell]:
    """The count of neighbours and how their sales moved; and the nearest three by name (folded under the row)."""
    near = (neighbours or {}).get(row["customer_id"], [])
    count = row.get("radiation_neighbours", len(near))
    change = row.get("radiation_neighbour_sales_change")
    sub = ctx.ui("neighbour_change", change=format_change(change)) if change is not None else ""
    return Cell(format_count(count), sort=count, sub=sub, num=True), Cell(", ".join(near[:3]))


def _table(ctx: Context, ranked: pl.DataFrame, show: Showcase | None,
           neighbours: dict[str, list[str]] | None) -> Table:
    listed, shown_of = ctx.cap(ranked)
    radiating = neighbours is not None or ctx.has("radiation_neighbours")
    columns = [Column("customer", ctx.ui("customer")), Column("rep", ctx.ui("rep"))]
    columns += [Column("level", ctx.ui("level"))] if ctx.has("benchmark_level") else []
    columns += [Column(k, ctx.ui(k), num=True) for k in CRITERIA]
    if show:
        columns += [Column("before", show.before_label, num=True), Column("after", show.after_label, num=True),
                    Column("change", ctx.ui("change"), num=True)]
    columns += [Column("neighbours", ctx.ui("neighbours"), num=True),
                Column("near", ctx.ui("neighbours_named"), fold=True)] if radiating else []
    columns += [Column("reasons", ctx.ui("reasons_actions"), fold=True)]
    rows = []
    for r in listed.iter_rows(named=True):
        row = {
            "customer": Cell(str(r["customer_name"]), sub=ctx.customer_cell(r).sub,
                             badges=ctx.tag_badge("benchmark") + ctx.flag_badges(r, skip=("new_customer",))),
            "rep": ctx.rep_cell(r["rep_id"]),
            "level": Cell(ctx.level(r),
                          sort=LEVELS.index(r["benchmark_level"]) if r.get("benchmark_level") in LEVELS else 99),
            **{k: Cell(format_score(r.get(f"score_{k}")), sort=r.get(f"score_{k}"), num=True) for k in CRITERIA},
            "reasons": Cell(items=ctx.reasons(r) + ctx.actions(r)),
        }
        if show:
            before, after = r.get(show.before), r.get(show.after)
            change = r.get("showcase_sales_change", _change(before, after)) if show.before.startswith("showcase") \
                else _change(before, after)
            period = " – ".join(x for x in (r.get("showcase_from"), r.get("showcase_to")) if x)
            row["before"] = Cell(ctx.money(before), sort=before, num=True, sub=period)
            row["after"] = Cell(ctx.money(after), sort=after, num=True)
            basis = r.get("showcase_basis")
            why = ctx.name("showcase_basis", basis) if basis and basis != "before_benchmark" else ""
            row["change"] = Cell(format_change(change), sort=change, num=True, sub=why)
        if radiating:
            row["neighbours"], row["near"] = _neighbour_cells(ctx, r, neighbours)
        rows.append(row)
    return Table("tbl-benchmarks", columns, rows, shown_of=shown_of)


def _showcase_note(ctx: Context, ranked: pl.DataFrame) -> list:
    """How many benchmarks have an honest before/after, how many are slipping, how many have no before."""
    if "showcase_basis" not in ranked.columns:
        return []
    counts = dict(ranked.group_by("showcase_basis").len().iter_rows())
    return [Note(ctx.ui("showcase_counts", shown=format_count(counts.get("before_benchmark", 0)),
                        slipping=format_count(counts.get("slipping", 0)),
                        no_before=format_count(counts.get("no_before", 0)),
                        no_growth=format_count(counts.get("no_growth", 0))))]


def _missing_items(ctx: Context, row: dict) -> tuple[str, ...]:
    missing = row.get("benchmark_missing")
    names = missing if isinstance(missing, list) else [missing] if missing else []
    gap = row.get("benchmark_missing_gap")
    items = tuple(ctx.ui(m) + (ctx.ui("points_short", gap=f"{gap:.0f}") if gap is not None else "")
                  if m in CRITERIA else m for m in names)
    return items or (DASH,)


def _candidates(ctx: Context) -> list:
    has_flag = ctx.has("flags") and ctx.data.memo(
        "any_benchmark_candidate", lambda: ctx.data.scores["flags"].list.contains("benchmark_candidate").any())
    if not (ctx.has("benchmark_missing") or has_flag):
        return [ctx.not_computed("what_candidates")]
    flagged = ctx.mine.filter(pl.col("flags").list.contains("benchmark_candidate").fill_null(False))
    if not flagged.height:
        return [ctx.none_in_region("benchmark_candidates")]
    ranked = flagged.sort(["score_influence", "customer_id"], descending=[True, False], nulls_last=True)
    listed, shown_of = ctx.cap(ranked)
    columns = [Column("customer", ctx.ui("customer")), Column("rep", ctx.ui("rep")), Column("tag", ctx.ui("tag")),
               Column("level", ctx.ui("level")), Column("missing", ctx.ui("missing_criterion")),
               *(Column(k, ctx.ui(k), num=True) for k in CRITERIA),
               Column("actions", ctx.ui("actions"), fold=True)]
    rows = [{
        "customer": ctx.customer_cell(r), "rep": ctx.rep_cell(r["rep_id"]),
        "tag": Cell(ctx.tag(r["tag"]), cls=f"tag-{r['tag']} nowrap"),
        "level": Cell(ctx.level(r)),
        "missing": Cell(items=_missing_items(ctx, r)),
        **{k: Cell(format_score(r.get(f"score_{k}")), sort=r.get(f"score_{k}"), num=True) for k in CRITERIA},
        "actions": Cell(items=ctx.actions(r)),
    } for r in listed.iter_rows(named=True)]
    return [Note(ctx.ui("candidates_lead")), Table("tbl-candidates", columns, rows, shown_of=shown_of)]


def build(ctx: Context) -> Section:
    ranked = rank_benchmarks(ctx.mine)
    blocks: list = [Note(ctx.ui("benchmarks_lead"), tone="lead")]
    strategy = ctx.strategy("benchmark")
    blocks += [strategy] if strategy else []
    if ranked.height:
        pairs = ctx.data.memo("radiation_pairs",
                              lambda: prescribed.radiation_pairs(ctx.data.table("radiation"), ctx.data.scores))
        neighbours = prescribed.radiation_neighbours(pairs, ranked["customer_id"].to_list())
        if not ctx.has("benchmark_level"):
            blocks.append(ctx.not_computed("what_level"))
        elif ctx.has("benchmark_level_status") and (ranked["benchmark_level_status"] == "former").any():
            blocks.append(Note(ctx.ui("level_former_note")))
        if neighbours is None and not ctx.has("radiation_neighbours"):
            blocks.append(ctx.not_computed("what_radiation"))
        show = showcase_columns(ctx)
        chart = _chart(ctx, ranked, show) if show else None
        blocks += [chart] if chart else []
        blocks += _showcase_note(ctx, ranked)
        blocks.append(_table(ctx, ranked, show, neighbours))
    else:
        blocks.append(ctx.none_in_region("benchmark_customers"))
    blocks += [Heading(ctx.ui("candidates")), *_candidates(ctx)]
    return Section(ID, ctx.ui("sec_benchmarks"), blocks)
