"""Reason codes and their sentences: why each customer got its tag (and its flags), with the figures.

``reason_codes`` are stable identifiers (the report's short labels key on them);
``reasons_zh`` / ``reasons_en`` are the same reasons as sentences from params/reasons.yaml, in
the same order. Order: the reasons that weighed most come first.

- at_risk: each risk signal whose contribution to the log-odds of ``score_risk`` (the model's
  weight × the signal) is at least ``risk.reason_min_points``, largest first (the sales decline
  named by its basis: same quarter last year, usual quarter, or the year); ``risk_score_high``
  when none is that strong on its own; then ``benchmark_at_risk`` for a benchmark-quality customer.
- benchmark: influence, satisfaction, cooperation, strongest score first.
- nail: the value behind it, the line gap (a large customer buying few of our lines), the low
  share, few lines, the effort not converting, the stall (the article's order: "the large value
  behind it" is the point); a nail by line gap alone gets the line gap only.
- dormant and new customers: why they are left out of the watch lists.
- regular customers of ABC class A that are not benchmarks: which benchmark condition fails,
  largest shortfall first (what the tags reveal that ABC hides).
- ``tag_kept`` last, where hysteresis kept last quarter's tag.
"""
from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from tagkit.lang import LANGUAGES
from tagkit.params import ScoringParams
from tagkit.scoring.risk_model import RiskModel
from tagkit.scoring.text import check_templates, placeholders, render

RISK_REASONS = {
    "orders_lapsed": "risk_orders_lapsed",
    "recency": "risk_no_recent_order",
    "fewer_orders": "risk_fewer_orders",
    "fewer_lines": "risk_fewer_lines",
    "fewer_visits": "risk_fewer_visits",
    "cold_visits": "risk_cold_visits",
    "complaints": "risk_complaints",
    "satisfaction_drop": "risk_satisfaction_drop",
    "competitor_signals": "risk_competitor_signals",
}
DECLINE_REASONS = {"quarter_yoy": "risk_sales_decline_yoy", "quarter_normal": "risk_sales_decline_normal",
                   "year": "risk_sales_decline_year"}
BENCHMARK_SCORES = {"influence": "score_influence", "satisfaction": "score_satisfaction",
                    "cooperation": "score_cooperation"}


@dataclass(frozen=True)
class Reason:
    """A code that applies where ``when`` holds, ranked by ``weight`` (larger first)."""

    code: str
    when: pl.Expr
    weight: pl.Expr


def _risk_reasons(p: ScoringParams, model: RiskModel) -> list[Reason]:
    """The at-risk customer's signals that add at least ``risk.reason_min_points`` to its log-odds, largest first."""
    at_risk = pl.col("tag") == "at_risk"
    contribution = {s: model.contribution(s) for s in (*RISK_REASONS, "sales_decline")}
    strong = {s: c >= p.risk.reason_min_points for s, c in contribution.items()}
    declined = at_risk & strong["sales_decline"]
    basis = pl.col("decline_basis")
    return [
        *(Reason(code, declined & (basis == b), contribution["sales_decline"]) for b, code in DECLINE_REASONS.items()),
        *(Reason(code, at_risk & strong[s], contribution[s]) for s, code in RISK_REASONS.items()),
        Reason("risk_score_high", at_risk & ~pl.any_horizontal(strong.values()), pl.lit(0.0)),
        Reason("benchmark_at_risk", at_risk & pl.col("is_benchmark_quality"), pl.lit(-1.0)),
    ]


def _benchmark_reasons(p: ScoringParams) -> list[Reason]:
    benchmark = pl.col("tag") == "benchmark"
    return [Reason(f"benchmark_{k}", benchmark, pl.col(s)) for k, s in BENCHMARK_SCORES.items()]


