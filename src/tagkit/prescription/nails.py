"""Nails (钉子客户): value first, then the cause, then who leads the attack.

"The stalemate is not the point, the large value behind it is" (DOMAIN.md). For each nail:

- ``nail_upside`` = potential × ``attainable_share`` − trailing-4q sales (a year's sales to win); for a
  nail by line gap (flag ``line_gap``) at least its sales per line bought × the lines it does not buy ×
  ``attainable_share``, within its remaining potential: the lines it does not buy are the value;
  ``nail_effort_cost`` = trailing visits × the cost of a visit of their type (a year's effort);
  ``nail_return`` = upside / effort cost (null without visits or effort).
- ``nail_decision``: ``drop`` when the upside or the return is below its ``drop_below_*``,
  ``invest`` when both reach ``invest_min_*`` (without a return: the upside alone), else ``reduce``.
- ``escalate_level``: the seed's ladder (rep → supervisor → regional manager → executive) for an
  ``invest`` nail: one rung above ``escalate_tried_level``, the highest rung that visited it without
  success over the ladder window (the rep when nobody failed yet), and at least the first upside
  tier it reaches; the executive again when even the executive failed (the report then says to
  reassess the value). Without a visits table the tier alone. ``reduce`` and ``drop`` stay with
  the rep. ``escalate_to`` is the person (:mod:`~tagkit.prescription.escalation`).
- ``nail_senior_visits``: visits from ``ladder.senior_from`` up over the ladder window, any outcome
  (null without a visits table): where the senior time went.
- ``nail_cause``: evidence points over the cause window — *trust* (complaints on product, service,
  delivery; a low survey mean), *competitor* (competitor signals by kind), *internal* (``rep``
  complaints, a former rep's counting double) — the most points win (``tie_order`` on equal
  points), ``unknown`` below ``min_points``. ``nail_evidence_zh/en`` say what was seen.
- ``nail_stuck_quarters``: the scorer's ``stalled_quarters``.

Every column is null for customers that are not nails.
"""
from __future__ import annotations

import polars as pl

from tagkit.contract import VISIT_TYPES
from tagkit.lang import LANGUAGES, Lang
from tagkit.params import LADDER, PrescriptionParams
from tagkit.prescription.escalation import resolve_escalation
from tagkit.prescription.evidence import RUNG_RANK
from tagkit.prescription.text import check_wording, sentence
from tagkit.scoring.text import SIGNAL_WORDS, TOPIC_WORDS, decimal, integer, word_list

CAUSES = ("trust", "competitor", "internal")
# dropped once the nails are judged; ``competitor`` stays: the at-risk defences name it too (the engine
# leaves it out of the output, where nails carry it as nail_competitor)
EVIDENCE_COLUMNS = ["trust_complaints", "rep_complaints", "former_rep_complaints", "current_rep_complaints",
                    "competitor_signals", "competitor_points", "cause_signal_kinds", "former_rep",
                    "ladder_tried_rank", "senior_visits"]


def line_gap_upside(p: PrescriptionParams) -> pl.Expr:
    """A year's sales in the lines a nail by line gap does not buy: its sales per line it buys, times the
    lines it does not, times ``attainable_share``, within the potential it has left (null without lines)."""
    sales = pl.col("sales_trailing_4q").clip(0)
    per_line = pl.when(pl.col("lines_bought") > 0).then(sales / pl.col("lines_bought"))
    missing = pl.col("lines_available") - pl.col("lines_bought")
    headroom = (pl.col("potential_annual_value") - sales).clip(0)
    return pl.min_horizontal(per_line * missing * p.nail.attainable_share, headroom)


