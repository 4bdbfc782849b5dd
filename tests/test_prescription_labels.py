"""No customer carries contradictory labels: tag, flags, movement, reasons, actions, levels and defences agree.

Each entry of :data:`CONTRADICTIONS` is a pair of labels that must never meet on one customer, as an
expression true on the rows where they do. The pairs are checked on a hand-built frame (each one is
caught) and on every customer of the tiny fixture and of the sample (all regions), in 2026Q3 and 2026Q2.
"""
from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tagkit.io import load_dataset
from tagkit.params import load_params
from tagkit.prescription import prescribe
from tagkit.sample import generate_sample
from tagkit.scoring import score_customers
from tagkit.validation import validate_dataset

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "fixtures" / "tiny"
PARAMS = load_params(ROOT / "params")
QUARTERS = ("2026Q3", "2026Q2")


def _flag(name: str) -> pl.Expr:
    return pl.col("flags").list.contains(name).fill_null(False)


def _move(*names: str) -> pl.Expr:
    return pl.col("movement").is_in(names).fill_null(False)


def _tag(*names: str) -> pl.Expr:
    return pl.col("tag").is_in(names)


def _reason(prefix: str) -> pl.Expr:
    return pl.col("reason_codes").list.eval(pl.element().str.starts_with(prefix)).list.any().fill_null(False)


def _action(prefix: str) -> pl.Expr:
    return pl.col("action_codes").list.eval(pl.element().str.starts_with(prefix)).list.any().fill_null(False)


def _bar_met() -> pl.Expr:
    b = PARAMS.scoring.benchmark
    return ((pl.col("score_influence") >= b.min_influence.enter)
            & (pl.col("score_satisfaction") >= b.min_satisfaction.enter)
            & (pl.col("score_cooperation") >= b.min_cooperation.enter)).fill_null(False)


