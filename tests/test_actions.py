"""The action lists on hand-built rows: what is listed, by when, for whom; reading them back; outcomes; the holdout."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook

from tagkit.actions.lists import action_list
from tagkit.actions.outcomes import MIN_GROUP, by_action, holdout_uplift, with_outcomes
from tagkit.actions.returns import match_returns
from tagkit.actions.run import write_action_lists
from tagkit.actions.sheets import sheet_frame, write_action_sheets
from tagkit.errors import InputError, ValidationBlocked
from tagkit.io import load_dataset
from tagkit.params import load_params
from tagkit.prescription.holdout import draw_holdout

ROOT = Path(__file__).resolve().parents[1]
PARAMS = load_params(ROOT / "params")
D = dt.date


def _customers() -> pl.DataFrame:
    return pl.DataFrame({
        "region": ["东北"] * 4, "customer_id": ["C1", "C2", "C3", "C4"], "customer_name": ["甲", "乙", "丙", "丁"],
        "rep_id": ["R3", "R3", "R4", "R4"], "tag": ["at_risk", "nail", "regular", "benchmark"],
        "sales_trailing_4q": [5e5, 9e6, 1e5, 2e6], "escalate_to": [None, "R1", None, None],
        "escalate_level": [None, "regional_manager", None, None],
        "action_codes": [["defend_benchmark", "at_risk_watch"], ["nail_combined_attack", "nail_reduce_effort"],
                         ["regular_routine"], ["benchmark_maintain", "benchmark_case_study"]],
    })


def test_listed_are_the_actions_with_a_deadline_owned_by_the_rep_or_the_nail_lead():
    out = action_list(_customers().lazy(), quarter="2026Q3", playbook=PARAMS.playbook).collect()
    rows = {r["action_id"]: r for r in out.iter_rows(named=True)}
    # ongoing ways of working (routine visits, keep supporting a benchmark, fewer visits to a nail) are not tasks
    assert set(rows) == {"C1:defend_benchmark", "C1:at_risk_watch", "C2:nail_combined_attack",
                         "C4:benchmark_case_study"}
    assert rows["C1:defend_benchmark"]["due_date"] == D(2026, 10, 7)  # 7 days after 30 September
    assert rows["C4:benchmark_case_study"]["due_date"] == D(2026, 11, 29)
    assert rows["C2:nail_combined_attack"]["owner_rep_id"] == "R1"  # the escalation lead, not rep R3
    assert rows["C1:at_risk_watch"]["owner_rep_id"] == "R3"
    assert set(out["status"]) == {"not_started"} and out["note"].null_count() == out.height
    # most urgent first, then the biggest customer
    assert out["action_id"].to_list()[:2] == ["C1:defend_benchmark", "C1:at_risk_watch"]


def _published() -> pl.DataFrame:
    return pl.DataFrame({"region": ["东北"] * 3, "action_id": ["C1:a", "C1:b", "C2:a"],
                         "customer_id": ["C1", "C1", "C2"], "action_code": ["a", "b", "a"],
                         "owner_rep_id": ["R3", "R3", "R1"], "tag": ["at_risk", "at_risk", "nail"]})


def test_returned_rows_that_match_nothing_are_set_aside_and_unreturned_actions_are_no_response():
    returned = pl.DataFrame({
        "action_id": ["C1:a", "C1:a", "C9:a", "C2:a"], "customer_id": ["C1", "C1", "C9", "C1"],
        "action_code": ["a", "a", "a", "a"], "status": ["done", "declined", "done", "done"],
        "note": ["ok", None, None, None], "_file": ["东北.csv"] * 4, "_row": [1, 2, 3, 4]})
    r = match_returns(returned, _published())
    assert r.returned["set_aside"].to_list() == [None, "duplicate_action_id", "unknown_action_id",
                                                  "action_id_mismatch"]
    assert dict(r.statuses.select("action_id", "status").iter_rows()) == {
        "C1:a": "done", "C1:b": "no_response", "C2:a": "no_response"}  # the first of a pasted row counts
    c = r.counts()
    assert c["returned"] == c["matched"] + c["duplicate_action_id"] + c["unknown_action_id"] + c["action_id_mismatch"]
    assert (c["published"], c["matched"], c["no_response"]) == (3, 1, 2)


def test_a_customer_fares_well_by_what_its_tag_asked_for():
    rows = pl.DataFrame({"customer_id": ["A", "B", "N1", "N2", "K", "G", "X"],
                         "tag": ["at_risk", "at_risk", "nail", "nail", "benchmark", "regular", "at_risk"]})
    now = pl.DataFrame({"customer_id": ["A", "B", "N1", "N2", "K", "G"],
                        "tag": ["regular", "at_risk", "nail", "nail", "regular", "regular"],
                        "sales_quarter": [10.0, 10.0, 30.0, 10.0, 50.0, 0.0],
                        "sales_previous_quarter": [5.0, 5.0, 20.0, 20.0, 50.0, 5.0]})
    fared = dict(with_outcomes(rows, now).select("customer_id", "fared_well").iter_rows())
    # saved; still at risk; buying more; buying less; no longer a benchmark; stopped buying; gone from the scores
    assert fared == {"A": True, "B": False, "N1": True, "N2": False, "K": False, "G": False, "X": False}


def test_outcomes_compare_done_with_not_done_per_action():
    results = pl.DataFrame({"region": ["东北"] * 4, "action_code": ["a"] * 4,
                            "status": ["done", "done", "declined", "no_response"],
                            "fared_well": [True, False, False, False]})
    row = by_action(results).row(0, named=True)
    assert (row["done"], row["done_rate"], row["not_done"], row["not_done_rate"]) == (2, 0.5, 2, 0.0)


def test_the_holdout_is_a_stable_random_share_of_the_at_risk_customers_with_no_other_action():
    n = 2000
    frame = pl.LazyFrame({"customer_id": [f"C{i:05d}" for i in range(n)],
                          "tag": ["at_risk" if i % 2 else "regular" for i in range(n)]})
    held = draw_holdout(frame, quarter="2026Q3", share=0.25).collect()
    assert held.filter(pl.col("tag") == "regular")["is_holdout"].sum() == 0
    share = held.filter(pl.col("tag") == "at_risk")["is_holdout"].mean()
    assert 0.21 < share < 0.29
    again = draw_holdout(frame, quarter="2026Q3", share=0.25).collect()
    assert again["is_holdout"].to_list() == held["is_holdout"].to_list()
    other = draw_holdout(frame, quarter="2026Q4", share=0.25).collect()
    assert other["is_holdout"].to_list() != held["is_holdout"].to_list()  # not the same customers every quarter
    assert draw_holdout(frame, quarter="2026Q3", share=0).collect()["is_holdout"].sum() == 0


def test_the_holdout_uplift_has_a_bootstrap_interval_and_needs_enough_customers():
    ids = [f"C{i}" for i in range(40)]
    previous = pl.DataFrame({"customer_id": ids, "region": ["东北"] * 40, "tag": ["at_risk"] * 40,
                             "flags": [["holdout"] if i < 20 else [] for i in range(40)]})
    # treated: 15 of 20 saved; held out: 5 of 20
    saved = [(i >= 20 and i < 35) or i < 5 for i in range(40)]
    now = pl.DataFrame({"customer_id": ids, "tag": ["regular" if s else "at_risk" for s in saved],
                        "sales_quarter": [1.0] * 40, "sales_previous_quarter": [1.0] * 40})
    out = holdout_uplift(previous, now)
    assert out[""]["treated_saved"] == 15 and out[""]["held_out_saved"] == 5
    assert out[""]["uplift"] == pytest.approx(0.5)
    assert 0.15 < out[""]["uplift_low"] < 0.5 < out[""]["uplift_high"] < 0.85
    assert holdout_uplift(previous, now) == out  # the same run, the same interval
    few = previous.head(MIN_GROUP + 20 - 1)  # 20 held out, MIN_GROUP - 1 treated
    assert holdout_uplift(few, now)[""]["uplift"] is None
    assert holdout_uplift(previous.with_columns(flags=pl.lit([], dtype=pl.List(pl.String))), now) == {}


def test_the_workbook_has_a_status_drop_down_and_reads_back_in_chinese_headers(tmp_path):
    listed = action_list(_customers().lazy(), quarter="2026Q3", playbook=PARAMS.playbook).collect()
    texts = listed.select("action_code", "lead_level").unique().with_columns(action_text=pl.lit("做"))
    sheet = sheet_frame(listed, texts=texts, owners={"R3": "薛瑶欣"})
    csv, xlsx = write_action_sheets(sheet, region="东北", quarter="2026Q3", language="zh", run_dir=tmp_path)
    ws = load_workbook(xlsx).active
    rules = ws.data_validations.dataValidation
    assert len(rules) == 1 and rules[0].formula1 == '"not_started,in_progress,done,declined"'
    assert str(rules[0].sqref).startswith("I2")  # the status column, every row
    assert [c.value for c in ws[1]][:4] == ["action_id", "customer_id", "customer_name", "owner_rep_id"]
    assert xlsx.read_bytes() == write_action_sheets(sheet, region="东北", quarter="2026Q3", language="zh",
                                                    run_dir=tmp_path)[1].read_bytes()
    # a list sent back with the Chinese headers of io.yaml's aliases reads as the contract's columns
    back = tmp_path / "back"
    back.mkdir()
    pl.read_csv(csv).rename({"action_id": "行动编号", "status": "状态", "note": "备注"}).write_csv(back / "东北.csv")
    data = ROOT / "tests" / "fixtures" / "tiny"
    with load_dataset(data, io=PARAMS.io, actions_dir=back) as dataset:
        read = dataset.tables["actions"].collect()
    assert read.height == listed.height and set(read["status"]) == {"not_started"}


def test_a_region_sent_back_as_both_csv_and_workbook_stops_the_run(tmp_path):
    back = tmp_path / "back"
    back.mkdir()
    frame = pl.DataFrame({"action_id": ["C1:a"], "customer_id": ["C1"], "action_code": ["a"], "status": ["done"]})
    frame.write_csv(back / "东北.csv")
    frame.write_excel(back / "东北.xlsx")
    with pytest.raises(ValidationBlocked, match=r"东北\.csv and 东北\.xlsx hold the same part"):
        load_dataset(ROOT / "tests" / "fixtures" / "tiny", io=PARAMS.io, actions_dir=back)


def _run_folder(tmp_path: Path, returned: pl.DataFrame | None, published: bool) -> Path:
    run = tmp_path / "out" / "2026Q3"
    (run / "clean").mkdir(parents=True)
    scores = _customers().with_columns(sales_quarter=pl.lit(1.0), sales_previous_quarter=pl.lit(1.0),
                                       quarter=pl.lit("2026Q3"), flags=pl.lit([], dtype=pl.List(pl.String)))
    scores.write_parquet(run / "scores.parquet")
    if published:
        (tmp_path / "out" / "2026Q2").mkdir()
        action_list(scores.lazy(), quarter="2026Q2", playbook=PARAMS.playbook).collect().write_parquet(
            tmp_path / "out" / "2026Q2" / "actions.parquet")
    if returned is not None:
        returned.write_parquet(run / "clean" / "actions.parquet")
    return run


def test_lists_that_cannot_be_matched_stop_the_run_with_the_fix(tmp_path):
    returned = pl.DataFrame({"action_id": ["C1:at_risk_watch"], "customer_id": ["C1"],
                             "action_code": ["at_risk_watch"], "status": ["done"], "note": [None],
                             "_file": ["东北.csv"], "_row": [1]}, schema_overrides={"note": pl.String})
    with pytest.raises(InputError, match=r"2026Q2/actions\.parquet is missing"):
        write_action_lists(quarter="2026Q3", run_dir=_run_folder(tmp_path / "a", returned, published=False),
                           params=PARAMS)
    wrong = returned.with_columns(action_id=pl.lit("C1:something_else"))
    with pytest.raises(InputError, match="1 of 1 returned action rows match no action published for 2026Q2"):
        write_action_lists(quarter="2026Q3", run_dir=_run_folder(tmp_path / "b", wrong, published=True),
                           params=PARAMS)
    summary = write_action_lists(quarter="2026Q3", run_dir=_run_folder(tmp_path / "c", returned, published=True),
                                 params=PARAMS)
    assert summary["returned"]["matched"] == 1 and summary["returned"]["no_response"] == 3
