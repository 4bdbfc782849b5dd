"""Tag precedence, hysteresis, flags and ABC on hand-made score frames (no features involved)."""
from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_series_equal

from tagkit.errors import ParamsError
from tagkit.params import load_params
from tagkit.scoring.rules import FLAG_RULES, abc_frame, flag_frame, tag_frame

ROOT = Path(__file__).resolve().parents[1]
P = load_params(ROOT / "params").scoring
RISK = P.at_risk.min_risk
INFLUENCE = P.benchmark.min_influence

BASE = {
    "is_dormant": False, "is_established": True, "is_new_customer": False,
    "score_risk": 10.0, "score_influence": 90.0, "score_satisfaction": 90.0, "score_cooperation": 90.0,
    "satisfaction_before": 4.8, "cooperation_before": 4.8,
    "score_potential": 50.0, "share_of_wallet": 0.5, "lines_share": 0.8, "visits_trailing": 8, "positive_share": 0.6,
    "stalled_quarters": 0, "tenure_days": 2000, "previous_tag": None, "abc_class": "C", "lines_bought": 6,
}
# a stalled nail that buys half our lines: no line gap, so the stall and the effort decide
NAIL = {"score_influence": 30.0, "score_potential": 95.0, "share_of_wallet": 0.03, "lines_share": 0.5,
        "lines_bought": 4, "visits_trailing": 24, "positive_share": 0.1, "stalled_quarters": 8}


def _frame(*rows: dict) -> pl.LazyFrame:
    """One row per dict, each a variation of an established, benchmark-quality, healthy customer."""
    records = [{"customer_id": f"C{i}", **BASE, **row} for i, row in enumerate(rows)]
    return pl.LazyFrame(records, schema_overrides={"previous_tag": pl.String})


def _tags(frame: pl.LazyFrame, p=P) -> list[str]:
    return tag_frame(frame, p=p).collect()["tag"].to_list()


def test_precedence_dormant_then_at_risk_then_benchmark_then_nail():
    frame = _frame(
        {},                                                   # benchmark
        {"score_risk": 90.0},                                 # at risk beats benchmark
        {"score_risk": 90.0, "is_dormant": True},             # dormant: neither at risk ...
        {**NAIL, "is_dormant": True},                         # ... nor nail
        NAIL,                                                 # nail
        {**NAIL, "score_risk": 90.0},                         # at risk beats nail
        {**NAIL, "is_new_customer": True, "tenure_days": 60},  # new customers are not nails
        {"score_risk": 90.0, "is_new_customer": True, "is_established": False},  # ... nor at risk
    )
    assert _tags(frame) == ["benchmark", "at_risk", "regular", "regular", "nail", "at_risk", "regular", "benchmark"]


@pytest.mark.parametrize("missing", ["score_influence", "score_satisfaction", "score_cooperation"])
def test_benchmark_needs_all_three_and_null_is_not_enough(missing):
    low = _frame({missing: 10.0})
    unknown = _frame({missing: None})
    assert _tags(low) == ["regular"]
    assert _tags(unknown) == ["regular"]


def test_sales_play_no_part_in_benchmark():
    frame = _frame({"score_influence": 20.0}).with_columns(score_contribution=pl.lit(100.0))
    assert _tags(frame) == ["regular"]


def test_nail_needs_effort_that_does_not_convert():
    frame = _frame({**NAIL, "positive_share": 0.8}, {**NAIL, "visits_trailing": 1}, {**NAIL, "stalled_quarters": 1})
    assert _tags(frame) == ["regular", "regular", "regular"]


GAP = {"score_influence": 30.0, "abc_class": "A", "lines_share": 0.2, "lines_bought": 1}  # big, 1 of 5 lines


def test_a_large_customer_buying_few_of_our_lines_is_a_nail_by_line_gap():
    """An A-class customer buying 1 of 5 lines is a nail (flag line_gap) though its share of wallet is
    high and it is neither stalled nor worked on; a small one, a broad buyer, a new one or one at risk is not."""
    g = P.nail.line_gap
    frame = _frame(
        GAP,                                                            # nail by line gap
        {**GAP, "abc_class": "C"},                                      # small: not
        {**GAP, "abc_class": "C", "score_potential": g.min_potential.enter},  # high potential: nail
        {**GAP, "lines_share": 0.6, "lines_bought": 3},                 # buys most lines: not
        {**GAP, "lines_share": 0.0, "lines_bought": 0},                 # buys none: lapsed, not a gap
        {**GAP, "tenure_days": g.min_tenure_days - 1},                  # not long enough: not
        {**GAP, "is_established": False},                               # not established: not
        {**GAP, "score_risk": 90.0},                                    # at risk first
        {**GAP, "score_influence": 90.0},                               # benchmark first
        NAIL,                                                           # stalled nail without a gap
    )
    out = frame.pipe(tag_frame, p=P).pipe(flag_frame, p=P).collect()
    assert out["tag"].to_list() == ["nail", "regular", "nail", "regular", "regular", "regular", "regular",
                                    "at_risk", "benchmark", "nail"]
    assert out["flags"].to_list() == [["line_gap"], [], ["line_gap"], [], [], [], [], [], [], []]