def _nail_reasons(p: ScoringParams) -> list[Reason]:
    nail = pl.col("tag") == "nail"
    # a nail by line gap alone is neither stalled nor worked on in vain: only its own reason is true of it
    stalled = nail & pl.col("is_stalled_nail")
    gap = nail & pl.col("is_line_gap")
    n = p.nail
    low_share = (pl.col("share_of_wallet") <= n.max_share_of_wallet.exit).fill_null(False)
    few_lines = (pl.col("lines_share") <= n.max_lines_share).fill_null(False)
    return [
        Reason("nail_high_potential", stalled, pl.lit(5.0)),
        Reason("nail_line_gap", gap, pl.lit(4.5)),
        Reason("nail_low_share_of_wallet", stalled & low_share, pl.lit(4.0)),
        Reason("nail_few_lines", stalled & few_lines & ~gap, pl.lit(3.0)),
        Reason("nail_effort_not_converting", stalled & pl.col("visits_trailing").is_not_null(), pl.lit(2.0)),
        Reason("nail_stalled", stalled, pl.lit(1.0)),
    ]


def _other_reasons(p: ScoringParams) -> list[Reason]:
    big_regular = (pl.col("tag") == "regular") & (pl.col("abc_class") == "A") & ~pl.col("is_dormant")
    b = p.benchmark
    thresholds = {"influence": b.min_influence.enter, "satisfaction": b.min_satisfaction.enter,
                  "cooperation": b.min_cooperation.enter}
    short = [
        Reason(f"not_benchmark_{k}", big_regular & (pl.col(s) < thresholds[k]).fill_null(False),
               pl.lit(thresholds[k]) - pl.col(s))
        for k, s in BENCHMARK_SCORES.items()
    ]
    return [
        Reason("dormant_no_orders", pl.col("is_dormant"), pl.lit(1.0)),
        Reason("new_customer_short_tenure", pl.col("is_new_customer"), pl.lit(0.5)),
        *short,
        Reason("tag_kept", pl.col("tag_kept"), pl.lit(-2.0)),
    ]


def reason_rules(p: ScoringParams, model: RiskModel) -> list[Reason]:
    """Every reason the scorer can give, in a fixed order (the tie-break of equal weights)."""
    return [*_risk_reasons(p, model), *_benchmark_reasons(p), *_nail_reasons(p), *_other_reasons(p)]


def reason_frame(tagged: pl.LazyFrame, *, p: ScoringParams, model: RiskModel) -> pl.LazyFrame:
    """Add ``reason_codes``, ``reasons_zh`` and ``reasons_en`` (same order, weightiest first).

    Each rule renders its sentences only on the customers it applies to; the pieces are stacked
    (one row per customer and reason), sorted by weight then rule order, and gathered back into
    lists. Rendering every sentence for every customer, or sorting lists of structs row by row,
    costs several times more.
    """
    tagged = tagged.cache()  # read twice below: for the reasons and as the frame they join onto
    rules = reason_rules(p, model)
    values = {lang: placeholders(p, lang) for lang in LANGUAGES}
    check_templates(p.reasons, set(values["en"]))
    hits = {f"_hit_{i}": r.when.fill_null(False) for i, r in enumerate(rules)}
    candidates = tagged.with_columns(**hits).filter(pl.any_horizontal(pl.col(list(hits)))).cache()
    pieces = [
        candidates.filter(pl.col(f"_hit_{i}")).select(
            "customer_id",
            weight=r.weight.cast(pl.Float64).fill_null(0.0),
            rule=pl.lit(i, dtype=pl.Int32),
            code=pl.lit(r.code),
            **{lang: render(getattr(getattr(p.reasons, r.code), lang), values[lang]) for lang in LANGUAGES},
        )
        for i, r in enumerate(rules)
    ]
    ranked = (
        pl.concat(pieces)
        .sort(["customer_id", "weight", "rule"], descending=[False, True, False])
        .group_by("customer_id", maintain_order=True)
        .agg(reason_codes=pl.col("code"), reasons_zh=pl.col("zh"), reasons_en=pl.col("en"))
    )
    empty = pl.lit([], dtype=pl.List(pl.String))
    return tagged.join(ranked, on="customer_id", how="left", maintain_order="left").with_columns(
        pl.coalesce(c, empty) for c in ("reason_codes", "reasons_zh", "reasons_en")
    )
