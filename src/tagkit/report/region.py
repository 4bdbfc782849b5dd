"""One self-contained HTML report per region, for its manager and reps, readable offline.

>>> data = load_run_data(run_dir, params)                                         # doctest: +SKIP
>>> write_region_report(data, region="华东", quarter="2026Q3", params=params.report, run_dir=run_dir)  # doctest: +SKIP

The page is one file: Vega, the page script and the stylesheet are inlined once; every chart
is a JSON spec inside ``<script type="application/json">``; a Content-Security-Policy forbids
any network request, so a page that somehow named a URL still could not load it.
"""
from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import jinja2

from tagkit.charts import skip_schema_checks
from tagkit.contract import report_filename
from tagkit.params import ReportParams
from tagkit.quarters import quarter_end
from tagkit.report.assets import static_text, vega_bundle
from tagkit.report.blocks import Section
from tagkit.report.context import Context
from tagkit.report.export import action_links, export_links
from tagkit.report.inputs import RunData
from tagkit.report.sections import BUILDERS
from tagkit.report.sections.headline import summarise_by_tag
from tagkit.report.words import ui
from tagkit.run_folder import RunFolder

logger = logging.getLogger(__name__)

__all__ = ["build_sections", "render_region_report", "report_filename", "summarise_by_tag",
           "write_region_report"]

# scripts are inline (Vega needs eval for its expressions); nothing may be fetched, posted or framed
CSP = ("default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
       "img-src data: blob:; font-src data:; connect-src 'none'; form-action 'none'; base-uri 'none'")

# the three customer lists share one wrapper: links and tests point at "the tagged customers"
GROUPS = {"at-risk": "tagged-customers", "nails": "tagged-customers", "benchmarks": "tagged-customers"}

env = jinja2.Environment(
    loader=jinja2.PackageLoader("tagkit.report", "templates"),
    autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
)


def build_sections(data: RunData, *, region: str, quarter: str, params: ReportParams) -> list[Section]:
    """The report's sections, in page order, as plain objects (what the template renders)."""
    ctx = Context(data=data, region=region, quarter=quarter, params=params)
    sections = [builder.build(ctx) for builder in BUILDERS]
    return [dataclasses.replace(s, group=GROUPS.get(s.id, s.group)) for s in sections]


def render_region_report(data: RunData, *, region: str, quarter: str, params: ReportParams) -> str:
    """The HTML of one region's report; ``data.scores`` may hold every region (it is filtered here)."""
    lang = params.language
    with skip_schema_checks():  # checked in tests/test_report_speed.py instead
        sections = build_sections(data, region=region, quarter=quarter, params=params)
    return env.get_template("region.html.j2").render(
        lang=lang,
        csp=CSP,
        title=ui("title", lang, region=params.region_name(region), quarter=quarter),
        as_of=ui("generated", lang, as_of=quarter_end(quarter).isoformat()),
        sections=sections,
        ui={k: ui(k, lang) for k in ("contents", "noscript", "filter", "filter_label", "sort_hint", "full_list",
                                        "more_items", "action_list")},
        rows_shown=ui("rows_shown", lang, shown="{shown}", total="{total}"),
        printed=params.max_customers_printed,
        rows_printed=ui("rows_printed", lang, n="{n}", total="{total}"),
        footer=ui("footer", lang, digest=data.params_digest[:12] or "–"),
        # a list cut at max_customers_listed links the region's full list (tagkit.report.export)
        full_list=export_links(region, rows=data.region_rows(region).height),
        action_list=action_links(data, region),
        css=static_text("report.css"),
        page_js=static_text("report.js"),
        vega_js=vega_bundle(),
    )


def write_region_report(data: RunData, *, region: str, quarter: str, params: ReportParams, run_dir: Path) -> Path:
    """Render and write ``reports/<region>.html`` under the run folder; returns its path."""
    path = RunFolder(run_dir).report(region)
    path.parent.mkdir(parents=True, exist_ok=True)
    html = render_region_report(data, region=region, quarter=quarter, params=params)
    path.write_text(html, encoding="utf-8")
    logger.info("wrote %s (%.0f KB)", path, len(html.encode("utf-8")) / 1024)
    return path
