"""The planted truth and the nails by line gap (tests only).

The sample plants nails as stalled nails (little share of wallet, worked on in vain). A large customer
that buys few of our lines is a nail too (``scoring.nail.line_gap``, the seed's own example), and the
sample plants some of those as regulars. Measured against the planted truth, such nails would count as
wrong: :func:`apart_from_the_truth` sets them apart, after checking that each has the line gap it is
tagged for and that they stay a minority beside the planted nails.
"""
from __future__ import annotations

import polars as pl

from tagkit.params import ScoringParams


def apart_from_the_truth(scores: pl.DataFrame, truth: pl.DataFrame, *, p: ScoringParams,
                         most: float = 0.6) -> pl.DataFrame:
    """``scores`` with tag ``nail_line_gap`` for the nails by line gap the truth did not plant as nails.

    Each of them must be large (ABC class or potential) and buy at most ``nail.line_gap.max_lines_share``
    of our lines, and there may be at most ``most`` of them per planted nail.
    """
    planted = truth.filter(pl.col("true_tag") == "nail")["customer_id"]
    beyond = ((pl.col("tag") == "nail") & pl.col("flags").list.contains("line_gap")
              & ~pl.col("customer_id").is_in(planted.implode()))
    extra = scores.filter(beyond)
    gap = p.nail.line_gap
    assert (extra["lines_share"] <= gap.max_lines_share).all()
    assert (extra["abc_class"].is_in(gap.abc_classes) | (extra["score_potential"] >= gap.min_potential.exit)).all()
    assert extra.height <= most * planted.len(), (extra.height, planted.len())
    return scores.with_columns(tag=pl.when(beyond).then(pl.lit("nail_line_gap")).otherwise(pl.col("tag")))
