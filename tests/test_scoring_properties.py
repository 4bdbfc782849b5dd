"""Properties of the scorer on small generated datasets (hypothesis).

Scores stay in range, input row order changes nothing, more complaints or competitor signals
never lower ``score_risk``, and the same input gives the same parquet bytes.
"""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from tagkit.contract import OUTCOMES, SCOPES, SIGNALS, TOPICS, VISIT_TYPES
from tagkit.params import load_params
from tagkit.scoring import score_customers

P = load_params(Path(__file__).resolve().parents[1] / "params").scoring
QUARTER = "2026Q3"
START = dt.date(2024, 10, 1)
SPAN = 760  # days from START: a little past the as-of date, to check later rows are ignored
RECENT = dt.date(2026, 8, 15)  # inside the recent window of 2026Q3
SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])

day = st.integers(0, SPAN).map(lambda d: START + dt.timedelta(days=d))


@st.composite
def datasets(draw) -> dict[str, pl.DataFrame]:
    """2–6 customers in one or two regions, with orders, visits, feedback and competitor signals."""
    n = draw(st.integers(2, 6))
    ids = [f"C{i}" for i in range(n)]
    maybe = lambda s: st.one_of(st.none(), s)  # noqa: E731
    customers = pl.DataFrame({
        "customer_id": ids,
        "customer_name": ids,
        "region": draw(st.lists(st.sampled_from(["华东", "华北"]), min_size=n, max_size=n)),
        "rep_id": ["R1"] * n,
        "potential_annual_value": draw(st.lists(maybe(st.floats(1e4, 1e7)), min_size=n, max_size=n)),
        "downstream_outlets": draw(st.lists(maybe(st.integers(0, 500)), min_size=n, max_size=n)),
        "influence_scope": draw(st.lists(maybe(st.sampled_from(SCOPES)), min_size=n, max_size=n)),
        "referrals": draw(st.lists(maybe(st.integers(0, 20)), min_size=n, max_size=n)),
        "since": draw(st.lists(maybe(day), min_size=n, max_size=n)),
    }, schema_overrides={"potential_annual_value": pl.Float64, "downstream_outlets": pl.Int64,
                         "influence_scope": pl.String, "referrals": pl.Int64, "since": pl.Date})
    cust = st.sampled_from(ids)
    orders = draw(st.lists(st.tuples(cust, day, st.integers(-5_000, 500_000).map(lambda c: c / 100),
                                     st.sampled_from(["A", "B", "C"])), min_size=1, max_size=60))
    visits = draw(st.lists(st.tuples(cust, day, st.sampled_from(VISIT_TYPES), st.sampled_from(OUTCOMES)),
                           max_size=30))
    feedback = draw(st.lists(st.tuples(cust, day, maybe(st.integers(1, 5)), maybe(st.integers(1, 5)), st.booleans(),
                                       st.sampled_from(TOPICS)), max_size=30))
    signals = draw(st.lists(st.tuples(cust, day, st.sampled_from(SIGNALS)), max_size=15))
    return {
        "customers": customers,
        "orders": pl.DataFrame(
            [(f"O{i}", *o) for i, o in enumerate(orders)], orient="row",
            schema={"order_id": pl.String, "customer_id": pl.String, "order_date": pl.Date, "amount": pl.Float64,
                    "product_line": pl.String},
        ),
        "visits": pl.DataFrame(
            [(c, "R1", d, t, o) for c, d, t, o in visits], orient="row",
            schema={"customer_id": pl.String, "rep_id": pl.String, "visit_date": pl.Date, "visit_type": pl.String,
                    "outcome": pl.String},
        ),
        "feedback": _feedback(feedback),
        "competitor_signals": _signals(signals),
    }


def _feedback(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(
        [(c, d, s, k, comp, topic if comp else None) for c, d, s, k, comp, topic in rows], orient="row",
        schema={"customer_id": pl.String, "feedback_date": pl.Date, "satisfaction": pl.Int64,
                "cooperation": pl.Int64, "complaint": pl.Boolean, "complaint_topic": pl.String},
    )


def _signals(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(
        [(c, d, "华彩涂料", s) for c, d, s in rows], orient="row",
        schema={"customer_id": pl.String, "signal_date": pl.Date, "competitor": pl.String, "signal": pl.String},
    )


def _score(tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    return score_customers({k: v.lazy() for k, v in tables.items()}, quarter=QUARTER, p=P).collect()


@SETTINGS
@given(datasets())
def test_scores_are_in_range_or_null(tables):
    out = _score(tables)
    assert out.height == tables["customers"].height
    assert out["customer_id"].to_list() == sorted(tables["customers"]["customer_id"].to_list())
    for col in [c for c in out.columns if c.startswith("score_")]:
        values = out[col].drop_nulls()
        assert ((values >= 0) & (values <= 100)).all(), col
    # a chance of going bad exists for every customer who has ordered; one who never did is not a customer yet
    ordered = pl.col("last_order").is_not_null()
    assert out.filter(ordered)["score_risk"].null_count() == 0
    assert out.filter(~ordered)["score_risk"].null_count() == out.filter(~ordered).height
    assert set(out["tag"].unique()) <= {"benchmark", "nail", "at_risk", "regular"}


@SETTINGS
@given(datasets(), st.randoms(use_true_random=False))
def test_input_row_order_changes_nothing(tables, rnd):
    shuffled = {k: v.sample(fraction=1.0, shuffle=True, seed=rnd.randint(0, 2**31)) for k, v in tables.items()}
    assert_frame_equal(_score(tables), _score(shuffled))


@SETTINGS
@given(datasets(), st.data())
def test_more_complaints_never_lower_risk(tables, data):
    who = data.draw(st.sampled_from(tables["customers"]["customer_id"].to_list()))
    extra = data.draw(st.integers(1, 4))
    topics = data.draw(st.lists(st.sampled_from(TOPICS), min_size=extra, max_size=extra))
    more = pl.concat([tables["feedback"], _feedback([(who, RECENT, None, None, True, t) for t in topics])])
    before, after = _score(tables), _score({**tables, "feedback": more})
    assert (after["score_risk"] >= before["score_risk"] - 1e-9).all()


@SETTINGS
@given(datasets(), st.data())
def test_more_competitor_signals_never_lower_risk(tables, data):
    who = data.draw(st.sampled_from(tables["customers"]["customer_id"].to_list()))
    kinds = data.draw(st.lists(st.sampled_from(SIGNALS), min_size=1, max_size=4))
    more = pl.concat([tables["competitor_signals"], _signals([(who, RECENT, k) for k in kinds])])
    before, after = _score(tables), _score({**tables, "competitor_signals": more})
    assert (after["score_risk"] >= before["score_risk"] - 1e-9).all()


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(datasets())
def test_identical_input_gives_identical_parquet_bytes(tables):
    def written() -> bytes:
        buffer = io.BytesIO()
        _score(tables).write_parquet(buffer, statistics=False)
        return buffer.getvalue()

    assert written() == written()
