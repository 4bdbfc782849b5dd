"""Charts about effort and its track record: visit allocation, quality over quarters, the back-test."""
from __future__ import annotations

import json
from collections.abc import Mapping

import altair as alt
import polars as pl

from tagkit.charts.theme import ACCENT, MUTED, TAG_COLOURS, layer, tag_scale
from tagkit.contract import TAG_ORDER


def visit_allocation_chart(shares: pl.DataFrame, *, text: Mapping[str, str], tag_labels: Mapping[str, str],
                           targets: pl.DataFrame | None = None) -> alt.Chart | alt.LayerChart:
    """Each rep's visits split by the tag of the customer visited (100 % bars), playbook targets as ticks.

    ``shares``: ``rep_label, tag, tag_label, share (0..1), share_label, visits``.
    ``targets`` (optional): ``rep_label, tag_label, cumulative (0..1), share_label`` — the end of each
    tag's target segment, so a tick sits where the bar's segment should end.
    ``text``: ``title, share, rep, tag, visits, target``.
    """
    tags = shares["tag"].unique().to_list()
    order = [tag_labels[t] for t in TAG_ORDER if t in tags]
    bars = (
        alt.Chart(shares, title=text["title"])
        .mark_bar()
        .encode(
            y=alt.Y("rep_label:N", title=None, axis=alt.Axis(labelLimit=200)),
            x=alt.X("share:Q", stack="normalize", title=text["share"], axis=alt.Axis(format="%")),
            color=alt.Color("tag_label:N", sort=order, scale=tag_scale(tags, dict(tag_labels)),
                            legend=alt.Legend(title=None)),
            order=alt.Order("tag_order:Q"),
            tooltip=[
                alt.Tooltip("rep_label:N", title=text["rep"]),
                alt.Tooltip("tag_label:N", title=text["tag"]),
                alt.Tooltip("share_label:N", title=text["share"]),
                alt.Tooltip("visits:Q", title=text["visits"]),
            ],
        )
        .transform_calculate(tag_order=f"indexof({json.dumps(order, ensure_ascii=False)}, datum.tag_label)")
        .properties(width=460, height=alt.Step(20))
    )
    if targets is None or not targets.height:
        return bars
    ticks = alt.Chart(targets).mark_tick(color="#263238", thickness=2, size=16).encode(
        y=alt.Y("rep_label:N"), x=alt.X("cumulative:Q"),
        tooltip=[alt.Tooltip("rep_label:N", title=text["rep"]), alt.Tooltip("tag_label:N", title=text["tag"]),
                 alt.Tooltip("share_label:N", title=text["target"])],
    )
    return layer(bars, ticks)


PART_COLOURS = {"benchmark": TAG_COLOURS["benchmark"], "healthy_regular": "#9ccc65", "nail": TAG_COLOURS["nail"],
                "at_risk": TAG_COLOURS["at_risk"], "speculator": "#ef6c00", "dormant": "#cfd8dc"}


