"""A region's action spreadsheets and its reps' digests, from the run folder (the report step writes them)."""
from __future__ import annotations

from pathlib import Path

import polars as pl

from tagkit.actions.sheets import sheet_frame, write_action_sheets
from tagkit.params import ReportParams
from tagkit.report.digest import write_rep_digests
from tagkit.report.inputs import RunData
from tagkit.report.prescribed import action_words


def write_region_actions(data: RunData, *, region: str, quarter: str, params: ReportParams,
                         run_dir: Path) -> list[Path]:
    """``actions/<region>.xlsx`` and ``.csv`` (when the region has actions) and ``digests/<region>/``."""
    written: list[Path] = []
    actions = data.table("actions")
    mine = actions.filter(pl.col("region") == region) if actions is not None else None
    if mine is not None and mine.height:
        lang = params.language
        # the wording names the nail's lead ({lead}) where the action has one
        texts = mine.select("action_code", "lead_level").unique().with_columns(
            action_text=action_words(lang, data.playbook))
        owners = dict(data.reps.select("rep_id", "rep_name").iter_rows()) if data.reps is not None else {}
        written += write_action_sheets(sheet_frame(mine, texts=texts, owners=owners), region=region,
                                       quarter=quarter, language=lang, run_dir=run_dir)
    return written + write_rep_digests(data, region=region, quarter=quarter, params=params, run_dir=run_dir)
