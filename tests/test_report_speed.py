"""The two shortcuts that make a region report cheaper stay correct.

* The Vega bundle is cached on disk (``tagkit.report.assets``): what it serves is byte for byte
  what vl-convert builds, a damaged file is rebuilt, an unwritable folder only costs the speed-up.
* Reports skip Altair's schema checks; here every chart of every region report of the tiny run is
  built and its spec validated against the Vega-Lite schema, so a broken chart still fails a test.

How much time they save is measured by benchmarks, not asserted here (STYLE.md).
"""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import altair as alt
import polars as pl
import pytest
import vl_convert

from tagkit.charts import chart_spec, skip_schema_checks
from tagkit.params import load_params
from tagkit.report import assets, blocks, load_run_data, render_region_report
from tagkit.report.assets import bundle_cache_path, cache_dir, vega_bundle

ROOT = Path(__file__).resolve().parents[1]
PARAMS = load_params(ROOT / "params")

# the charts a region report of the tiny run draws, across its regions
REPORT_CHARTS = {"tag-mix", "abc-crosstab", "risk-value", "nail-upside", "showcase", "visit-allocation",
                 "customer-map", "transitions", "quality-index", "backtest"}


@pytest.fixture()
def fresh_bundle(monkeypatch, tmp_path):
    """An empty cache folder and no bundle in memory; the in-memory copy is dropped again afterwards."""
    monkeypatch.setenv("TAGKIT_CACHE_DIR", str(tmp_path / "cache"))
    vega_bundle.cache_clear()
    yield tmp_path / "cache"
    vega_bundle.cache_clear()


def _no_vl_convert(**_: object) -> str:
    raise AssertionError("vl-convert was asked to build the bundle although the cache holds it")


# --- the Vega bundle on disk ------------------------------------------------------------------------

