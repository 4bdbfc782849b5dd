"""One small error hierarchy, so the CLI can turn user errors into one clear paragraph.

Messages follow one template (see STYLE.md):
``<file>: column '<col>' must be <expected>; got <actual> in <n> rows (e.g. rows 12, 40). <How to fix>.``
"""
from __future__ import annotations

from collections.abc import Sequence


class TagkitError(Exception):
    """Base of every error tagkit raises on purpose; the CLI prints it without a traceback."""

    exit_code = 1


class UsageError(TagkitError):
    """Invalid command-line usage or parameters (unknown key, wrong type, malformed quarter)."""

    exit_code = 2


class ParamsError(UsageError):
    """The params files do not match the typed params model."""


class InputError(TagkitError):
    """An input file or folder cannot be used as it is (missing, unreadable, wrong columns)."""

    exit_code = 3


class ValidationBlocked(TagkitError):
    """Blocking validation failures: the run stops before scoring.

    ``failures`` holds every blocking message, so a user fixes them all in one go.
    """

    exit_code = 3

    def __init__(self, failures: Sequence[str]) -> None:
        self.failures = list(failures)
        lines = "\n".join(f"  - {f}" for f in self.failures)
        super().__init__(f"validation blocked the run ({len(self.failures)} problem(s)):\n{lines}")


def example_rows(rows: Sequence[int], limit: int = 5) -> str:
    """Format row numbers for a message: ``rows 12, 40, 41`` (1-based data rows)."""
    shown = ", ".join(str(r) for r in list(rows)[:limit])
    more = f" and {len(rows) - limit} more" if len(rows) > limit else ""
    return f"rows {shown}{more}"


class StepFailed(TagkitError):
    """A notebook failed for a reason that is not the user's input (a bug, a crashed kernel)."""

    exit_code = 1


class RegionsFailed(TagkitError):
    """Some region reports failed; the others and the index were written."""

    exit_code = 4


class RunLocked(TagkitError):
    """Another tagkit run is writing the same quarter's folder; a scheduler may simply try again later."""

    exit_code = 75  # EX_TEMPFAIL from sysexits.h: "try again later"


class Interrupted(TagkitError):
    """The run was stopped by SIGINT (Ctrl-C) or SIGTERM; the next run resumes where it stopped."""

    def __init__(self, signum: int) -> None:
        import signal

        self.signum = signum
        self.exit_code = 128 + signum  # the shell's convention: 130 for SIGINT, 143 for SIGTERM
        super().__init__(f"interrupted by {signal.Signals(signum).name}; work finished so far is kept, "
                         "rerun the same command to resume.")


EXIT_OK = 0
EXIT_INTERRUPTED = 130
