"""Region report and index: structure, escaping, language, one inline Vega bundle."""
from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tagkit.charts import sales_by_tag_chart
from tagkit.params import load_params
from tagkit.report.index import render_index
from tagkit.report.labels import format_money
from tagkit.report.region import render_region_report, summarise_by_tag

PARAMS = load_params(Path(__file__).resolve().parents[1] / "params")
EVIL = "<script>alert('x')</script>"


@pytest.fixture()
def scores() -> pl.DataFrame:
    """Three customers of 华东, one with a hostile name, and one of 华北."""
    return pl.DataFrame({
        "customer_id": ["C1", "C2", "C3", "C4"],
        "customer_name": [EVIL, "杭州联华", "宁波海通", "北京正大"],
        "region": ["华东", "华东", "华东", "华北"],
        "rep_id": ["R1", "R1", "R2", "R9"],
        "city": ["杭州", "杭州", "宁波", "北京"],
        "quarter": ["2026Q3"] * 4,
        "tag": ["at_risk", "benchmark", "regular", "nail"],
        "previous_tag": ["regular", "benchmark", None, "nail"],
        "abc_class": ["A", "B", "C", "A"],
        "score_risk": [80.0, 10.0, 5.0, 20.0],
        "reason_codes": [["risk_orders_lapsed"], ["benchmark_influence"], [], ["nail_high_potential"]],
        "sales_quarter": [1.0, 2.0, 3.0, 4.0],
        "sales_trailing_4q": [150_000.0, 20_000.0, 3_000.0, 9e8],
    })


def _report(scores, language="zh"):
    params = PARAMS.report.model_copy(update={"language": language})
    return render_region_report(scores, region="华东", quarter="2026Q3", params=params)


def test_data_values_are_escaped(scores):
    html = _report(scores)
    assert EVIL not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html


def test_structure_and_only_its_own_region(scores):
    html = _report(scores)
    for section in ('id="headline"', 'id="chart-sales-by-tag"', 'id="tagged-customers"'):
        assert section in html
    assert "北京正大" not in html
    assert "杭州联华" in html and "宁波海通" not in html  # regular customers are not listed


def test_language_follows_params(scores):
    zh, en = _report(scores, "zh"), _report(scores, "en")
    assert "危险客户" in zh and "订货已远超其惯常间隔" in zh and 'lang="zh-CN"' in zh
    assert "At risk" in en and "orders lapsed far beyond the usual interval" in en and 'lang="en"' in en


def test_vega_is_inlined_once_and_nothing_loads_from_the_network(scores):
    html = _report(scores)
    assert html.count("window.vegaEmbed=") == 1
    assert "<script src=" not in html and "<link " not in html


def test_chart_spec():
    by_tag = summarise_by_tag(pl.DataFrame({"tag": ["nail"], "sales_quarter": [1.0], "sales_trailing_4q": [5.0]}))
    spec = sales_by_tag_chart(by_tag, language="en").to_dict()
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["y"]["field"] == "sales_trailing_4q"
    assert spec["title"] == "Sales by tag"
    assert by_tag["tag"].to_list() == ["at_risk", "benchmark", "nail", "regular"]


def test_money_formats():
    assert format_money(1_234_567, "zh") == "¥123.5万"
    assert format_money(3.2e8, "zh") == "¥3.20亿"
    assert format_money(1_234_567, "en") == "¥1,234,567"


def test_index_links_every_region_and_marks_failures(scores):
    html = render_index(scores, quarter="2026Q3", params=PARAMS.report,
                        failed={"华北": "notebooks/03_region_report-华北.ipynb"}, others=["2026Q2"])
    assert 'href="reports/%E5%8D%8E%E4%B8%9C.html"' in html
    assert "生成失败" in html and "notebooks/03_region_report-华北.ipynb" in html
    assert 'href="../2026Q2/index.html"' in html
