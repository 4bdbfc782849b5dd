"""The seam "beyond one machine": scores from a precomputed features table equal scores from the order lines.

The features table (docs/features.md) is everything the scorer takes from the order lines, one row
per customer and quarter. Here it is made by :func:`tagkit.scoring.order_features`, written to
parquet and read back, as a warehouse or Spark job would hand it over; the scores, the back-test
and the prescription made from it must equal those made from the order lines, to the last bit.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tagkit.backtest import run_backtest
from tagkit.contract import FEATURES_SCHEMA, SPECULATOR_SCHEMA
from tagkit.errors import InputError
from tagkit.io import load_dataset
from tagkit.io.features_table import read_features
from tagkit.params import load_params
from tagkit.prescription import prescribe
from tagkit.prescription.speculators import quarter_end_of
from tagkit.quarters import days_to_quarter_end
from tagkit.sample_data import generate_sample
from tagkit.scoring import order_features, order_lines, score_customers
from tagkit.scoring.order_lines import order_panels
from tagkit.validation import validate_dataset

ROOT = Path(__file__).resolve().parents[1]
PARAMS = load_params(ROOT / "params")
QUARTER = "2026Q3"
END_DAYS = PARAMS.prescription.speculator.quarter_end_days


def _clean_tables(data: Path) -> dict[str, pl.LazyFrame]:
    """The validated tables of a data folder, as the score step reads them."""
    with load_dataset(data, io=PARAMS.io) as dataset:
        result = validate_dataset(dataset.tables, quarter=QUARTER, params=PARAMS.validation, missing=dataset.missing)
    return {name: frame.lazy() for name, frame in result.clean.items()}


def _write_features(tables: dict[str, pl.LazyFrame], path: Path) -> Path:
    order_features(tables["orders"], quarter_end_days=END_DAYS).collect().write_parquet(path)
    return path


def _without_orders(tables: dict[str, pl.LazyFrame]) -> dict[str, pl.LazyFrame]:
    return {name: frame for name, frame in tables.items() if name != "orders"}


@pytest.fixture(scope="module")
def tiny(tiny_data) -> dict[str, pl.LazyFrame]:
    """The tiny fixture's clean tables (70 customers, 8 quarters, late entries quarantined)."""
    return _clean_tables(tiny_data)


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> dict[str, pl.LazyFrame]:
    """A generated sample of 300 customers (default seed), validated."""
    data = tmp_path_factory.mktemp("seam") / "data"
    generate_sample(data, customers=300)
    return _clean_tables(data)


@pytest.mark.parametrize("dataset", ["tiny", "sample"])
def test_scores_from_a_features_parquet_equal_scores_from_order_lines(dataset, request, tmp_path):
    tables = request.getfixturevalue(dataset)
    path = _write_features(tables, tmp_path / "features.parquet")
    from_lines = score_customers(tables, quarter=QUARTER, p=PARAMS.scoring).collect()
    from_features = score_customers(_without_orders(tables), quarter=QUARTER, p=PARAMS.scoring,
                                    features=read_features(path)).collect()
    assert from_lines.height > 0
    assert_frame_equal(from_features, from_lines)  # every column, every value, the same row order


def test_a_features_table_without_the_speculator_columns_scores_the_same(tiny):
    """The scorer needs only FEATURES_SCHEMA; a lazily passed table works as well as a file."""
    table = order_features(tiny["orders"])
    assert table.collect_schema().names() == list(FEATURES_SCHEMA)
    assert_frame_equal(score_customers(tiny, quarter=QUARTER, p=PARAMS.scoring, features=table).collect(),
                       score_customers(tiny, quarter=QUARTER, p=PARAMS.scoring).collect())


