"""Where a streamed table's clean and quarantined rows go while it is validated.

A table too big for memory is read once: the pass that evaluates its expectations also
streams its clean and quarantined rows to parquet (``sink_parquet``) in a private
temporary folder, the spool. The result's frames of that table scan those files, so they
stay valid after the input is closed (transcoded copies of GBK files are removed then);
:func:`~tagkit.validation.outputs.write_validation_outputs` puts them in the run folder
with a hard link (a copy across file systems), without rewriting them.

The spool is removed when the result that uses it is garbage-collected, or at interpreter
exit. It lives in the system temporary folder (``TMPDIR``): point that at a disk, not a
RAM-backed tmpfs, when validating hundreds of millions of rows.
"""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
import weakref
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

# lz4 rather than polars' default zstd: the whole validate pass on 10M order lines took 8.1-8.6 s
# instead of 9.7-10.7 s (CPU-bound), for files about twice as big (247 MB instead of 135 MB).
PARQUET_OPTIONS: dict[str, Any] = {"compression": "lz4"}


class Spool:
    """A temporary folder, made on first use, for the parquet files of streamed tables.

    The folder goes with this object (a validation that fails half way leaves nothing), or,
    once :meth:`tie_to` was called, with the owner.
    """

    def __init__(self) -> None:
        self.folder: Path | None = None
        self._remove: weakref.finalize | None = None

    def path(self, kind: str, table: str) -> Path:
        """``<spool>/<kind>-<table>.parquet``; ``kind`` is ``clean`` or ``quarantine``."""
        if self.folder is None:
            self.folder = Path(tempfile.mkdtemp(prefix="tagkit-validation-"))
            self._remove = weakref.finalize(self, shutil.rmtree, self.folder, True)
        return self.folder / f"{kind}-{table}.parquet"

    def tie_to(self, owner: object) -> None:
        """Remove the folder once ``owner`` is garbage-collected (or at exit), not with this object."""
        if self._remove is not None and self.folder is not None and self._remove.detach() is not None:
            self._remove = weakref.finalize(owner, shutil.rmtree, self.folder, True)


def link_or_copy(source: Path, target: Path) -> None:
    """Make ``target`` hold ``source``'s bytes: a hard link when both are on one file system."""
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:
        logger.debug("cannot hard-link %s to %s; copying", source, target)
        shutil.copyfile(source, target)
