"""tagkit.run_folder: the run folder's file names and its small readers and writers."""
from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tagkit.errors import InputError
from tagkit.run_folder import PRESCRIPTION_TABLES, RunFolder


def test_names_the_files(tmp_path: Path) -> None:
    folder = RunFolder(tmp_path / "2026Q3")
    assert folder.scores_path == tmp_path / "2026Q3" / "scores.parquet"
    assert folder.clean("orders") == tmp_path / "2026Q3" / "clean" / "orders.parquet"
    assert folder.quarantine("orders") == tmp_path / "2026Q3" / "quarantine" / "orders.parquet"
    assert folder.validation_html_in("zh").name == "validation.zh.html"
    assert folder.report("华东").relative_to(folder.path).as_posix() == "reports/华东.html"
    assert "quality_index" in PRESCRIPTION_TABLES


def test_previous_is_the_sibling_of_the_quarter_before(tmp_path: Path) -> None:
    folder = RunFolder.of(tmp_path / "2026Q1")
    assert folder.previous("2026Q1") == RunFolder(tmp_path / "2025Q4")
    assert RunFolder.of(folder) is folder


def test_missing_scores_say_which_step_to_run(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"scores\.parquet: missing\. Run the score step first"):
        RunFolder(tmp_path).scores()


def test_tables_and_json_round_trip(tmp_path: Path) -> None:
    """A small table beside the scores and a JSON note, written and read back; absent ones are None."""
    folder = RunFolder(tmp_path)
    frame = pl.DataFrame({"region": ["华东"], "customers": [3]})
    folder.write_table("regions", frame)
    assert_frame_equal(folder.read_table("regions"), frame)
    assert folder.read_table("radiation") is None
    folder.write_json(RunFolder.PREVIOUS_TAGS, {"source": "re-scored", "quarter": "2026Q2"})
    assert folder.file(RunFolder.PREVIOUS_TAGS).read_text(encoding="utf-8").endswith("}\n")
    assert folder.read_json(RunFolder.PREVIOUS_TAGS) == {"quarter": "2026Q2", "source": "re-scored"}
    assert folder.read_json(RunFolder.RISK_MODEL) is None
    with pytest.raises(InputError, match=r"risk_model\.json: missing\. Run it"):
        folder.read_json(RunFolder.RISK_MODEL, missing="Run it.")

