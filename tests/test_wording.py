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


def test_the_currency_is_written_as_params_say_in_reasons_and_reports(tiny_run):
    """report.currency reaches the scorer's sentences (handed over like the wording) and every page."""
    from pathlib import Path

    from tagkit.params import load_params
    from tagkit.report import load_run_data, render_region_report
    from tagkit.scoring.text import placeholders

    root = Path(__file__).resolve().parents[1]
    params = load_params(root / "params")
    assert params.scoring.currency == params.report.currency == {"zh": "¥", "en": "CN¥"}
    rmb = {"zh": "¥", "en": "RMB "}
    scoring = params.scoring.model_copy(update={"currency": rmb})
    frame = pl.DataFrame({"sales_quarter": [1_234_567.0]})
    assert frame.select(placeholders(scoring, "en")["sales_quarter"]).item() == "RMB 1.2M"
    report = params.report.model_copy(update={"language": "en", "currency": rmb})
    html = render_region_report(load_run_data(tiny_run, params), region="华东", quarter=tiny_run.name, params=report)
    body = html[html.index('<header id="top"'):]  # past the Vega bundle in the head
    assert "RMB " in body and '\\"RMB \\"' in body  # tables, cards and the charts' axes (the reasons come from the scores, written with the scoring run's)


def test_an_amount_under_10000_yuan_is_never_read_as_a_year():
    from tagkit.scoring.text import money

    amounts = pl.DataFrame({"a": [2022.0, 950.0, 12_345.0]}).select(money(pl.col("a"), "zh"))["a"].to_list()
    assert amounts == ["¥2,022", "¥950", "¥1.2万"]


def test_quarter_end_dumping_is_called_what_the_seed_calls_it():
    from pathlib import Path

    from tagkit.params import load_params

    wording = load_params(Path(__file__).resolve().parents[1] / "params").prescription.reasons
    text = "".join(str(t.zh) for _, t in wording)
    assert "甩库" in text and "冲货" not in text  # 冲货 reads as 窜货 (selling across territories)
