"""The failure page of a region notebook that raised, its one-line summary, and the index's line for it.

The failing notebook is real: written with nbformat and executed by papermill on the ``tagkit``
kernel, as the runner executes a region's report, so the page is built from what papermill
actually leaves behind (its top note, the ``papermill-error-cell`` anchor, the error output).
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import quote

import nbformat
import papermill
import polars as pl
import pytest
from bs4 import BeautifulSoup
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from tagkit.errors import InputError
from tagkit.params import load_params
from tagkit.report import render_index
from tagkit.report.failure import FAILURE_ANCHOR, disarm_remote_urls, failure_summary, write_failure_page

ROOT = Path(__file__).resolve().parents[1]
PARAMS = load_params(ROOT / "params")
REMOTE_URL = re.compile(r"\s*(?:https?:)?//", re.IGNORECASE)
MESSAGE = "scores.parquet: column 'tag' must be one of at_risk, benchmark, nail, regular; got 'x' in 1 row"
KERNEL = {"name": "tagkit", "display_name": "tagkit", "language": "python"}


def _notebook_that_fails(path: Path) -> None:
    """A region-report-like notebook: parameters, long output (so the page must scroll), remote links and
    scripts in markdown and in an HTML output, then a cell that raises, then one that never runs."""
    cells = [
        new_markdown_cell("# 3 · Region report\n\n[Vega docs](https://vega.github.io/) "
                          "![logo](https://example.com/logo.png) and maths: $x^2$"),
        new_code_cell('region: str = "华北"  # region to report on', metadata={"tags": ["parameters"]}),
        new_code_cell("for i in range(120):\n    print('row', i)"),
        new_code_cell("from IPython.display import HTML\n"
                      "HTML('<script src=\"https://cdn.example.com/vega.js\"></script>"
                      "<link rel=\"stylesheet\" href=\"//cdn.example.com/x.css\"><img src=\"https://example.com/x.png\">"
                      "<a href=\"https://example.com/docs\">docs</a>')"),
        new_code_cell(f"raise ValueError({MESSAGE!r} + '\\nsecond line of the message')"),
        new_code_cell("print('never runs')"),
    ]
    nb = new_notebook(cells=cells, metadata={"kernelspec": KERNEL, "language_info": {"name": "python"}})
    nbformat.write(nb, path)


@pytest.fixture(scope="module")
def failed(tmp_path_factory) -> tuple[Path, papermill.PapermillExecutionError]:
    """The executed notebook papermill kept for a failed region, and the error it raised."""
    folder = tmp_path_factory.mktemp("run") / "notebooks"
    folder.mkdir()
    source = folder.parent / "03_region_report.ipynb"
    _notebook_that_fails(source)
    executed = folder / "03_region_report-华北.ipynb"
    with pytest.raises(papermill.PapermillExecutionError) as caught:
        papermill.execute_notebook(source, executed, kernel_name="tagkit", parameters={"region": "华北"},
                                   progress_bar=False, cwd=str(folder.parent))
    return executed, caught.value


@pytest.fixture(scope="module")
def page(failed) -> Path:
    return write_failure_page(failed[0])


def test_page_is_written_beside_the_notebook(failed, page):
    assert page == failed[0].with_suffix(".html") and page.is_file()


def test_anchor_sits_right_before_the_failing_cell(failed, page):
    error = failed[1]
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), features="html.parser")
    anchor = soup.find(id=FAILURE_ANCHOR)
    assert anchor is not None and len(soup.find_all(id=FAILURE_ANCHOR)) == 1
    failing = anchor.find_next(class_="jp-CodeCell")
    assert "raise ValueError" in failing.get_text()
    prompt = failing.find(class_="jp-InputPrompt").get_text().replace("\xa0", " ")
    assert prompt == f"In [{error.exec_count}]:"
    assert "ValueError" in failing.find(class_="jp-OutputArea").get_text()
    # nothing between the anchor and the failing cell, and the cell before it is the one that succeeded
    anchor_cell = anchor.find_parent(class_="jp-Cell")
    assert anchor_cell.find_next_sibling(class_="jp-Cell") is failing
    assert "HTML(" in anchor.find_previous(class_="jp-CodeCell").get_text()
    # papermill's note at the top links to the anchor
    assert soup.find("a", href=f"#{FAILURE_ANCHOR}") is not None


def test_page_fetches_nothing(page):
    html = page.read_text(encoding="utf-8")
    soup = BeautifulSoup(html, features="html.parser")
    # attributes only: the failing notebook's code shows src="https://…" as text, which is fine
    remote = [(tag.name, name, value) for tag in soup.find_all(True) for name, value in tag.attrs.items()
              if name in ("src", "href", "srcset") and REMOTE_URL.match(" ".join(value) if isinstance(value, list)
                                                                      else value)]
    assert remote == []
    # nbconvert's own script and style links are gone; the output's <script src>/<link href> are inert
    assert soup.find_all("script", src=True) == [] and soup.find_all("link", href=True) == []
    assert "cdnjs" not in html and "require.js" not in html.lower() and "mathjax" not in html.lower()
    assert not re.search(r"""url\(\s*['"]?(?:https?:)?//""", html) and "@import" not in html
    csp = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
    assert "default-src 'none'" in csp and "script-src" not in csp  # no script may run, inline or not
    # the notebook's remote addresses are disarmed, not lost: a reader can still see where they pointed
    kept = {tag["data-remote-url"] for tag in soup.find_all(attrs={"data-remote-url": True})}
    assert {"https://vega.github.io/", "https://example.com/logo.png", "https://cdn.example.com/vega.js",
            "//cdn.example.com/x.css", "https://example.com/docs"} <= kept


def test_failure_summary_names_the_cell_and_the_error(failed):
    notebook, error = failed
    assert failure_summary(notebook) == {"cell": error.exec_count, "ename": "ValueError", "evalue": MESSAGE}


def test_failure_summary_of_a_notebook_that_did_not_fail(tmp_path):
    path = tmp_path / "ok.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("1", execution_count=1)]), path)
    assert failure_summary(path) == {"cell": None, "ename": None, "evalue": None}


def test_missing_notebook_says_what_to_do(tmp_path):
    with pytest.raises(InputError, match=r"no executed notebook there.*run the report step again"):
        write_failure_page(tmp_path / "notebooks" / "03_region_report-华北.ipynb")
    with pytest.raises(InputError, match="no executed notebook there"):
        failure_summary(tmp_path / "missing.ipynb")


def test_disarm_keeps_local_and_data_addresses():
    html = ('<a href="#papermill-error-cell">x</a><a href="reports/a.html">r</a><img src="data:image/png;base64,AA">'
            '<img srcset="a.png 1x, https://example.com/b.png 2x"><a href="HTTPS://EXAMPLE.COM">up</a>'
            '<pre>src="https://example.com/in-code"</pre>')
    out = disarm_remote_urls(html)
    assert 'href="#papermill-error-cell"' in out and 'href="reports/a.html"' in out and 'src="data:image' in out
    assert "srcset=" not in out and 'href="HTTPS' not in out
    assert 'src="https://example.com/in-code"' in out  # text is never rewritten, only attributes


def test_index_lists_the_failed_region_with_its_error_and_link(failed, page):
    """What the runner records (the summary and the page, relative to the run folder) shows in the index."""
    notebook, _ = failed
    run_dir = notebook.parent.parent
    entry = {"notebook": notebook.relative_to(run_dir).as_posix(), "page": page.relative_to(run_dir).as_posix(),
             **failure_summary(notebook)}
    scores = pl.DataFrame({"region": ["华东", "华北"], "tag": ["nail", "benchmark"], "sales_quarter": [1.0, 2.0]})
    href = f'href="{quote("notebooks/03_region_report-华北.html")}#{FAILURE_ANCHOR}"'
    for lang, line, link in (
        ("zh", f"华北：In [{entry['cell']}] 出错：ValueError: ", "查看出错的单元格"),
        ("en", f"North China: failed at In [{entry['cell']}]: ValueError: ", "see the failing cell"),
    ):
        html = render_index(scores, quarter="2026Q3", params=PARAMS.report.model_copy(update={"language": lang}),
                            failed={"华北": entry}, others=[], present={"华东.html"})
        soup = BeautifulSoup(html, features="html.parser")
        item = soup.select_one("#failures ul.failures li")
        assert item.get_text().startswith(line + "scores.parquet: column 'tag' must be one of"), item.get_text()
        assert item.find("a").get_text() == link and href in str(item)
        assert "second line" not in html  # the index gives the first line; the page has the rest
        row = soup.select_one("#tbl-regions tr.failed-row")
        assert "华北" in row.get_text() and href in str(row) and "ValueError" in row.get_text()
    # the link lands on the page, which exists
    assert (run_dir / "notebooks" / "03_region_report-华北.html").is_file()


# --- in a browser: offline, and the fragment scrolls to the failing cell ----------------------------

CHROMIUM = os.environ.get("TAGKIT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.mark.browser
@pytest.mark.slow
def test_page_opens_offline_at_the_failing_cell(page):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is missing (pip install -e '.[dev]')")
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"no Chromium at {CHROMIUM} in CI", pytrace=False)
        pytest.skip(f"no Chromium at {CHROMIUM}")
    requests: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
                          else (requests.append(route.request.url), route.abort()))
            tab = context.new_page()
            tab.goto(f"{page.as_uri()}#{FAILURE_ANCHOR}")
            tab.wait_for_load_state("load")
            top = tab.evaluate(f"() => document.getElementById('{FAILURE_ANCHOR}').getBoundingClientRect().top")
            scrolled = tab.evaluate("() => window.scrollY")
        finally:
            browser.close()
    assert requests == []
    # 120 printed rows lie above: the page scrolled down to the anchor (as far as the page's end allows),
    # leaving the failing cell's first lines in view below it
    assert scrolled > 500 and 0 <= top < 800 - 200, (scrolled, top)