def nail_value(p: PrescriptionParams, *, line_gap: bool = False) -> dict[str, pl.Expr]:
    """Upside, effort cost and return of every customer (the caller keeps them for nails).

    ``line_gap``: a nail flagged ``line_gap`` is worth the larger of the two upsides: a large customer
    with a fair share of its wallet still has the lines it does not buy to win (:func:`line_gap_upside`).
    """
    n = p.nail
    upside = pl.col("potential_annual_value") * n.attainable_share - pl.col("sales_trailing_4q").clip(0)
    if line_gap:
        gap = pl.col("flags").list.contains("line_gap").fill_null(False)
        upside = pl.when(gap).then(pl.max_horizontal(upside, line_gap_upside(p))).otherwise(upside)
    effort = pl.sum_horizontal(getattr(n.visit_cost, t) * pl.col(f"visits_{t}") for t in VISIT_TYPES)
    # sum_horizontal reads null as 0: without a visits table the effort is unknown, not free
    effort = pl.when(pl.col("visits_trailing").is_not_null()).then(effort.cast(pl.Float64))
    return {
        "nail_upside": upside.round(2),
        "nail_effort_cost": effort.round(2),
        "nail_return": pl.when(effort > 0).then(upside / effort).round(4),
    }


def nail_decision(p: PrescriptionParams) -> pl.Expr:
    d = p.nail.decision
    upside, ret = pl.col("nail_upside"), pl.col("nail_return")
    drop = (upside < d.drop_below_upside) | (ret < d.drop_below_return).fill_null(False)
    invest = (upside >= d.invest_min_upside) & (ret >= d.invest_min_return).fill_null(True)
    return pl.when(drop).then(pl.lit("drop")).when(invest).then(pl.lit("invest")).otherwise(pl.lit("reduce"))


def _rung(rank: pl.Expr) -> pl.Expr:
    return rank.replace_strict(dict(enumerate(LADDER)), default=None, return_dtype=pl.String)


def tier_rank(p: PrescriptionParams) -> pl.Expr:
    """The rank of the first upside tier the nail reaches (highest first)."""
    rank = pl.lit(RUNG_RANK["rep"], dtype=pl.Int64)
    for tier in reversed(p.nail.escalation):
        rank = pl.when(pl.col("nail_upside") >= tier.min_upside).then(pl.lit(RUNG_RANK[tier.level])).otherwise(rank)
    return rank


def ladder_rank() -> pl.Expr:
    """One rung above the highest that failed (the top rung stays the top); the rep when nobody failed;
    null without a visits table (``senior_visits`` is null only then)."""
    tried = pl.col("ladder_tried_rank")
    above = (tried + 1).clip(upper_bound=len(LADDER) - 1)
    return pl.when(tried.is_not_null()).then(above).when(pl.col("senior_visits").is_not_null()).then(pl.lit(0))


def escalation_level(p: PrescriptionParams) -> pl.Expr:
    """An ``invest`` nail's rung: the ladder's, at least its upside tier's; the rep for the others."""
    level = _rung(pl.max_horizontal(ladder_rank(), tier_rank(p)))
    return pl.when(pl.col("nail_decision") == "invest").then(level).otherwise(pl.lit("rep"))


def cause_points(p: PrescriptionParams) -> dict[str, pl.Expr]:
    c = p.nail.cause
    pts = c.points
    low = (pl.col("satisfaction_mean") < c.low_satisfaction_below).fill_null(False).cast(pl.Float64)
    return {
        "nail_points_trust": pts.trust_complaint * pl.col("trust_complaints").fill_null(0) + pts.low_satisfaction * low,
        "nail_points_competitor": pl.col("competitor_points").fill_null(0.0),
        "nail_points_internal": pts.former_rep_complaint * pl.col("former_rep_complaints").fill_null(0)
        + pts.current_rep_complaint * pl.col("current_rep_complaints").fill_null(0),
    }


def nail_cause(p: PrescriptionParams) -> pl.Expr:
    """The cause with the most points (``tie_order`` first among equals), ``unknown`` below ``min_points``."""
    c = p.nail.cause
    best = pl.max_horizontal(pl.col(f"nail_points_{k}") for k in CAUSES)
    cause = pl.lit("unknown")
    for k in reversed(c.tie_order):
        cause = pl.when(pl.col(f"nail_points_{k}") == best).then(pl.lit(k)).otherwise(cause)
    return pl.when(best >= c.min_points).then(cause).otherwise(pl.lit("unknown"))


