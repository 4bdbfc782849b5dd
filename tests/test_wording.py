"""English plurals in every template: the report's words, the back-test's notes, the reasons in scores.parquet."""
from __future__ import annotations

import polars as pl

from tagkit.plurals import fill
from tagkit.scoring.text import render


def test_a_plural_form_follows_its_figure():
    template = "{n} {n|complaint|complaints} in the last {q} {q|quarter|quarters}"
    assert fill(template, n=1, q=4) == "1 complaint in the last 4 quarters"
    assert fill(template, n=3, q=1) == "3 complaints in the last 1 quarter"


def test_reason_sentences_take_the_plural_row_by_row():
    frame = pl.DataFrame({"n": ["1", "2", "0"]})
    sentences = frame.select(render("{n} {n|complaint|complaints} this quarter", {"n": pl.col("n")}).alias("s"))
    assert sentences["s"].to_list() == ["1 complaint this quarter", "2 complaints this quarter",
                                        "0 complaints this quarter"]
