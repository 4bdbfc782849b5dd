"""Region report and index: structure, escaping, language, offline, size, what is not computed.

Reports are tested by structure (section ids, headers, table ids) on small inline frames;
the same pages in a real browser are in test_browser_report.py.
"""
from __future__ import annotations

import datetime as dt
import html as html_lib
import json
import re
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tagkit.params import load_params
from tagkit.report import RunData, build_sections, render_index, render_region_report, report_filename
from tagkit.report.assets import script_json
from tagkit.report.formats import format_change, format_money, format_percent, format_points
from tagkit.report.sections.at_risk import rank_at_risk
from tagkit.report.sections.headline import headline_by_tag, summarise_by_tag

ROOT = Path(__file__).resolve().parents[1]
PARAMS = load_params(ROOT / "params")
EVIL = "<script>alert('x')</script>"
BREAKOUT = "</script><img src=x onerror=alert(1)>"
SECTIONS = ["headline", "abc-vs-tags", "at-risk", "nails", "benchmarks", "reps", "actions", "map", "transitions",
            "trust", "data-notes"]


def _scores() -> pl.DataFrame:
    """Five customers of 华东 and one of 华北, as scores.parquet has them before the prescription step.

    C1 (hostile name) is at risk (an early warning) and benchmark-quality; C5 at risk (declining), more risk
    but less at stake and no flag; C2 a
    benchmark; C3 a regular C-class; C4 a nail; C9 is 华北's and must never show in 华东's report.
    """
    n = 6
    return pl.DataFrame({
        "customer_id": ["C1", "C2", "C3", "C4", "C5", "C9"],
        "customer_name": [EVIL, "杭州联华", "宁波海通", "温州宏诚", BREAKOUT, "北京正大"],
        "region": ["华东"] * 5 + ["华北"],
        "rep_id": ["R1", "R1", "R2", "R2", "R1", "R9"],
        "quarter": ["2026Q3"] * n,
        "tag": ["at_risk", "benchmark", "regular", "nail", "at_risk", "nail"],
        "previous_tag": ["benchmark", "benchmark", None, "nail", "regular", "nail"],
        "abc_class": ["A", "B", "C", "C", "B", "A"],
        "score_contribution": [90.0, 50.0, 5.0, 10.0, 40.0, 80.0],
        "score_loyalty": [80.0, 70.0, 20.0, 30.0, 50.0, 60.0],
        "score_influence": [85.0, 75.0, 10.0, 20.0, 30.0, 40.0],
        "score_satisfaction": [72.0, 80.0, None, 40.0, 50.0, 60.0],
        "score_cooperation": [75.0, 90.0, None, 30.0, 40.0, 50.0],
        "score_potential": [10.0, 20.0, 5.0, 95.0, 30.0, 90.0],
        "score_risk": [70.0, 10.0, 5.0, 20.0, 90.0, 20.0],
        "risk_stage": ["early", None, None, None, "declining", None],
        "reason_codes": [["risk_orders_lapsed", "benchmark_at_risk"], ["benchmark_influence"], [],
                         ["nail_high_potential"], ["risk_complaints"], ["nail_high_potential"]],
        "sales_quarter": [10_000.0, 200_000.0, 3_000.0, 40_000.0, 5_000.0, 4.0],
        "sales_trailing_4q": [150_000.0, 900_000.0, 12_000.0, 160_000.0, 60_000.0, 9e8],
        "flags": [["benchmark_at_risk"], [], ["new_customer"], [], [], []],
        "reasons_zh": [["已66天未订货"], ["影响力80分"], [], ["年采购潜力¥1014万"], ["近2季投诉3次"], ["潜力大"]],
        "reasons_en": [["no order for 66 days"], ["influence 80"], [], ["potential ¥10.1M a year"],
                       ["3 complaints in the last 2 quarters"], ["large potential"]],
        "unavailable_signals": [[], [], ["satisfaction", "cooperation"], [], [], []],
        "city": ["杭州市", "杭州市", "宁波市", "温州市", "<b>无锡</b>", "北京市"],
        "lat": [30.27, 30.29, 29.87, 28.0, 31.5, 39.9],
        "lon": [120.15, 120.2, 121.55, 120.67, 120.3, 116.4],
        "potential_annual_value": [300_000.0, 1_200_000.0, 50_000.0, 10_000_000.0, 100_000.0, 2e9],
        "sales_previous_quarter": [50_000.0, 180_000.0, 0.0, 30_000.0, 20_000.0, 1.0],
        "sales_prior_4q": [300_000.0, 600_000.0, 0.0, 150_000.0, 80_000.0, 8e8],
        "share_of_wallet": [0.5, 0.75, 0.24, 0.016, 0.6, 0.45],
        "visits_trailing": [6, 4, 1, 20, 3, 2],
        "yoy_change": [-0.8, 0.1, None, 0.05, -0.5, 0.0],
    })


REPS = pl.DataFrame({"rep_id": ["R1", "R2", "R3", "R9"], "rep_name": ["张伟", "李娜", "王经理", "赵六"],
                     "region": ["华东", "华东", "华东", "华北"], "role": ["rep", "rep", "regional_manager", "rep"],
                     "manager_id": ["R3", "R3", None, None]})

