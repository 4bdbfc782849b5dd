"""The polars translation of each expectation type, on frames small enough to count by eye."""
from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tagkit.validation import evaluate_suite
from tagkit.validation.evaluate import flag, resolve_repeats
from tagkit.validation.plan import condition_expr, plan_suite
from tagkit.validation.result import Example

NAN, INF = float("nan"), float("inf")


def suite(*expectations: dict[str, Any]) -> dict[str, Any]:
    return {"name": "t", "expectations": [
        {"type": e.pop("type"), "kwargs": e, "meta": {"severity": "row", "reason": "r"}} for e in expectations
    ]}


@pytest.fixture
def frame() -> pl.DataFrame:
    """Five rows of one table from two files: ids with a duplicate and a null, floats with
    NaN, inf and null, dates around a quarter end, and a code column with a stray value."""
    return pl.DataFrame({
        "id": ["a", "b", "b", None, "c"],
        "x": [0.5, NAN, INF, None, -1.0],
        "d": [dt.date(2026, 9, 30), dt.date(2026, 10, 1), None, dt.date(2026, 1, 1), dt.date(2026, 12, 31)],
        "code": ["p", "q", "zz", None, "p"],
        "_file": ["a.csv", "a.csv", "a.csv", "b.csv", "b.csv"],
        "_row": [1, 2, 3, 1, 2],
    })


def one(frame: pl.DataFrame, parameters: dict[str, Any] | None = None, **expectation: Any) -> Any:
    return evaluate_suite(frame, suite(expectation), parameters=parameters or {})[0]


def test_not_null_counts_nulls_only_not_nan(frame: pl.DataFrame) -> None:
    r = one(frame, type="expect_column_values_to_not_be_null", column="x")
    assert (r.success, r.unexpected_count, r.element_count, r.missing_count) == (False, 1, 5, None)
    assert r.examples == (Example("b.csv", 1, None),)


def test_mostly_lets_a_share_of_rows_fail(frame: pl.DataFrame) -> None:
    assert one(frame, type="expect_column_values_to_not_be_null", column="x", mostly=0.8).success is True
    assert one(frame, type="expect_column_values_to_not_be_null", column="x", mostly=0.81).success is False


def test_between_flags_nan_and_infinity_and_ignores_nulls(frame: pl.DataFrame) -> None:
    r = one(frame, type="expect_column_values_to_be_between", column="x", min_value=-1.7e308, max_value=1.7e308)
    assert (r.unexpected_count, r.missing_count, r.unexpected_percent) == (2, 1, 50.0)
    assert [e.value for e in r.examples] == ["NaN", "inf"]
    # a one-sided bound still flags NaN (polars orders NaN above everything)
    assert one(frame, type="expect_column_values_to_be_between", column="x", min_value=0).unexpected_count == 2


def test_between_strict_bounds(frame: pl.DataFrame) -> None:
    r = one(frame, type="expect_column_values_to_be_between", column="x", min_value=-1.0, strict_min=True,
            max_value=0.5, strict_max=True)
    assert [e.value for e in r.examples] == ["0.5", "NaN", "inf", "-1.0"]


def test_between_dates_with_a_parameter(frame: pl.DataFrame) -> None:
    r = one(frame, {"quarter_end": dt.date(2026, 9, 30)},
            type="expect_column_values_to_be_between", column="d", max_value={"$PARAMETER": "quarter_end"})
    assert [(e.file, e.row, e.value) for e in r.examples] == [("a.csv", 2, "2026-10-01"), ("b.csv", 2, "2026-12-31")]


def test_in_set_and_not_in_set(frame: pl.DataFrame) -> None:
    r = one(frame, type="expect_column_values_to_be_in_set", column="code", value_set=["p", "q"])
    assert (r.unexpected_count, r.missing_count) == (1, 1)
    ids = pl.Series(["a", "c"])
    r = one(frame, {"known": ids}, type="expect_column_values_to_be_in_set", column="id",
            value_set={"$PARAMETER": "known"})
    assert [e.value for e in r.examples] == ["b", "b"]
    r = one(frame, type="expect_column_values_to_not_be_in_set", column="code", value_set=["p"])
    assert r.unexpected_count == 2


def test_unique_flags_every_occurrence_and_ignores_nulls(frame: pl.DataFrame) -> None:
    r = one(frame, type="expect_column_values_to_be_unique", column="id")
    assert (r.unexpected_count, [e.row for e in r.examples]) == (2, [2, 3])


def test_compound_unique_skips_rows_where_every_key_is_null() -> None:
    """Three keys (a, 1) twice, (None, None) twice: only the real duplicates count."""
    keys = pl.DataFrame({"k1": ["a", "a", None, None, "b"], "k2": [1, 1, None, None, 1]})
    r = one(keys, type="expect_compound_columns_to_be_unique", column_list=["k1", "k2"])
    assert (r.unexpected_count, r.missing_count, [e.value for e in r.examples]) == (2, 2, ["a, 1", "a, 1"])


