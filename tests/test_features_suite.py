"""The features table's expectation suite (validation/suites/features.json): what a panel handed to a run
must satisfy before anything is scored from it, and the message each broken panel gets.

The panels here are made as a warehouse would hand them over: :func:`order_features` of the tiny
fixture's clean order lines, written to parquet, then broken in one way each.
"""
from __future__ import annotations

import datetime as dt
import math
import warnings
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from tagkit.contract import FEATURES_SCHEMA, HOW, SPECULATOR_SCHEMA
from tagkit.errors import InputError, UsageError
from tagkit.io import load_dataset
from tagkit.params import load_params
from tagkit.scoring.order_lines import order_features
from tagkit.steps.features_input import PREFLIGHT_REASONS, check_features_table
from tagkit.validation import to_ge_suite, validate_dataset
from tagkit.validation.evaluate import evaluate_suite
from tagkit.validation.features_suite import SUITE_FILE, build_features_suite, load_features_suite, with_quarter_bounds
from tagkit.validation.plan import MAP_TYPES

ROOT = Path(__file__).resolve().parents[1]
PARAMS = load_params(ROOT / "params")
QUARTER = "2026Q3"
END_DAYS = PARAMS.prescription.speculator.quarter_end_days


@pytest.fixture(scope="module")
def panel(tiny_data) -> pl.DataFrame:
    """The tiny fixture's features table (526 customer-quarters, 2024Q4..2026Q3), both column groups."""
    with load_dataset(tiny_data, io=PARAMS.io) as dataset:
        result = validate_dataset(dataset.tables, quarter=QUARTER, params=PARAMS.validation, missing=dataset.missing)
    return order_features(result.clean["orders"].lazy(), quarter_end_days=END_DAYS).collect()


def _check(frame: pl.DataFrame, path: Path, *, quarter: str = QUARTER, end_days: int = END_DAYS, **kw: Any):
    frame.write_parquet(path)
    return check_features_table(path, quarter=quarter, quarter_end_days=end_days, **kw)


def test_the_committed_suite_is_what_the_builder_makes_from_the_features_schema():
    """A change of the features schema must come with the regenerated suite
    (python -m tagkit.validation write-suites)."""
    assert load_features_suite() == build_features_suite(FEATURES_SCHEMA | SPECULATOR_SCHEMA, HOW), (
        f"{SUITE_FILE.name} is stale: run `python -m tagkit.validation write-suites` and commit the diff")
    reasons = [e["meta"]["reason"] for e in load_features_suite()["expectations"]]
    for wanted in ("missing_column", "wrong_type", "duplicate_key", "malformed_quarter", "order_days_out_of_range",
                   "other_purchase_days_out_of_range", "quarter_end_days_out_of_range", "first_after_last",
                   "first_order_outside_quarter", "last_order_outside_quarter", "quarters_do_not_reach",
                   "quarter_end_days_differs"):
        assert wanted in reasons, wanted


def test_a_panel_made_from_the_order_lines_passes(panel, tmp_path):
    check = _check(panel, tmp_path / "f.parquet")
    assert check.failed == [] and check.rows == panel.height == 526
    assert check.last_quarter == QUARTER
    assert all(r.success for r in check.results), [r.reason for r in check.results if not r.success]


def _broken(panel: pl.DataFrame, what: str) -> pl.DataFrame:
    """``panel`` with one planted problem (row numbers are 1-based positions in the written file)."""
    row = pl.int_range(pl.len())
    if what == "duplicate key":
        return pl.concat([panel, panel.slice(3, 1)])
    if what == "negative count":
        return panel.with_columns(order_days=pl.when(row == 4).then(-2).otherwise("order_days"))
    if what == "negative other_purchase_days":
        return panel.with_columns(other_purchase_days=pl.when(row == 9).then(-1).otherwise("other_purchase_days"))
    if what == "malformed quarter":
        return panel.with_columns(quarter=pl.when(row == 6).then(pl.lit("2026-3")).otherwise("quarter"))
    if what == "date outside its quarter":
        return panel.with_columns(first_order=pl.when(row == 2).then(pl.col("first_order") - pl.duration(days=200))
                                  .otherwise("first_order"))
    if what == "first after last":
        return panel.with_columns(first_order=pl.when(row == 0).then(pl.col("last_order") + pl.duration(days=1))
                                  .otherwise("first_order"))
    raise ValueError(what)


