"""At-risk customers: which defences, a rep change where the rep is the problem, and how often to visit.

- ``defences`` (at-risk customers): every defence whose triggers show in the recent quarters — a
  complaint on one of its topics, a competitor signal of one of its kinds, or one of its risk
  components at or above ``min_component`` (params ``at_risk.defences``); when none shows, the
  ``fallback_defence`` (watch with frequent visits and find the cause). Order: relationship,
  commercial, risk.
- Flag ``rep_change_recommended``: ``rep`` complaints made while the current rep was in charge in
  the rep-change window, at least ``min_complaints`` (any customer: repeated complaints), or
  ``min_complaints_at_risk`` for an at-risk customer ("keeping the customer matters most"). A
  complaint about a *former* rep asks for no change: that rep is gone (an internal nail's history).
- ``visit_frequency`` (visits per month): at-risk customers by ``score_risk`` band; the others by
  tag (nails by decision, dormant customers a win-back call).
"""
from __future__ import annotations

import polars as pl

from tagkit.params import PrescriptionParams
from tagkit.scoring.exprs import labels_where

DEFENCES = ("relationship", "commercial", "risk")


def defence_triggered(name: str, p: PrescriptionParams) -> pl.Expr:
    """The recent evidence that calls for defence ``name`` (null features count as no evidence)."""
    d = getattr(p.at_risk.defences, name)
    evidence = [
        *((pl.col(f"complaints_{t}") > 0) for t in d.complaint_topics),
        *((pl.col(f"signals_{s}") > 0) for s in d.signal_kinds),
        *((pl.col(f"risk_{c}") >= p.at_risk.min_component) for c in d.risk_components),
    ]
    if not evidence:
        return pl.lit(False)
    return pl.any_horizontal(e.fill_null(False) for e in evidence)


def defences(p: PrescriptionParams) -> pl.Expr:
    """``list[str]`` of defences for at-risk customers (the fallback when nothing specific shows), else null."""
    found = labels_where({name: defence_triggered(name, p) for name in DEFENCES})
    fallback = pl.lit([p.at_risk.fallback_defence], dtype=pl.List(pl.String))
    chosen = pl.when(found.list.len() > 0).then(found).otherwise(fallback)
    return pl.when(pl.col("tag") == "at_risk").then(chosen)


def rep_change(p: PrescriptionParams) -> pl.Expr:
    r = p.rep_change
    n = pl.col("rep_complaints_current").fill_null(0)
    return (n >= r.min_complaints) | ((pl.col("tag") == "at_risk") & (n >= r.min_complaints_at_risk))


def visit_frequency(p: PrescriptionParams) -> pl.Expr:
    """Recommended visits per month."""
    f = p.visit_frequency
    at_risk = pl.lit(None, dtype=pl.Float64)
    for band in reversed(p.at_risk.visit_frequency):
        at_risk = pl.when(pl.col("score_risk") >= band.min_risk).then(pl.lit(band.per_month)).otherwise(at_risk)
    # a null score_risk falls to the lowest band: at risk is at risk
    at_risk = at_risk.fill_null(p.at_risk.visit_frequency[-1].per_month)
    decision = pl.col("nail_decision")
    nail = (pl.when(decision == "invest").then(pl.lit(f.nail.invest))
            .when(decision == "drop").then(pl.lit(f.nail.drop))
            .otherwise(pl.lit(f.nail.reduce)))
    tag = pl.col("tag")
    return (
        pl.when(tag == "at_risk").then(at_risk)
        .when(tag == "benchmark").then(pl.lit(f.benchmark))
        .when(tag == "nail").then(nail)
        .when(pl.col("flags").list.contains("dormant")).then(pl.lit(f.dormant))
        .otherwise(pl.lit(f.regular))
        .cast(pl.Float64)
    )


def defence_frame(customers: pl.LazyFrame, *, p: PrescriptionParams) -> pl.LazyFrame:
    """Add ``defences``, ``is_rep_change`` and ``visit_frequency``."""
    return customers.with_columns(defences=defences(p), is_rep_change=rep_change(p)).with_columns(
        visit_frequency=visit_frequency(p)
    )
