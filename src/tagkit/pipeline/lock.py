"""One run per quarter folder at a time: an exclusive ``flock`` on ``<out>/.<quarter>.lock``.

The kernel releases a ``flock`` when its holder dies, however it dies (even SIGKILL), so a
crashed run never leaves a stale lock behind. The file's text names the holder, so the run
that is refused can say which run it is waiting for. (``flock`` is not reliable on some
network file systems; keep the output folder on a local disk or one that supports it.)
"""
from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import socket
import sys
import time
from pathlib import Path
from types import TracebackType

from tagkit.errors import RunLocked

# how long a run waits for the lock of a run that has already ended (its process is gone) to be let go:
# whatever it started may take a moment to exit, and a rerun straight after a stop must not be refused
DEAD_HOLDER_WAIT_S = 20.0


class RunLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        if not _lock(fd, wait_s=DEAD_HOLDER_WAIT_S if _holder_is_gone(fd) else 0.0):
            holder = _read_holder(fd)
            gone = _holder_is_gone(fd)
            os.close(fd)
            raise RunLocked(
                f"{self.path.parent}: another tagkit run is writing this quarter ({holder}). "
                + ("That run has ended, but processes it started still hold the lock; find them with "
                   f"`fuser {self.path}` and stop them, or wait, then run again." if gone else
                   "Wait for it to finish, or stop it, then run again.")
            )
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(_holder()).encode())
        os.fsync(fd)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        # the file stays: unlinking it would let a third run lock a new inode while a second still waits on the old
        os.ftruncate(self._fd, 0)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.release()


def _lock(fd: int, *, wait_s: float) -> bool:
    """Take the exclusive lock, trying again for up to ``wait_s`` seconds."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)


def _holder_info(fd: int) -> dict:
    """What the lock file says of the run holding it ({} while it is only starting, or unreadable)."""
    try:
        return json.loads(os.pread(fd, 4096, 0).decode() or "{}")
    except (OSError, ValueError):
        return {}


def _holder_is_gone(fd: int) -> bool:
    """Whether the run named in the lock file is a process of this machine that no longer exists."""
    info = _holder_info(fd)
    if info.get("host") != socket.gethostname() or not isinstance(info.get("pid"), int):
        return False
    try:
        os.kill(info["pid"], 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


def _holder() -> dict[str, object]:
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "user": os.environ.get("USER") or os.environ.get("LOGNAME") or str(os.getuid()),
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": " ".join(sys.argv),
    }


def _read_holder(fd: int) -> str:
    info = _holder_info(fd)
    if not info:
        return "holder unknown: it has only just started"
    return (f"pid {info.get('pid')} on {info.get('host')}, user {info.get('user')}, "
            f"started {info.get('started')}: {info.get('command')}")
