"""What every notebook's module shares: the setup cell, display, and the score step's shared timeline.

A notebook also runs on its own (plain papermill, JupyterLab): :func:`setup` takes its relative path
parameters from the project root whatever the kernel's cwd (:func:`resolve_paths`) and loads its params
(:func:`load_step_params`). The timeline cache (:func:`shared_timeline`) is shared by the score step's
three parts and by the what-if notebook, which re-scores a run the way the score step scores it.

Importing this module sets the notebook's display: charts as SVG and polars' tables with every column.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple, TypeVar

import polars as pl

from tagkit.contract import TAG_ORDER
from tagkit.errors import InputError, UsageError
from tagkit.params import Params, load_params
from tagkit.project import project_root
from tagkit.quarters import shift_quarter
from tagkit.run_folder import RunFolder
from tagkit.scoring.engine import timeline_of
from tagkit.scoring.order_lines import feature_panels, order_panels
from tagkit.scoring.timeline import Timeline
from tagkit.steps import features_input
from tagkit.steps.display import notebook_tables, readable

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
    data, run, defaults, override = (p if p is None or p.is_absolute() or root is None else root / p for p in paths)
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


class Setup(NamedTuple):
    """What a notebook's setup cell gives the cells after it: its folders, absolute, and its params."""

    data_dir: Path
    run_dir: Path
    params: Params


def setup(data_dir: str | Path, run_dir: str | Path, params_dir: str | Path,
          params_file: str | Path | None = "") -> Setup:
    """A notebook's setup, one call: its path parameters made absolute (:func:`resolve_paths`) and its params
    loaded (:func:`load_step_params`).

    >>> data_dir, run_dir, params = steps.setup("data/sample", "out/notebooks/2026Q3", "params", "")  # doctest: +SKIP
    """
    paths = resolve_paths(data_dir, run_dir, params_dir, params_file)
    return Setup(paths.data_dir, paths.run_dir, load_step_params(paths.params_dir, paths.params_file))


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


def kept(cache: dict, key: tuple, make: Callable[[], T]) -> T:
    """``make()``, kept in ``cache`` for as long as ``key`` stays the same (one entry: a new key replaces it)."""
    if key not in cache:
        cache.clear()
        cache[key] = make()
    return cache[key]


def file_key(path: Path) -> tuple:
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
    (:mod:`tagkit.steps.features_input`), and a failing table stops here, before anything is scored.

    One entry, keyed by the clean orders file (path, size, time), the features table's content, the
    quarter and the params, so a rewritten run folder or a change of params is read again; None when
    the run has no clean orders. The back-test, the last of the three, lets it go
    (:func:`release_timeline`): the kernel goes on to the region reports.
    """
    made = shared_run(run_dir, quarter=quarter, params=params, features_path=features_path)
    return None if made is None else made[0]


def shared_run(run_dir: str | Path, *, quarter: str, params: Params, features_path: str | Path = ""
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
                         rows=[last - k for k in range(params.backtest.quarters + 1)
                               if last - k >= timeline.earliest()])
        return timeline, check

    return kept(_TIMELINE, (file_key(orders), panel_key, quarter, params.digest()), make)


def release_timeline() -> None:
    for timeline, _ in _TIMELINE.values():
        timeline.close()  # its files on disk go now, not whenever the kernel collects it
    _TIMELINE.clear()


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


def load_scores(run_dir: str | Path) -> pl.DataFrame:
    return RunFolder.of(run_dir).scores()


def tag_counts(scores: pl.DataFrame) -> pl.DataFrame:
    """Customers per region and tag, one column per tag, regions sorted."""
    return (
        scores.group_by("region")
        .agg(customers=pl.len().cast(pl.Int64), **{t: (pl.col("tag") == t).sum().cast(pl.Int64) for t in TAG_ORDER})
        .sort("region")
    )


def features_sha256(run_dir: str | Path, features_path: str | Path) -> str:
    """The features table's content hash, "" without one (what the score step's ``made_for`` records)."""
    panel = features_input.features_location(features_path)
    return "" if panel is None else features_input.features_digest(panel, Path(run_dir).parent)
