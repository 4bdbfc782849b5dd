"""Finding the tables of a data folder, and the blocking problems reported all at once."""
from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from conftest_io import CUSTOMERS_EN, ORDERS_EN, io_params, with_io, write_csv, write_minimal, write_xlsx
from tagkit.errors import ValidationBlocked
from tagkit.io import load_dataset
from tagkit.io.discover import partition_values
from tagkit.params import IOParams, load_params
from tagkit.project import project_root

__all__ = ["io_params"]  # the fixture, imported from conftest_io


def _blocked(data: Path, io: IOParams) -> list[str]:
    with pytest.raises(ValidationBlocked) as info:
        load_dataset(data, io=io)
    return info.value.failures


def test_missing_data_folder(tmp_path: Path, io_params: IOParams) -> None:
    pattern = r"nowhere: data folder must exist .*does not exist\. Check the path"
    with pytest.raises(ValidationBlocked, match=pattern):
        load_dataset(tmp_path / "nowhere", io=io_params)


def test_missing_required_table(tmp_path: Path, io_params: IOParams) -> None:
    data = write_minimal(tmp_path / "data", skip=["orders"])
    pattern = r"table 'orders' must be present \(required\); got no orders\.csv"
    with pytest.raises(ValidationBlocked, match=pattern):
        load_dataset(data, io=io_params)


def test_missing_required_column_names_file_columns_and_alias(tmp_path: Path, io_params: IOParams) -> None:
    data = write_minimal(tmp_path / "data", skip=["orders"])
    write_csv(
        data / "orders.csv",
        [["订单编号", "客户编号", "订单日期", "订单金额", "备注"], ["O1", "C1", "2026-02-05", "1", "x"]],
    )
    failures = _blocked(data, io_params)
    assert len(failures) == 1
    message = failures[0]
    assert message.startswith(f"{data / 'orders.csv'}: column 'amount' must be present (required in orders)")
    assert "got columns '订单编号', '客户编号', '订单日期', '订单金额', '备注'" in message
    assert "add the line '订单金额: amount' under aliases: orders: in params/io.yaml" in message


def test_following_the_alias_advice_in_a_params_file_keeps_the_default_aliases(tmp_path: Path) -> None:
    """The message above says to add one alias; doing so in a --params file must not drop the others
    (it once replaced them all, and then 客户名称 was unknown)."""
    data = write_minimal(tmp_path / "data", skip=["customers", "orders"])
    write_csv(data / "customers.csv", [["客户编号", "客户名称", "大区", "业务员编号"], ["C1", "甲", "华东", "R1"]])
    write_csv(data / "orders.csv", [["订单编号", "客户编号", "订单日期", "订单金额"], ["O1", "C1", "2026-02-05", "1"]])
    mine = tmp_path / "mine.yaml"
    mine.write_text("io:\n  aliases:\n    orders:\n      订单金额: amount\n", encoding="utf-8")
    io = load_params(project_root() / "params", mine).io
    with load_dataset(data, io=io) as dataset:
        assert dataset.tables["customers"].collect()["customer_name"].to_list() == ["甲"]
        assert dataset.tables["orders"].collect()["amount"].to_list() == [1.0]


def test_a_null_alias_in_a_params_file_removes_that_default(tmp_path: Path) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text("io:\n  aliases:\n    customers:\n      区域: ~\n", encoding="utf-8")
    aliases = load_params(project_root() / "params", mine).io.aliases
    assert "区域" not in aliases["customers"]
    assert aliases["customers"]["大区"] == "region"  # the others stay
    assert aliases["orders"] == load_params(project_root() / "params").io.aliases["orders"]


def test_missing_column_without_a_likely_candidate_lists_the_unmatched(tmp_path: Path, io_params: IOParams) -> None:
    data = write_minimal(tmp_path / "data", skip=["customers"])
    write_csv(data / "customers.csv", [["customer_id", "customer_name", "region", "staff"], ["C1", "A", "E", "R1"]])
    pattern = r"customers\.csv: column 'rep_id' must be present.*'<that name>: rep_id'"
    with pytest.raises(ValidationBlocked, match=pattern):
        load_dataset(data, io=io_params)


def test_missing_column_in_xlsx_names_the_header_row(tmp_path: Path, io_params: IOParams) -> None:
    data = write_minimal(tmp_path / "data", skip=["customers"])
    write_xlsx(data / "customers.xlsx", [["客户编号", "客户名称", "大区"], ["C1", "A", "华东"]], title_rows=["客户"])
    with pytest.raises(
        ValidationBlocked,
        match=r"customers\.xlsx: column 'rep_id' must be present.*header was taken from sheet row 3.*xlsx_header_row",
    ):
        load_dataset(data, io=io_params)


