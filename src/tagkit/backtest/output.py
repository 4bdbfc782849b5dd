"""The back-test in a run folder (``backtest.json``, ``backtest.parquet``) and as a table for notebooks and reports."""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import polars as pl

from tagkit.backtest.labels import DEFINITIONS, METHODS, METRICS, explain
from tagkit.backtest.metrics import COUNTS
from tagkit.backtest.outcome import EXCLUSIONS
from tagkit.backtest.run import METHOD_ORDER, POOLED, BacktestResult
from tagkit.outputs import write_table
from tagkit.run_folder import RunFolder

FORMAT = "tagkit-backtest/2"
JSON_FILE, PARQUET_FILE = RunFolder.BACKTEST_JSON, RunFolder.BACKTEST_PARQUET
TABLE_METRICS = ("flagged", "precision", "recall", "lift", "auc", "precision_top_k")
# counts are whole numbers except the expected hits in the top k (ties at the cut share places)
_WHOLE = {*COUNTS, "customers_scored", *(f"excluded_{e}" for e in EXCLUSIONS), "excluded_tagged_at_risk",
          "went_bad_no_order"} - {"u_statistic", "top_k_went_bad"}
_DIGITS = 6  # rates rounded so the file reads well and never differs in the last bit between machines


def _json_value(metric: str, value: float | None) -> int | float | None:
    if value is None or not math.isfinite(value):
        return None
    if metric in _WHOLE:
        return round(value)
    return round(value, _DIGITS)


def backtest_dict(result: BacktestResult) -> dict[str, Any]:
    """Everything ``backtest.json`` holds, as plain JSON-safe values (no NaN, no inf)."""
    texts = {lang: explain(result.params, lang, decline_threshold=result.decline_threshold) for lang in ("en", "zh")}
    pooled: dict[str, dict[str, int | float | None]] = {}
    for row in result.figures.filter(pl.col("quarter") == POOLED).iter_rows(named=True):
        pooled.setdefault(row["method"], {})[row["metric"]] = _json_value(row["metric"], row["value"])
    return {
        "format": FORMAT,
        "quarter": result.quarter,
        "params": result.params.model_dump(mode="json"),
        "scored_quarters": list(result.scored),
        "skipped_quarters": list(result.skipped),
        "definitions": {key: {lang: texts[lang]["definitions"][key] for lang in texts} for key in DEFINITIONS},
        "methods": {key: {lang: texts[lang]["methods"][key] for lang in texts} for key in METHODS},
        "pooled": pooled,
        "calibration": result.calibration.to_dicts(),
        "verdicts": result.verdicts.to_dicts(),
        "models": result.models,
        "figures": [
            {"quarter": q, "method": m, "metric": k, "value": _json_value(k, v)}
            for q, m, k, v in result.figures.iter_rows()
        ],
        "notes": {"en": list(result.notes), "zh": list(result.notes_zh)},
    }


def write_backtest(result: BacktestResult, run_dir: Path) -> tuple[Path, Path]:
    """Write ``backtest.json`` (strict, deterministic JSON) and ``backtest.parquet`` (the tidy figures).

    The same result always gives the same JSON bytes: keys sorted, rows in a fixed order,
    rates rounded to six decimals, undefined figures as ``null``.
    """
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    json_path, parquet_path = run_dir / JSON_FILE, run_dir / PARQUET_FILE
    text = json.dumps(backtest_dict(result), ensure_ascii=False, indent=2, sort_keys=True, allow_nan=False)
    json_path.write_text(text + "\n", encoding="utf-8")
    # NaN cannot arise from the ratios (they are null on a zero denominator); fill_nan is a second guard
    write_table(result.figures.with_columns(pl.col("value").fill_nan(None)), parquet_path)
    return json_path, parquet_path


def backtest_table(result: BacktestResult, *, language: str = "en", digits: int = 3) -> pl.DataFrame:
    """The pooled figures, one row per method, for a notebook cell or the report.

    Columns: ``method, label, customers, base_rate`` then :data:`TABLE_METRICS`.
    ``label`` is the method's description in ``language`` (``"en"`` or ``"zh"``).
    """
    labels = explain(result.params, language, decline_threshold=result.decline_threshold)["methods"]
    pooled = result.summary.filter(pl.col("quarter") == POOLED)
    table = pl.DataFrame({"method": list(METHOD_ORDER)}).join(pooled, on="method", how="left")
    rates = ["base_rate", *(m for m in TABLE_METRICS if m != "flagged")]
    return table.select(
        "method",
        label=pl.col("method").replace_strict(labels, return_dtype=pl.String),
        customers=pl.col("customers").cast(pl.Int64),
        flagged=pl.col("flagged").cast(pl.Int64),
        **{m: pl.col(m).round(digits) for m in rates},
    ).select("method", "label", "customers", "base_rate", *TABLE_METRICS)


def metric_help(language: str = "en") -> dict[str, str]:
    """One sentence per metric in ``language``, for a report's legend."""
    return {key: text[language] for key, text in METRICS.items()}
