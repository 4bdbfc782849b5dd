"""How far to trust the tags: the back-test of this run, tagkit beside three simple baselines.

Figures and wording come from ``backtest.json`` (written by :mod:`tagkit.backtest`): the
methods' and definitions' texts in both languages, the pooled figures per method, the
calibration (predicted against observed by group) and the verdicts. Where tagkit does not beat a
baseline, the section says so first, in plain words.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from tagkit.backtest import METHOD_ORDER, metric_help
from tagkit.charts import backtest_chart, calibration_chart
from tagkit.report.blocks import Cell, Chart, Column, Note, Section, Table
from tagkit.report.context import Context
from tagkit.report.formats import format_count, format_percent, format_ratio

ID = "trust"
TABLE_METRICS = ("flagged", "precision", "recall", "lift", "auc", "precision_top_k")
CHART_METRICS = ("precision", "recall", "auc")
RATES = {"precision", "recall", "precision_top_k", "base_rate"}


def _value(metric: str, value: float | None) -> str:
    if metric == "flagged":
        return format_count(value)
    if metric in RATES:
        return format_percent(value)
    return format_ratio(value)


def _chart(ctx: Context, pooled: dict[str, dict[str, Any]], methods: list[str]) -> Chart | None:
    rows = [
        {"method": m, "method_label": ctx.name("method", m), "metric_label": ctx.name("metric", k),
         "value": float(pooled[m][k]), "value_label": _value(k, pooled[m][k])}
        for k in CHART_METRICS for m in methods if pooled.get(m, {}).get(k) is not None
    ]
    if not rows:
        return None
    text = {"title": ctx.ui("chart_trust"), "method": ctx.ui("method"), "metric": ctx.ui("metric"),
            "value": ctx.ui("value")}
    return Chart.of("backtest", backtest_chart(pl.DataFrame(rows), text=text,
                                               methods=[ctx.name("method", m) for m in methods],
                                               metrics=[ctx.name("metric", k) for k in CHART_METRICS]))


def _table(ctx: Context, backtest: Mapping[str, Any], methods: list[str]) -> Table:
    pooled = backtest.get("pooled", {})
    described = backtest.get("methods", {})
    columns = [Column("method", ctx.ui("method"), wide=True),
               *(Column(k, ctx.name("metric", k), num=True) for k in TABLE_METRICS)]
    rows = []
    for m in methods:
        figures = pooled.get(m, {})
        row = {"method": Cell(ctx.name("method", m), sub=described.get(m, {}).get(ctx.lang, ""))}
        for k in TABLE_METRICS:
            row[k] = Cell(_value(k, figures.get(k)), sort=figures.get(k), num=True)
        rows.append(row)
    return Table("tbl-backtest", columns, rows, filterable=False)


def _summary(ctx: Context, pooled: dict[str, dict[str, Any]]) -> Note | None:
    tk = pooled.get("tagkit", {})
    base = pooled.get("population", {}).get("base_rate")
    if tk.get("flagged") is None:
        return None
    return Note(ctx.ui("trust_summary", precision=format_percent(tk.get("precision")),
                       lift=format_ratio(tk.get("lift"), 1), base=format_percent(base),
                       recall=format_percent(tk.get("recall")), auc=format_ratio(tk.get("auc")),
                       customers=format_count(pooled.get("population", {}).get("customers")),
                       flagged=format_count(tk.get("flagged"))))


def _verdicts(ctx: Context, backtest: Mapping[str, Any]) -> Note:
    """Plainly: where tagkit does not beat a baseline (or that it beats them all)."""
    lost = [v for v in backtest.get("verdicts") or [] if not v.get("tagkit_better")]
    if not lost:
        return Note(ctx.ui("trust_beats_all"), tone="info") if backtest.get("verdicts") else Note("")
    items = tuple(ctx.ui("trust_loses", method=ctx.name("method", v["baseline"]),
                         metric=ctx.name("metric", v["metric"]), tagkit=format_ratio(v["tagkit"]),
                         baseline=format_ratio(v["baseline_value"])) for v in lost)
    return Note(ctx.ui("trust_loses_lead"), tone="warn", items=items)


def _calibration(ctx: Context, backtest: Mapping[str, Any]) -> Chart | None:
    groups = backtest.get("calibration") or []
    if not groups:
        return None
    frame = pl.DataFrame(groups).with_columns(
        predicted_label=pl.col("predicted").map_elements(format_percent, return_dtype=pl.String),
        observed_label=pl.col("observed").map_elements(format_percent, return_dtype=pl.String),
    )
    text = {"title": ctx.ui("chart_calibration"), "predicted": ctx.ui("calibration_predicted"),
            "observed": ctx.ui("calibration_observed"), "customers": ctx.ui("customers")}
    return Chart.of("calibration", calibration_chart(frame, text=text))


def _models(ctx: Context, backtest: Mapping[str, Any]) -> Note | None:
    models = backtest.get("models") or {}
    documented = [q for q, m in models.items() if m and m.get("source") != "learned"]
    if not models:
        return None
    if documented:
        return Note(ctx.ui("trust_models_documented", quarters="、".join(documented) if ctx.lang == "zh"
                           else ", ".join(documented)), tone="warn")
    return Note(ctx.ui("trust_models_learned"))


def build(ctx: Context) -> Section:
    backtest = ctx.data.backtest
    if not backtest or not backtest.get("pooled"):
        return Section(ID, ctx.ui("sec_trust"), [ctx.not_computed("what_backtest")])
    pooled = backtest["pooled"]
    methods = [m for m in METHOD_ORDER if m in pooled]
    quarters = backtest.get("params", {}).get("quarters", len(backtest.get("scored_quarters", [])))
    blocks: list = [Note(ctx.ui("trust_lead", quarters=quarters), tone="lead")]
    verdicts = _verdicts(ctx, backtest)
    blocks += [verdicts] if verdicts.text or verdicts.items else []
    summary = _summary(ctx, pooled)
    blocks += [summary] if summary else []
    models = _models(ctx, backtest)
    blocks += [models] if models else []
    chart = _chart(ctx, pooled, methods)
    blocks += [chart] if chart else []
    blocks.append(_table(ctx, backtest, methods))
    calibration = _calibration(ctx, backtest)
    blocks += [calibration] if calibration else []
    helps = metric_help(ctx.lang)  # each sentence starts with the metric's name
    blocks.append(Note("", title=ctx.ui("metrics_help"),
                       items=tuple(helps[k] for k in ("base_rate", *TABLE_METRICS) if k in helps)))
    definitions = backtest.get("definitions", {})
    order = ["population", "outcome", "calibration", "pooled",
             *sorted(set(definitions) - {"population", "outcome", "calibration", "pooled"})]
    blocks.append(Note("", title=ctx.ui("definitions"), items=tuple(
        definitions[k][ctx.lang] for k in order
        if isinstance(definitions.get(k), dict) and ctx.lang in definitions[k])))
    notes = backtest.get("notes", {}).get(ctx.lang) or []
    if notes:
        blocks.append(Note("", title=ctx.ui("backtest_notes"), items=tuple(notes), tone="warn"))
    return Section(ID, ctx.ui("sec_trust"), blocks)
