"""Writing a prescription into the run folder (the only I/O of the package).

``scores.parquet`` itself is written by the pipeline step from ``prescription.customers``; this
module writes the management tables beside it, one ``<name>.parquet`` per
:data:`tagkit.run_folder.PRESCRIPTION_TABLES`. Written without statistics, like the scores, so that the same input
gives the same bytes.
"""
from __future__ import annotations

import logging
from pathlib import Path

from tagkit.prescription.engine import Prescription
from tagkit.run_folder import PRESCRIPTION_TABLES, RunFolder

logger = logging.getLogger(__name__)



def write_prescription(prescription: Prescription, run_dir: str | Path) -> dict[str, Path]:
    """Write the management tables (collecting them first if they are lazy); returns name → path."""
    folder = RunFolder(Path(run_dir))
    folder.path.mkdir(parents=True, exist_ok=True)
    collected = prescription.collect()
    paths = {}
    for name in PRESCRIPTION_TABLES:
        frame = getattr(collected, name)
        path = folder.write_table(name, frame)
        logger.info("wrote %s (%d rows)", path, frame.height)
        paths[name] = path
    return paths
