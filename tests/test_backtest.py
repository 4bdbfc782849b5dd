"""The back-test: known answers on hand-made frames, edge cases, and well-formed figures on the sample data."""
from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tagkit.backtest import POOLED, auc, backtest_dict, backtest_table, explain, run_backtest, write_backtest
from tagkit.backtest import run as backtest_run
from tagkit.backtest.metrics import method_counts, rates
from tagkit.errors import InputError, UsageError
from tagkit.params import BacktestParams, load_params
from tagkit.scoring.engine import timeline_of

ROOT = Path(__file__).resolve().parents[1]
PARAMS = load_params(ROOT / "params")
BT = BacktestParams(quarters=2, no_order_days=90)
D = dt.date
QUARTERS_2025_2026 = [D(2025, 2, 15), D(2025, 5, 15), D(2025, 8, 15), D(2025, 11, 15), D(2026, 2, 15),
                      D(2026, 5, 15), D(2026, 8, 15)]  # 2025Q1 .. 2026Q3, one order mid-quarter


# ---------------------------------------------------------------- hand-made data

def _orders() -> pl.LazyFrame:
    """One line per customer and quarter, 2025Q1..2026Q3, with a known story each:

    steady    100 every quarter                              → never went bad
    stopper   100 each quarter, nothing in 2026Q3            → went bad after 2026Q2 (no order)
    decliner  100 each quarter, 40 in 2026Q2 and 2026Q3      → went bad after 2026Q1 and after 2026Q2
    boundary  100 each quarter, exactly 50 in 2026Q2         → a 50% fall is not *more than* 50%: not bad
    gone      100 in 2025Q1 only                             → already left: excluded
    newbie    first order in 2026Q3                          → not a customer yet: excluded
    returner  +50 and -80 in 2025Q4 only                     → only credits in the window: excluded
    """
    rows = []
    for day in QUARTERS_2025_2026:
        rows.append(("steady", day, 100.0))
        if day < D(2026, 7, 1):
            rows.append(("stopper", day, 100.0))
        rows.append(("decliner", day, 40.0 if day >= D(2026, 4, 1) else 100.0))
        rows.append(("boundary", day, 50.0 if D(2026, 4, 1) <= day < D(2026, 7, 1) else 100.0))
    rows += [("gone", D(2025, 2, 15), 100.0), ("newbie", D(2026, 8, 20), 70.0),
             ("returner", D(2025, 11, 3), 50.0), ("returner", D(2025, 11, 20), -80.0)]
    return pl.LazyFrame(
        {"order_id": [f"O{i}" for i in range(len(rows))], "customer_id": [r[0] for r in rows],
         "order_date": [r[1] for r in rows], "amount": [r[2] for r in rows]},
    )


IDS = ["boundary", "decliner", "gone", "newbie", "returner", "silent", "steady", "stopper"]


def _customers() -> pl.LazyFrame:
    """The customers of :func:`_orders`, plus ``silent`` who never ordered."""
    return pl.LazyFrame({"customer_id": IDS, "customer_name": IDS, "region": ["华东"] * len(IDS),
                         "rep_id": ["R1"] * len(IDS)})


# What a (fake) engine said in each quarter: tag, score_risk, abc_class per customer.
KNOWN = {
    "2026Q2": {"stopper": ("at_risk", 90.0, "C"), "decliner": ("regular", 80.0, "B"),
               "steady": ("at_risk", 70.0, "A"), "boundary": ("regular", 10.0, "C"),
               "gone": ("at_risk", 99.0, "C")},
    "2026Q1": {"decliner": ("regular", 20.0, "A"), "steady": ("regular", 60.0, "A"),
               "stopper": ("regular", 30.0, "A"), "boundary": ("regular", 30.0, "A")},
}


@pytest.fixture()
def fake_engine(monkeypatch):
    """Replace the tags and scores of each back-tested quarter by the answers of ``KNOWN``; records the quarters."""
    seen: list[str] = []

    def judged(timeline, quarter, scoring):
        seen.append(quarter)
        known = KNOWN.get(quarter, {})
        tag, risk, abc = zip(*(known.get(c, ("regular", 0.0, "A")) for c in IDS), strict=True)
        return pl.LazyFrame({"customer_id": IDS, "region": ["华东"] * len(IDS), "tag": tag,
                             "score_risk": risk, "abc_class": abc})

    monkeypatch.setattr(backtest_run, "judged_tags", judged)
    return seen


