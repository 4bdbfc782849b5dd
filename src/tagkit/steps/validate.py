"""What notebooks/01_validate.ipynb calls: validate the data folder into the run folder.

:func:`ensure_validated` is the later notebooks' "make what is missing first": run on their own on a
run folder without validated tables, they validate here as 01 would.
"""
from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import polars as pl

from tagkit.errors import UsageError, ValidationBlocked
from tagkit.io import load_dataset
from tagkit.params import Params
from tagkit.quarters import quarter_outside_data
from tagkit.run_folder import RunFolder
from tagkit.steps import made_for
from tagkit.steps.common import setup
from tagkit.validation import ValidationResult, raise_if_blocked, validate_dataset, write_validation_outputs

__all__ = ["ensure_validated", "quarantine_reasons", "run_validation", "setup", "validation_summary"]

logger = logging.getLogger(__name__)


def run_validation(data_dir: str | Path, *, quarter: str, run_dir: str | Path, params: Params,
                   actions_dir: str | Path = "") -> ValidationResult:
    """Read the data folder, validate it, write clean tables, quarantine and validation.html.

    ``actions_dir``: last quarter's filled-in action lists, when they are not in the data folder's ``actions/``.

    Raises :class:`ValidationBlocked` after writing the report, so the reason is on disk too.
    """
    run = Path(run_dir)
    run.mkdir(parents=True, exist_ok=True)
    made = made_for.MadeFor.of(quarter=quarter, data_dir=Path(data_dir), run_dir=run, params=params)
    made_for.forget(run, "validate", "score")  # rewritten now: nothing after may read them until this ends well
    try:
        actions = Path(actions_dir) if actions_dir else None
        with load_dataset(Path(data_dir), io=params.io, actions_dir=actions) as dataset:
            try:
                result = validate_dataset(dataset.tables, quarter=quarter, params=params.validation,
                                          missing=dataset.missing)
            except pl.exceptions.PolarsError as exc:
                # intake checks headers and first rows; a broken line deeper in a file only shows when read
                files = ", ".join(str(p.relative_to(dataset.data_dir)) for ps in dataset.sources.values() for p in ps)
                raise ValidationBlocked([
                    f"{data_dir}: a file could not be read to the end ({type(exc).__name__}: "
                    f"{str(exc).splitlines()[0]}). Files read: {files}. Check the line named above for a stray "
                    "quote, separator or a different number of fields, and export the file again."
                ]) from exc
    except ValidationBlocked as exc:
        # intake could not read the folder: the report still says why, before the run stops
        write_validation_outputs(
            ValidationResult(quarter=quarter, clean={}, quarantine={}, expectations=[], accounting={},
                             blocking=exc.failures, warnings=[]),
            run, params.report.language,
        )
        raise
    write_validation_outputs(result, run, params.report.language)
    # a quarter the data does not cover is the command's mistake: said first, whatever else validation found
    problem = quarter_outside_data(quarter, *_order_span(run))
    if problem:
        raise UsageError(f"{data_dir}: {problem}")
    raise_if_blocked(result)
    made_for.record(run, "validate", made)
    return result


def _order_span(run: Path) -> tuple[dt.date | None, dt.date | None]:
    """The first and last order date of the data: the clean lines and those set aside only for being later
    than the quarter (None when the orders could not be read)."""
    clean, aside = RunFolder(run).clean("orders"), RunFolder(run).quarantine("orders")
    if not clean.exists():
        return None, None
    dates = [pl.scan_parquet(clean).select("order_date")]
    if aside.exists():
        dates.append(pl.scan_parquet(aside).filter(pl.col("reason") == "after_quarter_end").select("order_date"))
    span = pl.concat(dates).select(first=pl.col("order_date").min(), last=pl.col("order_date").max()).collect()
    return span["first"][0], span["last"][0]


def validation_summary(run_dir: str | Path) -> dict:
    """The run's ``validation.json``."""
    return RunFolder.of(run_dir).read_json(RunFolder.VALIDATION_JSON, missing="Run the validate step first.")


def quarantine_reasons(run_dir: str | Path) -> pl.DataFrame:
    """Rows set aside (or with a value nulled) per table and reason code."""
    tables = validation_summary(run_dir)["tables"]
    rows = [(name, reason, n) for name, acc in tables.items() for reason, n in sorted(acc["by_reason"].items())]
    return pl.DataFrame(rows, schema=[("table", pl.String), ("reason", pl.String), ("rows", pl.Int64)], orient="row")


def ensure_validated(data_dir: str | Path, *, quarter: str, run_dir: str | Path, params: Params) -> list[str]:
    """Validate into ``run_dir`` unless its clean tables are there; returns the steps it ran (``[]`` or
    ``["validate"]``).

    ``tagkit run`` runs notebooks/01_validate.ipynb first, so this does nothing there; a later notebook
    run on its own (plain papermill, JupyterLab) gets the same tables 01 would have written.
    """
    if RunFolder.of(run_dir).clean("customers").exists() and made_for.finished(Path(run_dir), "validate"):
        made_for.expect(Path(run_dir), "validate", quarter=quarter, params=params,
                        data_sha256=made_for.data_hash(Path(data_dir), Path(run_dir)))
        return []
    # a warning, not info: the library configures no handlers, and this is the level a notebook shows
    logger.warning("%s: no finished validation, so validating %s here first (as notebooks/01_validate.ipynb does)",
                   run_dir, data_dir)
    run_validation(data_dir, quarter=quarter, run_dir=run_dir, params=params)
    return ["validate"]
