"""What notebooks/02_score.ipynb calls: scores, prescription, action lists and back-test, written to the run folder.

The three parts that read the history (scores, prescription, back-test) share one timeline
(:func:`tagkit.steps.common.shared_timeline`). :func:`ensure_scored` is the later notebooks' "make what
is missing first": run on their own on a run folder without scores, they score here as 02 would.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, cast

import polars as pl

from tagkit.contract import TAG_ORDER
from tagkit.outputs import write_table
from tagkit.params import Params
from tagkit.run_folder import RunFolder
from tagkit.scoring import score_customers
from tagkit.scoring.grid import PANEL_ENGINE
from tagkit.scoring.timeline import Timeline
from tagkit.steps import features_input, made_for
from tagkit.steps.common import (
    features_sha256,
    load_clean_tables,
    load_scores,
    published_previous_tags,
    release_timeline,
    setup,
    shared_run,
    shared_timeline,
    show,
    tag_counts,
)
from tagkit.steps.validate import ensure_validated

if TYPE_CHECKING:
    import altair as alt

    from tagkit.backtest import BacktestResult
    from tagkit.prescription import Prescription

__all__ = ["abc_crosstab", "backtest_figures", "ensure_scored", "ensure_validated", "planted_truth",
           "prescription_quality_against_truth", "risk_model_summary", "run_action_lists", "run_backtest_step",
           "run_prescription", "run_scoring", "score_distributions", "setup", "show", "tag_counts",
           "tag_quality_against_truth", "write_risk_models"]

logger = logging.getLogger(__name__)


def run_scoring(*, quarter: str, run_dir: str | Path, params: Params, features_path: str | Path = "") -> pl.DataFrame:
    """Score every customer and write ``scores.parquet`` and ``risk_model.json``; returns the scores.

    ``features_path``: score from this features table instead of the clean order lines (see
    :func:`shared_timeline`); ``features_check.json`` records its check, and is removed without one.
    """
    made_for.expect(Path(run_dir), "validate", quarter=quarter, params=params)
    made_for.forget(Path(run_dir), "score")  # the score step's files are rewritten from here on
    features_input.write_check(Path(run_dir), None)  # until this run's table (if any) has passed
    made = shared_run(run_dir, quarter=quarter, params=params, features_path=features_path)
    timeline, check = made if made is not None else (None, None)
    features_input.write_check(Path(run_dir), check)
    previous, source = published_previous_tags(run_dir, quarter)
    RunFolder.of(run_dir).write_json(RunFolder.PREVIOUS_TAGS, source)
    scores = score_customers(load_clean_tables(run_dir), quarter=quarter, p=params.scoring,
                             timeline=timeline, previous=previous).collect(engine=PANEL_ENGINE)
    path = RunFolder.of(run_dir).scores_path
    write_table(scores, path)
    write_risk_models(timeline, run_dir)
    logger.info("wrote %s (%d customers)", path, scores.height)
    return scores


def write_risk_models(timeline: Timeline | None, run_dir: str | Path) -> Path | None:
    """``risk_model.json``: every risk model the run made (its quarter, the back-tested ones and the quarters
    before them): learned or documented, why, from which quarters, and the weights of every signal."""
    if timeline is None:
        return None
    doc = {"format": "tagkit-risk-model/1", "quarter": timeline.quarter_label, "models": timeline.models()}
    return RunFolder.of(run_dir).write_json(RunFolder.RISK_MODEL, doc, indent=2)


def run_prescription(*, quarter: str, run_dir: str | Path, params: Params,
                     features_path: str | Path = "") -> Prescription:
    """What to do about each customer, rep and region: rewrites ``scores.parquet`` with the prescription
    columns and writes reps/regions/transitions/radiation/coverage_gaps/quality_index parquet files."""
    from tagkit.prescription import prescribe, write_prescription

    rx = prescribe(load_scores(run_dir), load_clean_tables(run_dir), quarter=quarter, params=params,
                   timeline=shared_timeline(run_dir, quarter=quarter, params=params,
                                            features_path=features_path)).collect()
    write_table(cast(pl.DataFrame, rx.customers), RunFolder.of(run_dir).scores_path)  # collected above
    write_prescription(rx, Path(run_dir))
    return rx


def run_action_lists(*, quarter: str, run_dir: str | Path, params: Params) -> dict:
    """This quarter's action lists (``actions.parquet``), and what became of last quarter's where they came
    back (``action_results.parquet``, ``action_returns.parquet``); returns ``action_summary.json``."""
    from tagkit.actions.run import write_action_lists

    return write_action_lists(quarter=quarter, run_dir=run_dir, params=params)


def abc_crosstab(scores: pl.DataFrame) -> pl.DataFrame:
    """ABC class (rows) against tag (columns): where the baseline and the tags disagree."""
    return (
        scores.group_by("abc_class")
        .agg(**{t: (pl.col("tag") == t).sum().cast(pl.Int64) for t in TAG_ORDER})
        .sort("abc_class")
    )


def score_distributions(scores: pl.DataFrame) -> alt.FacetChart:
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
        return ("No planted truth in this data folder (real data): see the back-test below for how far to trust "
                "the tags.")
    return tag_quality(scores, truth)


def prescription_quality_against_truth(scores: pl.DataFrame, data_dir: str | Path) -> pl.DataFrame | str:
    """Nail causes, speculator and rep-change flags against the planted truth, when the data is the sample."""
    from tagkit.prescription import prescription_quality

    truth = planted_truth(data_dir)
    if truth is None:
        return "No planted truth in this data folder (real data)."
    return prescription_quality(scores, truth)


def run_backtest_step(*, quarter: str, run_dir: str | Path, params: Params,
                      features_path: str | Path = "") -> BacktestResult:
    """Score the previous quarters from history, judge them by what followed, write backtest.json/.parquet."""
    from tagkit.backtest import run_backtest, write_backtest

    timeline = shared_timeline(run_dir, quarter=quarter, params=params, features_path=features_path)
    result = run_backtest(load_clean_tables(run_dir), quarter=quarter, scoring=params.scoring,
                          backtest=params.backtest, timeline=timeline)
    write_risk_models(timeline, run_dir)  # now with the back-tested quarters' models too
    release_timeline()
    write_backtest(result, Path(run_dir))
    # the back-test is the score step's last output: the step's files are whole from here on
    validated = made_for.expect(Path(run_dir), "validate", quarter=quarter, params=params)
    made_for.record(Path(run_dir), "score", made_for.MadeFor.of_step(
        validated, params, features_sha256=features_sha256(run_dir, features_path)))
    return result


def backtest_figures(result: BacktestResult, params: Params) -> pl.DataFrame:
    """The pooled back-test figures per method (the methods are explained in backtest.json and the report)."""
    from tagkit.backtest import backtest_table

    return backtest_table(result, language=params.report.language).drop("label")


def risk_model_summary(run_dir: str | Path) -> dict:
    """The run's ``risk_model.json``."""
    return RunFolder.of(run_dir).read_json(RunFolder.RISK_MODEL,
                                           missing="Run the score step first (tagkit run --only validate,score).")


