"""The dense customer × quarter grid the feature panel is computed on, and its window arithmetic.

Every customer gets one row per quarter from ``start`` to ``last`` (quarter indices), sorted by
customer then quarter, so a customer's rows are consecutive and equally many. That regularity is
what makes every window cheap: a lag of ``k`` quarters is a plain ``shift(k)`` of the whole column
(masked on the first ``k`` rows of each customer, where it would reach into the previous
customer), and a window sum is a difference of two running sums. No ``group_by`` per window and
no ``over`` per lag: the panel of every quarter costs a few passes over the grid.

Quarters before ``start`` are not on the grid. A window that would reach before it is null, so
the caller picks ``start`` far enough back (:func:`lookback`) for the quarters it keeps. Running
totals over all history (first order, ordering days so far) are seeded from the rows before
``start`` (see :mod:`tagkit.scoring.panel_features`).
"""
from __future__ import annotations

from typing import Final

import polars as pl

from tagkit.params import WindowParams

QI = "qi"
# Frames of one row per customer, or per customer and quarter, are collected by polars' in-memory engine:
# on them (wide, ordered joins, window functions) the streaming engine was 25-35 % slower (10M lines,
# 200k customers: the history's panel 4.1 -> 3.0 s). Order lines stay streamed.
PANEL_ENGINE: Final = "in-memory"


def lookback(w: WindowParams) -> int:
    """Quarters before a kept quarter that its windows read: the longest window, less one.

    The year-on-year comparison and the "normal" quarter (the four before) need five quarters.
    """
    longest = max(2 * w.trailing_quarters, w.recent_quarters + w.before_quarters, w.rhythm_quarters,
                  w.survey_quarters, w.survey_fallback_quarters, 5)
    return longest - 1


def quarter_grid(customers: pl.LazyFrame, *, start: int, last: int) -> pl.LazyFrame:
    """``customer_id`` × ``qi`` for every quarter index ``start`` .. ``last``, customers in their frame's order.

    ``customers`` is sorted by customer_id (:func:`tagkit.scoring.panel.customer_frame`), so the grid is too.
    """
    quarters = pl.LazyFrame({QI: pl.int_range(start, last + 1, dtype=pl.Int32, eager=True)})
    return customers.select("customer_id").join(quarters, how="cross", maintain_order="left_right")


def lag(expr: pl.Expr, k: int, *, start: int) -> pl.Expr:
    """``expr`` ``k`` quarters earlier for the same customer; null where that quarter is before ``start``."""
    if k == 0:
        return expr
    return pl.when(pl.col(QI) - k >= start).then(expr.shift(k))


def window_sum(expr: pl.Expr, first_back: int, last_back: int, *, start: int) -> pl.Expr:
    """Sum of ``expr`` over the quarters ``qi - first_back`` .. ``qi - last_back`` (``first_back >= last_back >= 0``).

    A difference of running sums taken over the whole grid: the rows of earlier customers cancel.
    Exact for integers (money is in cents). Null where the window reaches before ``start``.
    """
    running = expr.fill_null(0).cum_sum()
    upper = running.shift(last_back) if last_back else running
    lower = running.shift(first_back + 1)
    total = upper - lower.fill_null(0)
    # the running sum before the window's first quarter is the previous customer's last row only when
    # that quarter is the grid's first: then nothing of this customer comes before it
    return pl.when(pl.col(QI) - first_back >= start).then(total)


def window_extreme(expr: pl.Expr, quarters: int, *, start: int, how: str) -> pl.Expr:
    """``min`` or ``max`` of ``expr`` over the last ``quarters`` quarters (this one included), nulls ignored."""
    parts = [lag(expr, k, start=start) for k in range(quarters)]
    return pl.min_horizontal(parts) if how == "min" else pl.max_horizontal(parts)


def latest_where(value: pl.Expr, when: pl.Expr, *, within: int, start: int) -> pl.Expr:
    """``value`` of the customer's latest quarter (this one or earlier, at most ``within - 1`` back) where ``when``."""
    out = pl.lit(None, dtype=pl.Float64)
    for k in reversed(range(within)):  # the most recent quarter wins: it is applied last
        out = pl.when(lag(when, k, start=start).fill_null(False)).then(lag(value, k, start=start)).otherwise(out)
    return out
