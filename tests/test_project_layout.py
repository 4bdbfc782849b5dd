"""The project's own files agree with each other: layout, environment.yml vs pyproject, notebooks clean."""
from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower()


def test_top_level_layout():
    for name in ("notebooks", "pipelines", "src/tagkit", "params", "data", "tests", "environment.yml",
                 "pyproject.toml", "README.md", "Makefile", ".ci/run"):
        assert (ROOT / name).exists(), name


def test_environment_yml_lists_the_same_packages_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    wanted = {r.split("#")[0].replace(" ", "") for r in project["dependencies"] + extras["dev"] + extras["lab"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    listed = {r.replace(" ", "") for r in pip_section if not r.startswith("-e")}
    assert listed == wanted
    assert any(r.startswith("-e") and "[dev,lab]" in r for r in pip_section), "environment.yml must install tagkit itself"
    assert any(str(d).startswith("python") for d in env["dependencies"])


def test_notebooks_are_committed_clean_with_a_parameters_cell():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert not any(c.get("outputs") for c in code), f"{path.name} has outputs"
        assert any("parameters" in c["metadata"].get("tags", []) for c in code), f"{path.name} has no parameters cell"
        assert nb["metadata"]["kernelspec"]["name"] == "tagkit"
        # thin notebooks: no definitions, and at least one pinned figure for nbval
        assert not any(re.search(r"^\s*(def|class) ", "".join(c["source"]), re.M) for c in code), path.name
        assert any("NBVAL_CHECK_OUTPUT" in "".join(c["source"]) for c in code), path.name


def test_pipeline_names_existing_notebooks():
    pipeline = yaml.safe_load((ROOT / "pipelines" / "quarterly.yaml").read_text(encoding="utf-8"))
    assert [s["name"] for s in pipeline["steps"]] == ["validate", "score", "report", "index"]
    for step in pipeline["steps"]:
        assert (ROOT / step["notebook"]).exists(), step["notebook"]


def test_the_lock_pins_every_dependency_within_what_pyproject_allows():
    """`make` installs from requirements-lock.txt; a dependency missing from it, or pinned outside its range,
    would make a fresh machine differ from the one the tests ran on."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    pins = {}
    for line in (ROOT / "requirements-lock.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version
    for spec in project["dependencies"] + extras["dev"] + extras["lab"] + extras["bench"]:
        requirement = Requirement(spec.split("#")[0])
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements-lock.txt: run `make lock`"
        assert requirement.specifier.contains(pins[name], prereleases=True), (name, pins[name], str(requirement))
    assert "-c requirements-lock.txt" in (ROOT / "Makefile").read_text(encoding="utf-8")
