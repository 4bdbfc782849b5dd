"""Part I: a run never exits 0 with a silently wrong or partial result; each case here once did."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import polars as pl
import pytest

from tagkit.cli import main


def _run(data: Path, out: Path, quarter: str, *extra: str) -> int:
    return main(["--quiet", "run", "--data", str(data), "--quarter", quarter, "--out", str(out), *extra])


@pytest.mark.parametrize(("quarter", "where"), [("2030Q1", "after the newest order line"),
                                                 ("2024Q3", "before the first full quarter")])
def test_a_quarter_outside_the_data_stops_with_its_date_range(tmp_path, tiny_data, capsys, quarter, where):
    """--quarter 2030Q1 once tagged every customer dormant and exited 0."""
    assert _run(tiny_data, tmp_path, quarter, "--only", "validate") == 2
    err = capsys.readouterr().err
    assert f"quarter {quarter} is {where}" in err
    assert "the order lines run from 2024-10-01 to 2026-10-03" in err
    assert "2024Q4 to 2026Q4" in err
    assert not (tmp_path / quarter).exists()  # nothing published as if it were a result


def _spoil_visit_dates(data: Path, every: int) -> int:
    """Make every ``every``-th visit date unparseable; returns how many."""
    visits = pl.read_csv(data / "visits.csv", infer_schema=False)
    bad = pl.int_range(pl.len()) % every == 0
    visits.with_columns(visit_date=pl.when(bad).then(pl.lit("31/02/2026?")).otherwise("visit_date")).write_csv(
        data / "visits.csv")
    return visits.select(bad.sum()).item()


def test_heavy_row_loss_stops_the_run_naming_table_count_and_reasons(tmp_path, tiny_copy, capsys):
    """Half the visit dates unparseable once passed silently (662 rows set aside, exit 0)."""
    spoiled = _spoil_visit_dates(tiny_copy, 2)
    assert _run(tiny_copy, tmp_path, "2026Q3", "--only", "validate") == 3
    err = capsys.readouterr().err
    assert f"{spoiled:,} of 1,324 rows of table 'visits'" in err
    assert "more than validation.max_quarantine_share allows (5%)" in err
    assert "max_quarantine_share: visits: 0.5" in err  # the way out, when the loss is expected


def test_heavy_row_loss_passes_when_the_params_accept_it(tmp_path, tiny_copy, capsys):
    _spoil_visit_dates(tiny_copy, 2)
    mine = tmp_path / "mine.yaml"
    mine.write_text("validation:\n  max_quarantine_share:\n    visits: 0.6\n", encoding="utf-8")
    assert _run(tiny_copy, tmp_path / "out", "2026Q3", "--only", "validate", "--params", str(mine)) == 0
    assert "visits: 662 of 1,324 rows set aside" in capsys.readouterr().err


def test_light_row_loss_is_said_on_the_terminal_and_in_the_report(tmp_path, tiny_copy, capsys):
    spoiled = _spoil_visit_dates(tiny_copy, 100)
    assert _run(tiny_copy, tmp_path, "2026Q3", "--only", "validate") == 0
    err = capsys.readouterr().err
    assert f"visits: {spoiled} of 1,324 rows set aside" in err  # shown under --quiet too
    summary = json.loads((tmp_path / "2026Q3" / "validation.json").read_text(encoding="utf-8"))
    assert any(f"{spoiled} of 1,324 rows of table 'visits'" in w for w in summary["warnings"])
    assert f"{spoiled} of 1,324 rows of table" in (tmp_path / "2026Q3" / "validation.html").read_text(encoding="utf-8")


HOSTILE = ['=HYPERLINK("http://example.invalid","点我")', '@SUM(1+1)*cmd|" /C calc"!A0', "+1-2", "-3+4"]


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory) -> Path:
    """The tiny data with customers named like formulas and 华东 split into 华东/A and 华东_A, run end to end."""
    import shutil

    from conftest import TINY

    data = tmp_path_factory.mktemp("hostile") / "data"
    shutil.copytree(TINY, data)
    customers = pl.read_csv(data / "customers.csv", infer_schema=False)
    east = customers.with_row_index("i").filter(pl.col("region") == "华东")["i"].to_list()
    names = dict(zip(east[:len(HOSTILE)], HOSTILE, strict=True))
    customers = customers.with_row_index("i").with_columns(
        region=pl.when(pl.col("i").is_in(east[::2])).then(pl.lit("华东/A"))
        .when(pl.col("i").is_in(east)).then(pl.lit("华东_A")).otherwise("region"),
        customer_name=pl.col("i").replace_strict(names, default=pl.col("customer_name"), return_dtype=pl.String),
    ).drop("i")
    customers.write_csv(data / "customers.csv")
    out = tmp_path_factory.mktemp("out")
    assert _run(data, out, "2026Q3") == 0
    return out / "2026Q3"


def test_two_regions_that_clean_up_to_one_name_keep_their_own_files(hostile_run):
    """华东/A and 华东_A once both became 华东_A.html / .csv: one overwrote the other, exit 0."""
    from tagkit.contract import report_filename

    a, b = report_filename("华东/A"), report_filename("华东_A")
    assert a != b
    for name in (a, b):
        assert (hostile_run / "reports" / name).exists()
        assert (hostile_run / "exports" / name.replace(".html", ".csv")).exists()
    regions = pl.read_parquet(hostile_run / "scores.parquet")["region"].n_unique()
    assert len(list((hostile_run / "reports").glob("*.html"))) == regions == 8
    index = (hostile_run / "index.html").read_text(encoding="utf-8")
    from urllib.parse import quote

    assert all(name in index or quote(name) in index for name in (a, b))


def test_csv_exports_keep_formula_like_names_as_text(hostile_run):
    """A customer named =HYPERLINK(...) once went into the CSV as is, and a spreadsheet ran it."""
    from tagkit.contract import region_stem

    text = "".join((hostile_run / "exports" / f"{region_stem(r)}.csv").read_text(encoding="utf-8-sig")
                   for r in ("华东/A", "华东_A"))
    for name in HOSTILE:
        quoted = name.replace('"', '""')
        assert f"'{quoted}" in text, name
        assert f",{quoted}" not in text and f',"{quoted}' not in text  # never bare at the start of a cell


def test_xlsx_exports_store_formula_like_names_as_text(hostile_run):
    import openpyxl

    from tagkit.contract import region_stem

    seen = set()
    for region in ("华东/A", "华东_A"):
        book = openpyxl.load_workbook(hostile_run / "exports" / f"{region_stem(region)}.xlsx")
        for row in book.active.iter_rows():
            for cell in row:
                if cell.value in HOSTILE:
                    assert cell.data_type == "s"  # a string, never a formula ("f")
                    seen.add(cell.value)
    assert seen == set(HOSTILE)


def _params(tmp_path: Path, text: str = ""):
    from tagkit.params import load_params
    from tagkit.project import project_root

    if not text:
        return load_params(project_root() / "params")
    mine = tmp_path / "mine.yaml"
    mine.write_text(text, encoding="utf-8")
    return load_params(project_root() / "params", mine)


def test_a_notebook_of_another_quarter_stops_on_a_run_folder(tiny_run, tiny_data, tmp_path):
    """Notebook 03 with quarter=2025Q4 on a 2026Q3 folder once wrote a "2025Q4" report from 2026Q3's scores."""
    from tagkit.errors import InputError
    from tagkit.steps import region_report as steps

    with pytest.raises(InputError, match=r"the quarter \(2026Q3 there, 2025Q4 here\)"):
        steps.ensure_scored(tiny_data, quarter="2025Q4", run_dir=tiny_run, params=_params(tmp_path))
    with pytest.raises(InputError, match=r"the quarter \(2026Q3 there, 2025Q4 here\)"):
        steps.run_region_report(region="华东", quarter="2025Q4", run_dir=tiny_run, params=_params(tmp_path))


