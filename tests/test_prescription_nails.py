"""Nails on small hand-made frames: value and decision, cause and evidence, escalation through the chain."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tagkit.errors import ParamsError
from tagkit.params import load_params
from tagkit.prescription.escalation import rep_chains, resolve_escalation
from tagkit.prescription.evidence import cause_evidence
from tagkit.prescription.nails import nail_cause, nail_decision, nail_frame, nail_value

PARAMS = load_params(Path(__file__).resolve().parents[1] / "params")
P = PARAMS.prescription
D = dt.date
QUARTER = "2026Q3"


def _value_frame() -> pl.LazyFrame:
    """Three nails with a 10 M potential and visits of known cost (300 a routine, 800 a supervisor visit)."""
    return pl.LazyFrame({
        "customer_id": ["big", "thin", "costly"],
        "potential_annual_value": [10e6, 1e6, 5e6],
        "sales_trailing_4q": [500_000.0, 100_000.0, 250_000.0],
        "visits_trailing": [12, 12, 200],
        "visits_routine": [10, 10, 100],
        "visits_supervisor": [2, 2, 100],
        "visits_manager": [0, 0, 0],
        "visits_executive": [0, 0, 0],
    })


def test_upside_effort_and_decision():
    """big: 3.5 M − 0.5 M = 3 M upside for 4,600 of visits → invest; thin: 250 K − 100 K = 150 K → drop;
    costly: 1.5 M upside but 110 K of visits (return 11.4, between 5 and 30) → reduce."""
    out = _value_frame().with_columns(**nail_value(P)).with_columns(nail_decision=nail_decision(P)).collect()
    expected = pl.DataFrame({
        "customer_id": ["big", "thin", "costly"],
        "nail_upside": [3_000_000.0, 250_000.0, 1_500_000.0],
        "nail_effort_cost": [4_600.0, 4_600.0, 110_000.0],
        "nail_decision": ["invest", "drop", "reduce"],
    })
    assert_frame_equal(out.select(expected.columns), expected)
    assert out["nail_return"].to_list() == [pytest.approx(3e6 / 4600, abs=1e-3), pytest.approx(250e3 / 4600, abs=1e-3),
                                            pytest.approx(1.5e6 / 110e3, abs=1e-3)]


def test_without_visits_the_upside_alone_decides():
    """No visits table: the effort is unknown (null, not free) and the upside alone decides."""
    frame = _value_frame().with_columns(pl.lit(None, dtype=pl.Int64).alias(c) for c in (
        "visits_trailing", "visits_routine", "visits_supervisor", "visits_manager", "visits_executive"))
    out = frame.with_columns(**nail_value(P)).with_columns(nail_decision=nail_decision(P)).collect()
    assert out["nail_effort_cost"].null_count() == 3
    assert out["nail_decision"].to_list() == ["invest", "drop", "invest"]


def test_cause_is_the_strongest_evidence_and_unknown_without_any():
    """Points per cause decide; ties go to tie_order (internal, trust, competitor); nothing → unknown."""
    frame = pl.LazyFrame({
        "nail_points_trust": [3.0, 1.0, 0.0, 2.0, 0.0],
        "nail_points_competitor": [1.0, 4.5, 0.0, 2.0, 0.5],
        "nail_points_internal": [0.0, 2.0, 4.0, 2.0, 0.0],
    })
    out = frame.select(nail_cause=nail_cause(P)).collect()
    assert out["nail_cause"].to_list() == ["trust", "competitor", "internal", "internal", "unknown"]


def _customers() -> pl.LazyFrame:
    """Four customers of rep R3: a nail offended by former rep R9, a nail at odds with R3 itself,
    a nail courted by a competitor, and a nail with product complaints."""
    return pl.LazyFrame({"customer_id": ["legacy", "current", "courted", "distrust"], "rep_id": ["R3"] * 4})


def _tables() -> dict[str, pl.LazyFrame]:
    """R9 made the routine visits of `legacy` until 2025-06 and R3 since; each complaint lands on the
    rep of the latest routine visit before it."""
    visits = pl.LazyFrame({
        "customer_id": ["legacy", "legacy", "legacy", "current", "courted", "distrust"],
        "rep_id": ["R9", "R9", "R3", "R3", "R3", "R3"],
        "visit_date": [D(2025, 1, 5), D(2025, 4, 5), D(2025, 7, 5), D(2026, 1, 5), D(2026, 1, 5), D(2026, 1, 5)],
        "visit_type": ["routine"] * 6,
    })
    feedback = pl.LazyFrame({
        "customer_id": ["legacy", "legacy", "legacy", "current", "current", "distrust", "distrust"],
        "feedback_date": [D(2025, 2, 1), D(2025, 5, 1), D(2025, 12, 1), D(2026, 7, 1), D(2026, 8, 1),
                          D(2026, 2, 1), D(2026, 5, 1)],
        "complaint": [True] * 7,
        "complaint_topic": ["rep", "rep", "price", "rep", "rep", "product", "service"],
    })
    signals = pl.LazyFrame({
        "customer_id": ["courted"] * 3 + ["distrust"],
        "signal_date": [D(2026, 1, 10), D(2026, 4, 10), D(2026, 7, 10), D(2026, 7, 10)],
        "competitor": ["华彩涂料", "华彩涂料", "金鹰漆业", "金鹰漆业"],
        "signal": ["exclusive_offer", "promotion", "quote", "visit"],
    })
    return {"visits": visits, "feedback": feedback, "competitor_signals": signals}


def test_complaints_are_attributed_to_the_rep_in_charge_at_the_time():
    """legacy's two rep complaints fall in R9's time (former rep, 2 points each); current's in R3's."""
    out = cause_evidence(_tables(), _customers(), quarter=QUARTER, p=P).collect()
    expected = pl.DataFrame({
        "customer_id": ["legacy", "current", "courted", "distrust"],
        "trust_complaints": [0, 0, 0, 2],
        "former_rep_complaints": [2, 0, 0, 0],
        "current_rep_complaints": [0, 2, 0, 0],
        "rep_complaints_current": [0, 2, 0, 0],
        "former_rep": ["R9", None, None, None],
        "competitor_signals": [0, 0, 3, 1],
        "competitor_points": [0.0, 0.0, 3.5, 0.5],
        "competitor": [None, None, "华彩涂料", "金鹰漆业"],
    })
    assert_frame_equal(out.select(expected.columns), expected)



@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_rep_in_charge_is_the_as_of_join(seed):
    """Each complaint's rep in charge: the latest routine visit on or before its day (the last visitor
    by id among that day's), else the next one (the first by id), else the current rep; the same as
    the two ``join_asof`` it replaces, on random days with same-day ties, visits without a visitor,
    customers without visits and complaints before any visit."""
    import numpy as np

    from tagkit.prescription.evidence import complaints_with_rep

    rng = np.random.default_rng(seed)
    day = lambda n: [D(2025, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 60, n)]  # noqa: E731
    customers = pl.LazyFrame({"customer_id": [f"C{i}" for i in range(40)], "rep_id": [f"R{i % 7}" for i in range(40)]})
    visits = pl.LazyFrame({
        "customer_id": [f"C{i}" for i in rng.integers(0, 30, 600)], "visit_date": day(600),
        "rep_id": [None if r == 0 else f"R{r}" for r in rng.integers(0, 9, 600)],
        "visit_type": rng.choice(["routine", "routine", "supervisor", None], 600).tolist(),
    })
    feedback = pl.LazyFrame({
        "customer_id": [f"C{i}" for i in rng.integers(0, 40, 300)], "feedback_date": day(300),
        "complaint": rng.random(300) < 0.8, "complaint_topic": rng.choice(["rep", "price", None], 300).tolist(),
    })
    # the first customer by id complains before anyone's first visit: nothing carried down to it
    feedback = pl.concat([feedback, pl.LazyFrame({"customer_id": ["A0"], "feedback_date": [D(2024, 12, 1)],
                                                  "complaint": [True], "complaint_topic": ["rep"]})])
    visits = pl.concat([visits, pl.LazyFrame({"customer_id": ["A0"], "visit_date": [D(2025, 1, 5)],
                                              "rep_id": ["R8"], "visit_type": ["routine"]})])
    got = complaints_with_rep({"visits": visits, "feedback": feedback}, customers, quarter="2025Q1").collect()

    complaints = (feedback.filter("complaint").select("customer_id", date="feedback_date", topic="complaint_topic")
                  .sort("date", "customer_id", "topic", nulls_last=True))
    routine = (visits.filter((pl.col("visit_type") == "routine") | pl.col("visit_type").is_null())
               .select("customer_id", date="visit_date", visitor="rep_id").sort("date", "customer_id", "visitor"))
    want = (
        complaints.join_asof(routine, on="date", by="customer_id", strategy="backward")
        .sort("date", "customer_id", "topic", "visitor", nulls_last=True)
        .join_asof(routine.rename({"visitor": "next_visitor"}), on="date", by="customer_id", strategy="forward")
        .join(customers, on="customer_id", how="left")
        .select("customer_id", "date", "topic", rep_in_charge=pl.coalesce("visitor", "next_visitor", "rep_id"))
        .collect()
    )
    key = ["customer_id", "date", "topic", "rep_in_charge"]
    assert got.height == want.height > 200
    assert_frame_equal(got.select(key).sort(key, nulls_last=True), want.sort(key, nulls_last=True))

def _nails() -> pl.LazyFrame:
    """The four as invest-sized nails (10 M potential, few visits), with the evidence joined."""
    evidence = cause_evidence(_tables(), _customers(), quarter=QUARTER, p=P)
    return _customers().join(evidence, on="customer_id", maintain_order="left").with_columns(
        tag=pl.lit("nail"), potential_annual_value=pl.lit(10e6), sales_trailing_4q=pl.lit(300_000.0),
        visits_trailing=pl.lit(4), visits_routine=pl.lit(4), visits_supervisor=pl.lit(0), visits_manager=pl.lit(0),
        visits_executive=pl.lit(0), satisfaction_mean=pl.lit(3.0), stalled_quarters=pl.lit(8, dtype=pl.Int32),
        flags=pl.lit([], dtype=pl.List(pl.String)), lines_bought=pl.lit(4), lines_available=pl.lit(8),
    )


def test_nail_frame_names_cause_evidence_and_leader():
    """Each nail gets its cause and a sentence with the evidence; 3.2 M upside → the supervisor leads."""
    reps = pl.LazyFrame({"rep_id": ["R1", "R2", "R3", "R9"], "rep_name": list("ABCD"), "region": ["华东"] * 4,
                         "role": ["regional_manager", "supervisor", "rep", "rep"],
                         "manager_id": [None, "R1", "R2", "R2"]})
    out = nail_frame(_nails(), reps, p=P).collect()
    assert out["nail_cause"].to_list() == ["internal", "internal", "competitor", "trust"]
    assert out["nail_decision"].to_list() == ["invest"] * 4
    assert out["escalate_level"].to_list() == ["supervisor"] * 4
    assert out["escalate_to"].to_list() == ["R2"] * 4
    assert "R9" in out["nail_evidence_en"][0] and "R9" in out["nail_evidence_zh"][0]
    assert "华彩涂料" in out["nail_evidence_zh"][2]
    assert out["nail_stuck_quarters"].to_list() == [8] * 4
    assert "trust_complaints" not in out.columns  # the raw evidence does not leak into the scores


def test_nail_evidence_wording_is_checked(tmp_path):
    """An unknown placeholder in the evidence wording is a params error naming it."""
    bad = P.model_copy(update={"nail": P.nail.model_copy(update={"evidence": P.nail.evidence.model_copy(update={
        "trust": P.nail.evidence.trust.model_copy(update={"en": "{nope} complaints"})})})})
    with pytest.raises(ParamsError, match=r"unknown placeholder '\{nope\}'"):
        nail_frame(_nails(), None, p=bad)


REPS = pl.LazyFrame({
    "rep_id": ["M1", "S1", "R1", "R2", "R3", "S2", "R4"],
    "rep_name": list("abcdefg"),
    "region": ["华东"] * 7,
    "role": ["regional_manager", "supervisor", "rep", "rep", "rep", "supervisor", "rep"],
    "manager_id": ["", "M1", "S1", "S1", "GONE", "S2", "M1"],
})


def test_escalation_resolves_through_the_manager_chain():
    """R1 → S1 → M1; R3's manager is missing from the table (broken); R4 reports straight to M1;
    a rep outside the table falls back to itself and says so."""
    frame = pl.LazyFrame({
        "customer_id": ["a", "b", "c", "d", "e", "f"],
        "rep_id": ["R1", "R1", "R3", "R4", "R1", "R7"],
        "escalate_level": ["supervisor", "regional_manager", "supervisor", "supervisor", "rep", "supervisor"],
    })
    reps = REPS.with_columns(pl.col("manager_id").replace("", None))
    out = resolve_escalation(frame, reps, depth=6).collect()
    expected = pl.DataFrame({
        "customer_id": ["a", "b", "c", "d", "e", "f"],
        "escalate_to": ["S1", "M1", "R3", "M1", "R1", "R7"],
        "escalate_note": [None, None, "chain_broken", None, None, "rep_not_in_reps"],
    })
    assert_frame_equal(out.select(expected.columns), expected)


def test_escalation_without_reps_stays_with_the_rep_and_says_so():
    frame = pl.LazyFrame({"customer_id": ["a", "b", "c"], "rep_id": ["R1", "R1", "R1"],
                          "escalate_level": ["supervisor", "rep", None]})
    out = resolve_escalation(frame, None, depth=6).collect()
    assert out["escalate_to"].to_list() == ["R1", "R1", None]
    assert out["escalate_note"].to_list() == ["no_reps_table", None, None]


def test_chain_without_roles_escalates_by_steps_and_stops_on_a_cycle():
    """No role column: a supervisor is one step up, a regional manager two; the A ↔ B loop has no
    regional manager (the chain is broken where it comes back to A)."""
    reps = pl.LazyFrame({"rep_id": ["T", "U", "V", "A", "B"], "rep_name": list("tuvab"), "region": ["x"] * 5,
                         "manager_id": [None, "T", "U", "B", "A"]})
    chains = rep_chains(reps, depth=3).collect()
    assert chains.filter(pl.col("rep_id") == "V").select("up_1", "up_2", "up_3").row(0) == ("U", "T", None)
    frame = pl.LazyFrame({"customer_id": ["1", "2", "3"], "rep_id": ["V", "V", "A"],
                          "escalate_level": ["supervisor", "regional_manager", "regional_manager"]})
    out = resolve_escalation(frame, reps, depth=3).collect()
    assert out["escalate_to"].to_list() == ["U", "T", "A"]
    assert out["escalate_note"].to_list() == [None, None, "chain_broken"]


# --- the escalation ladder ----------------------------------------------------------------------

LADDER_REPS = pl.LazyFrame({"rep_id": ["R1", "R2", "R3"], "rep_name": ["经理", "主管", "业务员"],
                            "region": ["华东"] * 3, "role": ["regional_manager", "supervisor", "rep"],
                            "manager_id": [None, "R1", "R2"]})
# customer → (potential, visits in the last year or before: (date, visit_type, outcome))
LADDER_NAILS = {
    # 1.65 M upside: invest, but below the supervisor tier, so the ladder alone decides
    "rep_failed": (5e6, [(D(2026, 1, 5), "routine", "neutral"), (D(2026, 4, 5), "routine", "negative")]),
    "supervisor_failed": (5e6, [(D(2026, 1, 5), "routine", "neutral"), (D(2026, 2, 1), "supervisor", "negative")]),
    "manager_failed": (5e6, [(D(2026, 2, 1), "supervisor", "negative"), (D(2026, 3, 1), "manager", "neutral")]),
    "executive_failed": (5e6, [(D(2026, 3, 1), "executive", None)]),
    # the supervisor and the regional manager were welcome: only the rep's visit failed
    "senior_welcome": (5e6, [(D(2026, 1, 5), "routine", "negative"), (D(2026, 2, 1), "supervisor", "positive"),
                             (D(2026, 3, 1), "manager", "positive")]),
    # the regional manager failed more than a year ago: outside the window
    "manager_long_ago": (5e6, [(D(2025, 3, 1), "manager", "negative"), (D(2026, 5, 1), "routine", "negative")]),
    "never_visited": (5e6, []),
    # the supervisor had one neutral visit among welcome ones: its approach is not exhausted
    "supervisor_mixed": (5e6, [(D(2026, 1, 5), "routine", "negative"), (D(2026, 2, 1), "supervisor", "neutral"),
                               (D(2026, 4, 1), "supervisor", "positive")]),
    # 1.02 M upside: reduce, whoever failed
    "reduce": (3.2e6, [(D(2026, 2, 1), "supervisor", "negative")]),
    # 6.9 M upside reaches the regional-manager tier though only the rep failed
    "big": (20e6, [(D(2026, 1, 5), "routine", "negative")]),
}


def _ladder_tables() -> dict[str, pl.LazyFrame]:
    rows = [(c, "R3", day, vtype, outcome) for c, (_, visits) in LADDER_NAILS.items() for day, vtype, outcome in visits]
    visits = pl.LazyFrame(rows, schema={"customer_id": pl.String, "rep_id": pl.String, "visit_date": pl.Date,
                                        "visit_type": pl.String, "outcome": pl.String}, orient="row")
    return {"visits": visits}


def _ladder_nails(tables: dict[str, pl.LazyFrame]) -> pl.LazyFrame:
    """The nails of LADDER_NAILS, all of rep R3, with a year's effort small enough to invest."""
    customers = pl.LazyFrame({"customer_id": list(LADDER_NAILS), "rep_id": ["R3"] * len(LADDER_NAILS)})
    evidence = cause_evidence(tables, customers, quarter=QUARTER, p=P)
    return customers.join(evidence, on="customer_id", maintain_order="left").with_columns(
        tag=pl.lit("nail"), potential_annual_value=pl.Series([v[0] for v in LADDER_NAILS.values()]),
        sales_trailing_4q=pl.lit(100_000.0), visits_trailing=pl.lit(4), visits_routine=pl.lit(4),
        visits_supervisor=pl.lit(0), visits_manager=pl.lit(0), visits_executive=pl.lit(0),
        satisfaction_mean=pl.lit(3.0), stalled_quarters=pl.lit(8, dtype=pl.Int32),
        flags=pl.lit([], dtype=pl.List(pl.String)), lines_bought=pl.lit(4), lines_available=pl.lit(8),
    )


