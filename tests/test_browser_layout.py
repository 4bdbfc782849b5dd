"""A region report as its readers meet it: on a desktop, on a phone, and on paper (headless Chromium).

The report is 华东's from a `tagkit sample-data` run (about 500 customers, every table long enough to
matter), in Chinese as the run wrote it and rendered again in English. The browser and its guard against
network requests are the ones of tests/conftest.py; screenshots and the PDF land in
``test-artifacts/`` for a person to look at (the README shows the phone and desktop ones).
"""
from __future__ import annotations

import io
import re
import unicodedata
from pathlib import Path
from urllib.parse import unquote

import pytest

from tagkit.cli import main
from tagkit.params import load_params
from tagkit.report import load_run_data, write_region_report
from tagkit.sample_data import generate_sample
from test_browser_report import ARTIFACTS, ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.usefixtures("browser_available")]

QUARTER = "2026Q3"
REGION = "华东"
PAGES = 20  # the budget for a region of a few hundred customers on A4


@pytest.fixture(scope="module")
def sample_reports(tmp_path_factory) -> dict[str, Path]:
    """华东's report from the default sample: ``zh`` as the run wrote it, ``en`` rendered in English."""
    tmp = tmp_path_factory.mktemp("layout")
    generate_sample(tmp / "data", seed=11)
    assert main(["--quiet", "run", "--data", str(tmp / "data"), "--quarter", QUARTER, "--out", str(tmp / "out"),
                 "--only", "validate,score"]) == 0
    run = tmp / "out" / QUARTER
    params = load_params(ROOT / "params")
    data = load_run_data(run, params)
    return {lang: write_region_report(data, region=REGION, quarter=QUARTER, run_dir=tmp / lang,
                                      params=params.report.model_copy(update={"language": lang}))
            for lang in ("zh", "en")}


# every table's columns end inside its box, and its box inside the page
TABLES_FIT = """() => [...document.querySelectorAll('.table-wrap')].map(wrap => {
  const t = wrap.querySelector('table'), box = wrap.getBoundingClientRect();
  const last = [...t.tHead.rows[0].cells].map(th => th.getBoundingClientRect().right);
  return {id: t.id, table: t.scrollWidth, box: wrap.clientWidth, right: Math.max(...last), edge: box.right,
          page: document.documentElement.clientWidth};
})"""


@pytest.mark.parametrize("width", [1280, 1400])
@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_table_shows_all_its_columns_on_a_desktop(sample_reports, visit, width, language):
    seen = visit(sample_reports[language], width=width)
    page = seen.page
    tables = page.evaluate(TABLES_FIT)
    assert len(tables) >= 8
    for t in tables:
        assert t["table"] <= t["box"] + 1, f"{t['id']} is {t['table']} px wide in a box of {t['box']} px"
        assert t["right"] <= t["edge"] + 1 <= t["page"] + 1, t
    # the deciding columns stay columns, the long texts fold under each row
    nails = page.locator("#tbl-nails thead th").evaluate_all("ths => ths.map(th => th.dataset.key)")
    assert {"customer", "lead", "decision"} <= set(nails)
    assert page.locator("#tbl-nails tbody.rec").first.locator("tr.fold dt").count() >= 2
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    if width == 1400:
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator("#nails").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"report-desktop-{language}.png"))


PHONE = """() => {
  const W = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('body *')].filter(el => {
    if (el.closest('.chart, .contents')) return false;  // a chart scrolls in its own frame, the menu on one line
    const r = el.getBoundingClientRect(); return r.width > 0 && r.right > W + 1;
  }).map(el => el.tagName + '.' + el.className);
  const wraps = [...document.querySelectorAll('.table-wrap')].map(w => getComputedStyle(w));
  const labels = [...document.querySelectorAll('.vis svg')].flatMap(svg => {
    const scale = svg.getBoundingClientRect().width / svg.width.baseVal.value;
    return [...svg.querySelectorAll('text')].filter(t => t.textContent.trim())
      .map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
  });
  return {W, scroll: document.documentElement.scrollWidth, wide,
          boxed: wraps.filter(s => s.overflowY !== 'visible' || s.maxHeight !== 'none').length,
          nav: document.querySelector('#contents').getBoundingClientRect().height,
          smallest: Math.min(...labels), labels: labels.length};
}"""


@pytest.mark.parametrize("language", ["zh", "en"])
def test_on_a_phone_rows_are_cards_and_the_page_scrolls(sample_reports, visit, language):
    seen = visit(sample_reports[language], width=390)
    page = seen.page
    info = page.evaluate(PHONE)
    assert info["scroll"] <= info["W"] == 390, info["wide"][:10]
    assert info["wide"] == []
    assert info["boxed"] == 0  # no table scrolls inside a box: a swipe moves the page
    assert info["nav"] <= 48  # the section menu is one line
    assert info["labels"] > 50 and info["smallest"] >= 10, info
    # each at-risk card names its tag, its customer and the owner, its first reason and its next action
    card = page.locator("#tbl-at-risk-early tbody.rec").first
    assert card.locator(".tag-badge").is_visible()
    assert card.locator('td[data-label]').first.is_visible()
    folded = card.locator("tr.fold .fold-part")
    assert folded.count() == 2 and all(folded.nth(i).locator("li").first.is_visible() for i in range(2))
    hidden = card.locator("tr.fold li:nth-child(2)")
    if hidden.count():
        assert not hidden.first.is_visible()
        card.locator("td").first.click()
        assert hidden.first.is_visible()  # a tap opens the rest
    assert seen.errors == [] and seen.requests == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#at-risk").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"report-phone-{language}.png"))


