"""What each notebook calls: one function per step, reading and writing the run folder.

The notebooks stay thin (one call per cell); these functions hold the I/O so
that scoring and reporting stay pure.

A notebook also runs on its own (plain papermill, JupyterLab): :func:`resolve_paths` takes its
relative path parameters from the project root whatever the kernel's cwd, and :func:`ensure_validated`
/ :func:`ensure_scored` produce the earlier steps' outputs when the run folder lacks them.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple, TypeVar
from urllib.parse import quote

import polars as pl

from tagkit.display import notebook_tables, readable
from tagkit.errors import InputError, UsageError, ValidationBlocked
from tagkit.io import load_dataset
from tagkit.outputs import write_table
from tagkit.params import Params, load_params
from tagkit.pipeline import features_input, made_for
from tagkit.project import project_root
from tagkit.quarters import quarter_outside_data, shift_quarter
from tagkit.report import load_run_data, write_index, write_region_report
from tagkit.report.inputs import RunData
from tagkit.run_folder import RunFolder
from tagkit.scoring import score_customers
from tagkit.scoring.engine import timeline_of
from tagkit.scoring.grid import PANEL_ENGINE
from tagkit.scoring.order_lines import feature_panels, order_panels
from tagkit.scoring.timeline import Timeline
from tagkit.validation import ValidationResult, raise_if_blocked, validate_dataset, write_validation_outputs

logger = logging.getLogger(__name__)


def _charts_draw_offline() -> None:
    """Charts in the notebooks as SVG drawn here by vl-convert (installed with tagkit), not Altair's HTML,
    which loads Vega from a CDN: JupyterLab 4 cannot draw Vega-Lite 6 itself, and offline the CDN fails
    ("Error loading script"). The region reports carry their own Vega bundle and are not affected."""
    import altair as alt

    alt.renderers.enable("svg")


_charts_draw_offline()
notebook_tables()


def show(frame: pl.DataFrame, params: Params) -> pl.DataFrame:
    """A table for reading in the notebook: money and shares in the report's number style (a copy)."""
    return readable(frame, params.report.language, params.report.currency[params.report.language])

T = TypeVar("T")


class StepPaths(NamedTuple):
    """A notebook's path parameters, absolute; ``params_file`` is None when the user gave none."""

    data_dir: Path
    run_dir: Path
    params_dir: Path
    params_file: Path | None


def resolve_paths(data_dir: str | Path, run_dir: str | Path, params_dir: str | Path,
                  params_file: str | Path | None = "") -> StepPaths:
    """A notebook's path parameters made absolute: absolute ones as given, relative ones from the project root.

    The kernel's cwd is notebooks/ in JupyterLab and nbval but wherever papermill was started otherwise,
    so a cwd-relative default would point somewhere else in each case; the project root (the folder with
    params/ and pipelines/, see :func:`tagkit.project.project_root`) is the same in all of them.
    ``tagkit run`` passes absolute paths, which are kept.

    >>> steps.resolve_paths("tests/fixtures/tiny", "/srv/out/2026Q3", "params").run_dir   # doctest: +SKIP
    PosixPath('/srv/out/2026Q3')
    """
    paths = [Path(p).expanduser() if p else None for p in (data_dir, run_dir, params_dir, params_file)]
    # project_root() fails outside a project, so it is only asked for when a path is relative
    root = project_root() if any(p and not p.is_absolute() for p in paths) else None
    data, run, defaults, override = (p if p is None or p.is_absolute() else root / p for p in paths)
    if data is None or run is None or defaults is None:
        raise UsageError("data_dir, run_dir and params_dir must not be empty; set them in the notebook's "
                         "parameters (papermill -p NAME VALUE or -f params.yaml).")
    if not data.exists() and data.parts[-2:] == ("data", "sample"):  # the notebooks' default, not made yet
        raise InputError(f"{data}: the sample data is not there yet. Make it with `make sample` (or "
                         "`tagkit sample-data --out data/sample`), or set data_dir to your data folder.")
    return StepPaths(data, run, defaults, override)


def load_step_params(params_dir: str | Path, params_file: str | Path | None = "") -> Params:
    """The params a notebook runs with: defaults from ``params_dir`` and the user's file on top."""
    return load_params(Path(params_dir), Path(params_file) if params_file else None)


