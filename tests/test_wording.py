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
    # tables, cards and the charts' axes (the reasons come from the scores, written with the scoring run's)
    assert "RMB " in body and '\\"RMB \\"' in body


def test_an_amount_under_10000_yuan_is_never_read_as_a_year():
    """Chinese money is always in 万/亿: ¥2,022 (or ¥2022) reads as a year, ¥0.2万 does not; the same on a page."""
    from tagkit.report.formats import format_money
    from tagkit.scoring.text import money

    values = [2022.0, 950.0, 300.0, 12_345.0, 0.0]
    amounts = pl.DataFrame({"a": values}).select(money(pl.col("a"), "zh"))["a"].to_list()
    assert amounts == ["¥0.2万", "¥0.095万", "¥0.03万", "¥1.2万", "¥0"]
    assert [format_money(v, "zh") for v in values] == amounts


def test_the_reasons_write_money_as_the_pages_do():
    """One table of units for both: a reason's "CN¥1.2B" is the page's "CN¥1.2B" (the reasons stopped at M),
    the same digits, separators and minus sign, in both languages, over amounts from ¥1 to ¥100亿."""
    import numpy as np

    from tagkit.report.formats import format_money
    from tagkit.scoring.text import money

    rng = np.random.default_rng(7)
    values = [1_234_567_890.0, 2.5e9, -1_234_567.0, 999.96, 18_135_000.0,
              *(rng.uniform(-1, 1, 5000) * 10 ** rng.uniform(0, 10, 5000)).tolist()]
    for lang in ("zh", "en"):
        reasons = pl.DataFrame({"a": values}).select(money(pl.col("a"), lang))["a"].to_list()
        assert reasons == [format_money(v, lang) for v in values], lang
    assert pl.select(money(pl.lit(1_234_567_890.0), "en")).item() == "CN¥1.2B"
    assert format_money(1_234_567_890.0, "zh") == "¥12.35亿" and format_money(18_135_000.0, "zh") == "¥1,813.5万"
    assert format_money(-1_234_567.0, "en") == "−CN¥1.2M"


def test_quarter_end_dumping_is_called_what_the_seed_calls_it():
    from pathlib import Path

    from tagkit.params import load_params

    wording = load_params(Path(__file__).resolve().parents[1] / "params").prescription.reasons
    text = "".join(str(t.zh) for _, t in wording)
    assert "甩库" in text and "冲货" not in text  # 冲货 reads as 窜货 (selling across territories)
