"""Each region's full customer list beside its capped report: exports/<region>.csv and .xlsx."""
from __future__ import annotations

import polars as pl

from conftest import ROOT
from tagkit.params import load_params
from tagkit.report import render_region_report
from tagkit.report.export import region_export
from tagkit.report.inputs import load_run_data


def test_every_region_has_its_full_list_ranked_at_risk_first(tiny_run):
    scores = pl.read_parquet(tiny_run / "scores.parquet")
    for region, customers in scores.group_by("region").len().iter_rows():
        csv = tiny_run / "exports" / f"{region}.csv"
        assert csv.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel opens the Chinese correctly
        listed = pl.read_csv(csv)
        assert listed.height == customers  # every customer, not the report's capped list
        assert listed.columns[:4] == ["客户编号", "客户名称", "业务员", "标签"]
        tags = listed["标签"].to_list()
        order = ["危险客户", "钉子客户", "标杆客户", "普通客户"]
        assert tags == sorted(tags, key=order.index)  # the report's priority: at-risk, nails, benchmarks
        sheet = pl.read_excel(tiny_run / "exports" / f"{region}.xlsx")
        assert sheet.height == customers and sheet["客户编号"].to_list() == listed["客户编号"].to_list()


def test_a_cut_list_links_the_full_one(tiny_run):
    params = load_params(ROOT / "params")
    short = params.report.model_copy(update={"max_customers_listed": 1})
    html = render_region_report(load_run_data(tiny_run, params), region="华东", quarter="2026Q3", params=short)
    assert 'href="../exports/华东.csv" download' in html and 'href="../exports/华东.xlsx" download' in html
    assert "本区完整名单" in html


def test_english_export_uses_english_headers_and_texts(tiny_run):
    params = load_params(ROOT / "params")
    frame = region_export(load_run_data(tiny_run, params), region="华东", lang="en")
    assert frame.columns[:4] == ["customer id", "customer", "rep", "tag"]
    assert set(frame["tag"]) <= {"At risk", "Nail", "Benchmark", "Regular"}
    assert frame["chance of going bad next quarter, %"].drop_nulls().is_between(0, 100).all()


def test_a_big_region_map_draws_the_important_customers_and_merges_the_rest():
    from tagkit.report.sections.geo import split_for_map

    n = 5000
    pts = pl.DataFrame({
        "customer_id": [f"C{i:05d}" for i in range(n)],
        "tag": ["benchmark" if i % 100 == 0 else "at_risk" if i % 50 == 0 else "regular" for i in range(n)],
        "gap": [i % 333 == 0 for i in range(n)],
        "sales_trailing_4q": [float(i) for i in range(n)],
        "lon": [100 + (i % 70) / 10 for i in range(n)], "lat": [25 + (i % 90) / 10 for i in range(n)],
    })
    shown, cells = split_for_map(pts, 300)
    assert shown.height == 300 and cells is not None
    assert cells["customers"].sum() == n - 300  # nobody lost: drawn one by one, or counted in a cell
    assert set(pts.filter(pl.col("tag") == "benchmark")["customer_id"]) <= set(shown["customer_id"])
    assert set(pts.filter("gap")["customer_id"]) <= set(shown["customer_id"])
    assert split_for_map(pts, n)[1] is None


def test_the_report_says_when_the_map_merges_customers(tiny_run):
    params = load_params(ROOT / "params")
    few = params.report.model_copy(update={"max_map_points": 3})
    html = render_region_report(load_run_data(tiny_run, params), region="华东", quarter="2026Q3", params=few)
    assert "地图逐个标出 3 位客户" in html


def test_the_export_shows_each_level_as_met_or_former_and_the_defence_steps():
    """As the report: a level below its bar now reads former (原省级), a met one plainly; an at-risk customer's
    specific defence steps are in its row."""
    from tagkit.report.inputs import RunData

    scores = pl.DataFrame({
        "customer_id": ["a", "b", "c"], "customer_name": ["甲", "乙", "丙"], "region": ["华东"] * 3,
        "rep_id": ["R1"] * 3, "tag": ["benchmark", "benchmark", "at_risk"], "sales_trailing_4q": [3.0, 2.0, 1.0],
        "score_risk": [5.0, 5.0, 70.0], "risk_stage": [None, None, "early"],
        "benchmark_level": ["provincial", "city", None], "benchmark_level_status": ["former", "met", None],
        "defences": [None, None, ["commercial"]],
        "defence_steps_zh": [None, None, ["商务防守：客户投诉付款。先做：调整付款方式或账期"]],
        "defence_steps_en": [None, None, ["Commercial defence: the customer complained about payment. First: adjust"]],
    })
    zh = region_export(RunData(scores=scores), region="华东", lang="zh")
    assert dict(zip(zh["客户编号"], zh["标杆级别"], strict=True)) == {"a": "原省级", "b": "市级", "c": None}
    assert zh.filter(pl.col("客户编号") == "c")["防守步骤"].item() == "商务防守：客户投诉付款。先做：调整付款方式或账期"
    en = region_export(RunData(scores=scores), region="华东", lang="en")
    assert set(en["benchmark level"].drop_nulls()) == {"former provincial", "city"}
    assert en["defence steps"].str.contains("payment").sum() == 1