BACKTEST = {
    "methods": {m: {"zh": f"{m} 说明", "en": f"{m} explained"} for m in ("tagkit", "no_order_rule", "abc")},
    "definitions": {"outcome": {"zh": "变差的定义", "en": "what going bad means"}},
    "params": {"quarters": 2},
    "pooled": {
        "population": {"base_rate": 0.11},
        "tagkit": {"flagged": 3, "precision": 1.0, "recall": 0.2, "lift": 8.9, "auc": 0.58, "precision_top_k": 1.0},
        "no_order_rule": {"flagged": 4, "precision": 0.5, "recall": 0.13, "lift": 4.4, "auc": 0.54,
                          "precision_top_k": 0.33},
        "abc": {"flagged": 43, "precision": 0.12, "recall": 0.33, "lift": 1.03, "auc": 0.52, "precision_top_k": None},
    },
    "notes": {"zh": ["2026Q2：有 3 个客户未纳入检验"], "en": ["2026Q2: 3 customers not judged"]},
}
VALIDATION = {"missing_optional_tables": ["competitor_signals"], "warnings": ["orders: 2 rows dated late"],
              "tables": {"orders": {"rows_read": 100, "by_reason": {"unparseable_amount": 2, "unknown_customer": 1}}}}


def _data(scores: pl.DataFrame | None = None, **extra) -> RunData:
    given = {"reps": REPS, "backtest": BACKTEST, "validation": VALIDATION,
             "methodology": PARAMS.model_dump(mode="json"), "params_digest": "abc123"} | extra
    return RunData(scores=_scores() if scores is None else scores, **given)


def _report(data: RunData | None = None, language: str = "zh", **report) -> str:
    params = PARAMS.report.model_copy(update={"language": language, **report})
    return render_region_report(data or _data(), region="华东", quarter="2026Q3", params=params)


def _prescribed(scores: pl.DataFrame) -> pl.DataFrame:
    """The same customers after a prescription step: levels, causes, decisions, escalation, defences, actions."""
    return scores.with_columns(
        benchmark_level=pl.Series([None, "provincial", None, None, None, None], dtype=pl.String),
        nail_cause=pl.Series([None, None, None, "competitor", None, "trust"], dtype=pl.String),
        nail_decision=pl.Series([None, None, None, "invest", None, "drop"], dtype=pl.String),
        nail_upside=pl.Series([None, None, None, 3_340_000.0, None, 1e6]),
        escalate_to=pl.Series([None, None, None, "R3", None, "R9"], dtype=pl.String),
        defences=pl.Series([["relationship", "risk"], [], [], [], ["commercial"], []]),
        action_codes=pl.Series([["defend_benchmark"], ["benchmark_maintain"], [], ["nail_combined_attack"],
                                ["defend_commercial"], []]),
        benchmark_missing=pl.Series([None, None, "satisfaction", None, None, None], dtype=pl.String),
        flags=pl.Series([["benchmark_at_risk"], [], ["benchmark_candidate"], [], [], []]),
    )


# --- structure ---------------------------------------------------------------------------------

def test_every_section_in_order_with_its_heading():
    html = _report()
    ids = re.findall(r'<section id="([^"]+)">', html)
    assert ids == SECTIONS
    for title in ("概览", "ABC 分类看不到的", "危险客户：优先防守", "标签有多可信", "数据说明与方法"):
        assert f"<h2>{title}</h2>" in html
    assert 'id="tagged-customers"' in html  # the three customer lists share one wrapper
    assert [s.id for s in build_sections(_data(), region="华东", quarter="2026Q3", params=PARAMS.report)] == SECTIONS


def test_only_its_own_region():
    html = _report()
    assert "北京正大" not in html and "杭州联华" in html


def test_charts_are_embedded_as_json_specs():
    html = _report()
    charts = re.findall(r'<script type="application/json" id="spec-([a-z-]+)">', html)
    assert {"tag-mix", "abc-crosstab", "risk-value", "nail-upside", "showcase", "visit-allocation",
            "customer-map", "transitions", "backtest"} <= set(charts)
    for name in charts:
        assert f'id="vis-{name}"' in html


def test_at_risk_most_urgent_first():
    """The early warning (also benchmark-quality, with more sales at stake) comes before the declining C5, although
    C5's risk score is higher."""
    ranked = rank_at_risk(_scores().filter(pl.col("region") == "华东"))
    assert ranked["customer_id"].to_list() == ["C1", "C5"]
    html = _report()
    early, declining = html.index('id="tbl-at-risk-early"'), html.index('id="tbl-at-risk-declining"')
    assert early < declining  # early warnings first
    assert early < html.index("C1 ·", early) < declining < html.index("C5 ·", declining)
    assert 'class="top-priority"' in html[early:declining]


def test_abc_surprises_list_the_disagreeing_cells():
    html = _report(language="en")
    abc = html[html.index('id="tbl-abc"'):html.index('id="at-risk"')]
    assert "C1" in abc and "C4" in abc and "C2" not in abc  # A not benchmark, C nail; B benchmark is no surprise
    assert "class A, not a benchmark" in abc and "class C, yet a Nail" in abc


# --- safety ------------------------------------------------------------------------------------

def test_data_values_are_escaped_everywhere():
    html = _report()
    assert EVIL not in html and BREAKOUT not in html and "<b>无锡</b>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    # inside the chart specs: no '<' at all, so nothing can close the script element
    for spec in re.findall(r'<script type="application/json" id="spec-[a-z-]+">(.*?)</script>', html, re.S):
        assert "<" not in spec and ">" not in spec
        json.loads(spec)
    assert html.count("<script") == html.count("</script>")


def test_script_json_round_trips_and_cannot_end_the_element():
    value = {"name": BREAKOUT, "other": "<!-- & \u2028"}
    text = script_json(value)
    assert "</" not in text and "<!--" not in text and "<" not in text
    assert json.loads(text) == value


# --- offline -----------------------------------------------------------------------------------

def test_one_vega_bundle_and_nothing_to_fetch():
    html = _report()
    assert html.count("window.vegaEmbed=") == 1
    assert "<script src=" not in html and "<link" not in html and "@import" not in html
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', html)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", html)
    csp = html_lib.unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1))
    assert "default-src 'none'" in csp and "connect-src 'none'" in csp
    assert "actions: false" in html
    assert '"$schema"' not in html  # the specs name no URL


