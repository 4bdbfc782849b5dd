"""Every customer of a region as a spreadsheet: ``exports/<region>.csv`` and ``exports/<region>.xlsx``.

A report lists at most ``max_customers_listed`` customers per table so it stays small at any
size; the manager who wants all of them opens the export, ranked the same way (at-risk first,
then nails, benchmarks, regular; within a tag by the risk or value that orders the report's
lists: at-risk customers early warnings first, each stage by the sales at stake). Column headers
and texts are in the report's language.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path

import polars as pl

from tagkit.contract import region_stem
from tagkit.lang import Lang
from tagkit.outputs import write_csv_for_spreadsheets
from tagkit.params import ReportParams
from tagkit.quarters import quarter_end
from tagkit.report.inputs import RunData
from tagkit.report.labels import VALUES, flag_name, level_name, name_of, tag_name
from tagkit.report.prescribed import action_text
from tagkit.report.sections.at_risk import STAGES, at_stake
from tagkit.report.xlsx import write_table
from tagkit.run_folder import RunFolder

logger = logging.getLogger(__name__)

EXCEL_MAX_ROWS = 1_048_575  # a worksheet's 1,048,576 rows, less the header
TAG_RANK = {"at_risk": 0, "nail": 1, "benchmark": 2, "regular": 3}
STAGE_RANK = {s: i for i, s in enumerate(STAGES)}
HEADERS = {  # column -> (zh, en)
    "customer_id": ("客户编号", "customer id"),
    "customer_name": ("客户名称", "customer"),
    "rep_id": ("业务员", "rep"),
    "tag": ("标签", "tag"),
    "previous_tag": ("上季标签", "previous tag"),
    "abc_class": ("ABC", "ABC"),
    "sales_quarter": ("本季销售额", "sales this quarter"),
    "sales_trailing_4q": ("近四季销售额", "sales, last 4 quarters"),
    "score_contribution": ("贡献", "contribution"),
    "score_loyalty": ("忠诚", "loyalty"),
    "score_influence": ("影响力", "influence"),
    "score_satisfaction": ("满意度", "satisfaction"),
    "score_cooperation": ("配合度", "cooperation"),
    "score_potential": ("潜力", "potential"),
    "score_risk": ("下季变差概率%", "chance of going bad next quarter, %"),
    "risk_stage": ("危险阶段", "risk stage"),
    "flags": ("提示", "flags"),
    "benchmark_level": ("标杆级别", "benchmark level"),
    "nail_decision": ("钉子决策", "nail decision"),
    "escalate_to": ("牵头人", "lead"),
    "visits_recommended": ("建议拜访/季（不计人力）", "visits recommended a quarter (unconstrained)"),
    "visits_planned": ("下季计划拜访", "visits planned next quarter"),
    "reasons": ("原因", "reasons"),
    "defences": ("防守步骤", "defence steps"),
    "actions": ("建议动作", "actions"),
}


def level_text(scores: pl.DataFrame, lang: Lang) -> pl.Expr:
    """The benchmark level in words, marked former / potential where its bar is not met now (as the report)."""
    status = pl.col("benchmark_level_status") if "benchmark_level_status" in scores.columns else pl.lit(None)
    key = pl.concat_str(pl.col("benchmark_level"), status.fill_null(""), separator="|")
    pairs = scores.select(key.alias("k"), "benchmark_level", status.alias("s")).drop_nulls("benchmark_level").unique()
    words = {k: level_name(level, s, lang) for k, level, s in pairs.iter_rows()}
    return key.replace_strict(words, default=pl.col("benchmark_level"), return_dtype=pl.String)


def region_export(data: RunData, *, region: str, lang: Lang) -> pl.DataFrame:
    """The region's customers, ranked, with readable texts; absent optional columns are left out."""
    scores = data.region_rows(region)
    reasons = f"reasons_{lang}"
    playbook = data.playbook

    def joined(column: str, render: Callable[[str], str]) -> pl.Expr:
        # one cell per customer: the list's codes in words (each distinct code rendered once), joined by "; "
        codes = scores.get_column(column).explode().drop_nulls().unique().to_list() if column in scores.columns else []
        words = {code: render(code) for code in codes}
        return (pl.col(column)
                .list.eval(pl.element().replace_strict(words, default=pl.element(), return_dtype=pl.String))
                .list.join("; ").fill_null(""))

    def by_lead(render: Callable[[str | None], pl.Expr]) -> pl.Expr:
        # an action naming {lead} reads the row's escalation rung: one rendering per rung in the region
        if "escalate_level" not in scores.columns:
            return render(None)
        out = render(None)
        for lead in scores.get_column("escalate_level").drop_nulls().unique().sort().to_list():
            out = pl.when(pl.col("escalate_level") == lead).then(render(lead)).otherwise(out)
        return out

    tags = {t: tag_name(t, lang) for t in TAG_RANK}
    texts = {
        "tag": pl.col("tag").replace_strict(tags, default=pl.col("tag")),
        "previous_tag": pl.col("previous_tag").replace_strict(tags, default=pl.col("previous_tag")),
        "flags": joined("flags", lambda f: flag_name(f, lang)),
        "risk_stage": pl.col("risk_stage").replace_strict(
            {v: name_of("risk_stage", v, lang) for v in VALUES["risk_stage"]}, default=pl.col("risk_stage")),
        "nail_decision": pl.col("nail_decision").replace_strict(
            {v: name_of("nail_decision", v, lang) for v in VALUES["nail_decision"]}, default=pl.col("nail_decision")),
        "benchmark_level": level_text(scores, lang) if "benchmark_level" in scores.columns else None,
        "defences": (pl.col(f"defence_steps_{lang}").list.join("; ") if f"defence_steps_{lang}" in scores.columns
                     else joined("defences", lambda d: name_of("defences", d, lang))),
        "actions": by_lead(lambda lead: joined("action_codes", lambda c: action_text(c, lang, playbook, lead))),
        "reasons": pl.col(reasons).list.join("; ") if reasons in scores.columns else None,
    }
    present = set(scores.columns) | {"actions" if "action_codes" in scores.columns else "",
                                     "reasons" if reasons in scores.columns else ""}
    columns = [c for c in HEADERS if c in present]
    order = pl.col("tag").replace_strict(TAG_RANK, default=9, return_dtype=pl.Int8)
    # at-risk customers as the report lists them: early warnings first, then by the sales at stake
    stage = (pl.col("risk_stage").replace_strict(STAGE_RANK, default=len(STAGE_RANK), return_dtype=pl.Int8)
             if "risk_stage" in scores.columns else pl.lit(0, dtype=pl.Int8))
    urgency = at_stake() if "score_risk" in scores.columns else pl.lit(0.0)
    ranked = scores.sort([order, stage, urgency, pl.col("sales_trailing_4q"), pl.col("customer_id")],
                         descending=[False, False, True, True, False], nulls_last=True)
    def value(c: str) -> pl.Expr:
        if (text := texts.get(c)) is not None:
            return text
        if c.startswith("score_"):
            return pl.col(c).round(1)  # as the report shows them; 0..100
        if c.startswith("sales_"):
            return pl.col(c).round(2)
        return pl.col(c)

    return ranked.select([value(c).alias(HEADERS[c][0 if lang == "zh" else 1]) for c in columns])


