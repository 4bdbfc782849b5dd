"""`tagkit run` as a scheduler sees it: reruns, params changes, interruptions, failures, locks.

Each test compares against the session's one full run (`tiny_run`), so "the same outputs"
always means byte for byte against an ordinary, uninterrupted run.
"""
from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import nbformat
import psutil
import pytest

from conftest import ROOT, TINY
from conftest import TINY_QUARTER as Q
from tagkit.cli import main
from tagkit.pipeline.lock import RunLock

CLI = [sys.executable, "-m", "tagkit.cli"]


def _run_args(out: Path, *extra: str) -> list[str]:
    return ["run", "--data", str(TINY), "--quarter", Q, "--out", str(out), *extra]


def _copy_out(tiny_run: Path, tmp_path: Path) -> Path:
    """The session run's output folder (with its hash cache), as if that run had happened here."""
    out = tmp_path / "out"
    shutil.copytree(tiny_run.parent, out)
    return out


def _outputs(run: Path) -> dict[str, bytes]:
    """What users read: tables, reports, index. The manifest and log record the run itself, so they differ."""
    files = [*run.glob("*.parquet"), *run.glob("reports/*.html"), run / "index.html", run / "validation.html",
             *run.glob("clean/*.parquet"), *run.glob("quarantine/*"), *run.glob("exports/*")]
    return {str(p.relative_to(run)): p.read_bytes() for p in sorted(files)}


def _assert_same_outputs(run: Path, reference: Path) -> None:
    got, want = _outputs(run), _outputs(reference)
    assert sorted(got) == sorted(want)
    differing = [name for name in want if got[name] != want[name]]
    assert differing == []


def _manifest(run: Path) -> dict:
    return json.loads((run / "manifest.json").read_text(encoding="utf-8"))


def _step_outcomes(run: Path) -> dict[str, object]:
    out: dict[str, object] = {}
    for step in _manifest(run)["steps"]:
        out[step["step"]] = ({r: s["outcome"] for r, s in step["regions"].items()} if "regions" in step
                             else step["outcome"])
    return out


def test_rerun_with_nothing_changed_does_nothing(tmp_path, tiny_run, capsys):
    out = _copy_out(tiny_run, tmp_path)
    before = {p: p.stat().st_mtime_ns for p in (out / Q).rglob("*") if p.name != "run.log"}
    started = time.monotonic()
    assert main(_run_args(out)) == 0
    assert time.monotonic() - started < 10  # no notebook ran; the benchmark measures the real figure
    assert {p: p.stat().st_mtime_ns for p in (out / Q).rglob("*") if p.name != "run.log"} == before
    assert "up to date" in (out / Q / "run.log").read_text(encoding="utf-8").splitlines()[-1]
    assert not (out / f"{Q}.partial").exists()
    assert str(out / Q / "index.html") in capsys.readouterr().out


def test_changing_report_params_reruns_only_reports_and_index(tmp_path, tiny_run):
    out = _copy_out(tiny_run, tmp_path)
    override = tmp_path / "english.yaml"
    override.write_text("report:\n  language: en\n", encoding="utf-8")
    assert main([*_run_args(out), "--params", str(override)]) == 0
    outcomes = _step_outcomes(out / Q)
    assert outcomes["validate"] == outcomes["score"] == "up to date"
    assert set(outcomes["report"].values()) == {"ok"} and outcomes["index"] == "ok"
    assert (out / Q / "scores.parquet").read_bytes() == (tiny_run / "scores.parquet").read_bytes()
    assert 'lang="en"' in (out / Q / "index.html").read_text(encoding="utf-8")
    # and back to the defaults: the reports come back byte for byte
    assert main(_run_args(out)) == 0
    _assert_same_outputs(out / Q, tiny_run)


def test_force_reruns_everything_to_the_same_bytes(tmp_path, tiny_run):
    out = _copy_out(tiny_run, tmp_path)
    assert main([*_run_args(out), "--force"]) == 0
    outcomes = _step_outcomes(out / Q)
    assert outcomes["validate"] == outcomes["score"] == outcomes["index"] == "ok"
    _assert_same_outputs(out / Q, tiny_run)


@pytest.mark.slow
def test_one_worker_and_fresh_kernels_give_the_same_bytes(tmp_path, tiny_run):
    """tiny_run used one warm kernel per worker and a worker per core; this run, one fresh kernel per notebook."""
    out = tmp_path / "out"
    assert main([*_run_args(out), "--workers", "1", "--fresh-kernels"]) == 0
    assert _manifest(out / Q)["workers"] == 1
    assert _manifest(tiny_run)["workers"] != 1 or psutil.cpu_count() == 1
    _assert_same_outputs(out / Q, tiny_run)


def _wait_for(predicate, proc: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert proc.poll() is None, f"the run ended early ({proc.returncode}): {proc.stderr.read()}"
        assert time.monotonic() < deadline, "the run never got there"
        time.sleep(0.05)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_interrupted_run_resumes_to_the_same_outputs(tmp_path, tiny_run, sig):
    out = tmp_path / "out"
    cmd = [*CLI, "--quiet", *_run_args(out)]
    partial = out / f"{Q}.partial"
    with subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.PIPE, text=True) as proc:
        _wait_for(lambda: any((partial / "reports").glob("*.html")), proc)
        tree = psutil.Process(proc.pid).children(recursive=True)  # workers and their kernels

        second = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
        assert second.returncode == 75
        assert f"pid {proc.pid}" in second.stderr and "another tagkit run is writing this quarter" in second.stderr

        proc.send_signal(sig)
        assert proc.wait(timeout=60) == 128 + sig
        assert "rerun the same command to resume" in proc.stderr.read()
    assert not (out / Q).exists(), "an interrupted run must not look finished"
    assert partial.exists()
    _, alive = psutil.wait_procs(tree, timeout=20)
    assert alive == [], f"left behind: {[p.cmdline() for p in alive]}"

    assert main(["--quiet", *_run_args(out)]) == 0
    outcomes = _step_outcomes(out / Q)
    assert _manifest(out / Q)["work_folder"] == "resumed"
    assert outcomes["validate"] == outcomes["score"] == "up to date"
    assert "up to date" in outcomes["report"].values()  # regions finished before the signal were kept
    assert not partial.exists()
    _assert_same_outputs(out / Q, tiny_run)


