"""The notebooks' pinned figures (cells marked ``NBVAL_CHECK_OUTPUT``) on the tiny fixture.

Notebooks are committed without outputs, so nbval (``--nbval-lax``) runs every cell but has no
stored output to compare against. The pinned figures live in ``tests/pinned/`` instead and are
compared here against the notebooks executed by a real ``tagkit run``. After an intended change,
regenerate them with ``TAGKIT_UPDATE_PINNED=1 pytest tests/test_notebook_figures.py`` and review the diff.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

PINNED = Path(__file__).parent / "pinned"
NOTEBOOKS = ["01_validate", "02_score", "03_region_report-华东", "04_index"]

pytestmark = pytest.mark.slow


def _checked_outputs(notebook: Path) -> str:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    texts = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and "NBVAL_CHECK_OUTPUT" in "".join(cell["source"]):
            for out in cell["outputs"]:
                if out["output_type"] == "stream":
                    texts.append("".join(out["text"]))
                elif "text/plain" in out.get("data", {}):
                    texts.append("".join(out["data"]["text/plain"]) + "\n")
    return "".join(texts)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_pinned_figures(tiny_run, name):
    actual = _checked_outputs(tiny_run / "notebooks" / f"{name}.ipynb")
    assert actual.strip(), f"{name}: no output from its NBVAL_CHECK_OUTPUT cells"
    path = PINNED / f"{name}.txt"
    if os.environ.get("TAGKIT_UPDATE_PINNED") == "1":
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"{path} missing: run with TAGKIT_UPDATE_PINNED=1 once and review it"
    assert actual == path.read_text(encoding="utf-8")
