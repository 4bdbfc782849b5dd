"""The run's process around its notebooks: signals that end it in order, and ``run.log``, which every
worker's records reach."""
from __future__ import annotations

import logging
import logging.handlers
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tagkit.errors import Interrupted

LOG_FORMAT = "%(asctime)s %(processName)s %(levelname)s %(name)s: %(message)s"


@contextmanager
def signals_raise_interrupted() -> Iterator[None]:
    """SIGTERM (a scheduler stopping us) and SIGINT (Ctrl-C) both end the run the same orderly way."""
    def handler(signum: int, frame: object) -> None:
        raise Interrupted(signum)

    previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    for s in previous:
        signal.signal(s, handler)
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


class _ToRecordLogger(logging.Handler):
    """Hands a worker's log record to the parent's logger of the same name, so levels and handlers apply."""

    def emit(self, record: logging.LogRecord) -> None:
        logging.getLogger(record.name).handle(record)


@contextmanager
def run_log(path: Path) -> Iterator[Any]:
    """Everything — ours, papermill's, every notebook's output — goes to ``run.log`` in the run folder."""
    import multiprocessing as mp

    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(min(old_level or logging.INFO, logging.INFO))
    log_queue = mp.get_context("spawn").Queue()
    listener = logging.handlers.QueueListener(log_queue, _ToRecordLogger(), respect_handler_level=False)
    listener.start()
    try:
        yield log_queue
    finally:
        listener.stop()
        log_queue.close()
        root.removeHandler(handler)
        root.setLevel(old_level)
        handler.close()
