"""``index.html``: every region's headline figures and a link to its report, failures marked."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import polars as pl

from tagkit.params import ReportParams
from tagkit.report import labels
from tagkit.report.region import TAG_ORDER, _env, report_filename

QUARTER_DIR = re.compile(r"^\d{4}Q[1-4]$")


def region_headlines(scores: pl.DataFrame) -> pl.DataFrame:
    """One row per region: customers, sales, and customers per tag."""
    return (
        scores.group_by("region")
        .agg(
            customers=pl.len().cast(pl.Int64),
            sales_quarter=pl.col("sales_quarter").sum(),
            **{t: (pl.col("tag") == t).sum().cast(pl.Int64) for t in TAG_ORDER},
        )
        .sort("region")
    )


def sibling_quarters(run_dir: Path) -> list[str]:
    """Other quarters' run folders beside this one that hold an index, newest first."""
    return sorted(
        (p.name for p in run_dir.parent.iterdir()
         if p.is_dir() and QUARTER_DIR.match(p.name) and p != run_dir and (p / "index.html").exists()),
        reverse=True,
    )


def render_index(scores: pl.DataFrame, *, quarter: str, params: ReportParams, failed: dict[str, str],
                 others: list[str]) -> str:
    """``failed`` maps a region to the relative link of its executed notebook (the failing cell)."""
    lang = params.language
    regions = []
    for r in region_headlines(scores).iter_rows(named=True):
        name = report_filename(r["region"])
        regions.append({
            "region": r["region"],
            "href": "reports/" + quote(name),
            "failed_href": failed.get(r["region"]),
            "customers": r["customers"],
            "sales": labels.format_money(r["sales_quarter"], lang),
            "tags": [r[t] for t in TAG_ORDER],
        })
    return _env.get_template("index.html.j2").render(
        lang=lang,
        title=labels.ui("index_title", lang, quarter=quarter),
        tag_names=[labels.tag_name(t, lang) for t in TAG_ORDER],
        ui={k: labels.ui(k, lang) for k in ("region", "customers", "sales_quarter", "report", "open", "failed",
                                            "validation")},
        regions=regions,
        others=[{"quarter": q, "href": f"../{q}/index.html"} for q in others],
    )


def write_index(scores: pl.DataFrame, *, quarter: str, params: ReportParams, run_dir: Path,
                failed: dict[str, str] | None = None) -> Path:
    path = run_dir / "index.html"
    html = render_index(scores, quarter=quarter, params=params, failed=failed or {}, others=sibling_quarters(run_dir))
    path.write_text(html, encoding="utf-8")
    return path