@pytest.mark.parametrize(
    ("content", "pattern"),
    [
        (b"", r"orders\.csv: file must hold a header and data rows; got an empty file"),
        (b"\xef\xbb\xbf\n\n", r"orders\.csv: file must hold a header and data rows; got an empty file"),
        (
            b"order_id,customer_id,order_date,amount\n",
            r"orders\.csv: file must hold data rows .*got a header only\. .*the orders table is required",
        ),
    ],
    ids=["zero-bytes", "bom-and-blank-lines", "header-only"],
)
def test_empty_file(tmp_path: Path, io_params: IOParams, content: bytes, pattern: str) -> None:
    data = write_minimal(tmp_path / "data", skip=["orders"])
    (data / "orders.csv").write_bytes(content)
    with pytest.raises(ValidationBlocked, match=pattern):
        load_dataset(data, io=io_params)


def test_empty_parquet_and_xlsx(tmp_path: Path, io_params: IOParams) -> None:
    data = write_minimal(tmp_path / "data")
    pl.DataFrame(schema={"customer_id": pl.String, "signal_date": pl.Date, "signal": pl.String}).write_parquet(
        data / "competitor_signals.parquet"
    )
    write_xlsx(data / "reps.xlsx", [["rep_id", "rep_name", "region"]])
    failures = _blocked(data, io_params)
    assert any(
        "competitor_signals.parquet: file must hold data rows; got 0 rows. Export it again with data, "
        "or remove it (the competitor_signals table is optional)" in f
        for f in failures
    )
    assert any("reps.xlsx: file must hold data rows below the header (sheet row 1); got none" in f for f in failures)


@pytest.mark.parametrize("name", ["orders.txt", "orders.json", "orders.xls", "orders.csv.gz", "Orders"])
def test_unknown_extension_for_a_table_name(tmp_path: Path, io_params: IOParams, name: str) -> None:
    data = write_minimal(tmp_path / "data")
    (data / name).write_text("{}")
    pattern = r"file named like the orders table must end in one of \.csv, \.parquet"
    with pytest.raises(ValidationBlocked, match=pattern):
        load_dataset(data, io=io_params)


@pytest.mark.parametrize(
    ("second", "listed"),
    [("customers.xlsx", "customers.csv, customers.xlsx"), ("customers/part.csv", "customers/, customers.csv")],
)
def test_two_sources_for_one_table(tmp_path: Path, io_params: IOParams, second: str, listed: str) -> None:
    data = write_minimal(tmp_path / "data")
    if second.endswith(".xlsx"):
        write_xlsx(data / second, CUSTOMERS_EN)
    else:
        write_csv(data / second, CUSTOMERS_EN)
    pattern = rf"table 'customers' must come from one file or folder; got 2 \({listed}\)"
    with pytest.raises(ValidationBlocked, match=pattern):
        load_dataset(data, io=io_params)


def test_unreadable_files(tmp_path: Path, io_params: IOParams) -> None:
    data = write_minimal(tmp_path / "data")
    (data / "reps.parquet").write_bytes(b"PAR1 this is not parquet")
    (data / "visits.xlsx").write_bytes(b"PK\x03\x04 broken zip")
    failures = _blocked(data, io_params)
    assert len(failures) == 2
    assert failures[0].startswith(f"{data / 'reps.parquet'}: file must be readable as parquet; got an error")
    assert failures[1].startswith(f"{data / 'visits.xlsx'}: file must be readable as xlsx; got an error")
    assert "save it again as .xlsx" in failures[1]


def test_every_problem_is_reported_together(tmp_path: Path, io_params: IOParams) -> None:
    data = write_minimal(tmp_path / "data", skip=["orders"])
    write_csv(data / "customers.csv", [["customer_id", "customer_name"], ["C1", "A"]])
    (data / "visits.csv").write_bytes(b"")
    (data / "feedback.json").write_text("[]")
    failures = _blocked(data, io_params)
    assert len(failures) == 5
    text = "\n".join(failures)
    for fragment in (
        "feedback.json: file named like the feedback table",
        "column 'region' must be present",
        "column 'rep_id' must be present",
        "table 'orders' must be present",
        "visits.csv: file must hold a header and data rows; got an empty file",
    ):
        assert fragment in text
    with pytest.raises(ValidationBlocked, match=r"validation blocked the run \(5 problem\(s\)\)"):
        load_dataset(data, io=io_params)


def test_ignored_names(tmp_path: Path, io_params: IOParams) -> None:
    data = write_minimal(tmp_path / "data")
    (data / "_orders.csv").write_text("junk")
    (data / ".orders.csv").write_text("junk")
    (data / "notes.txt").write_text("hello")
    (data / "~$orders.xlsx").write_bytes(b"lock")
    ds = load_dataset(data, io=io_params)
    assert ds.sources["orders"] == [data / "orders.csv"]
    assert sorted(p.name for p in ds.ignored) == ["notes.txt", "~$orders.xlsx"]


def test_table_names_match_case_insensitively_and_headers_are_cleaned(tmp_path: Path, io_params: IOParams) -> None:
    data = write_minimal(tmp_path / "data", skip=["orders"])
    header = [" Order_ID ", "CUSTOMER_ID", "order_date\u3000", "Amount"]
    write_csv(data / "Orders.CSV", [header, ["O1", "C1", "2026-1-2", "3"]])
    orders = load_dataset(data, io=io_params).tables["orders"].collect()
    assert orders.columns[:4] == ["order_id", "customer_id", "order_date", "amount"]
    assert orders["_file"].to_list() == ["Orders.CSV"]