def ensure_scored(data_dir: str | Path, *, quarter: str, run_dir: str | Path, params: Params,
                  features_path: str | Path = "") -> list[str]:
    """Validate (if needed) and score into ``run_dir`` unless ``scores.parquet`` is there; returns the steps it ran.

    Scoring here is what notebooks/02_score.ipynb writes: scores, then the prescription (which rewrites
    ``scores.parquet``), then the back-test, so a report made from it is the report ``tagkit run`` makes.
    ``features_path`` as in :func:`run_scoring`; given, scores already there must have been made from that
    table (without, finished scores are read however they were made, as the index and what-if notebooks do).
    """
    if RunFolder.of(run_dir).scores_path.exists() and made_for.finished(Path(run_dir), "score"):
        made_for.expect(Path(run_dir), "score", quarter=quarter, params=params,
                        data_sha256=made_for.data_hash(Path(data_dir), Path(run_dir)),
                        features_sha256=features_sha256(run_dir, features_path) if features_path else None)
        return []
    logger.warning("%s: no finished scores, so making them here first as notebooks/02_score.ipynb does "
                   "(scores, prescription, back-test)", run_dir)
    ran = ensure_validated(data_dir, quarter=quarter, run_dir=run_dir, params=params)
    run_scoring(quarter=quarter, run_dir=run_dir, params=params, features_path=features_path)
    run_prescription(quarter=quarter, run_dir=run_dir, params=params, features_path=features_path)
    run_backtest_step(quarter=quarter, run_dir=run_dir, params=params, features_path=features_path)
    return [*ran, "score"]
