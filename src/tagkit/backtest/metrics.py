"""Flag and ranking metrics as additive counts, so pooled figures are sums of quarterly ones.

Every method gives each customer a *flag* (a yes/no call) and a *score* (a ranking,
higher = riskier). Per group (a scored quarter) we count; rates come from counts:

- flag: ``flagged``, ``flagged_went_bad`` → precision, recall, lift = precision / base rate;
- ranking: the Mann–Whitney U of the scores of customers that went bad against those
  that did not, from average ranks (ties count one half) → AUC = U / (positives x negatives);
- top k: expected customers that went bad among the k highest scores, k = number tagged
  at_risk by tagkit in that quarter; customers tied at the k-th score share the remaining
  places equally (the expectation under a random tie-break), so ties never depend on row order.

Pooled over quarters, U and the pairs are summed: the pooled AUC compares customers only
with customers scored in the same quarter (a stratified AUC), never across quarters.
"""
from __future__ import annotations

import polars as pl

COUNTS = ("customers", "went_bad", "flagged", "flagged_went_bad", "u_statistic", "pairs", "top_k",
          "top_k_went_bad", "null_scores")
RATES = ("base_rate", "precision", "recall", "lift", "auc", "precision_top_k")


def method_counts(cases: pl.LazyFrame, *, by: list[str]) -> pl.LazyFrame:
    """Additive counts per ``by`` group from rows ``went_bad, flag, score, k`` (one row per customer).

    A null score ranks lowest (no evidence of risk); how many there were is kept in ``null_scores``.
    """
    score = pl.col("score").cast(pl.Float64).fill_null(float("-inf"))
    rank = score.rank("average").over(by)
    # the block of tied scores each customer sits in, counted from the riskiest end
    first = score.rank("min", descending=True).over(by).cast(pl.Float64)
    last = score.rank("max", descending=True).over(by).cast(pl.Float64)
    share_in_top_k = ((pl.col("k") - first + 1) / (last - first + 1)).clip(0, 1)
    went_bad = pl.col("went_bad")
    # At most one tie block straddles the cut, so a group has at most one fractional share: counted
    # times that share, not summed, because a float sum taken in parallel parts varies with the rows' order.
    share = pl.col("share_in_top_k")
    partial = (share > 0) & (share < 1)
    return (
        cases.with_columns(rank=rank, share_in_top_k=share_in_top_k)
        .group_by(by)
        .agg(
            customers=pl.len().cast(pl.Float64),
            went_bad=went_bad.sum().cast(pl.Float64),
            flagged=pl.col("flag").sum().cast(pl.Float64),
            flagged_went_bad=(pl.col("flag") & went_bad).sum().cast(pl.Float64),
            rank_sum_went_bad=pl.col("rank").filter(went_bad).sum().cast(pl.Float64),
            top_k=pl.col("k").first().cast(pl.Float64),
            top_k_went_bad=((share == 1) & went_bad).sum().cast(pl.Float64)
            + (partial & went_bad).sum().cast(pl.Float64) * share.filter(partial).first().fill_null(0.0),
            null_scores=pl.col("score").null_count().cast(pl.Float64),
        )
        .with_columns(
            u_statistic=pl.col("rank_sum_went_bad") - pl.col("went_bad") * (pl.col("went_bad") + 1) / 2,
            pairs=pl.col("went_bad") * (pl.col("customers") - pl.col("went_bad")),
        )
        .drop("rank_sum_went_bad")
    )


def _ratio(num: str | pl.Expr, den: str | pl.Expr) -> pl.Expr:
    """``num / den``, null (not NaN, not inf) where the denominator is zero or null."""
    num = pl.col(num) if isinstance(num, str) else num
    den = pl.col(den) if isinstance(den, str) else den
    return pl.when(den > 0).then(num / den)


def rates() -> dict[str, pl.Expr]:
    """The rates of :data:`RATES` from the counts of :func:`method_counts`, by name."""
    precision = _ratio("flagged_went_bad", "flagged")
    base_rate = _ratio("went_bad", "customers")
    return {
        "base_rate": base_rate,
        "precision": precision,
        "recall": _ratio("flagged_went_bad", "went_bad"),
        "lift": _ratio(precision, base_rate),
        "auc": _ratio("u_statistic", "pairs"),
        "precision_top_k": _ratio("top_k_went_bad", "top_k"),
    }


def auc(scores: pl.Series | list[float | None], went_bad: pl.Series | list[bool]) -> float | None:
    """AUC of one ranking (higher = riskier) against the outcome; None if either class is empty.

    >>> auc([3, 2, 1], [True, False, False])
    1.0
    """
    cases = pl.LazyFrame({"score": scores, "went_bad": went_bad}, schema={"score": pl.Float64, "went_bad": pl.Boolean})
    counts = method_counts(cases.with_columns(flag=pl.lit(False), k=pl.lit(0), g=pl.lit(0)), by=["g"])
    return counts.select(rates()["auc"]).collect().item() if len(scores) else None
