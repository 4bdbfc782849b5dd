"""What notebooks/05_what_if.ipynb calls: what if a threshold or weight were different? Re-score a finished
run and see who changes tag.

The notebook calls :func:`what_if` with a few params changed (the same nesting as a
``--params`` file). It re-scores the run's quarter from the run folder's validated tables with
those params (the order lines aggregated once, the history's panel and the risk models made again,
as the score step makes them: seconds on the sample), compares the tags with the run's
``scores.parquet``, and runs the back-test with the new params, so the change is judged by what
happened next, not only by how many tags move. Nothing in the run folder is written.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from tagkit.params import Params, with_changes
from tagkit.run_folder import RunFolder
from tagkit.steps import made_for
from tagkit.steps.common import load_clean_tables, published_previous_tags, release_timeline, setup, shared_timeline
from tagkit.steps.features_input import recorded_features
from tagkit.steps.score import ensure_scored

__all__ = ["WhatIf", "ensure_scored", "setup", "what_if"]


@dataclass(frozen=True)
class WhatIf:
    """The run's tags against the changed params' tags, and both back-tests."""

    changed: pl.DataFrame    # customer_id, region, rep_id, tag_before, tag_after, score_risk before/after
    by_region: pl.DataFrame  # region, tag_before, tag_after, customers
    by_rep: pl.DataFrame     # region, rep_id, customers changing tag, of how many
    by_tag: pl.DataFrame     # tag_before, tag_after, customers (all regions)
    backtest: pl.DataFrame   # method, metric, before, after (pooled precision, recall, lift, auc)
    customers: int


METRICS = ("precision", "recall", "lift", "auc")


def what_if(run_dir: str | Path, *, quarter: str, params: Params, changes: dict[str, Any]) -> WhatIf:
    """Re-score ``run_dir``'s quarter with ``changes`` on top of ``params`` and compare with what it published."""
    from tagkit.backtest import run_backtest
    from tagkit.scoring import score_customers
    from tagkit.scoring.grid import PANEL_ENGINE

    run = Path(run_dir)
    made_for.expect(run, "score", quarter=quarter, params=params)  # the baseline is this run, as it was made
    new = with_changes(params, changes, source="what-if changes")
    tables = load_clean_tables(run)
    # the history the score step itself makes, with the new params (released below: it is not the run's),
    # from the features table the run was scored from, if it was
    timeline = shared_timeline(run, quarter=quarter, params=new, features_path=recorded_features(run))
    try:
        previous, _ = published_previous_tags(run, quarter)
        after = score_customers(tables, quarter=quarter, p=new.scoring, timeline=timeline,
                                previous=previous).collect(engine=PANEL_ENGINE)
        tested = run_backtest(tables, quarter=quarter, scoring=new.scoring, backtest=new.backtest, timeline=timeline)
    finally:
        release_timeline()

    before = RunFolder(run).scores(columns=["customer_id", "region", "rep_id", "tag", "score_risk"])
    both = before.join(after.select("customer_id", tag_after="tag", score_risk_after="score_risk"),
                       on="customer_id", how="left").rename({"tag": "tag_before", "score_risk": "score_risk_before"})
    changed = both.filter(pl.col("tag_before") != pl.col("tag_after")).sort("region", "rep_id", "customer_id")
    moves = ["tag_before", "tag_after"]
    return WhatIf(
        changed=changed,
        by_region=changed.group_by("region", *moves).agg(customers=pl.len()).sort("region", *moves),
        by_rep=both.group_by("region", "rep_id").agg(
            changing=(pl.col("tag_before") != pl.col("tag_after")).sum(), of=pl.len())
        .filter(pl.col("changing") > 0).sort(["changing", "region", "rep_id"], descending=[True, False, False]),
        by_tag=changed.group_by(*moves).agg(customers=pl.len()).sort(*moves),
        backtest=_backtest_change(run, tested),
        customers=both.height,
    )


def _backtest_change(run: Path, tested: Any) -> pl.DataFrame:
    """Pooled figures per method, as the run published them (``backtest.parquet``) and with the new params."""
    from tagkit.backtest.run import POOLED

    after = (tested.figures.filter((pl.col("quarter") == POOLED) & pl.col("metric").is_in(METRICS))
             .select("method", "metric", after="value"))
    path = RunFolder(run).file(RunFolder.BACKTEST_PARQUET)
    if not path.exists():
        return after.with_columns(before=pl.lit(None, dtype=pl.Float64)).select("method", "metric", "before", "after")
    before = (pl.read_parquet(path).filter((pl.col("quarter") == POOLED) & pl.col("metric").is_in(METRICS))
              .select("method", "metric", before="value"))
    return before.join(after, on=["method", "metric"], how="full", coalesce=True).sort("method", "metric")
