"""``tagkit features``: a data folder's features table (docs/features.md), written by polars, DuckDB or Spark.

The table must hold exactly what a plain ``tagkit run`` aggregates, so the order lines go through
the run's own intake and validation first (:func:`tagkit.steps.validate.run_validation`, into a
temporary run folder beside the output: at 100M lines its clean orders are gigabytes, which a small
/tmp may not hold), and the engine reads the clean orders from there. The quarter and
``quarter_end_days`` come the way a run takes them: ``latest`` resolved as a run resolves it, the days
from params ``prescription.speculator.quarter_end_days`` (``--params`` on top of params/*.yaml).
"""
from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

from tagkit.errors import UsageError, ValidationBlocked
from tagkit.panel.engines import ENGINES, make_features
from tagkit.params import load_params
from tagkit.pipeline.plan import check_data_folder, resolve_quarter
from tagkit.project import project_root
from tagkit.quarters import quarter_end
from tagkit.run_folder import RunFolder
from tagkit.steps.validate import run_validation

logger = logging.getLogger(__name__)



def _check_folders(data_dir: Path, out: Path) -> None:
    check_data_folder(data_dir)
    if out.is_dir():
        raise UsageError(f"{out}: --out must be the features file to write (e.g. {out / 'features.parquet'}); "
                         "it is a folder.")


def _keep_report(run: Path, out: Path) -> Path:
    """The blocked validation's report, kept beside ``out`` (the temporary run folder goes)."""
    kept = out.parent / f"{out.stem}-validation"
    kept.mkdir(parents=True, exist_ok=True)
    for path in RunFolder(run).validation_files:
        if path.exists():
            shutil.copy2(path, kept / path.name)
    return kept


def write_features_file(data_dir: str | Path, *, quarter: str, out: str | Path, engine: str = "polars",
                        params_file: str | Path | None = None, spark_master: str | None = None) -> Path:
    """Validate ``data_dir``'s tables as a run does, then write the features table of its clean order lines up
    to ``quarter``'s last day to ``out`` with ``engine``; returns ``out``.

    Raises :class:`ValidationBlocked` when validation blocks the data, its report kept in ``OUT-validation/``.
    """
    data, target = Path(data_dir), Path(out)
    if engine not in ENGINES:
        raise UsageError(f"--engine must be one of {', '.join(ENGINES)}; got {engine!r}.")
    _check_folders(data, target)
    params = load_params(project_root() / "params", Path(params_file) if params_file else None)
    quarter = resolve_quarter(quarter, data, params)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{target.stem}-", dir=target.parent) as tmp:
        run = Path(tmp) / "run"  # a level down: validation keeps a hash cache beside the run folder
        try:
            run_validation(data, quarter=quarter, run_dir=run, params=params)
        except ValidationBlocked as exc:
            kept = _keep_report(run, target)
            report = RunFolder(kept).validation_html
            raise ValidationBlocked([*exc.failures, f"the validation report: {report}"]) from exc
        return make_features(RunFolder(run).clean("orders"), target, as_of=quarter_end(quarter),
                             quarter_end_days=params.prescription.speculator.quarter_end_days,
                             engine=engine, spark_master=spark_master)
