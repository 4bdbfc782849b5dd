"""Benchmarks on small hand-made frames: level from scope and reach, candidates, the before/after showcase."""
from __future__ import annotations

from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

from tagkit.params import load_params
from tagkit.prescription.benchmarks import benchmark_frame, benchmark_level, showcase
from tagkit.scoring.panel import quarter_index

PARAMS = load_params(Path(__file__).resolve().parents[1] / "params")
P = PARAMS.prescription
QUARTER = "2026Q3"


def test_level_needs_both_scope_and_reach():
    """national needs 300 outlets or 12 referrals; a national scope with city-sized reach is a city
    benchmark, a local scope caps a big reach, an unknown scope leaves reach to decide."""
    frame = pl.LazyFrame({
        "influence_scope": ["national", "national", "provincial", "local", None, "city", None],
        "downstream_outlets": [350, 40, 20, 900, 120, None, None],
        "referrals": [0, 0, 7, 30, 0, 1, None],
    })
    out = frame.select(level=benchmark_level(P)).collect()
    assert out["level"].to_list() == ["national", "city", "provincial", "local", "provincial", "local", "local"]


def _customers() -> pl.LazyFrame:
    """Scores around the enter thresholds (influence 60, satisfaction 70, cooperation 70; max gap 30)."""
    return pl.LazyFrame({
        "customer_id": ["bench", "near_inf", "near_sat", "far", "unknown", "risky", "one", "spec"],
        "tag": ["benchmark", "regular", "regular", "regular", "regular", "at_risk", "regular", "regular"],
        "flags": [[], [], ["new_customer"], [], [], [], [], []],
        "is_speculator": [False] * 7 + [True],
        "score_influence": [80.0, 45.0, 75.0, 20.0, None, 70.0, 65.0, 70.0],
        "score_satisfaction": [90.0, 80.0, 62.5, 80.0, 75.0, 80.0, 50.0, 80.0],
        "score_cooperation": [85.0, 75.0, 75.0, 75.0, 72.0, 40.0, 50.0, 30.0],
        "influence_scope": ["provincial", "city", "city", "local", None, "city", "city", "city"],
        "downstream_outlets": [150, 40, 40, 5, None, 40, 40, 40],
        "referrals": [8, 1, 1, 0, None, 1, 1, 1],
    })


def test_candidates_meet_two_criteria_and_name_the_missing_one():
    out = benchmark_frame(_customers(), scoring=PARAMS.scoring, p=P).collect()
    expected = pl.DataFrame({
        "customer_id": ["bench", "near_inf", "near_sat", "far", "unknown", "risky", "one", "spec"],
        "is_benchmark_candidate": [False, True, True, False, True, False, False, False],
        "benchmark_missing": [None, "influence", "satisfaction", None, "influence", None, None, None],
        "benchmark_missing_gap": [None, 15.0, 7.5, None, None, None, None, None],
        "benchmark_level": ["provincial", "city", "city", None, "local", None, None, None],
    })
    assert_frame_equal(out.select(expected.columns), expected)


def _history() -> pl.LazyFrame:
    """Two benchmarks over 2024Q4–2026Q3: ``grown`` became one in 2025Q4 after four regular quarters;
    ``always`` was one from its first quarter."""
    quarters = ["2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3"]
    rows = []
    for i, q in enumerate(quarters):
        qi = quarter_index(q)
        rows.append(("grown", q, qi, "benchmark" if i >= 4 else "regular", 100.0 if i < 4 else 200.0, 2 if i < 4 else 5))
        rows.append(("always", q, qi, "benchmark", 300.0, 6))
    return pl.LazyFrame(rows, schema={"customer_id": pl.String, "quarter": pl.String, "qi": pl.Int64, "tag": pl.String,
                                      "sales_quarter": pl.Float64, "lines_bought": pl.Int64}, orient="row")


def test_showcase_compares_before_and_now():
    customers = pl.LazyFrame({"customer_id": ["grown", "always", "other"], "tag": ["benchmark", "benchmark", "regular"],
                              "sales_trailing_4q": [800.0, 1200.0, 50.0], "lines_bought": [5, 6, 1]})
    out = showcase(customers, _history(), quarter=QUARTER, p=P).collect()
    expected = pl.DataFrame({
        "customer_id": ["grown", "always", "other"],
        "showcase_basis": ["before_benchmark", "first_quarters", None],
        "showcase_from": ["2024Q4", "2024Q4", None],
        "showcase_to": ["2025Q3", "2025Q3", None],
        "showcase_sales_before": [100.0, 300.0, None],
        "showcase_sales_now": [200.0, 300.0, None],
        "showcase_sales_change": [1.0, 0.0, None],
        "showcase_lines_before": [2, 6, None],
        "showcase_lines_now": [5, 6, None],
    })
    assert_frame_equal(out.select(expected.columns), expected)
