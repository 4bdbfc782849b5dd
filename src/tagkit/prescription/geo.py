"""Geographic radiation around benchmarks, and the coverage gaps where none is within reach.

"Concentric-circle development": a benchmark's success convinces the customers around it. For
every benchmark, its neighbours are the customers of its region within ``radiation.radius_km``
(great-circle distance on lat/lon, :func:`haversine_km`), with their sales trend (trailing year
against the year before). A **coverage gap** is a city (or, without a city, a grid cell) with at
least ``gap_min_customers`` customers — not dormant, not benchmarks — that have no benchmark
within reach, with the best candidate nearby: a ``benchmark_candidate`` of the gap, else its most
influential customer (neither at risk nor a speculator).

Pairs are found in bounded work: customers are bucketed on a lat/lon grid whose cells are at
least the radius wide in each direction (the longitude width taken at the region's highest
latitude), so every pair within the radius sits in the same or a neighbouring cell and only
those 3 × 3 cells are joined — never a full cross join of a large region. Customers without
lat/lon are left out of everything geographic. Longitudes are not wrapped at ±180°.
"""
from __future__ import annotations

import polars as pl

from tagkit.params import RadiationParams

Frame = pl.DataFrame | pl.LazyFrame  # the helpers below serve the lazy whole table and the eager chunks alike

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = 111.195  # along a meridian, on that sphere
NEIGHBOURS = pl.LazyFrame({"dy": [-1, -1, -1, 0, 0, 0, 1, 1, 1], "dx": [-1, 0, 1, -1, 0, 1, -1, 0, 1]},
                          schema={"dy": pl.Int64, "dx": pl.Int64})


def haversine_km(lat1: pl.Expr, lon1: pl.Expr, lat2: pl.Expr, lon2: pl.Expr) -> pl.Expr:
    """Great-circle distance in km between two WGS84 points (degrees), on a sphere of the mean Earth radius."""
    phi1, phi2 = lat1.radians(), lat2.radians()
    dphi, dlmb = (lat2 - lat1).radians(), (lon2 - lon1).radians()
    a = (dphi / 2).sin().pow(2) + phi1.cos() * phi2.cos() * (dlmb / 2).sin().pow(2)
    return 2 * EARTH_RADIUS_KM * a.clip(0.0, 1.0).sqrt().arcsin()


def grid_cells(located: pl.LazyFrame, radius_km: float) -> pl.LazyFrame:
    """``cell_y`` / ``cell_x``: grid cells at least ``radius_km`` wide, per region (see the module docstring)."""
    top = pl.col("lat").abs().max().over("region").clip(upper_bound=85.0)
    cell_lat = radius_km / KM_PER_DEGREE
    cell_lon = radius_km / (KM_PER_DEGREE * top.radians().cos())
    return located.with_columns(
        cell_y=(pl.col("lat") / cell_lat).floor().cast(pl.Int64),
        cell_x=(pl.col("lon") / cell_lon).floor().cast(pl.Int64),
    )


def pairs_within(centres: pl.LazyFrame, points: pl.LazyFrame, radius_km: float) -> pl.LazyFrame:
    """``centre_id, customer_id, distance_km`` for every point within ``radius_km`` of a centre of its region.

    Both frames have ``customer_id, region, lat, lon, cell_y, cell_x`` (cells from one
    :func:`grid_cells` call, so they agree); a centre is not its own neighbour.
    """
    near = centres.select(
        pl.col("customer_id").alias("centre_id"), "region", pl.col("lat").alias("c_lat"),
        pl.col("lon").alias("c_lon"), "cell_y", "cell_x",
    ).join(NEIGHBOURS, how="cross").with_columns(cell_y=pl.col("cell_y") + pl.col("dy"),
                                                  cell_x=pl.col("cell_x") + pl.col("dx")).drop("dy", "dx")
    return (
        near.join(points.select("customer_id", "region", "lat", "lon", "cell_y", "cell_x"),
                  on=["region", "cell_y", "cell_x"], how="inner")
        .filter(pl.col("centre_id") != pl.col("customer_id"))
        .with_columns(distance_km=haversine_km(pl.col("c_lat"), pl.col("c_lon"), pl.col("lat"), pl.col("lon")))
        .filter(pl.col("distance_km") <= radius_km)
        .select("centre_id", "customer_id", pl.col("distance_km").round(2))
    )


def located_cells(customers: pl.LazyFrame, p: RadiationParams) -> pl.LazyFrame:
    located = customers.filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null())
    return grid_cells(located.select("customer_id", "region", "lat", "lon", "tag"), p.radius_km)


PAIR_COLUMNS = ("region", "benchmark_id", "customer_id", "customer_name", "distance_km", "tag",
                "sales_trailing_4q", "sales_prior_4q", "neighbour_sales_change")
