"""``tagkit run --features PANEL``: a run scored from a precomputed features table gives the plain run's bytes.

The panel is made as docs/features.md says a warehouse would: the features table of the run's own clean
order lines (:func:`order_features`), written to parquet. The run still validates the data folder; the
score step then builds its timeline from the panel. Every table the run writes must be byte-identical
to a plain run's; a broken panel stops the run with the documented exit code and a message naming the
file; and the notebook parameter ``features_path`` works from plain papermill as well.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
import yaml

from tagkit.cli import main
from tagkit.scoring.order_lines import order_features

ROOT = Path(__file__).resolve().parents[1]
QUARTER = "2026Q3"
# what a run writes from its data that must not depend on where the order lines were aggregated
SAME_BYTES = ("*.parquet", "clean/*.parquet", "quarantine/*.parquet", "backtest.json", "risk_model.json",
              "validation.json", "action_summary.json", "exports/*.csv")

pytestmark = pytest.mark.slow


def _panel(run: Path, path: Path) -> Path:
    """The features table of ``run``'s clean order lines (both column groups), as a warehouse would write it."""
    order_features(pl.scan_parquet(run / "clean" / "orders.parquet"), quarter_end_days=7).collect().write_parquet(path)
    return path


def _run(*args: str | Path) -> int:
    return main(["--quiet", "run", *map(str, args)])


def _assert_same_bytes(plain: Path, featured: Path) -> int:
    """Every run table of ``plain`` has the same bytes in ``featured``; returns how many were compared."""
    files = sorted({p.relative_to(plain) for pattern in SAME_BYTES for p in plain.glob(pattern)})
    differ = [str(f) for f in files if (plain / f).read_bytes() != (featured / f).read_bytes()]
    assert not differ, f"from the features table these differ from the plain run: {differ}"
    assert "scores.parquet" in {str(f) for f in files}
    return len(files)


