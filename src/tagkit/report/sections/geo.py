"""The customer map: every customer by tag, each benchmark's reach, and the gaps no benchmark covers.

DOMAIN.md's "concentric circles": new customers are best developed around a benchmark, so
customers far from every benchmark show where a new one is needed. The reach is the
prescription's ``radiation.radius_km``; a customer is a gap when the prescription found no
benchmark within it (``nearest_benchmark_id`` null), or, for scores without that column, when
no benchmark lies within the radius by great-circle distance. Without a radius the map shows
the customers only and says the reach was not computed.
"""
from __future__ import annotations

import math

import polars as pl

from tagkit.charts import customer_map
from tagkit.report.blocks import Cell, Chart, Column, Note, Section, Table
from tagkit.report.context import Context
from tagkit.report.formats import format_count

ID = "map"
EARTH_KM = 6371.0088
PLACES = 12  # cities named on the map, the ones with most customers
CELL_DEGREES = 0.2  # customers beyond max_map_points are merged into cells this size (about 20 km)
DRAW_FIRST = {"benchmark": 0, "at_risk": 2, "nail": 3}  # gaps rank 1, regular customers last
CRITERIA = ("influence", "satisfaction", "cooperation")


def _haversine(lat1: pl.Expr, lon1: pl.Expr, lat2: pl.Expr, lon2: pl.Expr) -> pl.Expr:
    p1, p2 = lat1.radians(), lat2.radians()
    dphi, dlmb = p2 - p1, (lon2 - lon1).radians()
    a = (dphi / 2).sin() ** 2 + p1.cos() * p2.cos() * (dlmb / 2).sin() ** 2
    return 2 * EARTH_KM * a.sqrt().clip(upper_bound=1.0).arcsin()


def nearest_benchmark_km(points: pl.DataFrame) -> pl.Series:
    """Kilometres from each row of ``points`` (``customer_id, lat, lon, tag``) to its nearest other benchmark."""
    bench = points.filter(pl.col("tag") == "benchmark").select(
        pl.col("customer_id").alias("b_id"), pl.col("lat").alias("b_lat"), pl.col("lon").alias("b_lon"))
    if not bench.height:
        return pl.Series("nearest_km", [None] * points.height, dtype=pl.Float64)
    pairs = (points.select("customer_id", "lat", "lon").with_row_index("_i").join(bench, how="cross")
             .filter(pl.col("customer_id") != pl.col("b_id"))
             .with_columns(km=_haversine(pl.col("lat"), pl.col("lon"), pl.col("b_lat"), pl.col("b_lon"))))
    nearest = pairs.group_by("_i").agg(nearest_km=pl.col("km").min())
    return (points.with_row_index("_i").join(nearest, on="_i", how="left", maintain_order="left")["nearest_km"])


def map_points(scores: pl.DataFrame, km: float | None) -> pl.DataFrame:
    """Customers with coordinates; ``gap`` true where no benchmark is within ``km`` (benchmarks and
    dormant customers never are; no radius, no gaps)."""
    city = pl.col("city") if "city" in scores.columns else pl.lit(None, dtype=pl.String)
    dormant = (pl.col("flags").list.contains("dormant").fill_null(False) if "flags" in scores.columns
               else pl.lit(False))
    located = scores.filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null())
    pts = located.select(
        "customer_id", "customer_name", "tag", "sales_trailing_4q", city.alias("city"),
        pl.col("lat").round(3), pl.col("lon").round(3), dormant.alias("_dormant"))
    if km is None or not (pts["tag"] == "benchmark").any():
        return pts.with_columns(gap=pl.lit(False)).drop("_dormant")
    if "nearest_benchmark_id" in located.columns:  # the prescription's own answer, so both agree
        far = located["nearest_benchmark_id"].is_null()
    else:
        far = nearest_benchmark_km(pts).fill_null(math.inf) > km
    return pts.with_columns(gap=far & (pl.col("tag") != "benchmark") & ~pl.col("_dormant")).drop("_dormant")


def places(pts: pl.DataFrame, n: int = PLACES) -> pl.DataFrame:
    """The ``n`` cities with most customers, at their customers' mean position (``lon, lat, place``)."""
    return (pts.filter(pl.col("city").is_not_null() & (pl.col("city") != ""))
            .group_by("city").agg(pl.len().alias("n"), pl.col("lon").mean().round(3), pl.col("lat").mean().round(3))
            .sort(["n", "city"], descending=[True, False]).head(n)
            .select("lon", "lat", place=pl.col("city")))


def split_for_map(pts: pl.DataFrame, limit: int) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """At most ``limit`` customers to draw one by one, the most important first, and the rest merged into
    cells (``lon, lat, customers, sales_trailing_4q``), so a map's size does not grow with the region."""
    if pts.height <= limit:
        return pts, None
    rank = (pl.when(pl.col("gap")).then(1).otherwise(pl.col("tag").replace_strict(DRAW_FIRST, default=4))
            .cast(pl.Int8))
    ordered = pts.sort([rank, pl.col("sales_trailing_4q"), pl.col("customer_id")],
                       descending=[False, True, False], nulls_last=True)
    snap = [(pl.col(c) / CELL_DEGREES).round(0) * CELL_DEGREES for c in ("lon", "lat")]
    cells = (ordered.slice(limit).group_by(snap[0].round(3).alias("lon"), snap[1].round(3).alias("lat"))
             .agg(customers=pl.len(), sales_trailing_4q=pl.col("sales_trailing_4q").sum())
             .sort("lon", "lat"))
    return ordered.head(limit), cells


