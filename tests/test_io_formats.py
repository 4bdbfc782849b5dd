"""Reading each input format into contract-typed tables: csv encodings, parquet, folders, xlsx."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from conftest_io import CUSTOMERS_EN, ORDERS_EN, io_params, with_io, write_csv, write_minimal, write_xlsx
from tagkit.errors import ValidationBlocked
from tagkit.io import Dataset, load_dataset
from tagkit.params import IOParams

__all__ = ["io_params"]  # the fixture, imported from conftest_io

CUSTOMERS_ZH = [
    ["客户编号", "客户名称", "大区", "业务员编号", "渠道", "下游网点数", "合作开始日期", "备注"],
    ["C1", "上海甲贸易有限公司", "华东", "R1", "distributor", "1,200", "2019/3/1", "重点"],
    ["C2", "𠮷祥商行", "华北", "R2", "dealer", "35", "20200105", ""],
]


def _customers_zh_expected(file: str) -> pl.DataFrame:
    """CUSTOMERS_ZH after aliases and coercion (the 𠮷 row only survives GB18030 and UTF-8)."""
    return pl.DataFrame(
        {
            "customer_id": ["C1", "C2"],
            "customer_name": ["上海甲贸易有限公司", "𠮷祥商行"],
            "region": ["华东", "华北"],
            "rep_id": ["R1", "R2"],
            "channel": ["distributor", "dealer"],
            "downstream_outlets": [1200, 35],
            "since": [dt.date(2019, 3, 1), dt.date(2020, 1, 5)],
            "备注": ["重点", None],
            "_raw_downstream_outlets": ["1,200", "35"],
            "_raw_since": ["2019/3/1", "20200105"],
            "_file": [file, file],
            "_row": [1, 2],
        }
    )


def _customers(ds: Dataset) -> pl.DataFrame:
    cols = list(_customers_zh_expected("").columns)
    return ds.tables["customers"].select(cols).collect()


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030")],
)
def test_csv_encodings_with_chinese_headers_and_values(
    tmp_path: Path, io_params: IOParams, encoding: str, detected: str
) -> None:
    data = write_minimal(tmp_path / "data", skip=["customers"])
    write_csv(data / "customers.csv", CUSTOMERS_ZH, encoding=encoding)
    ds = load_dataset(data, io=io_params)
    assert ds.encodings["customers.csv"] == detected
    assert_frame_equal(_customers(ds), _customers_zh_expected("customers.csv"))


def test_gbk_csv_is_detected_and_transcoded(tmp_path: Path, io_params: IOParams) -> None:
    data = write_minimal(tmp_path / "data", skip=["customers"])
    rows = [r[:] for r in CUSTOMERS_ZH]
    rows[2][1] = "吉祥商行"  # 𠮷 is not in GBK
    write_csv(data / "customers.csv", rows, encoding="gbk")
    ds = load_dataset(data, io=io_params)
    assert ds.encodings["customers.csv"] == "gb18030"
    want = _customers_zh_expected("customers.csv").with_columns(
        pl.Series("customer_name", ["上海甲贸易有限公司", "吉祥商行"])
    )
    assert_frame_equal(_customers(ds), want)
    assert ds.workdir is not None and any(ds.workdir.iterdir())
    ds.close()
    assert ds.workdir is None


@pytest.mark.parametrize("forced", ["gbk", "gb18030"])
def test_encoding_forced_by_params(tmp_path: Path, io_params: IOParams, forced: str) -> None:
    data = write_minimal(tmp_path / "data", skip=["customers"])
    rows = [r[:] for r in CUSTOMERS_ZH]
    rows[2][1] = "吉祥商行"
    write_csv(data / "customers.csv", rows, encoding="gbk")
    with load_dataset(data, io=with_io(io_params, encoding=forced)) as ds:
        assert ds.encodings["customers.csv"] == forced
        assert _customers(ds)["customer_name"].to_list() == ["上海甲贸易有限公司", "吉祥商行"]


def test_forcing_utf8_on_a_gbk_file_blocks_with_a_fix(tmp_path: Path, io_params: IOParams) -> None:
    data = write_minimal(tmp_path / "data", skip=["customers"])
    write_csv(data / "customers.csv", [r[:4] for r in CUSTOMERS_ZH[:2]], encoding="gbk")
    pattern = r"customers\.csv: file must be UTF-8 .* Set io\.encoding to auto"
    with pytest.raises(ValidationBlocked, match=pattern):
        load_dataset(data, io=with_io(io_params, encoding="utf-8"))


def test_no_rows_lost_and_blank_lines_skipped(tmp_path: Path, io_params: IOParams) -> None:
    data = write_minimal(tmp_path / "data", skip=["orders"])
    lines = ["order_id,customer_id,order_date,amount"] + [f"O{i},C1,2026-01-{1 + i % 28:02d},{i}" for i in range(500)]
    lines.insert(3, "")  # a blank line between data rows 2 and 3: not a row, but it keeps its number
    (data / "orders.csv").write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    orders = load_dataset(data, io=io_params).tables["orders"].collect()
    assert orders.height == 500
    assert orders["_row"].head(4).to_list() == [1, 2, 4, 5]
    assert orders["order_id"].head(4).to_list() == ["O0", "O1", "O2", "O3"]


def test_semicolon_separated_csv(tmp_path: Path, io_params: IOParams) -> None:
    data = write_minimal(tmp_path / "data", skip=["orders"])
    (data / "orders.csv").write_text(
        "order_id;customer_id;order_date;amount\nO1;C1;2026-02-05;1.234,5\nO2;C2;2026-02-06;12\n",
        encoding="utf-8",
    )
    orders = load_dataset(data, io=io_params).tables["orders"].collect()
    assert orders["customer_id"].to_list() == ["C1", "C2"]
    # a decimal comma is not a thousands separator: unparseable, kept for the report
    assert orders["amount"].to_list() == [None, 12.0]
    assert orders["_raw_amount"].to_list() == ["1.234,5", "12"]


def test_unparseable_values_give_null_raw_and_row(tmp_path: Path, io_params: IOParams) -> None:
    data = write_minimal(tmp_path / "data", skip=["orders"])
    write_csv(
        data / "orders.csv",
        [
            ["order_id", "customer_id", "order_date", "amount", "discount"],
            ["O1", "C1", "2026-02-05", "1,234.50", "0.1"],
            ["O2", "C1", "next week", "12", ""],
            ["O3", "C2", "", "twelve", "10%"],
            ["O4", "C2", "2026/3/1", "", "n/a"],
        ],
    )
    orders = load_dataset(data, io=io_params).tables["orders"].collect()
    got = orders.select("_row", "order_date", "_raw_order_date", "amount", "_raw_amount", "discount", "_raw_discount")
    want = pl.DataFrame(
        {
            "_row": [1, 2, 3, 4],
            "order_date": [dt.date(2026, 2, 5), None, None, dt.date(2026, 3, 1)],
            "_raw_order_date": ["2026-02-05", "next week", None, "2026/3/1"],
            "amount": [1234.5, 12.0, None, None],
            "_raw_amount": ["1,234.50", "12", "twelve", None],
            "discount": [0.1, None, 0.1, None],
            "_raw_discount": ["0.1", None, "10%", None],
        }
    )
    assert_frame_equal(got, want)
    unparseable = orders.filter(pl.col("amount").is_null() & pl.col("_raw_amount").is_not_null())
    missing = orders.filter(pl.col("order_date").is_null() & pl.col("_raw_order_date").is_null())
    assert unparseable["_row"].to_list() == [3]
    assert missing["_row"].to_list() == [3]


def test_booleans_in_each_form_from_csv(tmp_path: Path, io_params: IOParams) -> None:
    data = write_minimal(tmp_path / "data")
    forms = ["是", "否", "Y", "n", "yes", "NO", "true", "False", "1", "0", "maybe"]
    rows = [["客户编号", "反馈日期", "投诉"]] + [["C1", "2026-02-01", f] for f in forms]
    write_csv(data / "feedback.csv", rows, encoding="gbk")
    feedback = load_dataset(data, io=io_params).tables["feedback"].collect()
    assert feedback["complaint"].to_list() == [True, False] * 5 + [None]
    assert feedback["_raw_complaint"].to_list()[-1] == "maybe"


def test_parquet_file_keeps_types_and_extras(tmp_path: Path, io_params: IOParams) -> None:
    data = write_minimal(tmp_path / "data", skip=["orders"])
    source = pl.DataFrame(
        {
            "order_id": ["O1", "O2"],
            "customer_id": ["C1", "C2"],
            "order_date": [dt.date(2026, 2, 5), dt.date(2026, 3, 1)],
            "amount": [100, -20],  # ints where floats are due: cast, no _raw_
            "warehouse": ["SH", "BJ"],
        }
    )
    source.write_parquet(data / "orders.parquet")
    ds = load_dataset(data, io=io_params)
    orders = ds.tables["orders"].collect()
    assert ds.sources["orders"] == [data / "orders.parquet"]
    assert ds.encodings == {"customers.csv": "utf-8"}
    want = source.with_columns(pl.col("amount").cast(pl.Float64))
    assert_frame_equal(orders.select(want.columns), want)
    assert not [c for c in orders.columns if c.startswith("_raw_")]
    assert orders["_file"].to_list() == ["orders.parquet"] * 2
    assert orders["_row"].to_list() == [1, 2]


def test_folder_of_csv_files_is_one_table(tmp_path: Path, io_params: IOParams) -> None:
    data = write_minimal(tmp_path / "data", skip=["orders"])
    write_csv(data / "orders" / "2026-01.csv", ORDERS_EN)
    write_csv(data / "orders" / "2026-02.csv", [*ORDERS_EN[:1], ["O9", "C2", "2026/2/9", "￥9"]], encoding="gbk")
    (data / "orders" / "README.txt").write_text("not a table")
    (data / "orders" / "_old.csv").write_text("junk")
    ds = load_dataset(data, io=io_params)
    orders = ds.tables["orders"].collect()
    assert orders.height == 4
    assert orders.group_by("_file").agg(pl.len()).sort("_file").rows() == [
        ("orders/2026-01.csv", 3),
        ("orders/2026-02.csv", 1),
    ]
    assert orders.filter(pl.col("_file") == "orders/2026-02.csv").select("_row", "amount").rows() == [(1, 9.0)]
    assert ds.sources["orders"] == [data / "orders" / "2026-01.csv", data / "orders" / "2026-02.csv"]
    assert any("README.txt" in note for note in ds.notes)


def test_hive_partitioned_parquet_folder_keeps_partition_columns(tmp_path: Path, io_params: IOParams) -> None:
    data = write_minimal(tmp_path / "data", skip=["orders"])
    for quarter, n in (("2024Q4", 2), ("2025Q1", 3)):
        part = data / "orders" / f"quarter={quarter}"
        part.mkdir(parents=True)
        pl.DataFrame(
            {
                "order_id": [f"{quarter}-{i}" for i in range(n)],
                "customer_id": ["C1"] * n,
                "order_date": ["2025-01-15"] * n,  # dates stored as text: parsed, raw kept
                "amount": [1.5] * n,
            }
        ).write_parquet(part / "part-0.parquet")
    (data / "orders" / "_SUCCESS").write_text("")
    orders = load_dataset(data, io=io_params).tables["orders"].collect()
    assert orders.height == 5
    assert orders["quarter"].to_list() == ["2024Q4"] * 2 + ["2025Q1"] * 3
    assert orders["order_date"].unique().to_list() == [dt.date(2025, 1, 15)]
    assert orders["_file"].unique(maintain_order=True).to_list() == [
        "orders/quarter=2024Q4/part-0.parquet",
        "orders/quarter=2025Q1/part-0.parquet",
    ]
    assert orders["_row"].to_list() == [1, 2, 1, 2, 3]
    assert orders.columns[-2:] == ["_file", "_row"]


def test_xlsx_with_title_rows_and_excel_dates(tmp_path: Path, io_params: IOParams) -> None:
    data = write_minimal(tmp_path / "data", skip=["orders"])
    write_xlsx(
        data / "orders.xlsx",
        [
            ["订单编号", "客户编号", "订单日期", "金额", "数量"],
            ["O1", 1001, dt.date(2026, 2, 5), 1234.5, 3],  # a real date cell, numeric id
            ["O2", "C2", 46058, "1,234.50", "4"],  # a serial number in a general cell
            ["O3", "C3", "2026/2/5", "¥12", 2.5],  # a date typed as text
            ["O4", "C4", "someday", "abc", None],
        ],
        title_rows=["2026年第一季度订单明细", "导出时间：2026-04-01"],
    )
    ds = load_dataset(data, io=io_params)
    assert ds.header_rows == {"orders.xlsx": 3}
    got = ds.tables["orders"].select(
        "order_id", "customer_id", "order_date", "amount", "quantity", "_raw_amount", "_row"
    ).collect()
    want = pl.DataFrame(
        {
            "order_id": ["O1", "O2", "O3", "O4"],
            "customer_id": ["1001", "C2", "C3", "C4"],
            "order_date": [dt.date(2026, 2, 5)] * 3 + [None],
            "amount": [1234.5, 1234.5, 12.0, None],
            "quantity": [3.0, 4.0, 2.5, None],
            "_raw_amount": ["1234.5", "1,234.50", "¥12", "abc"],
            "_row": [1, 2, 3, 4],
        }
    )
    assert_frame_equal(got, want)


def test_xlsx_header_row_from_params(tmp_path: Path, io_params: IOParams) -> None:
    data = write_minimal(tmp_path / "data", skip=["customers"])
    write_xlsx(data / "customers.xlsx", CUSTOMERS_EN, title_rows=["客户清单"])
    ds = load_dataset(data, io=with_io(io_params, xlsx_header_row=2))
    assert ds.tables["customers"].collect()["customer_id"].to_list() == ["C1", "C2"]
    pattern = r"customers\.xlsx: column 'customer_id' must be present.*sheet row 1"
    with pytest.raises(ValidationBlocked, match=pattern):
        load_dataset(data, io=with_io(io_params, xlsx_header_row=0))


def test_optional_tables_and_columns_absent(tmp_path: Path, io_params: IOParams) -> None:
    ds = load_dataset(write_minimal(tmp_path / "data"), io=io_params)
    assert ds.missing == ["reps", "visits", "feedback", "competitor_signals"]
    assert set(ds.tables) == {"customers", "orders"}
    assert ds.absent_columns["orders"] == ["product_line", "quantity", "discount"]
    schema = ds.tables["orders"].collect_schema()
    assert schema == pl.Schema(
        {
            "order_id": pl.String,
            "customer_id": pl.String,
            "order_date": pl.Date,
            "amount": pl.Float64,
            "_raw_order_date": pl.String,
            "_raw_amount": pl.String,
            "_file": pl.String,
            "_row": pl.Int64,
        }
    )
    assert ds.raw_columns("orders") == ["order_date", "amount"]
    assert ds.tables["customers"].collect().height == len(CUSTOMERS_EN) - 1


def test_each_date_form_from_csv(tmp_path: Path, io_params: IOParams) -> None:
    data = write_minimal(tmp_path / "data")
    forms = ["2026-02-05", "2026/2/5", "20260205", "2026.2.5", "2026-02-05 13:45:00", "2026年2月5日", "05/02/2026"]
    write_csv(data / "visits.csv", [["customer_id", "rep_id", "visit_date"]] + [["C1", "R1", f] for f in forms])
    visits = load_dataset(data, io=io_params).tables["visits"].collect()
    assert visits["visit_date"].to_list() == [dt.date(2026, 2, 5)] * 6 + [None]
    assert visits["_raw_visit_date"].to_list() == forms


def test_file_names_with_glob_characters_are_read_literally(tmp_path: Path, io_params: IOParams) -> None:
    data = write_minimal(tmp_path / "data", skip=["orders"])
    write_csv(data / "orders" / "orders[1].csv", ORDERS_EN)
    one = pl.DataFrame({"order_id": ["O9"], "customer_id": ["C1"], "order_date": ["2026-01-01"], "amount": ["1"]})
    one.write_parquet(data / "orders" / "part*2.parquet")
    orders = load_dataset(data, io=io_params).tables["orders"].collect()
    assert orders.height == 4


def test_folder_mixing_formats_stacks_with_extras_as_text(tmp_path: Path, io_params: IOParams) -> None:
    data = write_minimal(tmp_path / "data", skip=["orders"])
    write_csv(data / "orders" / "a.csv", [ORDERS_EN[0] + ["batch"], ORDERS_EN[1] + ["2026-02-01"]])
    write_xlsx(data / "orders" / "b.xlsx", [ORDERS_EN[0], ["O5", "C2", dt.date(2026, 3, 3), 5]], title_rows=["订单"])
    pl.DataFrame(
        {"order_id": ["O6"], "customer_id": ["C1"], "order_date": [dt.date(2026, 3, 4)], "amount": [6.0],
         "batch": [dt.date(2026, 3, 1)]}
    ).write_parquet(data / "orders" / "c.parquet")
    orders = load_dataset(data, io=io_params).tables["orders"].collect()
    want = pl.DataFrame(
        {
            "order_id": ["O1", "O5", "O6"],
            "order_date": [dt.date(2026, 2, 5), dt.date(2026, 3, 3), dt.date(2026, 3, 4)],
            "amount": [100.5, 5.0, 6.0],
            "batch": ["2026-02-01", None, "2026-03-01"],
            "_raw_amount": ["100.5", "5", None],
            "_file": ["orders/a.csv", "orders/b.xlsx", "orders/c.parquet"],
            "_row": [1, 1, 1],
        }
    )
    assert_frame_equal(orders.select(want.columns), want)
    assert orders.columns[-2:] == ["_file", "_row"]