def test_other_scoring_params_stop_and_other_report_params_do_not(tiny_run, tiny_data, tmp_path):
    from tagkit.errors import InputError
    from tagkit.steps import score as steps

    stricter = _params(tmp_path, "scoring:\n  risk:\n    decline_threshold: 0.3\n")
    with pytest.raises(InputError, match=r"the params \(section scoring\)"):
        steps.ensure_scored(tiny_data, quarter="2026Q3", run_dir=tiny_run, params=stricter)
    english = _params(tmp_path, "report:\n  language: en\n")  # a report in English from the same scores
    assert steps.ensure_scored(tiny_data, quarter="2026Q3", run_dir=tiny_run, params=english) == []


def test_other_data_stop(tiny_run, tiny_copy, tmp_path):
    from tagkit.errors import InputError
    from tagkit.steps import score as steps

    (tiny_copy / "reps.csv").write_text((tiny_copy / "reps.csv").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"the data \(the files under data_dir are not those it was made from\)"):
        steps.ensure_scored(tiny_copy, quarter="2026Q3", run_dir=tiny_run, params=_params(tmp_path))


def test_published_notebooks_point_at_the_published_folder(tiny_run):
    notebooks = sorted((tiny_run / "notebooks").glob("*.ipynb"))
    assert notebooks
    for notebook in notebooks:
        text = notebook.read_text(encoding="utf-8")
        assert ".partial" not in text, notebook.name
        assert json.dumps(str(tiny_run), ensure_ascii=False)[1:-1] in text or \
            json.dumps(str(tiny_run))[1:-1] in text, notebook.name


