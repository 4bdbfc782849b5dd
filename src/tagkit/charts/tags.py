"""Charts about the tags as a whole: the mix this quarter against last, and cross-tabulations.

Every function takes a small frame the report has already aggregated and labelled in
polars; ``text`` holds the chart's title and axis names in the report's language.
"""
from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import polars as pl

from tagkit.charts.theme import ACCENT, GAP, layer, tag_scale
from tagkit.contract import TAG_ORDER


def tag_mix_chart(mix: pl.DataFrame, *, text: Mapping[str, str], tag_labels: Mapping[str, str]) -> alt.Chart:
    """Share of sales per tag, this quarter beside last quarter (one bar each).

    ``mix``: ``tag, tag_label, period, period_label, share (0..1), share_label, customers, sales_label``;
    ``period`` is ``"this"`` or ``"last"`` (last quarter drawn lighter).
    ``text``: ``title, share, tag, period, customers, sales``.
    """
    tags = [t for t in TAG_ORDER if t in set(mix["tag"].to_list())]
    periods = mix.sort("period", descending=True)["period_label"].unique(maintain_order=True).to_list()
    return (
        alt.Chart(mix, title=text["title"])
        .mark_bar(cornerRadiusEnd=2)
        .encode(
            y=alt.Y("tag_label:N", sort=[tag_labels[t] for t in tags], title=None),
            yOffset=alt.YOffset("period_label:N", sort=periods),
            x=alt.X("share:Q", title=text["share"], axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("tag_label:N", scale=tag_scale(tags, dict(tag_labels)), legend=None),
            opacity=alt.Opacity("period_label:N", sort=periods, scale=alt.Scale(range=[1.0, 0.4]),
                                legend=alt.Legend(title=text["period"])),
            tooltip=[
                alt.Tooltip("tag_label:N", title=text["tag"]),
                alt.Tooltip("period_label:N", title=text["period"]),
                alt.Tooltip("share_label:N", title=text["share"]),
                alt.Tooltip("customers:Q", title=text["customers"]),
                alt.Tooltip("sales_label:N", title=text["sales"]),
            ],
        )
        .properties(width=460, height=alt.Step(14))
    )


def crosstab_chart(cells: pl.DataFrame, *, text: Mapping[str, str], rows: list[str],
                   columns: list[str]) -> alt.LayerChart:
    """A heatmap of customer counts with the count written in each cell; highlighted cells outlined.

    ``cells``: ``row_label, col_label, customers, highlight (bool), share_label``; ``rows`` and
    ``columns`` give the label order. ``text``: ``title, rows, columns, customers, share``.
    """
    base = alt.Chart(cells, title=text["title"]).encode(
        x=alt.X("col_label:N", sort=columns, title=text["columns"], axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("row_label:N", sort=rows, title=text["rows"]),
    )
    heat = base.mark_rect(cornerRadius=3).encode(
        color=alt.Color("customers:Q", scale=alt.Scale(scheme="blues"), legend=None),
        stroke=alt.StrokeValue(**alt.condition("datum.highlight", alt.value(GAP), alt.value("white"))),
        strokeWidth=alt.StrokeWidthValue(**alt.condition("datum.highlight", alt.value(3), alt.value(1))),
        tooltip=[
            alt.Tooltip("row_label:N", title=text["rows"]),
            alt.Tooltip("col_label:N", title=text["columns"]),
            alt.Tooltip("customers:Q", title=text["customers"]),
            alt.Tooltip("share_label:N", title=text["share"]),
        ],
    )
    labels = base.mark_text(fontSize=13).encode(
        text=alt.Text("customers:Q"),
        color=alt.ColorValue(**alt.condition("datum.dark", alt.value("white"), alt.value("#263238"))),
    )
    return layer(heat, labels).transform_joinaggregate(top="max(customers)").transform_calculate(
        dark="datum.customers > datum.top * 0.6"
    ).properties(width=alt.Step(90), height=alt.Step(40))


def flows_chart(flows: pl.DataFrame, *, text: Mapping[str, str]) -> alt.Chart:
    """Customers that changed tag, one bar per move (``from → to``), largest first.

    ``flows``: ``move_label, customers, direction`` (``up``, ``down`` or ``other``).
    ``text``: ``title, move, customers``.
    """
    return (
        alt.Chart(flows, title=text["title"])
        .mark_bar(cornerRadiusEnd=2)
        .encode(
            y=alt.Y("move_label:N", sort="-x", title=None),
            x=alt.X("customers:Q", title=text["customers"], axis=alt.Axis(tickMinStep=1, format="d")),
            color=alt.Color("direction:N", scale=alt.Scale(domain=["up", "down", "other"],
                                                           range=["#2e7d32", "#c62828", ACCENT]), legend=None),
            tooltip=[alt.Tooltip("move_label:N", title=text["move"]),
                     alt.Tooltip("customers:Q", title=text["customers"])],
        )
        .properties(width=420, height=alt.Step(20))
    )