def _prescribed_gaps(ctx: Context, gaps: pl.DataFrame) -> list:
    """The prescription's coverage gaps: cities without a benchmark in reach, and whom to develop there."""
    mine = gaps.filter(pl.col("region") == ctx.region) if "region" in gaps.columns else gaps
    if not mine.height:
        return [Note(ctx.ui("no_coverage_gaps"))]
    listed, shown_of = ctx.cap(mine.sort(["customers", "sales_trailing_4q"], descending=True, nulls_last=True))
    columns = [Column("cluster", ctx.ui("city")), Column("customers", ctx.ui("customers"), num=True),
               Column("sales", ctx.ui("sales_trailing_4q"), num=True), Column("best", ctx.ui("gap_candidate"))]
    rows = []
    for r in listed.iter_rows(named=True):
        kind, missing = r.get("best_candidate_kind"), r.get("best_candidate_missing")
        sub = " · ".join(x for x in (ctx.name("candidate_kind", kind) if kind else "",
                                     ctx.ui("gap_missing", what=ctx.ui(missing)) if missing in CRITERIA else "") if x)
        rows.append({
            "cluster": Cell(str(r.get("cluster") or "–")),
            "customers": Cell(format_count(r.get("customers")), sort=r.get("customers"), num=True),
            "sales": Cell(ctx.money(r.get("sales_trailing_4q")), sort=r.get("sales_trailing_4q"),
                          num=True),
            "best": Cell(str(r.get("best_candidate_name") or "–"), sub=sub),
        })
    return [Note(ctx.ui("gaps_rx_lead")), Table("tbl-gaps", columns, rows, shown_of=shown_of, filterable=False,
                                                compact=True)]


def _gap_table(ctx: Context, pts: pl.DataFrame) -> list:
    gaps = pts.filter("gap")
    if not gaps.height:
        return []
    by_city = (gaps.group_by(pl.col("city").fill_null("–"))
               .agg(customers=pl.len(), sales=pl.col("sales_trailing_4q").sum(),
                    tagged=(pl.col("tag") != "regular").sum())
               .sort(["sales", "city"], descending=[True, False]).head(10))
    rows = [{"city": Cell(r["city"]), "customers": Cell(format_count(r["customers"]), sort=r["customers"], num=True),
             "sales": Cell(ctx.money(r["sales"]), sort=r["sales"], num=True)}
            for r in by_city.iter_rows(named=True)]
    columns = [Column("city", ctx.ui("city")), Column("customers", ctx.ui("customers"), num=True),
               Column("sales", ctx.ui("sales_trailing_4q"), num=True)]
    return [Note(ctx.ui("gaps_by_city")), Table("tbl-gaps", columns, rows, filterable=False, compact=True)]


def reach_km(ctx: Context) -> float | None:
    """The prescription's radiation radius from the params the run used, if it has one."""
    radius = ctx.data.methodology.get("prescription", {}).get("radiation", {}).get("radius_km")
    return float(radius) if radius else None


def build(ctx: Context) -> Section:
    km = reach_km(ctx)
    if not {"lat", "lon"} <= set(ctx.mine.columns):
        return Section(ID, ctx.ui("sec_map"), [Note(ctx.ui("no_coordinates"))])
    pts = map_points(ctx.mine, km)
    if not pts.height:
        return Section(ID, ctx.ui("sec_map"), [Note(ctx.ui("no_coordinates"))])
    blocks: list = [Note(ctx.ui("map_lead", km=f"{km:g}") if km else ctx.ui("map_lead_plain"), tone="lead")]
    if km is None:
        blocks.append(ctx.not_computed("what_reach"))
    missing = ctx.mine.height - pts.height
    if missing:
        blocks.append(Note(ctx.ui("missing_coordinates", n=missing), tone="warn"))
    if km and not (pts["tag"] == "benchmark").any():
        blocks.append(Note(ctx.ui("no_benchmark_reach"), tone="warn"))
    shown, cells = split_for_map(pts, ctx.params.max_map_points)
    if cells is not None:
        blocks.append(Note(ctx.ui("map_cells", shown=format_count(shown.height),
                                  rest=format_count(pts.height - shown.height))))
        cells = cells.select("lon", "lat", "customers", sales=pl.Series(
            [ctx.money(v) for v in cells["sales_trailing_4q"]], dtype=pl.String))
    drawn = shown.select(
        "lon", "lat", "tag", "gap", name="customer_name", city=pl.col("city").fill_null(""),
        sales=pl.Series([ctx.money(v) for v in shown["sales_trailing_4q"]], dtype=pl.String),
    )
    text = {"title": ctx.ui("chart_map"), "customer": ctx.ui("customer"), "city": ctx.ui("city"),
            "tag": ctx.ui("tag"), "sales": ctx.ui("sales_trailing_4q"), "gap": ctx.ui("gap"),
            "gap_yes": ctx.ui("gap_yes"), "cell_customers": ctx.ui("cell_customers")}
    chart = customer_map(drawn.drop("gap"), text=text, tag_labels=ctx.tag_labels(), reach_km=km,
                         places=places(pts), gaps=drawn.filter("gap").drop("gap"), cells=cells)
    blocks.append(Chart.of("customer-map", chart))
    gaps = ctx.data.table("coverage_gaps")
    if pts["gap"].any():
        blocks.append(Note(ctx.ui("gaps_lead_short", n=int(pts["gap"].sum()), sales=ctx.money(
            float(pts.filter("gap")["sales_trailing_4q"].sum())))))
    blocks += _prescribed_gaps(ctx, gaps) if gaps is not None else _gap_table(ctx, pts)
    return Section(ID, ctx.ui("sec_map"), blocks)
