"""Region alerts: a region-wide fall against the same quarter last year is shown, a repeating season is not."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from tagkit.params import load_params
from tagkit.prescription.alerts import region_alerts
from tagkit.scoring.order_lines import order_panels
from tagkit.scoring.panel import build_panels

PARAMS = load_params(Path(__file__).resolve().parents[1] / "params")
QUARTER = "2026Q3"
QUARTERS = [(2024, 4), (2025, 1), (2025, 2), (2025, 3), (2025, 4), (2026, 1), (2026, 2), (2026, 3)]


def _tables(*, falling: str, seasonal: str, small: str) -> dict[str, pl.LazyFrame]:
    """Three regions, one order per customer and quarter (100 each), 12 customers in two of them, 3 in ``small``:

    ``falling`` buys 60 a customer in 2026Q3 (a fall of 40 % on 2025Q3), customers in 杭州 falling hardest;
    ``seasonal`` buys 50 in every third quarter of the year, 2025Q3 included: its season, not a fall.
    """
    rows, customers = [], []
    for region, n in ((falling, 12), (seasonal, 12), (small, 3)):
        for i in range(n):
            cid = f"{region}-{i}"
            customers.append((cid, cid, region, f"R-{region}", "杭州市" if i < 6 else "宁波市"))
            for year, q in QUARTERS:
                amount = 100.0
                if region == falling and (year, q) == (2026, 3):
                    amount = 30.0 if i < 6 else 90.0
                if region == seasonal and q == 3:
                    amount = 50.0
                rows.append((f"O{len(rows)}", cid, dt.date(year, 3 * q - 1, 15), amount))
    return {
        "customers": pl.LazyFrame(customers, schema=["customer_id", "customer_name", "region", "rep_id", "city"],
                                  orient="row"),
        "orders": pl.LazyFrame(rows, schema=["order_id", "customer_id", "order_date", "amount"], orient="row"),
        "competitor_signals": pl.LazyFrame(
            [(f"{falling}-0", dt.date(2026, 8, 1), "某竞品", "quote")] * 3,
            schema=["customer_id", "signal_date", "competitor", "signal"], orient="row"),
    }


@pytest.fixture(scope="module")
def alerts() -> tuple[pl.DataFrame, pl.DataFrame]:
    tables = _tables(falling="华东", seasonal="东北", small="西北")
    panels = build_panels(tables, last_quarter=QUARTER,
                          orders=order_panels(tables["orders"], quarter=QUARTER)).collect()
    customers = tables["customers"].with_columns(tag=pl.lit("regular"))
    p = PARAMS.prescription.model_copy(update={"region_alert": PARAMS.prescription.region_alert.model_copy(
        update={"min_customers": 10})})
    found, breakdown = region_alerts(panels, customers, quarter=QUARTER, p=p, data_start=None, seasonal_years=3,
                                     min_region_customers=5)
    return found.collect(), breakdown.collect()


def _row(frame: pl.DataFrame, region: str) -> dict:
    return frame.filter(pl.col("region") == region).row(0, named=True)


def test_a_region_wide_fall_on_last_year_is_an_alert(alerts):
    found, _ = alerts
    east = _row(found, "华东")
    assert east["alert"] is True and east["change"] == pytest.approx(-0.4)
    assert east["sales_now"] == pytest.approx(720.0) and east["sales_last_year"] == pytest.approx(1200.0)
    assert east["signals_now"] == 3 and east["signals_last_year"] == 0


def test_a_season_that_repeats_every_year_is_not(alerts):
    found, _ = alerts
    assert _row(found, "东北")["alert"] is False and _row(found, "东北")["change"] == pytest.approx(0.0)


def test_too_few_customers_to_judge_is_said_not_guessed(alerts):
    found, _ = alerts
    assert _row(found, "西北")["alert"] is None


def test_the_breakdown_says_where_the_fall_comes_from(alerts):
    _, breakdown = alerts
    assert set(breakdown["region"]) == {"华东"}  # only alerted regions
    cities = breakdown.filter(pl.col("dimension") == "city").sort("share_of_fall", descending=True)
    assert cities["key"].to_list() == ["杭州市", "宁波市"]
    assert cities["share_of_fall"].to_list() == pytest.approx([420 / 480, 60 / 480])
    quotes = breakdown.filter((pl.col("dimension") == "competitor") & (pl.col("key") == "quote")).row(0, named=True)
    assert quotes["signals_now"] == 3 and quotes["customers"] == 1
