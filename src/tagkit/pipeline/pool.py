"""Run notebooks with papermill in a pool of worker processes (never threads).

papermill changes the process's working directory per notebook, so threads race; processes
do not. Each worker keeps one warm kernel (:mod:`tagkit.pipeline.kernels`) and logs through a
queue to the parent, which writes the run's log. The parent stops workers with SIGTERM, which
each turns into a clean shutdown of its kernel; Ctrl-C is the parent's to handle, so workers
ignore SIGINT. A worker that dies (out of memory, killed) fails only its own notebook and is
replaced.
"""
from __future__ import annotations

import logging
import logging.handlers
import multiprocessing as mp
import queue
import signal
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    id: str  # "validate", "report:华东" …
    source: Path
    target: Path
    parameters: dict[str, Any]


@dataclass
class JobResult:
    id: str
    outcome: str  # ok | failed (a cell raised) | crashed (kernel or worker died, papermill error)
    seconds: float
    ename: str = ""
    evalue: str = ""
    cell: int | None = None  # execution count of the failing cell, as shown in the notebook
    detail: str = ""
    worker: int = -1
    attempts: dict[str, Any] = field(default_factory=dict)


def _sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _worker_main(worker: int, tasks: Any, results: Any, log_queue: Any, kernel_name: str, cwd: str,
                 fresh: bool) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _sigterm)
    root = logging.getLogger()
    root.handlers[:] = [logging.handlers.QueueHandler(log_queue)]
    root.setLevel(logging.INFO)
    # each notebook's kernel client is left to the garbage collector (nbclient stops only clients it
    # owns), which then warns that it "could not destroy zmq context": true, and harmless
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    from tagkit.pipeline.kernels import SKIP_SLOW_IMPORTS, WarmKernel

    exec(SKIP_SLOW_IMPORTS)
    import papermill  # noqa: F401 - imported now, while the first kernel starts, not on the first notebook

    kernel = WarmKernel(kernel_name, Path(cwd), fresh=fresh)
    try:
        kernel.warm()  # while the parent hashes inputs and other workers run the first steps
        while (job := tasks.get()) is not None:
            results.put(("start", worker, job.id))
            results.put(("done", worker, _execute(job, kernel, worker)))
    except KeyboardInterrupt:
        pass
    except Exception:  # noqa: BLE001 - reported as a log line; the parent sees the worker die
        logging.getLogger(__name__).error("worker %d stopped:\n%s", worker, traceback.format_exc())
    finally:
        kernel.shutdown()


def _execute(job: Job, kernel: Any, worker: int) -> JobResult:
    import papermill
    from papermill.exceptions import PapermillExecutionError

    t0 = time.monotonic()
    log = logging.getLogger(__name__)
    job.target.parent.mkdir(parents=True, exist_ok=True)
    failed = True
    try:
        km = kernel.acquire(job.id)
        papermill.execute_notebook(str(job.source), str(job.target), parameters=job.parameters,
                                   kernel_name=kernel.kernel_name, progress_bar=False, log_output=True, km=km)
        failed = False
        return JobResult(job.id, "ok", round(time.monotonic() - t0, 3), worker=worker)
    except PapermillExecutionError as exc:
        # for run.log; the terminal hears it once, from the runner's error (console: False, see tagkit.cli)
        log.error("%s: cell %s raised %s: %s", job.id, exc.cell_index, exc.ename, exc.evalue,
                  extra={"console": False})
        # exec_count is the "In [n]" a reader sees in the executed notebook
        return JobResult(job.id, "failed", round(time.monotonic() - t0, 3), ename=exc.ename,
                         evalue=str(exc.evalue), cell=exc.exec_count, worker=worker)
    except Exception as exc:  # noqa: BLE001 - a dead kernel or a papermill error fails this notebook only
        log.error("%s: %s: %s", job.id, type(exc).__name__, exc)
        return JobResult(job.id, "crashed", round(time.monotonic() - t0, 3), ename=type(exc).__name__,
                         evalue=str(exc), detail=traceback.format_exc(), worker=worker)
    finally:
        kernel.release(failed=failed)


class NotebookPool:
    """``workers`` processes, each with a warm kernel; :meth:`run` executes jobs and yields results."""

    def __init__(self, workers: int, *, kernel_name: str, cwd: Path, log_queue: Any, fresh: bool = False) -> None:
        self._ctx = mp.get_context("spawn")  # polars' thread pool does not survive fork
        self._tasks = self._ctx.Queue()
        self._results = self._ctx.Queue()
        self._args = (kernel_name, str(cwd), fresh)
        self._log_queue = log_queue
        self._procs: dict[int, Any] = {}
        self._next = 0
        for _ in range(max(1, workers)):
            self._spawn()

    def _spawn(self) -> None:
        worker, self._next = self._next, self._next + 1
        proc = self._ctx.Process(target=_worker_main, name=f"tagkit-worker-{worker}", daemon=True,
                                 args=(worker, self._tasks, self._results, self._log_queue, *self._args))
        proc.start()
        self._procs[worker] = proc

    def run(self, jobs: Iterable[Job], *, on_start: Callable[[str], None] = lambda _: None) -> Iterator[JobResult]:
        """Yield a :class:`JobResult` per job, in the order they finish."""
        pending = {job.id: job for job in jobs}
        for job in pending.values():
            self._tasks.put(job)
        running: dict[int, str] = {}
        while pending:
            try:
                kind, worker, payload = self._results.get(timeout=0.5)
            except queue.Empty:
                yield from self._reap(running, pending)
                continue
            if kind == "start":
                running[worker] = payload
                on_start(payload)
            else:
                running.pop(worker, None)
                pending.pop(payload.id, None)
                yield payload

    def _reap(self, running: dict[int, str], pending: dict[str, Job]) -> Iterator[JobResult]:
        for worker, proc in list(self._procs.items()):
            if proc.is_alive():
                continue
            del self._procs[worker]
            job_id = running.pop(worker, None)
            logger.error("worker %d died (exit code %s)%s", worker, proc.exitcode,
                         f" while running {job_id}" if job_id else "")
            self._spawn()
            if job_id is not None and job_id in pending:
                del pending[job_id]
                yield JobResult(job_id, "crashed", 0.0, ename="WorkerDied",
                                evalue=f"the worker process exited with code {proc.exitcode} "
                                       "(-9 usually means the system ran out of memory)", worker=worker)

    def close(self) -> None:
        for _ in self._procs:
            self._tasks.put(None)
        for proc in self._procs.values():
            proc.join(timeout=30)
        self.terminate()

    def terminate(self) -> None:
        """Stop every worker now: SIGTERM (each shuts its kernel down), then SIGKILL after a grace period."""
        for proc in self._procs.values():
            if proc.is_alive():
                proc.terminate()
        deadline = time.monotonic() + 10
        for proc in self._procs.values():
            proc.join(timeout=max(0.1, deadline - time.monotonic()))
            if proc.is_alive():
                proc.kill()
                proc.join(timeout=5)
        self._procs.clear()
        for q in (self._tasks, self._results):
            q.cancel_join_thread()
            q.close()
