"""The visit plan on a small hand-made region: capacity, priority, floors, whole visits, the scorecard's targets."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

from tagkit.params import load_params
from tagkit.prescription.history import HISTORY_SCHEMA
from tagkit.prescription.regions import movement
from tagkit.prescription.reps import rep_scorecards
from tagkit.prescription.visit_plan import rep_capacity, visit_plan

PARAMS = load_params(Path(__file__).resolve().parents[1] / "params")
P = PARAMS.prescription
QUARTER = "2026Q3"
QUARTER_DAYS = [dt.date(2025, 10, 15), dt.date(2026, 1, 15), dt.date(2026, 4, 15), dt.date(2026, 7, 15)]


def _customers() -> pl.LazyFrame:
    """Three reps with the same seven customers each (recommended 37 visits a quarter, floors 13):

    at-risk 4 and 2 a month (12 and 6 a quarter, floor 3), a benchmark (6, floor 3), a nail in
    attack (6, floor 2), a dropped nail (1, floor 0), two regulars (3, floor 1).
    """
    kinds = [("a1", "at_risk", None, 4.0), ("a2", "at_risk", None, 2.0), ("b1", "benchmark", None, 2.0),
             ("n1", "nail", "invest", 2.0), ("n2", "nail", "drop", 0.25), ("r1", "regular", None, 1.0),
             ("r2", "regular", None, 1.0)]
    rows = [(f"{rep}_{c}", rep, tag, decision, freq) for rep in ("R1", "R2", "R3") for c, tag, decision, freq in kinds]
    return pl.LazyFrame(rows, schema={"customer_id": pl.String, "rep_id": pl.String, "tag": pl.String,
                                      "nail_decision": pl.String, "visit_frequency": pl.Float64}, orient="row")


def _visits(per_quarter: dict[str, int], days: list[dt.date] = QUARTER_DAYS) -> pl.LazyFrame:
    """``per_quarter[rep]`` visits by each rep in each of ``days``' quarters."""
    rows = [(f"{rep}_r1", rep, day) for rep, n in per_quarter.items() for day in days for _ in range(n)]
    return pl.LazyFrame(rows, schema={"customer_id": pl.String, "rep_id": pl.String, "visit_date": pl.Date},
                        orient="row")


def _planned(out: pl.DataFrame, rep: str) -> dict[str, int]:
    mine = out.filter(pl.col("rep_id") == rep)
    return dict(zip((c.split("_", 1)[1] for c in mine["customer_id"]), mine["visits_planned"], strict=True))


def test_capacity_is_the_reps_visits_per_quarter_plus_slack():
    """R1 makes 20 a quarter (capacity 22 with 10 % slack); a table that starts two quarters ago divides by two."""
    out = rep_capacity(_visits({"R1": 20, "R2": 40}), quarter=QUARTER, p=P.visit_plan).collect().sort("rep_id")
    assert out.rows() == [("R1", 20.0, 22.0), ("R2", 40.0, 44.0)]
    recent = rep_capacity(_visits({"R1": 20}, QUARTER_DAYS[2:]), quarter=QUARTER, p=P.visit_plan).collect()
    assert recent.rows() == [("R1", 20.0, 22.0)]
    assert rep_capacity(None, quarter=QUARTER, p=P.visit_plan) is None


def test_plan_fits_the_capacity_cutting_the_lowest_priorities_first():
    """R1 (capacity 22 of 37 recommended): the groups below at-risk keep their floors, the at-risk share
    the rest (15: 3 + ¾ of the way to 12 and 6 → 9.75 and 5.25, whole: 10 and 5). R2 (capacity 44) gets
    the whole recommendation; R3 made no visits: capacity unknown, the recommendation, flagged."""
    out = visit_plan(_customers(), _visits({"R1": 20, "R2": 40}), quarter=QUARTER, p=P).collect()
    assert _planned(out, "R1") == {"a1": 10, "a2": 5, "b1": 3, "n1": 2, "n2": 0, "r1": 1, "r2": 1}
    assert _planned(out, "R2") == {"a1": 12, "a2": 6, "b1": 6, "n1": 6, "n2": 1, "r1": 3, "r2": 3}
    assert _planned(out, "R3") == _planned(out, "R2")
    assert out.filter(pl.col("rep_id") == "R1")["visits_recommended"].to_list() == [12, 6, 6, 6, 1, 3, 3]
    basis = out.group_by("rep_id").agg(pl.col("visit_plan_basis").unique()).sort("rep_id")
    assert basis["visit_plan_basis"].to_list() == [["capacity"], ["capacity"], ["no_rep_visits"]]
    # the customers keep their order (the run's output is sorted by customer_id)
    assert out["customer_id"].to_list() == _customers().collect()["customer_id"].to_list()


