"""This quarter's action list: one row per customer and playbook action that has a deadline.

An action is listed when the playbook gives it ``due_days`` (params/playbook.yaml); ongoing ways of
working (keep up the routine visits) are not tasks and stay off the list. Its ``action_id`` is
``<customer_id>:<action_code>``: the same customer and action keep the same id from quarter to quarter,
so a list filled in last quarter is matched to what was asked, and an action carried over is recognisable.
It is due ``due_days`` after the quarter's last day (the as-of date, so the same inputs give the same
list), owned by the customer's rep, or by the nail's escalation lead for ``owner: lead``.
"""
from __future__ import annotations

import polars as pl

from tagkit.params import PlaybookParams
from tagkit.quarters import quarter_end

# the contract's columns of actions/<region>.csv, in its order
SHEET_COLUMNS = ["action_id", "customer_id", "customer_name", "owner_rep_id", "action_code", "due_date", "status",
                 "note"]
# what actions.parquet keeps beside them: the region (one sheet each), the customer's rep and tag when
# the action was given, and the order of the customer's actions
# the rung of the nail's lead, which the action's text names ({lead} in the playbook's wording)
LIST_COLUMNS = ["quarter", "region", *SHEET_COLUMNS, "rep_id", "tag", "priority", "lead_level"]
# what action_list reads of the scores (the last two where the prescription wrote them)
SCORE_COLUMNS = ["region", "customer_id", "customer_name", "rep_id", "tag", "sales_trailing_4q", "action_codes",
                 "escalate_to", "escalate_level"]
NOT_STARTED = "not_started"
ID_SEPARATOR = ":"


def action_id(customer_id: pl.Expr, action_code: pl.Expr) -> pl.Expr:
    """``<customer_id>:<action_code>`` (codes are lower_snake_case, so the last ``:`` splits it)."""
    return pl.concat_str(customer_id, pl.lit(ID_SEPARATOR), action_code)


def _playbook_frame(playbook: PlaybookParams) -> pl.DataFrame:
    listed = [(code, a.due_days, a.owner, a.priority) for code, a in playbook.actions.items() if a.due_days is not None]
    return pl.DataFrame(listed, schema={"action_code": pl.String, "due_days": pl.Int64, "owner": pl.String,
                                        "priority": pl.Int64}, orient="row")


def action_list(customers: pl.LazyFrame, *, quarter: str, playbook: PlaybookParams) -> pl.LazyFrame:
    """The listed actions of ``customers`` (the prescribed scores), most urgent first within a region:
    by due date, then the customer's trailing sales (largest first), customer id and the action's priority."""
    end = quarter_end(quarter)
    names = customers.collect_schema().names()
    def optional(column: str) -> pl.Expr:
        return pl.col(column) if column in names else pl.lit(None, pl.String)
    return (
        customers.select("region", "customer_id", "customer_name", "rep_id", "tag", "sales_trailing_4q",
                         optional("escalate_to").alias("lead"), optional("escalate_level").alias("lead_level"),
                         action_code=pl.col("action_codes"))
        .explode("action_code")
        .join(_playbook_frame(playbook).lazy(), on="action_code", how="inner")
        .with_columns(
            quarter=pl.lit(quarter),
            action_id=action_id(pl.col("customer_id"), pl.col("action_code")),
            owner_rep_id=pl.when(pl.col("owner") == "lead").then(pl.coalesce("lead", "rep_id")).otherwise("rep_id"),
            due_date=pl.lit(end) + pl.duration(days=pl.col("due_days")),
            status=pl.lit(NOT_STARTED),
            note=pl.lit(None, dtype=pl.String),
        )
        .sort(["region", "due_date", "sales_trailing_4q", "customer_id", "priority", "action_code"],
              descending=[False, False, True, False, False, False], nulls_last=True)
        .select(LIST_COLUMNS)
    )