@pytest.mark.parametrize(("what", "message"), [
    ("duplicate key", r"each \(customer_id, quarter\) appears on one row only; got 2 rows where it is not "
                      r"\(e\.g\. rows 4, 527 of the file: 'C\d+, \d{4}Q\d'.*\)\. Group by customer_id and quarter"),
    ("negative count", r"order_days is between 1 and 92; got 1 row where it is not \(e\.g\. rows 5 of the file: "
                       r"'-2'\)\. Make it COUNT\(DISTINCT order_date\)"),
    ("negative other_purchase_days", r"other_purchase_days is between 0 and 92; got 1 row .*rows 10 .*'-1'"),
    ("malformed quarter", r"quarter is a label YYYYQn \(e\.g\. 2026Q3\); got 1 row .*rows 7 of the file: '2026-3'"),
    ("date outside its quarter", r"first_order is not before the first day of the row's quarter; got 1 row .*rows 3 "
                                 r"of the file: 'first_order \d{4}-\d\d-\d\d, quarter_first_day \d{4}-\d\d-01'"),
    ("first after last", r"first_order is not after last_order; got 1 row .*rows 1 of the file"),
])
def test_a_broken_panel_is_refused_naming_the_file_the_check_example_rows_and_the_fix(panel, tmp_path, what, message):
    path = tmp_path / "features.parquet"
    check = _check(_broken(panel, what), path)
    with pytest.raises(InputError, match=rf"(?s)the features table {path} cannot be scored from.*{path}: {message}"):
        check.raise_if_failed()


def test_wrong_types_and_missing_speculator_columns_are_all_named_at_once(panel, tmp_path):
    broken = panel.drop("end_purchase_cents", "quarter_end_days").with_columns(
        pl.col("sales_cents").cast(pl.Float64), pl.col("first_order").cast(pl.String))
    path = tmp_path / "f.parquet"
    check = _check(broken, path, reasons=PREFLIGHT_REASONS)
    messages = check.messages()
    assert any(f"{path}: column 'end_purchase_cents' must be present; it is missing. Make it the same over the "
               "quarter's last quarter_end_days days, as BIGINT" in m for m in messages), messages
    assert any(f"{path}: column 'quarter_end_days' must be present" in m for m in messages)
    assert any(f"{path}: column 'sales_cents' must be Int8 or Int16 or Int32 or Int64 or UInt8 or UInt16 or UInt32; "
               "got Float64. Make it SUM(ROUND(amount * 100)) as BIGINT" in m for m in messages)
    assert any("column 'first_order' must be Date; got String" in m for m in messages)
    with pytest.raises(InputError):
        check.raise_if_failed()


def test_any_integer_type_is_accepted_for_the_counts(panel, tmp_path):
    narrow = panel.with_columns(pl.col("order_days", "other_purchase_days", "quarter_end_days").cast(pl.Int32))
    assert _check(narrow, tmp_path / "f.parquet").failed == []


def test_other_quarter_end_days_is_refused_with_exit_3(panel, tmp_path):
    check = _check(panel, tmp_path / "f.parquet", end_days=5)
    assert [r.reason for r in check.failed] == ["quarter_end_days_differs"]
    with pytest.raises(InputError, match=r"column 'quarter_end_days' must be 5 \(params prescription\.speculator\."
                                         r"quarter_end_days\); got 7 in 526 of 526 rows\. Make the table again with "
                                         r"the run's days, or set params"):
        check.raise_if_failed()