def test_hysteresis_keeps_a_tag_between_exit_and_enter():
    between = (RISK.enter + RISK.exit) / 2
    plain = {"score_influence": 20.0}  # not benchmark quality, so leaving at_risk means regular
    frame = _frame(
        {**plain, "score_risk": between, "previous_tag": "at_risk"},   # kept
        {**plain, "score_risk": between, "previous_tag": "regular"},   # not entered
        {**plain, "score_risk": RISK.exit - 1, "previous_tag": "at_risk"},  # left
        {"score_influence": (INFLUENCE.enter + INFLUENCE.exit) / 2, "previous_tag": "benchmark"},  # kept
        {"score_influence": (INFLUENCE.enter + INFLUENCE.exit) / 2},  # not entered
    )
    out = tag_frame(frame, p=P).collect()
    assert out["tag"].to_list() == ["at_risk", "regular", "regular", "benchmark", "regular"]
    assert out["tag_kept"].to_list() == [True, False, False, True, False]


def test_hysteresis_can_be_switched_off():
    off = P.model_copy(update={"hysteresis": False})
    between = (RISK.enter + RISK.exit) / 2
    frame = _frame({"score_influence": 20.0, "score_risk": between, "previous_tag": "at_risk"})
    assert _tags(frame, p=off) == ["regular"]
    assert _tags(frame, p=P) == ["at_risk"]


def test_benchmark_at_risk_is_flagged_even_when_the_decline_dragged_the_surveys_down():
    frame = _frame(
        {"score_risk": 90.0, "score_satisfaction": 40.0},                             # surveys were fine before
        {"score_risk": 90.0, "score_satisfaction": 40.0, "satisfaction_before": 2.5},  # never benchmark quality
        {"score_risk": 90.0, "score_influence": 10.0, "previous_tag": "benchmark"},    # a benchmark last quarter
    )
    out = frame.pipe(tag_frame, p=P).pipe(flag_frame, p=P).collect()
    assert out["tag"].to_list() == ["at_risk"] * 3
    assert out["flags"].to_list() == [["benchmark_at_risk"], [], ["benchmark_at_risk"]]


def test_flags_are_a_registry_that_extends():
    rules = {**FLAG_RULES, "speculator": lambda p: pl.col("score_risk") > 50}
    out = _frame({"score_risk": 90.0, "is_dormant": True}).pipe(tag_frame, p=P).pipe(flag_frame, p=P, rules=rules)
    assert out.collect()["flags"].to_list() == [["dormant", "speculator"]]


def test_abc_by_cumulative_share_largest_first():
    """Sales 50/20/15/10/5 (and a tie): A holds the customers before 70 % is reached, B before 90 %."""
    frame = pl.LazyFrame({
        "customer_id": ["e", "a", "b", "c", "d", "x"],
        "region": ["R"] * 5 + ["S"],
        "sales_trailing_4q": [5.0, 50.0, 20.0, 15.0, 10.0, 0.0],
    })
    out = abc_frame(frame, p=P).collect().sort("customer_id")
    assert_series_equal(out["abc_class"], pl.Series("abc_class", ["A", "A", "B", "B", "C", "C"]))


def test_band_exit_must_be_on_the_lenient_side(tmp_path):
    override = tmp_path / "p.yaml"
    override.write_text("scoring:\n  at_risk:\n    min_risk: {enter: 40, exit: 50}\n  nail:\n"
                        "    max_share_of_wallet: {enter: 0.2, exit: 0.1}\n", encoding="utf-8")
    with pytest.raises(ParamsError, match=r"2 problem\(s\)") as info:
        load_params(ROOT / "params", override)
    assert "'scoring.at_risk.min_risk' exit (50.0) must be at or below enter" in str(info.value)
    assert "'scoring.nail.max_share_of_wallet' exit (0.1) must be at or above enter" in str(info.value)


def test_unknown_placeholder_in_reasons_is_reported(tmp_path):
    from tagkit.scoring import score_customers

    override = tmp_path / "p.yaml"
    override.write_text("reasons:\n  tag_kept: {zh: '{tag}', en: 'kept {tagg}'}\n", encoding="utf-8")
    p = load_params(ROOT / "params", override).scoring
    tables = {
        "customers": pl.LazyFrame({"customer_id": ["C1"], "customer_name": ["n"], "region": ["R"], "rep_id": ["R1"]}),
        "orders": pl.LazyFrame(schema={"order_id": pl.String, "customer_id": pl.String, "order_date": pl.Date,
                                       "amount": pl.Float64}),
    }
    with pytest.raises(ParamsError, match=r"reasons.tag_kept.en: unknown placeholder '\{tagg\}'"):
        score_customers(tables, quarter="2026Q3", p=p)