def _ladder(reps: pl.LazyFrame | None = LADDER_REPS, tables: dict | None = None) -> dict[str, dict]:
    tables = _ladder_tables() if tables is None else tables
    out = nail_frame(_ladder_nails(tables), reps, p=P).collect()
    return {r["customer_id"]: r for r in out.iter_rows(named=True)}


def test_the_lead_is_one_level_above_whoever_already_failed():
    """Rep failed → the supervisor; supervisor failed → the regional manager; regional manager failed → an
    executive; welcome senior visits, a rung with a welcome visit among its others, and failures older than
    the window do not count; nobody yet → the rep."""
    out = _ladder()
    expected = {
        "rep_failed": ("rep", "supervisor", "R2"),
        "supervisor_failed": ("supervisor", "regional_manager", "R1"),
        "manager_failed": ("regional_manager", "executive", "R1"),
        "executive_failed": ("executive", "executive", "R1"),
        "senior_welcome": ("rep", "supervisor", "R2"),
        "manager_long_ago": ("rep", "supervisor", "R2"),
        "never_visited": (None, "rep", "R3"),
        "supervisor_mixed": ("rep", "supervisor", "R2"),
        "reduce": ("supervisor", "rep", "R3"),
        "big": ("rep", "regional_manager", "R1"),
    }
    got = {c: (r["escalate_tried_level"], r["escalate_level"], r["escalate_to"]) for c, r in out.items()}
    assert got == expected
    assert out["reduce"]["nail_decision"] == "reduce" and out["big"]["nail_decision"] == "invest"
    assert {c for c, r in out.items() if r["nail_decision"] != "invest"} == {"reduce"}
    # no executive in the reps table: the regional manager at the top of the chain brings one in, and says so
    assert out["manager_failed"]["escalate_note"] == out["executive_failed"]["escalate_note"] == "executive_via_top"
    assert out["supervisor_failed"]["escalate_note"] is None
    # senior visits in the window, whatever their outcome
    assert {c: r["nail_senior_visits"] for c, r in out.items()} == {
        "rep_failed": 0, "supervisor_failed": 1, "manager_failed": 2, "executive_failed": 1, "senior_welcome": 2,
        "manager_long_ago": 0, "never_visited": 0, "supervisor_mixed": 2, "reduce": 1, "big": 0}


