"""Charts about named customers: risk against value, nails' upside, benchmarks' before and after.

These name at most a few dozen customers each (the report ranks and cuts the frame first);
names reach the page only as data, which Vega draws as text.
"""
from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import polars as pl

from tagkit.charts.theme import ACCENT, MUTED, TAG_COLOURS, layer, money_axis
from tagkit.lang import Lang


def risk_value_chart(points: pl.DataFrame, *, text: Mapping[str, str], language: Lang) -> alt.Chart:
    """At-risk customers placed by value (x) and risk score (y); benchmark-quality ones stand out.

    ``points``: ``customer_name, city, value, value_label, score_risk, group_label, benchmark`` (bool).
    ``text``: ``title, value, risk, customer, city, group``.
    """
    groups = points.sort("benchmark", descending=True)["group_label"].unique(maintain_order=True).to_list()
    colours = [TAG_COLOURS["benchmark"] if g == text.get("benchmark_group") else TAG_COLOURS["at_risk"]
               for g in groups]
    return (
        alt.Chart(points, title=text["title"])
        .mark_circle(opacity=0.85, stroke="white", strokeWidth=1)
        .encode(
            x=alt.X("value:Q", axis=money_axis(language, text["value"], text.get("currency")),
                    scale=alt.Scale(zero=True)),
            y=alt.Y("score_risk:Q", title=text["risk"], scale=alt.Scale(domain=[0, 100])),
            size=alt.Size("value:Q", legend=None, scale=alt.Scale(range=[40, 500])),
            color=alt.Color("group_label:N", scale=alt.Scale(domain=groups, range=colours),
                            legend=alt.Legend(title=None)),
            tooltip=[
                alt.Tooltip("customer_name:N", title=text["customer"]),
                alt.Tooltip("city:N", title=text["city"]),
                alt.Tooltip("score_risk:Q", title=text["risk"], format=".0f"),
                alt.Tooltip("value_label:N", title=text["value"]),
            ],
        )
        .properties(width=520, height=260)
    )


def nail_upside_chart(bars: pl.DataFrame, *, text: Mapping[str, str], language: Lang) -> alt.Chart:
    """Each nail's yearly potential split into what we sell it now and the untapped rest.

    ``bars``: ``customer_name, part, part_label, amount, amount_label, rank``; ``part`` is ``0`` for what
    we sell it now and ``1`` for the upside. ``text``: ``title, amount, customer, part``.
    """
    parts = bars.sort("part")["part_label"].unique(maintain_order=True).to_list()
    return (
        alt.Chart(bars, title=text["title"])
        .mark_bar()
        .encode(
            y=alt.Y("customer_name:N", sort=alt.EncodingSortField("rank", order="ascending"), title=None,
                    axis=alt.Axis(labelLimit=220)),
            x=alt.X("amount:Q", stack="zero", axis=money_axis(language, text["amount"], text.get("currency"))),
            color=alt.Color("part_label:N", sort=parts, scale=alt.Scale(domain=parts, range=[ACCENT, MUTED]),
                            legend=alt.Legend(title=None)),
            order=alt.Order("part:Q"),
            tooltip=[
                alt.Tooltip("customer_name:N", title=text["customer"]),
                alt.Tooltip("part_label:N", title=text["part"]),
                alt.Tooltip("amount_label:N", title=text["amount"]),
            ],
        )
        .properties(width=460, height=alt.Step(18))
    )


def showcase_chart(pairs: pl.DataFrame, *, text: Mapping[str, str], language: Lang) -> alt.LayerChart:
    """Before and after for each benchmark: sales of the 4 quarters before against the last four.

    ``pairs``: ``customer_name, before, after, before_label, after_label, change_label, rank``.
    ``text``: ``title, sales, before, after, customer, change``.
    """
    base = alt.Chart(pairs, title=text["title"]).encode(
        y=alt.Y("customer_name:N", sort=alt.EncodingSortField("rank", order="ascending"), title=None,
                axis=alt.Axis(labelLimit=220)),
    )
    tooltip = [
        alt.Tooltip("customer_name:N", title=text["customer"]),
        alt.Tooltip("before_label:N", title=text["before"]),
        alt.Tooltip("after_label:N", title=text["after"]),
        alt.Tooltip("change_label:N", title=text["change"]),
    ]
    link = base.mark_rule(strokeWidth=3, color="#cfd8dc").encode(
        x=alt.X("before:Q", axis=money_axis(language, text["sales"], text.get("currency"))), x2=alt.X2("after:Q"),
        tooltip=tooltip,
    )
    long = pairs.select("customer_name", "rank", "before_label", "after_label", "change_label",
                        period=pl.lit(text["before"]), amount="before").vstack(
        pairs.select("customer_name", "rank", "before_label", "after_label", "change_label",
                     period=pl.lit(text["after"]), amount="after"))
    dots = alt.Chart(long).mark_circle(size=110, opacity=1).encode(
        y=alt.Y("customer_name:N", sort=alt.EncodingSortField("rank", order="ascending"), title=None),
        x=alt.X("amount:Q"),
        color=alt.Color("period:N", sort=[text["before"], text["after"]],
                        scale=alt.Scale(domain=[text["before"], text["after"]],
                                        range=[MUTED, TAG_COLOURS["benchmark"]]),
                        legend=alt.Legend(title=None)),
        tooltip=tooltip,
    )
    return layer(link, dots).properties(width=460, height=alt.Step(20))
