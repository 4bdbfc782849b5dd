"""The holdout: a random share of the at-risk customers who get no action this quarter.

Comparing how they fared with the at-risk customers who were defended is the only honest measure of
what the defences change (the customers a rep chooses to defend are not like the others). The draw
is a hash of the quarter and the customer id, so the same run gives the same holdout, a customer is
not held out every quarter by the same luck, and adding customers leaves everyone else's draw as it
was. ``playbook.holdout_share`` (0 by default) sets the share.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable

import polars as pl

HASH_SPACE = 2**64


def _draw(quarter: str) -> Callable[[pl.Series], pl.Series]:
    def draw(ids: pl.Series) -> pl.Series:
        # sha256, not polars' hash: its values may change between polars versions, and a holdout must not
        return pl.Series([int.from_bytes(hashlib.sha256(f"{quarter}|{i}".encode()).digest()[:8], "big") / HASH_SPACE
                          for i in ids], dtype=pl.Float64)
    return draw


def draw_holdout(customers: pl.LazyFrame, *, quarter: str, share: float) -> pl.LazyFrame:
    """Add ``is_holdout``: at-risk customers whose draw falls below ``share``."""
    if share <= 0:
        return customers.with_columns(is_holdout=pl.lit(False))
    at_risk = pl.col("tag") == "at_risk"
    draw = pl.when(at_risk).then(pl.col("customer_id")).map_batches(_draw(quarter), return_dtype=pl.Float64)
    return customers.with_columns(is_holdout=(at_risk & (draw < share)).fill_null(False))
