"""Tag quality on the default sample (2,000 customers) against its planted truth, for seeds 7, 11, 23 and 101.

The scorer never reads the truth; this test does, to measure it: precision and recall of each
tag, the flags, the confounders a naive rule would mis-tag, and the early warnings judged by what
happened next (the sample keeps the quarter after the as-of date in ``_truth/next_quarter``).
"""
from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from quality_support import apart_from_the_truth
from tagkit.params import load_params
from tagkit.sample import generate_sample
from tagkit.scoring import flag_quality, score_customers, tag_quality
from tagkit.steps import common, score, validate

ROOT = Path(__file__).resolve().parents[1]
QUARTER = "2026Q3"
FLOOR = 0.85
PARAMS = load_params(ROOT / "params")
SEEDS = (7, 11, 23, 101)
EARLY_RECALL, EARLY_PRECISION, FALSE_ALARMS = 0.80, 0.6, 0.10


def _scored(base: Path, *, seed: int, quarter: str) -> tuple[pl.DataFrame, pl.DataFrame, Path]:
    """A default-size sample, validated and scored as a run's score step does (scores, prescription):
    (scores, truth with the next quarter's outcome, run folder)."""
    generate_sample(base / "data", seed=seed, customers=2000, end_quarter=quarter)
    params = common.load_step_params(ROOT / "params")
    validate.run_validation(base / "data", quarter=quarter, run_dir=base / "run", params=params)
    score.run_scoring(quarter=quarter, run_dir=base / "run", params=params)
    scores = score.run_prescription(quarter=quarter, run_dir=base / "run", params=params).customers
    common.release_timeline()
    truth = pl.read_parquet(base / "data" / "_truth" / "planted.parquet")
    return scores, truth.join(_next_quarter(base / "data", scores), on="customer_id", how="left"), base / "run"


def _next_quarter(data: Path, scores: pl.DataFrame) -> pl.DataFrame:
    """``went_bad_next``: no purchase in the quarter after the as-of date, or its net sales below half of the
    average quarter of the last four (the back-test's definition), from the orders the run never saw."""
    orders = pl.read_parquet(data / "_truth" / "next_quarter" / "orders.parquet")
    sales = orders.group_by("customer_id").agg(next_sales=pl.col("amount").sum(), bought=(pl.col("amount") > 0).any())
    return scores.select("customer_id", "sales_trailing_4q").join(sales, on="customer_id", how="left").select(
        "customer_id",
        went_bad_next=~pl.col("bought").fill_null(False)
        | (pl.col("next_sales").fill_null(0.0) < 0.5 * pl.col("sales_trailing_4q") / 4),
    )


