"""notebooks/05_what_if.ipynb's work: a finished run re-scored with other params, compared with what it published."""
from __future__ import annotations

import pytest

from tagkit.errors import ParamsError
from tagkit.params import load_params
from tagkit.project import project_root
from tagkit.steps.what_if import what_if

PARAMS = load_params(project_root() / "params")


def test_no_change_reproduces_the_published_run_exactly(tiny_run):
    """The baseline is the run itself: re-scored with its own params, nobody moves and the back-test agrees."""
    result = what_if(tiny_run, quarter="2026Q3", params=PARAMS, changes={})
    assert result.customers == 70 and result.changed.height == 0
    figures = result.backtest.drop_nulls(["before", "after"])
    assert figures.height > 0 and (figures["before"] == figures["after"]).all()


def test_a_lower_at_risk_threshold_moves_exactly_the_customers_between_the_two(tiny_run):
    change = {"scoring": {"at_risk": {"min_risk": {"enter": 15, "exit": 12}}}}
    result = what_if(tiny_run, quarter="2026Q3", params=PARAMS, changes=change)
    assert result.changed.height > 0
    assert set(result.changed["tag_after"]) == {"at_risk"}
    # each one's chance of going bad is between the new threshold and the old: the change is the only cause
    assert result.changed["score_risk_before"].is_between(15, 40, closed="left").all()
    assert result.by_tag["customers"].sum() == result.changed.height == result.by_region["customers"].sum()
    assert result.by_rep["changing"].sum() == result.changed.height
    tagkit = result.backtest.filter(method="tagkit", metric="recall")
    assert tagkit["after"][0] >= tagkit["before"][0]  # tagging more customers can only catch more


def test_a_misspelt_change_is_a_clear_params_error(tiny_run):
    with pytest.raises(ParamsError, match="did you mean 'at_risk'"):
        what_if(tiny_run, quarter="2026Q3", params=PARAMS, changes={"scoring": {"at_rsk": {"min_risk": 20}}})
