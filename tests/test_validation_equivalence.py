"""tagkit's polars evaluator gives GE's own answers.

Each committed suite runs twice on the same small frame with planted problems: once
through Great Expectations (ephemeral context, pandas datasource) and once through
:func:`tagkit.validation.evaluate_suite`. Per expectation, success and unexpected_count
(or the observed value of aggregate expectations) must agree.

The pandas frame uses pyarrow dtypes, so that null and NaN stay distinct as they are in
polars (numpy-backed pandas turns every null float into NaN and every nullable int into
float). Type expectations are left out: their type names are engine-specific (the suites
name polars dtypes), and they are tested against polars in test_validation_evaluate.py.
"""
from __future__ import annotations

import datetime as dt
import itertools
import math
import warnings
from typing import Any

import polars as pl
import pytest

from tagkit.contract import TABLES
from tagkit.validation import evaluate_suite, load_suites, to_ge_suite
from tagkit.validation.plan import MAP_TYPES
from validation_support import customer, intake_frame, order, rep

NAN, INF = float("nan"), float("inf")
D = dt.date
KNOWN_CUSTOMERS = ["C1", "C2", "C5", "C6"]
KNOWN_REPS = ["R1", "R2"]
TYPE_CHECKS = {"expect_column_values_to_be_in_type_list", "expect_column_values_to_be_of_type"}


def planted(table: str) -> pl.DataFrame:
    """A few rows of ``table`` with one of each problem its suite looks for."""
    rows: dict[str, list[dict[str, Any]]] = {
        "customers": [
            customer("C1", lat=31.2, lon=121.5, channel="dealer", potential_annual_value=1e6,
                     downstream_outlets=5, influence_scope="city", referrals=2, since=D(2020, 1, 1), note="ok"),
            customer("C2", region=None),                        # missing region
            customer("C2"),                                     # duplicate id
            customer(None),                                     # missing id
            customer("C5", lat=95.0, lon=10.0),                 # impossible latitude
            customer("C6", lat=0.0, lon=0.0),                   # null island
            customer("C7", lat=0.0, lon=None),                  # lat 0 alone is a place
            customer("C8", lat=NAN, lon=1.0, potential_annual_value=INF),
            customer("C9", potential_annual_value=-5.0, downstream_outlets=-1, referrals=-2),
            customer("C10", channel="bogus", influence_scope="galactic", since=None, _raw_since="yesterday"),
            customer("C11", rep_id="R404", lat=None, _raw_lat="north"),
            customer("C12", customer_name=None, rep_id=None),
        ],
        "orders": [
            order("O1", "C1", product_line="A", quantity=2.0, discount=0.1),
            order("O2", "C404"),                                 # unknown customer
            order("O3", None, day=None),                         # missing customer and date
            order("O4", "C1", day=None, _raw_order_date="31/13/2026"),
            order("O5", "C2", day=D(2026, 10, 1)),               # after the quarter
            order("O6", "C2", amount=None, _raw_amount="12,5 yuan"),
            order("O7", "C2", amount=None),
            order("O8", "C2", amount=NAN, quantity=-INF),
            order("O9", "C2", amount=INF, discount=0.99),
            order("O10", "C5", discount=-0.1, quantity=None, _raw_quantity="many"),
            order("O11", "C5", discount=NAN, _raw_discount="NaN"),
            order(None, "C6", amount=-40.0, product_line="B"),   # missing order id; a return
        ],
        "reps": [
            rep("R1", role="supervisor"),
            rep("R2", role="rep", manager_id="R1"),
            rep("R2", role="boss", manager_id="R9"),             # duplicate, bad role, unknown manager
            rep(None, rep_name=None),
            rep("R5", region=None, manager_id="R2"),
        ],
        "visits": [
            {"customer_id": "C1", "rep_id": "R1", "visit_date": D(2026, 7, 1), "visit_type": "routine",
             "outcome": "positive"},
            {"customer_id": "C404", "rep_id": "R9", "visit_date": D(2026, 12, 1), "visit_type": "party",
             "outcome": "meh"},
            {"customer_id": None, "rep_id": None, "visit_date": None, "_raw_visit_date": "soon"},
            {"customer_id": "C2", "rep_id": "R2", "visit_date": None},
        ],
        "feedback": [
            {"customer_id": "C1", "feedback_date": D(2026, 7, 1), "satisfaction": 5, "cooperation": 1,
             "complaint": False},
            {"customer_id": "C2", "feedback_date": D(2026, 7, 2), "satisfaction": 0, "cooperation": 6,
             "complaint": True, "complaint_topic": "weather"},
            {"customer_id": "C404", "feedback_date": D(2026, 11, 2), "satisfaction": None, "_raw_satisfaction": "good",
             "complaint": None, "_raw_complaint": "maybe"},
            {"customer_id": "C5", "feedback_date": None, "complaint_topic": "price"},
        ],
        "competitor_signals": [
            {"customer_id": "C1", "signal_date": D(2026, 7, 1), "competitor": "X", "signal": "quote"},
            {"customer_id": "C2", "signal_date": D(2026, 10, 1), "signal": "rumour"},
            {"customer_id": "C404", "signal_date": None, "signal": None},
        ],
        "actions": [
            {"action_id": "C1:at_risk_watch", "customer_id": "C1", "action_code": "at_risk_watch",
             "due_date": D(2026, 10, 7), "status": "done", "note": "visited"},
            # a status in words
            {"action_id": "C1:win_back", "customer_id": "C1", "action_code": "win_back", "status": "完成"},
            {"action_id": "C404:win_back", "customer_id": "C404", "action_code": "win_back", "status": "declined"},
            {"action_id": None, "customer_id": "C2", "action_code": None, "status": None,
             "due_date": None, "_raw_due_date": "next week"},
        ],
    }
    return intake_frame(table, rows[table]).collect()


