"""Geographic radiation around benchmarks, and the coverage gaps where none is within reach.

"Concentric-circle development": a benchmark's success convinces the customers around it. For
every benchmark, its neighbours are the customers of its region within ``radiation.radius_km``
(great-circle distance on lat/lon, :func:`haversine_km`), with their sales trend (trailing year
against the year before). A **coverage gap** is a city (or, without a city, a grid cell) with at
least ``gap_min_customers`` customers — not dormant, not benchmarks — that have no benchmark
within reach, with the best candidate nearby: a ``benchmark_candidate`` of the gap, else its most
influential customer (neither at risk nor a speculator).

Why a k-d tree and not pairs: in a dense city every customer is within reach of hundreds of
benchmarks (200,000 customers in 30 regions make 85 million benchmark–neighbour pairs, a million
customers billions), so nothing here lists the pairs. Customers become points on the unit sphere,
where the straight-line (chord) distance orders them exactly as the great-circle distance does,
and a k-d tree per region (:class:`scipy.spatial.cKDTree`) answers the three questions directly:

- a benchmark's neighbour count and sales: prefix sums over a latitude/longitude grid, adding up
  whole runs of cells inside the circle and looking only at single customers near its edge
  (:mod:`~tagkit.prescription.disc_sums`; where that grid does not apply, a region across the 180th
  meridian or near a pole, ``count_neighbors`` with the sales as weights does the same on the tree);
- its ``LISTED_NEIGHBOURS`` nearest neighbours (``radiation.parquet``) and each customer's nearest
  benchmark: ``query`` for the k nearest, k doubled while a tie at the cut could hide another.

Listed distances are :func:`haversine_km` rounded to 10 m, and ties on that rounded distance go to
the smaller id. The reach test is the chord within ``2 sin(radius / 2R)``, the same circle; a
customer within about a micrometre of the edge may fall on either side. Customers without lat/lon
are left out of everything geographic.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np
import polars as pl
from scipy.spatial import cKDTree

from tagkit.params import RadiationParams
from tagkit.prescription.disc_sums import disc_sums

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = 111.195  # along a meridian, on that sphere


def haversine_km(lat1: pl.Expr, lon1: pl.Expr, lat2: pl.Expr, lon2: pl.Expr) -> pl.Expr:
    """Great-circle distance in km between two WGS84 points (degrees), on a sphere of the mean Earth radius."""
    phi1, phi2 = lat1.radians(), lat2.radians()
    dphi, dlmb = (lat2 - lat1).radians(), (lon2 - lon1).radians()
    a = (dphi / 2).sin().pow(2) + phi1.cos() * phi2.cos() * (dlmb / 2).sin().pow(2)
    return 2 * EARTH_RADIUS_KM * a.clip(0.0, 1.0).sqrt().arcsin()


def grid_cells(located: pl.LazyFrame, radius_km: float) -> pl.LazyFrame:
    """``cell_y`` / ``cell_x``: grid cells at least ``radius_km`` wide, per region (the longitude
    width taken at the region's highest latitude); a coverage gap without a city is such a cell."""
    top = pl.col("lat").abs().max().over("region").clip(upper_bound=85.0)
    cell_lat = radius_km / KM_PER_DEGREE
    cell_lon = radius_km / (KM_PER_DEGREE * top.radians().cos())
    return located.with_columns(
        cell_y=(pl.col("lat") / cell_lat).floor().cast(pl.Int64),
        cell_x=(pl.col("lon") / cell_lon).floor().cast(pl.Int64),
    )


PAIR_COLUMNS = ("region", "benchmark_id", "customer_id", "customer_name", "distance_km", "tag",
                "sales_trailing_4q", "sales_prior_4q", "neighbour_sales_change")
LISTED_NEIGHBOURS = 50  # radiation.parquet keeps each benchmark's nearest; its counts and trend use them all


def _neighbours(customers: pl.LazyFrame) -> pl.LazyFrame:
    """What a pair says about its neighbour: its sales and their trend (trailing year against the year before)."""
    return customers.select(
        "customer_id", "region", "customer_name", "tag", "sales_trailing_4q", "sales_prior_4q",
        neighbour_sales_change=pl.when(pl.col("sales_prior_4q") > 0)
        .then((pl.col("sales_trailing_4q").clip(0) / pl.col("sales_prior_4q") - 1).round(4)),
    )


def _cents(column: str) -> pl.Expr:
    return (pl.col(column) * 100).round().cast(pl.Int64)


class _Region(NamedTuple):
    """One region's located customers as arrays, and its two trees (everyone, the benchmarks)."""

    ids: pl.Series          # customer_id (a Series: a gather of millions of ids stays in polars, not Python objects)
    lat: np.ndarray
    lon: np.ndarray
    cents: tuple[np.ndarray, np.ndarray]  # sales_trailing_4q and sales_prior_4q in whole cents, null as 0
    benchmarks: np.ndarray  # positions of the benchmarks in the arrays above
    everyone: cKDTree
    bench_tree: cKDTree


def unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    phi, lam = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])


