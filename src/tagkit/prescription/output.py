"""Writing a prescription into the run folder (the only I/O of the package).

``scores.parquet`` itself is written by the pipeline step from ``prescription.customers``; this
module writes the management tables beside it: ``reps.parquet``, ``regions.parquet``,
``transitions.parquet``, ``radiation.parquet``, ``coverage_gaps.parquet``,
``quality_index.parquet``, ``region_alerts.parquet`` and ``region_alert_breakdown.parquet``. Written without statistics, like the scores, so that the same input
gives the same bytes.
"""
from __future__ import annotations

import logging
from pathlib import Path

from tagkit.outputs import write_table
from tagkit.prescription.engine import Prescription

logger = logging.getLogger(__name__)

FILES = {
    "reps": "reps.parquet",
    "regions": "regions.parquet",
    "transitions": "transitions.parquet",
    "radiation": "radiation.parquet",
    "coverage_gaps": "coverage_gaps.parquet",
    "quality_index": "quality_index.parquet",
    "region_alerts": "region_alerts.parquet",
    "region_alert_breakdown": "region_alert_breakdown.parquet",
}


def write_prescription(prescription: Prescription, run_dir: str | Path) -> dict[str, Path]:
    """Write the management tables (collecting them first if they are lazy); returns name → path."""
    run = Path(run_dir)
    run.mkdir(parents=True, exist_ok=True)
    collected = prescription.collect()
    paths = {}
    for name, filename in FILES.items():
        frame = getattr(collected, name)
        path = run / filename
        write_table(frame, path)
        logger.info("wrote %s (%d rows)", path, frame.height)
        paths[name] = path
    return paths
