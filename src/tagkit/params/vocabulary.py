"""The values the prescription and the playbook speak of (flags, causes, decisions, defences …) as Literal types.

Kept apart from both sections: the playbook's conditions name the prescription's values. The tags
themselves are :data:`tagkit.contract.TAGS`; :data:`Tag` spells them again because a Literal cannot be
built from a tuple (tests/test_params.py checks the two match).
"""
from __future__ import annotations

from typing import Literal

PRESCRIPTION_FLAGS = ("benchmark_at_risk", "benchmark_candidate", "speculator", "dormant", "new_customer",
                      "rep_change_recommended", "holdout", "line_gap", "benchmark_slipping")
Tag = Literal["benchmark", "nail", "at_risk", "regular"]
Flag = Literal["benchmark_at_risk", "benchmark_candidate", "speculator", "dormant", "new_customer",
               "rep_change_recommended", "holdout", "line_gap", "benchmark_slipping"]
# showcase_basis: why a benchmark's before/after is shown (before_benchmark) or not (the others)
ShowcaseBasis = Literal["before_benchmark", "slipping", "no_before", "no_growth"]
Level = Literal["national", "provincial", "city", "local"]
Criterion = Literal["influence", "satisfaction", "cooperation"]
Cause = Literal["trust", "competitor", "internal", "unknown"]
Decision = Literal["invest", "reduce", "drop"]
Defence = Literal["relationship", "commercial", "risk"]
Topic = Literal["product", "price", "delivery", "service", "rep", "payment", "other"]
SignalKind = Literal["quote", "visit", "promotion", "exclusive_offer", "lost_listing"]
RiskComponent = Literal["sales_decline", "orders_lapsed", "fewer_visits", "complaints", "satisfaction_drop",
                        "competitor_signals"]
Role = Literal["rep", "supervisor", "regional_manager"]
# the escalation ladder: the roles, then the company's executives above them (not a role of the reps table)
LADDER = ("rep", "supervisor", "regional_manager", "executive")
Rung = Literal["rep", "supervisor", "regional_manager", "executive"]
Outcome = Literal["positive", "neutral", "negative"]