# --- language ----------------------------------------------------------------------------------

def test_language_follows_params():
    zh, en = _report(language="zh"), _report(language="en")
    assert 'lang="zh-CN"' in zh and 'lang="en"' in en
    assert "危险客户" in zh and "已66天未订货" in zh and "¥15.0万" in zh
    assert "At risk" in en and "no order for 66 days" in en and "CN¥150.0K" in en
    assert "<h2>How far to trust the tags</h2>" in en and "万" not in en.split("<main>")[1]
    assert "zh 说明" not in en and "tagkit explained" in en


def test_money_and_percent_formats():
    assert format_money(1_234_567, "zh") == "¥123.5万"
    assert format_money(3.2e8, "zh") == "¥3.20亿"
    assert format_money(1_234_567, "en") == "CN¥1.2M"
    assert format_money(-20_000, "zh") == "−¥2.0万"
    assert format_money(None, "zh") == "–"
    assert format_percent(0.125) == "12%" and format_change(-0.35) == "−35%" and format_change(0.1) == "+10%"
    assert format_points(0.032, "zh") == "+3.2 个百分点" and format_points(-0.01, "en") == "−1.0 pp"


# --- what the run did not compute ---------------------------------------------------------------

def test_prescription_sections_say_not_computed_when_absent():
    html = _report(language="en")
    for what in ("the recommended defences", "cause, escalation and decision", "benchmark levels",
                 "radiation neighbours", "the benchmark candidates", "rep scorecards against the visit plan",
                 "the customer-quality index", "the development stage"):
        assert f"Not computed in this run: {what}" in html, what


def test_prescription_columns_and_files_are_rendered_when_present():
    playbook = {"strategies": {"at_risk": {"zh": "密切关注", "en": "Watch closely"}},
                "actions": {"defend_benchmark": {"zh": "一周内高层拜访", "en": "An executive visit within a week"},
                            "nail_combined_attack": {"zh": "组合攻关", "en": "Combined attack"}}}
    quality = pl.DataFrame({"region": ["华东"] * 3, "quarter": ["2026Q1", "2026Q2", "2026Q3"],
                            "share_benchmark": [0.2, 0.25, 0.3], "share_healthy_regular": [0.35, 0.35, 0.32],
                            "share_at_risk": [0.45, 0.4, 0.38], "quality_index": [0.55, 0.6, 0.62],
                            "quarters_of_history": [1, 2, 3]})
    regions = pl.DataFrame({"region": ["华东"], "quarter": ["2026Q3"], "stage": ["middle"],
                            "focus_zh": ["攻克钉子"], "focus_en": ["Pull the nails"], "speculators": [2],
                            "speculator_sales_share": [0.031]})
    radiation = pl.DataFrame({"region": ["华东"], "benchmark_id": ["C2"], "customer_id": ["C1"],
                              "customer_name": [EVIL], "distance_km": [3.2]})
    gaps = pl.DataFrame({"region": ["华东"], "cluster": ["温州市"], "customers": [3], "sales_trailing_4q": [1e6],
                         "best_candidate_id": ["C4"], "best_candidate_name": ["温州宏诚"],
                         "best_candidate_kind": ["most_influential"], "best_candidate_missing": [None]})
    cards = pl.DataFrame({"rep_id": ["R1", "R2"], "region": ["华东"] * 2, "customers": [3, 2],
                          "benchmarks": [1, 0], "benchmarks_min": [1, 1], "benchmarks_gap": [0, 1],
                          "borrow_benchmark_id": [None, "C2"], "borrow_benchmark_level": [None, "provincial"],
                          "visits": [12, 3], **{f"visits_{t}": [4, 1] for t in ("benchmark", "nail", "at_risk")},
                          "visits_regular": [0, 0], "visit_alignment": [0.8, 0.5],
                          **{f"visit_target_{t}": [0.3, 0.3] for t in ("benchmark", "nail", "at_risk")},
                          "visit_target_regular": [0.1, 0.1]})
    actions = pl.DataFrame({"region": ["华东"], "customer_id": ["C1"], "customer_name": [EVIL], "owner_rep_id": ["R1"],
                            "action_code": ["defend_benchmark"], "due_date": [dt.date(2026, 10, 7)]})
    data = _data(_prescribed(_scores()), playbook=playbook,
                 prescription={"quality_index": quality, "regions": regions, "radiation": radiation,
                               "coverage_gaps": gaps, "reps": cards, "actions": actions})
    html = _report(data, language="en")
    assert "Not computed in this run" not in html.split('id="trust"')[0]
    assert "1 action with a deadline this quarter, for 1 owner" in html
    assert "An executive visit within a week" in html and "Combined attack" in html
    assert "relationship defence" in html and "a more attractive competitor" in html and ">invest<" in html
    assert "王经理" in html  # escalate_to R3 resolved to a name through the reps table
    assert "provincial" in html and "Strategy: Watch closely" in html
    assert "62%" in html and ">Middle<" in html and "Pull the nails" in html and 'id="spec-quality-index"' in html
    assert 'id="tbl-candidates"' in html and "宁波海通" in html.split('id="tbl-candidates"')[1]
    assert 'id="tbl-scorecards"' in html and 'id="tbl-gaps"' in html and "the most influential there" in html
    assert "0 / 1" in html  # R2 holds no benchmark against a minimum of one


def test_minimal_scores_still_render():
    """Only the contract's columns (an older run): every section is there, nothing crashes."""
    from tagkit.scoring import CONTRACT_COLUMNS

    html = _report(RunData(scores=_scores().select(CONTRACT_COLUMNS)))
    assert re.findall(r'<section id="([^"]+)">', html) == SECTIONS
    assert "本次运行未计算：回测（backtest.json）" in html


