"""Write a validation result into the run folder.

``clean/<table>.parquet`` and ``quarantine/<table>.parquet`` for every table given
(quarantine also when empty, with its schema), ``validation.json`` (the summary of
:meth:`ValidationResult.summary`) and ``validation.html``. Same result, same bytes.

A streamed table's rows were already written to parquet while it was validated
(:mod:`.spool`): those files are linked into the run folder, not written again. Other
lazy frames are streamed to parquet (``sink_parquet``), never collected.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import polars as pl

from tagkit.lang import LANGUAGES
from tagkit.outputs import write_table
from tagkit.run_folder import RunFolder
from tagkit.validation.evaluate import ENGINE
from tagkit.validation.html import render_validation_html
from tagkit.validation.result import Frame, ValidationResult
from tagkit.validation.spool import PARQUET_OPTIONS, link_or_copy

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


def _write_tables(kind: str, frames: dict[str, Frame], spooled: dict[str, Path], run: RunFolder) -> dict[str, Path]:
    place = run.clean if kind == "clean" else run.quarantine
    (run.clean_dir if kind == "clean" else run.quarantine_dir).mkdir(parents=True, exist_ok=True)
    paths = {name: place(name) for name in frames}
    sinks = []
    for name, frame in frames.items():
        if f"{kind}/{name}" in spooled:  # a streamed table: written while it was validated
            link_or_copy(spooled[f"{kind}/{name}"], paths[name])
        elif isinstance(frame, pl.LazyFrame):
            sinks.append(frame.sink_parquet(paths[name], lazy=True, **PARQUET_OPTIONS))
        else:
            write_table(frame, paths[name], statistics=True)
    if sinks:
        pl.collect_all(sinks, engine=ENGINE)
    return paths


def write_validation_outputs(result: ValidationResult, run_dir: Path, language: str = "en") -> None:
    """Write the clean and quarantined rows, ``validation.json`` and ``validation.html`` (in ``language``,
    and beside it ``validation.<zh|en>.html`` in both, so the index step can show the one the reports
    are written in without validating again)."""
    run = RunFolder(run_dir)
    _write_tables("clean", result.clean, result.spooled, run)
    quarantine = _write_tables("quarantine", result.quarantine, result.spooled, run)
    summary = json.dumps(_plain(result.summary()), indent=2, ensure_ascii=False, allow_nan=False)
    run.validation_json.write_text(summary + "\n", encoding="utf-8")
    # the report's example rows come from the quarantine files just written
    written = replace(result, quarantine={name: pl.scan_parquet(path) for name, path in quarantine.items()})
    for lang in LANGUAGES:
        run.validation_html_in(lang).write_text(render_validation_html(written, lang), encoding="utf-8")
    show_validation_in(run_dir, language)
    logger.info("validation outputs written to %s", run_dir)


def show_validation_in(run_dir: Path, language: str) -> None:
    """``validation.html`` in ``language``: the report's language, like the region reports."""
    run = RunFolder(run_dir)
    source = run.validation_html_in(language)
    if source.exists():
        run.validation_html.write_bytes(source.read_bytes())
