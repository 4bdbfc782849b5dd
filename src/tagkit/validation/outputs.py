"""Write a validation result into the run folder.

``clean/<table>.parquet`` and ``quarantine/<table>.parquet`` for every table given
(quarantine also when empty, with its schema), ``validation.json`` (the summary of
:meth:`ValidationResult.summary`) and ``validation.html``. Same result, same bytes.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import math
from pathlib import Path
from typing import Any

from tagkit.validation.html import render_validation_html
from tagkit.validation.result import ValidationResult

logger = logging.getLogger(__name__)


def _plain(value: Any) -> Any:
    """JSON-safe and strict: dates as ISO text, non-finite floats as strings."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def write_validation_outputs(result: ValidationResult, run_dir: Path) -> None:
    """Write the clean and quarantined rows, ``validation.json`` and ``validation.html``."""
    for sub, frames in (("clean", result.clean), ("quarantine", result.quarantine)):
        folder = run_dir / sub
        folder.mkdir(parents=True, exist_ok=True)
        for name, frame in frames.items():
            frame.write_parquet(folder / f"{name}.parquet")
    summary = json.dumps(_plain(result.summary()), indent=2, ensure_ascii=False, allow_nan=False)
    (run_dir / "validation.json").write_text(summary + "\n", encoding="utf-8")
    (run_dir / "validation.html").write_text(render_validation_html(result), encoding="utf-8")
    logger.info("validation outputs written to %s", run_dir)
