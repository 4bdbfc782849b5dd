"""The fast Excel writer of the exports: the same file polars' write_excel makes, byte for byte."""
from __future__ import annotations

import datetime as dt
import io
import zipfile

import polars as pl
import pytest

from tagkit.report import xlsx

CREATED = dt.datetime(2026, 9, 30)


def _awkward() -> pl.DataFrame:
    """An export-like frame (text and rounded floats) holding what xlsxwriter escapes or treats apart:
    blanks and nulls, XML characters, edge spaces, control characters, literal _xHHHH_, line breaks,
    a value equal to a header, full-width space, -0.0, very large and small numbers."""
    names = ["甲公司", "", None, " lead", "trail ", 'a & b < c > "d"', "ctrl\x01char", "_x0041_ literal",
             "line\nbreak and a much longer second line", "甲公司", "\u3000全角", "客户", "ok"]
    return pl.DataFrame({
        "客户": names,
        "sales": [1.0, -0.0, None, 1e16, 123456.79, 0.1 + 0.2, -5.5, 1e-7, 2.5, 3.0, 7.0, 12.0, 1 / 3],
        "原因": [f"reason {i % 4}" if i % 3 else None for i in range(len(names))],
        "risk": [float(i) for i in range(len(names))],
    })


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


@pytest.mark.parametrize("autofit", [True, False])
def test_the_fast_path_writes_what_write_excel_writes(tmp_path, autofit):
    frame = _awkward()
    assert xlsx._plain(frame)  # noqa: SLF001 - the frame takes the fast path
    xlsx.write_table(frame, tmp_path / "fast.xlsx", worksheet="华东", autofit=autofit, created=CREATED)
    reference = xlsx._write_excel(  # noqa: SLF001 - what polars' writer makes, the reference
        frame, worksheet="华东", autofit=autofit, created=CREATED)
    fast = (tmp_path / "fast.xlsx").read_bytes()
    assert _members(fast) == _members(reference)
    assert fast == reference


@pytest.mark.parametrize("frame", [
    pl.DataFrame({"a": ["http://example.test/x"], "b": [1.0]}),  # xlsxwriter writes a link
    pl.DataFrame({"a": ["x"], "b": [float("nan")]}),  # an error cell
    pl.DataFrame({"a": ["<r>rich</r>"], "b": [1.0]}),  # rich-text XML
    pl.DataFrame({"a": ["x" * 20_000], "b": [1.0]}),  # cut at 32,767 characters
    pl.DataFrame({"a": ["x"], "n": [1]}),  # an integer column
    pl.DataFrame({"a": [], "b": []}, schema={"a": pl.String, "b": pl.Float64}),  # no rows
], ids=["link", "nan", "rich", "long", "int", "empty"])
def test_other_frames_are_left_to_write_excel(tmp_path, frame):
    assert not xlsx._plain(frame)  # noqa: SLF001 - the frame is left to polars' writer
    xlsx.write_table(frame, tmp_path / "x.xlsx", worksheet="x", autofit=True, created=CREATED)
    reference = xlsx._write_excel(frame, worksheet="x", autofit=True, created=CREATED)  # noqa: SLF001 - as above
    assert (tmp_path / "x.xlsx").read_bytes() == reference


def test_the_same_frame_gives_the_same_bytes(tmp_path):
    for name in ("one.xlsx", "two.xlsx"):
        xlsx.write_table(_awkward(), tmp_path / name, worksheet="x", autofit=False, created=CREATED)
    assert (tmp_path / "one.xlsx").read_bytes() == (tmp_path / "two.xlsx").read_bytes()
    core = _members((tmp_path / "one.xlsx").read_bytes())["docProps/core.xml"].decode()
    assert "2026-09-30T00:00:00Z" in core  # the quarter's end, not the clock


def test_the_sheet_reads_back_as_the_frame(tmp_path):
    frame = _awkward()
    xlsx.write_table(frame, tmp_path / "x.xlsx", worksheet="x", autofit=False, created=CREATED)
    back = pl.read_excel(tmp_path / "x.xlsx")
    assert back.columns == frame.columns
    assert back["risk"].to_list() == frame["risk"].to_list()
    # Excel has no empty text: "" comes back as a blank cell
    assert back["客户"].to_list() == [v or None for v in frame["客户"].to_list()]
