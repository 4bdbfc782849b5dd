"""What each notebook calls: one function per step, reading and writing the run folder.

The notebooks stay thin (one call per cell); these functions hold the I/O so
that scoring and reporting stay pure.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path

import polars as pl

from tagkit.errors import InputError, ValidationBlocked
from tagkit.io import load_dataset
from tagkit.params import Params, load_params
from tagkit.report import load_run_data, write_index, write_region_report
from tagkit.scoring import score_customers
from tagkit.validation import ValidationResult, raise_if_blocked, validate_dataset, write_validation_outputs

logger = logging.getLogger(__name__)

STATUS_FILE = "run_status.json"


def load_step_params(params_dir: str | Path, params_file: str | Path = "") -> Params:
    """The params a notebook runs with: defaults from ``params_dir`` and the user's file on top."""
    return load_params(Path(params_dir), Path(params_file) if params_file else None)


def run_validation(data_dir: str | Path, *, quarter: str, run_dir: str | Path, params: Params):
    """Read the data folder, validate it, write clean tables, quarantine and validation.html.

    Raises :class:`ValidationBlocked` after writing the report, so the reason is on disk too.
    """
    run = Path(run_dir)
    run.mkdir(parents=True, exist_ok=True)
    try:
        with load_dataset(Path(data_dir), io=params.io) as dataset:
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
            run,
        )
        raise
    write_validation_outputs(result, run)
    raise_if_blocked(result)
    return result


def validation_summary(run_dir: str | Path) -> dict:
    """The run's ``validation.json``."""
    path = Path(run_dir) / "validation.json"
    if not path.exists():
        raise InputError(f"{path}: missing. Run the validate step first.")
    return json.loads(path.read_text(encoding="utf-8"))


def quarantine_reasons(run_dir: str | Path) -> pl.DataFrame:
    """Rows set aside (or with a value nulled) per table and reason code."""
    tables = validation_summary(run_dir)["tables"]
    rows = [(name, reason, n) for name, acc in tables.items() for reason, n in sorted(acc["by_reason"].items())]
    return pl.DataFrame(rows, schema=[("table", pl.String), ("reason", pl.String), ("rows", pl.Int64)], orient="row")


def load_clean_tables(run_dir: str | Path) -> dict[str, pl.LazyFrame]:
    """The validated tables of a run, lazily; the validate step must have run first."""
    clean = Path(run_dir) / "clean"
    if not (clean / "customers.parquet").exists():
        raise InputError(
            f"{clean}: no validated tables. Run the validate step first "
            "(tagkit run --only validate, or notebooks/01_validate.ipynb with the same run_dir)."
        )
    return {p.stem: pl.scan_parquet(p) for p in sorted(clean.glob("*.parquet"))}


def run_scoring(*, quarter: str, run_dir: str | Path, params: Params) -> pl.DataFrame:
    """Score every customer and write ``scores.parquet``; returns the scores."""
    scores = score_customers(load_clean_tables(run_dir), quarter=quarter, p=params.scoring).collect()
    path = Path(run_dir) / "scores.parquet"
    scores.write_parquet(path, statistics=False)
    logger.info("wrote %s (%d customers)", path, scores.height)
    return scores


def load_scores(run_dir: str | Path) -> pl.DataFrame:
    path = Path(run_dir) / "scores.parquet"
    if not path.exists():
        raise InputError(f"{path}: missing. Run the score step first (tagkit run --only validate,score).")
    return pl.read_parquet(path)


def run_region_report(*, region: str, quarter: str, run_dir: str | Path, params: Params) -> Path:
    """Write ``reports/<region>.html`` from the run folder (scores, back-test, validation, prescription)."""
    data = load_run_data(run_dir, params)
    regions = sorted(set(data.scores["region"].to_list()))
    if region not in regions:
        raise InputError(f"{run_dir}/scores.parquet: region '{region}' has no customers; the regions are {regions}.")
    return write_region_report(data, region=region, quarter=quarter, params=params.report, run_dir=Path(run_dir))


def failed_regions(run_dir: str | Path) -> dict[str, str]:
    """Regions whose report failed in this run, with a link to the executed notebook (written by the runner)."""
    path = Path(run_dir) / STATUS_FILE
    if not path.exists():
        return {}
    status = json.loads(path.read_text(encoding="utf-8"))
    return {r: s["notebook"] for r, s in status.get("regions", {}).items() if s.get("outcome") == "failed"}


