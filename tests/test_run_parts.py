"""The runner's parts on their own: kernel start retry, the hash cache, keys, progress lines, the lock."""
from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT
from tagkit.errors import RunLocked
from tagkit.params import load_params
from tagkit.pipeline import kernels
from tagkit.pipeline.kernels import KernelStartFailed, start_with_retry
from tagkit.pipeline.lock import RunLock
from tagkit.pipeline.plan import step_keys
from tagkit.pipeline.progress import LogLines
from tagkit.steps import fingerprint as fp
from tagkit.steps.spec import load_pipeline


def test_kernel_starts_take_turns_across_processes(tmp_path, monkeypatch):
    """Two kernels started at once could pick the same port: while one process starts a kernel, another waits."""
    import subprocess
    import sys
    import time

    monkeypatch.setattr(kernels, "START_LOCK", tmp_path / "start.lock")
    holder = ("import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDONLY | os.O_CREAT); "
              "fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(1.5)")
    with subprocess.Popen([sys.executable, "-c", holder, str(kernels.START_LOCK)], stdout=subprocess.PIPE,
                          text=True) as proc:
        assert proc.stdout.readline().strip() == "held"
        start = time.monotonic()
        with kernels.taking_turns():
            waited = time.monotonic() - start
    assert waited > 0.5


def test_a_kernel_that_fails_to_start_once_is_retried(caplog):
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("Kernel died before replying to kernel_info")
        return "kernel"

    with caplog.at_level(logging.WARNING):
        assert start_with_retry(flaky, what="report:华东") == "kernel"
    assert len(calls) == 2
    assert "report:华东: kernel did not start (RuntimeError" in caplog.text and "retrying once" in caplog.text


def test_a_kernel_that_fails_twice_is_an_error_naming_the_notebook():
    def broken():
        raise TimeoutError("no reply in 60 s")

    with pytest.raises(KernelStartFailed, match="validate: kernel did not start twice: TimeoutError"):
        start_with_retry(broken, what="validate")


def test_hash_cache_rereads_a_file_only_when_it_changed(tmp_path):
    data = tmp_path / "orders.csv"
    data.write_text("a,b\n1,2\n", encoding="utf-8")
    cache = fp.HashCache(tmp_path / "cache.json")
    first = cache.sha256(data)
    cache.save()
    assert fp.HashCache(tmp_path / "cache.json").sha256(data) == first
    data.write_text("a,b\n1,3\n", encoding="utf-8")  # same size, new mtime
    os.utime(data, ns=(data.stat().st_atime_ns, data.stat().st_mtime_ns + 10**9))
    assert fp.HashCache(tmp_path / "cache.json").sha256(data) == fp.file_sha256(data) != first


def _keys(params, inputs=(("orders.csv", 1, "aa"),), quarter="2026Q3"):
    cache = fp.HashCache(ROOT / ".no-such-cache.json")
    return step_keys(load_pipeline(ROOT / "pipelines" / "quarterly.yaml"), root=ROOT, params=params,
                     inputs=[{"path": p, "bytes": b, "sha256": s} for p, b, s in inputs], code="code",
                     quarter=quarter, cache=cache)


def test_keys_change_from_the_step_whose_params_or_inputs_changed():
    base = load_params(ROOT / "params")
    keys = _keys(base)
    english = base.model_copy(update={"report": base.report.model_copy(update={"language": "en"})})
    changed = _keys(english)
    assert [s for s in keys if keys[s] != changed[s]] == ["report", "index"]
    new_data = _keys(base, inputs=(("orders.csv", 1, "bb"),))
    assert all(keys[s] != new_data[s] for s in keys)
    assert all(a != b for a, b in zip(keys.values(), _keys(base, quarter="2026Q2").values(), strict=True))
    assert keys == _keys(base)


def test_progress_lines_count_every_notebook(caplog):
    lines = LogLines()
    lines.add(2)
    with caplog.at_level(logging.INFO, logger="tagkit.progress"):
        lines.finished("validate", "ok", 1.23)
        lines.finished("report:华东", "failed", 0.5)
    assert [r.getMessage() for r in caplog.records] == ["[1/2] validate ok in 1.2 s",
                                                        "[2/2] report:华东 failed in 0.5 s"]
    assert caplog.records[1].levelno == logging.WARNING


def test_the_lock_is_free_again_once_released(tmp_path):
    lock = RunLock(tmp_path / ".2026Q3.lock")
    with lock, pytest.raises(RunLocked, match=f"pid {os.getpid()}"):
        RunLock(tmp_path / ".2026Q3.lock").acquire()
    with RunLock(tmp_path / ".2026Q3.lock"):
        pass


def test_a_table_written_from_chunks_is_the_same_file(tmp_path):
    """After a parallel collect the same rows can sit in other chunks; the file must not show it."""
    import polars as pl

    from tagkit.outputs import write_table

    n = 200_000  # at this size polars writes a row group per chunk
    rows = pl.DataFrame({"customer_id": [f"C{i:06d}" for i in range(n)], "score": [i / 7 for i in range(n)]})
    chunked = pl.concat([rows.slice(0, 100_021), rows.slice(100_021)], rechunk=False)
    assert chunked.n_chunks() == 2 and chunked.equals(rows)
    write_table(rows, tmp_path / "one.parquet")
    write_table(chunked, tmp_path / "two.parquet")
    assert (tmp_path / "one.parquet").read_bytes() == (tmp_path / "two.parquet").read_bytes()


def _dead_run_holding(lock: Path, seconds: float) -> subprocess.Popen:
    """A helper that holds ``lock`` for ``seconds`` while the file names a run that has already ended:
    what a stopped run's straggling helper processes look like to the next run."""
    dead = subprocess.Popen(["true"])
    dead.wait()
    holder = json.dumps({"pid": dead.pid, "host": socket.gethostname(), "user": "x", "started": "then",
                         "command": "tagkit run (stopped)"})
    code = (f"import fcntl, os, sys, time; fd = os.open({str(lock)!r}, os.O_RDWR | os.O_CREAT); "
            f"fcntl.flock(fd, fcntl.LOCK_EX); os.ftruncate(fd, 0); os.write(fd, {holder.encode()!r}); "
            f"print('held', flush=True); time.sleep({seconds})")
    helper = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert helper.stdout.readline().strip() == "held"
    helper.stdout.close()
    return helper


def test_a_rerun_right_after_a_stopped_run_waits_for_its_lock_instead_of_refusing(tmp_path):
    """After a SIGTERM (exit 143) the same command was refused with exit 75, naming the dead run."""
    lock = tmp_path / ".2026Q3.lock"
    helper = _dead_run_holding(lock, 1.0)
    started = time.monotonic()
    with RunLock(lock):
        assert time.monotonic() - started >= 0.5  # it waited for the straggler, then took the lock
    helper.wait()


def test_a_dead_runs_lock_still_held_after_the_wait_says_what_holds_it(tmp_path, monkeypatch):
    from tagkit.pipeline import lock as lock_module

    monkeypatch.setattr(lock_module, "DEAD_HOLDER_WAIT_S", 0.3)
    lock = tmp_path / ".2026Q3.lock"
    helper = _dead_run_holding(lock, 5.0)
    try:
        with pytest.raises(RunLocked, match=r"That run has ended, but processes it started still hold the lock; "
                                            r"find them with `fuser"):
            RunLock(lock).acquire()
    finally:
        helper.kill()
        helper.wait()