def test_quarters_that_do_not_reach_the_run_are_a_usage_error(panel, tmp_path):
    early = panel.filter(pl.col("quarter") < "2026Q2")
    check = _check(early, tmp_path / "f.parquet")
    assert [r.reason for r in check.failed] == ["quarters_do_not_reach"]
    with pytest.raises(UsageError, match=r"the latest quarter must be at least the run's quarter 2026Q3; got 2026Q1\. "
                                         r"Make the table from order lines up to the run's quarter's last day"):
        check.raise_if_failed()
    # an earlier quarter than the run is fine: later rows are ignored by the scorer
    assert _check(panel, tmp_path / "g.parquet", quarter="2025Q4").failed == []


def test_a_hive_partitioned_folder_is_one_table(panel, tmp_path):
    folder = tmp_path / "features"
    panel.write_parquet(folder, partition_by="quarter")
    check = check_features_table(folder, quarter=QUARTER, quarter_end_days=END_DAYS)
    assert check.failed == [] and check.rows == panel.height


def _ge_results(frame: pl.DataFrame, suite: dict[str, Any], parameters: dict[str, Any]) -> dict[int, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GE's import and setup warn about their own dependencies
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        kept = [i for i, e in enumerate(suite["expectations"]) if "type_list" not in e["kwargs"]]
        ge_suite = context.suites.add(to_ge_suite({**suite, "expectations": [suite["expectations"][i] for i in kept]}))
        batch = (context.data_sources.add_pandas("pandas_features").add_dataframe_asset("features")
                 .add_batch_definition_whole_dataframe("all")
                 .get_batch(batch_parameters={"dataframe": frame.to_pandas(use_pyarrow_extension_array=True)}))
        validation = batch.validate(ge_suite, expectation_parameters=parameters)
    index_of = {e.id: i for i, e in zip(kept, ge_suite.expectations, strict=True)}
    return {index_of[r.expectation_config.id]: r for r in validation.results}


def test_the_polars_evaluation_of_the_suite_matches_great_expectations(panel):
    """The pair, regex and column-max expectations this suite added to the evaluator give GE's own answers,
    on a panel with every problem planted (the type checks name polars types and are left out, as in
    test_validation_equivalence.py)."""
    frame = pl.concat([_broken(panel, w).head(40) for w in (
        "duplicate key", "negative count", "malformed quarter", "date outside its quarter", "first after last")])
    frame = frame.with_columns(last_purchase=pl.when(pl.int_range(pl.len()) % 7 == 0).then(None)
                               .otherwise("last_purchase"))
    frame = with_quarter_bounds(frame.drop("product_lines").lazy()).collect()  # pandas has no list to compare
    suite = load_features_suite()
    parameters = {"run_quarter_end": dt.date(2026, 12, 31), "quarter_end_days": 5}
    ours = evaluate_suite(frame, suite, parameters=parameters)
    theirs = _ge_results(frame, suite, parameters)
    mismatches, compared = [], 0
    for mine in ours:
        if mine.index not in theirs or mine.column == "product_lines":
            continue
        ge = theirs[mine.index]
        assert not ge.exception_info.get("raised_exception"), (mine.reason, ge.exception_info)
        value = mine.unexpected_count if mine.expectation_type in MAP_TYPES else mine.observed_value
        expected = ge.result.get("unexpected_count") if mine.expectation_type in MAP_TYPES else ge.result.get(
            "observed_value")
        same = math.isclose(value, expected) if isinstance(value, float) else value == expected
        if mine.success != ge.success or not same:
            mismatches.append(f"{mine.reason}: polars {(mine.success, value)}, GE {(ge.success, expected)}")
        compared += 1
    assert not mismatches, "\n".join(mismatches)
    failing = {r.reason for r in ours if r.failed}
    assert {"duplicate_key", "malformed_quarter", "first_after_last", "first_order_outside_quarter",
            "quarters_do_not_reach", "quarter_end_days_differs"} <= failing
    assert compared > 30