BENCHMARK_REASONS = ("benchmark_influence", "benchmark_satisfaction", "benchmark_cooperation")
CONTRADICTIONS: dict[str, pl.Expr] = {
    # movement against tag and flags
    "at_risk_lost while still tagged at risk (told to defend)": _move("at_risk_lost") & _tag("at_risk"),
    "at_risk_lost while tagged nail or benchmark": _move("at_risk_lost") & _tag("nail", "benchmark"),
    "at_risk_saved while at risk or a nail": _move("at_risk_saved") & _tag("at_risk", "nail"),
    "saved or pulled while a speculator": _move("at_risk_saved", "nail_pulled") & _flag("speculator"),
    "saved or pulled while dormant": _move("at_risk_saved", "nail_pulled") & _flag("dormant"),
    "nail_pulled while at risk": _move("nail_pulled") & _tag("at_risk"),
    "benchmark_lost while tagged benchmark": _move("benchmark_lost") & _tag("benchmark"),
    "benchmark_lost while defended as a benchmark (benchmark_at_risk)": _move("benchmark_lost")
    & _flag("benchmark_at_risk"),
    "benchmark_new not tagged benchmark": _move("benchmark_new") & ~_tag("benchmark"),
    "at_risk_new not tagged at risk": _move("at_risk_new") & ~_tag("at_risk"),
    "nail_new not tagged nail": _move("nail_new") & ~_tag("nail"),
    "nail_pulled or nail_released still tagged nail": _move("nail_pulled", "nail_released") & _tag("nail"),
    # flags against tag and each other
    "new_customer and dormant": _flag("new_customer") & _flag("dormant"),
    "new_customer tagged nail or at risk": _flag("new_customer") & _tag("nail", "at_risk"),
    "dormant not a regular (win-back, not the watch lists)": _flag("dormant") & ~_tag("regular"),
    "benchmark_at_risk not tagged at risk": _flag("benchmark_at_risk") & ~_tag("at_risk"),
    "benchmark_candidate already a benchmark, at risk, dormant or a speculator": _flag("benchmark_candidate")
    & (_tag("benchmark", "at_risk") | _flag("dormant") | _flag("speculator")),
    # defences and actions against tag and flags
    "defences for a customer not at risk": pl.col("defences").is_not_null() & ~_tag("at_risk"),
    "at risk without defences": _tag("at_risk") & (pl.col("defences").list.len().fill_null(0) == 0),
    "a defence without its specific step": pl.col("defence_steps_zh").list.len().fill_null(0)
    != pl.col("defences").list.len().fill_null(0),
    "a defend action for a customer not at risk": _action("defend_") & ~_tag("at_risk"),
    "dormant without the win-back action, or win-back without dormant": _flag("dormant") != _action("win_back"),
    "speculator without its discipline action": _flag("speculator") & ~_action("speculator_discipline"),
    "nail cause or decision on a customer not a nail": (pl.col("nail_cause").is_not_null()
                                                        | pl.col("nail_decision").is_not_null()) & ~_tag("nail"),
    "a nail without cause or decision":
        _tag("nail") & (pl.col("nail_cause").is_null() | pl.col("nail_decision").is_null()),
    "risk_stage on a customer not at risk": pl.col("risk_stage").is_not_null() & ~_tag("at_risk"),
    # reasons against tag and flags
    "risk reasons on a customer not at risk": _reason("risk_") & ~_tag("at_risk"),
    "benchmark reasons on a customer not a benchmark": pl.col("reason_codes").list.eval(
        pl.element().is_in(BENCHMARK_REASONS)).list.any().fill_null(False) & ~_tag("benchmark"),
    "nail reasons on a customer not a nail": _reason("nail_") & ~_tag("nail"),
    "benchmark_at_risk reason without the flag, or the flag without it": _reason("benchmark_at_risk")
    != _flag("benchmark_at_risk"),
    "speculator reason without the flag, or the flag without it":
        _reason("speculator_quarter_end") != _flag("speculator"),
    "dormant reason without the flag, or the flag without it": _reason("dormant_no_orders") != _flag("dormant"),
    "tag_kept while the tag changed": _reason("tag_kept") & (pl.col("tag") != pl.col("previous_tag")).fill_null(True),
    # levels against their bar
    "a level shown as met below the benchmark bar": (pl.col("benchmark_level_status") == "met").fill_null(False)
    & ~_bar_met(),
    "a level marked former or potential that meets the bar": pl.col("benchmark_level_status").is_in(
        ["former", "candidate"]).fill_null(False) & _bar_met(),
    "a level without its status, or a status without a level": pl.col("benchmark_level").is_null()
    != pl.col("benchmark_level_status").is_null(),
    "a level on a customer neither benchmark, candidate nor benchmark-quality at risk":
        pl.col("benchmark_level").is_not_null()
        & ~(_tag("benchmark") | _flag("benchmark_candidate") | _flag("benchmark_at_risk")),
    "\"标杆级\" in the reasons below the bar": pl.col("reasons_zh").list.eval(
        pl.element().str.starts_with("标杆级")).list.any().fill_null(False) & ~_bar_met(),
}


def contradictions(customers: pl.DataFrame) -> dict[str, list[str]]:
    """Each pair that meets on some customer → those customers' ids (empty when none does)."""
    hits = customers.select("customer_id", **{f"_{i}": e for i, e in enumerate(CONTRADICTIONS.values())})
    return {name: ids for i, name in enumerate(CONTRADICTIONS)
            if (ids := hits.filter(pl.col(f"_{i}"))["customer_id"].to_list())}


