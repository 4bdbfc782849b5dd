"""Bad input, as users bring it: each case gives the exact error or the exact quarantine,
and no input row is lost without being counted (rows read = rows used + rows set aside).

Each case breaks a copy of the tiny fixture in one way and runs the validate step on it
(the same function the validate notebook calls), without a kernel, so the suite stays fast.
"""
from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from tagkit.errors import ParamsError, UsageError, ValidationBlocked
from tagkit.params import load_params
from tagkit.steps.validate import run_validation

ROOT = Path(__file__).resolve().parents[1]
PARAMS = load_params(ROOT / "params")
QUARTER = "2026Q3"
ORDERS_READ = 7953  # generated partitions + tiny/orders/late_entries.csv


def _validate(data: Path, run: Path, quarter: str = QUARTER):
    return run_validation(data, quarter=quarter, run_dir=run, params=PARAMS)


def _accounting(run: Path) -> dict:
    tables = json.loads((run / "validation.json").read_text(encoding="utf-8"))["tables"]
    for name, acc in tables.items():
        assert acc["rows_read"] == acc["rows_used"] + acc["rows_quarantined"], name
    return tables


def _quarantined(run: Path, table: str) -> pl.DataFrame:
    return pl.read_parquet(run / "quarantine" / f"{table}.parquet")


def _csv_rows(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines()) - 1


def _append_csv(path: Path, *lines: str) -> None:
    text = path.read_text(encoding="utf-8").rstrip("\n")
    path.write_text(text + "\n" + "\n".join(lines) + "\n", encoding="utf-8")


def _edit_customers(path: Path, column: str, row: int, value: str) -> None:
    frame = pl.read_csv(path, infer_schema=False)
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == row).then(pl.lit(value)).otherwise(pl.col(column)).alias(column)
    )
    frame.write_csv(path)


# --- blocking -----------------------------------------------------------------------------

def test_missing_required_column(tiny_copy, tmp_path):
    pl.read_csv(tiny_copy / "customers.csv", infer_schema=False).drop("region").write_csv(tiny_copy / "customers.csv")
    with pytest.raises(ValidationBlocked, match=r"customers\.csv.*'region'"):
        _validate(tiny_copy, tmp_path / "run")
    assert "region" in (tmp_path / "run" / "validation.html").read_text(encoding="utf-8")


def test_duplicate_customer_id(tiny_copy, tmp_path):
    first = (tiny_copy / "customers.csv").read_text(encoding="utf-8").splitlines()[1]
    _append_csv(tiny_copy / "customers.csv", first)
    with pytest.raises(ValidationBlocked, match=r"customers\.csv: column 'customer_id' must be unique") as info:
        _validate(tiny_copy, tmp_path / "run")
    assert "'C00001' in rows 1, 71" in str(info.value)


def test_empty_file(tiny_copy, tmp_path):
    (tiny_copy / "visits.csv").write_text("", encoding="utf-8")
    with pytest.raises(ValidationBlocked, match=r"visits\.csv.*empty"):
        _validate(tiny_copy, tmp_path / "run")


def test_unknown_extension(tiny_copy, tmp_path):
    (tiny_copy / "feedback.csv").rename(tiny_copy / "feedback.json")
    with pytest.raises(ValidationBlocked, match=r"feedback\.json"):
        _validate(tiny_copy, tmp_path / "run")


def test_missing_data_folder(tmp_path):
    with pytest.raises(ValidationBlocked, match=r"nowhere.*not found|nowhere.*does not exist|nowhere"):
        _validate(tmp_path / "nowhere", tmp_path / "run")


def test_every_blocking_problem_is_listed_at_once(tiny_copy, tmp_path):
    first = (tiny_copy / "customers.csv").read_text(encoding="utf-8").splitlines()[1]
    _append_csv(tiny_copy / "customers.csv", first)
    pl.read_csv(tiny_copy / "reps.csv", infer_schema=False).drop("rep_name").write_csv(tiny_copy / "reps.csv")
    with pytest.raises(ValidationBlocked) as info:
        _validate(tiny_copy, tmp_path / "run")
    text = str(info.value)
    assert "rep_name" in text or "customer_id" in text
    assert len(info.value.failures) >= 1


# --- usage and params ----------------------------------------------------------------------

def test_malformed_quarter(tiny_data, tmp_path):
    with pytest.raises(UsageError, match="must look like YYYYQn"):
        _validate(tiny_data, tmp_path / "run", quarter="2026-Q3")


def test_unknown_params_key(tmp_path):
    override = tmp_path / "p.yaml"
    override.write_text("validation:\n  max_discount: 0.9\n  max_discounts: 0.9\n", encoding="utf-8")
    with pytest.raises(ParamsError, match=r"unknown key 'validation.max_discounts'"):
        load_params(ROOT / "params", override)


def test_wrong_type_in_params(tmp_path):
    override = tmp_path / "p.yaml"
    override.write_text("validation:\n  max_discount: lots\n", encoding="utf-8")
    with pytest.raises(ParamsError, match=r"'validation.max_discount'.*'lots'"):
        load_params(ROOT / "params", override)


# --- read correctly ------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_chinese_excel_encodings_read_the_same(tiny_copy, tmp_path, encoding):
    path = tiny_copy / "customers.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode(encoding))
    _validate(tiny_copy, tmp_path / "run")
    clean = pl.read_parquet(tmp_path / "run" / "clean" / "customers.parquet")
    original = pl.read_csv(ROOT / "tests" / "fixtures" / "tiny" / "customers.csv")
    assert clean["customer_name"].to_list() == original["customer_name"].to_list()
    assert _accounting(tmp_path / "run")["customers"]["rows_used"] == 70