def run_index(*, quarter: str, run_dir: str | Path, params: Params) -> Path:
    """Write ``index.html``: every region's headline figures and link, failed regions marked."""
    run = Path(run_dir)
    quality = run / "quality_index.parquet"
    return write_index(load_scores(run), quarter=quarter, params=params.report, run_dir=run,
                       failed=failed_regions(run), quality=pl.read_parquet(quality) if quality.exists() else None)


def tag_counts(scores: pl.DataFrame) -> pl.DataFrame:
    """Customers per region and tag, one column per tag, regions sorted."""
    from tagkit.report.region import TAG_ORDER

    return (
        scores.group_by("region")
        .agg(customers=pl.len().cast(pl.Int64), **{t: (pl.col("tag") == t).sum().cast(pl.Int64) for t in TAG_ORDER})
        .sort("region")
    )


def abc_crosstab(scores: pl.DataFrame) -> pl.DataFrame:
    """ABC class (rows) against tag (columns): where the baseline and the tags disagree."""
    from tagkit.report.region import TAG_ORDER

    return (
        scores.group_by("abc_class")
        .agg(**{t: (pl.col("tag") == t).sum().cast(pl.Int64) for t in TAG_ORDER})
        .sort("abc_class")
    )


def region_headline(run_dir: str | Path, region: str) -> pl.DataFrame:
    """The report's headline figures of one region: customers and share of sales per tag, now and last quarter.

    Shares are rounded to four places so the printed figure is the same on every machine.
    """
    from tagkit.report.sections.headline import headline_by_tag

    scores = load_scores(run_dir)
    return headline_by_tag(scores.filter(pl.col("region") == region)).select(
        "tag", "customers", "customers_previous", pl.col("sales_quarter").round(2),
        pl.col("sales_share", "sales_share_previous").round(4))


def region_table(run_dir: str | Path) -> pl.DataFrame:
    """The index's table: one row per region with customers per tag."""
    return tag_counts(load_scores(run_dir))


def run_backtest_step(*, quarter: str, run_dir: str | Path, params: Params):
    """Score the previous quarters from history, judge them by what followed, write backtest.json/.parquet."""
    from tagkit.backtest import run_backtest, write_backtest

    result = run_backtest(load_clean_tables(run_dir), quarter=quarter, scoring=params.scoring,
                          backtest=params.backtest)
    write_backtest(result, Path(run_dir))
    return result


def backtest_figures(result, params: Params) -> pl.DataFrame:
    """The pooled back-test figures per method (the methods are explained in backtest.json and the report)."""
    from tagkit.backtest import backtest_table

    return backtest_table(result, language=params.report.language).drop("label")


def score_distributions(scores: pl.DataFrame):
    """A histogram per score (an Altair chart, aggregated in polars first)."""
    from tagkit.charts import score_distribution_chart, score_histogram
    from tagkit.contract import SCORE_COLUMNS

    return score_distribution_chart(score_histogram(scores, list(SCORE_COLUMNS)))


def planted_truth(data_dir: str | Path) -> pl.DataFrame | None:
    """The sample data's planted truth (``_truth/planted.parquet``), or None for real data, which has none."""
    path = Path(data_dir) / "_truth" / "planted.parquet"
    return pl.read_parquet(path) if path.exists() else None


def tag_quality_against_truth(scores: pl.DataFrame, data_dir: str | Path) -> pl.DataFrame | str:
    """Precision and recall of each tag against the planted truth, when the data is the sample."""
    from tagkit.scoring.quality import tag_quality

    truth = planted_truth(data_dir)
    if truth is None:
        return "No planted truth in this data folder (real data): see the back-test below for how far to trust the tags."
    return tag_quality(scores, truth)


def run_prescription(*, quarter: str, run_dir: str | Path, params: Params):
    """What to do about each customer, rep and region: rewrites ``scores.parquet`` with the prescription
    columns and writes reps/regions/transitions/radiation/coverage_gaps/quality_index parquet files."""
    from tagkit.prescription import prescribe, write_prescription

    rx = prescribe(load_scores(run_dir), load_clean_tables(run_dir), quarter=quarter, params=params).collect()
    rx.customers.write_parquet(Path(run_dir) / "scores.parquet", statistics=False)
    write_prescription(rx, Path(run_dir))
    return rx


def prescription_quality_against_truth(scores: pl.DataFrame, data_dir: str | Path) -> pl.DataFrame | str:
    """Nail causes, speculator and rep-change flags against the planted truth, when the data is the sample."""
    from tagkit.prescription import prescription_quality

    truth = planted_truth(data_dir)
    if truth is None:
        return "No planted truth in this data folder (real data)."
    return prescription_quality(scores, truth)
