"""Properties of ``score_risk`` that hold whatever the data: more evidence never lowers it, seasons change no call.

Each example re-scores a three-year sample (300 customers, 12 quarters, seed 4) with one change
drawn by hypothesis: the model is learned again from the changed history every time.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tagkit.contract import SIGNALS, TOPICS
from tagkit.params import load_params
from tagkit.scoring import score_customers

ROOT = Path(__file__).resolve().parents[1]
PARAMS = load_params(ROOT / "params")
P = PARAMS.scoring
QUARTER = "2026Q3"
FIRST_DAY, LAST_DAY = dt.date(2026, 7, 1), dt.date(2026, 9, 30)
EXAMPLES = settings(max_examples=12, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    """The validated tables of the sample (collected once) and their scores as they are."""
    from tagkit.io import load_dataset
    from tagkit.sample_data import generate_sample
    from tagkit.validation import raise_if_blocked, validate_dataset

    folder = tmp_path_factory.mktemp("risk-properties") / "data"
    generate_sample(folder, customers=300, quarters=12, seed=4)
    with load_dataset(folder, io=PARAMS.io) as dataset:
        checked = validate_dataset(dataset.tables, quarter=QUARTER, params=PARAMS.validation, missing=dataset.missing)
    raise_if_blocked(checked)
    tables = {name: frame.lazy().collect() for name, frame in checked.clean.items()}
    return tables, _score(tables)


def _score(tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    out = score_customers({k: v.lazy() for k, v in tables.items()}, quarter=QUARTER, p=P).collect()
    return out.select("customer_id", "tag", "risk_stage", "score_risk")


def _append(table: pl.DataFrame, row: dict[str, object]) -> pl.DataFrame:
    extra = pl.DataFrame({c: [row.get(c)] for c in table.columns}, schema=table.schema)
    return pl.concat([table, extra])


def _risk(scores: pl.DataFrame, customer: str) -> float:
    return scores.filter(pl.col("customer_id") == customer)["score_risk"].item()


@EXAMPLES
@given(pick=st.integers(0, 10_000), kind=st.sampled_from(["complaint", "signal"]), what=st.integers(0, 6),
       day=st.integers(0, (LAST_DAY - FIRST_DAY).days), count=st.integers(1, 3))
def test_more_complaints_or_competitor_signals_never_lower_score_risk(history, pick, kind, what, day, count):
    tables, before = history
    buyers = before.filter(pl.col("score_risk").is_not_null())["customer_id"]
    customer = buyers[pick % buyers.len()]
    date = FIRST_DAY + dt.timedelta(days=day)
    changed = dict(tables)
    for _ in range(count):
        if kind == "complaint":
            changed["feedback"] = _append(changed["feedback"], {
                "customer_id": customer, "feedback_date": date, "complaint": True,
                "complaint_topic": TOPICS[what % len(TOPICS)]})
        else:
            changed["competitor_signals"] = _append(changed["competitor_signals"], {
                "customer_id": customer, "signal_date": date, "competitor": "某竞品",
                "signal": SIGNALS[what % len(SIGNALS)]})
    after = _score(changed)
    assert _risk(after, customer) >= _risk(before, customer) - 1e-9
    # nobody else's evidence changed, and the model learned only from earlier quarters: the rest stay put
    others = pl.col("customer_id") != customer
    assert after.filter(others)["score_risk"].equals(before.filter(others)["score_risk"])


@EXAMPLES
@given(factor=st.floats(0.3, 3.0), quarter_of_year=st.integers(1, 4), region_pick=st.integers(0, 100))
def test_a_seasonal_factor_repeating_every_year_changes_no_risk_call(history, factor, quarter_of_year, region_pick):
    """Every order of one region in one quarter of the year, in every year, scaled by the same factor."""
    tables, before = history
    regions = sorted(tables["customers"]["region"].unique().to_list())
    region = regions[region_pick % len(regions)]
    members = tables["customers"].filter(pl.col("region") == region)["customer_id"].implode()
    seasonal = pl.col("customer_id").is_in(members) & (pl.col("order_date").dt.quarter() == quarter_of_year)
    orders = tables["orders"].with_columns(
        amount=pl.when(seasonal).then(pl.col("amount") * factor).otherwise(pl.col("amount")))
    after = _score({**tables, "orders": orders})
    joined = before.join(after, on="customer_id", suffix="_after")
    assert (joined["score_risk"] - joined["score_risk_after"]).abs().max() < 1e-6
    at_risk = pl.col("tag") == "at_risk"
    assert joined.filter(at_risk != (pl.col("tag_after") == "at_risk")).is_empty()
    assert joined["risk_stage"].equals(joined["risk_stage_after"])
    # benchmarks do not weigh sales at all; nails weigh a year's sales against the potential, which a
    # seasonal factor does change (a lower season is a smaller year): those may move, no other tag does
    not_nail = (pl.col("tag") != "nail") & (pl.col("tag_after") != "nail")
    assert joined.filter(not_nail & (pl.col("tag") != pl.col("tag_after"))).is_empty()
