"""A region's action list as the spreadsheet its owners fill in: ``actions/<region>.xlsx`` and ``.csv``.

The contract's columns (DATA_CONTRACT.md), with two more to read by: the owner's name beside the owner's
id and the action's text (in the report's language) beside its code. ``status`` starts as
``not_started``; in the workbook it is a drop-down of the four statuses the reading back accepts, so a
status cannot be typed wrong there. The file says it was created at the quarter's end, so the same run
writes the same bytes.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import polars as pl
from xlsxwriter import Workbook

from tagkit.actions.lists import SHEET_COLUMNS
from tagkit.contract import STATUSES, region_stem
from tagkit.outputs import write_csv_for_spreadsheets
from tagkit.quarters import quarter_end
from tagkit.run_folder import RunFolder

STATUS_HELP = {
    "zh": ("状态", "not_started 未开始 · in_progress 进行中 · done 已完成 · declined 不执行（请在备注中说明原因）"),
    "en": ("Status", "not_started · in_progress · done · declined (say why in the note)"),
}
WIDTHS = {"action_id": 28, "customer_name": 24, "action_text": 60, "note": 40}


def sheet_frame(actions: pl.DataFrame, *, texts: pl.DataFrame, owners: Mapping[str, str]) -> pl.DataFrame:
    """The rows of one region's list in the sheet's columns: ``texts`` gives each (``action_code``,
    ``lead_level``) its words (``action_text``), ``owners`` maps rep ids to names (an id it lacks stands alone)."""
    columns = list(SHEET_COLUMNS)
    columns.insert(columns.index("owner_rep_id") + 1, "owner_name")
    columns.insert(columns.index("action_code") + 1, "action_text")
    return (
        actions.join(texts, on=["action_code", "lead_level"], how="left", nulls_equal=True, maintain_order="left")
        .with_columns(owner_name=pl.col("owner_rep_id").replace_strict(dict(owners), default=None,
                                                                       return_dtype=pl.String),
                      action_text=pl.coalesce("action_text", "action_code"))
        .select(columns)
    )


def write_action_sheets(frame: pl.DataFrame, *, region: str, quarter: str, language: str,
                        run_dir: Path) -> list[Path]:
    """Write the region's list (``sheet_frame``) as CSV (UTF-8 with BOM) and as a workbook with the status drop-down."""
    folder = RunFolder(Path(run_dir)).actions_dir
    folder.mkdir(parents=True, exist_ok=True)
    stem = region_stem(region)
    csv = folder / f"{stem}.csv"
    write_csv_for_spreadsheets(frame, csv)
    xlsx = folder / f"{stem}.xlsx"
    _write_workbook(frame, xlsx, sheet=stem[:31], language=language,
                    created=dt.datetime.combine(quarter_end(quarter), dt.time()))
    return [csv, xlsx]


def _write_workbook(frame: pl.DataFrame, path: Path, *, sheet: str, language: str, created: dt.datetime) -> None:
    workbook = Workbook(str(path), {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    workbook.set_properties({"created": created})
    ws = workbook.add_worksheet(sheet)
    header = workbook.add_format({"bold": True, "bg_color": "#E8EEF4", "border": 1})
    date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    editable = workbook.add_format({"bg_color": "#FFF8DC"})
    for c, name in enumerate(frame.columns):
        ws.write_string(0, c, name, header)
        ws.set_column(c, c, WIDTHS.get(name, 14), editable if name in ("status", "note") else None)
    for r, row in enumerate(frame.iter_rows(), start=1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, dt.date):
                ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date)
            else:
                ws.write(r, c, value)
    last = max(frame.height, 1)
    title, message = STATUS_HELP.get(language, STATUS_HELP["en"])
    status = frame.columns.index("status")
    ws.data_validation(1, status, last, status, {
        "validate": "list", "source": list(STATUSES), "input_title": title, "input_message": message[:255],
        "error_title": title, "error_message": message[:255]})
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, last, len(frame.columns) - 1)
    workbook.close()
