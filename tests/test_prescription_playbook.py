"""At-risk defences, rep change, visit frequency, flags, reasons and the playbook's actions on hand-made frames."""
from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import yaml
from polars.testing import assert_frame_equal

from tagkit.contract import SIGNALS, TOPICS
from tagkit.errors import ParamsError
from tagkit.params import load_params
from tagkit.prescription import playbook_table
from tagkit.prescription.defences import defence_frame
from tagkit.prescription.playbook import playbook_frame
from tagkit.scoring.risk_signals import SIGNALS as RISK_COMPONENTS

ROOT = Path(__file__).resolve().parents[1]
PARAMS = load_params(ROOT / "params")
P = PARAMS.prescription


def _frame(rows: list[dict]) -> pl.LazyFrame:
    """Customers with every column the defences and the playbook read; unnamed ones are zero or empty."""
    base = {
        "customer_id": "x", "rep_id": "R1", "tag": "regular", "previous_tag": None, "score_risk": 10.0,
        "flags": [], "reason_codes": [], "reasons_zh": [], "reasons_en": [],
        "nail_decision": None, "nail_cause": None, "benchmark_level": None, "benchmark_missing": None,
        "benchmark_missing_gap": None, "is_speculator": False, "speculator_demoted": False,
        "is_benchmark_candidate": False, "rep_complaints_current": 0, "competitor": None,
        "speculator_quarter_end_share": None, "speculator_discount": None, "speculator_other_days_per_quarter": None,
        "is_benchmark_slipping": False, "showcase_basis": None, "showcase_sales_change": None,
        "sales_trailing_4q": None, "sales_prior_4q": None,
        **{f"complaints_{t}": 0 for t in TOPICS}, **{f"signals_{s}": 0 for s in SIGNALS},
        **{f"risk_{c}": 0.0 for c in RISK_COMPONENTS},
    }
    schema = {"previous_tag": pl.String, "competitor": pl.String, "nail_decision": pl.String, "nail_cause": pl.String,
              "benchmark_level": pl.String, "benchmark_missing": pl.String, "benchmark_missing_gap": pl.Float64,
              "flags": pl.List(pl.String), "reason_codes": pl.List(pl.String), "reasons_zh": pl.List(pl.String),
              "reasons_en": pl.List(pl.String), "speculator_quarter_end_share": pl.Float64,
              "speculator_discount": pl.Float64, "speculator_other_days_per_quarter": pl.Float64,
              "showcase_basis": pl.String, "showcase_sales_change": pl.Float64, "sales_trailing_4q": pl.Float64,
              "sales_prior_4q": pl.Float64}
    return pl.LazyFrame([{**base, **r} for r in rows], schema_overrides=schema)


def _at_risk() -> pl.LazyFrame:
    """At-risk customers each showing one kind of evidence, one showing none, and one complaining
    about its rep once (enough for an at-risk customer)."""
    return _frame([
        {"customer_id": "visits_fell", "tag": "at_risk", "score_risk": 80.0, "risk_fewer_visits": 0.6},
        {"customer_id": "price", "tag": "at_risk", "score_risk": 62.0, "complaints_price": 1, "signals_promotion": 2,
         "competitor": "恒达"},
        {"customer_id": "payment", "tag": "at_risk", "score_risk": 50.0, "complaints_payment": 1,
         "signals_lost_listing": 1},
        {"customer_id": "silent", "tag": "at_risk", "score_risk": 46.0},
        {"customer_id": "rep_issue", "tag": "at_risk", "score_risk": 50.0, "complaints_rep": 1,
         "rep_complaints_current": 1},
        {"customer_id": "calm", "tag": "regular", "complaints_price": 3},
    ])


