"""The committed GE suites: in sync with the contract, loadable by GE, annotated for tagkit."""
from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any

import pytest

from tagkit.contract import TABLES
from tagkit.errors import ParamsError
from tagkit.params import load_params, parse_params
from tagkit.validation import build_suites, load_suites, to_ge_suite, write_suites
from tagkit.validation.expectations import SUITES_DIR, suite_json
from tagkit.validation.plan import AGGREGATE_TYPES, MAP_TYPES

SEVERITIES = {"blocking", "row", "warning"}
ACTIONS = {"row_set_aside", "value_nulled"}


@pytest.fixture(scope="module")
def built() -> dict[str, dict[str, Any]]:
    return build_suites()


def test_committed_suites_equal_what_the_builder_makes_now(built: dict[str, dict[str, Any]]) -> None:
    """A contract change must come with regenerated suites (python -m tagkit.validation write-suites)."""
    # beside the contract tables: the features table's suite (validation/features_suite.py, its own test)
    assert sorted(p.stem for p in SUITES_DIR.glob("*.json")) == sorted([*TABLES, "features"])
    for name, suite in built.items():
        committed = json.loads((SUITES_DIR / f"{name}.json").read_text(encoding="utf-8"))
        # GE stamps its own version into meta; a newer GE on a fresh machine is not a contract change
        fresh = json.loads(suite_json(suite))
        for doc in (committed, fresh):
            doc.get("meta", {}).pop("great_expectations_version", None)
        assert suite_json(committed) == suite_json(fresh), (
            f"suites/{name}.json is stale: run `python -m tagkit.validation write-suites` and commit the diff"
        )


def test_write_suites_writes_one_file_per_table(tmp_path: Any, built: dict[str, dict[str, Any]]) -> None:
    paths = write_suites(tmp_path)
    assert sorted(p.name for p in paths) == sorted(f"{t}.json" for t in TABLES)
    assert json.loads((tmp_path / "orders.json").read_text(encoding="utf-8")) == built["orders"]


@pytest.mark.parametrize("table", list(TABLES))
def test_great_expectations_loads_the_committed_suite(table: str) -> None:
    suite = load_suites()[table]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import great_expectations as gx

        loaded = to_ge_suite(suite)
    assert isinstance(loaded, gx.ExpectationSuite)
    assert loaded.name == table
    assert len(loaded.expectations) == len(suite["expectations"])
    assert loaded.to_json_dict() == suite  # nothing lost or reinterpreted on the way in


@pytest.mark.parametrize("table", list(TABLES))
def test_every_expectation_carries_tagkit_meta(table: str) -> None:
    for exp in load_suites()[table]["expectations"]:
        meta = exp["meta"]
        assert meta["severity"] in SEVERITIES, exp
        assert meta["reason"], exp
        assert exp["description"], exp
        assert exp["type"] in MAP_TYPES | AGGREGATE_TYPES, f"no polars translation for {exp['type']}"
        if meta["severity"] == "row":
            assert meta["action"] in ACTIONS, exp
        if meta.get("action") == "value_nulled":
            assert meta["null_columns"], exp


@pytest.mark.parametrize("table", list(TABLES))
def test_reason_codes_are_unique_per_row_check(table: str) -> None:
    """One code per row check, so a quarantine reason names exactly one rule."""
    codes = [e["meta"]["reason"] for e in load_suites()[table]["expectations"] if e["meta"]["severity"] == "row"]
    assert len(codes) == len(set(codes))


def test_references_are_in_set_checks_filled_at_evaluation_time() -> None:
    suites = load_suites()
    for name, table in TABLES.items():
        refs = {e["kwargs"]["column"]: e for e in suites[name]["expectations"] if "value_set_from" in e["meta"]}
        assert set(refs) == set(table.references), name
        for column, exp in refs.items():
            target = table.references[column]
            assert exp["type"] == "expect_column_values_to_be_in_set"
            assert exp["meta"]["value_set_from"] == f"{target}.{TABLES[target].key[0]}"
            assert exp["kwargs"]["value_set"] == {"$PARAMETER": f"known_{target}_{TABLES[target].key[0]}"}


def test_suite_meta_lists_every_parameter_its_expectations_use() -> None:
    def names(value: Any) -> set[str]:
        if isinstance(value, dict):
            found = {value["$PARAMETER"]} if "$PARAMETER" in value else set()
            return found.union(*(names(v) for v in value.values()))
        return set()

    for suite in load_suites().values():
        used = set().union(*(names(e["kwargs"]) for e in suite["expectations"]))
        assert used == set(suite["meta"]["parameters"]), suite["name"]


def test_key_duplicates_are_blocking_and_orders_after_the_quarter_are_set_aside() -> None:
    suites = load_suites()
    for name in ("customers", "reps"):
        unique = [e for e in suites[name]["expectations"] if e["type"] == "expect_column_values_to_be_unique"]
        assert [e["meta"]["severity"] for e in unique] == ["blocking"]
    after = [e for e in suites["orders"]["expectations"] if e["meta"]["reason"] == "after_quarter_end"]
    assert after[0]["kwargs"] == {"column": "order_date", "max_value": {"$PARAMETER": "quarter_end"}}
    assert after[0]["meta"]["action"] == "row_set_aside"


@pytest.mark.parametrize("key", ["customer.lat", "orders.amount", "orders"])
def test_params_reject_a_null_rate_key_that_checks_nothing(key: str) -> None:
    """A misspelt or required-column max_null_rate key would check nothing; params refuse it."""
    raw = load_params(Path(__file__).parents[1] / "params").model_dump()
    raw["validation"]["max_null_rate"][key] = 0.1
    with pytest.raises(ParamsError, match=rf"unknown: {re.escape(key)}"):
        parse_params(raw)


def test_default_params_load() -> None:
    params = load_params(Path(__file__).parents[1] / "params")
    assert params.validation.max_null_rate["customers.lat"] == 0.2
