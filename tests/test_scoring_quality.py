"""Tag quality on the default sample (2,000 customers, seed 7) against its planted truth.

The scorer never reads the truth; this test does, to measure it: precision and recall of each
tag, the flags, and the confounders a naive rule would mis-tag.
"""
from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tagkit.pipeline import steps
from tagkit.sample import generate_sample
from tagkit.scoring import flag_quality, score_customers, tag_quality

ROOT = Path(__file__).resolve().parents[1]
QUARTER = "2026Q3"
FLOOR = 0.85


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> tuple[pl.DataFrame, pl.DataFrame, Path]:
    """The default sample, validated and scored as a run does: (scores, truth, run folder)."""
    base = tmp_path_factory.mktemp("quality")
    generate_sample(base / "data", seed=7, customers=2000)
    params = steps.load_step_params(ROOT / "params")
    steps.run_validation(base / "data", quarter=QUARTER, run_dir=base / "run", params=params)
    scores = steps.run_scoring(quarter=QUARTER, run_dir=base / "run", params=params)
    truth = pl.read_parquet(base / "data" / "_truth" / "planted.parquet")
    return scores, truth, base / "run"


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
def test_precision_and_recall_of_each_tag(run, tag):
    scores, truth, _ = run
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
    """Customers and orders only: every customer gets a score_risk, and the lapsed rank above the rest."""
    _, truth, run_dir = run
    tables = {k: v for k, v in steps.load_clean_tables(run_dir).items() if k in ("customers", "orders")}
    scores = steps.load_step_params(ROOT / "params").scoring
    plain = score_customers(tables, quarter=QUARTER, p=scores).collect().join(truth, on="customer_id")
    assert plain["score_risk"].null_count() == 0
    regular_p90 = plain.filter(pl.col("archetype") == "regular")["score_risk"].quantile(0.9)
    at_risk = plain.filter(pl.col("true_tag") == "at_risk")
    assert at_risk.select((pl.col("score_risk") > regular_p90).mean()).item() >= 0.9