def test_defences_follow_the_signals_and_fall_back_to_relationship():
    """The seed's sorting: payment terms are a commercial matter (价格、付款方式、赠品、售后服务、技术支持); a lost
    listing is a worry to clear (risk defence)."""
    out = defence_frame(_at_risk(), p=P).collect()
    expected = pl.DataFrame({
        "customer_id": ["visits_fell", "price", "payment", "silent", "rep_issue", "calm"],
        "defences": [["relationship"], ["commercial"], ["commercial", "risk"], ["relationship"], ["relationship"],
                     None],
        "is_rep_change": [False, False, False, False, True, False],
        "visit_frequency": [4.0, 3.0, 2.0, 2.0, 2.0, 1.0],
    })
    assert_frame_equal(out.select(expected.columns), expected)


def test_defence_steps_name_the_competitor_its_action_and_the_complaint():
    """Each defence's step says what was found — the competitor by name, what it did, what the customer
    complained about — and what to do about each, before any general paragraph; a competitor the signals
    do not name is "a competitor"; without any lead, the fallback says so. Both languages."""
    out = defence_frame(_at_risk(), p=P).collect()
    zh = dict(zip(out["customer_id"], out["defence_steps_zh"].to_list(), strict=True))
    en = dict(zip(out["customer_id"], out["defence_steps_en"].to_list(), strict=True))
    assert zh["price"] == ["商务防守：竞品恒达近期促销，客户投诉价格。"
                           "先做：以赠品或促销支持回应竞品恒达的促销；重新核定供货价格"]
    assert en["price"] == ["Commercial defence: lately from 恒达: a promotion; the customer complained about price. "
                           "First: match 恒达's promotion with gifts or promotional support; review our price"]
    # payment terms are commercial (the seed's 付款方式), the lost listing a risk to clear in writing
    assert zh["payment"] == ["商务防守：客户投诉付款。先做：调整付款方式或账期",
                             "风险防守：竞品近期抢占我方陈列。先做：与客户管理层书面约定恢复陈列"]
    assert en["payment"][1] == ("Risk defence: lately from a competitor: a listing taken from us. "
                                "First: agree in writing with its management to restore the listing")
    assert zh["visits_fell"] == ["关系防守：拜访减少。先做：恢复拜访频次"]
    assert zh["rep_issue"] == ["关系防守：客户投诉业务员。先做：主管陪同拜访，听取客户对业务员的意见"]
    assert zh["silent"] == [P.at_risk.steps.nothing_found.zh] and en["silent"] == [P.at_risk.steps.nothing_found.en]
    assert zh["calm"] is None and en["calm"] is None
    # one step per defence, in the defences' order
    assert [len(s) for s in out["defence_steps_en"].drop_nulls()] == [len(d) for d in out["defences"].drop_nulls()]


def test_an_unknown_placeholder_in_the_defence_steps_is_refused():
    steps = P.at_risk.steps.model_copy(update={"commercial": P.at_risk.steps.commercial.model_copy(
        update={"en": "Commercial defence: {found} {rival}"})})
    p = P.model_copy(update={"at_risk": P.at_risk.model_copy(update={"steps": steps})})
    with pytest.raises(ParamsError, match=r"at_risk.steps.commercial.en: unknown placeholder '\{rival\}'"):
        defence_frame(_at_risk(), p=p)


def test_repeated_rep_complaints_recommend_a_rep_change_for_any_customer():
    """Two complaints about the current rep: change the rep even for a healthy regular customer; one is
    noise for a regular customer; complaints about a former rep never count (rep_complaints_current)."""
    frame = _frame([
        {"customer_id": "twice", "rep_complaints_current": 2},
        {"customer_id": "once", "rep_complaints_current": 1},
        {"customer_id": "nail_twice", "tag": "nail", "nail_decision": "invest", "rep_complaints_current": 2},
    ])
    out = frame.pipe(defence_frame, p=P).pipe(playbook_frame, playbook=PARAMS.playbook, p=P).collect()
    assert out["flags"].to_list() == [["rep_change_recommended"], [], ["rep_change_recommended"]]
    assert out["action_codes"][0].to_list() == ["change_rep"]
    assert out["action_codes"][2][0] == "change_rep"
    assert out["reason_codes"][0].to_list() == ["rep_change_complaints"]
    assert "R1" in out["reasons_zh"][0][0] and "R1" in out["reasons_en"][0][0]


