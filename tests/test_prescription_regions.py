"""Regions, transitions, the quality index and the rep scorecard on small hand-made frames."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

from tagkit.params import load_params
from tagkit.prescription.history import HISTORY_SCHEMA, quality_index
from tagkit.prescription.regions import development_stage, movement, transitions
from tagkit.prescription.reps import rep_scorecards
from tagkit.prescription.visit_plan import visit_plan

PARAMS = load_params(Path(__file__).resolve().parents[1] / "params")
P = PARAMS.prescription
QUARTER = "2026Q3"
D = dt.date


def _customers() -> pl.LazyFrame:
    """One region's movements since last quarter, two reps (R2 holds no benchmark)."""
    rows = [
        # id, rep, previous, tag, sales now, sales before, flags, speculator
        ("pulled", "R1", "nail", "regular", 500.0, 100.0, [], False),
        ("released", "R1", "nail", "regular", 50.0, 100.0, [], False),
        ("still_nail", "R1", "nail", "nail", 90.0, 100.0, [], False),
        ("saved", "R1", "at_risk", "regular", 300.0, 100.0, [], False),
        ("lost_dormant", "R2", "at_risk", "regular", 0.0, 10.0, ["dormant"], False),
        ("lost_no_order", "R2", "at_risk", "at_risk", 0.0, 50.0, [], False),
        ("spec_back", "R2", "at_risk", "regular", 80.0, 0.0, [], True),
        ("bench_at_risk", "R2", "benchmark", "at_risk", 100.0, 200.0, ["benchmark_at_risk"], False),
        ("bench_lost", "R2", "benchmark", "regular", 50.0, 100.0, [], False),
        ("nail_at_risk", "R1", "nail", "at_risk", 200.0, 100.0, [], False),
        ("bench_new", "R1", "regular", "benchmark", 400.0, 380.0, [], False),
        ("steady", "R2", "regular", "regular", 100.0, 100.0, [], False),
        ("newcomer", "R2", None, "regular", 20.0, 0.0, ["new_customer"], False),
    ]
    frame = pl.LazyFrame(rows, schema={
        "customer_id": pl.String, "rep_id": pl.String, "previous_tag": pl.String, "tag": pl.String,
        "sales_quarter": pl.Float64, "sales_previous_quarter": pl.Float64, "flags": pl.List(pl.String),
        "is_speculator": pl.Boolean}, orient="row")
    return frame.with_columns(region=pl.lit("华东")).with_columns(movement=movement())


def test_movements_name_pulled_nails_saved_and_lost_customers():
    """A movement never contradicts the tag: a customer still at risk is defended, not lost (lost_no_order
    bought nothing but is still tagged at risk: no movement); a benchmark now at risk and flagged
    benchmark_at_risk is defended first as a benchmark, so it is newly at risk, not a lost benchmark;
    a nail now at risk is no pulled nail even though it buys more."""
    out = _customers().collect()
    assert dict(zip(out["customer_id"], out["movement"], strict=True)) == {
        "pulled": "nail_pulled", "released": "nail_released", "still_nail": None, "saved": "at_risk_saved",
        "lost_dormant": "at_risk_lost", "lost_no_order": None, "spec_back": None,
        "bench_at_risk": "at_risk_new", "bench_lost": "benchmark_lost", "nail_at_risk": "at_risk_new",
        "bench_new": "benchmark_new", "steady": None, "newcomer": None,
    }


def test_transitions_count_each_cell_with_its_customers():
    out = transitions(_customers(), quarter=QUARTER).collect()
    cell = out.filter((pl.col("previous_tag") == "at_risk") & (pl.col("movement") == "at_risk_lost"))
    # only the customer no longer tagged at risk (dormant) is lost; lost_no_order is still defended
    assert cell.select("tag", "customers", "customer_ids").rows() == [("regular", 1, ["lost_dormant"])]
    assert out["customers"].sum() == 13
    assert out.filter(pl.col("previous_tag").is_null())["customer_ids"].to_list() == [["newcomer"]]
    assert set(out["quarter"]) == {QUARTER}


def test_stage_from_penetration_and_growth():
    """early below 20 % of the wallet; late from 50 % when growth is under 5 %; middle otherwise."""
    frame = pl.LazyFrame({"penetration": [0.1, 0.3, 0.6, 0.6, None], "growth": [0.3, 0.1, 0.01, 0.2, 0.0]})
    out = frame.select(stage=development_stage(P)).collect()
    assert out["stage"].to_list() == ["early", "middle", "late", "middle", None]


