"""End to end: `tagkit run` on the tiny dataset writes the contract's output folder."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from tagkit.cli import main

ROOT = Path(__file__).resolve().parents[1]
CHECKER = ROOT.parent / "shared" / "tools" / "check_run.py"

pytestmark = pytest.mark.slow


def test_run_keeps_the_contract(tiny_run):
    if not CHECKER.exists():
        pytest.skip(f"{CHECKER} not present (it ships beside the project in ../shared)")
    done = subprocess.run([sys.executable, str(CHECKER), str(tiny_run)], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "keeps the contract" in done.stdout


def test_run_writes_every_artifact(tiny_run):
    scores = pl.read_parquet(tiny_run / "scores.parquet")
    regions = sorted(scores["region"].unique().to_list())
    assert len(regions) == 7
    for region in regions:
        html = (tiny_run / "reports" / f"{region}.html").read_text(encoding="utf-8")
        assert f"{region}" in html and 'id="tagged-customers"' in html
        assert (tiny_run / "notebooks" / f"03_region_report-{region}.ipynb").exists()
    index = (tiny_run / "index.html").read_text(encoding="utf-8")
    assert index.count('href="reports/') == len(regions)
    for name in ("validation.html", "validation.json", "manifest.json", "notebooks/01_validate.ipynb",
                 "notebooks/02_score.ipynb", "notebooks/04_index.ipynb"):
        assert (tiny_run / name).exists(), name


def test_manifest_records_inputs_params_versions_and_accounting(tiny_run, tiny_data):
    manifest = json.loads((tiny_run / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["outcome"] == "ok"
    assert manifest["quarter"] == "2026Q3"
    files = {f["path"]: f for f in manifest["inputs"]["files"]}
    assert "customers.csv" in files and len(files["customers.csv"]["sha256"]) == 64
    assert files["customers.csv"]["bytes"] == (tiny_data / "customers.csv").stat().st_size
    assert len(manifest["params"]["sha256"]) == 64
    assert manifest["versions"]["polars"].startswith("2.")
    assert [s["step"] for s in manifest["steps"]] == ["validate", "score", "report", "index"]
    accounting = manifest["validation"]["accounting"]
    for table, counts in accounting.items():
        assert counts["rows_read"] == counts["rows_used"] + counts["rows_quarantined"], table


def test_reports_open_offline_without_network_references(tiny_run):
    html = next((tiny_run / "reports").glob("*.html")).read_text(encoding="utf-8")
    assert html.count("window.vegaEmbed=") == 1  # the bundle once per file
    assert "<script src=" not in html and "<link" not in html


def test_only_validate_and_score_writes_scores_without_reports(tmp_path, tiny_data):
    code = main(["--quiet", "run", "--data", str(tiny_data), "--quarter", "2026Q3", "--out", str(tmp_path),
                 "--only", "validate,score"])
    assert code == 0
    run = tmp_path / "2026Q3"
    assert (run / "scores.parquet").exists()
    assert not (run / "reports").exists() and not (run / "index.html").exists()


@pytest.mark.parametrize(("today", "expected"), [("2026-11-27", "2026Q3"), ("2027-01-05", "2026Q4")])
def test_latest_is_the_newest_orders_quarter_once_it_has_ended(tiny_data, today, expected):
    """The fixture's newest order line is dated 2026-10-03."""
    import datetime as dt

    from tagkit.params import load_params
    from tagkit.pipeline.plan import resolve_quarter

    params = load_params(ROOT / "params")
    assert resolve_quarter("latest", tiny_data, params, today=dt.date.fromisoformat(today)) == expected


def test_run_latest_writes_a_quarter_folder(tmp_path, tiny_data, capsys):
    code = main(["--quiet", "run", "--data", str(tiny_data), "--quarter", "latest", "--out", str(tmp_path),
                 "--only", "validate"])
    assert code == 0
    printed = Path(capsys.readouterr().out.strip())
    assert printed.parent == tmp_path and (printed / "validation.html").exists()
