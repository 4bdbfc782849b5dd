"""Altair charts for reports. Each takes a small, already-aggregated polars frame."""
from __future__ import annotations

import altair as alt
import polars as pl

from tagkit.report.labels import TAG_NAMES, Language, ui

TAG_COLOURS = {"benchmark": "#2e7d32", "nail": "#6a1b9a", "at_risk": "#c62828", "regular": "#90a4ae"}


def sales_by_tag_chart(by_tag: pl.DataFrame, *, language: Language) -> alt.Chart:
    """Bar chart: trailing-4-quarter sales and customer count per tag.

    ``by_tag`` has columns ``tag``, ``customers``, ``sales_trailing_4q``.
    """
    tags = [t for t in TAG_NAMES if t in set(by_tag["tag"].to_list())]
    frame = by_tag.with_columns(
        tag_label=pl.col("tag").replace_strict({t: TAG_NAMES[t][language] for t in TAG_NAMES}, default=pl.col("tag"))
    )
    labels = [TAG_NAMES[t][language] for t in tags]
    return (
        alt.Chart(frame, title=ui("chart_title", language))
        .mark_bar()
        .encode(
            x=alt.X("tag_label:N", sort=labels, title=ui("tag", language)),
            y=alt.Y("sales_trailing_4q:Q", title=ui("sales_trailing_4q", language)),
            color=alt.Color(
                "tag_label:N",
                scale=alt.Scale(domain=labels, range=[TAG_COLOURS[t] for t in tags]),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("tag_label:N", title=ui("tag", language)),
                alt.Tooltip("customers:Q", title=ui("customers", language)),
                alt.Tooltip("sales_trailing_4q:Q", title=ui("sales_trailing_4q", language), format=",.0f"),
            ],
        )
        .properties(width=420, height=240)
    )
