"""A frame as one Excel table, written fast: the file ``DataFrame.write_excel`` makes, part for part.

``write_excel`` (xlsxwriter) spends about 7 µs of Python on every cell, twice: a region of 27,000
customers and 20 columns took 3.7 s, more than the rest of its report. Here the two parts that
grow with the rows, the worksheet's cells and the shared strings, are written column by column,
and every other part (styles, column widths, the table, the workbook) is taken from
``write_excel`` of the header and a few rows, so the formatting stays polars' and xlsxwriter's.
tests/test_report_xlsx.py checks that each part is the one ``write_excel`` writes for the whole frame.

Only frames of text and float columns take this path, and only when no value is one that xlsxwriter
turns into something else (a URL into a link, NaN into an error, a very long text cut, ``<r>…</r>``
into rich text); any other frame is written by ``write_excel`` itself.

>>> write_table(frame, Path("out.xlsx"), worksheet="华东", autofit=True,
...             created=dt.datetime(2026, 9, 30))                                    # doctest: +SKIP
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import polars as pl
from xlsxwriter import Workbook
from xlsxwriter.utility import xl_col_to_name, xl_pixel_width

SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
TABLE = "xl/tables/table1.xml"
SST_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{count}" '
            'uniqueCount="{unique}">')
# the workbook options polars' write_excel uses when given a path (polars.io.spreadsheet._write_utils);
# in_memory makes xlsxwriter date every zip member 1980-01-01 instead of the temporary files' times
OPTIONS = {"use_zip64": False, "nan_inf_to_errors": True, "strings_to_formulas": False,
           "default_date_format": "yyyy-mm-dd;@", "in_memory": True}
# texts xlsxwriter writes as something other than a plain string
_LINK = re.compile(r"(ftp|http)s?://|mailto:|(in|ex)ternal:|file://")
_LONG = 16_383  # xlsxwriter cuts a text past 32,767 UTF-16 units; this many characters never reach it
# xlsxwriter's escapes of a shared string (xlsxwriter.xmlwriter, .sharedstrings)
_ESCAPE_LIKE = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"([\x00-\x08\x0b-\x1f])")
_UNUSUAL = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")  # most texts need no escape
_EDGE_SPACE = re.compile(r"^\s|\s$")
_XML = re.compile("[&<>]")


def write_table(frame: pl.DataFrame, path: Path, *, worksheet: str, autofit: bool, created: dt.datetime) -> None:
    """Write ``frame`` to ``path`` as ``frame.write_excel(path, worksheet=…, autofit=…)`` would, with
    ``created`` as the file's creation time (write_excel puts the clock's there, so no two files match)."""
    if not _plain(frame):
        path.write_bytes(_write_excel(frame, worksheet=worksheet, autofit=autofit, created=created))
        return
    sample = _write_excel(frame[_sample_rows(frame, autofit)], worksheet=worksheet, autofit=autofit,
                          created=created)
    with zipfile.ZipFile(io.BytesIO(sample)) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    sheet = parts[SHEET].decode("utf-8")
    styles = re.findall(r'<c r="[A-Z]+2" s="(\d+)"', sheet)
    header_row = re.search(r'<row r="1" .*?</row>', sheet)
    # every data cell has its column's format, so none is left out; xlsxwriter always writes the header row
    if len(styles) != frame.width or header_row is None:
        path.write_bytes(_write_excel(frame, worksheet=worksheet, autofit=autofit, created=created))
        return
    rows, strings, count = _sheet_rows(frame, styles)
    ref = f"A1:{xl_col_to_name(frame.width - 1)}{frame.height + 1}"
    header = header_row.group(0)
    sheet = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="{ref}"/>', sheet, count=1)
    parts[SHEET] = re.sub(r"<sheetData>.*</sheetData>", lambda _: f"<sheetData>{header}{rows}</sheetData>",
                          sheet, count=1, flags=re.S).encode("utf-8")
    parts[TABLE] = re.sub(rb' ref="[^"]*"', f' ref="{ref}"'.encode(), parts[TABLE])  # the table and its filter
    parts[STRINGS] = (SST_HEAD.format(count=count, unique=len(strings))
                      + "".join(map(_shared_string, strings)) + "</sst>").encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=False) as z:
        for name, data in parts.items():  # as xlsxwriter writes them in memory
            info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    path.write_bytes(buffer.getvalue())


def _write_excel(frame: pl.DataFrame, *, worksheet: str, autofit: bool, created: dt.datetime) -> bytes:
    buffer = io.BytesIO()
    with Workbook(buffer, OPTIONS) as wb:
        wb.set_properties({"created": created})
        frame.write_excel(wb, worksheet=worksheet, autofit=autofit)
    return buffer.getvalue()


def _plain(frame: pl.DataFrame) -> bool:
    """Text and float columns only, with values xlsxwriter writes as they are."""
    if not frame.height or any(dtype not in (pl.String, pl.Float64) for dtype in frame.dtypes):
        return False
    texts = (t for c, dtype in frame.schema.items() if dtype == pl.String for t in frame[c].unique().drop_nulls())
    floats = (frame[c] for c, dtype in frame.schema.items() if dtype == pl.Float64)
    return (not any(_rewritten(t) for t in texts)
            and not any(column.is_nan().any() or column.is_infinite().any() for column in floats))


def _rewritten(text: str) -> bool:
    """xlsxwriter would write this text as a link, cut it, or take it for rich-text XML."""
    return bool((":" in text and _LINK.match(text)) or len(text) > _LONG
                or (text.startswith("<r>") and text.endswith("</r>")))


def _width(value: str | float | None) -> int:
    """A cell's width as xlsxwriter's autofit measures it (Worksheet.autofit)."""
    if value is None or value == "":
        return 0
    if isinstance(value, str):
        return max(xl_pixel_width(part) for part in value.split("\n"))
    return 7 * len(str(value))


def _sample_rows(frame: pl.DataFrame, autofit: bool) -> list[int]:
    """Rows whose parts are the whole frame's: the first, and for autofit each column's widest cell."""
    if not autofit:
        return [0]
    widest = {0}
    for column in frame.iter_columns():
        widths = {value: _width(value) for value in column.unique()}
        in_order = [widths[value] for value in column.to_list()]
        widest.add(max(range(frame.height), key=in_order.__getitem__))
    return sorted(widest)


def _sheet_rows(frame: pl.DataFrame, styles: list[str]) -> tuple[str, list[str], int]:
    """The data rows' XML, the shared strings (column names first, then texts in reading order) and how
    many cells hold one."""
    index = {name: i for i, name in enumerate(frame.columns)}
    count = frame.width
    columns: list[list[str]] = []
    text_columns = [c for c, dtype in frame.schema.items() if dtype == pl.String]
    if text_columns:  # numbered row by row, left to right, as xlsxwriter meets them
        for row in frame.select(text_columns).iter_rows():
            for value in row:
                if value:
                    index.setdefault(value, len(index))
                    count += 1
    for j, (column, style) in enumerate(zip(frame.iter_columns(), styles, strict=True)):
        letter, values = xl_col_to_name(j), column.to_list()
        blank = f'" s="{style}"/>'
        if column.dtype == pl.String:
            cells = [f'<c r="{letter}{r}" s="{style}" t="s"><v>{index[v]}</v></c>' if v
                     else f'<c r="{letter}{r}{blank}' for r, v in enumerate(values, start=2)]
        else:
            cells = [f'<c r="{letter}{r}" s="{style}"><v>{v:.16G}</v></c>' if v is not None
                     else f'<c r="{letter}{r}{blank}' for r, v in enumerate(values, start=2)]
        columns.append(cells)
    spans = f'" spans="1:{frame.width}">'
    rows = "".join(f'<row r="{r}{spans}{"".join(cells)}</row>'
                   for r, cells in enumerate(zip(*columns, strict=True), start=2))
    return rows, list(index), count


def _shared_string(text: str) -> str:
    if _UNUSUAL.search(text):
        text = _CONTROL.sub(lambda m: f"_x{ord(m.group(1)):04X}_", _ESCAPE_LIKE.sub(r"_x005F\1", text))
        text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    space = ' xml:space="preserve"' if _EDGE_SPACE.search(text) else ""
    if _XML.search(text):
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<si><t{space}>{text}</t></si>"