def _prescribed(rows: list[dict]) -> pl.DataFrame:
    return _frame(rows).pipe(defence_frame, p=P).pipe(playbook_frame, playbook=PARAMS.playbook, p=P).collect()


def test_actions_follow_the_reasons_causes_and_decisions():
    """Each customer gets the actions its evidence calls for, ordered by priority."""
    out = _prescribed([
        {"customer_id": "internal", "tag": "nail", "nail_cause": "internal", "nail_decision": "invest"},
        {"customer_id": "trust_reduce", "tag": "nail", "nail_cause": "trust", "nail_decision": "reduce"},
        {"customer_id": "dropped", "tag": "nail", "nail_cause": "competitor", "nail_decision": "drop"},
        {"customer_id": "bench", "tag": "benchmark", "benchmark_level": "national", "complaints_delivery": 1,
         "showcase_basis": "before_benchmark"},
        {"customer_id": "bench_risk", "tag": "at_risk", "score_risk": 70.0, "flags": ["benchmark_at_risk"],
         "signals_quote": 1},
        {"customer_id": "candidate", "is_benchmark_candidate": True, "benchmark_missing": "cooperation",
         "benchmark_missing_gap": 5.0},
        {"customer_id": "plain"},
        {"customer_id": "dormant", "flags": ["dormant"]},
    ])
    actions = dict(zip(out["customer_id"], out["action_codes"].to_list(), strict=True))
    assert actions == {
        "internal": ["nail_settle_legacy", "nail_combined_attack"],
        "trust_reduce": ["nail_factory_visit", "nail_reduce_effort"],
        "dropped": ["nail_drop"],
        "bench": ["benchmark_resolve_complaint", "benchmark_maintain", "benchmark_case_study", "benchmark_referrals"],
        "bench_risk": ["defend_benchmark", "defend_commercial", "at_risk_watch"],
        "candidate": ["develop_candidate", "candidate_deepen_cooperation"],
        "plain": ["regular_routine"],
        "dormant": ["win_back"],
    }
    assert out.filter(pl.col("customer_id") == "candidate")["flags"].to_list() == [["benchmark_candidate"]]



def test_a_slipping_benchmark_is_defended_and_never_a_success_story():
    """National benchmarks: a case study only with a before/after that grew; a slipping one (below its
    before, or a trailing fall) gets the defence first, the flag and a reason naming both changes;
    a local slipping one is not shown to its neighbours either."""
    slipping = {"tag": "benchmark", "is_benchmark_slipping": True, "showcase_basis": "slipping"}
    out = _prescribed([
        {"customer_id": "grown", "tag": "benchmark", "benchmark_level": "national",
         "showcase_basis": "before_benchmark"},
        {"customer_id": "unknown_before", "tag": "benchmark", "benchmark_level": "provincial",
         "showcase_basis": "no_before"},
        {"customer_id": "fell", "benchmark_level": "national", "showcase_sales_change": -0.25,
         "sales_trailing_4q": 900.0, "sales_prior_4q": 1000.0, **slipping},
        {"customer_id": "local_fell", "benchmark_level": "local", "sales_trailing_4q": 600.0,
         "sales_prior_4q": 1000.0, **slipping},
    ])
    actions = dict(zip(out["customer_id"], out["action_codes"].to_list(), strict=True))
    assert actions["grown"] == ["benchmark_maintain", "benchmark_case_study", "benchmark_referrals"]
    assert actions["unknown_before"] == ["benchmark_maintain", "benchmark_referrals"]
    assert actions["fell"] == ["benchmark_defend_slipping", "benchmark_maintain", "benchmark_referrals"]
    assert actions["local_fell"] == ["benchmark_defend_slipping", "benchmark_maintain", "benchmark_referrals"]
    assert out["flags"].to_list()[2:] == [["benchmark_slipping"], ["benchmark_slipping"]]
    assert out["reason_codes"].to_list()[2:] == [["benchmark_slipping_before", "benchmark_slipping_trailing"],
                                                 ["benchmark_slipping_trailing"]]
    assert out["reasons_zh"][2].to_list() == [
        "标杆销售下滑：每季平均销售较成为标杆之前下降25%：先防守，暂不作为成功案例宣传",
        "标杆销售下滑：近四季销售较前四季下降10%：先防守，暂不作为成功案例宣传"]
    assert out["reasons_en"][3].to_list() == [
        "a benchmark slipping: its sales of the last 4 quarters fell 40% on the 4 before: defend it first, "
        "no success story for now"]