def _outcomes(quarter: str, orders: pl.LazyFrame | None = None, threshold: float = 0.5) -> pl.DataFrame:
    """The back-test's population and outcome of ``quarter`` on the hand-made data."""
    risk = PARAMS.scoring.risk.model_copy(update={"decline_threshold": threshold})
    scoring = PARAMS.scoring.model_copy(update={"risk": risk})
    tables = {"customers": _customers(), "orders": _orders() if orders is None else orders}
    timeline = timeline_of(tables, quarter="2026Q3", p=scoring, quarters_back=3)
    return backtest_run.quarter_outcomes(timeline, quarter).collect()


def _figure(result, quarter: str, method: str, metric: str) -> float | None:
    return result.figures.filter(quarter=quarter, method=method, metric=metric)["value"].item()


# ---------------------------------------------------------------- AUC and top k

def test_auc_of_perfect_reversed_and_tied_rankings():
    went_bad = [True, True, False, False]
    assert auc([4, 3, 2, 1], went_bad) == 1.0
    assert auc([1, 2, 3, 4], went_bad) == 0.0
    assert auc([5, 5, 5, 5], went_bad) == 0.5
    # one pair tied, three right: (1 + 1 + 1 + 0.5) / 4
    assert auc([3, 2, 2, 1], went_bad) == 0.875


def test_auc_is_null_without_both_outcomes():
    assert auc([1.0, 2.0], [True, True]) is None
    assert auc([1.0, 2.0], [False, False]) is None
    assert auc([], []) is None


def test_auc_matches_pairwise_count_with_many_ties():
    rng = np.random.default_rng(11)
    scores = rng.integers(0, 6, 400).astype(float)
    went_bad = rng.random(400) < 0.2 + 0.1 * scores / 5
    pos, neg = scores[went_bad], scores[~went_bad]
    expected = ((pos[:, None] > neg).sum() + 0.5 * (pos[:, None] == neg).sum()) / (len(pos) * len(neg))
    assert auc(scores.tolist(), went_bad.tolist()) == pytest.approx(expected, abs=1e-12)


def test_null_scores_rank_lowest():
    assert auc([None, 2.0, 1.0], [True, False, False]) == 0.0


def test_top_k_ties_at_the_cut_share_the_places():
    """k = 1, two customers tied at the top, one of them went bad: half a hit expected."""
    cases = pl.LazyFrame({"g": [0, 0, 0], "score": [9.0, 9.0, 1.0], "went_bad": [True, False, True],
                          "flag": [True, False, False], "k": [1.0, 1.0, 1.0]})
    row = method_counts(cases, by=["g"]).with_columns(**rates()).collect().row(0, named=True)
    assert row["top_k_went_bad"] == 0.5 and row["precision_top_k"] == 0.5


# ---------------------------------------------------------------- population and outcome

def test_outcomes_by_story():
    out = _outcomes("2026Q2")
    got = {r["customer_id"]: (r["status"], r["went_bad"]) for r in out.iter_rows(named=True)}
    assert got == {
        "steady": ("in_population", False),
        "stopper": ("in_population", True),       # stops ordering after the scored quarter
        "decliner": ("already_past_bar", None),   # 40 against 100 a year before: already collapsed when scored
        "boundary": ("in_population", False),     # 100 next quarter
        "gone": ("already_left", None),
        "newbie": ("no_purchase_yet", None),
        "returner": ("net_sales_not_positive", None),
        "silent": ("no_purchase_yet", None),
    }
    stopper = out.filter(customer_id="stopper").row(0, named=True)
    assert stopper["no_order_next"] is True
    assert stopper["days_since_last_order"] == (D(2026, 6, 30) - D(2026, 5, 15)).days