def test_an_executive_above_the_regional_manager_leads_where_the_regional_manager_failed():
    """A person above the regional manager (no role: three steps above the rep) is the executive."""
    reps = pl.concat([LADDER_REPS.with_columns(pl.when(pl.col("rep_id") == "R1").then(pl.lit("CEO"))
                                               .otherwise("manager_id").alias("manager_id")),
                      pl.LazyFrame({"rep_id": ["CEO"], "rep_name": ["总经理"], "region": ["总部"],
                                    "role": [None], "manager_id": [None]},
                                   schema_overrides={"role": pl.String, "manager_id": pl.String})])
    out = _ladder(reps)
    assert (out["manager_failed"]["escalate_to"], out["manager_failed"]["escalate_note"]) == ("CEO", None)
    assert out["supervisor_failed"]["escalate_to"] == "R1"


def test_without_visits_the_upside_tier_alone_picks_the_lead():
    """No visits table: nobody is known to have tried; 1.65 M leaves it with the rep, 6.9 M goes to the
    regional manager (as the tiers did before the ladder)."""
    out = _ladder(tables={})
    assert out["rep_failed"]["escalate_level"] == "rep" and out["big"]["escalate_level"] == "regional_manager"
    assert out["manager_failed"]["escalate_tried_level"] is None and out["manager_failed"]["nail_senior_visits"] is None
