"""Order density: how many order lines a plan makes, and rescaling it to a requested total.

The planted sample has ~110 order lines per customer over eight quarters. A
benchmark that needs 100 per customer, or 50, or 300, gets them by changing
*how many lines an order has* first and *how often customers order* only
beyond that, because the tags read order rhythm (a lapse is measured in the
customer's own intervals, dormancy in days) and not lines per order:

- thinner data (``z`` in [0, 1]): the extra lines per order (``1 + Poisson(x)``)
  shrink to ``x·z``, down to single-line orders at ``z = 0``;
- thinner still (``z < 0``): orders come ``e^z`` times as often (intervals
  longer, fewer quarter-end pushes), at most half as often;
- denser (``z > 1``): lines per order and order frequency both grow ``z``-fold.

Order values shrink as orders multiply, so a customer's sales, and everything
the tags read from them, stay where the archetype put them.

The expected number of lines is computed from the plan, not by generating:
every order source of :func:`tagkit.sample.events.orders_for_quarter` is a
rate over a window (the rhythm ``1 / interval`` over the days the customer can
order, the push ``Poisson(push)`` over the last 14 days, speculator raids over
the last 7), thinned by ``keep``, times the mean of ``min(cap, 1 + Poisson(x))``
lines. It comes within about 1 % of what is generated.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from tagkit.sample import events
from tagkit.sample import reference as ref
from tagkit.sample.population import MAX_LINES, SPECULATOR_ACTIVE, SPECULATOR_ACTIVE_LATEST, Plan
from tagkit.sample.timeline import Calendar

MIN_FREQUENCY = 0.5  # thinnest: orders half as often as planted (and one line each)
MAX_SCALE = 10.0  # densest: ten times the lines per order and ten times the orders


@dataclass(frozen=True)
class Density:
    """The fitted scale: factors applied to the plan and the order lines they are expected to make."""

    target: int
    expected: float  # order lines expected after scaling
    planted: float  # order lines expected at the planted density
    lines_factor: float  # multiplies the extra lines per order
    frequency_factor: float  # multiplies how often customers order
    max_lines: int


@dataclass(frozen=True)
class _Rates:
    """Expected orders per customer (summed over the quarters) that scale with frequency, and those that do not."""

    scaled: np.ndarray
    fixed: np.ndarray


def _overlap(lo: np.ndarray, hi: np.ndarray, a: np.ndarray | int, b: np.ndarray | int) -> np.ndarray:
    """Days of ``[a, b]`` inside ``[lo, hi]`` (inclusive bounds)."""
    return np.maximum(0, np.minimum(hi, b) - np.maximum(lo, a) + 1)


def _rates(plan: Plan, cal: Calendar) -> _Rates:
    regular = ~plan.speculator
    scaled = np.zeros(len(plan))
    fixed = np.zeros(len(plan))
    for t in range(cal.visible):  # the lines written; the outcome quarter is the truth's
        qs, qe = int(cal.starts[t]), int(cal.ends[t])
        lo, hi = np.maximum(qs, plan.order_from), np.minimum(qe, plan.order_until)
        start = np.maximum(lo, np.ceil(plan.anchor).astype(np.int64))
        days = _overlap(start, hi, qs, qe).astype(np.float64)
        if cal.quarter_of_year[t] == 1:
            first = qs + ref.CNY_BREAK_START
            days -= _overlap(start, hi, first, first + plan.break_days - 1)
        keep = plan.keep[t]
        rhythm = days / plan.interval
        push = plan.push * _overlap(lo, hi, qe - events.PUSH_DAYS + 1, qe) / events.PUSH_DAYS
        active = SPECULATOR_ACTIVE_LATEST if t == cal.last else SPECULATOR_ACTIVE
        raid = active * _overlap(lo, hi, qe - events.RAID_DAYS + 1, qe) / events.RAID_DAYS
        scaled += keep * np.where(regular, rhythm + push, raid * plan.raid_extra)
        fixed += keep * np.where(regular, 0.0, raid)
    return _Rates(scaled, fixed)


def _mean_lines(extra: np.ndarray, cap: int) -> np.ndarray:
    """E[min(cap, 1 + Poisson(extra))] = 1 + sum over i < cap of P(Poisson(extra) >= i)."""
    pmf = np.exp(-extra)
    cdf = pmf.copy()
    mean = np.ones_like(extra)
    for i in range(1, cap):
        mean += 1.0 - cdf  # P(X >= i)
        pmf = pmf * extra / i
        cdf += pmf
    return mean


def _factors(z: float) -> tuple[float, float]:
    """(lines factor, frequency factor) at position ``z`` of the scale (see the module docstring)."""
    if z < 0:
        return 0.0, math.exp(z)
    if z <= 1:
        return z, 1.0
    return z, z


def _cap(lines_factor: float) -> int:
    return max(MAX_LINES, round(MAX_LINES * lines_factor))


class _Model:
    """Expected order lines of the plan as a function of the scale, summed per distinct extra-lines value."""

    def __init__(self, plan: Plan, cal: Calendar) -> None:
        rates = _rates(plan, cal)
        self.extra, group = np.unique(plan.extra_lines, return_inverse=True)
        self.scaled = np.bincount(group, weights=rates.scaled, minlength=len(self.extra))
        self.fixed = np.bincount(group, weights=rates.fixed, minlength=len(self.extra))

    def lines(self, z: float) -> float:
        lf, ff = _factors(z)
        orders = ff * self.scaled + self.fixed
        return float((orders * _mean_lines(self.extra * lf, _cap(lf))).sum())


def expected_lines(plan: Plan, cal: Calendar) -> float:
    """Order lines the plan is expected to make over the visible quarters, as it stands."""
    rates = _rates(plan, cal)
    return float(((rates.scaled + rates.fixed) * _mean_lines(plan.extra_lines, plan.max_lines)).sum())


def line_range(plan: Plan, cal: Calendar) -> tuple[float, float]:
    """The fewest and the most order lines :func:`fit_density` can reach for this plan."""
    model = _Model(plan, cal)
    return model.lines(math.log(MIN_FREQUENCY)), model.lines(MAX_SCALE)


def fit_density(plan: Plan, cal: Calendar, order_lines: int) -> tuple[Plan, Density]:
    """The plan rescaled so that it is expected to make ``order_lines`` order lines.

    The caller checks ``order_lines`` against :func:`line_range` first; outside it the nearest end is used.
    """
    model = _Model(plan, cal)
    lo, hi = math.log(MIN_FREQUENCY), MAX_SCALE
    for _ in range(100):  # bisection: lines(z) is increasing
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if model.lines(mid) < order_lines else (lo, mid)
    z = (lo + hi) / 2
    lf, ff = _factors(z)
    start = cal.starts[0]
    new = plan.since >= start  # new customers start their rhythm at `since`; the rest keep their phase
    speculator_orders = 1 + plan.raid_extra
    scaled = replace(
        plan,
        interval=plan.interval / ff,
        anchor=np.where(new, plan.anchor, start - (start - plan.anchor) / ff),
        push=plan.push * ff,
        extra_lines=plan.extra_lines * lf,
        max_lines=_cap(lf),
        raid_extra=plan.raid_extra * ff,
        # as orders multiply their value shrinks, so sales (and the tags read from them) stay put
        order_value=np.where(
            plan.speculator, plan.order_value * speculator_orders / (1 + plan.raid_extra * ff), plan.order_value / ff
        ),
    )
    density = Density(
        target=order_lines, expected=model.lines(z), planted=model.lines(1.0),
        lines_factor=lf, frequency_factor=ff, max_lines=_cap(lf),
    )
    return scaled, density