@pytest.fixture(scope="module", params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
def seeded(request, tmp_path_factory) -> tuple[pl.DataFrame, pl.DataFrame, Path]:
    return _scored(tmp_path_factory.mktemp(f"quality{request.param}"), seed=request.param, quarter=QUARTER)


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> tuple[pl.DataFrame, pl.DataFrame, Path]:
    """The default sample (seed 7), validated and scored as a run does: (scores, truth, run folder)."""
    return _scored(tmp_path_factory.mktemp("quality"), seed=7, quarter=QUARTER)


@pytest.fixture(scope="module")
def joined(run) -> pl.DataFrame:
    scores, truth, _ = run
    return scores.join(truth, on="customer_id", how="inner")


def _share(joined: pl.DataFrame, archetype: str, condition: pl.Expr) -> float:
    group = joined.filter(pl.col("archetype") == archetype)
    assert group.height > 0, archetype
    return group.select(condition.mean()).item()


def test_every_customer_scored_once(run):
    scores, truth, _ = run
    assert scores.height == truth.height == scores["customer_id"].n_unique()


@pytest.mark.parametrize("tag", ["benchmark", "nail", "at_risk"])
def test_precision_and_recall_of_each_tag(seeded, tag):
    scores, truth, _ = seeded
    scores = apart_from_the_truth(scores, truth, p=PARAMS.scoring)  # nails by line gap the sample did not plant
    row = tag_quality(scores, truth).filter(pl.col("label") == tag).row(0, named=True)
    assert row["precision"] >= FLOOR, row
    assert row["recall"] >= FLOOR, row


@pytest.mark.parametrize("flag", ["benchmark_at_risk", "dormant", "new_customer"])
def test_precision_and_recall_of_each_flag(run, flag):
    scores, truth, _ = run
    row = flag_quality(scores, truth).filter(pl.col("label") == flag).row(0, named=True)
    assert row["precision"] >= FLOOR, row
    assert row["recall"] >= FLOOR, row


def test_big_buyers_without_influence_are_not_benchmarks(joined):
    assert _share(joined, "big_buyer_no_influence", pl.col("tag") == "benchmark") <= 0.05
    # and the report can say why: ABC ranks them high, the reasons name the missing influence
    big_a = joined.filter((pl.col("archetype") == "big_buyer_no_influence") & (pl.col("abc_class") == "A"))
    assert big_a.height > 0
    assert big_a.select(pl.col("reason_codes").list.contains("not_benchmark_influence").mean()).item() >= 0.8


def test_influential_but_dissatisfied_are_not_benchmarks(joined):
    assert _share(joined, "influential_dissatisfied", pl.col("tag") == "benchmark") <= 0.05


def test_a_region_wide_or_seasonal_dip_is_not_a_risk(joined):
    assert _share(joined, "seasonal_dip", pl.col("tag") == "at_risk") <= 0.1
    dip = joined.filter(pl.col("in_dip_region") & (pl.col("true_tag") == "regular"))
    assert dip.height > 0
    assert dip.select((pl.col("tag") == "at_risk").mean()).item() <= 0.05


def test_new_customers_are_neither_nails_nor_at_risk(joined):
    assert _share(joined, "new_customer", pl.col("tag").is_in(["nail", "at_risk"])) == 0


def test_dormant_customers_are_flagged_not_watched(joined):
    assert _share(joined, "dormant", pl.col("tag").is_in(["nail", "at_risk"])) == 0
    assert _share(joined, "dormant", pl.col("flags").list.contains("dormant")) >= 0.9


def test_risk_holds_up_on_plain_transaction_logs(run):
    """Customers and orders only: every buyer gets a score_risk, the declining rank above the steady ones, and
    the slipping ones (whose leading signs are mostly in the other tables) still rank above most of them."""
    _, truth, run_dir = run
    tables = {k: v for k, v in common.load_clean_tables(run_dir).items() if k in ("customers", "orders")}
    scores = common.load_step_params(ROOT / "params").scoring
    plain = score_customers(tables, quarter=QUARTER, p=scores).collect().join(truth, on="customer_id")
    assert plain.filter(pl.col("last_order").is_not_null())["score_risk"].null_count() == 0
    regular = plain.filter(pl.col("archetype") == "regular")["score_risk"]
    declining = plain.filter(pl.col("risk_stage_right") == "declining")
    assert declining.select((pl.col("score_risk") > regular.quantile(0.9)).mean()).item() >= 0.9
    early = plain.filter(pl.col("risk_stage_right") == "early")
    assert early.select((pl.col("score_risk") > regular.median()).mean()).item() >= 0.8


# --- early warnings: judged by what happened next ---------------------------------------------------

def test_early_warnings_catch_the_customers_who_slip_before_they_collapse(seeded):
    """Planted to keep buying now and collapse next quarter: at least 80 % of them tagged at_risk now."""
    scores, truth, _ = seeded
    early = scores.join(truth, on="customer_id").filter(pl.col("risk_stage_right") == "early")
    assert early.height >= 50
    assert early.select((pl.col("tag") == "at_risk").mean()).item() >= EARLY_RECALL


def test_early_warnings_mostly_come_true(seeded):
    """Of the customers tagged at_risk while still buying (stage early), at least 60 % went bad the next quarter."""
    scores, truth, _ = seeded
    called = scores.join(truth, on="customer_id").filter((pl.col("tag") == "at_risk")
                                                         & (pl.col("risk_stage") == "early"))
    assert called.height >= 40
    assert called.select(pl.col("went_bad_next").mean()).item() >= EARLY_PRECISION


def test_at_risk_customers_have_a_stage_and_only_they_do(seeded):
    scores, _, _ = seeded
    assert scores.filter((pl.col("tag") == "at_risk") != pl.col("risk_stage").is_not_null()).is_empty()
    assert set(scores["risk_stage"].drop_nulls().unique()) <= {"early", "declining"}


@pytest.mark.parametrize("archetype", ["isolated_signal", "long_rhythm", "recovered", "new_customer", "seasonal_dip"])
def test_few_false_alarms_among_customers_who_only_look_risky(seeded, archetype):
    """Steady buyers with one complaint or competitor visit, long natural rhythms, customers back from an earlier
    dip, new customers, customers in their own low season: at most 10 % tagged at_risk."""
    scores, truth, _ = seeded
    group = scores.join(truth, on="customer_id").filter(pl.col("archetype") == archetype)
    assert group.height >= 20
    assert group.select((pl.col("tag") == "at_risk").mean()).item() <= FALSE_ALARMS


def test_few_false_alarms_in_the_deep_chinese_new_year_regions(tmp_path_factory):
    """Scored on a first quarter (2027Q1): the regions with the longest Spring Festival break do not light up."""
    from tagkit.sample.regions import geography

    scores, truth, _ = _scored(tmp_path_factory.mktemp("cny"), seed=7, quarter="2027Q1")
    geo = geography(None)
    deepest = {name for name, days in zip(geo.names, geo.break_days, strict=True) if days >= sorted(geo.break_days)[-2]}
    steady = scores.join(truth, on="customer_id").filter(
        pl.col("region").is_in(deepest) & pl.col("archetype").is_in(["regular", "isolated_signal", "long_rhythm"]))
    assert steady.height >= 100
    assert steady.select((pl.col("tag") == "at_risk").mean()).item() <= FALSE_ALARMS
