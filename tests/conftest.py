"""Shared fixtures: the tiny committed dataset and one full pipeline run over it."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "fixtures" / "tiny"
TINY_QUARTER = "2026Q3"


def pytest_configure(config) -> None:
    # the Vega bundle cache (tagkit.report.assets) goes to a folder of this session, not ~/.cache;
    # an environment variable, so the runner's worker processes and kernels see it too
    os.environ.setdefault("TAGKIT_CACHE_DIR", tempfile.mkdtemp(prefix="tagkit-test-cache-"))


@pytest.fixture(scope="session")
def tiny_data() -> Path:
    """A 7-region, ~70-customer dataset made by `tagkit sample-data` (see tests/fixtures/README.md)."""
    return TINY


@pytest.fixture()
def tiny_copy(tmp_path) -> Path:
    """A writable copy of the tiny dataset, for tests that break it on purpose."""
    dest = tmp_path / "data"
    shutil.copytree(TINY, dest)
    return dest


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """One full `tagkit run` over the tiny dataset; returns OUT/QUARTER."""
    from tagkit.cli import main

    out = tmp_path_factory.mktemp("run")
    code = main(["--quiet", "run", "--data", str(TINY), "--quarter", TINY_QUARTER, "--out", str(out)])
    assert code == 0
    return out / TINY_QUARTER
