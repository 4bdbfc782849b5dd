"""What became of last quarter's actions: who carried them out, and how their customers fared.

A customer *fared well* by what its tag, when the action was given, asked for, judged on this quarter
(what happened next, never what was already true then):

- at risk: saved — now regular or benchmark, and buying;
- nail: buying more this quarter than last;
- benchmark: still a benchmark;
- regular: still buying, and not at risk.

A customer missing from this quarter's scores did not fare well. Comparing customers whose action was
done with those where it was not shows where the effort went, not what it caused: reps choose whom they
act on. The honest measure is the holdout's (:func:`holdout_uplift`): at-risk customers drawn at random
to get no action, against the at-risk customers who were given actions.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import polars as pl

from tagkit.actions.returns import NO_RESPONSE

STATUS_ORDER = ("done", "in_progress", "not_started", "declined", NO_RESPONSE)
BOOTSTRAP_SAMPLES = 2000
BOOTSTRAP_SEED = 20260930  # fixed: the same run gives the same interval
# what the outcomes read of this quarter's scores and of last quarter's published ones
NOW_COLUMNS = ["customer_id", "tag", "sales_quarter", "sales_previous_quarter"]
PREVIOUS_COLUMNS = ["customer_id", "region", "tag", "flags"]
MIN_GROUP = 5  # fewer customers on either side of a comparison: no figure, said as too few


def fared_well(tag_then: pl.Expr) -> pl.Expr:
    """Whether the customer fared well this quarter by what its tag then asked for (module docstring);
    needs this quarter's ``tag_now``, ``sales_quarter``, ``sales_previous_quarter``."""
    buying = (pl.col("sales_quarter") > 0).fill_null(False)
    return (
        pl.when(tag_then == "at_risk").then(pl.col("tag_now").is_in(["regular", "benchmark"]) & buying)
        .when(tag_then == "nail").then((pl.col("sales_quarter") > pl.col("sales_previous_quarter")).fill_null(False))
        .when(tag_then == "benchmark").then(pl.col("tag_now") == "benchmark")
        .otherwise(buying & (pl.col("tag_now") != "at_risk"))
        .fill_null(False)
    )


def with_outcomes(rows: pl.DataFrame, scores_now: pl.DataFrame, *, tag_then: str = "tag") -> pl.DataFrame:
    """``rows`` (one per customer and action, or per customer) with ``tag_now`` and ``fared_well``."""
    now = scores_now.select("customer_id", "sales_quarter", "sales_previous_quarter", tag_now="tag")
    return (rows.join(now, on="customer_id", how="left", maintain_order="left")
            .with_columns(fared_well=fared_well(pl.col(tag_then))))


def adoption(results: pl.DataFrame) -> pl.DataFrame:
    """Per region and owner: actions, each status's count, and the share done."""
    return (
        results.group_by("region", "owner_rep_id")
        .agg(actions=pl.len(), **{s: (pl.col("status") == s).sum() for s in STATUS_ORDER})
        .with_columns(done_share=pl.col("done") / pl.col("actions"))
        .sort(["region", "done_share", "actions", "owner_rep_id"], descending=[False, True, True, False])
    )


def by_action(results: pl.DataFrame) -> pl.DataFrame:
    """Per region and action code: customers whose action was done and not done (any other status),
    and the share of each that fared well."""
    done = pl.col("status") == "done"
    return (
        results.group_by("region", "action_code")
        .agg(done=done.sum(), done_fared_well=(done & pl.col("fared_well")).sum(),
             not_done=(~done).sum(), not_done_fared_well=(~done & pl.col("fared_well")).sum())
        .with_columns(done_rate=pl.col("done_fared_well") / pl.col("done"),
                      not_done_rate=pl.col("not_done_fared_well") / pl.col("not_done"))
        .sort("region", "action_code")
    )


def _bootstrap(treated: np.ndarray, held: np.ndarray, rng: np.random.Generator) -> tuple[float, float]:
    t = rng.choice(treated, size=(BOOTSTRAP_SAMPLES, treated.size)).mean(axis=1)
    h = rng.choice(held, size=(BOOTSTRAP_SAMPLES, held.size)).mean(axis=1)
    low, high = np.percentile(t - h, [2.5, 97.5])
    return float(low), float(high)


def holdout_uplift(previous: pl.DataFrame, scores_now: pl.DataFrame) -> dict[str, Mapping[str, object]]:
    """Per region (and ``""`` for all): last quarter's at-risk customers given actions against those held
    out: how many of each were saved, the difference (uplift) and its 95 % bootstrap interval; the
    figures are null where either group has fewer than :data:`MIN_GROUP` customers.
    ``previous`` is last quarter's published scores (``customer_id, region, tag, flags``)."""
    at_risk = previous.filter(pl.col("tag") == "at_risk").select(
        "customer_id", "region", "tag", held=pl.col("flags").list.contains("holdout").fill_null(False))
    if not at_risk["held"].any():
        return {}
    fared = with_outcomes(at_risk, scores_now)
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    out: dict[str, Mapping[str, object]] = {}
    groups = [("", fared)] + [(r, fared.filter(pl.col("region") == r)) for r in sorted(fared["region"].unique())]
    for region, frame in groups:
        treated = frame.filter(~pl.col("held"))["fared_well"].cast(pl.Float64).to_numpy()
        held = frame.filter(pl.col("held"))["fared_well"].cast(pl.Float64).to_numpy()
        enough = treated.size >= MIN_GROUP and held.size >= MIN_GROUP
        low, high = _bootstrap(treated, held, rng) if enough else (None, None)
        out[region] = {
            "treated": int(treated.size), "treated_saved": int(treated.sum()),
            "held_out": int(held.size), "held_out_saved": int(held.sum()),
            "uplift": float(treated.mean() - held.mean()) if enough else None,
            "uplift_low": low, "uplift_high": high,
        }
    return out
