"""write_validation_outputs: parquet, validation.json and validation.html in the run folder.

Every test runs twice: tables validated in memory (written with ``write_parquet``) and
streamed (``STREAM_ROWS = 0``: lazy frames, streamed to parquet with ``sink_parquet``).
"""
from __future__ import annotations

import datetime as dt
import gc
import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import tagkit.validation.validate as validate_module
from tagkit.errors import ValidationBlocked
from tagkit.io import load_dataset
from tagkit.params import IOParams
from tagkit.validation import (
    QUARANTINE_COLUMNS,
    ValidationResult,
    raise_if_blocked,
    validate_dataset,
    write_validation_outputs,
)
from validation_support import PARAMS, QUARTER, customer, intake_frame, order, rep

XSS = "<script>alert(1)</script>"


def messy_tables() -> dict[str, pl.LazyFrame]:
    """A customer named like a script and set aside (no region), an order of it, an order
    after the quarter, an impossible coordinate, and no visits/feedback/signals files."""
    return {
        "customers": intake_frame("customers", [
            customer("C1", lat=31.2, lon=121.5), customer("C2", customer_name=XSS, region=None),
            customer("C3", lat=-95.0, lon=120.0),
        ]),
        "orders": intake_frame("orders", [
            order("O1", "C1"), order("O2", "C2"), order("O3", "C3", day=dt.date(2026, 10, 9)),
            order("O4", "C3", amount=float("nan")),
        ]),
        "reps": intake_frame("reps", [rep("R1")]),
    }


