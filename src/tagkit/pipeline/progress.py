"""How a run tells a person (a progress bar) or a log file (one line per notebook) how far it is."""
from __future__ import annotations

import logging
from typing import Protocol

logger = logging.getLogger("tagkit.progress")


class Progress(Protocol):
    def add(self, n: int) -> None: ...
    def started(self, job: str) -> None: ...
    def finished(self, job: str, outcome: str, seconds: float) -> None: ...
    def close(self) -> None: ...


class LogLines:
    """``[3/11] report:华东 ok in 2.4 s`` — for cron, CI, ``--quiet`` and anything that is not a terminal."""

    def __init__(self) -> None:
        self.total = 0
        self.done = 0

    def add(self, n: int) -> None:
        self.total += n

    def started(self, job: str) -> None:
        logger.debug("[%d/%d] %s started", self.done + 1, self.total, job)

    def finished(self, job: str, outcome: str, seconds: float) -> None:
        self.done += 1
        level = logging.INFO if outcome in ("ok", "up to date") else logging.WARNING
        logger.log(level, "[%d/%d] %s %s in %.1f s", self.done, self.total, job, outcome, seconds)

    def close(self) -> None:
        pass


class Bar(LogLines):
    """One bar over steps and regions on stderr; the lines still go to the run's log file."""

    def __init__(self) -> None:
        super().__init__()
        import shutil

        from tqdm import tqdm

        # a terminal that reports no size (a bare pty, some CI consoles) says 0x0, and tqdm hides a
        # bar that does not fit; shutil falls back to 80x24 there
        size = shutil.get_terminal_size()
        # counts steps and region reports, each one notebook: "3/11 steps and reports"
        self._bar = tqdm(total=0, ncols=size.columns, nrows=size.lines, leave=True, desc="tagkit",
                         bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} steps and reports "
                                    "[{elapsed}<{remaining}{postfix}]")

    def add(self, n: int) -> None:
        super().add(n)
        self._bar.total = self.total
        self._bar.refresh()

    def started(self, job: str) -> None:
        super().started(job)
        self._bar.set_postfix_str(job, refresh=True)

    def finished(self, job: str, outcome: str, seconds: float) -> None:
        super().finished(job, outcome, seconds)
        self._bar.update(1)
        if outcome not in ("ok", "up to date"):
            self._bar.write(f"{job}: {outcome}")

    def close(self) -> None:
        self._bar.set_postfix_str("done", refresh=True)
        self._bar.close()