def test_every_pair_is_caught_on_a_hand_built_frame():
    """One customer per kind of contradiction the old movements made, and a level shown as met below its bar:
    each is reported, the consistent customer is not."""
    rows = [
        # id, tag, previous, flags, movement, level, status, satisfaction, reasons_zh
        ("lost_but_defended", "at_risk", "at_risk", [], "at_risk_lost", None, None, 50.0, []),
        ("benchmark_lost_defended", "at_risk", "benchmark", ["benchmark_at_risk"], "benchmark_lost", "city", "former",
         55.0, ["原标杆级客户"]),
        ("speculator_saved", "regular", "at_risk", ["speculator"], "at_risk_saved", None, None, 50.0, []),
        ("met_below_bar", "at_risk", "benchmark", ["benchmark_at_risk"], "at_risk_new", "provincial", "met", 55.0,
         ["标杆级客户（满意度55）"]),
        ("new_and_dormant", "regular", "regular", ["new_customer", "dormant"], None, None, None, 50.0, []),
        ("consistent", "at_risk", "benchmark", ["benchmark_at_risk"], "at_risk_new", "city", "former", 55.0,
         ["原标杆级客户"]),
    ]
    frame = pl.DataFrame(
        [(c, t, p, f, m, lv, st, 80.0, s, 80.0, z) for c, t, p, f, m, lv, st, s, z in rows],
        schema={"customer_id": pl.String, "tag": pl.String, "previous_tag": pl.String, "flags": pl.List(pl.String),
                "movement": pl.String, "benchmark_level": pl.String, "benchmark_level_status": pl.String,
                "score_influence": pl.Float64, "score_satisfaction": pl.Float64, "score_cooperation": pl.Float64,
                "reasons_zh": pl.List(pl.String)}, orient="row",
    ).with_columns(
        reason_codes=pl.when(_flag("benchmark_at_risk")).then(pl.lit(["benchmark_at_risk"]))
        .when(_flag("dormant")).then(pl.lit(["dormant_no_orders"])).when(_flag("speculator"))
        .then(pl.lit(["speculator_quarter_end"])).otherwise(pl.lit([], dtype=pl.List(pl.String))),
        action_codes=pl.when(_flag("dormant")).then(pl.lit(["win_back"])).when(_flag("speculator"))
        .then(pl.lit(["speculator_discipline"])).otherwise(pl.lit(["defend_relationship"])),
        defences=pl.when(_tag("at_risk")).then(pl.lit(["relationship"])),
        defence_steps_zh=pl.when(_tag("at_risk")).then(pl.lit(["关系防守：…"])),
        nail_cause=pl.lit(None, dtype=pl.String), nail_decision=pl.lit(None, dtype=pl.String),
        risk_stage=pl.when(_tag("at_risk")).then(pl.lit("early")),
    )
    found = contradictions(frame)
    assert found == {
        "at_risk_lost while still tagged at risk (told to defend)": ["lost_but_defended"],
        "benchmark_lost while defended as a benchmark (benchmark_at_risk)": ["benchmark_lost_defended"],
        "saved or pulled while a speculator": ["speculator_saved"],
        "a level shown as met below the benchmark bar": ["met_below_bar"],
        "\"标杆级\" in the reasons below the bar": ["met_below_bar"],
        "new_customer and dormant": ["new_and_dormant"],
    }


def _prescribed(data: Path, quarter: str) -> pl.DataFrame:
    with load_dataset(data, io=PARAMS.io) as dataset:
        result = validate_dataset(dataset.tables, quarter=quarter, params=PARAMS.validation, missing=dataset.missing)
    tables = {name: frame.lazy() for name, frame in result.clean.items()}
    scores = score_customers(tables, quarter=quarter, p=PARAMS.scoring).collect()
    return prescribe(scores.lazy(), tables, quarter=quarter, params=PARAMS).collect().customers


@pytest.fixture(scope="module")
def sample_data(tmp_path_factory) -> Path:
    """The default sample (2,000 customers in 7 regions, seed 7)."""
    data = tmp_path_factory.mktemp("sample") / "data"
    generate_sample(data, seed=7, customers=2000)
    return data


@pytest.mark.parametrize("quarter", QUARTERS)
def test_no_customer_of_the_tiny_fixture_carries_contradictory_labels(quarter):
    customers = _prescribed(TINY, quarter)
    assert contradictions(customers) == {}


@pytest.mark.parametrize("quarter", QUARTERS)
def test_no_customer_of_the_sample_carries_contradictory_labels(sample_data, quarter):
    """Every region of the sample. In 2026Q3 the old movements called 11 customers still at risk "lost", and 17
    benchmarks now at risk (defended first as benchmarks) "lost benchmarks"."""
    customers = _prescribed(sample_data, quarter)
    assert customers["region"].n_unique() == 7
    assert contradictions(customers) == {}
    # the pairs are not vacuous on the sample: each side of the main ones occurs
    assert customers.filter(_tag("at_risk") & (pl.col("previous_tag") == "at_risk")).height > 0
    assert customers.filter(_flag("benchmark_at_risk")).height > 0
    assert customers.filter(pl.col("benchmark_level_status") == "former").height > 0
