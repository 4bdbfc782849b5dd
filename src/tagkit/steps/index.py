"""What notebooks/04_index.ipynb calls: the run's ``index.html``, every region with its link."""
from __future__ import annotations

from pathlib import Path

import polars as pl

from tagkit.params import Params
from tagkit.report import write_index
from tagkit.run_folder import RunFolder
from tagkit.steps import made_for
from tagkit.steps.common import load_scores, setup, tag_counts
from tagkit.steps.score import ensure_scored

__all__ = ["ensure_scored", "failed_regions", "region_table", "run_index", "setup"]


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


def region_table(run_dir: str | Path) -> pl.DataFrame:
    """The index's table: one row per region with customers per tag."""
    return tag_counts(load_scores(run_dir))
