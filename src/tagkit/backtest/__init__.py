"""Back-test: how far this run's tags can be trusted on this company's own history.

>>> result = run_backtest(tables, quarter="2026Q3", scoring=p.scoring, backtest=p.backtest)  # doctest: +SKIP
>>> write_backtest(result, run_dir)                                                         # doctest: +SKIP
>>> backtest_table(result, language="zh")                                                   # doctest: +SKIP
"""
from __future__ import annotations

from tagkit.backtest.labels import DEFINITIONS, METHODS, METRICS, NOTES, explain
from tagkit.backtest.metrics import auc
from tagkit.backtest.output import backtest_dict, backtest_table, metric_help, write_backtest
from tagkit.backtest.run import METHOD_ORDER, POOLED, BacktestResult, run_backtest

EXPLANATIONS = {"methods": METHODS, "metrics": METRICS, "definitions": DEFINITIONS, "notes": NOTES}

__all__ = [
    "EXPLANATIONS", "METHOD_ORDER", "POOLED", "BacktestResult", "auc", "backtest_dict", "backtest_table", "explain",
    "metric_help", "run_backtest", "write_backtest",
]