def _flat(text: str) -> str:
    """Text as compared with the PDF's: NFKC (Chromium's CJK comes back partly as compatibility forms, ⼾ for
    户, and NFKC also makes full-width punctuation plain), without line breaks and spaces. Some come back as
    CJK radicals (⻘ for 青) that nothing maps back: rows are found by their customer ids instead."""
    return unicodedata.normalize("NFKC", text).replace("\n", "").replace(" ", "").replace("戶", "户")


def _pdf_pages(page, language: str) -> list[str]:
    from pypdf import PdfReader

    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"report-print-{language}.pdf").write_bytes(pdf)
    return [_flat(p.extract_text() or "") for p in PdfReader(io.BytesIO(pdf)).pages]


@pytest.mark.parametrize("language", ["zh", "en"])
def test_on_paper_nothing_is_cut_and_headers_repeat(sample_reports, visit, language):
    page = visit(sample_reports[language], width=1280).page
    header = "".join(_flat(t) for t in page.locator("#tbl-nails thead th .print-label").all_inner_texts())
    printed = page.locator("#tbl-nails tbody.rec").count()
    decisions = [_flat(t) for t in page.locator("#tbl-nails tbody.rec td.col-decision").all_inner_texts()]
    names = [t.split("·")[0].strip()
             for t in page.locator("#tbl-nails tbody.rec td.col-customer .sub").all_inner_texts()]
    following = _flat(page.locator("#benchmarks h2").inner_text())
    pages = _pdf_pages(page, language)
    assert len(pages) <= PAGES
    text = "".join(pages)
    limit = load_params(ROOT / "params").report.max_customers_printed
    shown = min(printed, limit)
    # the last column's values of every printed row are there, and the pointer to the full list
    assert all(d in text for d in decisions[:shown])
    if printed > limit:
        assert _flat(f"打印版只列出前 {limit} 行" if language == "zh" else f"On paper, the first {limit} of") in text
        # the rest is left to the download, whole rows, not cut mid-way
        assert page.locator("#tbl-nails tbody.rec").nth(limit).evaluate("b => getComputedStyle(b).display") == "none"
        assert page.locator("#tbl-nails tbody.rec").nth(limit - 1).is_visible()
    # every page holding a row of the nails table carries its header labels, repeated as text: the pages
    # from the one with the table's header to the one with the next section's title (the chart before the
    # table names the same customers, so it is left out)
    first = next(i for i, p in enumerate(pages) if header in p)
    end = next(i for i, p in enumerate(pages) if following in p)
    spanned = [p for p in pages[first:end + 1] if any(n in p for n in names[:shown])]
    assert spanned and all(header in p for p in spanned), [p[:120] for p in spanned]


VISIBLE_TEXT = ("() => document.body.innerText + '\\n' + "
                "[...document.querySelectorAll('svg text')].map(t => t.textContent).join('\\n')")
WRONG = {
    "a plural after 1": re.compile(r"\b1 (complaints|signals|times|quarters|customers|reports|visits|rows)\b"),
    "a (s) plural": re.compile(r"\(s\)"),
    "a snake_case code": re.compile(r"\b[a-z]+_[a-z_]+\b"),
    "scientific notation": re.compile(r"(?<![0-9a-f])\d(\.\d+)?e[+-]?\d+\b"),  # not inside a hex digest
    "a label cut short": re.compile(r"\w…"),
}


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_page_reads_as_written_by_a_person(sample_reports, visit, language):
    text = visit(sample_reports[language], width=1400).page.evaluate(VISIBLE_TEXT)
    for what, pattern in WRONG.items():
        found = sorted({m.group(0) for m in pattern.finditer(text)})
        assert not found, f"{what}: {found[:10]}"
    if language == "en":
        assert "CN¥" in text and "East China" in text  # the currency no one takes for yen; the region's English name


@pytest.mark.parametrize("width", [1280, 390])
def test_the_actions_section_and_a_rep_digest_read_in_a_browser(actions_round_trip, visit, width):
    """2026Q3's report after the round trip: the actions section's tables (owners, adoption, outcomes) fit a
    desktop and a phone, the holdout's result is shown, the page links its action list and a rep's digest,
    and the digest page itself opens with no error and no request leaving the file."""
    q3 = actions_round_trip["q3"]
    seen = visit(q3 / "reports" / "华东.html", width=width)
    page = seen.page
    section = page.locator("#actions")
    for table in ("#tbl-action-owners", "#tbl-adoption", "#tbl-action-outcomes"):
        assert section.locator(table).is_visible()
    assert "对照组" in section.inner_text()
    fits = [t for t in page.evaluate(TABLES_FIT) if t["id"] in ("tbl-action-owners", "tbl-adoption",
                                                                  "tbl-action-outcomes")]
    assert len(fits) == 3 and all(t["table"] <= t["box"] + 1 for t in fits), fits
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    assert page.locator('header a[href$="actions/华东.xlsx"]').count() == 1
    digest = section.locator('#tbl-action-owners a[href$=".html"]:not([download])').first.get_attribute("href")
    assert seen.errors == [] and seen.requests == []
    ARTIFACTS.mkdir(exist_ok=True)
    section.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"report-actions-{width}.png"))
    target = (q3 / "reports" / unquote(digest)).resolve()
    rep = visit(target, width=width)
    assert rep.errors == [] and rep.requests == []
    assert rep.page.locator("h1").inner_text().endswith("2026Q3 本周清单")
    assert rep.page.locator("h2").count() >= 1