def run_validation(data_dir: str | Path, *, quarter: str, run_dir: str | Path, params: Params,
                   actions_dir: str | Path = ""):
    """Read the data folder, validate it, write clean tables, quarantine and validation.html.

    ``actions_dir``: last quarter's filled-in action lists, when they are not in the data folder's ``actions/``.

    Raises :class:`ValidationBlocked` after writing the report, so the reason is on disk too.
    """
    run = Path(run_dir)
    run.mkdir(parents=True, exist_ok=True)
    made = made_for.MadeFor.of(quarter=quarter, data_dir=Path(data_dir), run_dir=run, params=params)
    made_for.forget(run, "validate", "score")  # rewritten now: nothing after may read them until this ends well
    try:
        with load_dataset(Path(data_dir), io=params.io, actions_dir=Path(actions_dir) if actions_dir else None) as dataset:
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


def load_clean_tables(run_dir: str | Path) -> dict[str, pl.LazyFrame]:
    """The validated tables of a run, lazily; the validate step must have run first."""
    folder = RunFolder.of(run_dir)
    clean = folder.clean_dir
    if not folder.clean("customers").exists():
        raise InputError(
            f"{clean}: no validated tables. Run the validate step first "
            "(tagkit run --only validate, or notebooks/01_validate.ipynb with the same run_dir)."
        )
    return {p.stem: pl.scan_parquet(p) for p in sorted(clean.glob("*.parquet"))}


def _kept(cache: dict, key: tuple, make: Callable[[], T]) -> T:
    """``make()``, kept in ``cache`` for as long as ``key`` stays the same (one entry: a new key replaces it)."""
    if key not in cache:
        cache.clear()
        cache[key] = make()
    return cache[key]


def _file_key(path: Path) -> tuple:
    """What says a file is still the one read: its path, size and time (None when it is missing)."""
    stat = path.stat() if path.exists() else None
    return str(path.resolve()), stat and (stat.st_size, stat.st_mtime_ns)


_TIMELINE: dict[tuple, tuple[Timeline, features_input.FeaturesCheck | None]] = {}


def shared_timeline(run_dir: str | Path, *, quarter: str, params: Params,
                    features_path: str | Path = "") -> Timeline | None:
    """The run's :class:`~tagkit.scoring.timeline.Timeline`, made once for the score step's three parts
    (scores, prescription, back-test), which run in one kernel: the order lines are aggregated once
    (with the speculator's columns), the history's feature panel is built once, and each quarter's
    risk model is learned once.

    ``features_path``: a features table (docs/features.md; ``tagkit run --features``) to build the
    timeline from instead of the clean order lines. It is checked against its suite first
    (:mod:`tagkit.pipeline.features_input`), and a failing table stops here, before anything is scored.

    One entry, keyed by the clean orders file (path, size, time), the features table's content, the
    quarter and the params, so a rewritten run folder or a change of params is read again; None when
    the run has no clean orders. The back-test, the last of the three, lets it go
    (:func:`release_timeline`): the kernel goes on to the region reports.
    """
    made = _shared_run(run_dir, quarter=quarter, params=params, features_path=features_path)
    return None if made is None else made[0]


def _shared_run(run_dir: str | Path, *, quarter: str, params: Params, features_path: str | Path = ""
                ) -> tuple[Timeline, features_input.FeaturesCheck | None] | None:
    """:func:`shared_timeline`, and the check of its features table (None: made from the order lines)."""
    run = Path(run_dir)
    orders = RunFolder(run).clean("orders")
    if not orders.exists():
        return None
    end_days = params.prescription.speculator.quarter_end_days
    back = max(params.prescription.quality_index.history_quarters - 1, params.backtest.quarters + 1)
    panel = features_input.features_location(features_path)
    panel_key = panel and features_input.features_digest(panel, run.parent)

    def make() -> tuple[Timeline, features_input.FeaturesCheck | None]:
        check = None
        if panel is None:
            panels = order_panels(pl.scan_parquet(orders), quarter=quarter, quarter_end_days=end_days).collect()
        else:
            check = features_input.check_features_table(panel, quarter=quarter, quarter_end_days=end_days,
                                                        cache_dir=run.parent)
            if check.failed:  # the failed checks on disk too: the manifest of the stopped run shows them
                features_input.write_check(run, check)
            check.raise_if_failed()
            panels = feature_panels(features_input.scan_features(panel), quarter=quarter).collect()
        timeline = timeline_of(load_clean_tables(run_dir), quarter=quarter, p=params.scoring, features=panels,
                               quarters_back=back)
        # everything the three parts will ask of the history, made now; then the history's panel goes
        last = timeline.last
        timeline.prepare(range(max(timeline.earliest(), last - back), last + 1),
                         rows=[last - k for k in range(params.backtest.quarters + 1) if last - k >= timeline.earliest()])
        return timeline, check

    return _kept(_TIMELINE, (_file_key(orders), panel_key, quarter, params.digest()), make)


