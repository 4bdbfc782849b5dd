"""Benchmarks on small hand-made frames: level from scope and reach, candidates, the before/after showcase."""
from __future__ import annotations

from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

from tagkit.params import load_params
from tagkit.prescription.benchmarks import benchmark_frame, benchmark_level, showcase
from tagkit.quarters import quarter_index, shift_quarter

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
    """Benchmarks over 2023Q4–2026Q3 (the trailing year from 2025Q4 is "now"):

    - ``grown``: regular at 100 a quarter, a benchmark from 2025Q4 at 200: a real before/after;
    - ``fell``: regular at 400, a benchmark from 2025Q4 at 300: slipping below its before;
    - ``flat``: regular at 200, a benchmark from 2025Q4 at 200: no growth to show;
    - ``always``: a benchmark from the first quarter of the history: when it became one is unknown;
    - ``late``: no orders before 2025Q2, a benchmark from its first quarter of orders;
    - ``young``: first orders in 2025Q1, "regular" for three quarters, a benchmark from 2025Q4: a tag
      resting on less than a year of orders was no verdict, so those quarters are no "before";
    - ``trailing``: always a benchmark, its last four quarters a third below the four before.
    """
    quarters = [shift_quarter(QUARTER, -k) for k in range(11, -1, -1)]
    series = {  # customer: (first quarter with orders, first benchmark quarter, sales before it, sales from it)
        "grown": (0, 8, 100.0, 200.0), "fell": (0, 8, 400.0, 300.0), "flat": (0, 8, 200.0, 200.0),
        "always": (0, 0, 300.0, 300.0), "late": (6, 6, 0.0, 150.0), "young": (5, 8, 100.0, 200.0),
        "trailing": (0, 0, 300.0, 300.0),
    }
    rows = []
    for customer, (data, first, before, after) in series.items():
        for i, q in enumerate(quarters):
            sales = 0.0 if i < data else after if i >= first else before
            rows.append((customer, q, quarter_index(q), "benchmark" if i >= first else "regular", sales,
                         5 if i >= first else 2))
    return pl.LazyFrame(rows, schema={"customer_id": pl.String, "quarter": pl.String, "qi": pl.Int64, "tag": pl.String,
                                      "sales_quarter": pl.Float64, "lines_bought": pl.Int64}, orient="row")


def _benchmarks() -> pl.LazyFrame:
    ids = ["grown", "fell", "flat", "always", "late", "young", "trailing", "other"]
    return pl.LazyFrame({
        "customer_id": ids, "tag": ["benchmark"] * 7 + ["regular"],
        "sales_trailing_4q": [800.0, 1200.0, 800.0, 1200.0, 600.0, 800.0, 800.0, 50.0],
        "sales_prior_4q": [600.0, 1400.0, 800.0, 1200.0, 300.0, 300.0, 1200.0, 60.0],
        "lines_bought": [5, 5, 5, 5, 5, 5, 5, 1],
    })


def test_showcase_only_where_a_real_before_grew():
    """A before/after only for ``grown``; the others say why not; the figures stay where a before exists."""
    out = showcase(_benchmarks(), _history(), quarter=QUARTER, p=P).collect()
    expected = pl.DataFrame({
        "customer_id": ["grown", "fell", "flat", "always", "late", "young", "trailing", "other"],
        "showcase_basis": ["before_benchmark", "slipping", "no_growth", "no_before", "no_before", "no_before",
                           "slipping", None],
        "is_benchmark_slipping": [False, True, False, False, False, False, True, False],
        "showcase_from": ["2024Q4", "2024Q4", "2024Q4", None, None, None, None, None],
        "showcase_to": ["2025Q3", "2025Q3", "2025Q3", None, None, None, None, None],
        "showcase_sales_before": [100.0, 400.0, 200.0, None, None, None, None, None],
        "showcase_sales_now": [200.0, 300.0, 200.0, None, None, None, None, None],
        "showcase_sales_change": [1.0, -0.25, 0.0, None, None, None, None, None],
        "showcase_lines_before": [2, 2, 2, None, None, None, None, None],
        "showcase_lines_now": [5, 5, 5, None, None, None, None, None],
    })
    assert_frame_equal(out.select(expected.columns), expected)
