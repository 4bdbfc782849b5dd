"""The reports in a real browser: headless Chromium driven by Playwright, with every network request blocked.

Each page is opened from its file with all non-``file://`` requests aborted and recorded (the ``browser`` and
``visit`` fixtures of tests/conftest.py, shared with test_browser_layout.py). The
reports come from the tiny fixture's pipeline run (``tiny_run``): 华东 in Chinese as the run wrote
it, the same region rendered in English, and a copy whose customer names are hostile HTML.
Full-page screenshots (and a print PDF) land in ``test-artifacts/`` for a person to look at.

Chromium is Debian's (``/usr/bin/chromium``, or ``TAGKIT_CHROMIUM``); Playwright's own browser
download is never used. Without Chromium or Playwright these tests skip on a developer machine and
fail in CI (``CI=true``), where ``.ci/run`` installs them.
"""
from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import polars as pl
import pytest

from tagkit.params import load_params
from tagkit.report import load_run_data, write_region_report

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.usefixtures("browser_available")]

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
HOSTILE = '<img src=x onerror="document.body.dataset.pwned=1">'
BREAKOUT = "</script><script>document.body.dataset.pwned=2</script>"


def _render(run: Path, out: Path, *, language: str, scores: pl.DataFrame | None = None) -> Path:
    params = load_params(ROOT / "params")
    data = load_run_data(run, params)
    if scores is not None:
        data = dataclasses.replace(data, scores=scores)
    return write_region_report(data, region="华东", quarter=run.name,
                               params=params.report.model_copy(update={"language": language}), run_dir=out)


@pytest.fixture(scope="module")
def reports(tiny_run, tmp_path_factory) -> dict[str, Path]:
    """华东's report: ``zh`` as the pipeline wrote it, ``en`` rendered in English, ``hostile`` with HTML names."""
    out = tmp_path_factory.mktemp("browser-reports")
    scores = pl.read_parquet(tiny_run / "scores.parquet")
    # every 华东 customer gets a hostile name: the at-risk one shows in the risk chart's tooltip too
    hostile = scores.with_columns(
        customer_name=pl.when(pl.col("region") == "华东")
        .then(pl.format("{}{}{}", pl.lit(HOSTILE), pl.col("customer_id"), pl.lit(BREAKOUT)))
        .otherwise(pl.col("customer_name")),
        city=pl.when(pl.col("region") == "华东").then(pl.lit("<b>城</b>")).otherwise(pl.col("city")),
    )
    return {
        "zh": tiny_run / "reports" / "华东.html",
        "en": _render(tiny_run, out / "en", language="en"),
        "hostile": _render(tiny_run, out / "hostile", language="zh", scores=hostile),
    }


def _marks_per_chart(page) -> dict[str, int]:
    """Drawn data marks (SVG items inside Vega's ``role-mark`` groups) per chart container."""
    return page.evaluate(
        "() => Object.fromEntries([...document.querySelectorAll('.vis')].map(v => "
        "[v.id, v.querySelector('svg') ? v.querySelectorAll('svg .role-mark > *').length : 0]))"
    )


@pytest.mark.parametrize("language", ["zh", "en"])
def test_report_renders_offline_without_errors(reports, visit, language):
    seen = visit(reports[language])
    page = seen.page
    marks = _marks_per_chart(page)
    specs = page.locator('script[type="application/json"][id^="spec-"]').count()
    assert len(marks) == specs >= 8
    assert all(n > 0 for n in marks.values()), marks
    assert seen.requests == [], seen.requests
    assert seen.errors == [], seen.errors
    assert page.locator("section[id]").count() == 11  # the ten of Parts D–M and the actions (Part K)
    heading = page.locator("#at-risk h2").inner_text()
    assert heading == ("危险客户：优先防守" if language == "zh" else "At-risk customers: defend first")
    if language == "zh":
        # the CJK font the stylesheet names first is installed, so Chinese renders as text, not boxes
        assert page.evaluate("() => document.fonts.check('16px \"Noto Sans CJK SC\"', '标杆')")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"report-{language}.png"), full_page=True)