def test_quality_index_is_the_share_of_sales_from_benchmarks_and_healthy_regulars():
    """Quarter 1: 400 benchmark + 300 healthy regular of 1,000 (a speculator's 200, a nail's 100) → 0.7;
    quarter 2 without sales is left out."""
    rows = [
        ("b", "2026Q2", 8105, "benchmark", False, False, 400.0),
        ("r", "2026Q2", 8105, "regular", False, False, 300.0),
        ("s", "2026Q2", 8105, "regular", True, False, 200.0),
        ("n", "2026Q2", 8105, "nail", False, False, 100.0),
        ("d", "2026Q2", 8105, "regular", False, True, -5.0),
        ("b", "2026Q1", 8104, "benchmark", False, False, 0.0),
    ]
    history = pl.LazyFrame(
        [(c, "华东", "R1", q, qi, t, s, d, sales, 3) for c, q, qi, t, s, d, sales in rows],
        schema=HISTORY_SCHEMA, orient="row")
    out = quality_index(history).collect()
    expected = pl.DataFrame({
        "region": ["华东"], "quarter": ["2026Q2"], "sales": [1000.0], "sales_speculator": [200.0],
        "share_benchmark": [0.4], "share_healthy_regular": [0.3], "quality_index": [0.7],
        "quarters_of_history": [1],
    })
    assert_frame_equal(out.select(expected.columns), expected)


def test_every_rep_with_customers_gets_a_scorecard_even_without_a_reps_table():
    customers = _customers().with_columns(
        sales_trailing_4q=pl.col("sales_quarter") * 4,
        is_benchmark_candidate=pl.col("customer_id") == "steady",
        nail_decision=pl.when(pl.col("tag") == "nail").then(pl.lit("invest")),
        benchmark_level=pl.when(pl.col("tag") == "benchmark").then(pl.lit("city")),
        score_influence=pl.lit(70.0),
        visit_frequency=pl.lit(1.0),
    )
    visits = pl.LazyFrame({
        "customer_id": ["bench_new", "still_nail", "steady", "steady", "bench_at_risk", "steady"],
        "rep_id": ["R1", "R1", "R2", "R2", "R2", "R2"],
        "visit_date": [D(2026, 7, 1), D(2026, 8, 1), D(2026, 8, 2), D(2026, 9, 2), D(2026, 9, 3), D(2026, 3, 1)],
    })
    history = pl.LazyFrame(schema=HISTORY_SCHEMA)
    customers = visit_plan(customers, visits, quarter=QUARTER, p=P)
    cards = rep_scorecards(customers, {"visits": visits}, history, quarter=QUARTER, p=P).collect()
    assert cards["rep_id"].to_list() == ["R1", "R2"]
    r1, r2 = cards.row(0, named=True), cards.row(1, named=True)
    assert (r1["region"], r1["benchmarks"], r1["nails_invest"], r1["nails_pulled"], r1["at_risk_saved"]) == (
        "华东", 1, 1, 1, 1)
    # one lost (dormant): lost_no_order is still at risk, so it is not counted lost (it was, before the
    # movements were made consistent with the tag)
    assert (r2["benchmarks"], r2["benchmarks_gap"], r2["borrow_benchmark_id"], r2["at_risk_lost"]) == (
        0, 1, "bench_new", 1)
    assert (r2["candidates"], r2["speculators"]) == (1, 1)
    # R2's visits this quarter: two to a regular, one to an at-risk customer (the March visit is last quarter's)
    assert (r2["visits"], r2["visit_share_regular"], r2["visit_share_at_risk"]) == (3, 0.6667, 0.3333)
    # against R2's plan: more visits than its 4 in three quarters allow, so the floors (at-risk 3, regular 1
    # each): 6 of 11 to its two at-risk customers, 5 to its five regulars
    assert (r2["visits_planned"], r2["visits_over_capacity"], r2["visit_target_at_risk"]) == (11, True, 0.5455)
    gaps = abs(0.6667 - 0.4545) + abs(0.3333 - 0.5455)
    assert r2["visit_alignment"] == round(1 - gaps / 2, 4)
    assert r1["rep_name"] is None and r1["benchmarks_new_4q"] is None
