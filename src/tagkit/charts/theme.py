"""One look for every chart: tag colours, fonts, money axes, and the spec a report embeds.

Charts are returned unconfigured (so they can still be layered or concatenated);
:func:`chart_spec` applies the theme once, at the end, and returns the dict a page embeds.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import altair as alt
from altair.utils.schemapi import debug_mode

from tagkit.contract import TAG_ORDER
from tagkit.currency import SYMBOL
from tagkit.lang import Lang

TAG_COLOURS = {"benchmark": "#2e7d32", "nail": "#6a1b9a", "at_risk": "#c62828", "regular": "#90a4ae"}
ACCENT = "#1565c0"
MUTED = "#b0bec5"
GAP = "#ef6c00"

# system fonts only: a report must not fetch a web font, and CJK text must still render
FONT = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", ' \
       '"Helvetica Neue", Arial, sans-serif'


def tag_scale(tags: list[str], labels: dict[str, str]) -> alt.Scale:
    """Colour scale over the tags' display labels, in the report's tag order."""
    present = [t for t in TAG_ORDER if t in tags]
    return alt.Scale(domain=[labels[t] for t in present], range=[TAG_COLOURS[t] for t in present])


def money_label_expr(language: Lang, symbol: str | None = None) -> str:
    """A Vega expression labelling a money axis: 万/亿 in Chinese, K/M/B in English (:mod:`tagkit.currency`)."""
    s = json.dumps(SYMBOL[language] if symbol is None else symbol)  # a quoted string in the Vega expression
    if language == "zh":
        return (f"abs(datum.value) >= 1e8 ? {s} + format(datum.value / 1e8, ',.1~f') + '亿' : "
                f"abs(datum.value) >= 1e4 ? {s} + format(datum.value / 1e4, ',.0f') + '万' : "
                # below 1万 still in 万 (¥0.2万), as the pages and reasons write it: ¥2,000 would read as a year
                f"datum.value == 0 ? {s} + '0' : {s} + format(datum.value / 1e4, '.2~r') + '万'")
    return (f"abs(datum.value) >= 1e9 ? {s} + format(datum.value / 1e9, ',.1~f') + 'B' : "
            f"abs(datum.value) >= 1e6 ? {s} + format(datum.value / 1e6, ',.1~f') + 'M' : "
            f"abs(datum.value) >= 1e3 ? {s} + format(datum.value / 1e3, ',.0f') + 'K' : "
            f"{s} + format(datum.value, ',.0f')")


def money_axis(language: Lang, title: str, symbol: str | None = None, **kwargs: Any) -> alt.Axis:
    return alt.Axis(title=title, labelExpr=money_label_expr(language, symbol), **kwargs)


@contextmanager
def skip_schema_checks() -> Iterator[None]:
    """Build charts without Altair checking every piece against the Vega-Lite schema as it is made.

    Altair's debug mode validates each encoding, scale and axis as it is created (about a third
    of what validation costs a report); the whole spec is still validated in the tests (see
    :func:`chart_spec`), which is a stricter check than the pieces one by one.
    """
    with debug_mode(False):
        yield


def layer(*charts: alt.Chart | alt.LayerChart, **kwargs: Any) -> alt.LayerChart:
    """:func:`altair.layer`, typed for the charts here: with no facet encoding to hoist it is always a LayerChart
    (Altair's annotation also allows the FacetChart it makes when every layer shares one)."""
    chart = alt.layer(*charts, **kwargs)
    if not isinstance(chart, alt.LayerChart):
        raise TypeError(f"layers with a shared facet encoding make a {type(chart).__name__}; "
                        "the charts here expect a LayerChart: facet after layering instead")
    return chart


def chart_spec(chart: alt.TopLevelMixin, *, validate: bool = False) -> dict[str, Any]:
    """The themed Vega-Lite spec of ``chart``, ready to embed offline.

    ``$schema`` is dropped: it is a URL, and nothing in an offline page should name one.
    Reports skip Altair's JSON-schema check (``validate=False``; with :func:`skip_schema_checks`
    about 0.15 s of a 0.45 s report on the sample data); the tests render every chart of every
    region report with ``validate=True`` instead (tests/test_report_speed.py), so a broken spec
    still fails there.
    """
    themed = (
        chart.configure(font=FONT, background="white", padding=8)
        .configure_view(stroke=None)
        # labels up to 300 px before Vega cuts them with "…": a method's or customer's full name fits
        .configure_axis(labelFontSize=11, titleFontSize=12, titleFontWeight="normal", gridColor="#eceff1",
                        labelLimit=300, domainColor="#90a4ae", tickColor="#90a4ae", labelColor="#37474f",
                        titleColor="#37474f")
        # labelLimit 0: a legend's label is never cut ("bought from us (last 4 quarte…"); they sit at the bottom,
        # where a long one has the chart's width
        .configure_legend(labelFontSize=11, titleFontSize=11, orient="bottom", symbolType="circle", labelLimit=0)
        .configure_title(fontSize=14, fontWeight="bold", anchor="start", color="#263238", subtitleColor="#607d8b")
        .configure_header(labelFontSize=12, titleFontSize=12)
    )
    # the report caps and aggregates its frames itself; Altair's 5,000-row guard is for notebooks
    with alt.data_transformers.enable("default", max_rows=None):
        spec = themed.to_dict(validate=validate)
    spec.pop("$schema", None)
    return spec
