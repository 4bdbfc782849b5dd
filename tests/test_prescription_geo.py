"""Radiation around benchmarks and coverage gaps: haversine on known cities, the k-d trees against brute force."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from tagkit.params import RadiationParams, load_params
from tagkit.prescription.geo import LISTED_NEIGHBOURS, PAIR_COLUMNS, coverage_gaps, haversine_km, radiation

P = load_params(Path(__file__).resolve().parents[1] / "params").prescription.radiation
CITIES = {  # city centres, WGS84
    "北京": (39.9042, 116.4074),
    "天津": (39.3434, 117.3616),
    "上海": (31.2304, 121.4737),
    "杭州": (30.2741, 120.1551),
    "廊坊": (39.5380, 116.6837),
}


def _distance(a: str, b: str) -> float:
    (la, oa), (lb, ob) = CITIES[a], CITIES[b]
    frame = pl.DataFrame({"la": [la], "oa": [oa], "lb": [lb], "ob": [ob]})
    return frame.select(haversine_km(pl.col("la"), pl.col("oa"), pl.col("lb"), pl.col("ob")).alias("km")).item()


@pytest.mark.parametrize(("a", "b", "km"), [("北京", "天津", 110), ("上海", "杭州", 165)])
def test_haversine_on_known_city_pairs(a, b, km):
    """Beijing–Tianjin ≈ 110 km, Shanghai–Hangzhou ≈ 165 km (great circle between the city centres)."""
    assert _distance(a, b) == pytest.approx(km, abs=8)
    assert _distance(a, b) == pytest.approx(_distance(b, a))
    assert _distance(a, a) == 0


def _scatter(n: int, seed: int) -> pl.DataFrame:
    """``n`` customers in two regions over ~1° around Shanghai, about one in eight a benchmark; the first
    200 share one point (ties at the listed cut), some have no coordinates or no sales."""
    rng = np.random.default_rng(seed)
    lat, lon = 30.7 + rng.random(n), 121.0 + rng.random(n)
    lat[:200], lon[:200] = 31.2, 121.5
    frame = pl.DataFrame({
        "customer_id": [f"C{i:05d}" for i in range(n)],
        "customer_name": [f"name {i}" for i in range(n)],
        "region": [("east", "west")[i % 2] for i in range(n)],
        "tag": np.where(rng.random(n) < 0.12, "benchmark", "regular"),
        "lat": lat, "lon": lon,
        "sales_trailing_4q": rng.integers(0, 10**6, n) / 100, "sales_prior_4q": rng.integers(0, 10**6, n) / 100,
    })
    gone = pl.int_range(pl.len()).is_in([5, 6, 300, 301])
    return frame.with_columns(lat=pl.when(~gone).then("lat"), lon=pl.when(~gone).then("lon"),
                              sales_prior_4q=pl.when(pl.col("customer_id") != "C00007").then("sales_prior_4q"))


def _brute_force(customers: pl.DataFrame, radius_km: float) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The radiation by a full cross join per region: every pair, then the plain group-bys."""
    located = customers.filter(pl.col("lat").is_not_null())
    pairs = (
        located.filter(pl.col("tag") == "benchmark").select("region", benchmark_id="customer_id", b_lat="lat",
                                                           b_lon="lon")
        .join(located, on="region")
        .with_columns(km=haversine_km(pl.col("b_lat"), pl.col("b_lon"), pl.col("lat"), pl.col("lon")))
        .filter((pl.col("km") <= radius_km) & (pl.col("benchmark_id") != pl.col("customer_id")))
        .with_columns(distance_km=pl.col("km").round(2),
                      neighbour_sales_change=pl.when(pl.col("sales_prior_4q") > 0)
                      .then((pl.col("sales_trailing_4q").clip(0) / pl.col("sales_prior_4q") - 1).round(4)))
    )
    listed = (pairs.sort("benchmark_id", "distance_km", "customer_id").group_by("benchmark_id", maintain_order=True)
              .head(LISTED_NEIGHBOURS).select(PAIR_COLUMNS)
              .sort("region", "benchmark_id", "distance_km", "customer_id"))
    cents = {c: (pl.col(c) * 100).round().cast(pl.Int64).sum() for c in ("sales_trailing_4q", "sales_prior_4q")}
    sums = pairs.group_by("benchmark_id").agg(radiation_neighbours=pl.len().cast(pl.Int64), **cents).select(
        customer_id="benchmark_id", radiation_neighbours="radiation_neighbours",
        radiation_neighbour_sales=pl.col("sales_trailing_4q") / 100,
        radiation_neighbour_sales_change=pl.when(pl.col("sales_prior_4q") > 0)
        .then((pl.col("sales_trailing_4q") / pl.col("sales_prior_4q") - 1).round(4)))
    nearest = (pairs.sort("customer_id", "distance_km", "benchmark_id").group_by("customer_id", maintain_order=True)
               .agg(nearest_benchmark_id=pl.col("benchmark_id").first(),
                    nearest_benchmark_km=pl.col("distance_km").first()))
    columns = (customers.join(nearest, on="customer_id", how="left", maintain_order="left")
               .join(sums, on="customer_id", how="left", maintain_order="left")
               .with_columns(radiation_neighbours=pl.when(pl.col("tag") == "benchmark")
                             .then(pl.col("radiation_neighbours").fill_null(0))))
    return listed, columns