# --- figures -----------------------------------------------------------------------------------

def test_headline_by_tag():
    """C3 had no tag last quarter and is left out of it; shares are of the region's sales."""
    got = headline_by_tag(_scores().filter(pl.col("region") == "华东"))
    expected = pl.DataFrame({
        "tag": ["at_risk", "benchmark", "nail", "regular"],
        "customers": [2, 1, 1, 1],
        "sales_quarter": [15_000.0, 200_000.0, 40_000.0, 3_000.0],
        "customers_previous": [0, 2, 1, 1],
        "sales_previous": [0.0, 230_000.0, 30_000.0, 20_000.0],
    }).with_columns(sales_share=pl.col("sales_quarter") / 258_000.0,
                    sales_share_previous=pl.col("sales_previous") / 280_000.0)
    assert_frame_equal(got, expected, check_dtypes=False)
    assert summarise_by_tag(_scores())["tag"].to_list() == ["at_risk", "benchmark", "nail", "regular"]


def test_lists_are_capped_and_say_so():
    html = _report(max_customers_listed=1)
    assert "按优先级列出前 1 位，共 2 位" in html
    table = html[html.index('id="tbl-at-risk-early"'):]
    assert table[:table.index("</table>")].count("<tbody") == 1  # one customer (its row and the line under it)


def test_a_2000_customer_region_stays_under_3_mb():
    """Tables are capped and charts aggregate, so size does not grow with the region."""
    base = _scores().filter(pl.col("region") == "华东")
    big = pl.concat([base.with_columns(customer_id=pl.col("customer_id") + f"-{i}",
                                       customer_name=pl.col("customer_name") + f" {i}",
                                       lat=pl.col("lat") + i % 40 * 0.05, lon=pl.col("lon") + i % 37 * 0.05,
                                       reasons_zh=pl.lit(["本季销售额同比下降94%（¥2788，去年同期¥4.5万），"
                                                          "而大区同期下降3%"] * 4))
                     for i in range(400)])
    assert big.height == 2000
    html = _report(_data(big))
    assert len(html.encode("utf-8")) <= 3 * 1024 * 1024


# --- charts (through to_dict) -------------------------------------------------------------------

def test_chart_specs():
    from tagkit.charts import chart_spec, crosstab_chart, customer_map, tag_mix_chart

    mix = pl.DataFrame({"tag": ["nail", "nail"], "tag_label": ["Nail", "Nail"], "period": ["this", "last"],
                        "period_label": ["This", "Last"], "share": [0.2, 0.1], "share_label": ["20%", "10%"],
                        "customers": [2, 1], "sales_label": ["¥1", "¥2"]})
    text = {k: k.title() for k in ("title", "share", "tag", "period", "customers", "sales")}
    spec = tag_mix_chart(mix, text=text, tag_labels={"nail": "Nail"}).to_dict()
    assert spec["mark"]["type"] == "bar" and spec["title"] == "Title"
    assert spec["encoding"]["x"]["field"] == "share" and spec["encoding"]["yOffset"]["field"] == "period_label"
    assert [t["field"] for t in spec["encoding"]["tooltip"]][:2] == ["tag_label", "period_label"]

    cells = pl.DataFrame({"row_label": ["A"], "col_label": ["Nail"], "customers": [3], "highlight": [True],
                          "share_label": ["100%"]})
    heat = crosstab_chart(cells, text={k: k for k in ("title", "rows", "columns", "customers", "share")},
                          rows=["A"], columns=["Nail"]).to_dict()
    assert [layer["mark"]["type"] for layer in heat["layer"]] == ["rect", "text"]

    points = pl.DataFrame({"lon": [120.1], "lat": [30.2], "tag": ["benchmark"], "name": ["x"], "city": ["c"],
                           "sales": ["¥1"]})
    geo = chart_spec(customer_map(points, text={k: k for k in ("title", "customer", "city", "tag", "sales", "gap",
                                                              "gap_yes")}, tag_labels={"benchmark": "B"}, reach_km=50))
    assert geo["projection"] == {"type": "mercator"}
    assert [layer["mark"]["type"] for layer in geo["layer"]] == ["line", "circle"]
    assert geo["layer"][1]["encoding"]["longitude"]["field"] == "lon"
    assert geo["layer"][0]["encoding"]["longitude"]["field"] == "ring_lon"  # circles computed in the page
    assert "$schema" not in geo and geo["config"]["font"].startswith('"Noto Sans CJK SC"')


# --- index -------------------------------------------------------------------------------------

def test_index_links_every_region_and_marks_failures():
    html = render_index(_scores(), quarter="2026Q3", params=PARAMS.report,
                        failed={"华北": "notebooks/03_region_report-华北.ipynb"}, others=["2026Q2"],
                        present={"华东.html"})
    assert 'href="reports/%E5%8D%8E%E4%B8%9C.html"' in html
    assert "生成失败" in html and "notebooks/03_region_report-%E5%8D%8E%E5%8C%97.ipynb" in html
    assert 'href="../2026Q2/index.html"' in html
    assert 'href="reports/%E5%8D%8E%E5%8C%97.html"' not in html  # a failed region has no report to open