def test_xlsx_with_title_rows_above_the_header(tiny_copy, tmp_path):
    import xlsxwriter

    frame = pl.read_csv(tiny_copy / "customers.csv", infer_schema=False)
    (tiny_copy / "customers.csv").unlink()
    book = xlsxwriter.Workbook(str(tiny_copy / "customers.xlsx"))
    sheet = book.add_worksheet()
    sheet.write(0, 0, "客户主数据导出 2026-09-30")
    for j, name in enumerate(frame.columns):
        sheet.write(2, j, name)
    for i, row in enumerate(frame.iter_rows()):
        for j, value in enumerate(row):
            sheet.write(3 + i, j, value)
    book.close()
    _validate(tiny_copy, tmp_path / "run")
    assert _accounting(tmp_path / "run")["customers"]["rows_used"] == 70


# --- row level: set aside and counted ------------------------------------------------------

def _late(tiny_copy: Path, *lines: str) -> None:
    path = tiny_copy / "orders" / "late_entries.csv"
    path.write_text("order_id,customer_id,order_date,amount,product_line,quantity,discount\n" + "\n".join(lines) + "\n",
                    encoding="utf-8")


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("X1,C99999,2026-08-01,500,,5,0", "unknown_customer"),
        ("X1,C00001,2026-13-45,500,,5,0", "unparseable_order_date"),
        ("X1,C00001,2026-10-03,500,,5,0", "after_quarter_end"),
        ("X1,C00001,2026-08-01,abc,,5,0", "unparseable_amount"),
        ("X1,C00001,2026-08-01,500,,5,1.7", "discount_out_of_range"),
    ],
)
def test_order_line_set_aside_with_its_reason(tiny_copy, tmp_path, line, reason):
    _late(tiny_copy, "OK1,C00001,2026/9/28,\"1,250.00\",,10,0", line)
    _validate(tiny_copy, tmp_path / "run")
    acc = _accounting(tmp_path / "run")["orders"]
    assert acc["rows_read"] == ORDERS_READ - 5 + 2
    assert acc["rows_quarantined"] == 1 and acc["by_reason"] == {reason: 1}
    quarantined = _quarantined(tmp_path / "run", "orders")
    assert quarantined["reason"].to_list() == [reason]
    assert quarantined["_row"].to_list() == [2] and quarantined["_file"].to_list() == ["orders/late_entries.csv"]


def test_non_finite_amount_in_parquet(tiny_copy, tmp_path):
    """Parquet keeps inf as a float (csv text like 'inf' is simply unparseable; NaN counts as missing, as in GE)."""
    path = tiny_copy / "orders" / "quarter=2026Q3" / "part-0.parquet"
    frame = pl.read_parquet(path)
    frame = frame.with_columns(
        amount=pl.when(pl.int_range(pl.len()).is_in([3, 8])).then(float("inf")).otherwise(pl.col("amount"))
    )
    frame.write_parquet(path)
    _validate(tiny_copy, tmp_path / "run")
    acc = _accounting(tmp_path / "run")["orders"]
    assert acc["rows_read"] == ORDERS_READ
    assert acc["by_reason"]["non_finite_amount"] == 2
    assert sorted(_quarantined(tmp_path / "run", "orders").filter(
        pl.col("reason") == "non_finite_amount")["_row"].to_list()) == [4, 9]


def test_survey_score_out_of_range(tiny_copy, tmp_path):
    _append_csv(tiny_copy / "feedback.csv", "C00001,2026-08-01,7,4,false,")
    read = _csv_rows(tiny_copy / "feedback.csv")
    _validate(tiny_copy, tmp_path / "run")
    acc = _accounting(tmp_path / "run")["feedback"]
    assert acc["rows_read"] == read
    assert acc["by_reason"] == {"satisfaction_out_of_range": 1}


def test_negative_potential_is_nulled_and_the_customer_kept(tiny_copy, tmp_path):
    _edit_customers(tiny_copy / "customers.csv", "potential_annual_value", 4, "-5000")
    _validate(tiny_copy, tmp_path / "run")
    acc = _accounting(tmp_path / "run")["customers"]
    assert acc["rows_used"] == 70 and acc["rows_value_nulled"] == 1
    row = _quarantined(tmp_path / "run", "customers").row(0, named=True)
    assert row["action"] == "value_nulled" and "potential_annual_value" in row["reason"]
    clean = pl.read_parquet(tmp_path / "run" / "clean" / "customers.parquet")
    assert clean.filter(pl.col("customer_id") == "C00005")["potential_annual_value"].item() is None


def test_impossible_coordinate_is_nulled_and_the_customer_kept(tiny_copy, tmp_path):
    _edit_customers(tiny_copy / "customers.csv", "lat", 2, "123.4")
    _validate(tiny_copy, tmp_path / "run")
    acc = _accounting(tmp_path / "run")["customers"]
    assert acc["rows_used"] == 70 and acc["rows_value_nulled"] == 1
    clean = pl.read_parquet(tmp_path / "run" / "clean" / "customers.parquet")
    assert clean.filter(pl.col("customer_id") == "C00003").select("lat", "lon").row(0) == (None, None)


def test_fixture_as_committed_sets_aside_exactly_its_four_bad_lines(tiny_data, tmp_path):
    _validate(tiny_data, tmp_path / "run")
    acc = _accounting(tmp_path / "run")
    assert acc["orders"]["rows_read"] == ORDERS_READ
    assert acc["orders"]["rows_quarantined"] == 4
    assert all(a["rows_quarantined"] == 0 for t, a in acc.items() if t != "orders")
