"""Params: defaults load, overrides merge, and every mistake is reported together and clearly."""
from __future__ import annotations

import typing
from pathlib import Path

import pytest

import tagkit.params
from tagkit.contract import TAG_ORDER, TAGS
from tagkit.errors import ParamsError, UsageError
from tagkit.params import PRESCRIPTION_FLAGS, SECTIONS, Flag, Tag, load_params
from tagkit.quarters import parse_quarter

ROOT = Path(__file__).resolve().parents[1]
PARAMS = ROOT / "params"


def test_defaults_load_and_are_frozen():
    params = load_params(PARAMS)
    assert params.report.language in ("zh", "en")
    with pytest.raises(Exception, match="frozen"):
        params.report.language = "en"  # type: ignore[misc]


def test_override_merges_one_key_and_keeps_the_rest(tmp_path):
    override = tmp_path / "p.yaml"
    override.write_text("report:\n  language: en\n", encoding="utf-8")
    params = load_params(PARAMS, override)
    assert params.report.language == "en"
    assert params.report.max_customers_listed == load_params(PARAMS).report.max_customers_listed
    assert params.digest() != load_params(PARAMS).digest()


def test_unknown_key_is_an_error_naming_it(tmp_path):
    override = tmp_path / "p.yaml"
    override.write_text("scoring:\n  risk_treshold: 50\n", encoding="utf-8")
    with pytest.raises(ParamsError, match=r"unknown key 'scoring.risk_treshold'"):
        load_params(PARAMS, override)


def test_unknown_section_is_an_error(tmp_path):
    override = tmp_path / "p.yaml"
    override.write_text("reports:\n  language: en\n", encoding="utf-8")
    with pytest.raises(ParamsError, match=r"unknown section\(s\) \['reports'\]"):
        load_params(PARAMS, override)


def test_wrong_types_are_all_reported_together(tmp_path):
    override = tmp_path / "p.yaml"
    override.write_text("report:\n  language: fr\n  max_customers_listed: many\n", encoding="utf-8")
    with pytest.raises(ParamsError) as info:
        load_params(PARAMS, override)
    message = str(info.value)
    assert "2 problem(s)" in message
    assert "'report.language'" in message and "'fr'" in message
    assert "'report.max_customers_listed'" in message


def test_missing_key_in_defaults_is_an_error(tmp_path):
    for f in PARAMS.glob("*.yaml"):
        (tmp_path / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "report.yaml").write_text("language: zh\n", encoding="utf-8")
    with pytest.raises(ParamsError, match=r"missing key 'report.max_customers_listed'"):
        load_params(tmp_path)


def test_params_file_not_found(tmp_path):
    with pytest.raises(ParamsError, match="params file not found"):
        load_params(PARAMS, tmp_path / "nope.yaml")


@pytest.mark.parametrize("bad", ["2026Q5", "2026-Q3", "26Q1", "2026q3", ""])
def test_malformed_quarter(bad):
    with pytest.raises(UsageError, match="must look like YYYYQn"):
        parse_quarter(bad)


def test_a_misspelt_key_gets_a_did_you_mean(tmp_path):
    override = tmp_path / "p.yaml"
    override.write_text("scoring:\n  windws:\n    trailing_quarters: 4\nreport:\n  langauge: en\n", encoding="utf-8")
    with pytest.raises(ParamsError) as info:
        load_params(PARAMS, override)
    assert "unknown key 'scoring.windws': did you mean 'windows'?" in str(info.value)
    assert "unknown key 'report.langauge': did you mean 'language'?" in str(info.value)


def test_wrong_types_are_said_in_plain_words(tmp_path):
    """Not pydantic's words ("Input should be a valid dictionary or instance of Band")."""
    override = tmp_path / "p.yaml"
    override.write_text("scoring:\n  at_risk:\n    min_risk: 60\n  abc:\n    a_share: lots\n"
                        "report:\n  language: fr\n", encoding="utf-8")
    with pytest.raises(ParamsError) as info:
        load_params(PARAMS, override)
    text = str(info.value)
    assert "'scoring.at_risk.min_risk' must be a mapping with the keys enter, exit; got 60" in text
    assert "'scoring.abc.a_share' must be a number; got 'lots'" in text
    assert "'report.language' must be one of 'zh' or 'en'; got 'fr'" in text
    assert "instance" not in text and "Input should" not in text


def test_the_literal_tags_and_flags_are_the_contracts():
    """A Literal cannot be built from a tuple, so params spells the tags again: they must stay the contract's."""
    assert typing.get_args(Tag) == TAGS
    assert typing.get_args(Flag) == PRESCRIPTION_FLAGS


def test_each_params_file_has_its_module_and_section():
    """The package mirrors the config: params/<section>.yaml is modelled in tagkit/params/<section>.py."""
    package = Path(tagkit.params.__file__).parent
    assert set(SECTIONS) == {p.stem for p in PARAMS.glob("*.yaml")}
    assert all((package / f"{section}.py").is_file() for section in SECTIONS)


def test_the_display_order_shows_every_tag_once():
    assert sorted(TAG_ORDER) == sorted(TAGS) and len(TAG_ORDER) == len(set(TAG_ORDER))