def test_index_says_what_failed_and_links_the_failure_page():
    failed = {"华北": {"notebook": "notebooks/03_region_report-华北.ipynb",
                     "page": "notebooks/03_region_report-华北.html", "cell": 4, "ename": "ValueError",
                     "evalue": EVIL + " x" * 200},
              "西南": {"notebook": "notebooks/03_region_report-西南.ipynb"}}  # no page, nothing recorded
    html = render_index(_scores(), quarter="2026Q3", params=PARAMS.report.model_copy(update={"language": "en"}),
                        failed=failed, others=[], present={"华东.html"})
    notes = html[html.index('id="failures"'):html.index("</ul>", html.index('id="failures"'))]
    assert "North China: failed at In [4]: ValueError: &lt;script&gt;" in notes and EVIL not in html  # escaped
    assert "…</span> · <a" in notes  # a long message is cut; the failure page has all of it
    page = 'href="notebooks/03_region_report-%E5%8D%8E%E5%8C%97.html#papermill-error-cell">see the failing cell</a>'
    assert page in notes
    assert ('Southwest China: failed</span> · <a href="notebooks/03_region_report-%E8%A5%BF%E5%8D%97.ipynb">'
            'see the failing notebook</a>' in notes)
    row = html[html.index('<tr class="failed-row">'):]
    assert 'href="notebooks/03_region_report-%E5%8D%8E%E5%8C%97.html#papermill-error-cell"' in row[:row.index("</tr>")]


def test_index_marks_a_missing_report():
    html = render_index(_scores(), quarter="2026Q3", params=PARAMS.report.model_copy(update={"language": "en"}),
                        failed={}, others=[], present={"华东.html"})
    assert "not generated" in html and "No other quarter&#39;s run beside this one." in html


def test_report_filename_keeps_chinese_and_drops_path_characters():
    assert report_filename("华东") == "华东.html"
    assert report_filename("../<script>").startswith("____script_-")
    # two regions that clean up to the same name keep apart (华东/A once overwrote 华东_A)
    assert report_filename("华东_A") == "华东_A.html"
    assert report_filename("华东/A") != report_filename("华东_A")
    assert report_filename("华东/A") == report_filename("华东/A")  # and stay the same run after run


def test_index_finds_the_other_quarters_beside_the_run(tmp_path):
    from tagkit.report.index import sibling_quarters

    for quarter, has_index in (("2026Q1", True), ("2026Q2", True), ("2026Q3", True), ("2025Q4", False)):
        (tmp_path / quarter).mkdir()
        if has_index:
            (tmp_path / quarter / "index.html").write_text("x", encoding="utf-8")
    (tmp_path / "notes").mkdir()
    assert sibling_quarters(tmp_path / "2026Q3") == ["2026Q2", "2026Q1"]


# --- Part G: region alerts, early warnings, an honest back-test ---------------------------------

ALERTS = pl.DataFrame({
    "region": ["华东", "华北"], "quarter": ["2026Q3"] * 2, "customers_now": [40, 30], "customers_last_year": [42, 31],
    "sales_now": [700_000.0, 500_000.0], "sales_last_year": [1_000_000.0, 510_000.0], "change": [-0.3, -0.0196],
    "adjusted_change": [-0.28, -0.01], "signals_now": [12, 2], "signals_last_year": [5, 2], "alert": [True, False],
})
BREAKDOWN = pl.DataFrame({
    "region": ["华东"] * 3, "dimension": ["city", "rep_id", "competitor"], "key": ["杭州市", "R1", "quote"],
    "customers": [20, 25, 6], "sales_now": [300_000.0, 400_000.0, 0.0], "sales_last_year": [520_000.0, 600_000.0, 0.0],
    "change": [-0.423, -0.333, None], "share_of_fall": [0.733, 0.667, None], "signals_now": [8, 9, 7],
    "signals_last_year": [2, 3, 1],
})


def _alerted(**extra) -> RunData:
    return _data(prescription={"region_alerts": ALERTS, "region_alert_breakdown": BREAKDOWN}, **extra)


def test_a_region_wide_fall_is_the_first_thing_its_report_says():
    html = html_lib.unescape(_report(_alerted(), language="en"))
    headline = html[html.index('<section id="headline">'):html.index('<section id="abc-vs-tags">')]
    assert headline.index("Region alert") < headline.index("customers this quarter")
    assert "The region's sales this quarter: −30% against the same quarter last year" in headline
    alert = headline[headline.index('id="tbl-region-alert"'):]
    assert "杭州市" in alert and "张伟" in alert and "quotes" in alert and "73%" in alert


def test_no_alert_no_block():
    html = render_region_report(_alerted(), region="华北", quarter="2026Q3", params=PARAMS.report)
    assert "大区警报" not in html and 'id="tbl-region-alert"' not in html


def test_the_index_marks_the_alerted_region():
    html = render_index(_scores(), quarter="2026Q3", params=PARAMS.report, failed={}, others=[], alerts=ALERTS)
    rows = {r: html[html.index(f"<span class=\"main\">{r}</span>"):] for r in ("华东", "华北")}
    assert "同比−30%" in rows["华东"][:rows["华东"].index("</tr>")]
    assert "同比" not in rows["华北"][:rows["华北"].index("</tr>")]
    assert "alert-row" in html and "生成失败" not in html


def test_the_at_risk_section_says_how_the_risk_score_was_made():
    learned = {"models": {"2026Q3": {"source": "learned", "reason": None,
                                     "training": {"quarters": ["2024Q4", "2026Q2"], "rows": 13400, "went_bad": 1148}}}}
    html = html_lib.unescape(_report(_data(risk_model=learned), language="en"))
    assert "learned from the company's own history, 2024Q4–2026Q2 (13,400 customer-quarters, 1,148" in html
    documented = {"models": {"2026Q3": {"source": "documented", "reason": "1 earlier quarter(s) with a known next "
                                        "quarter; 3 are needed", "training": {}}}}
    html = _report(_data(risk_model=documented), language="en")
    assert "Too little history to learn the risk model this quarter (1 earlier quarter(s)" in html