LISTED_NEIGHBOURS = 50  # radiation.parquet keeps each benchmark's nearest; its counts and trend use them all
CHUNK_CANDIDATES = 4_000_000  # candidate pairs held at once: bounds memory however dense a city is


def _neighbours(customers: pl.LazyFrame) -> pl.LazyFrame:
    """What a pair says about its neighbour: its sales and their trend (trailing year against the year before)."""
    return customers.select(
        "customer_id", "region", "customer_name", "tag", "sales_trailing_4q", "sales_prior_4q",
        neighbour_sales_change=pl.when(pl.col("sales_prior_4q") > 0)
        .then((pl.col("sales_trailing_4q").clip(0) / pl.col("sales_prior_4q") - 1).round(4)),
    )


def _pairs(centres: pl.LazyFrame, cells: pl.LazyFrame, neighbours: pl.LazyFrame, radius_km: float) -> pl.LazyFrame:
    return (pairs_within(centres, cells, radius_km).rename({"centre_id": "benchmark_id"})
            .join(neighbours, on="customer_id", how="inner").select(PAIR_COLUMNS))


def radiation_pairs(customers: pl.LazyFrame, *, p: RadiationParams) -> pl.LazyFrame:
    """One row per benchmark and every neighbour (the whole table; the run writes
    :func:`radiation_in_chunks`' capped one as ``radiation.parquet``)."""
    cells = located_cells(customers, p)
    return (_pairs(cells.filter(pl.col("tag") == "benchmark"), cells, _neighbours(customers), p.radius_km)
            .sort("region", "benchmark_id", "distance_km", "customer_id"))


def _benchmark_sums(pairs: Frame) -> Frame:
    """Per benchmark: how many neighbours, and their sales now and a year before (integer cents)."""
    return pairs.group_by("benchmark_id").agg(
        radiation_neighbours=pl.len().cast(pl.Int64),
        _now=_cents("sales_trailing_4q").sum(), _prior=_cents("sales_prior_4q").sum())


def _nearest(pairs: Frame) -> Frame:
    """Per customer, the nearest benchmark (ties: the smaller id)."""
    return (pairs.sort("customer_id", "distance_km", "benchmark_id")
            .group_by("customer_id", maintain_order=True)
            .agg(nearest_benchmark_id=pl.col("benchmark_id").first(),
                 nearest_benchmark_km=pl.col("distance_km").first()))


def _nearest_of(parts: list[pl.DataFrame]) -> pl.DataFrame:
    """Per customer, the nearest over several chunks' nearest benchmarks (ties: the smaller id, as in one table)."""
    return (pl.concat(parts, how="vertical").sort("customer_id", "nearest_benchmark_km", "nearest_benchmark_id")
            .group_by("customer_id", maintain_order=True).first())