@pytest.fixture(autouse=True, params=["in_memory", "streamed"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "streamed":
        monkeypatch.setattr(validate_module, "STREAM_ROWS", 0)
    return request.param


@pytest.fixture
def result() -> ValidationResult:
    return validate_dataset(messy_tables(), quarter=QUARTER, params=PARAMS,
                            missing=["visits", "feedback", "competitor_signals"])


class Structure(HTMLParser):
    """Element ids, table headers, and every tag and attribute seen."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.headers: list[str] = []
        self.tags: set[str] = set()
        self.attrs: list[tuple[str, str | None]] = []
        self._in_th = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attrs.extend(attrs)
        self.ids.extend(v for k, v in attrs if k == "id" and v)
        self._in_th = tag == "th"

    def handle_endtag(self, tag: str) -> None:
        self._in_th = False

    def handle_data(self, data: str) -> None:
        if self._in_th:
            self.headers.append(data)


def test_every_file_is_written(result: ValidationResult, tmp_path: Path) -> None:
    write_validation_outputs(result, tmp_path)
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written == [
        "clean/customers.parquet", "clean/orders.parquet", "clean/reps.parquet",
        "quarantine/customers.parquet", "quarantine/orders.parquet", "quarantine/reps.parquet",
        "validation.en.html", "validation.html", "validation.json", "validation.zh.html",
    ]
    for name in result.clean:
        assert_frame_equal(pl.read_parquet(tmp_path / "clean" / f"{name}.parquet"), result.clean[name].lazy().collect())
        assert_frame_equal(pl.read_parquet(tmp_path / "quarantine" / f"{name}.parquet"),
                           result.quarantine[name].lazy().collect())


def test_a_streamed_table_is_linked_from_its_spool_not_written_again(result: ValidationResult, mode: str,
                                                                     tmp_path: Path) -> None:
    expected = pl.LazyFrame if mode == "streamed" else pl.DataFrame
    assert all(isinstance(f, expected) for f in [*result.clean.values(), *result.quarantine.values()])
    assert bool(result.spooled) is (mode == "streamed")
    write_validation_outputs(result, tmp_path)
    for key, spooled in result.spooled.items():
        assert (tmp_path / f"{key}.parquet").stat().st_ino == spooled.stat().st_ino  # same file, linked
    # the result's frames still read after writing, and a second run folder gets the same rows
    write_validation_outputs(result, tmp_path / "again")
    assert_frame_equal(pl.read_parquet(tmp_path / "again" / "clean" / "orders.parquet"),
                       result.clean["orders"].lazy().collect())


def test_the_spool_goes_with_the_result(mode: str) -> None:
    result = validate_dataset(messy_tables(), quarter=QUARTER, params=PARAMS)
    spooled = list(result.spooled.values())
    assert all(p.exists() for p in spooled)
    del result
    gc.collect()
    assert not any(p.exists() for p in spooled)


def test_a_streamed_gbk_csv_still_writes_after_the_dataset_is_closed(mode: str, tmp_path: Path) -> None:
    """Intake reads GBK through a transcoded copy removed on close; the spool outlives it."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "customers.csv").write_bytes("customer_id,customer_name,region,rep_id\nC1,华东五金,华东,R1\n"
                                         .encode("gbk"))
    (data / "orders.csv").write_bytes("order_id,customer_id,order_date,amount\nO1,C1,2026-08-01,10.5\n"
                                      "O2,C9,2026-08-02,3\n".encode("gbk"))
    with load_dataset(data, io=IOParams(encoding="auto", aliases={}, xlsx_header_row=None)) as dataset:
        checked = validate_dataset(dataset.tables, quarter=QUARTER, params=PARAMS, missing=dataset.missing)
    write_validation_outputs(checked, tmp_path / "run")
    clean = pl.read_parquet(tmp_path / "run" / "clean" / "customers.parquet")
    assert clean["customer_name"].to_list() == ["华东五金"]
    quarantined = pl.read_parquet(tmp_path / "run" / "quarantine" / "orders.parquet")
    assert quarantined["reason"].to_list() == ["unknown_customer"]


def test_an_empty_quarantine_is_written_with_its_schema(result: ValidationResult, tmp_path: Path) -> None:
    write_validation_outputs(result, tmp_path)
    reps = pl.read_parquet(tmp_path / "quarantine" / "reps.parquet")
    assert reps.height == 0
    assert reps.columns == ["rep_id", "rep_name", "region", "role", "manager_id", *QUARANTINE_COLUMNS]


def test_validation_json_summarises_accounting_checks_and_missing_tables(result: ValidationResult,
                                                                        tmp_path: Path) -> None:
    write_validation_outputs(result, tmp_path)

    def refuse(constant: str) -> Any:
        raise ValueError(f"not strict JSON: {constant}")

    summary = json.loads((tmp_path / "validation.json").read_text(encoding="utf-8"), parse_constant=refuse)
    assert summary["quarter"] == QUARTER and summary["blocked"] is False and summary["blocking"] == []
    assert summary["missing_optional_tables"] == ["visits", "feedback", "competitor_signals"]
    assert summary["tables"]["orders"] == {
        "table": "orders", "rows_read": 4, "rows_used": 1, "rows_quarantined": 3, "rows_value_nulled": 0,
        "by_reason": {"unknown_customer": 1, "after_quarter_end": 1, "non_finite_amount": 1},
        "files": ["orders.csv"], "columns_absent": [],
        "rows_lost": 2,  # the line dated after the quarter is set aside on purpose, not lost
    }
    assert summary["tables"]["customers"]["rows_value_nulled"] == 1
    assert len(summary["expectations"]) == len(result.expectations)
    after = next(e for e in summary["expectations"]
                 if e["table"] == "orders" and e["expectation_config"]["meta"]["reason"] == "after_quarter_end")
    assert after["success"] is False
    assert after["expectation_config"]["kwargs"]["max_value"] == {"$PARAMETER": "quarter_end"}
    assert after["result"]["unexpected_count"] == 1
    assert after["result"]["partial_unexpected_index_list"] == [{"_file": "orders.csv", "_row": 3}]
    assert any("lat" in w for w in summary["warnings"])


def test_outputs_are_deterministic(tmp_path: Path) -> None:
    """Two runs on the same input write the same bytes, file by file."""
    for run in ("a", "b"):
        again = validate_dataset(messy_tables(), quarter=QUARTER, params=PARAMS)
        write_validation_outputs(again, tmp_path / run)
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert files
    for rel in files:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel


def test_html_escapes_values_from_the_data(result: ValidationResult, tmp_path: Path) -> None:
    write_validation_outputs(result, tmp_path)
    page = (tmp_path / "validation.html").read_text(encoding="utf-8")
    assert XSS not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    parser = Structure()
    parser.feed(page)
    assert "script" not in parser.tags


def test_html_is_self_contained_and_says_what_was_checked_and_set_aside(result: ValidationResult,
                                                                       tmp_path: Path) -> None:
    write_validation_outputs(result, tmp_path)
    page = (tmp_path / "validation.html").read_text(encoding="utf-8")
    parser = Structure()
    parser.feed(page)
    assert {"script", "link", "img", "iframe"}.isdisjoint(parser.tags)
    assert not [v for k, v in parser.attrs if k in {"src", "href"} and v and not v.startswith("#")]
    assert {"summary", "missing", "blocking", "warnings", "set-aside", "checks",
            "table-customers", "table-orders", "quarantine-orders"} <= set(parser.ids)
    assert {"rows read", "rows used", "rows set aside", "reason", "check", "severity", "result"} <= set(parser.headers)
    assert "order_date is not after the quarter&#39;s last day" in page  # a check, in plain words
    assert "<code>after_quarter_end</code>" in page  # a reason code set aside
    assert "Optional tables not provided: <code>visits</code>" in page


def test_a_blocked_run_still_writes_its_report_before_stopping(tmp_path: Path) -> None:
    tables = messy_tables() | {"reps": intake_frame("reps", [rep("R1"), rep("R1")])}
    result = validate_dataset(tables, quarter=QUARTER, params=PARAMS)
    write_validation_outputs(result, tmp_path)
    summary = json.loads((tmp_path / "validation.json").read_text(encoding="utf-8"))
    assert summary["blocked"] is True
    assert summary["blocking"] == result.blocking
    page = (tmp_path / "validation.html").read_text(encoding="utf-8")
    assert "blocked" in page and "column &#39;rep_id&#39; must be unique" in page
    with pytest.raises(ValidationBlocked, match="column 'rep_id' must be unique"):
        raise_if_blocked(result)


def test_a_validation_that_fails_half_way_leaves_no_spool(monkeypatch: pytest.MonkeyPatch) -> None:
    """Orders break after the reps and customers were spooled: their files go too."""
    monkeypatch.setattr(validate_module, "STREAM_ROWS", 0)
    made: list[Path] = []
    real = validate_module.Spool.path

    def path(self: Any, kind: str, table: str) -> Path:
        made.append(real(self, kind, table).parent)
        if table == "orders":
            raise RuntimeError("a file broke half way")
        return made[-1] / f"{kind}-{table}.parquet"

    monkeypatch.setattr(validate_module.Spool, "path", path)
    with pytest.raises(RuntimeError, match="half way"):
        validate_dataset(messy_tables(), quarter=QUARTER, params=PARAMS)
    gc.collect()
    assert not any(p.exists() for p in made)