def evidence_values(p: PrescriptionParams) -> dict[Lang, dict[str, pl.Expr]]:
    """The figures an evidence sentence may name, as text in each language."""
    c = p.nail.cause
    out = {}
    for lang in LANGUAGES:
        sep = "、" if lang == "zh" else ", "
        out[lang] = {
            "window_quarters": pl.lit(str(c.window_quarters)),
            "trust_complaints": integer(pl.col("trust_complaints")),
            "trust_topics": pl.lit(sep.join(TOPIC_WORDS[lang][t] for t in c.trust_topics)),
            "satisfaction_mean": decimal(pl.col("satisfaction_mean")),
            "competitor_signals": integer(pl.col("competitor_signals")),
            "signal_kinds": word_list(pl.col("cause_signal_kinds"), SIGNAL_WORDS[lang], sep),
            "competitor": pl.col("competitor").fill_null("–"),
            "rep_complaints": integer(pl.col("rep_complaints")),
            "former_rep_complaints": integer(pl.col("former_rep_complaints")),
            "former_rep": pl.col("former_rep").fill_null("–"),
            "current_rep_complaints": integer(pl.col("current_rep_complaints")),
            "points": decimal(pl.max_horizontal(pl.col(f"nail_points_{k}") for k in CAUSES)),
        }
    return out


def check_nail_wording(p: PrescriptionParams) -> None:
    known = set(evidence_values(p)["en"])
    check_wording(dict(p.nail.evidence), known, source="params/prescription.yaml: nail.evidence")


def nail_frame(customers: pl.LazyFrame, reps: pl.LazyFrame | None, *, p: PrescriptionParams) -> pl.LazyFrame:
    """Add the nail columns (see the module docstring) and drop the raw evidence columns."""
    check_nail_wording(p)
    nail = pl.col("tag") == "nail"
    values = evidence_values(p)
    evidence = {lang: _by_cause(pl.col("nail_cause"), p, values, lang) for lang in LANGUAGES}
    out = (
        customers.with_columns(**nail_value(p, line_gap=True), **cause_points(p))
        .with_columns(nail_decision=nail_decision(p), nail_cause=nail_cause(p))
        .with_columns(escalate_level=escalation_level(p), escalate_tried_level=_rung(pl.col("ladder_tried_rank")),
                      nail_senior_visits=pl.col("senior_visits"))
        .with_columns(nail_evidence_zh=evidence["zh"], nail_evidence_en=evidence["en"])
        .with_columns(
            nail_stuck_quarters=pl.col("stalled_quarters").cast(pl.Int64),
            nail_competitor=pl.col("competitor"),
            nail_former_rep=pl.col("former_rep"),
        )
    )
    nail_columns = ["nail_upside", "nail_effort_cost", "nail_return", "nail_decision", "nail_cause",
                    "nail_points_trust", "nail_points_competitor", "nail_points_internal", "escalate_level",
                    "escalate_tried_level", "nail_senior_visits", "nail_evidence_zh", "nail_evidence_en",
                    "nail_stuck_quarters", "nail_competitor", "nail_former_rep"]
    out = out.with_columns(pl.when(nail).then(pl.col(c)).alias(c) for c in nail_columns)
    return resolve_escalation(out, reps, depth=p.nail.max_chain_depth).drop(EVIDENCE_COLUMNS)


def _by_cause(cause: pl.Expr, p: PrescriptionParams, values: dict[Lang, dict[str, pl.Expr]], lang: Lang) -> pl.Expr:
    """The evidence sentence of each customer's cause."""
    out = pl.lit(None, dtype=pl.String)
    for k in ("unknown", *CAUSES):
        out = pl.when(cause == k).then(sentence(getattr(p.nail.evidence, k), values, lang)).otherwise(out)
    return out