def test_plan_never_goes_below_the_floors_and_without_visits_keeps_the_recommendation():
    """R1 makes 5 visits a quarter: the floors (13) are the plan; no visits table: the recommendation."""
    short = visit_plan(_customers(), _visits({"R1": 5}), quarter=QUARTER, p=P).collect()
    assert _planned(short, "R1") == {"a1": 3, "a2": 3, "b1": 3, "n1": 2, "n2": 0, "r1": 1, "r2": 1}
    unknown = visit_plan(_customers(), None, quarter=QUARTER, p=P).collect()
    assert unknown["visits_planned"].to_list() == unknown["visits_recommended"].to_list()
    assert set(unknown["visit_plan_basis"]) == {"no_visits_table"}


def _scorecard_customers(visits: pl.LazyFrame | None) -> pl.LazyFrame:
    """The seven customers of each rep, with what the scorecard reads besides the plan."""
    return (
        visit_plan(_customers(), visits, quarter=QUARTER, p=P)
        .with_columns(region=pl.lit("东北"), previous_tag=pl.col("tag"), sales_quarter=pl.lit(100.0),
                      sales_previous_quarter=pl.lit(100.0), sales_trailing_4q=pl.lit(400.0),
                      flags=pl.lit([], dtype=pl.List(pl.String)), is_speculator=pl.lit(False),
                      is_benchmark_candidate=pl.lit(False), score_influence=pl.lit(70.0),
                      benchmark_level=pl.when(pl.col("tag") == "benchmark").then(pl.lit("city")))
        .with_columns(movement=movement())
    )


def _following_the_plan(plan: pl.DataFrame, rep: str) -> pl.LazyFrame:
    """Last quarter's visits by ``rep`` (its capacity), then this quarter's: exactly the planned ones."""
    mine = plan.filter(pl.col("rep_id") == rep)
    now = [(c, rep, dt.date(2026, 8, 1)) for c, n in zip(mine["customer_id"], mine["visits_planned"], strict=True)
           for _ in range(n)]
    before = [(f"{rep}_r1", rep, dt.date(2026, 5, 1))] * 20
    return pl.LazyFrame(before + now, schema={"customer_id": pl.String, "rep_id": pl.String, "visit_date": pl.Date},
                        orient="row")


def test_a_rep_who_follows_the_plan_scores_full_alignment():
    """The scorecard's targets are the plan's shares per tag, so visits made exactly as planned score 100%;
    the card shows made, capacity, recommended and planned side by side."""
    visits = _visits({"R1": 20})
    plan = visit_plan(_customers(), visits, quarter=QUARTER, p=P).collect()
    followed = _following_the_plan(plan, "R1")
    # the plan made from the visits so far; this quarter's visits are the plan, carried out
    cards = rep_scorecards(_scorecard_customers(visits), {"visits": followed}, pl.LazyFrame(schema=HISTORY_SCHEMA),
                           quarter=QUARTER, p=P).collect()
    r1 = cards.filter(pl.col("rep_id") == "R1").row(0, named=True)
    planned = sum(_planned(plan, "R1").values())
    assert r1["visits"] == r1["visits_planned"] and r1["visit_alignment"] == 1.0
    assert r1["visit_target_at_risk"] == round(15 / planned, 4)
    # the card's capacity is from the visits it is given: (20 + 22) over the two quarters that table covers
    assert (r1["visits_per_quarter"], r1["visits_recommended"], r1["visit_plan_basis"]) == (21.0, 37, "capacity")
    assert not r1["visits_over_capacity"]


def test_scorecard_shows_a_rep_over_capacity_and_unknown_capacity():
    cards = rep_scorecards(_scorecard_customers(_visits({"R1": 5})), {"visits": _visits({"R1": 5})},
                           pl.LazyFrame(schema=HISTORY_SCHEMA), quarter=QUARTER, p=P).collect()
    expected = pl.DataFrame({
        "rep_id": ["R1", "R2", "R3"], "visit_capacity": [5.5, None, None], "visits_planned": [13, 37, 37],
        "visits_over_capacity": [True, None, None], "visit_plan_basis": ["capacity", "no_rep_visits", "no_rep_visits"],
    })
    assert_frame_equal(cards.select(expected.columns), expected)


def test_a_held_out_at_risk_customer_is_planned_as_a_regular_one():
    """The holdout gets routine service only (playbook.holdout_share): a regular's 3 visits, not 12, and
    it no longer comes first when R1's capacity is short."""
    held = _customers().with_columns(is_holdout=pl.col("customer_id") == "R1_a1")
    out = visit_plan(held, _visits({"R1": 20}), quarter=QUARTER, p=P).collect()
    a1 = out.filter(pl.col("customer_id") == "R1_a1").row(0, named=True)
    assert a1["visits_recommended"] == 3
    # 22 visits: a2, b1 and n1 their 6 each, the three regulars (a1 among them) the 4 left: 1⅓ each, the
    # whole visit left over to the first by id
    assert _planned(out, "R1") == {"a1": 2, "a2": 6, "b1": 6, "n1": 6, "n2": 0, "r1": 1, "r2": 1}
