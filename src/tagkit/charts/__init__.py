"""Altair charts for notebooks and reports. Each takes a small, already-aggregated polars frame.

Titles and axis names come in as ``text`` (the report's words, in its language), so charts
know nothing about languages except how to label a money axis; :func:`chart_spec` applies
the one theme and returns the spec a page embeds.

Encodings are channel objects (``alt.X("a:Q")``, ``alt.ColorValue(**alt.condition(…))``), not shorthand
strings or the dict ``alt.condition`` returns: Altair turns those into objects through ``from_dict``,
which hashes its whole schema each time (about 4 ms a channel, a tenth of a region report's time).
"""
from __future__ import annotations

from tagkit.charts.activity import (
                                   backtest_chart,
                                   calibration_chart,
                                   quality_parts_chart,
                                   quality_trend_chart,
                                   visit_allocation_chart,
)
from tagkit.charts.customers import nail_upside_chart, risk_value_chart, showcase_chart
from tagkit.charts.geo import customer_map
from tagkit.charts.scores import score_distribution_chart, score_histogram
from tagkit.charts.tags import crosstab_chart, flows_chart, tag_mix_chart
from tagkit.charts.theme import TAG_COLOURS, chart_spec, skip_schema_checks

__all__ = [
    "TAG_COLOURS", "backtest_chart", "calibration_chart", "chart_spec", "crosstab_chart", "customer_map",
    "flows_chart", "nail_upside_chart", "quality_parts_chart", "quality_trend_chart", "risk_value_chart",
    "score_distribution_chart", "score_histogram", "showcase_chart", "skip_schema_checks", "tag_mix_chart",
    "visit_allocation_chart",
]