def write_region_exports(data: RunData, *, region: str, quarter: str, params: ReportParams,
                         run_dir: Path) -> list[Path]:
    """Write ``exports/<region>.csv`` (UTF-8 with BOM, so Excel shows Chinese) and ``.xlsx``.

    The workbook says it was created at the quarter's end, so a run on the same inputs writes the same bytes.
    """
    frame = region_export(data, region=region, lang=params.language)
    folder = RunFolder(run_dir).exports_dir
    folder.mkdir(parents=True, exist_ok=True)
    stem = region_stem(region)
    csv = folder / f"{stem}.csv"
    write_csv_for_spreadsheets(frame, csv)
    written = [csv]
    xlsx = folder / f"{stem}.xlsx"
    if frame.height <= EXCEL_MAX_ROWS:
        write_table(frame, xlsx, worksheet=stem[:31], autofit=frame.height <= 5000,
                    created=dt.datetime.combine(quarter_end(quarter), dt.time()))
        written.append(xlsx)
    else:
        xlsx.unlink(missing_ok=True)
        logger.warning("%s: %d customers do not fit one worksheet; the CSV holds them all", region, frame.height)
    return written


def action_links(data: RunData, region: str) -> tuple[tuple[str, str], ...]:
    """The report's links to the region's action list (relative to ``reports/``); none when it has no action."""
    actions = data.table("actions")
    if actions is None or not actions.filter(pl.col("region") == region).height:
        return ()
    stem = region_stem(region)
    return (("Excel", f"../{RunFolder.ACTIONS}/{stem}.xlsx"), ("CSV", f"../{RunFolder.ACTIONS}/{stem}.csv"))


def export_links(region: str, *, rows: int) -> tuple[tuple[str, str], ...]:
    """The report's links to its exports (relative to ``reports/``)."""
    stem = region_stem(region)
    links = [("CSV", f"../{RunFolder.EXPORTS}/{stem}.csv")]
    if rows <= EXCEL_MAX_ROWS:
        links.append(("Excel", f"../{RunFolder.EXPORTS}/{stem}.xlsx"))
    return tuple(links)