def release_timeline() -> None:
    for timeline, _ in _TIMELINE.values():
        timeline.close()  # its files on disk go now, not whenever the kernel collects it
    _TIMELINE.clear()


def write_risk_models(timeline: Timeline | None, run_dir: str | Path) -> Path | None:
    """``risk_model.json``: every risk model the run made (its quarter, the back-tested ones and the quarters
    before them): learned or documented, why, from which quarters, and the weights of every signal."""
    if timeline is None:
        return None
    doc = {"format": "tagkit-risk-model/1", "quarter": timeline.quarter_label, "models": timeline.models()}
    return RunFolder.of(run_dir).write_json(RunFolder.RISK_MODEL, doc, indent=2)


def run_scoring(*, quarter: str, run_dir: str | Path, params: Params, features_path: str | Path = "") -> pl.DataFrame:
    """Score every customer and write ``scores.parquet`` and ``risk_model.json``; returns the scores.

    ``features_path``: score from this features table instead of the clean order lines (see
    :func:`shared_timeline`); ``features_check.json`` records its check, and is removed without one.
    """
    made_for.expect(Path(run_dir), "validate", quarter=quarter, params=params)
    made_for.forget(Path(run_dir), "score")  # the score step's files are rewritten from here on
    features_input.write_check(Path(run_dir), None)  # until this run's table (if any) has passed
    made = _shared_run(run_dir, quarter=quarter, params=params, features_path=features_path)
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


def published_previous_tags(run_dir: str | Path, quarter: str) -> tuple[pl.LazyFrame | None, dict]:
    """The tags published last quarter (``customer_id, previous_tag``) and a note of where they came from.

    The previous quarter's run folder is the run folder's sibling named after that quarter
    (``OUT/2026Q2`` beside ``OUT/2026Q3``). Without one the previous tags are re-scored from the
    history as of that quarter's end, and the note says so (the report and the manifest show it).
    """
    before = shift_quarter(quarter, -1)
    path = RunFolder.of(run_dir).sibling(before).scores_path
    if not path.exists():
        return None, {"source": "re-scored", "quarter": before,
                      "why": f"no published run of {before} beside this one ({path.parent} has no scores.parquet)"}
    try:
        frame = pl.read_parquet(path, columns=["customer_id", "tag"])
    except Exception as exc:
        raise InputError(f"{path}: last quarter's published scores cannot be read ({type(exc).__name__}: {exc}). "
                         "Restore the file, or move that run folder away to have the previous tags re-scored.") from exc
    published = frame.select("customer_id", previous_tag="tag").lazy()
    return published, {"source": "published", "quarter": before, "path": str(path.resolve()),
                       "customers": frame.height}


def risk_model_summary(run_dir: str | Path) -> dict:
    """The run's ``risk_model.json``."""
    return RunFolder.of(run_dir).read_json(RunFolder.RISK_MODEL,
                                           missing="Run the score step first (tagkit run --only validate,score).")


def load_scores(run_dir: str | Path) -> pl.DataFrame:
    return RunFolder.of(run_dir).scores()


_RUN_DATA: dict[tuple, RunData] = {}


def _run_data(run_dir: str | Path, params: Params) -> RunData:
    """The run folder's report inputs, read once for a notebook's report and exports (one entry, keyed by
    the folder, the params and the scores file's size and time, so a rewritten folder is read again)."""
    return _kept(_RUN_DATA, (_file_key(RunFolder.of(run_dir).scores_path), params.digest()),
                 lambda: load_run_data(run_dir, params))


