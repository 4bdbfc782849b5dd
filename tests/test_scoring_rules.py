"""The first rule-based score step on small hand-made frames whose answer is known."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from tagkit.params import load_params
from tagkit.scoring import CONTRACT_COLUMNS, score_customers

P = load_params(Path(__file__).resolve().parents[1] / "params").scoring
D = dt.date


def _customers() -> pl.LazyFrame:
    """Four customers of one region: an influential happy one, a big dormant buyer,
    a high-potential low-share one, and a brand-new one."""
    return pl.LazyFrame({
        "customer_id": ["bench", "lapsed", "nail", "new"],
        "customer_name": ["标杆", "Lapsed", "Nail", "New"],
        "region": ["华东"] * 4,
        "rep_id": ["R1"] * 4,
        "potential_annual_value": [1e5, 2e5, 5e6, 1e4],
        "downstream_outlets": [400, 2, 5, 1],
        "influence_scope": ["provincial", "local", "local", "local"],
        "referrals": [12, 0, 0, 0],
        "since": [D(2021, 1, 1), D(2021, 1, 1), D(2021, 1, 1), D(2026, 8, 1)],
    })


def _orders() -> pl.LazyFrame:
    rows = []
    for q_start in [D(2025, 1, 15), D(2025, 4, 15), D(2025, 7, 15), D(2025, 10, 15), D(2026, 1, 15), D(2026, 4, 15),
                    D(2026, 7, 15)]:
        rows.append(("bench", q_start, 20_000.0))
        rows.append(("nail", q_start, 10_000.0))
        if q_start < D(2025, 10, 1):  # buys steadily, then stops for a year
            rows.append(("lapsed", q_start, 80_000.0))
    rows.append(("new", D(2026, 8, 10), 3_000.0))
    return pl.LazyFrame(
        {"order_id": [str(i) for i in range(len(rows))], "customer_id": [r[0] for r in rows],
         "order_date": [r[1] for r in rows], "amount": [r[2] for r in rows]}
    )


def _feedback() -> pl.LazyFrame:
    return pl.LazyFrame({
        "customer_id": ["bench", "nail"], "feedback_date": [D(2026, 6, 1), D(2026, 6, 1)],
        "satisfaction": [5, 3], "cooperation": [5, 2], "complaint": [False, False],
    })


@pytest.fixture(scope="module")
def scores() -> pl.DataFrame:
    tables = {"customers": _customers(), "orders": _orders(), "feedback": _feedback()}
    return score_customers(tables, quarter="2026Q3", p=P).collect()


def _row(scores: pl.DataFrame, cid: str) -> dict:
    return scores.filter(pl.col("customer_id") == cid).row(0, named=True)


def test_contract_columns_come_first(scores):
    assert scores.columns[: len(CONTRACT_COLUMNS)] == CONTRACT_COLUMNS


def test_known_tags(scores):
    assert _row(scores, "bench")["tag"] == "benchmark"
    assert _row(scores, "lapsed")["tag"] == "at_risk"
    assert _row(scores, "nail")["tag"] == "nail"
    assert _row(scores, "new")["tag"] == "regular"


def test_lapsed_customer_ranks_above_one_buying_on_rhythm(scores):
    assert _row(scores, "lapsed")["score_risk"] > _row(scores, "bench")["score_risk"]


def test_every_tagged_customer_has_a_reason(scores):
    tagged = scores.filter(pl.col("tag") != "regular")
    assert tagged.height == 3
    assert (tagged["reason_codes"].list.len() > 0).all()
    assert "risk_orders_lapsed" in _row(scores, "lapsed")["reason_codes"]


def test_scores_are_in_range_or_null(scores):
    for col in [c for c in scores.columns if c.startswith("score_")]:
        values = scores[col].drop_nulls()
        assert ((values >= 0) & (values <= 100)).all(), col


def test_missing_feedback_gives_null_survey_scores_not_zero():
    tables = {"customers": _customers(), "orders": _orders()}
    out = score_customers(tables, quarter="2026Q3", p=P).collect()
    assert out["score_satisfaction"].null_count() == out.height
    assert out["score_risk"].null_count() == 0  # risk works from the two required tables alone
    assert "benchmark" not in out["tag"].to_list()  # without surveys nobody can show satisfaction


def test_previous_tag_comes_from_the_previous_quarter(scores):
    assert _row(scores, "new")["previous_tag"] is None  # no order before 2026Q3
    assert _row(scores, "bench")["previous_tag"] == "benchmark"


def test_abc_is_by_cumulative_sales(scores):
    assert _row(scores, "bench")["abc_class"] == "A"
    assert _row(scores, "new")["abc_class"] == "C"


def test_input_row_order_changes_nothing():
    tables = {"customers": _customers(), "orders": _orders(), "feedback": _feedback()}
    shuffled = {k: v.collect().sample(fraction=1.0, shuffle=True, seed=3).lazy() for k, v in tables.items()}
    a = score_customers(tables, quarter="2026Q3", p=P).collect()
    b = score_customers(shuffled, quarter="2026Q3", p=P).collect()
    from polars.testing import assert_frame_equal

    assert_frame_equal(a, b)
