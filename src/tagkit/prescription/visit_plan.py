"""The visit plan of next quarter: each customer's recommended visits, fitted to what its rep can make.

- ``visits_recommended`` (visits a quarter): the unconstrained recommendation, ``visit_frequency``
  (visits a month, :mod:`~tagkit.prescription.defences`) times three, rounded up. An at-risk
  customer held out (``is_holdout``, :mod:`~tagkit.prescription.holdout`) gets routine service
  only, so it is planned as a regular customer: defence visits would spoil the comparison.
- The rep's capacity (:func:`rep_capacity`): its own visits (``visits.rep_id``) per quarter over the
  last ``visit_plan.capacity_quarters`` quarters (only those the visits table covers), plus
  ``slack``. Recommending 400 visits to a rep who makes 160 is a plan nobody carries out.
- ``visits_planned`` (whole visits next quarter): the capacity shared out by priority group
  (params ``visit_plan.priority``, highest first: at-risk, benchmarks, nails in attack, regular,
  nails reduced or dropped). When the capacity runs short, the lowest group is scaled down first,
  then the one above, and no customer goes below its group's floor (or its recommendation, if
  lower). A group is scaled in proportion: each customer keeps its floor plus the same share of
  the rest. Where even the floors exceed the capacity, the floors are the plan (the rep's card
  shows it over capacity: too many customers for one rep). The visits are whole: the rep's total
  is rounded down, and the left-over fractions go to the largest ones (ties: the higher group).
- ``visit_plan_basis``: ``capacity`` (fitted), else the recommendation unchanged because the
  capacity is unknown: ``no_visits_table``, or ``no_rep_visits`` (the rep made none in the window).

The rep scorecard's target shares per tag are this plan's (:mod:`~tagkit.prescription.reps`), so a
rep who makes exactly the planned visits scores 100% visit alignment.
"""
from __future__ import annotations

import polars as pl

from tagkit.params import PrescriptionParams, VisitPlanParams
from tagkit.quarters import quarter_end, quarter_index, quarter_start, shift_quarter

MONTHS_PER_QUARTER = 3
EPSILON = 1e-9  # float sums of whole visits must not round down by a hair


def plan_group(held_out: pl.Expr) -> pl.Expr:
    """The priority group of each customer (params ``visit_plan.priority`` names them)."""
    tag = pl.col("tag")
    return (
        pl.when(held_out).then(pl.lit("regular"))
        .when(tag == "at_risk").then(pl.lit("at_risk"))
        .when(tag == "benchmark").then(pl.lit("benchmark"))
        .when((tag == "nail") & (pl.col("nail_decision") == "invest")).then(pl.lit("nail_invest"))
        .when(tag == "nail").then(pl.lit("nail_other"))
        .otherwise(pl.lit("regular"))
    )


def _visit_quarter() -> pl.Expr:
    date = pl.col("visit_date")
    return (date.dt.year().cast(pl.Int64) * 4 + date.dt.quarter().cast(pl.Int64) - 1).alias("_qi")


def rep_capacity(visits: pl.LazyFrame | None, *, quarter: str, p: VisitPlanParams) -> pl.LazyFrame | None:
    """``rep_id, visits_per_quarter, visit_capacity`` for every rep with visits in the window (None without a table).

    The window is the last ``capacity_quarters`` quarters, cut to those from the visits table's
    first quarter on: a table that starts a year ago does not make every rep look idle before it.
    """
    if visits is None:
        return None
    q, n = quarter_index(quarter), p.capacity_quarters
    first_shown = visits.select(_visit_quarter().min()).with_columns(
        _quarters=(pl.lit(q) - pl.max_horizontal(pl.col("_qi"), pl.lit(q - n + 1)) + 1).clip(1, n))
    window = visits.filter(pl.col("visit_date").is_between(quarter_start(shift_quarter(quarter, -(n - 1))),
                                                           quarter_end(quarter)))
    return (
        window.group_by(pl.col("rep_id").cast(pl.String)).agg(_made=pl.len())
        .join(first_shown.select("_quarters"), how="cross")
        .select("rep_id", visits_per_quarter=(pl.col("_made") / pl.col("_quarters")).round(2))
        .with_columns(visit_capacity=(pl.col("visits_per_quarter") * (1 + p.slack)).round(2))
    )


