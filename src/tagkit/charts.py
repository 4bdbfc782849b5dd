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


def score_histogram(scores: pl.DataFrame, columns: list[str], *, bin_width: float = 10.0) -> pl.DataFrame:
    """Customers per score band (0–10, 10–20, …) for each score column, nulls left out; a small frame."""
    parts = [
        scores.select(pl.col(c).alias("value"))
        .drop_nulls()
        .with_columns(score=pl.lit(c), band=(pl.col("value") // bin_width * bin_width).clip(0, 100 - bin_width))
        .group_by("score", "band")
        .agg(customers=pl.len().cast(pl.Int64))
        for c in columns
    ]
    empty = pl.DataFrame(schema={"score": pl.String, "band": pl.Float64, "customers": pl.Int64})
    return pl.concat([empty, *parts], how="vertical_relaxed").sort("score", "band")


def score_distribution_chart(histogram: pl.DataFrame) -> alt.FacetChart:
    """One small histogram per score (from :func:`score_histogram`)."""
    return (
        alt.Chart(histogram)
        .mark_bar()
        .encode(
            x=alt.X("band:Q", bin=alt.Bin(binned=True, step=10), title="score", scale=alt.Scale(domain=[0, 100])),
            x2="band_end:Q",
            y=alt.Y("customers:Q", title="customers"),
            tooltip=["score:N", "band:Q", "customers:Q"],
        )
        .transform_calculate(band_end="datum.band + 10")
        .properties(width=160, height=100)
        .facet(facet=alt.Facet("score:N", title=None), columns=4)
    )