def test_duplicate_header_blocks(tmp_path: Path, io_params: IOParams) -> None:
    data = write_minimal(tmp_path / "data", skip=["orders"])
    write_csv(data / "orders.csv", [ORDERS_EN[0] + ["amount"], ORDERS_EN[1] + ["1"]])
    pattern = r"orders\.csv: column 'amount' must appear once in the header; got it twice"
    with pytest.raises(ValidationBlocked, match=pattern):
        load_dataset(data, io=io_params)


def test_two_aliases_for_one_column_use_the_first_and_keep_the_other(tmp_path: Path, io_params: IOParams) -> None:
    data = write_minimal(tmp_path / "data", skip=["customers"])
    write_csv(
        data / "customers.csv",
        [["客户编号", "客户名称", "大区", "区域", "业务员编号"], ["C1", "A", "华东", "上海", "R1"]],
    )
    ds = load_dataset(data, io=io_params)
    customers = ds.tables["customers"].collect()
    assert customers["region"].to_list() == ["华东"]
    assert customers["区域"].to_list() == ["上海"]
    assert any("both map to 'region'; used '大区'" in note for note in ds.notes)


def test_aliases_naming_unknown_columns_block(tmp_path: Path, io_params: IOParams) -> None:
    data = write_minimal(tmp_path / "data")
    bad = with_io(io_params, aliases={"orders": {"金额": "amout"}, "order": {"x": "y"}})
    failures = _blocked(data, bad)
    assert any("io.aliases.orders: '金额' must map to a column of orders" in f for f in failures)
    assert any("got 'amout'. Fix the spelling" in f for f in failures)
    assert any("io.aliases: table 'order' must be one of customers" in f for f in failures)


def test_reserved_column_names_block(tmp_path: Path, io_params: IOParams) -> None:
    data = write_minimal(tmp_path / "data", skip=["orders"])
    write_csv(data / "orders.csv", [ORDERS_EN[0] + ["_row"], ORDERS_EN[1] + ["7"]])
    pattern = r"orders\.csv: column '_row' must not be named like tagkit's own"
    with pytest.raises(ValidationBlocked, match=pattern):
        load_dataset(data, io=io_params)


def test_empty_table_folder_blocks(tmp_path: Path, io_params: IOParams) -> None:
    data = write_minimal(tmp_path / "data", skip=["orders"])
    (data / "orders").mkdir()
    (data / "orders" / "notes.md").write_text("nothing here")
    pattern = r"orders: folder of the orders table must hold .csv, .parquet or .xlsx files; got none"
    with pytest.raises(ValidationBlocked, match=pattern):
        load_dataset(data, io=io_params)


def test_partition_values() -> None:
    assert partition_values(Path("o"), Path("o/year=2024/q=Q%204/region=__HIVE_DEFAULT_PARTITION__/p.parquet")) == {
        "year": "2024",
        "q": "Q 4",
        "region": None,
    }
    assert partition_values(Path("o"), Path("o/2024/p.parquet")) == {}


def test_reserved_row_column_in_xlsx_blocks(tmp_path: Path, io_params: IOParams) -> None:
    data = write_minimal(tmp_path / "data", skip=["customers"])
    write_xlsx(data / "customers.xlsx", [CUSTOMERS_EN[0] + ["_row"], CUSTOMERS_EN[1] + [1]])
    pattern = r"customers\.xlsx: column '_row' must not be named like tagkit's own"
    with pytest.raises(ValidationBlocked, match=pattern):
        load_dataset(data, io=io_params)


def test_workbook_saved_as_csv_blocks_with_a_fix(tmp_path: Path, io_params: IOParams) -> None:
    data = write_minimal(tmp_path / "data", skip=["customers"])
    write_xlsx(tmp_path / "book.xlsx", CUSTOMERS_EN)
    (data / "customers.csv").write_bytes((tmp_path / "book.xlsx").read_bytes())
    pattern = r"customers\.csv: file must be CSV text; got a zip archive.*Rename it to \.xlsx"
    with pytest.raises(ValidationBlocked, match=pattern):
        load_dataset(data, io=io_params)


def test_header_and_blank_lines_only_is_empty(tmp_path: Path, io_params: IOParams) -> None:
    data = write_minimal(tmp_path / "data", skip=["orders"])
    (data / "orders.csv").write_text("order_id,customer_id,order_date,amount\n\n,,,\n", encoding="utf-8")
    pattern = r"orders\.csv: file must hold data rows below the header; got a header only"
    with pytest.raises(ValidationBlocked, match=pattern):
        load_dataset(data, io=io_params)


def test_empty_xlsx_sheet(tmp_path: Path, io_params: IOParams) -> None:
    data = write_minimal(tmp_path / "data")
    write_xlsx(data / "visits.xlsx", [])
    pattern = r"visits\.xlsx: file must hold a header and data rows in its first sheet; got an empty sheet"
    with pytest.raises(ValidationBlocked, match=pattern):
        load_dataset(data, io=io_params)