def _failing_pipeline(tmp_path: Path, region: str, switch: Path) -> Path:
    """The quarterly pipeline with a report notebook that raises for one region while ``switch`` exists."""
    nb = nbformat.read(ROOT / "notebooks" / "03_region_report.ipynb", as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])) + 1
    nb.cells.insert(at, nbformat.v4.new_code_cell(
        f'import pathlib\nif region == "{region}" and pathlib.Path({str(switch)!r}).exists():\n'
        '    raise RuntimeError("no data feed for " + region)'))
    notebook = tmp_path / "03_failing.ipynb"
    nbformat.write(nb, notebook)
    pipeline = (ROOT / "pipelines" / "quarterly.yaml").read_text(encoding="utf-8")
    path = tmp_path / "failing.yaml"
    path.write_text(pipeline.replace("notebooks/03_region_report.ipynb", str(notebook)), encoding="utf-8")
    return path


@pytest.mark.slow
def test_a_failing_region_does_not_stop_the_others(tmp_path, tiny_run, capsys):
    out = _copy_out(tiny_run, tmp_path)
    switch = tmp_path / "feed-is-down"
    switch.touch()
    pipeline = ["--pipeline", str(_failing_pipeline(tmp_path, "华东", switch))]
    code = main([*_run_args(out), *pipeline])
    err = capsys.readouterr().err
    assert code == 4
    assert "1 region report(s) failed (华东: RuntimeError: " in err  # which, and why, said once
    assert err.count("RuntimeError") == 1
    run = out / Q
    assert not (run / "reports" / "华东.html").exists()
    assert sorted(p.name for p in (run / "reports").glob("*.html")) == sorted(
        p.name for p in (tiny_run / "reports").glob("*.html") if p.name != "华东.html")
    status = json.loads((run / "run_status.json").read_text(encoding="utf-8"))["regions"]["华东"]
    assert status["outcome"] == "failed" and status["ename"] == "RuntimeError"
    page = run / status["page"]
    assert "no data feed for 华东" in page.read_text(encoding="utf-8")
    index = (run / "index.html").read_text(encoding="utf-8")
    assert f'{quote(status["page"])}#papermill-error-cell' in index and "no data feed for 华东" in index
    # the failed region is not recorded as done: the next run retries it (and only it, plus the index)
    assert "report:华东" not in _manifest(run)["keys"]
    switch.unlink()
    assert main([*_run_args(out), *pipeline]) == 0
    outcomes = _step_outcomes(run)
    assert outcomes["report"]["华东"] == "ok" and outcomes["report"]["华北"] == "up to date"
    _assert_same_outputs(run, tiny_run)


def test_a_second_run_on_the_same_quarter_is_refused_naming_the_first(tmp_path, capsys):
    out = tmp_path / "out"
    with RunLock(out / f".{Q}.lock"):
        code = main(_run_args(out))
    err = capsys.readouterr().err
    assert code == 75
    assert "another tagkit run is writing this quarter" in err and "pid " in err and "Wait for it" in err
    assert not (out / Q).exists() and not (out / f"{Q}.partial").exists()


def test_only_a_step_whose_upstream_is_stale_is_refused(tmp_path, tiny_copy, capsys):
    code = main(["run", "--data", str(tiny_copy), "--quarter", Q, "--out", str(tmp_path / "out"), "--only", "score"])
    assert code == 2
    assert "step(s) validate have not run on these inputs and params" in capsys.readouterr().err


def test_workers_must_be_positive(tmp_path, capsys):
    assert main([*_run_args(tmp_path), "--workers", "0"]) == 2
    assert "--workers must be 1 or more" in capsys.readouterr().err


def _stderr_of_rerun(tiny_run: Path, tmp_path: Path, *, tty: bool, quiet: bool = False) -> str:
    """stderr of a `tagkit run` with nothing to do, attached to a pseudo-terminal or to a pipe."""
    import os
    import pty

    out = _copy_out(tiny_run, tmp_path)
    cmd = [*CLI, *(["--quiet"] if quiet else []), *_run_args(out)]
    if not tty:
        return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120, check=True).stderr
    leader, follower = pty.openpty()
    with subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=follower) as proc:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # EIO: the terminal's other end closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert proc.wait(timeout=120) == 0
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


def test_a_terminal_gets_a_progress_bar(tmp_path, tiny_run):
    err = _stderr_of_rerun(tiny_run, tmp_path, tty=True)
    assert "tagkit: 100%" in err and "4/4" in err  # tqdm's bar over the four steps
    assert "[1/4]" not in err


def test_a_pipe_gets_plain_lines_and_quiet_only_problems(tmp_path, tiny_run):
    err = _stderr_of_rerun(tiny_run, tmp_path, tty=False)
    assert "[1/4] validate up to date" in err and "[4/4] index up to date" in err and "\r" not in err
    assert _stderr_of_rerun(tiny_run, tmp_path / "quiet", tty=False, quiet=True) == ""