def test_backtest_and_prescription_from_features_equal_those_from_order_lines(sample, tmp_path):
    path = _write_features(sample, tmp_path / "features.parquet")
    lines = run_backtest(sample, quarter=QUARTER, scoring=PARAMS.scoring, backtest=PARAMS.backtest)
    table = run_backtest(_without_orders(sample), quarter=QUARTER, scoring=PARAMS.scoring, backtest=PARAMS.backtest,
                         features=read_features(path))
    assert table.scored == lines.scored and lines.scored
    assert_frame_equal(table.cases, lines.cases)
    assert_frame_equal(table.figures, lines.figures)

    scores = score_customers(sample, quarter=QUARTER, p=PARAMS.scoring).collect()
    rx_lines = prescribe(scores, sample, quarter=QUARTER, params=PARAMS).collect()
    rx_table = prescribe(scores, _without_orders(sample), quarter=QUARTER, params=PARAMS,
                         features=read_features(path, speculator=True)).collect()
    for name in rx_lines.table_names():
        assert_frame_equal(getattr(rx_table, name), getattr(rx_lines, name))


def test_the_features_table_has_the_documented_schema_and_grain(tiny):
    table = order_features(tiny["orders"], quarter_end_days=END_DAYS).collect()
    assert table.schema == pl.Schema({**FEATURES_SCHEMA, **SPECULATOR_SCHEMA})
    assert table.select("customer_id", "quarter").is_duplicated().sum() == 0
    assert table.equals(table.sort("customer_id", "quarter"))
    assert table["quarter"].str.contains(r"^\d{4}Q[1-4]$").all()
    lines = table["product_lines"]
    assert lines.list.eval(pl.element().is_sorted()).list.all().all()
    assert (lines.list.len() == lines.list.unique().list.len()).all()
    orders = tiny["orders"].collect()
    assert table["sales_cents"].sum() == orders.select((pl.col("amount") * 100).round().cast(pl.Int64).sum()).item()


def test_the_same_order_lines_in_another_order_give_the_same_table(tiny):
    orders = tiny["orders"].collect()
    shuffled = orders.sample(fraction=1.0, shuffle=True, seed=5)
    assert_frame_equal(order_features(shuffled.lazy(), quarter_end_days=END_DAYS).collect(),
                       order_features(orders.lazy(), quarter_end_days=END_DAYS).collect())


def test_a_column_of_the_wrong_type_is_refused_naming_file_column_type_and_fix(tiny, tmp_path):
    path = tmp_path / "features.parquet"
    order_features(tiny["orders"]).with_columns(pl.col("sales_cents") / 100).collect().write_parquet(path)
    with pytest.raises(InputError, match=(
        rf"^{path}: column 'sales_cents' must be an integer \(Int64\); got Float64\. "
        r"Make it SUM\(ROUND\(amount \* 100\)\) as BIGINT, one row per customer and quarter; see docs/features\.md\.$"
    )):
        read_features(path)


def test_every_problem_is_reported_together(tiny):
    table = order_features(tiny["orders"]).drop("order_days").with_columns(pl.col("first_order").cast(pl.String))
    with pytest.raises(InputError) as raised:
        read_features(table)
    lines = str(raised.value).splitlines()
    assert lines[0].startswith("features table: column 'order_days' must be present (an integer (Int64)); "
                               "it is missing (columns: customer_id, quarter, sales_cents,")
    assert lines[1].startswith("features table: column 'first_order' must be Date; got String. Make it MIN(")


def test_narrower_integers_are_accepted(tiny):
    """A warehouse may write counts as INT: any integer type reads as Int64."""
    table = order_features(tiny["orders"]).with_columns(pl.col("order_days", "sales_cents").cast(pl.Int32))
    from_table = score_customers(tiny, quarter=QUARTER, p=PARAMS.scoring, features=read_features(table))
    assert_frame_equal(from_table.collect(),
                       score_customers(tiny, quarter=QUARTER, p=PARAMS.scoring).collect())


def test_the_prescription_refuses_a_table_without_speculator_columns_or_made_with_other_days(tiny, tmp_path):
    scores = score_customers(tiny, quarter=QUARTER, p=PARAMS.scoring).collect()
    with pytest.raises(InputError, match=r"features table: column 'purchase_cents' must be present"):
        read_features(order_features(tiny["orders"]), speculator=True)
    path = tmp_path / "features.parquet"
    order_features(tiny["orders"], quarter_end_days=END_DAYS + 3).collect().write_parquet(path)
    with pytest.raises(InputError, match=rf"features table: column 'quarter_end_days' must be {END_DAYS} \(params "
                                         rf"prescription\.speculator\.quarter_end_days\); got {END_DAYS + 3}\."):
        prescribe(scores, tiny, quarter=QUARTER, params=PARAMS, features=read_features(path, speculator=True))