def test_a_fall_of_exactly_the_threshold_is_not_bad_but_just_past_it_is():
    out = _outcomes("2026Q1")
    assert out.filter(customer_id="boundary")["went_bad"].item() is False  # 50 vs average 100
    assert out.filter(customer_id="decliner")["went_bad"].item() is True  # 40 vs average 100
    stricter = _outcomes("2026Q1", threshold=0.49)
    assert stricter.filter(customer_id="boundary")["went_bad"].item() is True


def test_a_quarter_with_only_a_return_counts_as_no_order():
    orders = pl.concat([
        _orders().filter(pl.col("customer_id") == "stopper"),
        pl.LazyFrame({"order_id": ["R"], "customer_id": ["stopper"], "order_date": [D(2026, 8, 1)], "amount": [-5.0]}),
    ])
    out = _outcomes("2026Q2", orders=orders).filter(customer_id="stopper").row(0, named=True)
    assert out["no_order_next"] is True and out["went_bad"] is True


# ---------------------------------------------------------------- run_backtest with a known engine

def test_known_figures_per_quarter_and_pooled(fake_engine):
    result = run_backtest({"customers": _customers(), "orders": _orders()}, quarter="2026Q3",
                          scoring=PARAMS.scoring, backtest=BT)
    assert result.scored == ("2026Q2", "2026Q1") and result.skipped == ()
    q2 = {m: _figure(result, "2026Q2", "tagkit", m) for m in ("flagged", "precision", "recall", "lift", "auc",
                                                              "top_k", "precision_top_k")}
    # judged in 2026Q2: steady, stopper (went bad), boundary; decliner had already collapsed
    assert q2 == {"flagged": 2, "precision": 0.5, "recall": 1.0, "lift": 1.5, "auc": 1.0, "top_k": 2,
                  "precision_top_k": 0.5}
    assert _figure(result, "2026Q2", "population", "customers") == 3
    assert _figure(result, "2026Q2", "population", "base_rate") == pytest.approx(1 / 3)
    assert _figure(result, "2026Q2", "population", "excluded_already_left") == 1
    assert _figure(result, "2026Q2", "population", "excluded_no_purchase_yet") == 2  # newbie, silent
    assert _figure(result, "2026Q2", "population", "excluded_net_sales_not_positive") == 1
    assert _figure(result, "2026Q2", "population", "excluded_already_past_bar") == 1  # the decliner: late news
    assert _figure(result, "2026Q2", "population", "excluded_tagged_at_risk") == 1  # 'gone' is no prediction
    assert _figure(result, "2026Q2", "abc", "auc") == 0.75  # stopper and boundary tied at C, steady A
    assert _figure(result, "2026Q2", "abc", "precision") == 0.5
    # everyone ordered 46 days before 2026-06-30: the rule flags nobody and cannot rank
    assert _figure(result, "2026Q2", "no_order_rule", "flagged") == 0
    assert _figure(result, "2026Q2", "no_order_rule", "precision") is None
    assert _figure(result, "2026Q2", "no_order_rule", "auc") == 0.5
    # the same recency and frequency for all: a coin toss; its call takes tagkit's workload (2), by id
    assert _figure(result, "2026Q2", "recency_frequency", "auc") == 0.5
    assert _figure(result, "2026Q2", "recency_frequency", "flagged") == 2
    assert _figure(result, "2026Q1", "tagkit", "auc") == 0.0  # the one that went bad scored lowest
    assert _figure(result, "2026Q1", "tagkit", "precision_top_k") is None  # k = 0
    assert _figure(result, "2026Q1", "abc", "auc") == 0.5  # all class A
    assert _figure(result, POOLED, "population", "customers") == 7
    assert _figure(result, POOLED, "population", "went_bad") == 2
    assert _figure(result, POOLED, "tagkit", "precision") == 0.5
    assert _figure(result, POOLED, "tagkit", "recall") == 0.5
    assert _figure(result, POOLED, "tagkit", "lift") == pytest.approx(0.5 / (2 / 7))
    assert _figure(result, POOLED, "tagkit", "auc") == pytest.approx(2 / 5)  # (2 + 0) right pairs of (2 + 3)
    assert any("simple rule (days without an order) flagged no customer" in n for n in result.notes)
    assert fake_engine == ["2026Q2", "2026Q1"]