def radiation_in_chunks(customers: pl.DataFrame, *, p: RadiationParams) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The radiation table, capped at each benchmark's ``LISTED_NEIGHBOURS`` nearest, and
    :func:`radiation_columns` for a materialised frame, in bounded memory.

    In a dense city every customer is within reach of hundreds of benchmarks: 200,000 customers in
    30 regions make about 100 million candidate pairs, which do not fit in memory at once. The
    benchmarks are taken in chunks of about ``CHUNK_CANDIDATES`` candidates; each chunk's pairs are
    reduced at once to what is kept — per benchmark its neighbour count and sales (complete: all of a
    benchmark's neighbours are in its chunk), its nearest neighbours, and per customer the nearest
    benchmark (the minimum over the chunks, folded as they accumulate). Same results as
    :func:`radiation_columns` over the whole pair table (tested).
    """
    cells = located_cells(customers.lazy(), p).collect()
    neighbours = _neighbours(customers.lazy()).collect()
    per_cell = cells.group_by("region", "cell_y", "cell_x").agg(points=pl.len())
    centres = (cells.filter(pl.col("tag") == "benchmark")
               .join(NEIGHBOURS.collect(), how="cross")
               .with_columns(ny=pl.col("cell_y") + pl.col("dy"), nx=pl.col("cell_x") + pl.col("dx"))
               .join(per_cell, left_on=["region", "ny", "nx"], right_on=["region", "cell_y", "cell_x"], how="left")
               .group_by("customer_id", maintain_order=True).agg(candidates=pl.col("points").fill_null(0).sum())
               .sort("customer_id")
               .with_columns(chunk=(pl.col("candidates").cum_sum() // CHUNK_CANDIDATES)))
    sums, nearest, listed = [], [], []
    for _, ids in centres.group_by("chunk", maintain_order=True):
        bench = cells.filter(pl.col("customer_id").is_in(ids["customer_id"].implode()))
        pairs = _pairs(bench.lazy(), cells.lazy(), neighbours.lazy(), p.radius_km).collect()
        sums.append(_benchmark_sums(pairs))
        nearest.append(_nearest(pairs))
        if sum(f.height for f in nearest) > 2 * cells.height:
            # fold: a customer near many chunks would otherwise be kept once per chunk, until the end
            nearest = [_nearest_of(nearest)]
        listed.append(pairs.sort("benchmark_id", "distance_km", "customer_id")
                      .group_by("benchmark_id", maintain_order=True).head(LISTED_NEIGHBOURS))
    empty = _pairs(cells.lazy().head(0), cells.lazy().head(0), neighbours.lazy().head(0), p.radius_km).collect()
    pairs_listed = (pl.concat([empty, *[part.select(PAIR_COLUMNS) for part in listed]], how="vertical")
                    .sort("region", "benchmark_id", "distance_km", "customer_id"))
    columns = _radiation_frame(customers.lazy(),
                               pl.concat([empty.pipe(_benchmark_sums), *sums], how="vertical").lazy(),
                               _nearest_of([empty.pipe(_nearest), *nearest]).lazy())
    return pairs_listed, columns.collect()


def _radiation_frame(customers: pl.LazyFrame, sums: pl.LazyFrame, nearest: pl.LazyFrame) -> pl.LazyFrame:
    summary = sums.select(
        pl.col("benchmark_id").alias("customer_id"), "radiation_neighbours",
        radiation_neighbour_sales=pl.col("_now") / 100,
        radiation_neighbour_sales_change=pl.when(pl.col("_prior") > 0)
        .then((pl.col("_now") / pl.col("_prior") - 1).round(4)),
    )
    return (
        customers.join(nearest, on="customer_id", how="left", maintain_order="left")
        .join(summary, on="customer_id", how="left", maintain_order="left")
        .with_columns(radiation_neighbours=pl.when(pl.col("tag") == "benchmark")
                      .then(pl.col("radiation_neighbours").fill_null(0)))
    )


def _cents(column: str) -> pl.Expr:
    return (pl.col(column) * 100).round().cast(pl.Int64)


def radiation_columns(customers: pl.LazyFrame, pairs: pl.LazyFrame) -> pl.LazyFrame:
    """Per customer: ``nearest_benchmark_id`` / ``_km`` (within reach) and, for benchmarks, the
    neighbours' count and sales trend (``radiation_*``), from the whole pair table."""
    return _radiation_frame(customers, _benchmark_sums(pairs), _nearest(pairs))


def coverage_gaps(customers: pl.LazyFrame, *, p: RadiationParams) -> pl.LazyFrame:
    """One row per gap (see the module docstring): where to develop the next benchmark.

    ``customers`` carries the radiation columns, ``is_benchmark_candidate``, ``benchmark_missing``,
    ``is_speculator`` and the flags.
    """
    cells = grid_cells(
        customers.filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null()), p.radius_km
    )
    uncovered = cells.filter(
        pl.col("nearest_benchmark_id").is_null() & (pl.col("tag") != "benchmark")
        & ~pl.col("flags").list.contains("dormant")
    ).with_columns(
        cluster_kind=pl.when(pl.col("city").is_not_null()).then(pl.lit("city")).otherwise(pl.lit("grid")),
        cluster=pl.coalesce("city", pl.format("grid {},{}", "cell_y", "cell_x")),
    )
    groups = uncovered.group_by("region", "cluster", "cluster_kind").agg(
        customers=pl.len().cast(pl.Int64),
        sales_trailing_4q=_cents("sales_trailing_4q").sum() / 100,
        lat=pl.col("lat").mean().round(4),
        lon=pl.col("lon").mean().round(4),
        customer_ids=pl.col("customer_id").sort(),
    ).filter(pl.col("customers") >= p.gap_min_customers)
    eligible = uncovered.filter((pl.col("tag") != "at_risk") & ~pl.col("is_speculator"))
    best = (
        eligible.sort(
            ["region", "cluster", "is_benchmark_candidate", "score_influence", "sales_trailing_4q", "customer_id"],
            descending=[False, False, True, True, True, False], nulls_last=True,
        )
        .group_by("region", "cluster", maintain_order=True)
        .agg(
            best_candidate_id=pl.col("customer_id").first(),
            best_candidate_name=pl.col("customer_name").first(),
            best_candidate_kind=pl.when(pl.col("is_benchmark_candidate").first())
            .then(pl.lit("benchmark_candidate")).otherwise(pl.lit("most_influential")),
            best_candidate_missing=pl.col("benchmark_missing").first(),
            best_candidate_influence=pl.col("score_influence").first(),
        )
    )
    return (
        groups.join(best, on=["region", "cluster"], how="left")
        .sort(["region", "customers", "cluster"], descending=[False, True, False])
    )