def test_the_trust_section_says_plainly_where_tagkit_loses_and_shows_the_calibration():
    backtest = {**BACKTEST, "verdicts": [
        {"baseline": "abc", "metric": "auc", "tagkit": 0.48, "baseline_value": 0.52, "tagkit_better": False},
        {"baseline": "no_order_rule", "metric": "auc", "tagkit": 0.48, "baseline_value": 0.4, "tagkit_better": True}],
        "calibration": [{"group": g, "customers": 10, "predicted": g / 20, "observed": g / 25, "score_min": 0.0,
                         "score_max": 1.0} for g in range(1, 11)]}
    html = _report(_data(backtest=backtest), language="en")
    trust = html[html.index('<section id="trust">'):]
    assert trust.index("Mind this: on this history tagkit does not beat") < trust.index('id="tbl-backtest"')
    assert "AUC: tagkit 0.48, ABC classes 0.52" in trust and "simple rule (days without an order) 0.4" not in trust
    assert 'id="vis-calibration"' in trust
    zh = _report(_data(backtest=backtest))
    assert "tagkit 并没有胜过以下简单做法" in zh


def test_calibration_chart_draws_the_diagonal_within_its_own_scale():
    from tagkit.charts import calibration_chart

    groups = pl.DataFrame({"group": [1, 2], "customers": [5, 5], "predicted": [0.1, 0.3], "observed": [0.05, 0.35],
                           "predicted_label": ["10%", "30%"], "observed_label": ["5%", "35%"]})
    spec = calibration_chart(groups, text={k: k for k in ("title", "predicted", "observed", "customers")}).to_dict()
    diagonal, points = spec["layer"]
    assert diagonal["mark"]["strokeDash"] == [4, 4] and points["mark"]["point"] is True
    domain = points["encoding"]["x"]["scale"]["domain"]
    assert domain == pytest.approx([0, 0.3675]) and diagonal["encoding"]["y"]["scale"]["domain"] == domain


def test_the_win_back_list_the_reasons_point_to_is_in_the_report():
    """A dormant customer's reason says it is on the win-back list: the list is there, with its last order."""
    scores = _scores().with_columns(
        flags=pl.Series([["benchmark_at_risk"], [], ["dormant"], [], [], ["dormant"]]),
        days_since_last_order=pl.Series([66, 10, 200, 20, 30, 300]),
        last_order=pl.Series([dt.date(2026, 7, 26), None, dt.date(2026, 3, 14), None, None, None]),
    )
    html = _report(_data(scores))
    table = html[html.index('id="tbl-win-back"'):]
    table = table[:table.index("</table>")]
    assert "挽回名单" in html and table.count("<tbody") == 1  # 华东's one dormant customer; 华北's is not here
    assert "宁波海通" in table and "2026-03-14" in table and ">200<" in table


def test_every_recommended_rep_change_and_speculator_is_listed():
    """Not only those that happen to be on the at-risk or nail lists: a regular customer's rep change shows too."""
    scores = _scores().with_columns(
        flags=pl.Series([["rep_change_recommended"], ["speculator"], ["rep_change_recommended"], [], [],
                         ["rep_change_recommended"]]),
        rep_complaints_current=pl.Series([2, 0, 3, 0, 0, 5]),
        speculator_quarter_end_share=pl.Series([None, 0.8, None, None, None, None]),
    )
    html = _report(_data(scores))

    def rows(table_id: str) -> str:
        table = html[html.index(f'id="{table_id}"'):]
        return table[:table.index("</table>")]

    changes, speculators = rows("tbl-rep-changes"), rows("tbl-speculators")
    assert changes.count("<tbody") == 2 and "宁波海通" in changes  # C1 and the regular C3; 华北's C9 is not here
    assert speculators.count("<tbody") == 1 and "杭州联华" in speculators and "80%" in speculators


def _levelled(scores: pl.DataFrame) -> pl.DataFrame:
    """The prescribed customers with levels whose bar is not met now, and C1's specific defence steps: C1 (at risk,
    benchmark-quality) had a city level, C2 a provincial one kept by hysteresis; C3 is a candidate."""
    return _prescribed(scores).with_columns(
        benchmark_level=pl.Series(["city", "provincial", "local", None, None, None], dtype=pl.String),
        benchmark_level_status=pl.Series(["former", "former", "candidate", None, None, None], dtype=pl.String),
        defence_steps_zh=pl.Series([["关系防守：竞品恒达近期拜访。先做：拜访不少于竞品恒达",
                                     "风险防守：客户投诉交付。先做：书面承诺交付时间"],
                                    None, None, None, ["商务防守：客户投诉付款。先做：调整付款方式或账期"], None]),
        defence_steps_en=pl.Series([["Relationship defence: lately from 恒达: visits. First: visit as often as 恒达",
                                     "Risk defence: the customer complained about delivery. First: promise dates"],
                                    None, None, None, ["Commercial defence: payment. First: adjust the terms"], None]),
    )


def test_a_level_below_its_bar_is_shown_as_former_and_a_candidates_as_potential():
    """"标杆级" only where the bar is met: C2 (a benchmark kept by hysteresis) reads 原省级, C1 (at risk) 原市级标杆,
    the candidate C3 片区级（潜在）; in English "former provincial" and "local (potential)"."""
    for lang, former, at_risk, candidate in (("zh", "原省级", "原市级标杆", "片区级（潜在）"),
                                             ("en", "former provincial", "former city benchmark", "local (potential)")):
        html = _report(_data(_levelled(_scores()), playbook={}), language=lang)
        benchmarks = html[html.index('id="tbl-benchmarks"'):]
        assert former in benchmarks[:benchmarks.index("</table>")], lang
        assert at_risk in html.split('id="tbl-at-risk-early"')[1].split("</table>")[0], lang
        assert candidate in html.split('id="tbl-candidates"')[1].split("</table>")[0], lang
    html = _report(_data(_prescribed(_scores()).with_columns(
        benchmark_level_status=pl.Series([None, "met", None, None, None, None], dtype=pl.String))))
    benchmarks = html[html.index('id="tbl-benchmarks"'):]
    assert ">省级<" in benchmarks[:benchmarks.index("</table>")] and "原省级" not in html


