"""One self-contained HTML report per region: headline figures, one chart, the tagged customers."""
from __future__ import annotations

import logging
from pathlib import Path

import jinja2
import polars as pl

from tagkit.charts import sales_by_tag_chart
from tagkit.params import ReportParams
from tagkit.quarters import quarter_end
from tagkit.report import labels
from tagkit.report.assets import script_json, vega_bundle

logger = logging.getLogger(__name__)

TAG_ORDER = ["at_risk", "benchmark", "nail", "regular"]

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("tagkit.report", "templates"),
    autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)


def summarise_by_tag(scores: pl.DataFrame) -> pl.DataFrame:
    """Customers and sales per tag, every tag present (zero rows where no customer has it)."""
    counts = scores.group_by("tag").agg(
        customers=pl.len().cast(pl.Int64),
        sales_quarter=pl.col("sales_quarter").sum(),
        sales_trailing_4q=pl.col("sales_trailing_4q").sum(),
    )
    all_tags = pl.DataFrame({"tag": TAG_ORDER, "order": list(range(len(TAG_ORDER)))})
    return (
        all_tags.join(counts, on="tag", how="left")
        .with_columns(pl.col("customers", "sales_quarter", "sales_trailing_4q").fill_null(0))
        .sort("order")
        .drop("order")
    )


def report_filename(region: str) -> str:
    """The region's report file name; region names are used as they are (Chinese included)."""
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in region)
    return f"{safe}.html"


def tagged_customers(scores: pl.DataFrame, *, limit: int) -> pl.DataFrame:
    """Tagged customers, most urgent first: at-risk by risk, then benchmarks, then nails by sales."""
    order = {t: i for i, t in enumerate(TAG_ORDER)}
    return (
        scores.filter(pl.col("tag") != "regular")
        .with_columns(_o=pl.col("tag").replace_strict(order, return_dtype=pl.Int64))
        .sort(["_o", "score_risk", "sales_trailing_4q", "customer_id"], descending=[False, True, True, False],
              nulls_last=True)
        .head(limit)
        .drop("_o")
    )


def render_region_report(scores: pl.DataFrame, *, region: str, quarter: str, params: ReportParams) -> str:
    """The HTML of one region's report; ``scores`` may hold every region (it is filtered here)."""
    lang = params.language
    mine = scores.filter(pl.col("region") == region)
    by_tag = summarise_by_tag(mine)
    listed = tagged_customers(mine, limit=params.max_customers_listed)
    total_tagged = mine.filter(pl.col("tag") != "regular").height
    chart = sales_by_tag_chart(by_tag, language=lang).to_dict()
    rows = [
        {
            "customer_id": r["customer_id"],
            "customer_name": r["customer_name"],
            "city": r.get("city") or "",
            "rep_id": r["rep_id"],
            "tag": labels.tag_name(r["tag"], lang),
            "tag_id": r["tag"],
            "previous_tag": labels.tag_name(r["previous_tag"], lang) if r["previous_tag"] else "–",
            "abc_class": r["abc_class"],
            "score_risk": "–" if r["score_risk"] is None else f"{r['score_risk']:.0f}",
            "sales": labels.format_money(r["sales_trailing_4q"], lang),
            # the scorer's sentences name the evidence; short labels are the fallback for older scores files
            "reasons": "; ".join(r.get(f"reasons_{lang}") or [labels.reason_text(c, lang) for c in r["reason_codes"]]),
        }
        for r in listed.iter_rows(named=True)
    ]
    headline = [
        {
            "tag": labels.tag_name(r["tag"], lang),
            "tag_id": r["tag"],
            "customers": r["customers"],
            "sales": labels.format_money(r["sales_trailing_4q"], lang),
        }
        for r in by_tag.iter_rows(named=True)
    ]
    return _env.get_template("region.html.j2").render(
        lang=lang,
        title=labels.ui("title", lang, region=region, quarter=quarter),
        as_of=labels.ui("generated", lang, as_of=quarter_end(quarter).isoformat()),
        ui={k: labels.ui(k, lang) for k in ("customers", "by_tag", "tag", "previous_tag", "customer", "customer_id",
                                            "rep", "city", "abc", "score_risk", "reasons", "tagged_customers",
                                            "sales_trailing_4q")},
        shown_of=labels.ui("shown_of", lang, shown=len(rows), total=total_tagged),
        headline=headline,
        rows=rows,
        chart_json=script_json(chart),
        vega_js=vega_bundle(),
    )


def write_region_report(scores: pl.DataFrame, *, region: str, quarter: str, params: ReportParams,
                        run_dir: Path) -> Path:
    """Render and write ``reports/<region>.html`` under the run folder; returns its path."""
    path = run_dir / "reports" / report_filename(region)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_region_report(scores, region=region, quarter=quarter, params=params), encoding="utf-8")
    logger.info("wrote %s", path)
    return path
