"""Part K's round trip end to end: lists published with 2026Q2, filled in, read back by the 2026Q3 run, whose
report shows who did what and how the customers fared (fixture ``actions_round_trip`` in conftest.py)."""
from __future__ import annotations

import json
import re

import polars as pl
import pytest

from tagkit.contract import STATUSES

pytestmark = pytest.mark.slow


def test_the_published_lists_are_what_the_contract_names(actions_round_trip):
    q2 = actions_round_trip["q2"]
    published = pl.read_parquet(q2 / "actions.parquet")
    for region in published["region"].unique():
        sheet = pl.read_csv(q2 / "actions" / f"{region}.csv", infer_schema_length=0)
        assert {"action_id", "customer_id", "customer_name", "owner_rep_id", "action_code", "due_date", "status",
                "note"} <= set(sheet.columns)
        assert sheet.height == published.filter(pl.col("region") == region).height
        assert set(sheet["status"]) == {"not_started"}
        assert (q2 / "actions" / f"{region}.xlsx").exists()
    # every action is due within the playbook's days of the quarter's end, at most 60
    assert published["due_date"].min().isoformat() > "2026-06-30"
    assert published["due_date"].max().isoformat() <= "2026-08-29"


def test_the_same_customer_and_action_keep_their_id_next_quarter(actions_round_trip):
    q2 = pl.read_parquet(actions_round_trip["q2"] / "actions.parquet")
    q3 = pl.read_parquet(actions_round_trip["q3"] / "actions.parquet")
    again = q2.join(q3, on=["customer_id", "action_code"], suffix="_q3")
    assert again.height > 50
    assert (again["action_id"] == again["action_id_q3"]).all()
    assert q3["action_id"].is_unique().all()


def test_returned_rows_are_matched_set_aside_and_counted(actions_round_trip):
    q3 = actions_round_trip["q3"]
    summary = json.loads((q3 / "action_summary.json").read_text(encoding="utf-8"))
    counts = summary["returned"]
    published = pl.read_parquet(actions_round_trip["q2"] / "actions.parquet").height
    assert counts["published"] == published
    # one status in words failed validation; of the rest, one id unknown and one row a duplicate
    assert counts["rows_read"] == published - 3 + 1
    assert counts["set_aside_by_validation"] == 1
    assert counts["unknown_action_id"] == 1 and counts["duplicate_action_id"] == 1 and counts["action_id_mismatch"] == 0
    assert counts["returned"] == counts["rows_read"] - counts["set_aside_by_validation"]
    assert counts["returned"] == counts["matched"] + counts["unknown_action_id"] + counts["duplicate_action_id"]
    # not returned (3), failed validation (1), typed over (1): no response
    assert counts["no_response"] == 5
    results = pl.read_parquet(q3 / "action_results.parquet")
    assert results.height == published
    assert set(results["status"]) == {*STATUSES, "no_response"}
    quarantine = pl.read_parquet(q3 / "quarantine" / "actions.parquet")
    assert quarantine.height == 1 and quarantine["reason"].to_list() == ["invalid_status"]


def test_the_next_report_shows_adoption_outcomes_and_the_holdout(actions_round_trip):
    q3 = actions_round_trip["q3"]
    results = pl.read_parquet(q3 / "action_results.parquet")
    region = results.group_by("region").len().sort("len", descending=True)["region"][0]
    page = (q3 / "reports" / f"{region}.html").read_text(encoding="utf-8")
    section = page[page.index('<section id="actions">'):]
    section = section[:section.index("</section>")]
    assert "上季行动落实情况（2026Q2）" in section and 'id="tbl-adoption"' in section
    assert 'id="tbl-action-outcomes"' in section and "对照组" in section
    mine = results.filter(pl.col("region") == region)
    adoption = section[section.index('id="tbl-adoption"'):]
    adoption = adoption[:adoption.index("</table>")]
    rows = re.findall(r"<tbody.*?</tbody>", adoption, re.S)
    assert len(rows) == mine["owner_rep_id"].n_unique()
    for owner, actions in mine.group_by("owner_rep_id").len().iter_rows():
        row = next(r for r in rows if owner in r)
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td.*?</td>", row, re.S)]
        done = mine.filter((pl.col("owner_rep_id") == owner) & (pl.col("status") == "done")).height
        assert cells[1:3] == [f"{actions:,}", f"{done:,}"], (owner, cells)
    summary = json.loads((q3 / "action_summary.json").read_text(encoding="utf-8"))
    holdout = summary["holdout"][""]
    assert holdout["held_out"] > 0 and holdout["treated"] > 0
    if holdout["uplift"] is not None:
        assert holdout["uplift_low"] <= holdout["uplift"] <= holdout["uplift_high"]


def test_the_index_links_each_region_action_list_and_each_rep_has_a_digest(actions_round_trip):
    q3 = actions_round_trip["q3"]
    index = (q3 / "index.html").read_text(encoding="utf-8")
    regions = pl.read_parquet(q3 / "actions.parquet")["region"].unique().to_list()
    for region in regions:
        assert (q3 / "actions" / f"{region}.xlsx").exists()
        digests = list((q3 / "digests" / region).glob("*.html"))
        owners = pl.read_parquet(q3 / "actions.parquet").filter(pl.col("region") == region)["owner_rep_id"]
        assert {d.stem for d in digests} >= set(owners)
    assert index.count('href="actions/') == len(regions)


def test_a_reps_digest_says_what_changed_what_is_due_and_the_plan(actions_round_trip):
    """One page per rep: the changes since the published 2026Q2 report, the actions the rep owns (earliest
    due first) and next quarter's visits against what the rep made; its CSV has the same rows."""
    q3 = actions_round_trip["q3"]
    actions = pl.read_parquet(q3 / "actions.parquet")
    owner, region = actions.group_by("owner_rep_id", "region").len().sort("len", descending=True).row(0)[:2]
    page = (q3 / "digests" / region / f"{owner}.html").read_text(encoding="utf-8")
    assert "变化与上季已发布的报告相比" in page and "下季计划拜访" in page
    due = actions.filter(pl.col("owner_rep_id") == owner)
    assert f"待办行动 ({due.height})" in page
    rows = pl.read_csv(q3 / "digests" / region / f"{owner}.csv", infer_schema_length=0)
    listed = rows.filter(pl.col("section") == "action_due")
    assert listed.height == due.height and listed["due_date"].to_list() == sorted(listed["due_date"].to_list())