def test_a_dependency_upgrade_reruns_the_steps(tmp_path, tiny_data, monkeypatch, capsys):
    """A polars upgrade once reported "up to date": the outputs may differ, so the steps must run again."""
    from tagkit.pipeline import manifest

    assert _run(tiny_data, tmp_path, "2026Q3", "--only", "validate") == 0
    manifest_path = tmp_path / "2026Q3" / "manifest.json"
    first = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert first["dependency_versions"]["polars"] == pl.__version__
    assert _run(tiny_data, tmp_path, "2026Q3", "--only", "validate") == 0  # nothing changed: up to date
    assert json.loads(manifest_path.read_text(encoding="utf-8"))["started"] == first["started"]
    real = manifest.dependency_versions
    monkeypatch.setattr(manifest, "dependency_versions", lambda: {**real(), "polars": "99.0.0"})
    assert _run(tiny_data, tmp_path, "2026Q3", "--only", "validate") == 0
    again = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert again["dependency_versions"]["polars"] == "99.0.0"
    assert [s["outcome"] for s in again["steps"]] == ["ok"]  # ran, not "up to date"


def test_params_edited_while_the_steps_run_stop_the_run_unpublished(tmp_path, tiny_data, monkeypatch, capsys):
    """Each notebook loads the params itself: a file saved half-way through a run left outputs that could mix
    two versions under a manifest naming the first, and exited 0. Now the run stops, publishes nothing, and the
    rerun (the edit done) runs the step again with the new params."""
    from tagkit.pipeline import runner

    mine = tmp_path / "mine.yaml"
    mine.write_text("validation:\n  max_quarantine_share:\n    visits: 0.1\n", encoding="utf-8")
    real = runner._run_steps  # noqa: SLF001 - the seam where the steps have run and nothing is published yet

    def steps_then_an_edit(run, steps):
        real(run, steps)
        mine.write_text("validation:\n  max_quarantine_share:\n    visits: 0.5\n", encoding="utf-8")

    monkeypatch.setattr(runner, "_run_steps", steps_then_an_edit)
    out = tmp_path / "out"
    assert _run(tiny_data, out, "2026Q3", "--only", "validate", "--params", str(mine)) == 2
    err = capsys.readouterr().err
    assert "the params changed while the run ran (section validation of" in err and str(mine) in err
    assert "Nothing was published" in err
    assert not (out / "2026Q3").exists() and (out / "2026Q3.partial").is_dir()

    monkeypatch.setattr(runner, "_run_steps", real)
    assert _run(tiny_data, out, "2026Q3", "--only", "validate", "--params", str(mine)) == 0
    manifest = json.loads((out / "2026Q3" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["params"]["values"]["validation"]["max_quarantine_share"]["visits"] == 0.5
    assert [s["outcome"] for s in manifest["steps"]] == ["ok"]  # validated again, not kept from the first try


def test_under_quiet_a_blocked_run_says_its_reason_once(tmp_path, tiny_copy, capsys):
    _spoil_visit_dates(tiny_copy, 2)
    assert _run(tiny_copy, tmp_path, "2026Q3", "--only", "validate") == 3
    err = capsys.readouterr().err
    assert err.count("rows of table 'visits'") == 1, err


def test_progress_counts_steps_and_reports_from_the_start_and_the_run_ends_with_a_summary(tmp_path, tiny_data, capsys):
    import re

    assert main(["run", "--data", str(tiny_data), "--quarter", "2026Q3", "--out", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    totals = {int(t) for t in re.findall(r"\[\d+/(\d+)\]", err)}
    assert totals == {10}, totals  # validate, score, 7 region reports, index: known at the first line
    assert "70 customers scored: regular " in err
    assert "7 region reports written" in err
    assert "rows set aside as unusable: orders 3 (validation.html)" in err
    assert f"open {tmp_path / '2026Q3' / 'index.html'}" in err
    assert out.strip() == str(tmp_path / "2026Q3" / "index.html")  # stdout: the path only, for scripts


def test_the_bar_counts_steps_and_reports_not_nb():
    from tagkit.pipeline.progress import Bar

    bar = Bar()
    bar.add(10)
    shown = str(bar._bar)  # noqa: SLF001 - what the terminal shows
    bar.close()
    assert "0/10 steps and reports" in shown and "nb" not in shown


def test_last_quarters_tags_are_the_published_ones_not_rescored(tmp_path, tiny_data):
    """Lowering the at-risk threshold once rewrote the previous tag of 21 customers: this quarter's report
    then contradicted the one managers had received."""
    out = tmp_path / "out"
    assert _run(tiny_data, out, "2026Q2", "--only", "validate,score") == 0
    published = pl.read_parquet(out / "2026Q2" / "scores.parquet").select("customer_id", published="tag")
    lower = tmp_path / "lower.yaml"
    lower.write_text("scoring:\n  at_risk:\n    min_risk: {enter: 15, exit: 10}\n", encoding="utf-8")

    assert _run(tiny_data, out, "2026Q3", "--only", "validate,score", "--params", str(lower)) == 0
    now = pl.read_parquet(out / "2026Q3" / "scores.parquet").join(published, on="customer_id", how="left")
    assert now.filter(pl.col("previous_tag").ne_missing(pl.col("published"))).height == 0
    manifest = json.loads((out / "2026Q3" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["previous_tags"]["source"] == "published" and manifest["previous_tags"]["quarter"] == "2026Q2"

    # without the published run they are re-scored with today's params, differ, and the run says so
    alone = tmp_path / "alone"
    assert _run(tiny_data, alone, "2026Q3", "--only", "validate,score", "--params", str(lower)) == 0
    rescored = pl.read_parquet(alone / "2026Q3" / "scores.parquet").join(published, on="customer_id", how="left")
    assert rescored.filter(pl.col("previous_tag").ne_missing(pl.col("published"))).height > 0
    manifest = json.loads((alone / "2026Q3" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["previous_tags"]["source"] == "re-scored"


def test_the_report_says_where_last_quarters_tags_come_from(tiny_run):
    html = (tiny_run / "reports" / "华东.html").read_text(encoding="utf-8")
    assert "上季标签按 2026Q2 末的历史数据重新计算" in html  # no published 2026Q2 beside the fixture's run


def test_validation_html_follows_the_report_language(tiny_run, tiny_data, tmp_path):
    import shutil

    from tagkit.steps import index as steps

    zh = (tiny_run / "validation.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in zh and "输入数据校验" in zh and "各表行数" in zh
    run = tmp_path / "2026Q3"
    shutil.copytree(tiny_run, run)
    english = _params(tmp_path, "report:\n  language: en\n")
    steps.run_index(quarter="2026Q3", run_dir=run, params=english)  # what a rerun with report.language: en does
    en = (run / "validation.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in en and "Validation of the input data" in en and "各表行数" not in en


def test_exports_are_linked_from_the_index_and_every_region_report(tiny_run):
    from urllib.parse import quote

    from tagkit.contract import region_stem

    index = (tiny_run / "index.html").read_text(encoding="utf-8")
    regions = pl.read_parquet(tiny_run / "scores.parquet")["region"].unique().to_list()
    for region in regions:
        stem = region_stem(region)
        assert f'href="{quote(f"exports/{stem}.csv")}" download' in index, region
        assert (tiny_run / "exports" / f"{stem}.csv").exists()
        report = (tiny_run / "reports" / f"{stem}.html").read_text(encoding="utf-8")
        header = report[report.index("<header"):report.index("</header>")]
        assert f'href="../exports/{stem}.csv" download' in header and f'href="../exports/{stem}.xlsx"' in header


def test_executed_notebooks_draw_their_charts_offline(tiny_run):
    """The score chart once showed "Error loading script: https://cdn.jsdelivr.net/npm/vega@6" offline."""
    for notebook in sorted((tiny_run / "notebooks").glob("*.ipynb")):
        text = notebook.read_text(encoding="utf-8")
        assert "cdn.jsdelivr" not in text, notebook.name
        assert not re.search(r"<script[^>]*\bsrc=\\?[\"']https?:", text), notebook.name  # no script from the web
    nb = json.loads((tiny_run / "notebooks" / "02_score.ipynb").read_text(encoding="utf-8"))
    chart = next(c for c in nb["cells"] if "score_distributions" in "".join(c["source"]))
    assert any("image/svg+xml" in o.get("data", {}) for o in chart["outputs"])


def test_the_report_link_is_relative_to_where_the_executed_notebook_lives(tmp_path, monkeypatch):
    from tagkit.steps.region_report import report_link

    partial = tmp_path / "out" / "2026Q3.partial"
    # tagkit run: the notebook is published in OUT/2026Q3/notebooks/, beside reports/
    assert report_link(partial / "reports" / "华东.html", partial) == "../reports/%E5%8D%8E%E4%B8%9C.html"
    # JupyterLab: the kernel runs in the notebook's folder
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "notebooks")
    run = tmp_path / "out" / "notebooks" / "2026Q3"
    assert report_link(run / "reports" / "华东.html", run) == "../out/notebooks/2026Q3/reports/%E5%8D%8E%E4%B8%9C.html"


@pytest.mark.parametrize("delay", [2.0, 4.0])
def test_a_rerun_straight_after_sigterm_is_not_refused(tmp_path, tiny_data, delay):
    """After SIGTERM (exit 143) the same command was once refused with exit 75 for a few seconds: nothing the
    stopped run started may keep its lock (workers and kernels are spawned, the lock file is close-on-exec)."""
    import signal
    import subprocess
    import sys
    import time

    cmd = [sys.executable, "-m", "tagkit.cli", "--quiet", "run", "--data", str(tiny_data), "--quarter", "2026Q3",
           "--out", str(tmp_path)]
    first = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(delay)
    os.killpg(first.pid, signal.SIGTERM)  # as a scheduler stops a job: the whole process group
    assert first.wait(timeout=60) in (143, 0)
    started = time.monotonic()
    again = subprocess.run([*cmd, "--only", "validate"], capture_output=True, text=True, timeout=300, check=False)
    assert again.returncode == 0, again.stderr[-2000:]
    assert time.monotonic() - started < 60