@pytest.mark.parametrize("radius_km", [3.0, 40.0])
def test_radiation_equals_the_brute_force_cross_join(radius_km):
    """Counts, sales sums, each benchmark's listed nearest (with a 200-way tie at the cut) and each
    customer's nearest benchmark: the trees give exactly what every pair would."""
    customers = _scatter(2500, seed=3)
    listed, columns = radiation(customers, p=RadiationParams(radius_km=radius_km, gap_min_customers=3))
    want_listed, want_columns = _brute_force(customers, radius_km)
    assert listed.height > 0 and columns["radiation_neighbours"].max() > LISTED_NEIGHBOURS
    assert listed.equals(want_listed)
    assert columns.equals(want_columns)


def test_pairs_stay_within_their_region():
    customers = _scatter(600, seed=1)
    listed, _ = radiation(customers, p=P)
    regions = dict(zip(customers["customer_id"], customers["region"], strict=True))
    assert listed.height > 0
    assert all(regions[a] == regions[b] == r
               for r, a, b in listed.select("region", "benchmark_id", "customer_id").iter_rows())


def _customers() -> pl.LazyFrame:
    """A Beijing benchmark with a Langfang neighbour (~40 km) and a Tianjin customer (~110 km, out of
    reach), three Tianjin customers without a benchmark (a gap, one a candidate), a dormant Tianjin
    customer, and a customer without coordinates."""
    rows = [
        ("B1", "北京", "benchmark", 39.9042, 116.4074, False, 80.0, [], 900.0, 1000.0),
        ("N1", "廊坊", "regular", 39.5380, 116.6837, False, 30.0, [], 220.0, 200.0),
        ("T1", "天津", "regular", 39.3434, 117.3616, False, 70.0, [], 100.0, 100.0),
        ("T2", "天津", "regular", 39.1200, 117.2000, True, 40.0, [], 50.0, 60.0),
        ("T3", "天津", "at_risk", 39.2000, 117.1000, False, 95.0, [], 10.0, 90.0),
        ("T4", "天津", "regular", 39.1500, 117.3000, False, 99.0, ["dormant"], 0.0, 80.0),
        ("X1", None, "regular", None, None, False, 10.0, [], 5.0, 5.0),
    ]
    frame = pl.DataFrame(rows, schema={
        "customer_id": pl.String, "city": pl.String, "tag": pl.String, "lat": pl.Float64, "lon": pl.Float64,
        "is_benchmark_candidate": pl.Boolean, "score_influence": pl.Float64, "flags": pl.List(pl.String),
        "sales_trailing_4q": pl.Float64, "sales_prior_4q": pl.Float64}, orient="row")
    return frame.with_columns(
        region=pl.lit("华北"), customer_name=pl.col("customer_id") + "公司",
        is_speculator=pl.lit(False),
        benchmark_missing=pl.when(pl.col("is_benchmark_candidate")).then(pl.lit("influence")),
    ).lazy()


