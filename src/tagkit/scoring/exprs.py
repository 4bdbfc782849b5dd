"""Reusable column logic of the scorer: small functions that return ``pl.Expr``."""
from __future__ import annotations

from collections.abc import Mapping

import polars as pl

LABEL_SEPARATOR = "\x1f"  # ASCII unit separator: never part of a label


def labels_where(conditions: Mapping[str, pl.Expr]) -> pl.Expr:
    """``list[str]`` of the labels whose condition holds, in the mapping's order (null counts as false).

    Built as one joined string split again: ``pl.concat_list`` of many columns is an order of
    magnitude slower, and this runs on every customer.
    """
    if not conditions:
        return pl.lit([], dtype=pl.List(pl.String))
    parts = [pl.when(cond.fill_null(False)).then(pl.lit(label)) for label, cond in conditions.items()]
    joined = pl.concat_str(parts, separator=LABEL_SEPARATOR, ignore_nulls=True)
    return joined.str.split(LABEL_SEPARATOR).list.filter(pl.element() != "")


def first_label_where(conditions: Mapping[str, pl.Expr]) -> pl.Expr:
    """The first label whose condition holds, else null."""
    out = pl.lit(None, dtype=pl.String)
    for label, cond in reversed(list(conditions.items())):
        out = pl.when(cond.fill_null(False)).then(pl.lit(label)).otherwise(out)
    return out


def col(name: str | pl.Expr) -> pl.Expr:
    return pl.col(name) if isinstance(name, str) else name


def in_window(qi: str, first: int, last: int) -> pl.Expr:
    """Rows of the quarters ``first`` .. ``last`` (inclusive quarter indices)."""
    return pl.col(qi).is_between(first, last)


Window = tuple[str | pl.Expr, int, int, str]  # source column, first quarter, last quarter, aggregation


def window_aggregate(panel: pl.LazyFrame, *, q: int, windows: Mapping[str, Window],
                     **plain: pl.Expr) -> pl.LazyFrame:
    """Per customer, panel columns aggregated over windows of quarters, plus ``plain`` aggregations.

    ``windows`` maps an output name to ``(source, first, last, "sum" | "min" | "max" | "count")``.
    Values outside their window are masked to null *before* the ``group_by``, so it only runs the
    built-in aggregation kernels: a ``filter`` inside ``.agg`` would be evaluated group by group.
    A sum over a window without rows is 0; a min, max or count ignores the masked nulls.
    """
    masked = {f"_w_{name}": pl.when(in_window("qi", first, last)).then(col(source))
              for name, (source, first, last, _) in windows.items()}
    aggs = [getattr(pl.col(f"_w_{name}"), how)().alias(name) for name, (_, _, _, how) in windows.items()]
    return panel.filter(pl.col("qi") <= q).with_columns(**masked).group_by("customer_id").agg(*aggs, **plain)


def money(cents: str | pl.Expr) -> pl.Expr:
    """Integer cents back to currency units."""
    return col(cents).cast(pl.Float64) / 100


def safe_ratio(num: str | pl.Expr, den: str | pl.Expr) -> pl.Expr:
    """``num / den`` where ``den > 0``, else null (no base to compare with)."""
    return pl.when(col(den) > 0).then(col(num).cast(pl.Float64) / col(den))


def unit(expr: pl.Expr, start: float, full: float) -> pl.Expr:
    """0 at or below ``start``, 1 at or above ``full``, linear between; null stays null."""
    return ((expr - start) / (full - start)).clip(0.0, 1.0)


def survey_points(mean: str | pl.Expr) -> pl.Expr:
    """A 1..5 survey mean on the 0..100 scale."""
    return ((col(mean) - 1) / 4 * 100).clip(0.0, 100.0)


def capped_points(expr: str | pl.Expr, full: float) -> pl.Expr:
    """0..100, reaching 100 at ``full``."""
    return (col(expr).cast(pl.Float64) / full).clip(0.0, 1.0) * 100


def log_points(expr: str | pl.Expr, full: float) -> pl.Expr:
    """0..100 on a log scale reaching 100 at ``full``: ten outlets more means more at 5 than at 500."""
    return (col(expr).cast(pl.Float64).clip(0).log1p() / pl.lit(float(full)).log1p()).clip(0.0, 1.0) * 100


def weighted_mean(parts: Mapping[str, tuple[float, pl.Expr]]) -> pl.Expr:
    """Weighted mean over the parts that are not null: an absent signal drops out, it does not count as zero.

    Null when every part is null.
    """
    live = {k: (w, e) for k, (w, e) in parts.items() if w > 0}
    if not live:
        return pl.lit(None, dtype=pl.Float64)
    num = pl.sum_horizontal([w * e for w, e in live.values()])
    den = pl.sum_horizontal([pl.when(e.is_not_null()).then(pl.lit(w)).otherwise(0.0) for w, e in live.values()])
    return pl.when(den > 0).then(num / den)


def percent_rank(expr: str | pl.Expr, by: str = "region") -> pl.Expr:
    """Rank within ``by``: 0 (lowest) .. 100 (highest), ties share their average rank; null stays null.

    A group with a single value gets 100 (it is the top of its group).
    """
    e = col(expr)
    n = e.count().over(by)
    rank = e.rank("average").over(by)
    return pl.when(e.is_null()).then(None).when(n > 1).then((rank - 1) / (n - 1) * 100).otherwise(100.0)


def group_median(expr: str | pl.Expr, *, by: str | list[str], min_count: int) -> pl.Expr:
    """Median of ``expr`` within ``by``, or where the group has fewer than ``min_count`` values, within ``by``
    less its first column (over all rows when ``by`` is one column).

    A region's median change is its seasonal movement; a handful of customers is too few to tell it.
    """
    e = col(expr)
    groups = [by] if isinstance(by, str) else by
    fallback = e.median().over(groups[1:]) if len(groups) > 1 else e.median()
    return pl.when(e.count().over(groups) >= min_count).then(e.median().over(groups)).otherwise(fallback)


def relative_change(ratio: str | pl.Expr, base_ratio: str | pl.Expr) -> pl.Expr:
    """Change of a customer's ``ratio`` (now / then) against the movement ``base_ratio`` of its region.

    ``0.58 / 1.05 - 1 = -0.45``: sales at 58 % of a year ago while the region grew 5 % is a
    45 % relative decline; a dip the whole region shares is no decline at all.
    """
    return pl.when(col(base_ratio) > 0).then(col(ratio) / col(base_ratio) - 1)
