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


def _checked_with(root: Path, relative: str, source: str, args: list[str], **env: str
                  ) -> subprocess.CompletedProcess[str]:
    """``args`` run in the copy with a deliberately wrong module added at ``relative`` (removed after)."""
    wrong = root / "src" / "tagkit" / relative
    wrong.write_text(f'"""Deliberately wrong."""\n{source}\n', encoding="utf-8")
    try:
        return _run([a.replace("{module}", str(wrong)) for a in args], cwd=root, **env)
    finally:
        wrong.unlink()


def test_the_layers_hold_on_the_code() -> None:
    done = _run([_tool("lint-imports"), "--no-cache"], cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(("relative", "source", "named"), [
    # a scoring module reaching up into the report breaks the layers
    ("scoring/wrong_way.py", "from tagkit.report import words  # noqa: F401",
     "tagkit.scoring.wrong_way -> tagkit.report"),
    # scoring reading files through io breaks their independence (scoring takes LazyFrames)
    ("scoring/reads_files.py", "import tagkit.io.readers  # noqa: F401",
     "tagkit.scoring.reads_files -> tagkit.io.readers"),
])
def test_a_wrong_import_breaks_a_contract(package_copy: Path, relative: str, source: str, named: str) -> None:
    done = _checked_with(package_copy, relative, source, [_tool("lint-imports"), "--no-cache"],
                         PYTHONPATH=str(package_copy / "src"))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "BROKEN" in done.stdout and named in done.stdout


def test_ruff_fails_on_an_unused_import(package_copy: Path) -> None:
    done = _checked_with(package_copy, "unused_import.py", "import os",
                         [_tool("ruff"), "check", "--no-cache", "{module}"])
    assert done.returncode == 1, done.stdout + done.stderr
    assert "F401" in done.stdout


def test_mypy_fails_on_a_name_that_does_not_exist(package_copy: Path) -> None:
    done = _checked_with(package_copy, "no_such_name.py", "from tagkit.quarters import quarter_after_next",
                         [_tool("mypy"), "--follow-imports=silent", "--cache-dir", str(package_copy / ".mypy_cache"),
                          "{module}"], MYPYPATH=str(package_copy / "src"))
    assert done.returncode == 1, done.stdout + done.stderr
    assert 'Module "tagkit.quarters" has no attribute "quarter_after_next"' in done.stdout