def run_region_report(*, region: str, quarter: str, run_dir: str | Path, params: Params) -> Path:
    """Write ``reports/<region>.html`` from the run folder (scores, back-test, validation, prescription)."""
    made_for.expect(Path(run_dir), "score", quarter=quarter, params=params)
    data = _run_data(run_dir, params)
    regions = sorted(set(data.scores["region"].to_list()))
    if region not in regions:
        raise InputError(f"{RunFolder.of(run_dir).scores_path}: region '{region}' has no customers; "
                         f"the regions are {regions}.")
    return write_region_report(data, region=region, quarter=quarter, params=params.report, run_dir=Path(run_dir))


def report_link(report: Path, run_dir: str | Path) -> str:
    """``report``'s address relative to the executed notebook that shows it: under ``tagkit run`` (a
    ``.partial`` run folder) the notebook is published in ``OUT/QUARTER/notebooks/``, beside ``reports/``;
    in JupyterLab the kernel runs in the notebook's own folder."""
    run = Path(run_dir)
    if run.name.endswith(".partial"):
        relative = Path("..") / report.relative_to(run)
    else:
        relative = Path(os.path.relpath(report.resolve(), Path.cwd()))
    return quote(relative.as_posix())


def show_report(report: str | Path, run_dir: str | Path):
    """The region report inline, in a frame, with a link under it. JupyterLab serves the frame from the
    run folder while the notebook is open; reopened later, an untrusted notebook drops the frame (Lab's
    sanitizer) and keeps the link."""
    import html
    import re

    from IPython.display import IFrame, Markdown, display

    href, name = report_link(Path(report), run_dir), Path(report).name  # a region's name is data: escaped
    # IFrame, not HTML with an <iframe>: IPython warns about the latter, and the warning reached the run's terminal
    display(IFrame(href, width="100%", height=800, extras=['class="tagkit-report"', f'title="{html.escape(name)}"']))
    text = re.sub(r"([\[\]()`*_<>\\])", r"\\\1", name)  # Markdown's own characters, shown as they are
    display(Markdown(f"[{text}]({href})"))


def export_region(*, region: str, quarter: str, run_dir: str | Path, params: Params) -> list[Path]:
    """Write the region's full customer list, ranked as in the report: ``exports/<region>.csv`` and ``.xlsx``."""
    from tagkit.report.export import write_region_exports

    return write_region_exports(_run_data(run_dir, params), region=region, quarter=quarter, params=params.report,
                                run_dir=Path(run_dir))


def write_region_actions(*, region: str, quarter: str, run_dir: str | Path, params: Params) -> list[Path]:
    """Write the region's action list to fill in (``actions/<region>.xlsx`` and ``.csv``) and each rep's
    one-page digest (``digests/<region>/<rep>.html`` and ``.csv``)."""
    from tagkit.report.actions import write_region_actions as write

    return write(_run_data(run_dir, params), region=region, quarter=quarter, params=params.report,
                 run_dir=Path(run_dir))


def failed_regions(run_dir: str | Path) -> dict[str, dict]:
    """Regions whose report failed in this run (written by the runner): the executed notebook, the
    failure page that opens at the failing cell, and the error, as :func:`tagkit.report.write_index` takes them."""
    status = RunFolder.of(run_dir).read_json(RunFolder.RUN_STATUS)
    if status is None:
        return {}
    return {r: s for r, s in status.get("regions", {}).items() if s.get("outcome") in ("failed", "crashed")}


def run_index(*, quarter: str, run_dir: str | Path, params: Params) -> Path:
    """Write ``index.html``: every region's headline figures and link, failed regions marked."""
    run = Path(run_dir)
    made_for.expect(run, "score", quarter=quarter, params=params)
    from tagkit.validation.outputs import show_validation_in

    show_validation_in(run, params.report.language)  # the index links it: in the reports' language
    folder = RunFolder(run)
    return write_index(folder.scores(), quarter=quarter, params=params.report, run_dir=run,
                       failed=failed_regions(run), quality=folder.read_table("quality_index"),
                       alerts=folder.read_table("region_alerts"))


def what_if(*, quarter: str, run_dir: str | Path, params: Params, changes: dict):
    """notebooks/05_what_if.ipynb: the run re-scored with ``changes``; see :func:`tagkit.what_if.what_if`."""
    from tagkit.what_if import what_if as rescore

    return rescore(run_dir, quarter=quarter, params=params, changes=changes)


