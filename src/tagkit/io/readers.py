"""Read one csv, parquet or xlsx file into a LazyFrame of its source columns.

Every reader adds ``_row`` (1-based data row of the file) before anything is
filtered, so row numbers in messages match the file. CSV and xlsx columns are
all read as text (no type inference: coercion happens later, as expressions);
parquet keeps its own types. Problems raise :class:`InputError` with a message
the user can act on.
"""
from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import fastexcel
import polars as pl

from tagkit.contract import Table
from tagkit.errors import InputError
from tagkit.io.encoding import NATIVE, detect_encoding, looks_like_utf8, transcode_to_utf8
from tagkit.io.headers import Matcher, clean_name

logger = logging.getLogger(__name__)

ROW = "_row"
FORMATS = {".csv": "csv", ".parquet": "parquet", ".xlsx": "xlsx"}
HEADER_SEARCH_ROWS = 20
_SEPARATORS = (",", ";", "\t", "|")


@dataclass(frozen=True)
class RawFile:
    """One file as read: source columns (plus ``_row``), before renaming and coercion."""

    frame: pl.LazyFrame
    columns: list[str]  # source column names, in file order
    format: str  # csv, parquet, xlsx
    encoding: str | None = None  # csv: what was detected or forced
    header_row: int | None = None  # xlsx: 0-based sheet row of the header


def _empty_fix(table: Table) -> str:
    if table.required:
        return f"Export it again with data (the {table.name} table is required)"
    return f"Export it again with data, or remove it (the {table.name} table is optional)"


def _short(exc: BaseException) -> str:
    first = str(exc).strip().splitlines()
    return first[0][:200] if first else type(exc).__name__


def _unreadable(display: str, fmt: str, exc: BaseException, fix: str) -> InputError:
    return InputError(f"{display}: file must be readable as {fmt}; got an error ({_short(exc)}). {fix}.")


def _check_row_name(columns: list[str], display: str) -> None:
    if ROW in columns:
        raise InputError(
            f"{display}: column '{ROW}' must not be named like tagkit's own columns (_file, _row, _raw_*). "
            "Rename it in the file."
        )


def _drop_blank_rows(lf: pl.LazyFrame, columns: list[str]) -> pl.LazyFrame:
    """Rows whose every cell is blank hold no data (spacer rows, trailing newlines)."""
    if not columns:
        return lf
    blank = pl.all_horizontal([pl.col(c).is_null() | pl.col(c).str.strip_chars().eq("") for c in columns])
    return lf.filter(~blank)


def _sniff_separator(path: Path) -> str:
    with path.open("rb") as fh:
        first_line = fh.read(64 * 1024).split(b"\n", 1)[0].decode("utf-8", errors="replace")
    counts = {sep: first_line.count(sep) for sep in _SEPARATORS}
    best = max(_SEPARATORS, key=lambda sep: counts[sep])
    return best if counts[best] > 0 else ","


def read_csv(path: Path, *, display: str, table: Table, encoding: str, workdir: Path) -> RawFile:
    """Scan a CSV lazily with every column as text; GBK/GB18030 is transcoded to UTF-8 first.

    ``encoding`` is ``"auto"`` or a forced codec from ``io.encoding``.
    """
    with path.open("rb") as fh:
        head = fh.read(4096)
    if not head.replace(b"\xef\xbb\xbf", b"").strip():
        raise InputError(f"{display}: file must hold a header and data rows; got an empty file. {_empty_fix(table)}.")
    if head.startswith(b"PK\x03\x04"):
        raise InputError(
            f"{display}: file must be CSV text; got a zip archive, probably an Excel workbook renamed to .csv. "
            "Rename it to .xlsx, or save it from Excel as 'CSV UTF-8'."
        )
    if encoding == "auto":
        used = detect_encoding(path, display=display)
    else:
        used = encoding
        if used in NATIVE and not looks_like_utf8(path):
            raise InputError(
                f"{display}: file must be UTF-8 as io.encoding ({used}) says; got bytes that are not UTF-8 "
                "(probably GBK/GB18030). Set io.encoding to auto or gb18030 in your params file."
            )
        if used not in NATIVE and looks_like_utf8(path):
            with path.open("rb") as fh:
                if any(b >= 0x80 for b in fh.read(64 * 1024)):
                    logger.warning("%s: io.encoding forces %s but the file looks like UTF-8", display, used)
    source = path
    if used not in NATIVE:
        handle, name = tempfile.mkstemp(dir=workdir, prefix=f"{path.stem}-", suffix=".csv")
        os.close(handle)
        source = transcode_to_utf8(path, used, Path(name), display=display)
    separator = _sniff_separator(source)
    # glob=False: a file named "orders[1].csv" is a name, not a pattern
    lf = pl.scan_csv(source, infer_schema=False, separator=separator, raise_if_empty=False, glob=False)
    try:
        columns = list(lf.collect_schema().names())
        _check_row_name(columns, display)
        frame = _drop_blank_rows(lf.with_row_index(ROW, offset=1), columns)
        has_rows = frame.head(1).collect().height > 0
    except pl.exceptions.PolarsError as exc:
        raise _unreadable(display, "CSV", exc, "Open it in Excel and save it again as 'CSV UTF-8'") from exc
    if not has_rows:
        raise InputError(
            f"{display}: file must hold data rows below the header; got a header only. {_empty_fix(table)}."
        )
    logger.debug("%s: csv, encoding %s, separator %r, %d columns", display, used, separator, len(columns))
    return RawFile(frame, columns, "csv", encoding=used)


