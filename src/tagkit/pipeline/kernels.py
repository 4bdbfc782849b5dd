"""A warm Jupyter kernel that a pool worker keeps for the notebooks it runs.

Starting a kernel and importing tagkit (polars, Altair) costs about 3 s of CPU; a quarter
runs ten notebooks or more, so each worker starts one kernel, imports tagkit once, and
between notebooks clears the user namespace (``%reset -f``) and resets the execution
counter, which leaves each notebook the state a fresh kernel would give it apart from the
modules already imported. After a notebook fails, the kernel is replaced, not reused.
``fresh=True`` gives every notebook its own new kernel instead (``tagkit run --fresh-kernels``).
"""
from __future__ import annotations

import fcntl
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from jupyter_client import BlockingKernelClient, KernelManager

logger = logging.getLogger(__name__)

# jsonschema (imported by Altair, nbformat and papermill) checks the "iri" format with rfc3987_syntax when
# it is installed (jupyterlab's dependencies install it), which builds a Lark grammar at import: ~1 s of
# CPU in every process. Nothing tagkit validates uses that format, so pool workers and their kernels skip
# it; measured: importing tagkit 1.71 s -> 0.57 s, papermill 1.43 s -> 0.37 s (2-core machine).
SKIP_SLOW_IMPORTS = "import sys; sys.modules.setdefault('rfc3987_syntax', None)"
# imported (and the Vega bundle read) once per kernel, while other work runs
PRELOAD = (f"{SKIP_SLOW_IMPORTS}; import tagkit.steps.region_report, tagkit.steps.index, "
           "tagkit.report.assets as _a; _a.vega_bundle(); del _a, sys")
# what a fresh kernel would look like to the next notebook; imported modules stay
# reset(new_session=True) clears the namespace, restarts the execution counter at 1 and opens a new
# history session (a counter restarted in the old one would clash in IPython's history database)
RESET = "get_ipython().reset(new_session=True); __import__('gc').collect()"
START_TIMEOUT = 120


class KernelStartFailed(RuntimeError):
    pass


# jupyter_client picks a kernel's ports by binding free ones and letting them go; the kernel binds
# them a moment later. Two kernels started at once (two workers, two runs) can pick the same port,
# and one dies with ZMQ's "Address already in use". So kernel starts on a machine take turns: the
# lock is held until the kernel answers, its ports bound, before the next one picks.
START_LOCK = Path(tempfile.gettempdir()) / "tagkit-kernel-start.lock"


@contextmanager
def taking_turns() -> Iterator[None]:
    # read-only is enough for flock, and opens a lock file another user created
    fd = os.open(START_LOCK, os.O_RDONLY | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def start_with_retry(start: Callable[[], KernelManager], *, what: str) -> KernelManager:
    """Kernel starts fail now and then on a loaded machine (a port taken, a slow disk): try once more."""
    try:
        return start()
    except Exception as first:  # noqa: BLE001 - any start failure is worth one retry
        logger.warning("%s: kernel did not start (%s: %s); retrying once", what, type(first).__name__, first)
        try:
            return start()
        except Exception as second:
            raise KernelStartFailed(
                f"{what}: kernel did not start twice: {type(second).__name__}: {second}") from second


class WarmKernel:
    def __init__(self, kernel_name: str, cwd: Path, *, fresh: bool = False) -> None:
        self.kernel_name = kernel_name
        self.cwd = cwd
        self.fresh = fresh
        self.km: KernelManager | None = None
        self.kc: BlockingKernelClient | None = None
        self._dirty = False  # the last notebook failed: replace the kernel
        self._used = False  # a notebook ran since the kernel started: reset before the next

    def _start_once(self) -> KernelManager:
        # nbclient drives the kernel with asyncio, so it must get async clients from this manager
        km = KernelManager(kernel_name=self.kernel_name,
                           client_class="jupyter_client.asynchronous.AsyncKernelClient")
        with taking_turns():
            km.start_kernel(cwd=str(self.cwd))
            # our own client, kept for the kernel's life: connecting one per reset costs about half a second
            kc = BlockingKernelClient()
            kc.load_connection_info(km.get_connection_info())
            kc.start_channels()
            try:
                kc.wait_for_ready(timeout=START_TIMEOUT)
            except Exception:
                kc.stop_channels()
                km.shutdown_kernel(now=True)
                raise
        try:
            self._run(kc, "pass" if self.fresh else PRELOAD)
        except Exception:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
            raise
        self.kc = kc
        return km

    @staticmethod
    def _run(kc: BlockingKernelClient, code: str) -> None:
        reply = kc.execute_interactive(code, silent=True, store_history=False, timeout=START_TIMEOUT,
                                       output_hook=lambda msg: None)
        if reply["content"]["status"] != "ok":
            content = reply["content"]
            raise RuntimeError(f"{content.get('ename')}: {content.get('evalue')}")

    def acquire(self, what: str) -> KernelManager:
        """A kernel ready for the next notebook."""
        if self.km is not None and (self.fresh or self._dirty or not self.km.is_alive()):
            self.shutdown()
        if self.km is None:
            self.km = start_with_retry(self._start_once, what=what)
        elif self._used and self.kc is not None:
            self._run(self.kc, RESET)
        self._used = True
        return self.km

    def release(self, *, failed: bool) -> None:
        """After a notebook: a failed one may have left the kernel in any state, so it is not reused."""
        self._dirty = failed

    def warm(self) -> None:
        if not self.fresh and self.km is None:
            self.km = start_with_retry(self._start_once, what="warm-up")
            self._used = False

    def shutdown(self) -> None:
        if self.kc is not None:
            self.kc.stop_channels()
            self.kc = None
        if self.km is None:
            return
        try:
            self.km.shutdown_kernel(now=True)
        except Exception as exc:  # noqa: BLE001 - a kernel already gone is what we wanted
            logger.debug("kernel shutdown: %s", exc)
        self.km = None
        self._used = False
        self._dirty = False
