"""Is ``score_risk`` a chance you can take at its word, and does tagkit beat the simple rules?

- :func:`calibration_table`: the judged customers of every back-tested quarter, pooled, in ten
  groups of (nearly) equal size by ``score_risk``; per group the mean predicted chance and the
  share that actually went bad. A calibrated score has the two close in every group.
- :func:`verdicts`: for each baseline, whether tagkit's pooled AUC and top-k precision (the same
  workload for every method) are at least the baseline's. The report says so plainly when not.
"""
from __future__ import annotations

import polars as pl

from tagkit.backtest.outcome import IN_POPULATION

GROUPS = 10
VERDICT_METRICS = ("auc", "precision_top_k")
_DIGITS = 6


def calibration_table(cases: pl.DataFrame, *, groups: int = GROUPS) -> pl.DataFrame:
    """``group, customers, predicted, observed, score_min, score_max`` (predicted and observed as shares 0..1).

    Groups are cut by rank (score, then quarter and customer for ties), so the table is the same
    whatever the row order. Customers without a score are left out.
    """
    judged = cases.filter((pl.col("status") == IN_POPULATION) & pl.col("score_risk").is_not_null()
                          & pl.col("went_bad").is_not_null())
    if judged.is_empty():
        return pl.DataFrame(schema={"group": pl.Int64, "customers": pl.Int64, "predicted": pl.Float64,
                                    "observed": pl.Float64, "score_min": pl.Float64, "score_max": pl.Float64})
    n = judged.height
    ranked = judged.sort("score_risk", "quarter", "customer_id").with_columns(
        group=(pl.int_range(pl.len()) * min(groups, n) // n + 1).cast(pl.Int64))
    return (
        ranked.group_by("group")
        .agg(
            customers=pl.len().cast(pl.Int64),
            predicted=(pl.col("score_risk").mean() / 100).round(_DIGITS),
            observed=pl.col("went_bad").cast(pl.Float64).mean().round(_DIGITS),
            score_min=pl.col("score_risk").min().round(4),
            score_max=pl.col("score_risk").max().round(4),
        )
        .sort("group")
    )


def verdicts(summary: pl.DataFrame) -> pl.DataFrame:
    """``baseline, metric, tagkit, baseline_value, tagkit_better`` from the pooled rows of ``summary``.

    ``tagkit_better`` is true when tagkit's figure is at least the baseline's; rows where either is
    undefined are left out (nothing to compare).
    """
    pooled = summary.filter(pl.col("quarter") == "pooled")
    if pooled.is_empty():
        return pl.DataFrame(schema={"baseline": pl.String, "metric": pl.String, "tagkit": pl.Float64,
                                    "baseline_value": pl.Float64, "tagkit_better": pl.Boolean})
    ours = pooled.filter(pl.col("method") == "tagkit")
    rows = []
    for row in pooled.filter(pl.col("method") != "tagkit").iter_rows(named=True):
        for metric in VERDICT_METRICS:
            mine, theirs = ours[metric][0], row[metric]
            if mine is None or theirs is None:
                continue
            rows.append((row["method"], metric, round(mine, _DIGITS), round(theirs, _DIGITS), mine >= theirs))
    return pl.DataFrame(rows, schema={"baseline": pl.String, "metric": pl.String, "tagkit": pl.Float64,
                                      "baseline_value": pl.Float64, "tagkit_better": pl.Boolean}, orient="row")
