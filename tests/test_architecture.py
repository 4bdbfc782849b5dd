"""The house's checks (docs/architecture.md): the layers hold, and each check fails on a wrong import.

`make test` runs ruff, mypy and lint-imports on the code before pytest; these tests show that the three
would catch a deliberately wrong import in a copy of the package, so a check that passes means something.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{name} is not installed beside {sys.executable}: `make setup` installs the dev extras")
    return str(path)


@pytest.fixture(scope="module")
def package_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project's package and check configuration, to break on purpose."""
    root = tmp_path_factory.mktemp("house")
    shutil.copytree(ROOT / "src" / "tagkit", root / "src" / "tagkit",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in (".importlinter", "pyproject.toml"):
        shutil.copy(ROOT / name, root / name)
    return root


def _run(args: list[str], *, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False,
                          env={**os.environ, **env}, timeout=600)


def _with_module(root: Path, relative: str, text: str) -> Path:
    path = root / "src" / "tagkit" / relative
    path.write_text(text, encoding="utf-8")
    return path


def test_the_layers_hold_on_the_code() -> None:
    done = _run([_tool("lint-imports"), "--no-cache"], cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_scoring_importing_the_report_breaks_the_layers(package_copy: Path) -> None:
    """A scoring module that reaches up into the report fails lint-imports, naming the import."""
    wrong = _with_module(package_copy, "scoring/wrong_way.py",
                         '"""Deliberately wrong."""\nfrom tagkit.report import words  # noqa: F401\n')
    try:
        done = _run([_tool("lint-imports"), "--no-cache"], cwd=package_copy,
                    PYTHONPATH=str(package_copy / "src"))
    finally:
        wrong.unlink()
    assert done.returncode == 1, done.stdout + done.stderr
    assert "BROKEN" in done.stdout
    assert "tagkit.scoring.wrong_way -> tagkit.report" in done.stdout


def test_scoring_reading_through_io_breaks_its_independence(package_copy: Path) -> None:
    wrong = _with_module(package_copy, "scoring/reads_files.py",
                         '"""Deliberately wrong."""\nimport tagkit.io.readers  # noqa: F401\n')
    try:
        done = _run([_tool("lint-imports"), "--no-cache"], cwd=package_copy,
                    PYTHONPATH=str(package_copy / "src"))
    finally:
        wrong.unlink()
    assert done.returncode == 1, done.stdout + done.stderr
    assert "tagkit.scoring.reads_files -> tagkit.io.readers" in done.stdout


def test_ruff_fails_on_an_unused_import(package_copy: Path) -> None:
    wrong = _with_module(package_copy, "unused_import.py", '"""Deliberately wrong."""\nimport os\n')
    try:
        done = _run([_tool("ruff"), "check", "--no-cache", str(wrong)], cwd=package_copy)
    finally:
        wrong.unlink()
    assert done.returncode == 1, done.stdout + done.stderr
    assert "F401" in done.stdout


def test_mypy_fails_on_a_name_that_does_not_exist(package_copy: Path) -> None:
    wrong = _with_module(package_copy, "no_such_name.py",
                         '"""Deliberately wrong."""\nfrom tagkit.quarters import quarter_after_next\n')
    try:
        done = _run([_tool("mypy"), "--follow-imports=silent", "--cache-dir", str(package_copy / ".mypy_cache"),
                     str(wrong)], cwd=package_copy, MYPYPATH=str(package_copy / "src"))
    finally:
        wrong.unlink()
    assert done.returncode == 1, done.stdout + done.stderr
    assert 'Module "tagkit.quarters" has no attribute "quarter_after_next"' in done.stdout
