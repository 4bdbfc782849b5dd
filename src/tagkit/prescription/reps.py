"""The rep scorecard (``reps.parquet``): one row per rep with customers, reps table or not.

- Benchmarks held against ``reps.benchmarks_min`` ("every rep must have benchmark customers"),
  new benchmarks over the last 4 quarters (benchmarks now that were not 4 quarters ago, in
  the history's raw tags; null when the history does not reach back that far) against
  ``benchmarks_new_per_year``, candidates in the pipeline; without a benchmark of its own, the
  region's highest-level benchmark to borrow (``borrow_benchmark_id``).
- Nails held, in attack (decision invest), pulled this quarter; at-risk customers held, saved and
  lost since last quarter (see :mod:`~tagkit.prescription.regions` for the movements).
- The visit plan (:mod:`~tagkit.prescription.visit_plan`): visits made per quarter over the
  capacity window, the capacity (with the slack), the visits recommended and planned for next
  quarter, ``visits_over_capacity`` (even the floors exceed the capacity) and
  ``visit_plan_basis``. ``visit_target_<tag>``: the plan's share of the rep's visits per tag.
- Where the rep's own visits of the quarter went (``visits.rep_id``), by the customers' tag,
  against those targets: ``visit_alignment`` = 1 − half the summed gaps (1: the visits went
  exactly where the plan says; 0: nowhere near). The targets are the plan's, not fixed shares,
  so following the plan scores 100%.
"""
from __future__ import annotations

import polars as pl

from tagkit.contract import TAGS
from tagkit.params import PrescriptionParams
from tagkit.prescription.evidence import optional_column
from tagkit.prescription.history import tag_at
from tagkit.prescription.visit_plan import rep_capacity
from tagkit.quarters import quarter_end, quarter_index, quarter_start, shift_quarter

LEVEL_RANK = {"national": 0, "provincial": 1, "city": 2, "local": 3}


def _mode_region(column: str = "region") -> pl.Expr:
    """The rep's most frequent region among its customers (ties: the first by name)."""
    return pl.col(column).mode().sort().first()


def _visit_mix(customers: pl.LazyFrame, visits: pl.LazyFrame | None, *, quarter: str) -> pl.LazyFrame | None:
    """The rep's own visits of the quarter by the visited customers' tag, and their shares."""
    if visits is None:
        return None
    tags = customers.select("customer_id", "tag")
    made = (
        visits.filter(pl.col("visit_date").is_between(quarter_start(quarter), quarter_end(quarter)))
        .select(pl.col("customer_id").cast(pl.String), pl.col("rep_id").cast(pl.String))
        .join(tags, on="customer_id", how="inner")
        .group_by("rep_id")
        .agg(visits=pl.len().cast(pl.Int64), **{f"visits_{t}": (pl.col("tag") == t).sum().cast(pl.Int64)
                                                for t in TAGS})
    )
    return made.with_columns(
        **{f"visit_share_{t}": (pl.col(f"visits_{t}") / pl.col("visits")).round(4) for t in TAGS})


PLAN_COLUMNS = ["visits_per_quarter", "visit_capacity", "visits_recommended", "visits_planned",
                "visits_over_capacity", "visit_plan_basis"]


def _plan(customers: pl.LazyFrame, visits: pl.LazyFrame | None, *, quarter: str,
          p: PrescriptionParams) -> pl.LazyFrame:
    """Per rep: the plan's totals, its capacity and its shares per tag (the scorecard's targets)."""
    planned = pl.col("visits_planned")
    plan = customers.group_by("rep_id").agg(
        visits_recommended=pl.col("visits_recommended").sum().cast(pl.Int64),
        visits_planned=planned.sum().cast(pl.Int64),
        visit_plan_basis=pl.col("visit_plan_basis").first(),
        **{f"_planned_{t}": planned.filter(pl.col("tag") == t).sum() for t in TAGS},
    ).with_columns(**{f"visit_target_{t}": pl.when(pl.col("visits_planned") > 0)
                      .then((pl.col(f"_planned_{t}") / pl.col("visits_planned")).round(4)) for t in TAGS})
    capacity = rep_capacity(visits, quarter=quarter, p=p.visit_plan)
    plan = (plan.join(capacity, on="rep_id", how="left") if capacity is not None else plan.with_columns(
        visits_per_quarter=pl.lit(None, dtype=pl.Float64), visit_capacity=pl.lit(None, dtype=pl.Float64)))
    return plan.with_columns(visits_over_capacity=pl.col("visits_planned") > pl.col("visit_capacity")).select(
        "rep_id", *PLAN_COLUMNS, *(f"visit_target_{t}" for t in TAGS))


def _alignment() -> pl.Expr:
    """1 − half the summed gaps between the quarter's shares of visits and the plan's (null without both)."""
    gaps = pl.sum_horizontal((pl.col(f"visit_share_{t}") - pl.col(f"visit_target_{t}")).abs()
                             for t in TAGS)
    known = pl.col("visit_target_regular").is_not_null() & pl.col("visit_share_regular").is_not_null()
    return pl.when(known).then((1 - gaps / 2).round(4))


def _new_benchmarks(customers: pl.LazyFrame, history: pl.LazyFrame, *, quarter: str,
                    p: PrescriptionParams) -> pl.LazyFrame | None:
    if p.quality_index.history_quarters < 5:
        return None
    year_ago = shift_quarter(quarter, -4)
    then = tag_at(history, quarter=year_ago, alias="_tag_year_ago")
    regions_then = history.filter(pl.col("qi") == quarter_index(year_ago)).group_by("region").agg(
        _data=(pl.col("sales_quarter") != 0).any())
    return (
        customers.select("customer_id", "rep_id", "region", "tag")
        .join(then, on="customer_id", how="left")
        .join(regions_then, on="region", how="left")
        .group_by("rep_id")
        .agg(
            _known=pl.col("_data").fill_null(False).all(),
            _new=((pl.col("tag") == "benchmark") & (pl.col("_tag_year_ago") != "benchmark").fill_null(True)).sum(),
        )
        .select("rep_id", benchmarks_new_4q=pl.when(pl.col("_known")).then(pl.col("_new").cast(pl.Int64)))
    )