def test_tagkit_losing_to_a_baseline_is_said_in_both_languages(fake_engine):
    result = run_backtest({"customers": _customers(), "orders": _orders()}, quarter="2026Q3",
                          scoring=PARAMS.scoring, backtest=BT)
    lost = result.verdicts.filter(~pl.col("tagkit_better"))
    # pooled AUC 0.4 against the coin tosses of the no-order rule and recency + frequency, and ABC's 0.6
    assert set(lost.filter(metric="auc")["baseline"]) == {"no_order_rule", "recency_frequency", "abc"}
    assert any(n.startswith("tagkit does not beat the ABC classes baseline on AUC: 0.4 against 0.6")
               for n in result.notes)
    assert any("没有胜过基准方法 ABC 分类" in n for n in result.notes_zh)


def test_each_quarter_is_scored_without_its_future():
    """A back-tested quarter's tags and scores come from its own past: rewriting everything after it changes
    its outcome, never what tagkit said then."""
    tables = {"customers": _customers(), "orders": _orders()}
    later = _orders().with_columns(
        amount=pl.when(pl.col("order_date") > D(2026, 3, 31)).then(pl.col("amount") * 7).otherwise(pl.col("amount")))
    said = {}
    for name, orders in (("as is", _orders()), ("later rewritten", later)):
        timeline = timeline_of({**tables, "orders": orders}, quarter="2026Q3", p=PARAMS.scoring, quarters_back=3)
        said[name] = backtest_run.judged_tags(timeline, "2026Q1", PARAMS.scoring).collect()
    assert_frame_equal(said["as is"], said["later rewritten"])


def test_no_one_went_bad_gives_null_auc_and_a_note(fake_engine):
    steady = _orders().filter(pl.col("customer_id") == "steady")
    result = run_backtest({"customers": _customers(), "orders": steady}, quarter="2026Q3",
                          scoring=PARAMS.scoring, backtest=BT)
    assert _figure(result, "2026Q2", "tagkit", "auc") is None
    assert _figure(result, "2026Q2", "population", "base_rate") == 0.0
    assert _figure(result, "2026Q2", "tagkit", "lift") is None
    assert any("AUC is undefined because no customer went bad" in n for n in result.notes)
    assert backtest_dict(result)["pooled"]["tagkit"]["auc"] is None


def test_quarters_before_the_data_are_skipped_and_short_history_noted(fake_engine):
    recent = _orders().filter(pl.col("order_date") >= D(2026, 1, 1))
    result = run_backtest({"customers": _customers(), "orders": recent}, quarter="2026Q3",
                          scoring=PARAMS.scoring, backtest=BT.model_copy(update={"quarters": 3}))
    assert result.scored == ("2026Q2", "2026Q1") and result.skipped == ("2025Q4",)
    assert any(n.startswith("2025Q4 skipped: it ends before the first order line (2026-02-15)") for n in result.notes)
    assert any(n.startswith("2026Q1: the data starts 2026-02-15, so the average quarter is taken over 1 ")
               for n in result.notes)
    assert len(result.notes_zh) == len(result.notes)


def test_a_quarter_whose_outcome_quarter_has_no_orders_is_skipped(fake_engine):
    until_june = _orders().filter(pl.col("order_date") < D(2026, 7, 1))
    result = run_backtest({"customers": _customers(), "orders": until_june}, quarter="2026Q3",
                          scoring=PARAMS.scoring, backtest=BT)
    assert result.scored == ("2026Q1",) and result.skipped == ("2026Q2",)
    assert any("no order lines in 2026Q3" in n for n in result.notes)


def test_an_extract_ending_early_is_noted(fake_engine):
    until_august = _orders().filter(pl.col("order_date") <= D(2026, 8, 20))
    result = run_backtest({"customers": _customers(), "orders": until_august}, quarter="2026Q3",
                          scoring=PARAMS.scoring, backtest=BT)
    assert [n for n in result.notes if "days before" in n] == [
        "2026Q2: the last order line is dated 2026-08-20, 41 days before 2026Q3 ends; customers with no order in "
        "2026Q3 may only be missing from the extract, so its outcomes look worse than they are."
    ]


