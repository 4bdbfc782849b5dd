"""Benchmarks (标杆客户): their level, the candidates to develop, and the before/after showcase.

- ``benchmark_level`` (benchmarks, benchmark-quality at-risk customers and candidates): the
  highest of national, provincial, city whose scope and reach the customer has — scope at least
  that level (unknown scope: reach alone decides) and downstream outlets *or* referrals at least
  the level's minimum — else local. Multi-level benchmarks: a rep without a mature one borrows a
  higher-level one first (the rep scorecard names it).
- ``benchmark_level_status`` (where there is a level): ``met`` when influence, satisfaction and
  cooperation clear their enter thresholds now (the level's reach is today's by construction);
  ``candidate`` for a candidate (the level it would have); ``former`` otherwise — a benchmark kept
  by hysteresis, or a benchmark-quality customer at risk whose surveys fell below the bar. The
  report and the exports say "原省级" / "former provincial" there, never a level it lacks now.
- Flag ``benchmark_candidate``: two of the three criteria (influence, satisfaction, cooperation)
  past their enter thresholds, the third at most ``candidate_max_gap`` points short or unknown
  (unmeasured: measure it), and not a benchmark, at risk, dormant or a speculator.
  ``benchmark_missing`` names the third, ``benchmark_missing_gap`` the points short.
- Showcase (benchmarks): sales per quarter and lines bought *before* — the quarters before it was
  first tagged benchmark in the history (at most ``showcase_quarters``, ending before the trailing
  year, none among its first ``before_min_quarters - 1`` quarters of orders) — against *now* (the
  trailing year's sales per quarter, the lines bought in it). ``showcase_basis`` says whether that
  makes a showcase: ``before_benchmark`` (a real before, and sales grew since: the before/after to
  show), else why not: ``slipping`` (below), ``no_before`` (a benchmark since the history's start,
  or no orders before it: its first quarters of data are no "before"), ``no_growth`` (sales now not above before). The
  figures stay where a before exists: they are the evidence of a slip.
- Flag ``benchmark_slipping`` (``is_benchmark_slipping``): a benchmark whose sales per quarter are
  at least ``slipping.below_before`` under its before, or whose trailing 4 quarters are at least
  ``slipping.trailing_decline`` under the 4 before. The playbook defends it and never sends it
  to a case study or an open house (its ``showcase`` condition).
"""
from __future__ import annotations

import polars as pl

from tagkit.params import PrescriptionParams, ScoringParams
from tagkit.quarters import quarter_index
from tagkit.scoring.rules import benchmark_bar_met

LEVELS = ("national", "provincial", "city", "local")
SCOPE_RANK = {"national": 3, "provincial": 2, "city": 1, "local": 0}
CRITERIA = {"influence": "score_influence", "satisfaction": "score_satisfaction", "cooperation": "score_cooperation"}


def benchmark_level(p: PrescriptionParams) -> pl.Expr:
    """The level of every customer (the caller keeps it where it applies)."""
    scope = pl.col("influence_scope").replace_strict(SCOPE_RANK, default=None, return_dtype=pl.Int64)
    level = pl.lit("local")
    for name in ("city", "provincial", "national"):
        reach = getattr(p.benchmark.levels, name)
        scoped = (scope >= SCOPE_RANK[name]) | scope.is_null()
        reached = (pl.col("downstream_outlets") >= reach.min_outlets).fill_null(False) | (
            pl.col("referrals") >= reach.min_referrals).fill_null(False)
        level = pl.when(scoped & reached).then(pl.lit(name)).otherwise(level)
    return level


def candidate_columns(scoring: ScoringParams, p: PrescriptionParams) -> dict[str, pl.Expr]:
    """``is_benchmark_candidate``, ``benchmark_missing`` and ``benchmark_missing_gap``."""
    b = scoring.benchmark
    enter = {"influence": b.min_influence.enter, "satisfaction": b.min_satisfaction.enter,
             "cooperation": b.min_cooperation.enter}
    met = {k: (pl.col(c) >= enter[k]).fill_null(False) for k, c in CRITERIA.items()}
    n_met = pl.sum_horizontal(m.cast(pl.Int8) for m in met.values())
    missing = pl.lit(None, dtype=pl.String)
    gap = pl.lit(None, dtype=pl.Float64)
    for k, c in CRITERIA.items():
        missing = pl.when(~met[k]).then(pl.lit(k)).otherwise(missing)
        gap = pl.when(~met[k]).then((enter[k] - pl.col(c)).round(1)).otherwise(gap)
    eligible = (
        ~pl.col("tag").is_in(["benchmark", "at_risk"])
        & ~pl.col("flags").list.contains("dormant")
        & ~pl.col("is_speculator")
    )
    close = (gap <= p.benchmark.candidate_max_gap) | gap.is_null()
    candidate = eligible & (n_met == 2) & close
    return {
        "is_benchmark_candidate": candidate,
        "benchmark_missing": pl.when(candidate).then(missing),
        "benchmark_missing_gap": pl.when(candidate).then(gap),
    }


