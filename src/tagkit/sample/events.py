"""One quarter of events (order lines, visits, feedback, competitor signals) drawn from the plan.

Each function takes the plan of one block of customers (:meth:`Plan.block`,
the whole population when it fits in one) and a quarter index (a visible
quarter, or the outcome quarter after them for the truth), and draws from
its own random stream ``default_rng([seed, stream, quarter, block])`` (block 0
keeps the original key ``[seed, stream, quarter]``, so a population of one block
is what the generator always made). Quarters and blocks are independent: a
scale-up generates and writes one quarter and a batch of blocks at a time, and
the data does not depend on how many blocks a batch holds. An order's place in
its customer's rhythm is jittered by a hash of (customer, order number) rather
than a stream draw, so no order is lost or doubled at a quarter boundary however
the work is cut; ``keep`` thins that rhythm evenly from a phase hashed the same
way. Everything is arrays: rows are made with ``np.repeat`` over
per-customer counts, never a Python loop.
"""
from __future__ import annotations

import numpy as np
import polars as pl

from tagkit.contract import OUTCOMES, SIGNALS, TOPICS, VISIT_TYPES
from tagkit.sample import reference as ref
from tagkit.sample.archetypes import PROFILES, cumulative, draw_categorical, profile_code, table
from tagkit.sample.population import SPECULATOR_ACTIVE, SPECULATOR_ACTIVE_LATEST, Plan
from tagkit.sample.timeline import Calendar

STREAMS = {"orders": 1, "visits": 2, "feedback": 3, "signals": 4}
PUSH_DAYS = 14  # the quarter-end push happens in the last two weeks
RAID_DAYS = 7  # speculators buy in the last week
RETURN_SHARE = 0.015
JITTER = 0.6  # an order's date moves up to ±30 % of the customer's interval around its rhythm
_MIX = (0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB)
_PHASE = 1 << 62  # the "order number" whose hash is a customer's thinning phase (no real order has it)

_VISIT_TYPES = cumulative(PROFILES, "visit_types")
_OUTCOMES = cumulative(PROFILES, "outcomes")
_TOPICS = cumulative(PROFILES, "topics")
_SIGNALS = cumulative(PROFILES, "signals")


def _stream(seed: int, name: str, t: int, block: int) -> np.random.Generator:
    return np.random.default_rng([seed, STREAMS[name], t] + ([block] if block else []))