def test_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("TAGKIT_CACHE_DIR", str(tmp_path / "explicit"))
    assert cache_dir() == tmp_path / "explicit"
    monkeypatch.delenv("TAGKIT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "tagkit"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # invalid by the XDG spec: ignored
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "tagkit"


def test_cache_file_is_named_by_version_and_call(fresh_bundle):
    from importlib.metadata import version

    path = bundle_cache_path()
    assert path.parent == fresh_bundle
    assert re.fullmatch(rf"vega-bundle-{re.escape(version('vl-convert-python'))}-[0-9a-f]{{12}}\.js", path.name)


def test_cached_bundle_is_what_vl_convert_builds(fresh_bundle, monkeypatch):
    built = vl_convert.javascript_bundle()
    first = vega_bundle()
    assert first == built
    path = bundle_cache_path()
    assert path.read_bytes() == built.encode("utf-8")
    assert [p.name for p in fresh_bundle.iterdir()] == [path.name]  # no temporary file left behind

    # a new process: nothing in memory, vl-convert not called, the same text served
    vega_bundle.cache_clear()
    monkeypatch.setattr(assets, "_BUNDLE_FUNCTION", _no_vl_convert)
    monkeypatch.setattr(assets, "bundle_cache_path", lambda: path)  # keep the name the real call had
    assert vega_bundle() == built
    assert vega_bundle() is vega_bundle()  # and once per process


@pytest.mark.parametrize("damage", [b"", b"window.vegaEmbed=1;</SCRIPT><script>alert(1)//", b"\xff\xfe not utf-8"])
def test_a_damaged_cache_is_rebuilt(fresh_bundle, monkeypatch, damage):
    monkeypatch.setattr(assets, "_BUNDLE_FUNCTION", lambda **_: "window.vegaEmbed=function(){};")
    path = bundle_cache_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(damage)
    assert vega_bundle() == "window.vegaEmbed=function(){};"
    assert path.read_text(encoding="utf-8") == "window.vegaEmbed=function(){};"


def test_an_unwritable_cache_folder_only_costs_time(monkeypatch, tmp_path, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("TAGKIT_CACHE_DIR", str(blocker / "cache"))  # cannot be created, even by root
    monkeypatch.setattr(assets, "_BUNDLE_FUNCTION", lambda **_: "window.vegaEmbed=function(){};")
    vega_bundle.cache_clear()
    try:
        with caplog.at_level("DEBUG", logger="tagkit.report.assets"):
            assert vega_bundle() == "window.vegaEmbed=function(){};"
    finally:
        vega_bundle.cache_clear()
    assert "cannot write the Vega bundle cache" in caplog.text
    assert not [r for r in caplog.records if r.levelname != "DEBUG"]  # silent unless debugging


def test_a_bundle_that_cannot_be_inlined_is_refused(fresh_bundle, monkeypatch):
    monkeypatch.setattr(assets, "_BUNDLE_FUNCTION", lambda **_: "var s = '</script>';")
    with pytest.raises(RuntimeError, match="cannot be inlined; install another vl-convert-python"):
        vega_bundle()
    assert not bundle_cache_path().exists()


# --- charts: skipped in reports, validated here -------------------------------------------------------

def test_every_report_chart_of_the_tiny_run_is_a_valid_vega_lite_spec(tiny_run, monkeypatch):
    """Every region of the tiny run in Chinese, and one in English, rendered as reports are (construction
    checks skipped), with each chart's whole spec validated against the Vega-Lite schema."""
    validated: list[dict] = []

    def checked_spec(chart: alt.TopLevelMixin, **_: object) -> dict:
        spec = chart_spec(chart, validate=True)  # raises altair's SchemaValidationError on a broken chart
        validated.append(spec)
        return spec

    monkeypatch.setattr(blocks, "chart_spec", checked_spec)
    data = load_run_data(tiny_run, PARAMS)
    regions = sorted(set(data.scores["region"].to_list()))
    drawn: set[str] = set()
    for region, language in [*((r, "zh") for r in regions), (regions[0], "en")]:
        before = len(validated)
        html = render_region_report(data, region=region, quarter=tiny_run.name,
                                    params=PARAMS.report.model_copy(update={"language": language}))
        charts = re.findall(r'<script type="application/json" id="spec-([a-z-]+)">', html)
        assert len(validated) - before == len(charts), region  # every chart on the page went through the check
        drawn.update(charts)
    # a showcase is drawn only for a benchmark with a real "before" that grew: the tiny run has none (its
    # benchmarks with a before are slipping), so one of them is made one, to put that chart through the check
    honest = data.scores.with_columns(showcase_basis=pl.when(pl.col("showcase_from").is_not_null())
                                      .then(pl.lit("before_benchmark")).otherwise(pl.col("showcase_basis")))
    region = honest.filter(pl.col("showcase_basis") == "before_benchmark")["region"][0]
    html = render_region_report(dataclasses.replace(data, scores=honest), region=region, quarter=tiny_run.name,
                                params=PARAMS.report)
    drawn.update(re.findall(r'<script type="application/json" id="spec-([a-z-]+)">', html))
    assert drawn >= REPORT_CHARTS, REPORT_CHARTS - drawn


def test_a_chart_broken_after_construction_still_fails_validation():
    """With construction checks skipped (as in reports) a wrong value gets through; validate=True catches it."""
    with pytest.raises(alt.utils.schemapi.SchemaValidationError):
        alt.Scale(type="sqrtish")  # Altair's default: checked as it is made
    with skip_schema_checks():
        broken = (alt.Chart(pl.DataFrame({"a": [1.0]})).mark_bar()
                  .encode(x=alt.X("a:Q", scale=alt.Scale(type="sqrtish"))))
    chart_spec(broken)  # what a report does: no check, no error
    with pytest.raises(alt.utils.schemapi.SchemaValidationError, match="'sqrtish' is an invalid value for `type`"):
        chart_spec(broken, validate=True)