def quality_parts_chart(parts: pl.DataFrame, trend: pl.DataFrame, *, text: Mapping[str, str],
                        part_labels: Mapping[str, str]) -> alt.LayerChart:
    """Where each quarter's sales came from (stacked shares), the quality index as a line on top.

    ``parts``: ``quarter, part, part_label, share, share_label`` with ``part`` a key of
    :data:`PART_COLOURS` (benchmarks and healthy regulars at the bottom: together they are the index).
    ``trend``: ``quarter, value, value_label``. ``text``: ``title, quarter, share, part, value``.
    """
    order = [p for p in PART_COLOURS if p in set(parts["part"].to_list())]
    labels = [part_labels[p] for p in order]
    bars = alt.Chart(parts, title=text["title"]).mark_bar(opacity=0.85).encode(
        x=alt.X("quarter:O", title=text["quarter"], axis=alt.Axis(labelAngle=0)),
        y=alt.Y("share:Q", stack="zero", title=text["share"], axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("part_label:N", sort=labels, scale=alt.Scale(domain=labels,
                                                                     range=[PART_COLOURS[p] for p in order]),
                        legend=alt.Legend(title=None)),
        order=alt.Order("part_order:Q"),
        tooltip=[alt.Tooltip("quarter:O", title=text["quarter"]), alt.Tooltip("part_label:N", title=text["part"]),
                 alt.Tooltip("share_label:N", title=text["share"])],
    ).transform_calculate(part_order=f"indexof({json.dumps(labels, ensure_ascii=False)}, datum.part_label)")
    line = alt.Chart(trend).mark_line(color="#263238", strokeWidth=2, point=alt.OverlayMarkDef(color="#263238")).encode(
        x=alt.X("quarter:O"), y=alt.Y("value:Q"),
        tooltip=[alt.Tooltip("quarter:O", title=text["quarter"]), alt.Tooltip("value_label:N", title=text["value"])],
    )
    return layer(bars, line).properties(width=alt.Step(50), height=220)


def quality_trend_chart(trend: pl.DataFrame, *, text: Mapping[str, str]) -> alt.LayerChart:
    """The customer-quality index over quarters, this quarter's point emphasised.

    ``trend``: ``quarter, value, value_label, current`` (bool). ``text``: ``title, quarter, value``.
    """
    base = alt.Chart(trend, title=text["title"]).encode(
        x=alt.X("quarter:O", title=text["quarter"], axis=alt.Axis(labelAngle=0)),
        y=alt.Y("value:Q", title=text["value"], scale=alt.Scale(zero=False)),
        tooltip=[alt.Tooltip("quarter:O", title=text["quarter"]), alt.Tooltip("value_label:N", title=text["value"])],
    )
    line = base.mark_line(color=ACCENT, strokeWidth=2)
    dots = base.mark_circle(size=70).encode(
        color=alt.ColorValue(**alt.condition("datum.current", alt.value(TAG_COLOURS["at_risk"]), alt.value(ACCENT))),
    )
    return layer(line, dots).properties(width=460, height=200)


def backtest_chart(figures: pl.DataFrame, *, text: Mapping[str, str], methods: list[str],
                   metrics: list[str]) -> alt.Chart:
    """Precision, recall and AUC of tagkit beside the simple rule and ABC (one small panel per metric).

    ``figures``: ``method, method_label, metric_label, value (0..1), value_label``; ``methods`` and
    ``metrics`` the label orders (tagkit first, drawn in the accent colour).
    ``text``: ``title, method, metric, value``.
    """
    colours = [ACCENT] + [MUTED] * (len(methods) - 1)
    return (
        alt.Chart(figures, title=text["title"])
        .mark_bar(cornerRadiusEnd=2)
        .encode(
            x=alt.X("value:Q", title=None, scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%", tickCount=4)),
            y=alt.Y("method_label:N", sort=methods, title=None),
            color=alt.Color("method_label:N", sort=methods, scale=alt.Scale(domain=methods, range=colours),
                            legend=None),
            column=alt.Column("metric_label:N", title=None, sort=metrics, header=alt.Header(labelFontWeight="bold")),
            tooltip=[
                alt.Tooltip("method_label:N", title=text["method"]),
                alt.Tooltip("metric_label:N", title=text["metric"]),
                alt.Tooltip("value_label:N", title=text["value"]),
            ],
        )
        .properties(width=170, height=alt.Step(22))
    )


def calibration_chart(groups: pl.DataFrame, *, text: Mapping[str, str]) -> alt.LayerChart:
    """Predicted chance against the share that went bad, per group of customers by score (the back-test).

    ``groups``: ``group, customers, predicted, observed`` (shares 0..1), ``predicted_label``,
    ``observed_label``; the diagonal is where a calibrated score sits. ``text``: ``title, predicted,
    observed, customers``.
    """
    top = max(0.05, float(groups.select(pl.max_horizontal(pl.col("predicted", "observed")).max()).item() or 0.0))
    end = min(1.0, top * 1.05)
    scale = alt.Scale(domain=[0, end])
    diagonal = alt.Chart(pl.DataFrame({"x": [0.0, end], "y": [0.0, end]})).mark_line(
        color=MUTED, strokeDash=[4, 4]).encode(x=alt.X("x:Q", scale=scale), y=alt.Y("y:Q", scale=scale))
    points = alt.Chart(groups).mark_line(point=True, color=ACCENT).encode(
        x=alt.X("predicted:Q", title=text["predicted"], scale=scale, axis=alt.Axis(format="%", tickCount=5)),
        y=alt.Y("observed:Q", title=text["observed"], scale=scale, axis=alt.Axis(format="%", tickCount=5)),
        tooltip=[
            alt.Tooltip("predicted_label:N", title=text["predicted"]),
            alt.Tooltip("observed_label:N", title=text["observed"]),
            alt.Tooltip("customers:Q", title=text["customers"]),
        ],
    )
    return layer(diagonal, points, title=text["title"]).properties(width=260, height=260)
