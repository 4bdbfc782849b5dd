"""Speculator detection from order lines, and its precedence over an at-risk tag bred by its rhythm."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

from tagkit.params import load_params
from tagkit.prescription.speculators import quarter_end_of, speculator_features, speculator_precedence

PARAMS = load_params(Path(__file__).resolve().parents[1] / "params")
P = PARAMS.prescription.speculator
D = dt.date
QUARTER = "2026Q3"


def _orders() -> pl.LazyFrame:
    """Four customers over 2025Q4–2026Q3:

    - ``dumper`` buys only in the last week of three quarters, at 40 % off;
    - ``steady`` buys every two weeks at 5 % off (some of it at quarter ends);
    - ``pusher`` buys at quarter ends at a 10 % discount only: concentrated but not dumped stock;
    - ``once`` has one quarter-end raid: one quarter is no pattern.
    """
    rows = []
    for day in (D(2025, 12, 28), D(2026, 3, 29), D(2026, 9, 27)):
        rows.append(("dumper", day, 10_000.0, 0.4))
    day = D(2025, 10, 1)
    while day <= D(2026, 9, 30):
        rows.append(("steady", day, 2_000.0, 0.05))
        day += dt.timedelta(days=14)
    for day in (D(2025, 12, 30), D(2026, 3, 30), D(2026, 6, 29)):
        rows.append(("pusher", day, 5_000.0, 0.1))
    rows.append(("once", D(2026, 9, 29), 8_000.0, 0.45))
    rows.append(("dumper", D(2024, 3, 1), 50_000.0, 0.0))  # before the window: ignored
    return pl.LazyFrame(rows, schema={"customer_id": pl.String, "order_date": pl.Date, "amount": pl.Float64,
                                      "discount": pl.Float64}, orient="row")


def test_quarter_end_of_dates():
    frame = pl.DataFrame({"d": [D(2026, 1, 1), D(2026, 5, 15), D(2026, 9, 30), D(2026, 12, 1)]})
    assert frame.select(quarter_end_of("d").alias("end"))["end"].to_list() == [
        D(2026, 3, 31), D(2026, 6, 30), D(2026, 9, 30), D(2026, 12, 31)]


def test_speculators_buy_at_quarter_end_at_deep_discount_without_rhythm():
    out = speculator_features(_orders(), quarter=QUARTER, p=P).sort("customer_id").collect()
    flagged = dict(zip(out["customer_id"], out["is_speculator"], strict=True))
    assert flagged == {"dumper": True, "steady": False, "pusher": False, "once": False}
    dumper = out.filter(pl.col("customer_id") == "dumper").row(0, named=True)
    assert dumper["speculator_quarter_end_share"] == 1.0
    assert dumper["speculator_discount"] == 0.4
    assert dumper["speculator_other_days_per_quarter"] == 0.0
    assert dumper["speculator_quarters"] == 3


def test_without_a_discount_column_concentration_and_rhythm_decide():
    out = speculator_features(_orders().drop("discount"), quarter=QUARTER, p=P).sort("customer_id").collect()
    assert out.filter(pl.col("is_speculator"))["customer_id"].to_list() == ["dumper", "pusher"]
    assert out["speculator_discount"].null_count() == out.height


def _scored() -> pl.LazyFrame:
    """Three at-risk speculators, as the scorer leaves them (``score_risk_without_rhythm``: the same model
    without the signals of their buying rhythm): one at risk only through its rhythm, one whose complaints
    and competitor signals are strong enough on their own, and one whose rhythm-free risk sits between the
    band's exit (32) and enter (40) values, at risk last quarter (hysteresis keeps it)."""
    risk = {"score_risk": [95.0, 97.0, 90.0], "score_risk_without_rhythm": [10.004, 85.0, 35.0]}
    return pl.LazyFrame({
        "customer_id": ["rhythm", "real", "kept"],
        "tag": ["at_risk"] * 3, "previous_tag": [None, None, "at_risk"],
        "is_speculator": [True, True, True],
        "flags": [["benchmark_at_risk"], [], []],
        "reason_codes": [["risk_orders_lapsed"]] * 3, "reasons_zh": [["x"]] * 3, "reasons_en": [["x"]] * 3,
        **risk,
    }, schema_overrides={"previous_tag": pl.String})


def test_precedence_keeps_a_speculator_from_at_risk_for_its_rhythm_alone():
    out = speculator_precedence(_scored(), scoring=PARAMS.scoring).collect()
    expected = pl.DataFrame({
        "customer_id": ["rhythm", "real", "kept"],
        "tag": ["regular", "at_risk", "at_risk"],
        "scored_tag": ["at_risk"] * 3,
        "speculator_demoted": [True, False, False],
        "flags": [[], [], []],
        "reason_codes": [[], ["risk_orders_lapsed"], ["risk_orders_lapsed"]],
    }, schema_overrides={"flags": pl.List(pl.String), "reason_codes": pl.List(pl.String)})
    assert_frame_equal(out.select(expected.columns), expected)
    assert out["speculator_risk_without_rhythm"].to_list() == [10.0, 85.0, 35.0]