def _reach(radius_km: float) -> float:
    """The chord (unit sphere) of a great-circle distance: the same circle, for the tree."""
    return 2.0 * float(np.sin(min(radius_km / (2.0 * EARTH_RADIUS_KM), np.pi / 2)))


def _regions(customers: pl.DataFrame) -> Iterator[_Region]:
    """The regions with a located benchmark (the others have no radiation)."""
    located = customers.filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null()).select(
        "customer_id", "region", "lat", "lon", "tag",
        *((pl.col(c).fill_null(0) * 100).round().alias(c) for c in ("sales_trailing_4q", "sales_prior_4q")))
    for _, part in located.group_by("region", maintain_order=True):
        # positions in customer_id order: a tie broken by position is broken by id, without comparing strings
        part = part.sort("customer_id")
        benchmarks = np.flatnonzero((part["tag"] == "benchmark").to_numpy())
        if not len(benchmarks):
            continue
        lat, lon = part["lat"].to_numpy(), part["lon"].to_numpy()
        points = unit_vectors(lat, lon)
        # writable: scipy's weights take no read-only buffer
        cents = (part["sales_trailing_4q"].to_numpy(writable=True), part["sales_prior_4q"].to_numpy(writable=True))
        yield _Region(part["customer_id"], lat, lon, cents, benchmarks,
                      cKDTree(points), cKDTree(points[benchmarks]))


def _pairs(region: _Region, q: np.ndarray, bench: np.ndarray, other: np.ndarray, radius_km: float) -> pl.DataFrame:
    """``q, b, c, distance_km`` (rounded) for the benchmark–customer position pairs (``b``, ``c``) within the
    radius (``q`` says which query each pair answers); a benchmark is not its own neighbour."""
    return (
        pl.DataFrame({"q": q, "b": bench, "c": other, "b_lat": region.lat[bench], "b_lon": region.lon[bench],
                      "lat": region.lat[other], "lon": region.lon[other]})
        .with_columns(km=haversine_km(pl.col("b_lat"), pl.col("b_lon"), pl.col("lat"), pl.col("lon")))
        .filter((pl.col("km") <= radius_km) & (pl.col("b") != pl.col("c")))
        .select("q", "b", "c", distance_km=pl.col("km").round(2))
    )


def _from_benchmarks(region: _Region, radius_km: float) -> Callable[[np.ndarray, np.ndarray], pl.DataFrame]:
    """``pairs`` for queries that are benchmarks (positions in ``region.benchmarks``) and a tree of everyone."""
    return lambda q, t: _pairs(region, q, region.benchmarks[q], t, radius_km)


def _to_benchmarks(region: _Region, radius_km: float) -> Callable[[np.ndarray, np.ndarray], pl.DataFrame]:
    """``pairs`` for queries that are everyone and a tree of the benchmarks."""
    return lambda q, t: _pairs(region, q, region.benchmarks[t], q, radius_km)


def _with_ids(region: _Region, pairs: pl.DataFrame) -> pl.DataFrame:
    """``benchmark_id, customer_id, distance_km`` of position pairs."""
    return pl.DataFrame({"benchmark_id": region.ids.gather(pairs["b"]), "customer_id": region.ids.gather(pairs["c"]),
                         "distance_km": pairs["distance_km"]})


