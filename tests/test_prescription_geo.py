"""Radiation around benchmarks and coverage gaps: haversine on known cities, the grid against brute force."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from tagkit.params import load_params
from tagkit.prescription.geo import coverage_gaps, grid_cells, haversine_km, pairs_within, radiation_columns, radiation_pairs

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


def _scatter(n: int, seed: int, region: str = "华北") -> pl.DataFrame:
    """``n`` customers scattered over ~4° around Beijing, every tenth a benchmark."""
    rng = np.random.default_rng(seed)
    return pl.DataFrame({
        "customer_id": [f"C{i:04d}" for i in range(n)],
        "region": [region] * n,
        "lat": 38.0 + rng.random(n) * 4,
        "lon": 114.5 + rng.random(n) * 4,
        "tag": ["benchmark" if i % 10 == 0 else "regular" for i in range(n)],
    })


def test_grid_pairs_equal_the_brute_force_cross_join():
    """Bucketing on the grid finds exactly the pairs a full cross join finds within the radius."""
    frame = _scatter(400, seed=3)
    cells = grid_cells(frame.lazy(), P.radius_km)
    found = pairs_within(cells.filter(pl.col("tag") == "benchmark"), cells, P.radius_km).collect()
    centres = frame.filter(pl.col("tag") == "benchmark").rename(
        {"customer_id": "centre_id", "lat": "c_lat", "lon": "c_lon"}).drop("tag", "region")
    brute = (
        centres.join(frame, how="cross")
        .with_columns(distance_km=haversine_km(pl.col("c_lat"), pl.col("c_lon"), pl.col("lat"), pl.col("lon")).round(2))
        .filter((pl.col("distance_km") <= P.radius_km) & (pl.col("centre_id") != pl.col("customer_id")))
        .select("centre_id", "customer_id", "distance_km")
    )
    key = ["centre_id", "customer_id"]
    assert found.height == brute.height > 0
    assert found.sort(key).equals(brute.sort(key))


def test_pairs_stay_within_their_region():
    frame = pl.concat([_scatter(50, seed=1, region="华北"), _scatter(50, seed=1, region="东北")
                       .with_columns(pl.col("customer_id") + "b")])
    cells = grid_cells(frame.lazy(), P.radius_km)
    pairs = pairs_within(cells.filter(pl.col("tag") == "benchmark"), cells, P.radius_km).collect()
    regions = dict(zip(frame["customer_id"], frame["region"], strict=True))
    assert all(regions[a] == regions[b] for a, b in pairs.select("centre_id", "customer_id").iter_rows())


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
    pairs = radiation_pairs(_customers(), p=P).collect()
    assert pairs["customer_id"].to_list() == ["N1"]  # Tianjin is ~110 km away: out of a 50 km reach
    assert pairs["distance_km"].item() == pytest.approx(_distance("北京", "廊坊"), abs=0.01)
    assert pairs["neighbour_sales_change"].item() == pytest.approx(0.1)
    located = radiation_columns(_customers(), pairs.lazy()).collect()
    b1 = located.filter(pl.col("customer_id") == "B1").row(0, named=True)
    assert (b1["radiation_neighbours"], b1["radiation_neighbour_sales_change"]) == (1, pytest.approx(0.1))
    assert located.filter(pl.col("nearest_benchmark_id").is_not_null())["customer_id"].to_list() == ["N1"]


def test_coverage_gap_names_the_best_candidate_nearby():
    """Tianjin's three live customers have no benchmark within reach; the candidate T2 is named before
    the more influential T1, and the at-risk T3 is never proposed; dormant T4 does not count."""
    located = radiation_columns(_customers(), radiation_pairs(_customers(), p=P))
    gaps = coverage_gaps(located, p=P).collect()
    assert gaps.select("cluster", "customers", "best_candidate_id", "best_candidate_kind",
                       "best_candidate_missing").rows() == [("天津", 3, "T2", "benchmark_candidate", "influence")]
    assert gaps["customer_ids"].to_list() == [["T1", "T2", "T3"]]


def test_radiation_in_chunks_equals_the_whole_pair_table(monkeypatch):
    """Dense cities make too many pairs for memory; chunking by benchmarks must not change any result."""
    import random

    from tagkit.prescription import geo

    rng = random.Random(3)
    n = 600
    customers = pl.DataFrame({
        "customer_id": [f"C{i:04d}" for i in range(n)],
        "customer_name": [f"name {i}" for i in range(n)],
        "region": [("east", "west")[i % 2] for i in range(n)],
        "tag": [("benchmark" if rng.random() < 0.15 else "regular") for _ in range(n)],
        "lat": [30 + rng.random() for _ in range(n)], "lon": [120 + rng.random() for _ in range(n)],
        "sales_trailing_4q": [float(rng.randint(0, 10_000)) for _ in range(n)],
        "sales_prior_4q": [float(rng.randint(0, 10_000)) for _ in range(n)],
    })
    params = geo.RadiationParams(radius_km=40, gap_min_customers=3)
    whole = geo.radiation_columns(customers.lazy(), geo.radiation_pairs(customers.lazy(), p=params)).collect()
    all_pairs = geo.radiation_pairs(customers.lazy(), p=params).collect()
    monkeypatch.setattr(geo, "CHUNK_CANDIDATES", 500)  # many chunks
    listed, chunked = geo.radiation_in_chunks(customers, p=params)
    assert chunked.sort("customer_id").equals(whole.sort("customer_id"))
    nearest = all_pairs.sort("benchmark_id", "distance_km", "customer_id").group_by(
        "benchmark_id", maintain_order=True).head(geo.LISTED_NEIGHBOURS)
    assert listed.equals(nearest.select(listed.columns).sort("region", "benchmark_id", "distance_km", "customer_id"))