def _unit(seed: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A uniform number in [0, 1) fixed by ``(seed, a, b)`` (splitmix64 over the three): the same for an
    element whichever chunk it is generated in, unlike a draw from a stream."""
    x = np.full(len(a), seed % 2**64, dtype=np.uint64) * np.uint64(_MIX[0])
    x ^= a.astype(np.uint64) * np.uint64(_MIX[1])
    x ^= b.astype(np.uint64) * np.uint64(_MIX[2])
    for shift, mult in ((30, _MIX[1]), (27, _MIX[2])):
        x ^= x >> np.uint64(shift)
        x *= np.uint64(mult)
    x ^= x >> np.uint64(31)
    return (x >> np.uint64(11)).astype(np.float64) / 2.0**53


def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row owner and 0-based position within its owner for ``counts[i]`` rows of each owner ``i``."""
    owner = np.repeat(np.arange(len(counts)), counts)
    offsets = np.cumsum(counts) - counts
    return owner, np.arange(len(owner)) - offsets[owner]


def _pick(values: np.ndarray | tuple[str, ...], index: np.ndarray) -> pl.Series:
    """``values[index]`` as a polars string column, gathered by polars: converting a long numpy string array
    is the slow part of making a frame, so only ``values`` (a block's ids, a short list) is converted."""
    return pl.Series(values, dtype=pl.String).gather(index)


def _dates(days: np.ndarray) -> pl.Series:
    return pl.Series(days.astype(np.int32)).cast(pl.Date)


def _window(plan: Plan, cal: Calendar, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per customer: first and last day of its events in quarter ``t``, and that span's share of the quarter."""
    lo = np.maximum(cal.starts[t], plan.event_from)
    hi = np.full(len(lo), cal.ends[t])
    span = np.maximum(0, hi - lo + 1)
    return lo, hi, span / (cal.ends[t] - cal.starts[t] + 1)


def orders_for_quarter(
    plan: Plan, cal: Calendar, t: int, seed: int, *, block: int = 0, first_order: int = 0
) -> tuple[pl.DataFrame, int]:
    """The order lines of quarter ``t`` in contract form, sorted by date and order id, and the number of orders.

    Orders are numbered from ``first_order + 1`` (the orders of the quarter's earlier blocks come first).
    """
    rng = _stream(seed, "orders", t, block)
    qs, qe, n = int(cal.starts[t]), int(cal.ends[t]), len(plan.archetype)
    regular = ~plan.speculator

    # the customer's own rhythm: order k falls at anchor + k * interval, moved by a jitter fixed per
    # (customer, k), so each order lands in exactly one quarter whichever quarters are generated
    k_lo = np.maximum(0, np.floor((qs - plan.anchor) / plan.interval) - 1).astype(np.int64)
    k_hi = np.floor((qe - plan.anchor) / plan.interval + 1).astype(np.int64)
    owner, pos = _expand(np.where(regular, np.maximum(0, k_hi - k_lo + 1), 0))
    k = k_lo[owner] + pos
    jitter = (_unit(seed, owner + plan.offset, k) - 0.5) * JITTER * plan.interval[owner]
    rhythm_days = np.round(plan.anchor[owner] + k * plan.interval[owner] + jitter).astype(np.int64)
    inside = (rhythm_days >= qs) & (rhythm_days <= qe)
    if cal.quarter_of_year[t] == 1:
        into = rhythm_days - qs - ref.CNY_BREAK_START
        inside &= (into < 0) | (into >= plan.break_days[owner])
    owner, rhythm_days, k = owner[inside], rhythm_days[inside], k[inside]
    # the quarter-end push: reps short of target pull orders into the last two weeks, region by region
    push_owner, _ = _expand(np.where(regular, rng.poisson(plan.push), 0))
    push_days = qe - rng.integers(0, PUSH_DAYS, len(push_owner))
    # speculators: a raid in the last week of some quarters, at a deep discount
    active = rng.random(n) < (SPECULATOR_ACTIVE_LATEST if t >= cal.last else SPECULATOR_ACTIVE)
    raids = np.where(plan.speculator & active, 1 + rng.poisson(plan.raid_extra, n), 0)
    raid_owner, _ = _expand(raids)
    raid_days = qe - rng.integers(0, RAID_DAYS, len(raid_owner))

    cust = np.concatenate([owner, push_owner, raid_owner])
    day = np.concatenate([rhythm_days, push_days, raid_days])
    kind = np.concatenate([np.zeros(len(owner)), np.ones(len(push_owner)), np.full(len(raid_owner), 2)]).astype(np.int8)
    kept = rng.random(len(cust)) < plan.keep[t, cust]
    # `keep` thins the rhythm evenly: order k survives when k * keep passes a whole number (from a phase fixed
    # per customer), so fewer orders mean stretching gaps, not random holes, and a quarter keeps close to that
    # share of its orders whatever the luck; the push and the raids are thinned at random
    p = plan.keep[t, owner]
    phase = _unit(seed, np.arange(n) + plan.offset, np.full(n, _PHASE))[owner]
    kept[: len(owner)] = np.floor((k + 1) * p + phase) > np.floor(k * p + phase)
    ok = kept & (day >= plan.order_from[cust]) & (day <= plan.order_until[cust])
    cust, day, kind = cust[ok], day[ok], kind[ok]
    order = np.lexsort((np.arange(len(cust)), cust, day))
    cust, day, kind = cust[order], day[order], kind[order]

    # an order has a value; its lines split it (so the line count does not drive the quarter's sales)
    quarter_noise = np.exp(0.1 * rng.standard_normal(n))
    value = (
        plan.order_value[cust] * plan.size[t, cust] * quarter_noise[cust]
        * np.exp(0.35 * rng.standard_normal(len(cust)) - 0.06) * np.where(kind == 1, 1.2, 1.0)
    )
    n_lines = np.minimum(plan.max_lines, 1 + rng.poisson(plan.extra_lines[cust]))
    o, _ = _expand(n_lines)
    c = cust[o]
    # a narrower basket keeps the customer's favourite lines (line_order is most preferred first)
    basket = table(PROFILES, "basket")[plan.profile[t, c]]
    held = np.maximum(1, np.round(plan.lines_held[c] * basket)).astype(np.int64)
    line = plan.line_order[c, (rng.random(len(o)) * held).astype(np.int64)]
    weight = rng.gamma(2.0, 1.0, len(o))
    gross = value[o] * weight / np.bincount(o, weights=weight)[o]
    discount = np.clip(rng.beta(2, 30, len(o)) + 0.05 * (kind[o] == 1) + 0.04 * plan.big_buyer[c], 0, 0.25)
    discount = np.where(kind[o] == 2, rng.uniform(0.3, 0.5, len(o)), discount).round(3)
    price = np.array(ref.UNIT_PRICE)[line]
    quantity = np.maximum(1, np.round(gross / (price * (1 - discount))))
    returned = (rng.random(len(o)) < RETURN_SHARE) & (kind[o] != 2)
    quantity = np.where(returned, -np.maximum(1, np.round(quantity * rng.uniform(0.1, 0.6, len(o)))), quantity)
    discount = np.where(returned, 0.0, discount)
    amount = np.round(quantity * price * (1 - discount), 2)

    frame = pl.DataFrame(
        {
            "order_id": (o + first_order + 1).astype(np.int64),
            "customer_id": _pick(plan.customer_ids, c),
            "order_date": _dates(day[o]),
            "amount": amount,
            "product_line": _pick(ref.PRODUCT_LINES, line),
            "quantity": quantity.astype(np.float64),
            "discount": discount,
        },
        schema_overrides={"customer_id": pl.String, "product_line": pl.String},
    ).with_columns(
        pl.format("SO-{}-{}", pl.lit(cal.quarters[t]), pl.col("order_id").cast(pl.String).str.zfill(7))
        .alias("order_id")
    )
    return frame, len(cust)


def _spread(rng: np.random.Generator, owner: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return lo[owner] + (rng.random(len(owner)) * (hi[owner] - lo[owner] + 1)).astype(np.int64)


def _sorted(frame: dict[str, object], day: np.ndarray, cust: np.ndarray) -> pl.DataFrame:
    order = np.lexsort((np.arange(len(day)), cust, day))
    return pl.DataFrame(frame)[order]


def visits_for_quarter(plan: Plan, cal: Calendar, t: int, seed: int, *, block: int = 0) -> pl.DataFrame:
    """Visits of quarter ``t``: how often and how well depends on the customer's profile that quarter."""
    rng = _stream(seed, "visits", t, block)
    lo, hi, frac = _window(plan, cal, t)
    prof = plan.profile[t]
    owner, _ = _expand(rng.poisson(table(PROFILES, "visit_rate")[prof] * frac))
    day = _spread(rng, owner, lo, hi)
    p = prof[owner]
    vtype = draw_categorical(rng, _VISIT_TYPES, p)
    outcome = draw_categorical(rng, _OUTCOMES, p)
    routine_rep = np.where(p == profile_code("nail_internal_former_rep"), plan.former_rep[owner], plan.rep[owner])
    who = np.choose(np.minimum(vtype, 2), [routine_rep, plan.supervisor[owner], plan.manager[owner]])
    reps, who = np.unique(who, return_inverse=True)  # a block meets a few of many thousand reps
    return _sorted(
        {
            "customer_id": _pick(plan.customer_ids, owner),
            "rep_id": _pick(plan.rep_ids[reps], who),
            "visit_date": _dates(day),
            "visit_type": _pick(VISIT_TYPES, vtype),
            "outcome": _pick(OUTCOMES, outcome),
        },
        day,
        owner,
    )


def _bounded(counts: np.ndarray, prof: np.ndarray, frac: np.ndarray, what: str) -> np.ndarray:
    """Poisson ``counts`` of complaints or signals held to the profile's ``min_<what>``..``max_<what>``
    (the minimum plants a story that is never silent), none outside the customer's window."""
    lo = table(PROFILES, f"min_{what}")[prof].astype(np.int64)
    hi = table(PROFILES, f"max_{what}")[prof].astype(np.int64)
    return np.where(frac > 0, np.clip(counts, lo, hi), 0)


def _score(rng: np.random.Generator, latent: np.ndarray) -> np.ndarray:
    return np.clip(np.round(latent + 0.5 * rng.standard_normal(len(latent))), 1, 5).astype(np.int64)


def feedback_for_quarter(plan: Plan, cal: Calendar, t: int, seed: int, *, block: int = 0) -> pl.DataFrame:
    """Surveys (satisfaction, cooperation) and complaints (topic) of quarter ``t``."""
    rng = _stream(seed, "feedback", t, block)
    lo, hi, frac = _window(plan, cal, t)
    prof = plan.profile[t]
    surveyed = rng.random(len(prof)) < table(PROFILES, "survey_prob")[prof] * frac
    s_owner = np.flatnonzero(surveyed)
    shift = table(PROFILES, "survey_shift")[prof[s_owner]]
    satisfaction = _score(rng, plan.satisfaction[s_owner] + shift)
    cooperation = _score(rng, plan.cooperation[s_owner] + 0.8 * shift).astype(np.float64)
    cooperation[rng.random(len(s_owner)) < 0.04] = np.nan  # the odd unanswered question
    counts = rng.poisson(table(PROFILES, "complaint_rate")[prof] * frac)
    counts = _bounded(counts, prof, frac, "complaints")
    c_owner, _ = _expand(counts)
    topic = draw_categorical(rng, _TOPICS, prof[c_owner])

    owner = np.concatenate([s_owner, c_owner])
    day = _spread(rng, owner, lo, hi)
    n_s, n_c = len(s_owner), len(c_owner)
    frame = pl.DataFrame(
        {
            "customer_id": _pick(plan.customer_ids, owner),
            "feedback_date": _dates(day),
            "satisfaction": pl.Series(np.concatenate([satisfaction, np.zeros(n_c, dtype=np.int64)])),
            "cooperation": pl.Series(np.concatenate([cooperation, np.full(n_c, np.nan)]), nan_to_null=True),
            "complaint": np.concatenate([np.zeros(n_s, dtype=bool), np.ones(n_c, dtype=bool)]),
            "complaint_topic": _pick(TOPICS, np.concatenate([np.zeros(n_s, dtype=np.int64), topic])),
        }
    ).with_columns(
        pl.when(pl.col("complaint")).then(None).otherwise(pl.col("satisfaction")).alias("satisfaction"),
        pl.col("cooperation").cast(pl.Int64),
        pl.when(pl.col("complaint")).then(pl.col("complaint_topic")).otherwise(None).alias("complaint_topic"),
    )
    order = np.lexsort((np.arange(len(day)), owner, day))
    return frame[order]


def signals_for_quarter(plan: Plan, cal: Calendar, t: int, seed: int, *, block: int = 0) -> pl.DataFrame:
    """Competitor signals of quarter ``t``, mostly from the one competitor courting each customer."""
    rng = _stream(seed, "signals", t, block)
    lo, hi, frac = _window(plan, cal, t)
    prof = plan.profile[t]
    owner, _ = _expand(_bounded(rng.poisson(table(PROFILES, "signal_rate")[prof] * frac), prof, frac, "signals"))
    day = _spread(rng, owner, lo, hi)
    usual = rng.random(len(owner)) < 0.8
    competitor = np.where(usual, plan.competitor[owner], rng.integers(0, len(ref.COMPETITORS), len(owner)))
    signal = draw_categorical(rng, _SIGNALS, prof[owner])
    return _sorted(
        {
            "customer_id": _pick(plan.customer_ids, owner),
            "signal_date": _dates(day),
            "competitor": _pick(ref.COMPETITORS, competitor),
            "signal": _pick(SIGNALS, signal),
        },
        day,
        owner,
    )