def _nearest_within(tree: cKDTree, queries: np.ndarray, *, need: int, radius_km: float, by: str,
                    pairs: Callable[[np.ndarray, np.ndarray], pl.DataFrame]) -> pl.DataFrame:
    """Each query's ``need`` nearest tree points within the radius (``pairs(query, tree point)`` makes
    the rows and drops a point paired with itself), ranked by rounded distance then ``by`` (a position column
    of the pairs: the region's positions are in customer_id order).

    The tree gives the k nearest; a query whose k-th ties with its ``need``-th after rounding may
    have more such ties behind the cut, so it is asked again with k doubled.
    """
    bound = _reach(radius_km) * (1 + 1e-9)  # a hair wide: the haversine filter in ``pairs`` decides
    todo, k, found = np.arange(len(queries)), need + 1, []
    while len(todo):
        _, hit = tree.query(queries[todo], k=min(k, tree.n), distance_upper_bound=bound, workers=-1)
        hit = hit.reshape(len(todo), -1)
        row, col = np.nonzero(hit < tree.n)
        ranked = (pairs(todo[row], hit[row, col]).sort("q", "distance_km", by)
                  .with_columns(rank=pl.int_range(pl.len()).over("q")))
        full = todo[(hit < tree.n).all(axis=1)] if k < tree.n else todo[:0]
        cut = ranked.filter(pl.col("rank") == need - 1).select("q", cut="distance_km")
        again = (ranked.group_by("q").agg(far=pl.col("distance_km").max()).join(cut, on="q")
                 .filter((pl.col("far") == pl.col("cut")) & pl.col("q").is_in(pl.Series(full).implode()))
                 ["q"].sort().to_numpy())
        found.append(ranked.filter(~pl.col("q").is_in(pl.Series(again).implode()) & (pl.col("rank") < need))
                     .drop("rank"))
        todo, k = again, k * 2
    return pl.concat(found, how="vertical")


def _blocks(points: np.ndarray, bench: np.ndarray, reach: float) -> list[np.ndarray]:
    """Rows of ``bench`` grouped by cubes of half the reach (on the unit sphere, in 3-D)."""
    keys = np.floor(points[bench] / (reach / 2)).astype(np.int64)
    _, group = np.unique(keys, axis=0, return_inverse=True)
    order = np.argsort(group.ravel(), kind="stable")
    return np.split(order, np.flatnonzero(np.diff(group.ravel()[order])) + 1)


def _benchmark_sums(region: _Region, radius_km: float) -> pl.DataFrame:
    """Per benchmark with neighbours: how many, and their sales now and a year before (integer cents).

    On the grid of :func:`~tagkit.prescription.disc_sums.disc_sums` where it applies (a million
    customers: 2.7 s where the tree below took 22). Otherwise the weighted tree count adds up whole nodes
    inside the circle; the benchmark itself is taken off.
    The weights are whole cents, so the float sums are exact below 2**53 cents.

    scipy sums a tree's weights per node again in every weighted call, a pass over the whole tree: with
    one tree per region that pass, not the circle, would be the cost. So the benchmarks are taken in
    blocks of nearby ones (:func:`_blocks`), each counted against a tree of only the customers that
    can be within its reach — those within reach plus the block's radius of the block's centre (the
    triangle inequality: nobody within reach of a benchmark is missed) — and blocks run on every core
    (the counts run without the GIL).
    """
    reach, points, bench = _reach(radius_km), region.everyone.data, region.benchmarks
    sums = disc_sums(points, region.lat, region.lon, region.cents, bench,
                     radius_rad=radius_km / EARTH_RADIUS_KM, reach=reach)
    if sums is not None:  # the benchmark itself is within its own disc: taken off
        own = np.column_stack([np.ones(len(bench), dtype=np.int64), *(c[bench].astype(np.int64) for c in region.cents)])
        return _sums_frame(region, sums - own)
    within = region.everyone.query_ball_point(points[bench], reach, return_length=True, workers=-1) - 1
    totals = np.zeros((len(bench), 2))

    def add_up(rows: np.ndarray) -> None:  # each block fills its own rows
        centre = points[bench[rows]].mean(axis=0)
        spread = float(np.sqrt(((points[bench[rows]] - centre) ** 2).sum(axis=1)).max())
        near = np.asarray(region.everyone.query_ball_point(centre, (reach + spread) * (1 + 1e-9)), dtype=np.intp)
        tree, weights = cKDTree(points[near]), [w[near] for w in region.cents]
        for row in rows:
            one = cKDTree(points[bench[row]:bench[row] + 1])
            for col, w in enumerate(weights):
                totals[row, col] = (one.count_neighbors(tree, reach, weights=(None, w))
                                    - region.cents[col][bench[row]])

    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        list(pool.map(add_up, _blocks(points, bench, reach)))
    return _sums_frame(region, np.column_stack([within, np.rint(totals)]).astype(np.int64))