def test_tables_sort_and_filter(reports, visit):
    """A table sorts by a column and filters by words; each customer's folded line (reasons) moves with its row."""
    page = visit(reports["en"]).page
    table = page.locator("#tbl-abc")
    records = table.locator("tbody.rec")
    total = records.count()
    assert total >= 3
    sales_column = page.evaluate("() => [...document.querySelectorAll('#tbl-abc thead th')]"
                                 ".findIndex(th => th.dataset.key === 'sales')")

    def sales() -> list[float]:
        return [float(v) for v in table.locator(f"tbody.rec > tr:first-child > td:nth-child({sales_column + 1})")
                .evaluate_all("tds => tds.map(td => td.dataset.sort)")]

    def pairs() -> list[str]:
        """Each record's customer and the first line of its folded reasons, in page order."""
        return records.evaluate_all("bs => bs.map(b => b.rows[0].cells[0].textContent.trim() + ' | ' + "
                                    "(b.rows[1] ? b.rows[1].textContent.trim() : ''))")

    before = sorted(pairs())
    header = table.locator('thead th[data-key="sales"]')
    header.click()
    assert sales() == sorted(sales()) and header.get_attribute("aria-sort") == "ascending"
    header.click()
    assert sales() == sorted(sales(), reverse=True) and header.get_attribute("aria-sort") == "descending"
    assert sorted(pairs()) == before  # every row kept its own reasons

    first_name = records.first.locator("td").first.locator(".main").inner_text()
    box = page.locator('input[data-filter="tbl-abc"]')
    box.fill(first_name)
    visible = table.locator("tbody.rec:visible")
    assert visible.count() == 1 and first_name in visible.first.inner_text()
    assert page.locator('[data-count="tbl-abc"]').inner_text() == f"1 of {total} rows"
    box.fill("no customer is called this")
    assert table.locator("tbody.rec:visible").count() == 0
    box.fill("")
    assert table.locator("tbody.rec:visible").count() == total


def test_hostile_names_stay_text(reports, visit):
    seen = visit(reports["hostile"])
    page = seen.page
    assert seen.dialogs == [] and seen.requests == [] and seen.errors == []
    assert page.evaluate("() => document.body.dataset.pwned") is None
    assert page.locator("main img").count() == 0  # no injected element, only text
    assert HOSTILE in page.locator("#at-risk").inner_text()
    assert page.locator("main b").count() == 0
    # the chart tooltips show the names as text as well
    point = page.locator("#vis-risk-value svg .role-mark > *").first
    point.hover(force=True)
    tooltip = page.locator("#vg-tooltip-element")
    tooltip.wait_for(state="visible", timeout=5_000)
    assert HOSTILE in tooltip.inner_text() and tooltip.locator("img").count() == 0
    assert page.evaluate("() => document.body.dataset.pwned") is None


def test_print_gives_readable_pages(reports, visit):
    page = visit(reports["zh"]).page
    page.emulate_media(media="print")
    assert page.evaluate("() => getComputedStyle(document.querySelector('#contents')).display") == "none"
    assert page.evaluate("() => getComputedStyle(document.querySelector('.table-tools')).display") == "none"
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = page.pdf(path=str(ARTIFACTS / "report-zh.pdf"), format="A4", print_background=True)
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page>") + pdf.count(b"/Type /Page ") >= 3


def test_index_opens_offline_and_links_every_report(tiny_run, visit):
    seen = visit(tiny_run / "index.html")
    page = seen.page
    assert seen.requests == [] and seen.errors == []
    links = page.locator('#tbl-regions a[href^="reports/"]').evaluate_all("as => as.map(a => a.href)")
    assert len(links) == 7  # one per region
    for href in links:
        assert Path(unquote(urlparse(href).path)).exists(), href
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "index-zh.png"), full_page=True)


def test_notebook_03_shows_the_report_inline_in_jupyterlab(browser, tiny_run, tmp_path):
    """What an analyst sees running notebook 03 in JupyterLab: the region report in a frame, its charts drawn
    (served from the run folder, offline), and a link to it."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    import nbformat

    root = tmp_path / "lab"
    shutil.copytree(tiny_run, root / "out" / "2026Q3")
    (root / "notebooks").mkdir()
    report = root / "out" / "2026Q3" / "reports" / "华东.html"
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "tagkit", "display_name": "tagkit",
                                                           "language": "python"}})
    nb.cells = [nbformat.v4.new_code_cell(f"from tagkit.steps import region_report as steps\n"
                                          f"steps.show_report({str(report)!r}, {str(report.parent.parent)!r})")]
    nbformat.write(nb, root / "notebooks" / "03.ipynb")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={root}", "--no-browser",
                               f"--port={port}", "--IdentityProvider.token=t", "--ServerApp.allow_root=True",
                               "--LabApp.expose_app_in_browser=True"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=root)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/api/status?token=t", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        page = browser.new_page()
        page.goto(f"{base}/lab/tree/notebooks/03.ipynb?token=t")
        page.wait_for_function("window.jupyterapp && document.querySelector('.jp-Notebook .jp-Cell')", timeout=90_000)
        page.wait_for_timeout(2000)
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        frame = page.wait_for_selector("iframe.tagkit-report", timeout=90_000).content_frame()
        frame.wait_for_selector("svg", timeout=30_000)
        assert "华东" in frame.title()
        assert frame.evaluate("document.querySelectorAll('.vega-embed svg').length") > 0  # charts drawn
        links = [a.get_attribute("href") for a in page.query_selector_all(".jp-RenderedMarkdown a")]
        assert any("/files/out/2026Q3/reports/" in (h or "") for h in links), links
        page.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
