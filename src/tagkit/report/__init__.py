"""Reports: one self-contained HTML per region and an index, rendered from a run folder.

>>> data = load_run_data(run_dir, params)                                                   # doctest: +SKIP
>>> write_region_report(data, region="华东", quarter="2026Q3", params=params.report, run_dir=run_dir)  # doctest: +SKIP
"""
from __future__ import annotations

from tagkit.report.failure import failure_summary, write_failure_page
from tagkit.report.index import render_index, write_index
from tagkit.report.inputs import RunData, load_run_data
from tagkit.report.region import build_sections, render_region_report, report_filename, write_region_report

__all__ = ["RunData", "build_sections", "failure_summary", "load_run_data", "render_index", "render_region_report",
           "report_filename", "write_failure_page", "write_index", "write_region_report"]
