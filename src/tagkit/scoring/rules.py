"""Tags, flags, hysteresis and the ABC baseline: the domain rules of DOMAIN.md as expressions.

Precedence (first match wins):

1. **dormant** (flag ``dormant``, tag ``regular``): no order for ``lifecycle.dormant_days`` and
   ``lifecycle.dormant_intervals`` usual intervals. It has already left: a win-back list, not
   the at-risk watch list, and its zero share of wallet does not make it a nail.
2. **at_risk**: ``score_risk`` at or above ``at_risk.min_risk``, for an established customer
   (not a ``new_customer`` and at least ``risk.min_history_days`` of orders). A customer of
   benchmark quality (tagged benchmark last quarter, or influence past its exit threshold and
   satisfaction and cooperation past theirs now or before the decline) gets flag
   ``benchmark_at_risk``: defending it comes first, and the flag keeps it visible.
3. **benchmark**: ``score_influence``, ``score_satisfaction`` and ``score_cooperation`` all at or
   above their minimums. Sales play no part: "the three are indispensable".
4. **nail**: high untapped value (``score_potential``), little of it ours (share of wallet, or
   few of our product lines), stalled for ``nail.min_stalled_quarters``, worked on without
   converting (visits, few positive), and a customer for ``nail.min_tenure_days``. Or by **line
   gap** (``nail.line_gap``, flag ``line_gap``): a large customer (ABC class, or high
   ``score_potential``) of long standing, established, that buys few of our product lines — the
   seed's own nail, "a lot overall but little of our lines", whatever its share of wallet. ABC is
   therefore computed before the tags (:func:`abc_frame`).
5. **regular**: everyone else.

Flags (``flags: list[str]``, in the order of :data:`FLAG_RULES`): ``benchmark_at_risk``,
``dormant``, ``new_customer``, ``line_gap`` (a nail by line gap) (tenure below
``lifecycle.new_customer_days``: never a nail nor at risk). A later rule is one more entry in :data:`FLAG_RULES`.

The prescription (:mod:`tagkit.prescription`) adds one step after this precedence, because it
needs the order lines' calendar and discounts: a ``speculator`` (quarter-end buying at deep
discounts without a rhythm) tagged at_risk is re-judged on ``score_risk`` without its
sales-decline and lapse components, and becomes regular when that falls below the band
(``scored_tag`` keeps this module's tag). Full order: dormant, speculator rhythm, at_risk,
benchmark, nail, regular.

Hysteresis (``hysteresis: true``): a customer whose previous (raw) tag is X is judged against
X's *exit* thresholds, everyone else against the *enter* thresholds; precedence is unchanged.
"""
from __future__ import annotations

from collections.abc import Callable

import polars as pl

from tagkit.contract import TAGS
from tagkit.params import Band, ScoringParams
from tagkit.scoring.exprs import labels_where, survey_points


def meets(column: str, band: Band, *, keep: pl.Expr, upper: bool = False) -> pl.Expr:
    """``column`` past the band's exit threshold where ``keep``, else past its enter threshold.

    ``upper`` for a maximum (share of wallet), else a minimum. Null (unknown) never meets.
    """
    threshold = pl.when(keep).then(pl.lit(band.exit)).otherwise(pl.lit(band.enter))
    test = pl.col(column) <= threshold if upper else pl.col(column) >= threshold
    return test.fill_null(False)


def _keep(tag: str, p: ScoringParams) -> pl.Expr:
    if not p.hysteresis:
        return pl.lit(False)
    return (pl.col("previous_tag") == tag).fill_null(False)


def lifecycle_frame(scored: pl.LazyFrame, *, p: ScoringParams) -> pl.LazyFrame:
    """``is_new_customer``, ``is_dormant`` and ``is_established`` (enough history to judge a decline)."""
    life = p.lifecycle
    new = (pl.col("tenure_days") < life.new_customer_days).fill_null(False)
    lapsed = (pl.col("days_since_last_order") >= life.dormant_days) & (pl.col("lapse_ratio") >= life.dormant_intervals)
    never = pl.col("last_order").is_null() & (pl.col("tenure_days") >= life.dormant_days)
    dormant = pl.when(pl.col("last_order").is_null()).then(never).otherwise(lapsed).fill_null(False) & ~new
    established = ~new & (pl.col("history_days") >= p.risk.min_history_days).fill_null(False)
    return scored.with_columns(is_new_customer=new, is_dormant=dormant, is_established=established)


def _benchmark_quality(p: ScoringParams, keep: pl.Expr) -> pl.Expr:
    b = p.benchmark
    return (meets("score_influence", b.min_influence, keep=keep)
            & meets("score_satisfaction", b.min_satisfaction, keep=keep)
            & meets("score_cooperation", b.min_cooperation, keep=keep))


def benchmark_bar_met(p: ScoringParams) -> pl.Expr:
    """Influence, satisfaction and cooperation at their *enter* thresholds now: the bar a benchmark level
    shown as met must clear. A benchmark kept by hysteresis (past the exit thresholds only) or a
    benchmark-quality customer at risk (a benchmark last quarter, or past them before its decline) may
    be below it: its level is a former one."""
    return _benchmark_quality(p, keep=pl.lit(False))


def _benchmark_before_decline(p: ScoringParams) -> pl.Expr:
    """Benchmark quality for the flag ``benchmark_at_risk``: a benchmark last quarter, or influence
    past its exit threshold with satisfaction and cooperation past theirs now or in the before
    window, since a decline drags the surveys down with it."""
    b = p.benchmark
    best = {
        k: pl.max_horizontal(pl.col(f"score_{k}"), survey_points(f"{k}_before"))
        for k in ("satisfaction", "cooperation")
    }
    quality = (
        (pl.col("score_influence") >= b.min_influence.exit)
        & (best["satisfaction"] >= b.min_satisfaction.exit)
        & (best["cooperation"] >= b.min_cooperation.exit)
    ).fill_null(False)
    return quality | (pl.col("previous_tag") == "benchmark").fill_null(False)


