"""Visits, feedback and competitor-signal features as of a quarter, from their panels.

Each function joins its features onto the customer frame. When the table is absent every
feature is a typed null (the scores that need it become null, never zero); when it is present,
a customer without rows gets zero counts and null means.

Windows (quarter indices, ``q`` the scored quarter, from ``params.windows``):
trailing ``q-T+1..q``, recent ``q-R+1..q``, before ``q-R-B+1..q-R``, survey ``q-S+1..q``,
fallback ``q-F+1..q``.

Visits: ``visits_trailing`` (also by type: ``visits_routine`` … ``visits_executive``),
  ``visits_escalated`` (supervisor and above), ``positive_share`` (of visits with an outcome),
  ``visits_recent_per_quarter`` and ``visits_before_per_quarter`` (the change over time).
Feedback: ``satisfaction_latest`` / ``cooperation_latest`` (the latest quarter with an answer in
  the fallback window), ``satisfaction_mean`` / ``cooperation_mean`` (the survey window's mean,
  else the latest), ``satisfaction_recent`` / ``satisfaction_before`` and ``cooperation_recent`` /
  ``cooperation_before`` (the trend), ``complaints_recent``, ``complaints_window`` (survey
  window), ``complaints_<topic>`` (recent, per topic) and ``top_complaint_topic``.
Competitor signals: ``signals_recent``, ``signals_weighted`` (by kind, params), ``signals_<kind>``
  (recent) and ``signal_kinds`` (the kinds seen recently).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from tagkit.contract import SIGNALS, TOPICS, VISIT_TYPES
from tagkit.params import ScoringParams
from tagkit.scoring.exprs import (
    Window,
    first_label_where,
    in_window,
    labels_where,
    safe_ratio,
    window_aggregate,
)

if TYPE_CHECKING:
    from polars._typing import PolarsDataType


def _windows(q: int, p: ScoringParams) -> dict[str, tuple[int, int]]:
    w = p.windows
    return {
        "trailing": (q - w.trailing_quarters + 1, q),
        "recent": (q - w.recent_quarters + 1, q),
        "before": (q - w.recent_quarters - w.before_quarters + 1, q - w.recent_quarters),
        "survey": (q - w.survey_quarters + 1, q),
        "fallback": (q - w.survey_fallback_quarters + 1, q),
    }


def _attach(frame: pl.LazyFrame, features: pl.LazyFrame | None, schema: dict[str, PolarsDataType],
            counts: list[str]) -> pl.LazyFrame:
    """Left-join ``features``; absent table → typed nulls, customer without rows → zero ``counts``."""
    if features is None:
        return frame.with_columns(pl.lit(None, dtype=dtype).alias(name) for name, dtype in schema.items())
    joined = frame.join(features, on="customer_id", how="left", maintain_order="left")
    return joined.with_columns(pl.col(counts).fill_null(0))


VISIT_SCHEMA: dict[str, PolarsDataType] = {
    "visits_trailing": pl.Int64,
    **{f"visits_{t}": pl.Int64 for t in VISIT_TYPES},
    "visits_escalated": pl.Int64,
    "visits_positive": pl.Int64,
    "visits_with_outcome": pl.Int64,
    "visits_recent": pl.Int64,
    "visits_before": pl.Int64,
}


def visit_features(frame: pl.LazyFrame, panel: pl.LazyFrame | None, *, q: int, p: ScoringParams) -> pl.LazyFrame:
    """Visits as of quarter index ``q``: how many, by whom, how they ended, and their change."""
    win = _windows(q, p)
    features = None
    if panel is not None:
        trailing = ["visits", *(f"visits_{t}" for t in VISIT_TYPES), "visits_escalated", "visits_positive",
                    "visits_with_outcome"]
        features = window_aggregate(panel, q=q, windows={
            **{("visits_trailing" if c == "visits" else c): (c, *win["trailing"], "sum") for c in trailing},
            "visits_recent": ("visits", *win["recent"], "sum"),
            "visits_before": ("visits", *win["before"], "sum"),
        })
    out = _attach(frame, features, VISIT_SCHEMA, list(VISIT_SCHEMA))
    return out.with_columns(
        positive_share=safe_ratio("visits_positive", "visits_with_outcome"),
        visits_recent_per_quarter=pl.col("visits_recent") / p.windows.recent_quarters,
        visits_before_per_quarter=pl.col("visits_before") / p.windows.before_quarters,
    )


FEEDBACK_SCHEMA: dict[str, PolarsDataType] = {
    "satisfaction_mean": pl.Float64,
    "cooperation_mean": pl.Float64,
    "satisfaction_latest": pl.Float64,
    "cooperation_latest": pl.Float64,
    "satisfaction_recent": pl.Float64,
    "satisfaction_before": pl.Float64,
    "cooperation_recent": pl.Float64,
    "cooperation_before": pl.Float64,
    "surveys_window": pl.Int64,
    "complaints_recent": pl.Int64,
    "complaints_window": pl.Int64,
    **{f"complaints_{t}": pl.Int64 for t in TOPICS},
}


def _survey_sums(win: dict[str, tuple[int, int]]) -> dict[str, Window]:
    """Sums and counts of answers per window, for exact means (answers are 1..5 integers)."""
    out: dict[str, Window] = {}
    for kind in ("satisfaction", "cooperation"):
        for name in ("survey", "recent", "before"):
            out[f"_{kind}_{name}_sum"] = (f"{kind}_sum", *win[name], "sum")
            out[f"_{kind}_{name}_n"] = (f"{kind}_n", *win[name], "sum")
    return out


def _latest(panel: pl.LazyFrame, kind: str, first: int, last: int) -> pl.LazyFrame:
    """``<kind>_latest``: the mean of the latest quarter with an answer in ``first..last``."""
    answered = panel.filter((pl.col(f"{kind}_n") > 0) & in_window("qi", first, last))
    latest = answered.group_by("customer_id").agg(pl.col("qi").max())
    return answered.join(latest, on=["customer_id", "qi"], how="inner").select(
        "customer_id", (pl.col(f"{kind}_sum") / pl.col(f"{kind}_n")).alias(f"{kind}_latest")
    )


def feedback_features(frame: pl.LazyFrame, panel: pl.LazyFrame | None, *, q: int,
                      p: ScoringParams) -> pl.LazyFrame:
    """Surveys (level, latest, trend) and complaints (count, topics) as of quarter index ``q``."""
    win = _windows(q, p)
    features = None
    if panel is not None:
        sums = window_aggregate(panel, q=q, windows={
            **_survey_sums(win),
            "surveys_window": ("satisfaction_n", *win["survey"], "sum"),
            "complaints_recent": ("complaints", *win["recent"], "sum"),
            "complaints_window": ("complaints", *win["survey"], "sum"),
            **{f"complaints_{t}": (f"complaints_{t}", *win["recent"], "sum") for t in TOPICS},
        })
        means = {
            f"{kind}_{name}": safe_ratio(f"_{kind}_{w}_sum", f"_{kind}_{w}_n")
            for kind in ("satisfaction", "cooperation")
            for name, w in (("mean", "survey"), ("recent", "recent"), ("before", "before"))
        }
        features = (
            sums.with_columns(**means)
            .join(_latest(panel, "satisfaction", *win["fallback"]), on="customer_id", how="left")
            .join(_latest(panel, "cooperation", *win["fallback"]), on="customer_id", how="left")
            .select("customer_id", *FEEDBACK_SCHEMA)
        )
    counts = ["surveys_window", "complaints_recent", "complaints_window", *(f"complaints_{t}" for t in TOPICS)]
    out = _attach(frame, features, FEEDBACK_SCHEMA, counts).with_columns(
        # satisfaction moves slowly: without a survey in the window, the latest one still speaks
        satisfaction_mean=pl.coalesce("satisfaction_mean", "satisfaction_latest"),
        cooperation_mean=pl.coalesce("cooperation_mean", "cooperation_latest"),
    )
    # the most frequent recent topic; ties go to the first in the contract's order, so it is stable
    most = pl.max_horizontal([pl.col(f"complaints_{t}") for t in TOPICS])
    return out.with_columns(
        top_complaint_topic=first_label_where({t: (pl.col(f"complaints_{t}") == most) & (most > 0) for t in TOPICS}),
    )


SIGNAL_SCHEMA: dict[str, PolarsDataType] = {
    "signals_recent": pl.Int64,
    "signals_trailing": pl.Int64,
    **{f"signals_{s}": pl.Int64 for s in SIGNALS},
}


def signal_features(frame: pl.LazyFrame, panel: pl.LazyFrame | None, *, q: int, p: ScoringParams) -> pl.LazyFrame:
    """Competitor signals as of quarter index ``q``: recent count, weighted count and kinds."""
    win = _windows(q, p)
    features = None
    if panel is not None:
        features = window_aggregate(panel, q=q, windows={
            "signals_recent": ("signals", *win["recent"], "sum"),
            "signals_trailing": ("signals", *win["trailing"], "sum"),
            **{f"signals_{s}": (f"signals_{s}", *win["recent"], "sum") for s in SIGNALS},
        })
    out = _attach(frame, features, SIGNAL_SCHEMA, list(SIGNAL_SCHEMA))
    weights = p.risk.signal_weights
    weighted = pl.sum_horizontal([getattr(weights, s) * pl.col(f"signals_{s}") for s in SIGNALS])
    kinds = labels_where({s: pl.col(f"signals_{s}") > 0 for s in SIGNALS})
    return out.with_columns(
        signals_weighted=pl.when(pl.col("signals_recent").is_not_null()).then(weighted),
        signal_kinds=pl.when(pl.col("signals_recent").is_not_null()).then(kinds),
    )