def read_parquet(path: Path, *, display: str, table: Table) -> RawFile:
    """Scan one parquet file lazily, keeping its types (hive columns are added by the caller)."""
    lf = pl.scan_parquet(path, hive_partitioning=False, glob=False)
    try:
        columns = list(lf.collect_schema().names())
        n_rows = lf.select(pl.len()).collect().item()
    except pl.exceptions.PolarsError as exc:
        raise _unreadable(display, "parquet", exc, "Write the file again, or export the table as CSV") from exc
    _check_row_name(columns, display)
    if n_rows == 0:
        raise InputError(f"{display}: file must hold data rows; got 0 rows. {_empty_fix(table)}.")
    return RawFile(lf.with_row_index(ROW, offset=1), columns, "parquet")


def _header_names(cells: list[object]) -> list[str]:
    """Header cells as column names: blanks get a position name, repeats are marked like polars does."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for i, cell in enumerate(cells):
        name = clean_name(cell) if cell is not None and clean_name(cell) else f"unnamed_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}_duplicated_{seen[name] - 1}"
        else:
            seen[name] = 1
        names.append(name)
    return names


def find_header_row(sheet: pl.DataFrame, matcher: Matcher) -> int:
    """The first of the top rows holding every required column; else the row matching most columns."""
    required = set(matcher.table.required_columns)
    best, best_score = None, 0
    for i, row in enumerate(sheet.head(HEADER_SEARCH_ROWS).iter_rows()):
        found = matcher.targets(row)
        if required <= found:
            return i
        score = len(found & required) * 100 + len(found)
        if score > best_score:
            best, best_score = i, score
    if best is not None:
        return best
    non_blank = sheet.head(HEADER_SEARCH_ROWS).select(~pl.all_horizontal(pl.all().is_null())).to_series()
    return next((i for i, keep in enumerate(non_blank) if keep), 0)


def read_xlsx(path: Path, *, display: str, matcher: Matcher, header_row: int | None) -> RawFile:
    """Read the first sheet as text and find its header (exports put titles above it).

    Date cells come back as ``2026-02-05 00:00:00`` text and serial numbers as
    ``46058``; :func:`tagkit.io.coerce.parse_date` reads both.
    """
    try:
        sheet = pl.read_excel(
            path,
            has_header=False,
            read_options={"header_row": None, "dtypes": "string", "skip_rows": 0},
            drop_empty_rows=False,
            drop_empty_cols=False,
            raise_if_empty=False,
        )
    except (fastexcel.FastExcelError, pl.exceptions.PolarsError, ValueError) as exc:
        raise _unreadable(display, "xlsx", exc, "Open it in Excel and save it again as .xlsx") from exc
    if sheet.height == 0 or sheet.width == 0 or not any(sheet.select(pl.all().is_not_null().any()).row(0)):
        raise InputError(
            f"{display}: file must hold a header and data rows in its first sheet; got an empty sheet. "
            f"Put the table in the first sheet. {_empty_fix(matcher.table)}."
        )
    if header_row is None:
        header = find_header_row(sheet, matcher)
    elif header_row >= sheet.height:
        raise InputError(
            f"{display}: io.xlsx_header_row must be a row of the sheet; got {header_row} but the sheet has "
            f"{sheet.height} rows (0-based). Set io.xlsx_header_row to null to find the header automatically."
        )
    else:
        header = header_row
    names = _header_names(list(sheet.row(header)))
    _check_row_name(names, display)
    body = sheet.slice(header + 1).rename(dict(zip(sheet.columns, names, strict=True)))
    # trailing columns with neither a header nor data are layout, not columns
    keep = [n for n in names if not n.startswith("unnamed_") or body[n].is_not_null().any()]
    body = body.select(keep).with_row_index(ROW, offset=1)
    frame = _drop_blank_rows(body.lazy(), keep)
    if frame.select(pl.len()).collect().item() == 0:
        raise InputError(
            f"{display}: file must hold data rows below the header (sheet row {header + 1}); got none. "
            f"{_empty_fix(matcher.table)}."
        )
    logger.debug("%s: xlsx, header on sheet row %d, %d columns", display, header + 1, len(keep))
    return RawFile(frame, keep, "xlsx", header_row=header)
