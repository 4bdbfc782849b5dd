"""Reading the prescription's outputs (Part C) for the report, tolerant of what a run did not write.

The prescription adds columns to scores.parquet and writes reps/regions/transitions/radiation/
quality_index parquet files with its wording in params/playbook.yaml. Each reader here returns
None when its input is absent or lacks the columns it needs, and the section then says
"not computed in this run" — the report never fills a gap with a guess.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import polars as pl

from tagkit.lang import Lang


def pick(frame: pl.DataFrame | None, *candidates: str) -> str | None:
    """The first of ``candidates`` that is a column of ``frame``."""
    if frame is None:
        return None
    return next((c for c in candidates if c in frame.columns), None)


def text_in(entry: Any, language: Lang) -> str | None:
    """The text of ``entry`` in ``language``: a string, ``{zh: …, en: …}``, or such under text/label/…"""
    if isinstance(entry, str):
        return entry
    if isinstance(entry, Mapping):
        if isinstance(entry.get(language), str):
            return entry[language]
        for key in ("text", "label", "title", "action", "name"):
            if key in entry and (found := text_in(entry[key], language)):
                return found
    return None


def action_text(code: str, language: Lang, playbook: Mapping[str, Any] | None, lead: str | None = None) -> str:
    """A playbook action code in words; the code itself (readably spaced) when the playbook lacks it.

    ``{lead}`` in the text names who leads (``lead``, a nail's ``escalate_level``) in the playbook's
    ``leads`` words, so the text speaks of the person the report names; without ``lead``, its ``any`` word.
    """
    if playbook:
        for holder in (playbook.get("actions"), playbook):
            if isinstance(holder, Mapping) and code in holder and (text := text_in(holder[code], language)):
                return fill_lead(text, language, playbook, lead)
            if isinstance(holder, list):  # a list of {code: …, zh: …, en: …}
                for entry in holder:
                    if isinstance(entry, Mapping) and entry.get("code") == code and (text := text_in(entry, language)):
                        return fill_lead(text, language, playbook, lead)
    return code.replace("_", " ")


def action_words(language: Lang, playbook: Mapping[str, Any] | None) -> pl.Expr:
    """Each row's action (``action_code``) in words, naming its nail's lead (``lead_level``) where the text does."""
    return pl.struct("action_code", "lead_level").map_elements(
        lambda r: action_text(r["action_code"], language, playbook, lead=r["lead_level"]), return_dtype=pl.String)


LEAD = "{lead}"


def fill_lead(text: str, language: Lang, playbook: Mapping[str, Any], lead: str | None) -> str:
    """``text`` with ``{lead}`` as the playbook's word for the rung ``lead`` (``any`` when unknown)."""
    if LEAD not in text:
        return text
    leads = playbook.get("leads")
    words = leads if isinstance(leads, Mapping) else {}
    word = text_in(words.get(lead or "any"), language) or text_in(words.get("any"), language)
    return text.replace(LEAD, word or (lead or "").replace("_", " "))


def for_region(frame: pl.DataFrame | None, region: str) -> pl.DataFrame | None:
    """The region's rows of a prescription frame (all rows when it has no region column)."""
    if frame is None:
        return None
    return frame.filter(pl.col("region") == region) if "region" in frame.columns else frame


def quality_series(frame: pl.DataFrame | None, region: str) -> pl.DataFrame | None:
    """``quarter, value`` of the customer-quality index, oldest first, or None."""
    mine = for_region(frame, region)
    value = pick(mine, "quality_index", "index", "value", "score")
    if mine is None or value is None or "quarter" not in mine.columns or not mine.height:
        return None
    return (mine.select(pl.col("quarter").cast(pl.String), value=pl.col(value).cast(pl.Float64))
            .drop_nulls().unique("quarter", keep="last").sort("quarter"))


def region_row(frame: pl.DataFrame | None, region: str, quarter: str) -> dict[str, Any] | None:
    """The region's row of ``regions.parquet`` for ``quarter`` (its only row when it has no quarter), or None."""
    mine = for_region(frame, region)
    if mine is None or not mine.height:
        return None
    if "quarter" in mine.columns and mine.filter(pl.col("quarter") == quarter).height:
        mine = mine.filter(pl.col("quarter") == quarter)
    return mine.row(-1, named=True)


def radiation_pairs(frame: pl.DataFrame | None, scores: pl.DataFrame) -> pl.DataFrame | None:
    """Every benchmark's radiation neighbours in the run, nearest first: ``_b`` (benchmark id), ``_name``
    and the neighbour's id (``_name`` null when scores do not know it); None when absent.

    Made once for the whole run and kept (``RunData.memo``): each region's report takes its own
    benchmarks' rows in this order, where sorting only a region's pairs could order equally near
    neighbours differently, and so change which of them a page names.
    """
    source = pick(frame, "benchmark_id", "benchmark_customer_id", "source_id")
    target = pick(frame, "neighbour_id", "neighbor_id", "neighbour_customer_id", "customer_id")
    if frame is None or source is None or target is None or source == target:
        return None
    distance = pick(frame, "distance_km", "distance")
    names = scores.select(pl.col("customer_id").alias(target), pl.col("customer_name").alias("_name"))
    pairs = frame.select(pl.col(source).cast(pl.String).alias("_b"), pl.col(target).cast(pl.String),
                         (pl.col(distance) if distance else pl.lit(0.0)).alias("_d"))
    return pairs.join(names, on=target, how="left").sort("_b", "_d").select("_b", "_name", target)


def radiation_neighbours(pairs: pl.DataFrame | None, benchmarks: Collection[str]) -> dict[str, list[str]] | None:
    """Benchmark customer_id → names of its radiation neighbours, nearest first, for ``benchmarks``
    (a region's), from :func:`radiation_pairs`; None when the run has no radiation."""
    if pairs is None:
        return None
    out: dict[str, list[str]] = {}
    wanted = pl.Series(list(benchmarks), dtype=pl.String).implode()
    for b, name, nid in pairs.filter(pl.col("_b").is_in(wanted)).iter_rows():
        out.setdefault(b, []).append(name or nid)
    return out
