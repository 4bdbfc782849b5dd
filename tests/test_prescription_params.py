"""The prescription's params: defaults load, and each inconsistent setting is refused with a clear message."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tagkit.errors import ParamsError
from tagkit.params import load_params

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_load():
    params = load_params(ROOT / "params")
    assert params.prescription.radiation.radius_km > 0
    assert {"change_rep", "regular_routine"} <= set(params.playbook.actions)


@pytest.mark.parametrize(("override", "message"), [
    ({"nail": {"escalation": [{"level": "rep", "min_upside": 0}, {"level": "supervisor", "min_upside": 9}]}},
     r"prescription\.nail\.escalation.*highest min_upside down"),
    ({"nail": {"decision": {"drop_below_upside": 9e9}}}, r"drop_below_\* must be at or below invest_min_\*"),
    ({"nail": {"cause": {"tie_order": ["trust", "trust", "competitor"]}}}, r"internal, trust and competitor once each"),
    ({"at_risk": {"visit_frequency": [{"min_risk": 0, "per_month": 1}, {"min_risk": 60, "per_month": 3}]}},
     r"highest min_risk down"),
    ({"regions": {"stage": {"early_below_penetration": 0.9}}}, r"early_below_penetration must be at or below"),
    ({"at_risk": {"fallback_defence": "prayer"}}, r"prescription\.at_risk\.fallback_defence"),
    ({"speculator": {"quarter_end_days": 0}}, r"prescription\.speculator\.quarter_end_days"),
    # a defence triggered by complaints on "other" needs a step saying what to do about them
    ({"at_risk": {"defences": {"commercial": {"complaint_topics": ["price", "other"]}}}},
     r"steps\.answers needs what to do about each trigger.*missing: \['other'\]"),
    ({"nail": {"ladder": {"visit_rungs": {"manager": "boss"}}}}, r"prescription\.nail\.ladder\.visit_rungs\.manager"),
    ({"nail": {"ladder": {"success_outcomes": []}}}, r"prescription\.nail\.ladder\.success_outcomes"),
    ({"visit_plan": {"priority": [{"group": "at_risk", "floor": 3}, {"group": "regular", "floor": 1}]}},
     r"prescription\.visit_plan\.priority.*each of at_risk, benchmark, nail_invest, nail_other, regular once"),
    ({"visit_plan": {"slack": -0.1}}, r"prescription\.visit_plan\.slack"),
    ({"benchmark": {"slipping": {"trailing_decline": 1.5}}}, r"prescription\.benchmark\.slipping\.trailing_decline"),
])
def test_inconsistent_prescription_params_are_refused(tmp_path, override, message):
    path = tmp_path / "override.yaml"
    path.write_text(yaml.safe_dump({"prescription": override}), encoding="utf-8")
    with pytest.raises(ParamsError, match=message):
        load_params(ROOT / "params", path)


def test_a_playbook_condition_needs_a_key(tmp_path):
    path = tmp_path / "override.yaml"
    path.write_text(yaml.safe_dump({"playbook": {"actions": {"win_back": {"when": [{}]}}}}), encoding="utf-8")
    with pytest.raises(ParamsError, match="a condition needs at least one key"):
        load_params(ROOT / "params", path)


def test_an_action_names_no_placeholder_but_the_lead(tmp_path):
    """{lead} is the one placeholder an action's text may use (who leads the nail); a typo is refused."""
    path = tmp_path / "override.yaml"
    path.write_text(yaml.safe_dump({"playbook": {"actions": {"nail_combined_attack": {"en": "{leader} heads it"}}}}),
                    encoding="utf-8")
    with pytest.raises(ParamsError, match=r"nail_combined_attack'\.en: unknown placeholder\(s\) \['leader'\]"):
        load_params(ROOT / "params", path)
