"""Coercion of text to contract types: accepted forms, and null (never an exception) for bad values."""
from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal, assert_series_equal

from tagkit.contract import FEEDBACK, ORDERS
from tagkit.io.coerce import (
    clean_text,
    coerce_frame,
    excel_serial,
    parse_bool,
    parse_date,
    parse_float,
    parse_int,
)


def _parse(values: list[str | None], expr: pl.Expr) -> pl.Series:
    return pl.DataFrame({"x": values}, schema={"x": pl.String}).select(expr.alias("x")).to_series()


def _typed(values: list[str | None], parser) -> pl.Series:
    return _parse(values, parser(clean_text(pl.col("x"), typed=True)))


def test_floats_accept_separators_currency_and_full_width() -> None:
    got = _typed(
        ["1,234.50", "¥1,234.50", "￥ 1 234.50", " 12 ", "１２３．５", "(1,234.50)", "15%", "-20", "RMB 8", "1e3"],
        parse_float,
    )
    want = [1234.5, 1234.5, 1234.5, 12.0, 123.5, -1234.5, 0.15, -20.0, 8.0, 1000.0]
    assert_series_equal(got, pl.Series("x", want, dtype=pl.Float64))


def test_floats_bad_values_become_null() -> None:
    got = _typed(["abc", "1,23", "12..5", "nan", "inf", "-", "N/A", "", None], parse_float)
    assert got.null_count() == got.len()


def test_ints_accept_whole_numbers_only() -> None:
    got = _typed(["12", "12.0", "1,200", " ７ ", "3.5", "x", None], parse_int)
    assert_series_equal(got, pl.Series("x", [12, 12, 1200, 7, None, None, None], dtype=pl.Int64))


@pytest.mark.parametrize(
    "text",
    ["2026-02-05", "2026/2/5", "20260205", "2026.2.5", "2026-02-05 13:45:00", "2026/02/05 13:45",
     "2026年2月5日", "2026-02-05T13:45:00Z", " 2026-2-5 "],
)
def test_each_date_form(text: str) -> None:
    got = _typed([text], parse_date)
    assert got.to_list() == [dt.date(2026, 2, 5)]


def test_dates_bad_values_become_null() -> None:
    got = _typed(["2026-02-30", "05/02/2026", "2026-13-01", "yesterday", "46058", "2026-02-05 noon"], parse_date)
    assert got.null_count() == got.len()


def test_excel_serials_only_when_asked() -> None:
    serial = str(excel_serial(dt.date(2026, 2, 5)))
    assert serial == "46058"
    with_serials = _parse([serial, "46058.75"], parse_date(clean_text(pl.col("x"), typed=True), excel_serials=True))
    assert with_serials.to_list() == [dt.date(2026, 2, 5)] * 2
    assert _typed([serial], parse_date).to_list() == [None]


@pytest.mark.parametrize(
    ("texts", "value"),
    [
        (["是", "Y", "y", "yes", "YES", "true", "True", "1", "t"], True),
        (["否", "N", "n", "no", "No", "false", "FALSE", "0", "f"], False),
        (["maybe", "2", "", None], None),
    ],
)
def test_booleans_in_each_form(texts: list[str | None], value: bool | None) -> None:
    assert _typed(texts, parse_bool).to_list() == [value] * len(texts)


def test_clean_text_keeps_na_in_string_columns_but_not_typed_ones() -> None:
    df = pl.DataFrame({"x": [" NA ", "#N/A", "  ", "-", "ok"]})
    got = df.select(
        s=clean_text(pl.col("x"), typed=False),
        t=clean_text(pl.col("x"), typed=True),
    )
    want = pl.DataFrame({"s": ["NA", None, None, "-", "ok"], "t": [None, None, None, None, "ok"]})
    assert_frame_equal(got, want)


def test_coerce_frame_text_source_keeps_raw_for_parsed_columns() -> None:
    """An orders file read as text: every non-string contract column gets a _raw_ twin."""
    lf = pl.LazyFrame(
        {
            "order_id": [" O1 ", "O2", "O3"],
            "customer_id": ["C1", "", "C3"],
            "order_date": ["2026/2/5", "soon", None],
            "amount": ["1,234.50", "12", "x"],
        }
    )
    out, raws = coerce_frame(lf, ORDERS)
    assert raws == ["_raw_order_date", "_raw_amount"]
    assert out.collect_schema().names() == ["order_id", "customer_id", "order_date", "amount", *raws]
    got = out.collect()
    want = pl.DataFrame(
        {
            "order_id": ["O1", "O2", "O3"],
            "customer_id": ["C1", None, "C3"],
            "order_date": [dt.date(2026, 2, 5), None, None],
            "amount": [1234.5, 12.0, None],
            "_raw_order_date": ["2026/2/5", "soon", None],
            "_raw_amount": ["1,234.50", "12", "x"],
        },
        schema_overrides={"order_date": pl.Date},
    )
    assert_frame_equal(got, want)


def test_coerce_frame_typed_source_casts_without_raw() -> None:
    """A parquet feedback file with native types: ints, datetimes, floats holding whole ids."""
    lf = pl.LazyFrame(
        {
            "customer_id": [1001.0, 1002.5],
            "feedback_date": [dt.datetime(2026, 2, 5, 13, 45), dt.datetime(2026, 3, 1)],
            "satisfaction": [4.0, 3.5],
            "complaint": [True, False],
        }
    )
    out, _raws = coerce_frame(lf, FEEDBACK)
    got = out.collect()
    assert got["customer_id"].to_list() == ["1001", "1002.5"]
    assert got["feedback_date"].to_list() == [dt.date(2026, 2, 5), dt.date(2026, 3, 1)]
    # a float where an int is due goes through text: 3.5 is unparseable, its raw is kept
    assert got["satisfaction"].to_list() == [4, None]
    assert got["_raw_satisfaction"].to_list() == ["4", "3.5"]
    assert got["complaint"].to_list() == [True, False]
    assert [c for c in got.columns if c.startswith("_raw_")] == ["_raw_satisfaction"]