def _group_allocation(base: pl.LazyFrame, capacity: pl.LazyFrame | None) -> pl.LazyFrame:
    """rep × group: the share of the way from floor to recommendation the group gets (``_scale``).

    Group g gets what is left of the capacity once the groups above have their recommendation
    and the groups below their floors, kept between its own floor and recommendation: the
    groups above a cut get all, those below it their floors.
    """
    rec, floor = pl.col("_rec"), pl.col("_floor")
    groups = (
        base.group_by("rep_id", "_rank").agg(_rec=pl.col("visits_recommended").sum(), _floor=pl.col("_floor").sum())
        .sort("rep_id", "_rank")
        .with_columns(_above=rec.cum_sum().over("rep_id") - rec,
                      _below=floor.sum().over("rep_id") - floor.cum_sum().over("rep_id"))
    )
    if capacity is None:
        return groups.select("rep_id", "_rank", _scale=pl.lit(1.0))
    alloc = (pl.col("visit_capacity") - pl.col("_above") - pl.col("_below")).clip(floor, rec)
    scale = pl.when(rec > floor).then((alloc - floor) / (rec - floor)).otherwise(pl.lit(1.0))
    return groups.join(capacity, on="rep_id", how="left").select(
        "rep_id", "_rank", _scale=pl.when(pl.col("visit_capacity").is_not_null()).then(scale).otherwise(pl.lit(1.0)))


def _whole_visits() -> pl.Expr:
    """``visits_planned`` from ``_x`` (fractional): the rep's total rounded down, the largest remainders up."""
    down = (pl.col("_x") + EPSILON).floor()
    left_over = ((pl.col("_x").sum() + EPSILON).floor() - down.sum()).over("rep_id")
    # rank of the fraction within the rep: largest first, then the higher group, then the id (rows come sorted so)
    order = pl.int_range(pl.len()).over("rep_id")
    return (down + (order < left_over).cast(pl.Float64)).cast(pl.Int64)


def visit_plan(customers: pl.LazyFrame, visits: pl.LazyFrame | None, *, quarter: str,
               p: PrescriptionParams) -> pl.LazyFrame:
    """Add ``visits_recommended``, ``visits_planned`` and ``visit_plan_basis`` (see the module docstring)."""
    plan = p.visit_plan
    rank = {g.group: i for i, g in enumerate(plan.priority)}
    floors = {g.group: g.floor for g in plan.priority}
    held_out = (pl.col("is_holdout").fill_null(False) if "is_holdout" in customers.collect_schema().names()
                else pl.lit(False))
    group = plan_group(held_out)
    per_month = pl.when(held_out).then(pl.lit(p.visit_frequency.regular)).otherwise(pl.col("visit_frequency"))
    recommended = (per_month * MONTHS_PER_QUARTER - EPSILON).ceil().clip(lower_bound=0).cast(pl.Int64)
    base = customers.with_columns(visits_recommended=recommended).with_columns(
        _rank=group.replace_strict(rank, return_dtype=pl.Int64),
        _floor=pl.min_horizontal(pl.col("visits_recommended"), group.replace_strict(floors, return_dtype=pl.Int64)),
    )
    capacity = rep_capacity(visits, quarter=quarter, p=plan)
    scaled = base.join(_group_allocation(base, capacity), on=["rep_id", "_rank"], how="left", maintain_order="left")
    x = pl.col("_floor") + pl.col("_scale").fill_null(1.0) * (pl.col("visits_recommended") - pl.col("_floor"))
    planned = (
        scaled.with_columns(_x=x).with_row_index("_row")
        .with_columns(_frac=pl.col("_x") + EPSILON - (pl.col("_x") + EPSILON).floor())
        .sort(["rep_id", "_frac", "_rank", "customer_id"], descending=[False, True, False, False], nulls_last=True)
    )
    planned = planned.with_columns(visits_planned=_whole_visits()).sort("_row")
    if capacity is None:
        basis = pl.lit("no_visits_table")
    else:
        planned = planned.join(capacity.select("rep_id", _known=pl.lit(True)), on="rep_id", how="left",
                               maintain_order="left")
        basis = pl.when(pl.col("_known")).then(pl.lit("capacity")).otherwise(pl.lit("no_rep_visits"))
    return planned.with_columns(visit_plan_basis=basis).drop("_row", "_rank", "_floor", "_scale", "_x", "_frac",
                                                              "_known", strict=False)