def _nail_quality(p: ScoringParams, keep: pl.Expr) -> pl.Expr:
    n = p.nail
    penetration = meets("share_of_wallet", n.max_share_of_wallet, keep=keep, upper=True) | (
        pl.col("lines_share") <= n.max_lines_share
    ).fill_null(False)
    # without a visits table the effort cannot be checked: the other conditions decide
    effort = (pl.col("visits_trailing") >= n.min_visits).fill_null(True) & (
        pl.col("positive_share") <= n.max_positive_share
    ).fill_null(True)
    return (
        meets("score_potential", n.min_potential, keep=keep)
        & pl.col("share_of_wallet").is_not_null()
        & penetration
        & (pl.col("stalled_quarters") >= n.min_stalled_quarters).fill_null(False)
        & effort
        & (pl.col("tenure_days") >= n.min_tenure_days).fill_null(False)
    )


def _line_gap(p: ScoringParams, keep: pl.Expr) -> pl.Expr:
    """A large customer (ABC class, or high potential) buying few of our lines, for long enough."""
    g = p.nail.line_gap
    large = pl.col("abc_class").is_in(g.abc_classes).fill_null(False) | meets("score_potential", g.min_potential,
                                                                              keep=keep)
    return (
        large
        & (pl.col("lines_share") <= g.max_lines_share).fill_null(False)
        & (pl.col("lines_bought") >= g.min_lines_bought).fill_null(False)
        & (pl.col("tenure_days") >= g.min_tenure_days).fill_null(False)
        & pl.col("is_established")
        # the value behind a nail is weighed on its potential (the prescription's upside): unknown, no nail
        & pl.col("share_of_wallet").is_not_null()
    )


def tag_frame(scored: pl.LazyFrame, *, p: ScoringParams) -> pl.LazyFrame:
    """``tag`` by the precedence above, plus the booleans the flags and reasons read
    (``is_line_gap``: the line-gap rule holds; ``is_stalled_nail``: the stalled-share rule holds).

    Needs ``previous_tag`` (null where unknown, or when scoring without hysteresis) and ``abc_class``.
    """
    keep = {t: _keep(t, p) for t in TAGS}
    live = ~pl.col("is_dormant")
    at_risk = live & pl.col("is_established") & meets("score_risk", p.at_risk.min_risk, keep=keep["at_risk"])
    benchmark = live & ~at_risk & _benchmark_quality(p, keep["benchmark"])
    stalled, gap = _nail_quality(p, keep["nail"]), _line_gap(p, keep["nail"])
    nail = live & ~at_risk & ~benchmark & ~pl.col("is_new_customer") & (stalled | gap)
    entered = {
        "at_risk": meets("score_risk", p.at_risk.min_risk, keep=pl.lit(False)),
        "benchmark": _benchmark_quality(p, pl.lit(False)),
        "nail": _nail_quality(p, pl.lit(False)) | _line_gap(p, pl.lit(False)),
    }
    tag = (
        pl.when(at_risk).then(pl.lit("at_risk"))
        .when(benchmark).then(pl.lit("benchmark"))
        .when(nail).then(pl.lit("nail"))
        .otherwise(pl.lit("regular"))
    )
    return scored.with_columns(
        tag=tag,
        is_benchmark_quality=_benchmark_before_decline(p),
        is_stalled_nail=stalled,
        is_line_gap=gap,
    ).with_columns(
        # kept only thanks to hysteresis: past the exit threshold but short of the enter one
        tag_kept=pl.any_horizontal(
            (pl.col("tag") == t) & keep[t] & ~entered[t] for t in ("at_risk", "benchmark", "nail")
        ),
    )


FlagRule = Callable[[ScoringParams], pl.Expr]

FLAG_RULES: dict[str, FlagRule] = {
    "benchmark_at_risk": lambda p: (pl.col("tag") == "at_risk") & pl.col("is_benchmark_quality"),
    "dormant": lambda p: pl.col("is_dormant"),
    "new_customer": lambda p: pl.col("is_new_customer"),
    "line_gap": lambda p: (pl.col("tag") == "nail") & pl.col("is_line_gap"),
}


def flag_frame(tagged: pl.LazyFrame, *, p: ScoringParams, rules: dict[str, FlagRule] | None = None) -> pl.LazyFrame:
    """``flags: list[str]``: the name of every rule that holds, in the rules' order."""
    rules = FLAG_RULES if rules is None else rules
    return tagged.with_columns(flags=labels_where({name: rule(p) for name, rule in rules.items()}))


def abc_frame(scored: pl.LazyFrame, *, p: ScoringParams) -> pl.LazyFrame:
    """A/B/C by cumulative share of the region's trailing-4q sales, largest first (the baseline).

    Ordered with ``customer_id`` as tie-break for the cumulative sum, so equal sales never swap
    places between runs.
    """
    sales = pl.col("sales_trailing_4q").clip(0)
    total = sales.sum().over("region")
    largest_first = [-pl.col("sales_trailing_4q"), pl.col("customer_id")]
    before = (sales.cum_sum() - sales).over("region", order_by=largest_first) / total
    return scored.with_columns(
        abc_class=pl.when(total <= 0).then(pl.lit("C"))
        .when(before < p.abc.a_share).then(pl.lit("A"))
        .when(before < p.abc.b_share).then(pl.lit("B"))
        .otherwise(pl.lit("C"))
    )