def test_flags_come_in_the_contract_order_with_unknown_flags_last():
    out = _prescribed([{"customer_id": "x", "flags": ["new_customer", "later_rule", "benchmark_at_risk"],
                        "tag": "at_risk", "is_speculator": True, "is_benchmark_candidate": True,
                        "rep_complaints_current": 3, "speculator_quarter_end_share": 1.0, "speculator_discount": 0.4}])
    assert out["flags"].to_list() == [["benchmark_at_risk", "benchmark_candidate", "speculator", "new_customer",
                                       "rep_change_recommended", "later_rule"]]
    assert out["reason_codes"].to_list() == [["speculator_quarter_end", "rep_change_complaints", "benchmark_candidate"]]
    assert "100%" in out["reasons_en"][0][0] and "40%" in out["reasons_zh"][0][0]


def _playbook_raw() -> dict:
    return yaml.safe_load((ROOT / "params" / "playbook.yaml").read_text(encoding="utf-8"))


def _load_with(tmp_path: Path, playbook: dict) -> None:
    override = tmp_path / "override.yaml"
    override.write_text(yaml.safe_dump({"playbook": playbook}, allow_unicode=True), encoding="utf-8")
    load_params(ROOT / "params", override)


def test_playbook_rejects_unknown_reason_codes_and_a_tag_without_a_default_action(tmp_path):
    raw = _playbook_raw()
    raw["actions"]["at_risk_watch"]["when"] = [{"reasons": ["risk_nonsense"]}]
    with pytest.raises(ParamsError, match=r"unknown reason code\(s\) \['risk_nonsense'\].*tag 'at_risk' needs"):
        _load_with(tmp_path, raw)


def test_playbook_refuses_an_unknown_showcase_basis(tmp_path):
    raw = _playbook_raw()
    raw["actions"]["benchmark_case_study"]["when"] = [{"showcase": ["first_quarters"]}]
    with pytest.raises(ParamsError, match="showcase"):
        _load_with(tmp_path, raw)


def test_playbook_table_lists_every_action_in_both_languages():
    table = playbook_table(PARAMS.playbook)
    assert table.height == len(PARAMS.playbook.actions)
    assert table.filter((pl.col("zh") == "") | (pl.col("en") == "")).height == 0
    assert table["priority"].is_sorted()


def test_a_held_out_customer_gets_only_the_holdout_action():
    """playbook.holdout_share's control group: whatever its evidence calls for, no action but the holdout's."""
    out = _prescribed([
        {"customer_id": "held", "tag": "at_risk", "score_risk": 70.0, "flags": ["benchmark_at_risk"],
         "complaints_price": 1, "is_holdout": True},
        {"customer_id": "defended", "tag": "at_risk", "score_risk": 70.0, "flags": ["benchmark_at_risk"],
         "complaints_price": 1, "is_holdout": False},
    ])
    codes = dict(out.select("customer_id", "action_codes").iter_rows())
    assert codes["held"] == ["holdout"]
    assert "defend_benchmark" in codes["defended"] and "defend_commercial" in codes["defended"]
    assert "holdout" not in codes["defended"]
    assert out.filter(pl.col("customer_id") == "held")["flags"].item().to_list() == ["benchmark_at_risk", "holdout"]