def test_no_orders_at_all_gives_empty_figures_not_a_crash(fake_engine, tmp_path):
    empty = _orders().filter(pl.lit(False))
    result = run_backtest({"customers": _customers(), "orders": empty}, quarter="2026Q3",
                          scoring=PARAMS.scoring, backtest=BT)
    assert result.scored == () and result.skipped == ("2026Q2", "2026Q1") and result.figures.is_empty()
    table = backtest_table(result)
    assert table["method"].to_list() == ["tagkit", "no_order_rule", "recency_frequency", "abc"]
    assert table["auc"].null_count() == 4
    write_backtest(result, tmp_path)
    assert json.loads((tmp_path / "backtest.json").read_text(encoding="utf-8"))["figures"] == []


def test_missing_tables_and_bad_quarter_are_errors_people_can_act_on():
    with pytest.raises(InputError, match=r"backtest: table\(s\) orders missing; got customers\. Pass the validated"):
        run_backtest({"customers": _customers()}, quarter="2026Q3", scoring=PARAMS.scoring, backtest=BT)
    with pytest.raises(UsageError, match="must look like YYYYQn"):
        run_backtest({"customers": _customers(), "orders": _orders()}, quarter="2026-3", scoring=PARAMS.scoring,
                     backtest=BT)


def test_explanations_exist_in_both_languages_with_params_filled():
    for language in ("en", "zh"):
        texts = explain(BT, language)
        assert set(texts["methods"]) == {"tagkit", "no_order_rule", "recency_frequency", "abc"}
        assert "90" in texts["methods"]["no_order_rule"] and "50%" in texts["definitions"]["outcome"]
        assert all(t and "{" not in t for group in texts.values() for t in group.values())


# ---------------------------------------------------------------- the sample data, real engine

@pytest.fixture(scope="module")
def sample_result(tmp_path_factory):
    """The current engine back-tested on a 300-customer sample (seed 3), run quarter 2026Q3.

    The tables are validation's clean frames, as the pipeline scores them; read through the
    validation layer itself, so this test does not depend on the layers above the back-test.
    """
    from tagkit.io import load_dataset
    from tagkit.sample_data import generate_sample
    from tagkit.validation import raise_if_blocked, validate_dataset

    tmp = tmp_path_factory.mktemp("backtest")
    generate_sample(tmp / "data", customers=300, seed=3)
    with load_dataset(tmp / "data", io=PARAMS.io) as dataset:
        checked = validate_dataset(dataset.tables, quarter="2026Q3", params=PARAMS.validation,
                                   missing=dataset.missing)
    raise_if_blocked(checked)
    tables = {name: frame.lazy() for name, frame in checked.clean.items()}
    return run_backtest(tables, quarter="2026Q3", scoring=PARAMS.scoring, backtest=PARAMS.backtest), tmp


COUNT_METRICS = ("customers_scored", "excluded_no_purchase_yet", "excluded_already_left",
                 "excluded_net_sales_not_positive", "excluded_already_past_bar", "excluded_tagged_at_risk",
                 "customers", "went_bad", "went_bad_no_order", "flagged", "flagged_went_bad", "u_statistic", "pairs",
                 "top_k", "top_k_went_bad", "null_scores")
SHARES = ("base_rate", "precision", "recall", "auc", "precision_top_k")


def test_sample_figures_are_well_formed(sample_result):
    result, _ = sample_result
    figures = result.figures
    assert figures.schema == pl.Schema({"quarter": pl.String, "method": pl.String, "metric": pl.String,
                                        "value": pl.Float64})
    assert result.scored == ("2026Q2", "2026Q1")
    assert set(figures["quarter"]) == {"2026Q2", "2026Q1", POOLED}
    assert figures.filter(pl.col("value").is_nan()).is_empty()
    assert figures.select(pl.struct("quarter", "method", "metric").is_unique().all()).item()
    shares = figures.filter(pl.col("metric").is_in(SHARES))
    assert shares.filter(~pl.col("value").is_between(0, 1)).is_empty()
    # a precision is undefined only where the method flagged nobody: the no-order rule flags no customer
    # who still bought that quarter, which is everyone judged
    flagged = figures.filter(metric="flagged").select("quarter", "method", flagged="value")
    undefined = shares.filter(pl.col("value").is_null()).join(flagged, on=["quarter", "method"], how="left")
    assert undefined.filter(~((pl.col("metric") == "precision_top_k")
                              | ((pl.col("metric") == "precision") & (pl.col("flagged") == 0)))).is_empty()
    assert figures.filter(pl.col("metric") == "lift", pl.col("value") < 0).is_empty()


