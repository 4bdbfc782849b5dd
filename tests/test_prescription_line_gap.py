"""Nails by line gap: the lines they do not buy and the benchmark to visit, on a tiny hand-built frame and the
sample."""
from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tagkit.params import load_params
from tagkit.prescription.geo import haversine_km
from tagkit.prescription.line_gap import COLUMNS, line_gap_frame
from tagkit.prescription.nails import nail_value
from tagkit.quarters import quarter_index
from tagkit.scoring.panel import Panels

ROOT = Path(__file__).resolve().parents[1]
PARAMS = load_params(ROOT / "params")
QUARTER = "2026Q3"
TOP = quarter_index(QUARTER)
HARBIN, CHANGCHUN, LANZHOU = (45.75, 126.65), (43.88, 125.32), (36.06, 103.83)

# id: (region, tag, flags, (lat, lon) or None, lines bought this quarter, lines bought only 6 quarters ago)
STORY = {
    "gap": ("东北", "nail", ["line_gap"], HARBIN, ["L1"], []),           # A class, 1 of our 5 lines
    "small": ("东北", "regular", [], HARBIN, ["L1"], []),                 # as narrow, but small: no flag
    "gap_far": ("西北", "nail", ["line_gap"], LANZHOU, ["L1"], []),      # no benchmark in its region
    "gap_nowhere": ("东北", "nail", ["line_gap"], None, ["L1"], []),     # not located: no reference visit
    "bench_far": ("东北", "benchmark", [], CHANGCHUN, ["L1", "L2", "L3", "L4", "L5"], []),
    "bench_near": ("东北", "benchmark", [], (45.80, 126.70), ["L1", "L2"], []),
    "bench_other": ("华北", "benchmark", [], (45.751, 126.651), ["L1", "L2", "L3", "L4", "L5"], []),
    "r1": ("东北", "regular", [], HARBIN, ["L3", "L5"], ["L6"]),         # L6: not sold in the window
    "r2": ("东北", "regular", [], HARBIN, ["L2", "L5"], []),
}


def _customers() -> pl.DataFrame:
    """The customers as the prescription holds them once collected (sorted by id)."""
    rows = [{"customer_id": cid, "customer_name": f"{cid}公司", "region": region, "tag": tag, "flags": flags,
             "lat": at[0] if at else None, "lon": at[1] if at else None}
            for cid, (region, tag, flags, at, _, _) in STORY.items()]
    return pl.DataFrame(rows, schema_overrides={"lat": pl.Float64, "lon": pl.Float64}).sort("customer_id")


def _panels() -> Panels:
    """Only the product-line panel matters here: bit k of qbits is quarter TOP - k."""
    rows = [(cid, line, 1) for cid, story in STORY.items() for line in story[4]]
    rows += [(cid, line, 1 << 6) for cid, story in STORY.items() for line in story[5]]
    lines = pl.LazyFrame(rows, schema={"customer_id": pl.String, "product_line": pl.String, "qbits": pl.UInt64},
                         orient="row")
    empty = pl.LazyFrame()
    return Panels(QUARTER, empty, empty, lines, TOP, None, None, None)


@pytest.fixture(scope="module")
def out() -> dict[str, dict]:
    frame = line_gap_frame(_customers(), _panels(), quarter=QUARTER, p=PARAMS.prescription, scoring=PARAMS.scoring)
    return {r["customer_id"]: r for r in frame.iter_rows(named=True)}


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return pl.select(haversine_km(pl.lit(a[0]), pl.lit(a[1]), pl.lit(b[0]), pl.lit(b[1]))).item()


def test_the_missing_lines_most_bought_in_the_region_first(out):
    """L2 and L5 have 3 buyers in 东北 (ties by name), L3 2, L4 1; L6 was not sold in the window."""
    assert out["gap"]["nail_missing_lines"] == ["L2", "L5", "L3", "L4"]


def test_paired_with_the_benchmark_buying_most_of_them_in_its_region(out):
    """bench_far buys all 4 missing lines: it wins over bench_near (nearer, 1 line) and over
    bench_other (nearest of all, but of another region)."""
    gap = out["gap"]
    assert gap["line_gap_benchmark_id"] == "bench_far"
    assert gap["line_gap_benchmark_lines"] == ["L2", "L5", "L3", "L4"]
    assert gap["line_gap_benchmark_km"] == pytest.approx(_km(HARBIN, CHANGCHUN), abs=0.01)
    assert "bench_far公司" in gap["line_gap_visit_zh"] and "L2、L5、L3、L4" in gap["line_gap_visit_zh"]
    assert "bench_far公司" in gap["line_gap_visit_en"] and "4 of the 4 lines" in gap["line_gap_visit_en"]


def test_without_a_benchmark_in_its_region_the_nearest_anywhere(out):
    """西北 has no benchmark: of those buying all its missing lines, Changchun is nearer Lanzhou than Harbin."""
    far = out["gap_far"]
    assert far["line_gap_benchmark_id"] == "bench_far"
    assert far["line_gap_benchmark_region"] == "东北"


def test_only_nails_with_the_flag_and_a_location_get_a_reference(out):
    assert out["gap_nowhere"]["nail_missing_lines"] == ["L2", "L5", "L3", "L4"]
    assert out["gap_nowhere"]["line_gap_benchmark_id"] is None and out["gap_nowhere"]["line_gap_visit_zh"] is None
    for cid in ("small", "bench_far", "r1"):
        assert all(out[cid][c] is None for c in COLUMNS), cid


def test_a_line_gap_is_worth_the_lines_not_bought():
    """A 3 M customer buying 1.2 M in 2 of 8 lines: the share-of-wallet upside is nil (1.05 M − 1.2 M), but the
    6 lines it does not buy are worth 0.6 M × 6 × 35 % = 1.26 M, within the 1.8 M of potential it has left;
    without the flag the old upside stands."""
    frame = pl.LazyFrame({
        "customer_id": ["gap", "plain"], "flags": [["line_gap"], []],
        "potential_annual_value": [3e6, 3e6], "sales_trailing_4q": [1.2e6, 1.2e6],
        "lines_bought": [2, 2], "lines_available": [8, 8], "visits_trailing": [None, None],
        **{f"visits_{t}": [None, None] for t in ("routine", "supervisor", "manager", "executive")},
    }, schema_overrides={f"visits_{t}": pl.Int64
                         for t in ("trailing", "routine", "supervisor", "manager", "executive")})
    out = frame.select(**nail_value(PARAMS.prescription, line_gap=True)).collect()
    assert out["nail_upside"].to_list() == [pytest.approx(1.26e6), pytest.approx(3e6 * 0.35 - 1.2e6)]
