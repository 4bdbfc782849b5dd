"""The customer map, drawn offline: points on a Mercator projection, no tiles, no outlines to fetch.

Reach circles are drawn as lines through points Vega computes in the page from each
benchmark's centre (the destination-point formula on a sphere), so the page carries one row
per benchmark, not one per point of its circle. The map holds one row per customer, so its
rows carry only what the tooltip shows; tag names are looked up from a four-row table.
"""
from __future__ import annotations

import json
from collections.abc import Mapping

import altair as alt
import polars as pl

from tagkit.charts.theme import GAP, TAG_COLOURS, layer
from tagkit.contract import TAG_ORDER

EARTH_KM = 6371.0088
RING_STEPS = 48


def reach_circles(centres: pl.DataFrame, km: float) -> alt.Chart:
    """A dashed circle of ``km`` around each of ``centres`` (``lon, lat``), its points computed in the page."""
    delta = km / EARTH_KM
    rad = "(PI / 180)"
    return (
        alt.Chart(centres.with_row_index("ring"))
        .transform_calculate(step=f"sequence(0, {RING_STEPS + 1})")
        .transform_flatten(["step"])
        .transform_calculate(
            theta=f"2 * PI * datum.step / {RING_STEPS}",
            p1=f"datum.lat * {rad}",
            p2=f"asin(sin(datum.p1) * cos({delta}) + cos(datum.p1) * sin({delta}) * cos(datum.theta))",
        )
        .transform_calculate(
            ring_lat=f"datum.p2 / {rad}",
            ring_lon=f"datum.lon + atan2(sin(datum.theta) * sin({delta}) * cos(datum.p1), "
                     f"cos({delta}) - sin(datum.p1) * sin(datum.p2)) / {rad}",
        )
        .mark_line(color=TAG_COLOURS["benchmark"], strokeWidth=1, opacity=0.55, strokeDash=[4, 3])
        .encode(longitude=alt.Longitude("ring_lon:Q"), latitude=alt.Latitude("ring_lat:Q"), detail=alt.Detail("ring:N"),
                order=alt.Order("step:Q"))
    )


def customer_map(points: pl.DataFrame, *, text: Mapping[str, str], tag_labels: Mapping[str, str],
                 reach_km: float | None = None, places: pl.DataFrame | None = None,
                 gaps: pl.DataFrame | None = None, cells: pl.DataFrame | None = None) -> alt.LayerChart:
    """Customers coloured by tag, each benchmark's reach as a circle, customers outside every reach ringed.

    ``points``: ``lon, lat, tag, name, city, sales`` (``sales`` already formatted). ``gaps``
    (optional): the same columns for the customers outside every benchmark's reach. ``reach_km``:
    the radius of the circle drawn around each benchmark (none without it). ``places`` (optional):
    ``lon, lat, place`` — names written on the map for orientation, since there is no base map.
    ``cells`` (optional): ``lon, lat, customers, sales`` — customers not drawn one by one, merged by
    place, drawn as grey squares sized by their count, under everything else.
    ``text``: ``title, customer, city, tag, sales, gap, gap_yes`` (and ``cell_customers`` with cells).
    """
    present = [t for t in TAG_ORDER if t in set(points["tag"].to_list())]
    longitude, latitude = alt.Longitude("lon:Q"), alt.Latitude("lat:Q")
    names = pl.DataFrame({"tag": list(tag_labels), "tag_label": list(tag_labels.values())})
    tooltip = [
        alt.Tooltip("name:N", title=text["customer"]),
        alt.Tooltip("city:N", title=text["city"]),
        alt.Tooltip("tag_label:N", title=text["tag"]),
        alt.Tooltip("sales:N", title=text["sales"]),
    ]

    def labelled(frame: pl.DataFrame) -> alt.Chart:
        return alt.Chart(frame).transform_lookup(lookup="tag", from_=alt.LookupData(names, "tag", ["tag_label"]))

    layers: list[alt.Chart] = []
    if cells is not None and cells.height:
        layers.append(
            alt.Chart(cells).mark_square(color="#90a4ae", opacity=0.45)
            .encode(longitude=longitude, latitude=latitude,
                    size=alt.Size("customers:Q", legend=None, scale=alt.Scale(range=[20, 260])),
                    tooltip=[alt.Tooltip("customers:Q", title=text["cell_customers"]),
                             alt.Tooltip("sales:N", title=text["sales"])])
        )
    centres = points.filter(pl.col("tag") == "benchmark").select("lon", "lat")
    if reach_km and centres.height:
        layers.append(reach_circles(centres, reach_km))
    if gaps is not None and gaps.height:
        layers.append(
            labelled(gaps).mark_point(shape="circle", size=160, color=GAP, strokeWidth=1.5, filled=False)
            .transform_calculate(gap_label=json.dumps(text["gap_yes"], ensure_ascii=False))
            .encode(longitude=longitude, latitude=latitude,
                    tooltip=[*tooltip, alt.Tooltip("gap_label:N", title=text["gap"])])
        )
    # regular customers first, so the tagged ones are drawn on top of them
    ordered = points.with_columns(_z=(pl.col("tag") != "regular").cast(pl.Int8)).sort("_z", maintain_order=True)
    layers.append(
        labelled(ordered.drop("_z")).mark_circle(opacity=0.85, stroke="white", strokeWidth=0.5)
        .encode(
            longitude=longitude, latitude=latitude,
            color=alt.Color("tag:N", scale=alt.Scale(domain=present, range=[TAG_COLOURS[t] for t in present]),
                            legend=alt.Legend(title=None, labelExpr=_label_expr(tag_labels))),
            size=alt.SizeValue(**alt.condition("datum.tag == 'regular'", alt.value(28), alt.value(70))),
            tooltip=tooltip,
        )
    )
    if places is not None and places.height:
        layers.append(
            alt.Chart(places).mark_text(dy=-11, fontSize=10, color="#546e7a", fontWeight="bold")
            .encode(longitude=longitude, latitude=latitude, text=alt.Text("place:N"))
        )
    # a faint panel stands in for the base map a tile server would give
    return (layer(*layers, title=text["title"]).project(type="mercator")
            .properties(width=640, height=440, view=alt.ViewBackground(fill="#f4f7f9", stroke="#dfe6ea")))


def _label_expr(tag_labels: Mapping[str, str]) -> str:
    """A Vega expression naming each tag code in the legend (the labels are the report's, quoted safely)."""
    return f"{json.dumps(dict(tag_labels), ensure_ascii=False)}[datum.value] || datum.value"
