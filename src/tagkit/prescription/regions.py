"""Per region: movements between tags, the development stage and its focus, the headline counts.

**Movements** (``movement`` per customer, ``previous_tag`` → ``tag``, first match):
``nail_pulled`` (a nail last quarter, now a regular or benchmark buying more than last quarter,
not dormant, not a speculator), ``at_risk_lost`` (at risk last quarter, now a regular that is
dormant or without sales this quarter), ``at_risk_saved`` (at risk last quarter, now regular or
benchmark, buying, not a speculator), ``benchmark_lost`` (no longer tagged benchmark, and not
defended as one: not an at-risk customer flagged ``benchmark_at_risk``), ``benchmark_new``,
``at_risk_new``, ``nail_new``, ``nail_released`` (a nail no longer, without buying more); null
otherwise. ``transitions.parquet`` counts each (previous_tag, tag, movement) cell per region,
with the customers behind it.

A movement never contradicts the tag and the actions the customer carries: a customer still
tagged at risk is told to defend, so it is not "lost" (one at risk last quarter and still now is
no movement, whatever it bought); a benchmark now at risk is defended first as a benchmark
(flag and action ``defend_benchmark``), so it is newly at risk rather than a lost benchmark; a
nail now at risk or buying only as a speculator is no pulled nail. tests/test_prescription_labels.py
checks these pairs on the sample.

**Development stage** from penetration (the region's trailing-year sales to customers with a
potential / their potential: how much of the wallet is won) and growth (trailing year against
the year before): ``early`` below ``early_below_penetration``; ``late`` from
``late_from_penetration`` with growth below ``late_below_growth``; ``middle`` otherwise; null
where no customer has a potential. The focus it implies is worded in params (early: high value,
low difficulty; from the middle stage on: the nails).
"""
from __future__ import annotations

import polars as pl

from tagkit.contract import TAGS
from tagkit.lang import LANGUAGES
from tagkit.params import PrescriptionParams

MOVEMENTS = ("nail_pulled", "at_risk_lost", "at_risk_saved", "benchmark_lost", "benchmark_new", "at_risk_new",
             "nail_new", "nail_released")


def movement() -> pl.Expr:
    prev, tag = pl.col("previous_tag"), pl.col("tag")
    was = {t: (prev == t).fill_null(False) for t in ("nail", "at_risk", "benchmark")}
    buying_more = (pl.col("sales_quarter") > pl.col("sales_previous_quarter")).fill_null(False)
    dormant = pl.col("flags").list.contains("dormant").fill_null(False)
    gone = dormant | (pl.col("sales_quarter") <= 0).fill_null(True)
    won = tag.is_in(["regular", "benchmark"]) & ~pl.col("is_speculator") & ~dormant
    defended_benchmark = (tag == "at_risk") & pl.col("flags").list.contains("benchmark_at_risk").fill_null(False)
    rules = {
        "nail_pulled": was["nail"] & won & buying_more,
        "at_risk_lost": was["at_risk"] & (tag == "regular") & gone,
        "at_risk_saved": was["at_risk"] & won & ~gone,
        "benchmark_lost": was["benchmark"] & (tag != "benchmark") & ~defended_benchmark,
        "benchmark_new": ~was["benchmark"] & (tag == "benchmark"),
        "at_risk_new": ~was["at_risk"] & (tag == "at_risk"),
        "nail_new": ~was["nail"] & (tag == "nail"),
        "nail_released": was["nail"] & (tag != "nail"),
    }
    out = pl.lit(None, dtype=pl.String)
    for name in reversed(MOVEMENTS):
        out = pl.when(rules[name]).then(pl.lit(name)).otherwise(out)
    return out


def transitions(customers: pl.LazyFrame, *, quarter: str) -> pl.LazyFrame:
    """region × previous_tag × tag × movement: customers, their sales this quarter and their ids."""
    return (
        customers.group_by("region", "previous_tag", "tag", "movement")
        .agg(
            customers=pl.len().cast(pl.Int64),
            sales_quarter=(pl.col("sales_quarter") * 100).round().cast(pl.Int64).sum() / 100,
            customer_ids=pl.col("customer_id").sort(),
        )
        .select(pl.lit(quarter).alias("quarter"), pl.all())
        .sort(["region", "previous_tag", "tag", "movement"], nulls_last=True)
    )


def development_stage(p: PrescriptionParams) -> pl.Expr:
    s = p.regions.stage
    pen, growth = pl.col("penetration"), pl.col("growth")
    return (
        pl.when(pen.is_null()).then(None)
        .when(pen < s.early_below_penetration).then(pl.lit("early"))
        .when((pen >= s.late_from_penetration) & (growth < s.late_below_growth).fill_null(False)).then(pl.lit("late"))
        .otherwise(pl.lit("middle"))
    )


