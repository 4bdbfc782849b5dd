"""What the notebooks print reads as figures: money in the report's style, shares as %, every column shown."""
from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl

from tagkit.steps.display import readable

ROOT = Path(__file__).resolve().parents[1]
SCIENTIFIC = re.compile(r"\d\.\d+e[+-]?\d")


def test_money_and_shares_read_as_a_person_writes_them():
    frame = pl.DataFrame({"region": ["华东"], "sales_trailing_4q": [18_135_000.0], "sales_share": [0.1098],
                          "visit_alignment": [0.8039], "lift": [9.278], "customers": [499]})
    zh, en = readable(frame, "zh"), readable(frame, "en")
    assert zh.row(0) == ("华东", "¥1,813.5万", "11.0%", "80.4%", 9.278, 499)
    assert en["sales_trailing_4q"].item() == "CN¥18.1M"
    assert frame["sales_trailing_4q"].dtype == pl.Float64  # a display copy: the data keep their types


def test_the_notebooks_checked_tables_hide_no_column_and_use_no_scientific_notation():
    printed = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            for out in cell.get("outputs", []):
                printed.append((path.name, "".join(out.get("text", []))))
    tables = [(name, text) for name, text in printed if "┌" in text]
    assert len(tables) >= 6
    for name, text in tables:
        header = text.splitlines()[2]  # the column names' row under "shape" and the top border
        assert " … " not in header, f"{name}: a column is hidden behind …\n{text}"
        assert not SCIENTIFIC.search(text), f"{name}: a figure in scientific notation\n{text}"