def test_defences_list_the_specific_steps_before_the_general_paragraph():
    """Each at-risk row names its competitor, the complaint and what to do first, then its other actions; the
    general paragraph of a defence (an action that only restates it) is said once, after the tables, not on
    every row."""
    playbook = {"actions": {
        "defend_benchmark": {"zh": "标杆客户出现风险：一周内安排高层拜访", "en": "An executive visit",
                             "when": [{"flags": ["benchmark_at_risk"], "defences": []}]},
        "defend_relationship": {"zh": "关系防守：增加拜访", "en": "Relationship defence: more visits",
                                "when": [{"flags": [], "defences": ["relationship"]}]}}}
    scores = _levelled(_scores()).with_columns(action_codes=pl.Series(
        [["defend_benchmark", "defend_relationship"], ["benchmark_maintain"], [], [], ["defend_commercial"], []]))
    for lang, step, action, general in (
            ("zh", "关系防守：竞品恒达近期拜访", "标杆客户出现风险：一周内安排高层拜访", "关系防守：增加拜访"),
            ("en", "Relationship defence: lately from 恒达: visits", "An executive visit",
             "Relationship defence: more visits")):
        html = _report(_data(scores, playbook=playbook), language=lang)
        row = html.split('id="tbl-at-risk-early"')[1].split("</table>")[0]
        assert step in row and action in row and row.index(step) < row.index(action), lang
        assert general not in row and html.count(general) == 1, lang
        assert html.index(general) > html.index('id="tbl-at-risk-declining"'), lang


def _laddered() -> RunData:
    """华东's nails after the ladder: C4 invest, led by the regional manager R3 after its supervisor failed
    (2 senior visits); C3 a nail to reduce, with the rep, though a supervisor visited it 3 times."""
    scores = _prescribed(_scores()).with_columns(
        tag=pl.Series(["at_risk", "benchmark", "nail", "nail", "at_risk", "nail"]),
        nail_decision=pl.Series([None, None, "reduce", "invest", None, "drop"], dtype=pl.String),
        nail_cause=pl.Series([None, None, "internal", "internal", None, "trust"], dtype=pl.String),
        escalate_to=pl.Series([None, None, "R2", "R3", None, "R9"], dtype=pl.String),
        escalate_level=pl.Series([None, None, "rep", "regional_manager", None, "rep"], dtype=pl.String),
        escalate_tried_level=pl.Series([None, None, "supervisor", "supervisor", None, None], dtype=pl.String),
        escalate_note=pl.Series([None] * 6, dtype=pl.String),
        nail_senior_visits=pl.Series([None, None, 3, 2, None, 0], dtype=pl.Int64),
        action_codes=pl.Series([["defend_benchmark"], ["benchmark_maintain"],
                                ["nail_settle_legacy", "nail_reduce_effort"],
                                ["nail_settle_legacy", "nail_combined_attack"], ["defend_commercial"], ["nail_drop"]]),
    )
    return _data(scores, playbook=PARAMS.playbook.model_dump(mode="json"))


def _table_text(html: str, table_id: str) -> str:
    table = html.split(f'id="{table_id}"')[1].split("</table>")[0]
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", table)))


def test_the_action_text_names_the_lead_the_report_names():
    """The playbook's {lead} reads who leads each nail: the regional manager for C4, the rep for C3; never
    "a supervisor or manager" beside a rep, never the raw placeholder (report and export alike)."""
    from tagkit.report.export import region_export

    data = _laddered()
    en, zh = _report(data, language="en"), _report(data)
    assert "Combined attack: the regional manager heads joint visits" in en
    assert "由大区经理带队联合拜访" in zh and "由大区经理出面致歉" in zh and "由业务员出面致歉" in zh
    assert "{lead}" not in en + zh and "supervisor or manager" not in en and "主管或经理" not in zh
    assert "highest level already visited without success: supervisor" in en
    exported = dict(region_export(data, region="华东", lang="zh").select("客户编号", "建议动作").iter_rows())
    assert "由大区经理出面致歉" in exported["C4"] and "由业务员出面致歉" in exported["C3"]


def test_the_nails_section_shows_where_the_senior_visits_went():
    """Per group of nails: how many, how many had a senior visit, how many senior visits; those to nails to
    reduce or drop are counted as wasted in the sentence above the table."""
    data = _laddered()
    en = _report(data, language="en")
    table = _table_text(en, "tbl-senior-visits")
    assert "invest · led by the regional manager 1 1 2" in table
    assert "invest · led by the rep 0 0 0" in table and "invest · led by the executive 0 0 0" in table
    assert "reduce effort 1 1 3" in table and "drop 0 0 0" in table
    assert ("Visits by a supervisor or above to nails in the last 4 quarters: 5, 3 of them to nails to reduce or drop"
            in en)
    assert 'id="tbl-senior-visits"' in _report(data)
    # an older run without the ladder's columns: no table, nothing invented
    old = _data(_prescribed(_scores()), playbook=PARAMS.playbook.model_dump(mode="json"))
    assert 'id="tbl-senior-visits"' not in _report(old, language="en")


