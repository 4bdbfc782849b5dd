"""One page per rep for Monday morning: what changed since the last report, and what is due.

``digests/<region>/<rep>.html`` (printable on one page) and ``.csv`` (the same rows), for every rep with
customers or actions in the region: customers newly at risk, saved, newly benchmarks, nails that moved
(new, pulled, released) and lost; then the actions the rep owns on this quarter's list, earliest due
first. "Since the last report" is against last quarter's published tags where the run found them
(``previous_tags.json``), else against last quarter re-scored from the history, and the page says which.
"""
from __future__ import annotations

from pathlib import Path

import polars as pl

from tagkit.contract import region_stem
from tagkit.lang import Lang
from tagkit.outputs import write_csv_for_spreadsheets
from tagkit.params import ReportParams
from tagkit.report.inputs import RunData
from tagkit.report.labels import name_of
from tagkit.report.prescribed import action_words
from tagkit.report.words import ui
from tagkit.run_folder import RunFolder

FOLDER = RunFolder.DIGESTS  # also in the reports' links
# the changes a rep hears about, in page order
CHANGES = ("at_risk_new", "at_risk_saved", "benchmark_new", "nail_new", "nail_pulled", "nail_released", "at_risk_lost",
           "benchmark_lost")
COLUMNS = ["rep_id", "section", "customer_id", "customer_name", "detail", "due_date"]


def _first_reason(mine: pl.DataFrame, language: Lang) -> pl.Expr:
    """The customer's first reason (why it moved), or the movement's name where the run has no reasons."""
    named = pl.col("movement").replace_strict({m: name_of("movement", m, language) for m in CHANGES})
    column = f"reasons_{language}"
    return pl.coalesce(pl.col(column).list.first(), named) if column in mine.columns else named


def digest_rows(data: RunData, *, region: str, language: Lang) -> pl.DataFrame:
    """Every rep's digest rows in the region (``COLUMNS``): the changes, then the actions due."""
    mine = data.region_rows(region)
    changes = pl.DataFrame(schema={c: pl.String for c in COLUMNS} | {"due_date": pl.Date})
    if "movement" in mine.columns:
        rank = {m: i for i, m in enumerate(CHANGES)}
        changes = (
            mine.filter(pl.col("movement").is_in(CHANGES))
            .sort([pl.col("movement").replace_strict(rank, return_dtype=pl.Int32), pl.col("sales_trailing_4q")],
                  descending=[False, True], nulls_last=True)
            .select("rep_id", section=pl.col("movement"), customer_id="customer_id", customer_name="customer_name",
                    detail=_first_reason(mine, language),
                    due_date=pl.lit(None, dtype=pl.Date))
        )
    actions = data.table("actions")
    due = pl.DataFrame(schema=changes.schema)
    if actions is not None:
        due = actions.filter(pl.col("region") == region).select(
            rep_id="owner_rep_id", section=pl.lit("action_due"), customer_id="customer_id",
            customer_name="customer_name", detail=action_words(language, data.playbook), due_date="due_date")
    return pl.concat([changes, due.sort("rep_id", "due_date", maintain_order=True)]).sort("rep_id", maintain_order=True)


def _plan_line(data: RunData, rep_id: str, language: Lang) -> str:
    """The rep's visits planned for next quarter against what the rep can make (the scorecard's plan)."""
    cards = data.table("reps")
    if cards is None or "visits_planned" not in cards.columns:
        return ""
    card = cards.filter(pl.col("rep_id") == rep_id)
    if not card.height or card["visits_planned"][0] is None:
        return ""
    planned = card["visits_planned"][0]
    capacity = card["visit_capacity"][0] if "visit_capacity" in cards.columns else None
    if capacity is None:
        return ui("digest_plan_unknown", language, planned=planned)
    return ui("digest_plan", language, planned=planned, capacity=f"{capacity:.0f}")


def write_rep_digests(data: RunData, *, region: str, quarter: str, params: ReportParams, run_dir: Path) -> list[Path]:
    """Write each rep's digest (HTML and CSV) under ``digests/<region>/``; returns the paths."""
    from tagkit.report.region import env  # the report's Jinja environment (autoescape on)

    lang = params.language
    rows = digest_rows(data, region=region, language=lang)
    folder = RunFolder(run_dir).digests_dir / region_stem(region)
    folder.mkdir(parents=True, exist_ok=True)
    names = dict(data.reps.select("rep_id", "rep_name").iter_rows()) if data.reps is not None else {}
    basis = (data.previous_tags or {}).get("source", "re-scored")
    template = env.get_template("digest.html.j2")
    written: list[Path] = []
    for rep_id in sorted(rows["rep_id"].drop_nulls().unique().to_list()):
        own = rows.filter(pl.col("rep_id") == rep_id)
        stem = region_stem(rep_id)
        csv = folder / f"{stem}.csv"
        write_csv_for_spreadsheets(own, csv)
        groups = [(name_of("movement", s, lang) if s != "action_due" else ui("digest_due", lang),
                   own.filter(pl.col("section") == s).to_dicts()) for s in (*CHANGES, "action_due")]
        page = template.render(plan=_plan_line(data, rep_id, lang),
            lang=lang, title=ui("digest_title", lang, rep=names.get(rep_id, rep_id), quarter=quarter),
            basis=ui("digest_basis_published" if basis == "published" else "digest_basis_rescored", lang),
            region=params.region_name(region), groups=[g for g in groups if g[1]],
            none=ui("digest_none", lang), due_label=ui("digest_due_by", lang))
        html = folder / f"{stem}.html"
        html.write_text(page, encoding="utf-8")
        written += [html, csv]
    return written