def benchmark_frame(customers: pl.LazyFrame, *, scoring: ScoringParams, p: PrescriptionParams) -> pl.LazyFrame:
    """Add ``is_benchmark_candidate``, ``benchmark_missing(_gap)``, ``benchmark_level`` and its status."""
    out = customers.with_columns(**candidate_columns(scoring, p))
    applies = (
        (pl.col("tag") == "benchmark") | pl.col("is_benchmark_candidate")
        | pl.col("flags").list.contains("benchmark_at_risk")
    )
    return out.with_columns(benchmark_level=pl.when(applies).then(benchmark_level(p)),
                            benchmark_level_status=pl.when(applies).then(level_status(scoring)))


def level_status(scoring: ScoringParams) -> pl.Expr:
    """``met``, ``candidate`` or ``former`` (see the module docstring); the caller keeps it where a level is."""
    return (pl.when(benchmark_bar_met(scoring)).then(pl.lit("met"))
            .when(pl.col("is_benchmark_candidate")).then(pl.lit("candidate"))
            .otherwise(pl.lit("former")))


def _before_window(rows: pl.LazyFrame, *, quarter: str, p: PrescriptionParams) -> pl.LazyFrame:
    """Per benchmark with a real "before": the first and last quarter index of it.

    The quarters before the first benchmark quarter of the history, the last ``showcase_quarters``
    of them, none inside the trailing year (the "now"), and none among the customer's first
    ``before_min_quarters - 1`` quarters of orders in the history: a tag there rests on less than a
    year of data (a customer "regular" in the extract's first quarter was not yet judged, so that
    quarter is no "before"). A customer tagged benchmark from the history's start has none: when it
    became one is not known.
    """
    trailing_start = quarter_index(quarter) - 3  # the "now" window is the contract's trailing 4 quarters
    settled = p.benchmark.before_min_quarters - 1
    spans = rows.group_by("customer_id").agg(
        first_benchmark=pl.col("qi").filter(pl.col("tag") == "benchmark").min(),
        first_data=pl.col("qi").filter(pl.col("sales_quarter") != 0).min(),
    )
    last = pl.min_horizontal(pl.col("first_benchmark") - 1, pl.lit(trailing_start - 1))
    first = pl.max_horizontal(pl.col("first_benchmark") - p.benchmark.showcase_quarters,
                              pl.col("first_data") + settled)
    return (spans.filter(pl.col("first_benchmark") > pl.col("first_data"))
            .select("customer_id", _first=first, _last=last).filter(pl.col("_first") <= pl.col("_last")))


def slipping(p: PrescriptionParams) -> pl.Expr:
    """``is_benchmark_slipping`` of a benchmark with the showcase figures (see the module docstring)."""
    s = p.benchmark.slipping
    now, before, prior = pl.col("showcase_sales_now"), pl.col("showcase_sales_before"), pl.col("sales_prior_4q")
    below_before = (now < before * (1 - s.below_before)).fill_null(False)
    declining = ((prior > 0) & (pl.col("sales_trailing_4q") <= prior * (1 - s.trailing_decline))).fill_null(False)
    return (pl.col("tag") == "benchmark") & (below_before | declining)


def showcase(customers: pl.LazyFrame, history: pl.LazyFrame, *, quarter: str, p: PrescriptionParams) -> pl.LazyFrame:
    """Add the showcase columns and ``is_benchmark_slipping`` (benchmarks only; see the module docstring)."""
    benchmarks = customers.filter(pl.col("tag") == "benchmark").select("customer_id")
    rows = history.join(benchmarks, on="customer_id", how="semi")
    window = _before_window(rows, quarter=quarter, p=p)
    before = rows.join(window, on="customer_id", how="inner").filter(
        pl.col("qi").is_between(pl.col("_first"), pl.col("_last"))
    ).group_by("customer_id").agg(
        showcase_from=pl.col("quarter").sort_by("qi").first(),
        showcase_to=pl.col("quarter").sort_by("qi").last(),
        showcase_sales_before=((pl.col("sales_quarter") * 100).round().cast(pl.Int64).sum() / 100 / pl.len()).round(2),
        showcase_lines_before=pl.col("lines_bought").sort_by("qi").last(),
    )
    now_sales = (pl.col("sales_trailing_4q") / 4).round(2)
    has_before = pl.col("showcase_from").is_not_null()
    is_benchmark = pl.col("tag") == "benchmark"
    grown = (pl.col("showcase_sales_now") > pl.col("showcase_sales_before")).fill_null(False)
    return customers.join(before, on="customer_id", how="left", maintain_order="left").with_columns(
        showcase_sales_now=pl.when(has_before).then(now_sales),
        showcase_lines_now=pl.when(has_before).then(pl.col("lines_bought").cast(pl.Int64)),
        showcase_sales_change=pl.when(pl.col("showcase_sales_before") > 0)
        .then((now_sales / pl.col("showcase_sales_before") - 1).round(4)),
    ).with_columns(is_benchmark_slipping=slipping(p)).with_columns(
        showcase_basis=pl.when(~is_benchmark).then(pl.lit(None, dtype=pl.String))
        .when(pl.col("is_benchmark_slipping")).then(pl.lit("slipping"))
        .when(~has_before).then(pl.lit("no_before"))
        .when(~grown).then(pl.lit("no_growth"))
        .otherwise(pl.lit("before_benchmark")),
    )