def _cents(expr: pl.Expr) -> pl.Expr:
    return (expr * 100).round().cast(pl.Int64)


def region_summary(customers: pl.LazyFrame, gaps: pl.LazyFrame, quality: pl.LazyFrame, *, quarter: str,
                   p: PrescriptionParams) -> pl.LazyFrame:
    """One row per region: stage and focus, headline counts, movements, coverage and quality."""
    tag = pl.col("tag")
    flag = pl.col("flags").list.contains
    has_potential = pl.col("potential_annual_value") > 0
    counts = customers.group_by("region").agg(
        customers=pl.len().cast(pl.Int64),
        active_customers=(pl.col("sales_trailing_4q") > 0).sum().cast(pl.Int64),
        reps=pl.col("rep_id").n_unique().cast(pl.Int64),
        _quarter=_cents(pl.col("sales_quarter")).sum(),
        _quarter_pos=_cents(pl.col("sales_quarter").clip(0)).sum(),
        _speculator=_cents(pl.col("sales_quarter").clip(0)).filter(pl.col("is_speculator")).sum(),
        _now=_cents(pl.col("sales_trailing_4q")).sum(),
        _prior=_cents(pl.col("sales_prior_4q")).sum(),
        _won=_cents(pl.col("sales_trailing_4q").clip(0)).filter(has_potential).sum(),
        _potential=_cents(pl.col("potential_annual_value")).filter(has_potential).sum(),
        **{f"{t}s" if t != "at_risk" else t: (tag == t).sum().cast(pl.Int64)
           for t in TAGS},
        candidates=pl.col("is_benchmark_candidate").sum().cast(pl.Int64),
        speculators=pl.col("is_speculator").sum().cast(pl.Int64),
        dormant=flag("dormant").sum().cast(pl.Int64),
        rep_changes=flag("rep_change_recommended").sum().cast(pl.Int64),
        nails_invest=(pl.col("nail_decision") == "invest").sum().cast(pl.Int64),
        **{m: (pl.col("movement") == m).sum().cast(pl.Int64) for m in MOVEMENTS},
    )
    gap_totals = gaps.group_by("region").agg(
        coverage_gaps=pl.len().cast(pl.Int64), uncovered_customers=pl.col("customers").sum().cast(pl.Int64),
    )
    current = quality.filter(pl.col("quarter") == quarter).select("region", "quality_index")
    focus = {lang: {stage: getattr(getattr(p.regions.focus, stage), lang) for stage in ("early", "middle", "late")}
             for lang in LANGUAGES}
    return (
        counts.with_columns(
            active_share=(pl.col("active_customers") / pl.col("customers")).round(4),
            sales_quarter=pl.col("_quarter") / 100,
            sales_trailing_4q=pl.col("_now") / 100,
            sales_prior_4q=pl.col("_prior") / 100,
            potential=pl.when(pl.col("_potential") > 0).then(pl.col("_potential") / 100),
            penetration=pl.when(pl.col("_potential") > 0).then((pl.col("_won") / pl.col("_potential")).round(4)),
            growth=pl.when(pl.col("_prior") > 0).then((pl.col("_now") / pl.col("_prior") - 1).round(4)),
            speculator_sales_share=pl.when(pl.col("_quarter_pos") > 0)
            .then((pl.col("_speculator") / pl.col("_quarter_pos")).round(4)),
        )
        .with_columns(stage=development_stage(p))
        .with_columns(
            focus_zh=pl.col("stage").replace_strict(focus["zh"], default=None, return_dtype=pl.String),
            focus_en=pl.col("stage").replace_strict(focus["en"], default=None, return_dtype=pl.String),
        )
        .join(gap_totals, on="region", how="left")
        .join(current, on="region", how="left")
        .with_columns(pl.col("coverage_gaps", "uncovered_customers").fill_null(0), quarter=pl.lit(quarter))
        .select(
            "region", "quarter", "stage", "focus_zh", "focus_en", "penetration", "growth", "active_share",
            "customers", "active_customers", "reps", "sales_quarter", "sales_trailing_4q", "sales_prior_4q",
            "potential", "benchmarks", "candidates", "nails", "nails_invest", "at_risk", "regulars", "speculators",
            "speculator_sales_share", "dormant", "rep_changes", *MOVEMENTS, "coverage_gaps", "uncovered_customers",
            "quality_index",
        )
        .sort("region")
    )