def parameters(table: str) -> dict[str, Any]:
    """Every parameter the suite names, so that GE evaluates every expectation."""
    values: dict[str, Any] = {
        "quarter_end": D(2026, 9, 30),
        "max_discount": 0.95,
        "known_customers_customer_id": KNOWN_CUSTOMERS,
        "known_reps_rep_id": KNOWN_REPS,
    }
    values |= {f"min_non_null_{c.name}": 0.75 for c in TABLES[table].columns if not c.required}
    return values


@pytest.fixture(scope="module")
def ge_context() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GE's import and setup warn about their own dependencies
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def run_ge(context: Any, table: str, run: str, frame: pl.DataFrame, suite: dict[str, Any]) -> dict[int, Any]:
    """GE's result per suite index (type expectations left out); ``run`` names the GE objects."""
    kept = [i for i, e in enumerate(suite["expectations"]) if e["type"] not in TYPE_CHECKS]
    trimmed = {**suite, "name": run, "expectations": [suite["expectations"][i] for i in kept]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ge_suite = context.suites.add(to_ge_suite(trimmed))
        asset = context.data_sources.add_pandas(f"pandas_{run}").add_dataframe_asset(table)
        batch = asset.add_batch_definition_whole_dataframe("all").get_batch(
            batch_parameters={"dataframe": frame.to_pandas(use_pyarrow_extension_array=True)}
        )
        validation = batch.validate(ge_suite, expectation_parameters=parameters(table))
    index_of = {e.id: i for i, e in zip(kept, ge_suite.expectations, strict=True)}
    return {index_of[r.expectation_config.id]: r for r in validation.results}


@pytest.mark.parametrize("rows", ["planted", "empty"])
@pytest.mark.parametrize("table", list(TABLES))
def test_polars_evaluation_matches_great_expectations(table: str, rows: str, ge_context: Any) -> None:
    frame = planted(table) if rows == "planted" else planted(table).clear()
    suite = load_suites()[table]
    ours = evaluate_suite(frame, suite, parameters=parameters(table))
    theirs = run_ge(ge_context, table, f"{table}_{rows}", frame, suite)

    compared, mismatches = 0, []
    for mine in ours:
        if mine.index not in theirs:
            continue
        ge = theirs[mine.index]
        assert not ge.exception_info.get("raised_exception"), ge.exception_info
        assert mine.success is not None, f"{mine.reason} was skipped"
        got = (mine.success, mine.unexpected_count if mine.expectation_type in MAP_TYPES else mine.observed_value)
        expected_value = ge.result.get("unexpected_count" if mine.expectation_type in MAP_TYPES else "observed_value")
        expected = (ge.success, expected_value)
        same_value = (
            math.isclose(float(got[1]), float(expected[1]))
            if isinstance(got[1], float) and expected[1] is not None else got[1] == expected[1]
        )
        if got[0] != expected[0] or not same_value:
            mismatches.append(f"#{mine.index} {mine.expectation_type}({mine.kwargs.get('column')}): "
                              f"polars {got}, GE {expected}")
        compared += 1
    assert not mismatches, "\n".join(mismatches)
    assert compared == len(theirs) > 10


def test_planted_problems_make_most_row_checks_fail() -> None:
    """The frames above exercise the checks: a row check that never fails proves nothing."""
    failing, total = 0, 0
    for table in TABLES:
        results = evaluate_suite(planted(table), load_suites()[table], parameters=parameters(table))
        row_results = [r for r in results if r.severity == "row"]
        total += len(row_results)
        failing += sum(1 for r in row_results if r.failed)
    assert failing / total > 0.8


def _compare(ours: list[Any], theirs: dict[int, Any]) -> list[str]:
    mismatches = []
    for mine in ours:
        if mine.index not in theirs:
            continue
        ge = theirs[mine.index]
        value = mine.unexpected_count if mine.expectation_type in MAP_TYPES else mine.observed_value
        expected = ge.result.get("unexpected_count" if mine.expectation_type in MAP_TYPES else "observed_value")
        same = math.isclose(float(value), float(expected)) if isinstance(value, float) and expected is not None \
            else value == expected
        if mine.success != ge.success or not same:
            mismatches.append(f"#{mine.index} {mine.expectation_type}: polars {(mine.success, value)}, "
                              f"GE {(ge.success, expected)}")
    return mismatches


@pytest.mark.parametrize("table", list(TABLES))
def test_streamed_evaluation_over_several_files_matches_great_expectations(table: str, ge_context: Any,
                                                                         tmp_path: Any) -> None:
    """The table split over three parquet files and scanned lazily, as intake reads a folder of
    partitions: every count (uniqueness across files included) is a streaming aggregate, and
    still GE's answer on the whole frame."""
    frame = planted(table)
    cuts = sorted({0, min(2, frame.height), frame.height // 2, frame.height})
    for k, (start, stop) in enumerate(itertools.pairwise(cuts)):
        frame.slice(start, stop - start).write_parquet(tmp_path / f"part-{k}.parquet")
    parts = pl.concat([pl.scan_parquet(tmp_path / f"part-{k}.parquet") for k in range(len(cuts) - 1)])
    suite = load_suites()[table]
    ours = evaluate_suite(parts, suite, parameters=parameters(table))
    theirs = run_ge(ge_context, table, f"{table}_parts", frame, suite)
    assert not _compare(ours, theirs)
    again = evaluate_suite(frame, suite, parameters=parameters(table))
    assert [r.examples for r in ours] == [r.examples for r in again]