def test_radiation_neighbours_and_their_trend():
    pairs, located = radiation(_customers().collect(), p=P)
    assert pairs["customer_id"].to_list() == ["N1"]  # Tianjin is ~110 km away: out of a 50 km reach
    assert pairs["distance_km"].item() == pytest.approx(_distance("北京", "廊坊"), abs=0.01)
    assert pairs["neighbour_sales_change"].item() == pytest.approx(0.1)
    b1 = located.filter(pl.col("customer_id") == "B1").row(0, named=True)
    assert (b1["radiation_neighbours"], b1["radiation_neighbour_sales_change"]) == (1, pytest.approx(0.1))
    assert located.filter(pl.col("nearest_benchmark_id").is_not_null())["customer_id"].to_list() == ["N1"]


def test_coverage_gap_names_the_best_candidate_nearby():
    """Tianjin's three live customers have no benchmark within reach; the candidate T2 is named before
    the more influential T1, and the at-risk T3 is never proposed; dormant T4 does not count."""
    _, located = radiation(_customers().collect(), p=P)
    gaps = coverage_gaps(located.lazy(), p=P).collect()
    assert gaps.select("cluster", "customers", "best_candidate_id", "best_candidate_kind",
                       "best_candidate_missing").rows() == [("天津", 3, "T2", "benchmark_candidate", "influence")]
    assert gaps["customer_ids"].to_list() == [["T1", "T2", "T3"]]


def test_radiation_where_the_grid_does_not_apply_or_is_coarse(monkeypatch):
    """A region across the 180th meridian is counted on the k-d tree instead of the latitude/longitude
    grid, and a region too wide for the grid's cell budget gets coarser cells: both equal every pair."""
    from tagkit.prescription import disc_sums
    across = _scatter(1200, seed=5).with_columns(lon=(pl.col("lon") + 58.5 + 180) % 360 - 180)
    assert across["lon"].min() < -179 and across["lon"].max() > 179
    wide = _scatter(1200, seed=6)
    monkeypatch.setattr(disc_sums, "MAX_CELLS", 500)
    for customers in (across, wide):
        listed, columns = radiation(customers, p=RadiationParams(radius_km=40.0, gap_min_customers=3))
        want_listed, want_columns = _brute_force(customers, 40.0)
        assert columns["radiation_neighbours"].max() > LISTED_NEIGHBOURS
        assert listed.equals(want_listed)
        assert columns.equals(want_columns)


def test_the_grid_sums_equal_the_tree_sums():
    """The grid (dense discs: prefix sums, the edge tested one by one) and the k-d tree count the same
    customers and the same cents for every benchmark, at radii from a fraction of a cell to most of the region."""
    from tagkit.prescription import geo
    from tagkit.prescription.disc_sums import disc_sums
    customers = _scatter(3000, seed=8)
    for radius_km in (0.3, 7.0, 60.0):
        for region in geo._regions(customers):  # noqa: SLF001 - the grid against the tree, on the same regions
            reach = geo._reach(radius_km)  # noqa: SLF001 - and the same reach
            grid = disc_sums(region.everyone.data, region.lat, region.lon, region.cents, region.benchmarks,
                             radius_rad=radius_km / geo.EARTH_RADIUS_KM, reach=reach)
            count = region.everyone.query_ball_point(region.everyone.data[region.benchmarks], reach, return_length=True)
            assert grid is not None and (grid[:, 0] == count).all()
            for k, cents in enumerate(region.cents, start=1):
                tree = [cents[region.everyone.query_ball_point(region.everyone.data[b], reach)].sum()
                        for b in region.benchmarks]
                assert (grid[:, k] == np.rint(tree).astype(np.int64)).all()