def tag_counts(scores: pl.DataFrame) -> pl.DataFrame:
    """Customers per region and tag, one column per tag, regions sorted."""
    from tagkit.contract import TAG_ORDER

    return (
        scores.group_by("region")
        .agg(customers=pl.len().cast(pl.Int64), **{t: (pl.col("tag") == t).sum().cast(pl.Int64) for t in TAG_ORDER})
        .sort("region")
    )


def abc_crosstab(scores: pl.DataFrame) -> pl.DataFrame:
    """ABC class (rows) against tag (columns): where the baseline and the tags disagree."""
    from tagkit.contract import TAG_ORDER

    return (
        scores.group_by("abc_class")
        .agg(**{t: (pl.col("tag") == t).sum().cast(pl.Int64) for t in TAG_ORDER})
        .sort("abc_class")
    )


def region_headline(run_dir: str | Path, region: str, params: Params) -> pl.DataFrame:
    """The report's headline figures of one region: customers and share of sales per tag, now and last quarter.

    From the run data the report and exports just read (:func:`_run_data`), not the file again.
    Shares are rounded to four places so the printed figure is the same on every machine.
    """
    from tagkit.report.sections.headline import headline_by_tag

    return headline_by_tag(_run_data(run_dir, params).region_rows(region)).select(
        "tag", "customers", "customers_previous", pl.col("sales_quarter").round(2),
        pl.col("sales_share", "sales_share_previous").round(4))


def region_table(run_dir: str | Path) -> pl.DataFrame:
    """The index's table: one row per region with customers per tag."""
    return tag_counts(load_scores(run_dir))


def run_backtest_step(*, quarter: str, run_dir: str | Path, params: Params, features_path: str | Path = ""):
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
        validated, params, features_sha256=_features_sha256(run_dir, features_path)))
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


def _features_sha256(run_dir: str | Path, features_path: str | Path) -> str:
    """The features table's content hash, "" without one (what the score step's ``made_for`` records)."""
    panel = features_input.features_location(features_path)
    return "" if panel is None else features_input.features_digest(panel, Path(run_dir).parent)


def run_prescription(*, quarter: str, run_dir: str | Path, params: Params, features_path: str | Path = ""):
    """What to do about each customer, rep and region: rewrites ``scores.parquet`` with the prescription
    columns and writes reps/regions/transitions/radiation/coverage_gaps/quality_index parquet files."""
    from tagkit.prescription import prescribe, write_prescription

    rx = prescribe(load_scores(run_dir), load_clean_tables(run_dir), quarter=quarter, params=params,
                   timeline=shared_timeline(run_dir, quarter=quarter, params=params,
                                            features_path=features_path)).collect()
    write_table(rx.customers, RunFolder.of(run_dir).scores_path)
    write_prescription(rx, Path(run_dir))
    return rx


def run_action_lists(*, quarter: str, run_dir: str | Path, params: Params) -> dict:
    """This quarter's action lists (``actions.parquet``), and what became of last quarter's where they came
    back (``action_results.parquet``, ``action_returns.parquet``); returns ``action_summary.json``."""
    from tagkit.actions.run import write_action_lists

    return write_action_lists(quarter=quarter, run_dir=run_dir, params=params)


def prescription_quality_against_truth(scores: pl.DataFrame, data_dir: str | Path) -> pl.DataFrame | str:
    """Nail causes, speculator and rep-change flags against the planted truth, when the data is the sample."""
    from tagkit.prescription import prescription_quality

    truth = planted_truth(data_dir)
    if truth is None:
        return "No planted truth in this data folder (real data)."
    return prescription_quality(scores, truth)


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
                        features_sha256=_features_sha256(run_dir, features_path) if features_path else None)
        return []
    logger.warning("%s: no finished scores, so making them here first as notebooks/02_score.ipynb does "
                   "(scores, prescription, back-test)", run_dir)
    ran = ensure_validated(data_dir, quarter=quarter, run_dir=run_dir, params=params)
    run_scoring(quarter=quarter, run_dir=run_dir, params=params, features_path=features_path)
    run_prescription(quarter=quarter, run_dir=run_dir, params=params, features_path=features_path)
    run_backtest_step(quarter=quarter, run_dir=run_dir, params=params, features_path=features_path)
    return [*ran, "score"]