def test_a_missing_features_file_is_an_input_error(tiny, tmp_path):
    with pytest.raises(InputError, match=r"no such features table\. Pass the parquet file"):
        read_features(tmp_path / "nope.parquet")


def test_days_to_quarter_end_matches_the_quarter_end_date():
    days = pl.DataFrame({"d": pl.date_range(dt.date(2019, 12, 25), dt.date(2031, 1, 5), eager=True)})
    out = days.select(fast=days_to_quarter_end("d"), slow=(quarter_end_of("d") - pl.col("d")).dt.total_days())
    assert (out["fast"] == out["slow"]).all()


def _fallbacks(plan: pl.LazyFrame) -> int:
    """Nodes of the streaming engine's physical plan that fall back to the in-memory engine."""
    graph = plan.show_graph(engine="streaming", plan_stage="physical", raw_output=True)
    return graph.count('fillcolor="0.0 0.3 1.0"')  # the colour show_graph's legend gives a fallback


def test_the_order_line_aggregations_run_on_the_streaming_engine(tiny, tmp_path):
    """No step over the order lines falls back to the in-memory engine, so they never have to fit in memory."""
    path = tmp_path / "orders.parquet"
    tiny["orders"].collect().write_parquet(path)
    orders = pl.scan_parquet(path)
    panels = order_panels(orders, quarter=QUARTER, quarter_end_days=END_DAYS)
    assert _fallbacks(panels.quarters) == 0
    assert _fallbacks(panels.lines) == 0
    assert _fallbacks(order_features(orders, quarter_end_days=END_DAYS)) == 0


@pytest.mark.parametrize("since", [None, "2025Q4"])
@pytest.mark.parametrize("mask_lines", [64, 3])
def test_the_product_line_panel_from_the_quarter_sums_equals_the_one_from_the_lines(sample, tmp_path, monkeypatch,
                                                                                   since, mask_lines):
    """The order lines are read once: the lines each customer bought come with the customer × quarter sums.
    Past ``MASK_LINES`` product lines (3 here, where the sample has 8) they are aggregated apart, the same."""
    monkeypatch.setattr(order_lines, "MASK_LINES", mask_lines)
    path = tmp_path / "orders.parquet"
    sample["orders"].collect().write_parquet(path)
    lazy = order_panels(pl.scan_parquet(path), quarter=QUARTER, since=since, quarter_end_days=END_DAYS)
    collected = lazy.collect()
    for got, expected in ((collected.quarters, lazy.quarters), (collected.lines, lazy.lines)):
        keys = ["customer_id", "qi"] if "qi" in expected.collect_schema().names() else ["customer_id", "product_line"]
        assert_frame_equal(got.collect().sort(keys), expected.collect().sort(keys))
    assert collected.lines.select(pl.col("product_line").n_unique()).collect().item() == 8


def test_the_quarter_sums_with_the_product_lines_run_on_the_streaming_engine(tiny, tmp_path):
    path = tmp_path / "orders.parquet"
    tiny["orders"].collect().write_parquet(path)
    sums = order_lines._quarter_sums(  # noqa: SLF001 - the quarter sums alone, without the rest of the step
        pl.scan_parquet(path), quarter_end_days=END_DAYS, lines=pl.Categories.random())
    assert _fallbacks(sums) == 0


def test_order_lines_whose_product_lines_are_all_null_give_an_empty_product_line_panel(tiny):
    orders = tiny["orders"].with_columns(product_line=pl.lit(None, dtype=pl.String))
    panels = order_panels(orders, quarter=QUARTER, quarter_end_days=END_DAYS).collect()
    assert panels.lines.collect().is_empty()
    assert panels.lines.collect_schema() == order_panels(orders, quarter=QUARTER).lines.collect_schema()
