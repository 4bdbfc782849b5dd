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
    wanted = {r.split("#")[0].replace(" ", "") for r in project["dependencies"] + extras["dev"] + extras["lab"]
              + extras["spark"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    listed = {r.replace(" ", "") for r in pip_section if not r.startswith("-e")}
    assert listed == wanted
    assert any(r.startswith("-e") and "[dev,lab,spark]" in r for r in pip_section), \
        "environment.yml must install tagkit itself"
    assert any(str(d).startswith("python") for d in env["dependencies"])


def test_notebooks_are_committed_clean_with_a_parameters_cell():
    """Clean: only the cells nbval checks keep their (text) outputs, and they do keep them, so that nbval
    compares something (`python -m tagkit.nbclean --refresh notebooks/*.ipynb` writes them)."""
    from tagkit.nbclean import MARK, clean

    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        assert clean(nb) == nb, f"{path.name} is not clean: python -m tagkit.nbclean {path.relative_to(ROOT)}"
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert not any(c.get("outputs") for c in code if MARK not in "".join(c["source"])), f"{path.name} has outputs"
        assert all(c.get("outputs") for c in code if MARK in "".join(c["source"])), \
            f"{path.name}: a checked cell has none"
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
    for spec in project["dependencies"] + extras["dev"] + extras["lab"] + extras["bench"] + extras["spark"]:
        requirement = Requirement(spec.split("#")[0])
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements-lock.txt: run `make lock`"
        assert requirement.specifier.contains(pins[name], prereleases=True), (name, pins[name], str(requirement))
    assert "-c requirements-lock.txt" in (ROOT / "Makefile").read_text(encoding="utf-8")


def test_a_notebook_saved_in_jupyterlab_cleans_back_to_the_committed_one():
    """JupyterLab saves every output, execution counts, timing metadata: `make test` cleans them first."""
    from tagkit.nbclean import clean

    path = ROOT / "notebooks" / "02_score.ipynb"
    committed = json.loads(path.read_text(encoding="utf-8"))
    saved = json.loads(path.read_text(encoding="utf-8"))
    saved["metadata"]["language_info"] = {"name": "python", "version": "3.11.7", "mimetype": "text/x-python"}
    saved["metadata"]["widgets"] = {"state": {}}
    for n, cell in enumerate(c for c in saved["cells"] if c["cell_type"] == "code"):
        cell["execution_count"] = n + 1
        cell["metadata"]["execution"] = {"iopub.execute_input": "2026-12-05T10:00:00Z"}
        cell["outputs"] = cell.get("outputs") or [{"output_type": "display_data", "metadata": {},
                                                   "data": {"text/html": "<div>chart</div>"}}]
    assert clean(saved) == committed


def test_nbval_fails_when_a_checked_output_changes(tmp_path):
    import subprocess
    import sys

    source = json.loads((ROOT / "notebooks" / "01_validate.ipynb").read_text(encoding="utf-8"))
    for cell in source["cells"]:
        for out in cell.get("outputs", []):
            out["text"] = [line.replace("customers ", "customerz ") for line in out.get("text", [])]
    notebook = tmp_path / "01_validate.ipynb"
    notebook.write_text(json.dumps(source, ensure_ascii=False, indent=1), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
                           "-o", "addopts=", str(notebook)], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 1, done.stdout[-2000:]
    assert "customerz" in done.stdout


def test_make_lab_opens_at_the_project_root_on_notebooks(tmp_path):
    """`make lab` once opened in notebooks/, where params/, data/ and out/ cannot be reached."""
    import shlex
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    recipe = re.search(r"^lab: setup\n\t(.+)$", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M).group(1)
    args = [a.replace("$(CURDIR)", str(ROOT)) for a in shlex.split(recipe)[2:]]  # after "$(VENV)/bin/jupyter lab"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "jupyterlab", *args, "--no-browser", f"--port={port}",
                               "--IdentityProvider.token=t", "--ServerApp.allow_root=True"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                listing = json.loads(urllib.request.urlopen(f"{base}/api/contents?token=t", timeout=2).read())
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise AssertionError("jupyter lab did not start")
        assert {"notebooks", "params", "data", "pipelines"} <= {c["name"] for c in listing["content"]}

        class _NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *a, **k):
                return None

        try:
            urllib.request.build_opener(_NoRedirect).open(f"{base}/?token=t", timeout=5)
            location = ""
        except urllib.error.HTTPError as err:
            location = err.headers["Location"]
        assert location.startswith("/lab/tree/notebooks")
    finally:
        server.terminate()
        server.wait(timeout=20)