def _borrow(customers: pl.LazyFrame) -> pl.LazyFrame:
    """Per region, the benchmark a rep without one should borrow: highest level, then influence."""
    return (
        customers.filter(pl.col("tag") == "benchmark")
        .with_columns(_rank=pl.col("benchmark_level").replace_strict(LEVEL_RANK, default=9, return_dtype=pl.Int64))
        .sort(["region", "_rank", "score_influence", "customer_id"], descending=[False, False, True, False],
              nulls_last=True)
        .group_by("region", maintain_order=True)
        .agg(_borrow_id=pl.col("customer_id").first(), _borrow_level=pl.col("benchmark_level").first())
    )


def rep_scorecards(customers: pl.LazyFrame, tables: dict[str, pl.LazyFrame], history: pl.LazyFrame, *,
                   quarter: str, p: PrescriptionParams) -> pl.LazyFrame:
    """One row per rep of ``customers.rep_id`` (see the module docstring)."""
    tag, movement = pl.col("tag"), pl.col("movement")
    cards = customers.group_by("rep_id").agg(
        _region=_mode_region(),
        customers=pl.len().cast(pl.Int64),
        sales_trailing_4q=(pl.col("sales_trailing_4q") * 100).round().cast(pl.Int64).sum() / 100,
        benchmarks=(tag == "benchmark").sum().cast(pl.Int64),
        candidates=pl.col("is_benchmark_candidate").sum().cast(pl.Int64),
        nails=(tag == "nail").sum().cast(pl.Int64),
        nails_invest=(pl.col("nail_decision") == "invest").sum().cast(pl.Int64),
        nails_pulled=(movement == "nail_pulled").sum().cast(pl.Int64),
        at_risk=(tag == "at_risk").sum().cast(pl.Int64),
        at_risk_saved=(movement == "at_risk_saved").sum().cast(pl.Int64),
        at_risk_lost=(movement == "at_risk_lost").sum().cast(pl.Int64),
        speculators=pl.col("is_speculator").sum().cast(pl.Int64),
        rep_changes=pl.col("flags").list.contains("rep_change_recommended").sum().cast(pl.Int64),
    )
    reps = tables.get("reps")
    if reps is not None:
        people = reps.select(
            pl.col("rep_id").cast(pl.String), pl.col("rep_name").cast(pl.String),
            pl.col("region").cast(pl.String).alias("_reps_region"), optional_column(reps, "role", pl.String),
        ).unique("rep_id", keep="first", maintain_order=True)
        cards = cards.join(people, on="rep_id", how="left")
    else:
        cards = cards.with_columns(rep_name=pl.lit(None, dtype=pl.String), _reps_region=pl.lit(None, dtype=pl.String),
                                   role=pl.lit(None, dtype=pl.String))
    cards = cards.with_columns(region=pl.coalesce("_reps_region", "_region"))
    new = _new_benchmarks(customers, history, quarter=quarter, p=p)
    cards = (cards.join(new, on="rep_id", how="left") if new is not None
             else cards.with_columns(benchmarks_new_4q=pl.lit(None, dtype=pl.Int64)))
    mix = _visit_mix(customers, tables.get("visits"), quarter=quarter)
    mix_columns = ["visits", *(f"visits_{t}" for t in TAGS),
                   *(f"visit_share_{t}" for t in TAGS)]
    if mix is None:
        cards = cards.with_columns(
            pl.lit(None, dtype=pl.Int64 if c.startswith("visits") else pl.Float64).alias(c) for c in mix_columns)
    else:
        cards = cards.join(mix, on="rep_id", how="left").with_columns(
            pl.col("visits", *(f"visits_{t}" for t in TAGS)).fill_null(0))
    t = p.reps
    return (
        cards.join(_borrow(customers), on="region", how="left")
        .join(_plan(customers, tables.get("visits"), quarter=quarter, p=p), on="rep_id", how="left")
        .with_columns(visit_alignment=_alignment())
        .with_columns(
            quarter=pl.lit(quarter),
            benchmarks_min=pl.lit(t.benchmarks_min, dtype=pl.Int64),
            benchmarks_gap=(pl.lit(t.benchmarks_min) - pl.col("benchmarks")).clip(lower_bound=0).cast(pl.Int64),
            benchmarks_new_target=pl.lit(t.benchmarks_new_per_year, dtype=pl.Int64),
            borrow_benchmark_id=pl.when(pl.col("benchmarks") == 0).then(pl.col("_borrow_id")),
            borrow_benchmark_level=pl.when(pl.col("benchmarks") == 0).then(pl.col("_borrow_level")),
        )
        .select(
            "rep_id", "rep_name", "role", "region", "quarter", "customers", "sales_trailing_4q",
            "benchmarks", "benchmarks_min", "benchmarks_gap", "benchmarks_new_4q", "benchmarks_new_target",
            "candidates", "borrow_benchmark_id", "borrow_benchmark_level",
            "nails", "nails_invest", "nails_pulled", "at_risk", "at_risk_saved", "at_risk_lost",
            "speculators", "rep_changes", *mix_columns, "visit_alignment", *PLAN_COLUMNS,
            *(f"visit_target_{tg}" for tg in TAGS),
        )
        .sort("region", "rep_id", nulls_last=True)
    )