def _sums_frame(region: _Region, sums: np.ndarray) -> pl.DataFrame:
    """``sums``: per benchmark, its neighbours and their cents now and a year before."""
    return pl.DataFrame({
        "benchmark_id": region.ids.gather(region.benchmarks),
        "radiation_neighbours": sums[:, 0], "_now": sums[:, 1], "_prior": sums[:, 2],
    }).filter(pl.col("radiation_neighbours") > 0)


def radiation(customers: pl.DataFrame, *, p: RadiationParams) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``radiation.parquet`` (each benchmark's ``LISTED_NEIGHBOURS`` nearest neighbours, :data:`PAIR_COLUMNS`)
    and ``customers`` with the radiation columns: ``nearest_benchmark_id`` / ``_km`` (within reach) and,
    for benchmarks, the count and sales trend of all their neighbours (``radiation_*``).

    ``customers`` needs ``customer_id, customer_name, region, tag, lat, lon, sales_trailing_4q, sales_prior_4q``.
    """
    r = p.radius_km
    sums, nearest, listed = [], [], []
    for region in _regions(customers):
        bench = region.benchmarks
        sums.append(_benchmark_sums(region, r))
        listed.append(_with_ids(region, _nearest_within(  # query: a benchmark; tree: everyone
            region.everyone, region.everyone.data[bench], need=LISTED_NEIGHBOURS, radius_km=r, by="c",
            pairs=_from_benchmarks(region, r))))
        nearest.append(_with_ids(region, _nearest_within(  # query: everyone; tree: the benchmarks
            region.bench_tree, region.everyone.data, need=1, radius_km=r, by="b",
            pairs=_to_benchmarks(region, r))))
    return _listed_table(customers, listed), _radiation_frame(customers, sums, nearest)


def _listed_table(customers: pl.DataFrame, listed: list[pl.DataFrame]) -> pl.DataFrame:
    empty = pl.DataFrame(schema={"benchmark_id": pl.String, "customer_id": pl.String, "distance_km": pl.Float64})
    pairs = pl.concat([empty, *(f.select(empty.columns) for f in listed)], how="vertical")
    return (pairs.join(_neighbours(customers.lazy()).collect(), on="customer_id", how="inner")
            .select(PAIR_COLUMNS).sort("region", "benchmark_id", "distance_km", "customer_id"))


def _radiation_frame(customers: pl.DataFrame, sums: list[pl.DataFrame], nearest: list[pl.DataFrame]) -> pl.DataFrame:
    sums_schema = {"benchmark_id": pl.String, "radiation_neighbours": pl.Int64, "_now": pl.Int64, "_prior": pl.Int64}
    summary = pl.concat([pl.DataFrame(schema=sums_schema), *sums], how="vertical").select(
        pl.col("benchmark_id").alias("customer_id"), "radiation_neighbours",
        radiation_neighbour_sales=pl.col("_now") / 100,
        radiation_neighbour_sales_change=pl.when(pl.col("_prior") > 0)
        .then((pl.col("_now") / pl.col("_prior") - 1).round(4)),
    )
    near_schema = {"customer_id": pl.String, "benchmark_id": pl.String, "distance_km": pl.Float64}
    closest = pl.concat([pl.DataFrame(schema=near_schema), *(f.select(*near_schema) for f in nearest)],
                        how="vertical").select("customer_id", nearest_benchmark_id="benchmark_id",
                                               nearest_benchmark_km="distance_km")
    columns = (
        customers.select("customer_id", "tag")
        .join(closest, on="customer_id", how="left", maintain_order="left")
        .join(summary, on="customer_id", how="left", maintain_order="left")
        .with_columns(radiation_neighbours=pl.when(pl.col("tag") == "benchmark")
                      .then(pl.col("radiation_neighbours").fill_null(0)))
        .drop("customer_id", "tag")
    )
    # put beside, not joined to, the wide frame: a join would copy its every column (GBs at 1M customers)
    return customers.hstack(columns)


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
