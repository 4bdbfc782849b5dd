"""Score distributions, for the scoring notebook: one small histogram per score."""
from __future__ import annotations

import altair as alt
import polars as pl


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
            x2=alt.X2("band_end:Q"),
            y=alt.Y("customers:Q", title="customers"),
            tooltip=[alt.Tooltip("score:N"), alt.Tooltip("band:Q"), alt.Tooltip("customers:Q")],
        )
        .transform_calculate(band_end="datum.band + 10")
        .properties(width=160, height=100)
        .facet(facet=alt.Facet("score:N", title=None), columns=4)
    )
