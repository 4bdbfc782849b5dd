"""Each notebook also runs on its own, with plain papermill or JupyterLab's defaults (docs/running.md).

These call the real ``papermill`` CLI in a subprocess, as a user or a cron job would: from a folder
outside the project and from the project root with ``-f params.yaml``, and from ``notebooks/`` with
no parameters at all (the kernel's cwd in JupyterLab). A notebook whose run folder lacks the earlier
steps' outputs makes them itself, and then prints the same pinned figures as ``tagkit run``.
"""
from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tagkit.report.region import report_filename
from test_notebook_figures import PINNED, _checked_outputs

ROOT = Path(__file__).resolve().parents[1]
PAPERMILL = Path(sys.executable).parent / "papermill"
REGION = "华东"  # the default region of 03_region_report
NOTEBOOKS = ["01_validate", "02_score", "03_region_report", "04_index"]
# what each step writes into the run folder
OUTPUTS = {
    "01_validate": ["validation.json", "validation.html", "clean/customers.parquet"],
    "02_score": ["scores.parquet", "backtest.json", "reps.parquet"],
    "03_region_report": [f"reports/{report_filename(REGION)}"],
    "04_index": ["index.html"],
}
# the earlier steps a notebook runs itself on an empty run folder (its ensure_* cell shows the list)
UPSTREAM = {"01_validate": None, "02_score": ["validate"], "03_region_report": ["validate", "score"],
            "04_index": ["validate", "score"]}

pytestmark = pytest.mark.slow


def _papermill(notebook: str, executed: Path, *, cwd: Path, params_file: Path | None = None,
               source: Path = ROOT / "notebooks") -> dict:
    """Run ``papermill NOTEBOOK EXECUTED [-f params_file] -k tagkit`` in ``cwd``; returns the executed notebook."""
    cmd = [str(PAPERMILL), str(source / f"{notebook}.ipynb"), str(executed), "-k", "tagkit", "--no-progress-bar"]
    if params_file is not None:
        cmd += ["-f", str(params_file)]
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, (
        f"{' '.join(cmd)} (in {cwd}) exited {proc.returncode}; the failing cell is in {executed}:\n"
        f"{proc.stderr[-4000:]}"
    )
    return json.loads(executed.read_text(encoding="utf-8"))


def _upstream_ran(nb: dict) -> list[str] | None:
    """What the notebook's ensure_* cell displayed: the earlier steps it ran itself (None: it has no such cell)."""
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and "".join(cell["source"]).startswith("steps.ensure_"):
            shown = [o for o in cell["outputs"] if o["output_type"] == "execute_result"]
            return ast.literal_eval("".join(shown[0]["data"]["text/plain"]))
    return None


def _assert_pinned(notebook: str, executed: Path) -> None:
    name = f"{notebook}-{REGION}" if notebook == "03_region_report" else notebook
    assert _checked_outputs(executed) == (PINNED / f"{name}.txt").read_text(encoding="utf-8"), (
        f"{executed}: pinned figures differ from tests/pinned/{name}.txt (what `tagkit run` prints)"
    )


def _assert_outputs(notebook: str, run_dir: Path) -> None:
    missing = [o for o in OUTPUTS[notebook] if not (run_dir / o).exists()]
    held = sorted(p.name for p in run_dir.iterdir()) if run_dir.is_dir() else "nothing (it does not exist)"
    assert not missing, f"{notebook}: {missing} not written into {run_dir}; it holds {held}"


@pytest.fixture()
def params_yaml(tmp_path, tiny_copy) -> Path:
    """A user's params.yaml: the data is a copy of the tiny fixture, the run folder a fresh (absent) folder."""
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump({"data_dir": str(tiny_copy), "run_dir": str(tmp_path / "run")}), encoding="utf-8")
    return path


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_notebook_runs_alone_from_outside_the_project(tmp_path, params_yaml, notebook):
    """The kernel's cwd is a folder with no project above it, and the run folder is empty: the notebook
    finds params/ through the editable checkout and makes the earlier steps' outputs itself."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    executed = tmp_path / f"{notebook}.ipynb"

    nb = _papermill(notebook, executed, cwd=elsewhere, params_file=params_yaml)

    _assert_outputs(notebook, tmp_path / "run")
    assert _upstream_ran(nb) == UPSTREAM[notebook]
    _assert_pinned(notebook, executed)
    assert not any(elsewhere.iterdir()), "nothing may be written relative to the kernel's cwd"


def test_notebooks_in_order_from_the_project_root(tmp_path, params_yaml):
    """The four notebooks one after the other, as the README shows: each finds the previous one's
    outputs, so none runs an earlier step again."""
    run_dir = tmp_path / "run"
    for notebook in NOTEBOOKS:
        executed = tmp_path / f"{notebook}.ipynb"
        nb = _papermill(notebook, executed, cwd=ROOT, params_file=params_yaml)
        _assert_outputs(notebook, run_dir)
        assert _upstream_ran(nb) in (None, []), f"{notebook} ran {_upstream_ran(nb)} although the run folder had them"
        _assert_pinned(notebook, executed)


def test_defaults_work_from_the_notebooks_folder(tmp_path):
    """JupyterLab's case: kernel in notebooks/, no parameters given: data/sample (what `make sample`
    writes), 2026Q3 and out/notebooks/2026Q3. A copy of the project keeps the checkout's out/ untouched;
    relative defaults must resolve inside the copy, not against the cwd. The checked figures are the
    ones committed in the notebooks (what nbval compares)."""
    from tagkit.sample_data import generate_sample

    project = tmp_path / "project"
    for folder in ("params", "pipelines", "notebooks"):
        shutil.copytree(ROOT / folder, project / folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    generate_sample(project / "data" / "sample")  # `make sample`'s defaults
    run_dir = project / "out" / "notebooks" / "2026Q3"

    for notebook, upstream in (("03_region_report", ["validate", "score"]), ("04_index", [])):
        executed = tmp_path / f"{notebook}.ipynb"
        nb = _papermill(notebook, executed, cwd=project / "notebooks", source=project / "notebooks")
        _assert_outputs(notebook, run_dir)
        assert _upstream_ran(nb) == upstream
        assert _checked_outputs(executed) == _checked_outputs(ROOT / "notebooks" / f"{notebook}.ipynb")


def test_the_default_sample_missing_says_how_to_make_it(tmp_path):
    from tagkit.errors import InputError
    from tagkit.steps import common

    project = tmp_path / "project"
    for folder in ("params", "pipelines"):
        shutil.copytree(ROOT / folder, project / folder)
    with pytest.raises(InputError, match=r"data/sample: the sample data is not there yet. Make it with `make sample`"):
        common.resolve_paths(str(project / "data" / "sample"), "out/x", "params", "")
    assert not (project / "notebooks" / "out").exists(), "a default was taken from the cwd, not the project root"