def test_the_nails_section_shows_each_line_gap_with_its_reference_benchmark():
    """C4, a nail by line gap, shows under its row the lines it does not buy and the benchmark to visit; the
    other nails, without the flag, show none (C9's gap is in 华北, another region's report)."""
    missing = [None, None, None, ["外墙涂料", "防水涂料", "木器漆"], None, ["地坪漆"]]
    scores = _prescribed(_scores()).with_columns(
        tag=pl.Series(["at_risk", "benchmark", "nail", "nail", "at_risk", "nail"]),
        flags=pl.Series([["benchmark_at_risk"], [], [], ["line_gap"], [], ["line_gap"]]),
        lines_bought=pl.Series([5, 6, 3, 1, 4, 7]), lines_available=pl.Series([8] * 6),
        nail_missing_lines=pl.Series(missing, dtype=pl.List(pl.String)),
        line_gap_visit_zh=pl.Series([None, None, None, "带客户参观标杆客户杭州联华", None, "参观天津"],
                                    dtype=pl.String),
        line_gap_visit_en=pl.Series([None, None, None, "Take the customer to see 杭州联华", None, "x"],
                                    dtype=pl.String),
    )
    for lang, words in (("zh", ("已采购产品线 1/8条：带客户参观标杆客户杭州联华",)),
                        ("en", ("Lines bought 1 of 8: Take the customer to see 杭州联华",))):
        html = _report(_data(scores), language=lang)
        table = html[html.index('id="tbl-nails"'):]
        table = table[:table.index("</table>")]
        rows = re.findall(r"<tbody.*?</tbody>", table, re.S)
        gap = [r for r in rows if "温州宏诚" in r]
        assert len(gap) == 1 and all(w in gap[0] for w in words), lang
        assert sum(words[0] in r for r in rows) == 1 and "参观天津" not in table
    # no benchmark buys the lines: the lines themselves, and that there is none to visit
    alone = scores.with_columns(line_gap_visit_zh=pl.lit(None, dtype=pl.String))
    html = _report(_data(alone))
    assert "已采购产品线 1/8条：未采购的产品线：外墙涂料、防水涂料、木器漆 · 无可参照的标杆" in html


def _plan_cards(capacity: list[float | None], over: list[bool | None]) -> pl.DataFrame:
    """Two reps of 华东 with next quarter's visit plan: R1 within its capacity, R2 as given."""
    return pl.DataFrame({
        "rep_id": ["R1", "R2"], "region": ["华东"] * 2, "customers": [3, 2], "benchmarks": [1, 0],
        "benchmarks_min": [1, 1], "benchmarks_gap": [0, 1], "visits": [9, 4],
        **{f"visits_{t}": [2, 1] for t in ("benchmark", "nail", "at_risk", "regular")},
        "visit_alignment": [1.0, 0.5], "visits_per_quarter": [v / 1.1 if v else None for v in capacity],
        "visit_capacity": capacity, "visits_recommended": [24, 9], "visits_planned": [10, 6],
        "visits_over_capacity": over, "visit_plan_basis": ["capacity" if v else "no_visits_table" for v in capacity],
        "visit_target_at_risk": [0.6, 0.5], "visit_target_benchmark": [0.3, 0.0], "visit_target_nail": [0.0, 0.5],
        "visit_target_regular": [0.1, 0.0],
    }, schema_overrides={"visits_per_quarter": pl.Float64, "visit_capacity": pl.Float64,
                         "visits_over_capacity": pl.Boolean})


def _section(html: str, section: str) -> str:
    start = html.index(f'<section id="{section}">')
    return html[start:html.index("</section>", start)]


def test_reps_section_shows_the_plan_against_each_reps_capacity():
    """Planned next to capacity and the unconstrained recommendation (R1: 10 of 24 fits its 10; R2's floors
    alone exceed its 4.4); without visit records the page says the capacity is unknown."""
    html = _section(_report(_data(prescription={"reps": _plan_cards([10.0, 4.4], [False, True])}), language="en"),
                    "reps")
    plan = html[html.index('id="tbl-visit-plan"'):]
    assert "<h3>Next quarter&#39;s visit plan</h3>" in html
    assert "(plus 10% slack)" in html
    assert "within capacity" in plan and "too many customers for one rep" in plan
    assert ">24<" in plan and "At risk 6 · Benchmark 3 · Nail 0 · Regular 1" in plan
    unknown = _section(_report(_data(prescription={"reps": _plan_cards([None, None], [None, None])}), language="zh"),
                       "reps")
    assert "没有拜访记录，无法得知业务员实际能拜访多少次" in unknown and "无拜访记录：能力未知，沿用建议次数" in unknown


def test_benchmarks_section_shows_only_honest_showcases():
    """A slipping benchmark has no chart and says why; one that grew since it became a benchmark is charted."""
    def scores(basis: str, flags: list[str]) -> pl.DataFrame:
        prescribed = _prescribed(_scores())
        return prescribed.with_columns(
            showcase_basis=pl.Series([None, basis, None, None, None, None], dtype=pl.String),
            showcase_sales_before=pl.Series([None, 250_000.0, None, None, None, None]),
            showcase_sales_now=pl.Series([None, 225_000.0 if basis == "slipping" else 300_000.0, None, None, None,
                                          None]),
            showcase_from=pl.Series([None, "2025Q1", None, None, None, None], dtype=pl.String),
            showcase_to=pl.Series([None, "2025Q3", None, None, None, None], dtype=pl.String),
            flags=pl.Series([["benchmark_at_risk"], flags, ["benchmark_candidate"], [], [], []]),
        )
    slipping = _section(_report(_data(scores("slipping", ["benchmark_slipping"])), language="en"), "benchmarks")
    assert 'id="spec-showcase"' not in slipping
    assert "slipping: defend it, no showcase" in slipping and "benchmark slipping" in slipping
    assert "0 can be shown; 1 is slipping: defend it first" in slipping
    grown = _section(_report(_data(scores("before_benchmark", [])), language="en"), "benchmarks")
    assert 'id="spec-showcase"' in grown and "1 can be shown; 0 are slipping" in grown