def test_row_condition_limits_the_domain(frame: pl.DataFrame) -> None:
    r = one(frame, type="expect_column_values_to_be_null", column="code",
            row_condition={"type": "nullity", "column": {"name": "id"}, "is_null": False})
    assert (r.element_count, r.unexpected_count) == (4, 4)
    expr = condition_expr({"type": "and", "conditions": [
        {"type": "comparison", "column": {"name": "x"}, "operator": ">", "parameter": 0},
        {"type": "comparison", "column": {"name": "code"}, "operator": "IN", "parameter": ["p", "zz"]},
    ]})
    assert frame.select(expr).to_series().to_list() == [True, False, True, False, False]


def test_aggregate_expectations(frame: pl.DataFrame) -> None:
    results = evaluate_suite(frame, suite(
        {"type": "expect_column_to_exist", "column": "id"},
        {"type": "expect_column_to_exist", "column": "nope"},
        {"type": "expect_column_values_to_be_in_type_list", "column": "d", "type_list": ["Date"]},
        {"type": "expect_column_values_to_be_in_type_list", "column": "x", "type_list": ["Int64"]},
        {"type": "expect_table_row_count_to_be_between", "min_value": 1},
        {"type": "expect_column_proportion_of_non_null_values_to_be_between", "column": "id",
         "min_value": 0, "strict_min": True},
        {"type": "expect_column_proportion_of_non_null_values_to_be_between", "column": "id", "min_value": 0.9},
    ), parameters={})
    assert [r.success for r in results] == [True, False, True, False, True, True, False]
    assert [r.observed_value for r in results[2:]] == ["Date", "Float64", 5, 0.8, 0.8]


def test_empty_frame_passes_map_checks_vacuously_and_fails_proportions(frame: pl.DataFrame) -> None:
    """As GE does: nothing to flag on zero rows, but a proportion of zero rows is 0."""
    empty = frame.clear()
    assert one(empty, type="expect_column_values_to_not_be_null", column="id").success is True
    assert one(empty, type="expect_column_proportion_of_non_null_values_to_be_between",
               column="id", min_value=0, strict_min=True).success is False


def test_missing_parameter_or_column_skips_with_a_reason(frame: pl.DataFrame) -> None:
    results = evaluate_suite(frame, suite(
        {"type": "expect_column_values_to_be_in_set", "column": "id", "value_set": {"$PARAMETER": "known_reps"}},
        {"type": "expect_column_values_to_be_in_set", "column": "id", "value_set": {"$PARAMETER": "other"}},
        {"type": "expect_column_values_to_not_be_null", "column": "absent"},
    ), parameters={}, unavailable={"known_reps": "reps is absent"})
    assert [(r.success, r.skipped) for r in results] == [
        (None, "reps is absent"), (None, "no value given for parameter 'other'"), (None, "column absent is absent"),
    ]


def test_unknown_expectation_type_is_refused(frame: pl.DataFrame) -> None:
    with pytest.raises(ValueError, match="no polars translation"):
        one(frame, type="expect_column_values_to_match_like_pattern", column="id", like_pattern="a%")


def test_flag_adds_each_mask_once_as_a_column(frame: pl.DataFrame) -> None:
    checks = plan_suite(suite({"type": "expect_column_values_to_not_be_null", "column": "id"},
                              {"type": "expect_table_row_count_to_be_between", "min_value": 1}), frame.schema, {})
    flagged, rewritten = flag(frame, checks)
    assert isinstance(flagged, pl.LazyFrame)
    assert_frame_equal(flagged.select("__unexpected_0").collect(),
                       pl.DataFrame({"__unexpected_0": [False, False, False, True, False]}))
    assert rewritten[1] is checks[1]


def test_uniqueness_is_resolved_to_the_repeated_keys_before_flagging(frame: pl.DataFrame) -> None:
    """The key counts come from a group_by, so that no step needs the whole column at once."""
    checks = plan_suite(suite({"type": "expect_column_values_to_be_unique", "column": "id"}), frame.schema, {})
    with pytest.raises(ValueError, match="resolve_repeats"):
        flag(frame, checks)
    flagged, _ = flag(frame, resolve_repeats(frame.lazy(), checks))
    assert flagged.select("__unexpected_0").collect().to_series().to_list() == [False, True, True, False, False]


def test_result_has_the_shape_of_a_ge_validation_result(frame: pl.DataFrame) -> None:
    r = one(frame, type="expect_column_values_to_not_be_null", column="id").to_dict()
    assert r["success"] is False
    assert r["expectation_config"]["type"] == "expect_column_values_to_not_be_null"
    assert r["result"]["unexpected_count"] == 1 and r["result"]["element_count"] == 5
    assert r["result"]["partial_unexpected_index_list"] == [{"_file": "b.csv", "_row": 1}]
