"""A run folder (``OUT/<quarter>/``): the one place that names the files the steps read and write.

The run folder is the interface between the steps: validation writes ``clean/`` and ``quarantine/``,
the score step reads them and writes ``scores.parquet`` and the prescription's tables, the reports
read all of it. Every module names those files through :class:`RunFolder`, so a file is spelled once.

>>> folder = RunFolder(Path("out/2026Q3"))
>>> folder.scores_path.as_posix()
'out/2026Q3/scores.parquet'
>>> folder.previous("2026Q3").path.as_posix()
'out/2026Q2'

Below contract and params in the layers: this module imports nothing above them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import polars as pl

from tagkit.contract import report_filename
from tagkit.errors import InputError
from tagkit.outputs import write_table
from tagkit.quarters import shift_quarter

# the prescription's management tables, beside scores.parquet (tagkit.prescription.output writes them)
PRESCRIPTION_TABLES = ("reps", "regions", "transitions", "radiation", "coverage_gaps", "quality_index",
                       "region_alerts", "region_alert_breakdown")
# this quarter's action list and what became of last quarter's (tagkit.actions.run)
ACTION_TABLES = ("actions", "action_results")

_SCORE_FIRST = "Run the score step first (tagkit run --only validate,score)."


@dataclass(frozen=True)
class RunFolder:
    """One run's folder; its attributes name the files in it, its methods read and write the simple ones."""

    path: Path

    SCORES: ClassVar[str] = "scores.parquet"
    VALIDATION_JSON: ClassVar[str] = "validation.json"
    VALIDATION_HTML: ClassVar[str] = "validation.html"
    RISK_MODEL: ClassVar[str] = "risk_model.json"
    PREVIOUS_TAGS: ClassVar[str] = "previous_tags.json"  # where this run's previous_tag came from
    BACKTEST_JSON: ClassVar[str] = "backtest.json"
    BACKTEST_PARQUET: ClassVar[str] = "backtest.parquet"
    ACTION_LIST: ClassVar[str] = "actions.parquet"
    ACTION_RESULTS: ClassVar[str] = "action_results.parquet"
    ACTION_RETURNS: ClassVar[str] = "action_returns.parquet"
    ACTION_SUMMARY: ClassVar[str] = "action_summary.json"
    FEATURES_CHECK: ClassVar[str] = "features_check.json"  # the record of the features table it scored from
    MANIFEST: ClassVar[str] = "manifest.json"
    MADE_FOR: ClassVar[str] = "made_for.json"
    RUN_STATUS: ClassVar[str] = "run_status.json"  # per-region outcomes: the runner writes it, the index reads it
    STATE: ClassVar[str] = ".tagkit-state.json"  # an unfinished run's finished notebooks
    INDEX: ClassVar[str] = "index.html"
    RUN_LOG: ClassVar[str] = "run.log"
    # folders: validated inputs, rows set aside, and what the report step writes per region
    CLEAN: ClassVar[str] = "clean"
    QUARANTINE: ClassVar[str] = "quarantine"
    REPORTS: ClassVar[str] = "reports"
    EXPORTS: ClassVar[str] = "exports"
    ACTIONS: ClassVar[str] = "actions"
    DIGESTS: ClassVar[str] = "digests"
    NOTEBOOKS: ClassVar[str] = "notebooks"

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(self.path))

    @classmethod
    def of(cls, run_dir: str | Path | RunFolder) -> RunFolder:
        """``run_dir`` as a RunFolder (kept when it is one)."""
        return run_dir if isinstance(run_dir, RunFolder) else cls(Path(run_dir))

    def file(self, name: str) -> Path:
        return self.path / name

    # --- the files -------------------------------------------------------------------------------
    @property
    def scores_path(self) -> Path:
        return self.path / self.SCORES

    @property
    def validation_json(self) -> Path:
        return self.path / self.VALIDATION_JSON

    @property
    def validation_html(self) -> Path:
        """``validation.html``, in the reports' language (a copy of one of :meth:`validation_html_in`)."""
        return self.path / self.VALIDATION_HTML

    def validation_html_in(self, lang: str) -> Path:
        return self.path / f"validation.{lang}.html"

    @property
    def validation_files(self) -> tuple[Path, ...]:
        """Everything the validate step writes beside the tables: its report in each language, and the summary."""
        return (self.validation_html, *(self.validation_html_in(lang) for lang in ("en", "zh")), self.validation_json)

    @property
    def clean_dir(self) -> Path:
        return self.path / self.CLEAN

    @property
    def quarantine_dir(self) -> Path:
        return self.path / self.QUARANTINE

    def clean(self, table: str) -> Path:
        """A validated input table, ``clean/<table>.parquet``."""
        return self.clean_dir / f"{table}.parquet"

    def quarantine(self, table: str) -> Path:
        """A table's rows set aside by validation, ``quarantine/<table>.parquet``."""
        return self.quarantine_dir / f"{table}.parquet"

    def table_path(self, name: str) -> Path:
        """A table beside the scores (the prescription's, the action lists): ``<name>.parquet``."""
        return self.path / f"{name}.parquet"

    @property
    def reports_dir(self) -> Path:
        return self.path / self.REPORTS

    def report(self, region: str) -> Path:
        """A region's report, ``reports/<region>.html`` (:func:`tagkit.contract.report_filename`)."""
        return self.reports_dir / report_filename(region)

    @property
    def exports_dir(self) -> Path:
        return self.path / self.EXPORTS

    @property
    def actions_dir(self) -> Path:
        return self.path / self.ACTIONS

    @property
    def digests_dir(self) -> Path:
        return self.path / self.DIGESTS

    @property
    def notebooks_dir(self) -> Path:
        return self.path / self.NOTEBOOKS

    # --- neighbours ------------------------------------------------------------------------------
    def sibling(self, quarter: str) -> RunFolder:
        """Another quarter's run folder in the same output folder (``OUT/2026Q2`` beside ``OUT/2026Q3``)."""
        return RunFolder(self.path.parent / quarter)

    def previous(self, quarter: str) -> RunFolder:
        """The run folder of the quarter before ``quarter`` (this folder's quarter), published or not."""
        return self.sibling(shift_quarter(quarter, -1))

    # --- readers and writers ---------------------------------------------------------------------
    def scores(self, columns: list[str] | None = None) -> pl.DataFrame:
        """``scores.parquet``; an :class:`InputError` saying which step to run when it is missing."""
        if not self.scores_path.exists():
            raise InputError(f"{self.scores_path}: missing. {_SCORE_FIRST}")
        return pl.read_parquet(self.scores_path, columns=columns)

    def read_json(self, name: str, *, missing: str | None = None) -> Any:
        """A JSON file of the run; None when absent, or an :class:`InputError` ending with ``missing``
        (what to run) when that is given."""
        path = self.path / name
        if not path.exists():
            if missing is None:
                return None
            raise InputError(f"{path}: missing. {missing}")
        return json.loads(path.read_text(encoding="utf-8"))

    def write_json(self, name: str, doc: Any, *, indent: int = 1, sort_keys: bool = True) -> Path:
        """``doc`` as UTF-8 JSON text (CJK as it is) with a final newline; returns the path."""
        path = self.path / name
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=indent, sort_keys=sort_keys) + "\n",
                        encoding="utf-8")
        return path

    def read_table(self, name: str) -> pl.DataFrame | None:
        """``<name>.parquet`` beside the scores, or None when this run did not write it."""
        path = self.table_path(name)
        return pl.read_parquet(path) if path.exists() else None

    def write_table(self, name: str, frame: pl.DataFrame) -> Path:
        """``frame`` as ``<name>.parquet`` beside the scores; same rows, same bytes
        (:func:`tagkit.outputs.write_table`)."""
        path = self.table_path(name)
        write_table(frame, path)
        return path