def test_sample_pooled_counts_add_up(sample_result):
    result, _ = sample_result
    counts = result.figures.filter(pl.col("metric").is_in(COUNT_METRICS))
    per_quarter = (counts.filter(pl.col("quarter") != POOLED).group_by("method", "metric")
                   .agg(pl.col("value").sum()).sort("method", "metric"))
    pooled = counts.filter(quarter=POOLED).select("method", "metric", "value").sort("method", "metric")
    assert_frame_equal(per_quarter, pooled)
    for q in (*result.scored, POOLED):
        pop = dict(result.figures.filter(quarter=q, method="population").select("metric", "value").iter_rows())
        excluded = sum(pop[f"excluded_{e}"] for e in ("no_purchase_yet", "already_left", "net_sales_not_positive",
                                                       "already_past_bar"))
        assert pop["customers"] + excluded == pop["customers_scored"]
        assert pop["went_bad_no_order"] <= pop["went_bad"] <= pop["customers"]
    assert result.cases.filter(status="in_population").height == _figure(result, POOLED, "population", "customers")


def test_sample_score_risk_ranks_better_than_chance(sample_result):
    result, _ = sample_result
    assert _figure(result, POOLED, "tagkit", "auc") > 0.5
    assert all(_figure(result, q, "tagkit", "auc") > 0.5 for q in result.scored)


def test_sample_outputs_are_strict_deterministic_and_round_trip(sample_result, tmp_path):
    result, _ = sample_result

    def strict(text: str) -> dict:
        return json.loads(text, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c} in backtest.json"))

    first, parquet = write_backtest(result, tmp_path / "a")
    second, _ = write_backtest(result, tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()
    data = strict(first.read_text(encoding="utf-8"))
    assert data["quarter"] == "2026Q3" and data["scored_quarters"] == ["2026Q2", "2026Q1"]
    assert set(data["pooled"]) == {"population", "tagkit", "no_order_rule", "recency_frequency", "abc"}
    assert set(data["notes"]) == {"en", "zh"} and len(data["notes"]["en"]) >= 2  # exclusions, per quarter
    assert len(data["figures"]) == result.figures.height
    assert all(v is None or math.isfinite(v) for v in (f["value"] for f in data["figures"]))
    assert_frame_equal(pl.read_parquet(parquet), result.figures)


def test_sample_table_has_one_row_per_method_in_either_language(sample_result):
    result, _ = sample_result
    en, zh = backtest_table(result), backtest_table(result, language="zh")
    assert en.columns == ["method", "label", "customers", "base_rate", "flagged", "precision", "recall", "lift",
                          "auc", "precision_top_k"]
    assert en["method"].to_list() == ["tagkit", "no_order_rule", "recency_frequency", "abc"]
    assert_frame_equal(en.drop("label"), zh.drop("label"))
    assert zh["label"][0].startswith("tagkit：危险客户标签")


def test_top_k_share_is_counted_not_summed():
    """The one tie block at the cut gives its went-bad members the same fraction of a place: the figure is
    their count times it, exactly, so it cannot depend on the order a parallel sum adds the rows in."""
    # k = 5: two at the top (inside), then a block of 30 tied customers taking the remaining 3 places
    n_tied = 30
    cases = pl.LazyFrame({
        "g": [0] * (2 + n_tied + 1), "score": [9.0, 9.0] + [5.0] * n_tied + [1.0],
        "went_bad": [True, False] + [True] * (n_tied - 3) + [False] * 3 + [True],
        "flag": [False] * (2 + n_tied + 1), "k": [5.0] * (2 + n_tied + 1),
    })
    got = method_counts(cases, by=["g"]).collect()["top_k_went_bad"].item()
    share = 3 / n_tied
    assert got == 1.0 + (n_tied - 3) * share
    assert got != sum([1.0] + [share] * (n_tied - 3))  # what adding row by row gives: another last bit