def test_a_full_run_from_the_panel_writes_the_plain_runs_bytes_on_the_tiny_fixture(tiny_run, tiny_data, tmp_path):
    panel = _panel(tiny_run, tmp_path / "features.parquet")
    assert _run("--data", tiny_data, "--quarter", QUARTER, "--out", tmp_path / "out", "--features", panel) == 0
    featured = tmp_path / "out" / QUARTER
    assert _assert_same_bytes(tiny_run, featured) > 25  # tables, clean and quarantine, json, every region's csv
    manifest = json.loads((featured / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["inputs"]["features"]["path"] == str(panel)
    assert manifest["features_check"]["passed"] is True and manifest["features_check"]["rows"] == 526
    assert manifest["features_check"]["last_quarter"] == QUARTER
    check = json.loads((featured / "features_check.json").read_text(encoding="utf-8"))
    assert check["expectations_checked"] == len(check["expectations"]) > 40
    assert json.loads((tiny_run / "manifest.json").read_text(encoding="utf-8"))["features_check"] is None


def test_scores_from_the_panel_equal_the_plain_run_on_a_generated_sample(tmp_path):
    from tagkit.sample_data import generate_sample

    data = tmp_path / "data"
    generate_sample(data, customers=300)
    common = ("--data", data, "--quarter", QUARTER, "--only", "validate,score")
    assert _run(*common, "--out", tmp_path / "plain") == 0
    panel = _panel(tmp_path / "plain" / QUARTER, tmp_path / "features.parquet")
    assert _run(*common, "--out", tmp_path / "featured", "--features", panel) == 0
    assert _assert_same_bytes(tmp_path / "plain" / QUARTER, tmp_path / "featured" / QUARTER) > 15


def test_a_changed_panel_reruns_the_score_step_and_not_the_validation(tiny_run, tiny_data, tmp_path, caplog):
    panel = _panel(tiny_run, tmp_path / "features.parquet")
    common = ("--data", tiny_data, "--quarter", QUARTER, "--out", tmp_path / "out", "--only", "validate,score",
              "--features", panel)
    assert _run(*common) == 0
    keys = json.loads((tmp_path / "out" / QUARTER / "manifest.json").read_text(encoding="utf-8"))["keys"]
    assert _run(*common) == 0  # same panel: nothing to do
    again = json.loads((tmp_path / "out" / QUARTER / "manifest.json").read_text(encoding="utf-8"))
    assert again["keys"] == keys
    # the same rows in another order: another file, the same scores
    pl.read_parquet(panel).reverse().write_parquet(panel)
    assert _run(*common) == 0
    manifest = json.loads((tmp_path / "out" / QUARTER / "manifest.json").read_text(encoding="utf-8"))
    outcomes = {s["step"]: s["outcome"] for s in manifest["steps"]}
    assert outcomes == {"validate": "up to date", "score": "ok"}
    assert manifest["keys"]["validate"] == keys["validate"] and manifest["keys"]["score"] != keys["score"]
    assert (tmp_path / "out" / QUARTER / "scores.parquet").read_bytes() == (tiny_run / "scores.parquet").read_bytes()


def _refused(capsys, tiny_data: Path, tmp_path: Path, panel: Path, *extra: str) -> tuple[int, str]:
    code = _run("--data", tiny_data, "--quarter", QUARTER, "--out", tmp_path / "out", "--only", "validate,score",
                "--features", panel, *extra)
    return code, capsys.readouterr().err


def test_a_panel_with_a_duplicate_key_stops_the_score_step_with_exit_3(tiny_run, tiny_data, tmp_path, capsys):
    """Caught inside the score notebook, after the validation: the run stops before anything is scored."""
    table = pl.read_parquet(_panel(tiny_run, tmp_path / "f.parquet"))
    bad = tmp_path / "features.parquet"
    pl.concat([table, table.slice(10, 1)]).write_parquet(bad)
    code, err = _refused(capsys, tiny_data, tmp_path, bad)
    assert code == 3, err
    assert f"{bad}: each (customer_id, quarter) appears on one row only; got 2 rows where it is not" in err
    assert "Group by customer_id and quarter" in err
    assert not (tmp_path / "out" / QUARTER).exists()  # never published
    assert not (tmp_path / "out" / f"{QUARTER}.partial" / "scores.parquet").exists()
    manifest = json.loads((tmp_path / "out" / f"{QUARTER}.partial" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["outcome"] == "InputError" and manifest["features_check"]["passed"] is False


@pytest.mark.parametrize(("break_it", "code", "said"), [
    (lambda t: t.drop("end_purchase_cents", "other_purchase_days"), 3,
     "column 'end_purchase_cents' must be present; it is missing"),
    (lambda t: t.with_columns(pl.col("sales_cents").cast(pl.Float64)), 3,
     "column 'sales_cents' must be Int8 or Int16 or Int32 or Int64 or UInt8 or UInt16 or UInt32; got Float64"),
    (lambda t: t.with_columns(quarter_end_days=pl.lit(5, pl.Int64)), 3,
     "column 'quarter_end_days' must be 7 (params prescription.speculator.quarter_end_days); got 5"),
    (lambda t: t.filter(pl.col("quarter") <= "2026Q1"), 2,
     "the latest quarter must be at least the run's quarter 2026Q3; got 2026Q1"),
], ids=["missing speculator columns", "wrong type", "other quarter_end_days", "quarters not reaching the run"])
def test_a_panel_that_does_not_fit_is_refused_before_the_validation(tiny_run, tiny_data, tmp_path, capsys,
                                                                     break_it, code, said):
    bad = tmp_path / "features.parquet"
    break_it(pl.read_parquet(_panel(tiny_run, tmp_path / "f.parquet"))).write_parquet(bad)
    got, err = _refused(capsys, tiny_data, tmp_path, bad)
    assert got == code, err
    assert f"the features table {bad} cannot be scored from" in err and f"{bad}: {said}" in err
    assert not (tmp_path / "out" / f"{QUARTER}.partial" / "validation.json").exists(), "checked only after validating"


def test_a_missing_panel_file_is_said_at_once(tiny_data, tmp_path, capsys):
    code, err = _refused(capsys, tiny_data, tmp_path, tmp_path / "nope.parquet")
    assert code == 3 and f"{tmp_path / 'nope.parquet'}: no such features table" in err


def test_the_score_notebook_takes_features_path_from_plain_papermill(tiny_run, tiny_copy, tmp_path):
    """02_score alone, as a user runs it: papermill with -p features_path on an empty run folder validates
    first, then scores from the panel; its scores are the full run's, and the check is recorded."""
    panel = _panel(tiny_run, tmp_path / "features.parquet")
    run_dir = tmp_path / "run"
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({"data_dir": str(tiny_copy), "run_dir": str(run_dir)}), encoding="utf-8")
    cmd = [str(Path(sys.executable).parent / "papermill"), str(ROOT / "notebooks" / "02_score.ipynb"),
           str(tmp_path / "02.ipynb"), "-k", "tagkit", "--no-progress-bar", "-f", str(params),
           "-p", "features_path", str(panel)]
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (run_dir / "scores.parquet").read_bytes() == (tiny_run / "scores.parquet").read_bytes()
    assert json.loads((run_dir / "features_check.json").read_text(encoding="utf-8"))["passed"] is True
    made = json.loads((run_dir / "made_for.json").read_text(encoding="utf-8"))
    assert made["score"]["features_sha256"]

    # the region report alone on that folder: asked for another panel, it refuses these scores; asked for
    # none (the index and what-if notebooks), it reads them as they were made
    from tagkit.errors import InputError
    from tagkit.params import load_params
    from tagkit.steps.score import ensure_scored

    params = load_params(ROOT / "params")
    other = tmp_path / "other.parquet"
    pl.read_parquet(panel).reverse().write_parquet(other)
    with pytest.raises(InputError, match=r"the scores' source \(a features table there, another features table here"):
        ensure_scored(tiny_copy, quarter=QUARTER, run_dir=run_dir, params=params, features_path=other)
    assert ensure_scored(tiny_copy, quarter=QUARTER, run_dir=run_dir, params=params, features_path=panel) == []
    assert ensure_scored(tiny_copy, quarter=QUARTER, run_dir=run_dir, params=params) == []
