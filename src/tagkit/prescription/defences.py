"""At-risk customers: which defences, a rep change where the rep is the problem, and how often to visit.

- ``defences`` (at-risk customers): every defence whose triggers show in the recent quarters — a
  complaint on one of its topics, a competitor signal of one of its kinds, or one of its risk
  components at or above ``min_component`` (params ``at_risk.defences``); when none shows, the
  ``fallback_defence`` (watch with frequent visits and find the cause). Order: relationship,
  commercial, risk.
- ``defence_steps_zh`` / ``_en`` (at-risk customers, one per defence, in the order of
  ``defences``): the specific step — what was found (the competitor named, its recent actions,
  the topics complained about, the risk components that rose) and what to do about each
  (params ``at_risk.steps``); the fallback defence says no lead was found. The report shows them
  before the playbook's general paragraphs.
- Flag ``rep_change_recommended``: ``rep`` complaints made while the current rep was in charge in
  the rep-change window, at least ``min_complaints`` (any customer: repeated complaints), or
  ``min_complaints_at_risk`` for an at-risk customer ("keeping the customer matters most"). A
  complaint about a *former* rep asks for no change: that rep is gone (an internal nail's history).
- ``visit_frequency`` (visits per month): at-risk customers by ``score_risk`` band; the others by
  tag (nails by decision, dormant customers a win-back call).
"""
from __future__ import annotations

import polars as pl

from tagkit.lang import LANGUAGES, Lang
from tagkit.params import PrescriptionParams, ReasonText
from tagkit.prescription.text import COMPONENT_WORDS, SEPARATORS, check_wording, joined_where, sentence
from tagkit.scoring.exprs import labels_where
from tagkit.scoring.text import TOPIC_WORDS

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


def _hits(name: str, p: PrescriptionParams) -> dict[str, dict[str, pl.Expr]]:
    """Defence ``name``'s triggers, by kind (signals, complaints, components), each with its evidence."""
    d = getattr(p.at_risk.defences, name)
    return {
        "signals": {s: pl.col(f"signals_{s}") > 0 for s in d.signal_kinds},
        "complaints": {t: pl.col(f"complaints_{t}") > 0 for t in d.complaint_topics},
        "components": {c: pl.col(f"risk_{c}") >= p.at_risk.min_component for c in d.risk_components},
    }


def defence_step(name: str, p: PrescriptionParams, lang: Lang) -> pl.Expr:
    """Defence ``name``'s specific step in ``lang`` (see the module docstring); the fallback's where nothing shows."""
    steps, sep = p.at_risk.steps, SEPARATORS[lang]
    hits = _hits(name, p)
    competitor = pl.coalesce(pl.col("competitor"), pl.lit(getattr(steps.unnamed_competitor, lang)))
    signal_words: dict[str, str] = {k: getattr(w, lang) for k, w in steps.signal_words.items()}
    vocabulary = {"signals": signal_words, "complaints": TOPIC_WORDS[lang], "components": COMPONENT_WORDS[lang]}
    listed = {kind: joined_where({k: pl.lit(vocabulary[kind][k]) for k in found}, found, sep["words"])
              for kind, found in hits.items()}
    values = {lang: {"competitor": competitor, "signal_kinds": listed["signals"], "topics": listed["complaints"],
                     "components": listed["components"]}}
    found = joined_where({kind: sentence(getattr(steps.found, kind), values, lang) for kind in hits},
                         {kind: pl.any_horizontal(e.fill_null(False) for e in h.values()) if h else pl.lit(False)
                          for kind, h in hits.items()}, sep["parts"])
    every = {k: e for h in hits.values() for k, e in h.items()}
    answer_to: dict[str, ReasonText] = dict(steps.answers.items())  # keyed by the triggers' names, as ``every``
    answers = joined_where({k: sentence(answer_to[k], values, lang) for k in every}, every, sep["steps"])
    step = sentence(getattr(steps, name), {lang: {"found": found, "answers": answers}}, lang)
    return pl.when(found.is_not_null()).then(step).otherwise(pl.lit(getattr(steps.nothing_found, lang)))


def check_steps(p: PrescriptionParams) -> None:
    """Every placeholder of ``at_risk.steps`` is one its sentence can fill (all problems reported together)."""
    steps, source = p.at_risk.steps, "params/prescription.yaml: at_risk.steps"
    check_wording({name: getattr(steps, name) for name in DEFENCES}, {"found", "answers"}, source=source)
    check_wording({kind: getattr(steps.found, kind) for kind in ("signals", "complaints", "components")},
                  {"competitor", "signal_kinds", "topics", "components"}, source=f"{source}.found")
    check_wording(dict(steps.answers.items()), {"competitor"}, source=f"{source}.answers")
    check_wording({"nothing_found": steps.nothing_found, "unnamed_competitor": steps.unnamed_competitor,
                   **{f"signal_words.{k}": w for k, w in steps.signal_words.items()}}, set(), source=source)


def defence_steps(p: PrescriptionParams, lang: Lang) -> pl.Expr:
    """``list[str]``: the specific step of each of the customer's defences, in their order; null where none."""
    chosen = pl.col("defences")
    steps = pl.concat_list(pl.when(chosen.list.contains(name)).then(defence_step(name, p, lang)) for name in DEFENCES)
    return pl.when(chosen.is_not_null()).then(steps.list.drop_nulls())


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
    """Add ``defences`` with their specific steps, ``is_rep_change`` and ``visit_frequency``."""
    check_steps(p)
    return customers.with_columns(defences=defences(p), is_rep_change=rep_change(p)).with_columns(
        visit_frequency=visit_frequency(p), **{f"defence_steps_{lang}": defence_steps(p, lang) for lang in LANGUAGES},
    )
