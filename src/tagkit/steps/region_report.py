"""What notebooks/03_region_report.ipynb calls: one region's report, exports, action list and digests.

The run folder's report inputs are read once per kernel for all of them (:func:`_run_data`).
"""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

import polars as pl

from tagkit.errors import InputError
from tagkit.params import Params
from tagkit.report import load_run_data, write_region_report
from tagkit.report.inputs import RunData
from tagkit.run_folder import RunFolder
from tagkit.steps import made_for
from tagkit.steps.common import file_key, kept, setup, show
from tagkit.steps.score import ensure_scored

__all__ = ["ensure_scored", "export_region", "region_headline", "report_link", "run_region_report", "setup", "show",
           "show_report", "write_region_actions"]


_RUN_DATA: dict[tuple, RunData] = {}


def _run_data(run_dir: str | Path, params: Params) -> RunData:
    """The run folder's report inputs, read once for a notebook's report and exports (one entry, keyed by
    the folder, the params and the scores file's size and time, so a rewritten folder is read again)."""
    return kept(_RUN_DATA, (file_key(RunFolder.of(run_dir).scores_path), params.digest()),
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


def show_report(report: str | Path, run_dir: str | Path) -> None:
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


def region_headline(run_dir: str | Path, region: str, params: Params) -> pl.DataFrame:
    """The report's headline figures of one region: customers and share of sales per tag, now and last quarter.

    From the run data the report and exports just read (:func:`_run_data`), not the file again.
    Shares are rounded to four places so the printed figure is the same on every machine.
    """
    from tagkit.report.sections.headline import headline_by_tag

    return headline_by_tag(_run_data(run_dir, params).region_rows(region)).select(
        "tag", "customers", "customers_previous", pl.col("sales_quarter").round(2),
        pl.col("sales_share", "sales_share_previous").round(4))
