"""Who is in the sample: the sales organisation and the customers with their planted story.

:func:`plan_population` draws everything that is fixed per customer (who it is,
its archetype, its buying rhythm, when its story turns) in one vectorised pass,
over the visible quarters and the outcome quarter after them (see
:mod:`tagkit.sample.timeline`).
The per-quarter events in :mod:`tagkit.sample.events` only read this plan, so a
quarter, and within it a block of customers (:meth:`Plan.block`), can be
generated on its own (see the chunking note there).
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
import polars as pl

from tagkit.contract import CHANNELS, SCOPES
from tagkit.sample import reference as ref
from tagkit.sample.archetypes import (
    ARCHETYPES,
    NAIL_CAUSES,
    archetype_code,
    archetype_counts,
    cumulative,
    draw_categorical,
    profile_code,
    table,
)
from tagkit.sample.organisation import build_reps
from tagkit.sample.regions import Geography, geography
from tagkit.sample.timeline import Calendar

# Speculators: chance of a quarter-end raid, raised from the latest quarter on (the outcome quarter too) so
# that a skipped quarter is rare evidence, not the rule; orders per raid = 1 + Poisson(0.5).
SPECULATOR_ACTIVE = 0.7
SPECULATOR_ACTIVE_LATEST = 0.9
SPECULATOR_EXTRA_ORDERS = 0.5
MAX_LINES = 6  # order lines per order at the planted density
# Customers are generated in blocks of this many, each drawing from its own random streams, so
# the data does not depend on how many customers are held in memory at once (see events).
BLOCK = 5_000
MIN_CUSTOMERS_PER_REGION = 10  # province-based regions: every region gets customers and reps
# Knobs of the planted stories (the truth README quotes them).
SLIP_DEPTH = (0.55, 0.85)  # the slip quarter: share of its normal sales still bought ...
SLIP_FEWER = (0.4, 0.7)  # ... the drop (in log terms) this much fewer orders, the rest smaller ones
DECLINE_KEEP = (0.35, 0.6)  # at-risk from its collapse on: share of its scheduled orders still placed
DECLINE_SIZE = (0.5, 0.8)  # ... and their size
LAPSE_DAYS = (30, 80)  # at-risk: no order in this many last days of its collapse (or last visible) quarter
RECOVERED_DIP = (0.4, 0.6)  # recovered: share of its normal sales bought in its two dip quarters ...
RECOVERED_BACK = 5  # ... which are this many and one fewer quarters before the last visible one
ISOLATED_COMPLAINT = 0.5  # isolated_signal: share whose one signal is a complaint (the rest: a competitor visit)
DIP_KEEP, DIP_SIZE = 0.9, 0.8  # the dip region's latest quarter: orders kept and their size
TROUGH_KEEP, TROUGH_SIZE = 0.9, 0.42  # seasonal_dip in its own low quarter


@dataclass(frozen=True)
class Plan:
    """Per-customer latent parameters (arrays of length n) and per-quarter matrices (shape quarters × n,
    the outcome quarter included)."""

    customer_ids: np.ndarray
    archetype: np.ndarray
    nail_cause: np.ndarray  # index into NAIL_CAUSES, -1 for non-nails
    region: np.ndarray
    rep_ids: np.ndarray  # rep_id of every row of the reps table
    rep: np.ndarray  # index into the reps table
    supervisor: np.ndarray
    manager: np.ndarray
    former_rep: np.ndarray  # internal nails: the rep who offended them, else -1
    competitor: np.ndarray  # index into COMPETITORS: the one courting this customer
    potential: np.ndarray
    share_of_wallet: np.ndarray
    interval: np.ndarray  # days between regular orders
    anchor: np.ndarray  # epoch day of the rhythm's order number 0
    extra_lines: np.ndarray
    lines_held: np.ndarray
    line_order: np.ndarray  # n × lines: the customer's product lines, most preferred first
    order_value: np.ndarray  # mean gross value of one order before quarter effects
    push: np.ndarray
    satisfaction: np.ndarray
    cooperation: np.ndarray
    since: np.ndarray
    order_from: np.ndarray
    order_until: np.ndarray
    event_from: np.ndarray
    speculator: np.ndarray  # bool
    big_buyer: np.ndarray  # bool
    onset: np.ndarray  # at-risk: quarter index of the collapse (may be the outcome quarter), else -1
    slip: np.ndarray  # at-risk and dormant: quarter index of the slip before the collapse, else -1
    stop_quarter: np.ndarray  # dormant: quarter index of the last order (its collapse), else -1
    handover: np.ndarray  # internal nails: quarter index the current rep took over, else -1
    story_quarter: np.ndarray  # quarter index where the planted behaviour starts (-1: none)
    profile: np.ndarray  # quarters × n event-profile codes
    break_days: np.ndarray  # length of the Spring Festival break in the customer's region
    keep: np.ndarray  # quarters × n chance that a scheduled order happens
    size: np.ndarray  # quarters × n multiplier of line value
    dip_region: int
    in_dip_region: np.ndarray
    region_names: tuple[str, ...] = ref.REGIONS
    max_lines: int = MAX_LINES  # cap of order lines per order
    raid_extra: float = SPECULATOR_EXTRA_ORDERS  # speculators: orders per raid = 1 + Poisson(raid_extra)
    offset: int = 0  # index of the first customer in the whole population (a block starts later)

    def __len__(self) -> int:
        return len(self.archetype)

    def block(self, lo: int, hi: int) -> Plan:
        """The plan of customers ``lo`` to ``hi - 1`` alone (indices into the reps stay global)."""
        cut: dict[str, Any] = {}  # fields of several types
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in _PER_QUARTER:
                cut[f.name] = value[:, lo:hi]
            elif isinstance(value, np.ndarray) and f.name not in _SHARED:
                cut[f.name] = value[lo:hi]
        return replace(self, **cut, offset=self.offset + lo)


_PER_QUARTER = frozenset({"profile", "keep", "size"})
_SHARED = frozenset({"rep_ids"})


def blocks(customers: int) -> list[tuple[int, int]]:
    """``(lo, hi)`` of every block of :data:`BLOCK` customers; the last one may be smaller."""
    return [(lo, min(lo + BLOCK, customers)) for lo in range(0, customers, BLOCK)]


def _lognormal(rng: np.random.Generator, median: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    return median * np.exp(sigma * rng.standard_normal(len(median)))


def _place(rng: np.random.Generator, region: np.ndarray, geo: Geography) -> np.ndarray:
    """A city (index into CITIES) for each customer, weighted within its region."""
    city = np.empty(len(region), dtype=np.int64)
    for r in range(len(geo)):
        members = np.flatnonzero(region == r)
        options = np.flatnonzero(geo.city_region == r)
        weights = np.array([ref.CITIES[i].weight for i in options])
        city[members] = rng.choice(options, len(members), p=weights / weights.sum())
    return city


def _names(rng: np.random.Generator, city: np.ndarray, channel: np.ndarray) -> pl.Series:
    """Company names like 沈阳恒达商贸有限公司; a rare exact repeat gets a branch number."""
    n = len(city)
    first = rng.integers(0, len(ref.TRADE_CHARS), n)
    second = (first + rng.integers(1, len(ref.TRADE_CHARS), n)) % len(ref.TRADE_CHARS)
    kind = rng.integers(0, len(ref.BUSINESS_TYPES), n)
    suffix = draw_categorical(rng, np.cumsum(np.array(ref.SUFFIX_BY_CHANNEL), axis=1), channel)
    parts = pl.DataFrame(
        {
            "city": np.array([c.short for c in ref.CITIES])[city],
            "a": np.array(ref.TRADE_CHARS)[first],
            "b": np.array(ref.TRADE_CHARS)[second],
            "kind": np.array(ref.BUSINESS_TYPES)[kind],
            "suffix": np.array(ref.SUFFIXES)[suffix],
        }
    )
    name = parts.select(pl.concat_str("city", "a", "b", "kind", "suffix").alias("n"))
    name = name.with_columns(k=pl.int_range(pl.len()).over("n"))
    return name.select(
        pl.when(pl.col("k") == 0).then(pl.col("n")).otherwise(pl.format("{}（{}）", "n", pl.col("k") + 1))
    ).to_series()


def _quota(weights: np.ndarray, n: int) -> np.ndarray:
    """``n`` split by ``weights`` (largest remainders), every share at least one."""
    exact = weights / weights.sum() * n
    counts = np.floor(exact).astype(np.int64)
    counts[np.argsort(-(exact - counts), kind="stable")[: n - counts.sum()]] += 1
    while (counts == 0).any():
        counts[np.argmax(counts)] -= 1
        counts[np.flatnonzero(counts == 0)[0]] += 1
    return counts


def plan_population(
    seed: int, customers: int, cal: Calendar, geo: Geography | None = None
) -> tuple[Plan, pl.DataFrame, pl.DataFrame]:
    """Draw the organisation and every customer's profile and planted story.

    ``geo`` is the set of sales regions (default: the seven big regions). Returns the
    plan (for the event generators and the truth file), the customers table and the
    reps table, both in contract form.
    """
    geo = geo or geography()
    rng = np.random.default_rng([seed, 0])
    n, q = customers, cal.visible
    last, outcome = cal.last, cal.outcome
    a = rng.permutation(np.repeat(np.arange(len(ARCHETYPES)), archetype_counts(n)))
    arche = {x.name: a == archetype_code(x.name) for x in ARCHETYPES}
    if geo.default:
        region = rng.choice(len(geo), n, p=geo.weights / geo.weights.sum())
    else:
        # many small regions: a fixed quota each, so none is left without customers by chance
        region = rng.permutation(np.repeat(np.arange(len(geo)), _quota(geo.weights, n)))
    org = build_reps(rng, np.bincount(region, minlength=len(geo)), geo.names)
    start_r, count_r = org.rep_start[region], org.rep_count[region]
    rep_pos = (rng.random(n) * count_r).astype(np.int64)
    rep = start_r + rep_pos
    supervisor = org.manager_row[rep]
    manager = org.manager_row[supervisor]

    nail_cause = np.full(n, -1)
    nails = np.flatnonzero(arche["nail"])
    nail_cause[nails] = rng.permutation(np.arange(len(nails)) % len(NAIL_CAUSES))
    internal = nail_cause == NAIL_CAUSES.index("internal")
    # the offending former rep is another rep of the same region (every region has at least two)
    other = (rep_pos + 1 + rng.integers(0, 1 << 30, n) % (count_r - 1)) % count_r
    former_rep = np.where(internal, start_r + other, -1)

    channel = draw_categorical(rng, cumulative(ARCHETYPES, "channel"), a)
    scope = draw_categorical(rng, cumulative(ARCHETYPES, "scope"), a)
    out = table(ARCHETYPES, "outlets")[a]
    outlets = np.minimum(out[:, 2], np.round(_lognormal(rng, out[:, 0], out[:, 1]))).astype(np.int64)
    refs = table(ARCHETYPES, "referrals")[a]
    referrals = rng.poisson(refs[:, 0]) + refs[:, 1].astype(np.int64)
    pot = table(ARCHETYPES, "potential")[a]
    potential = np.round(np.maximum(pot[:, 2], _lognormal(rng, pot[:, 0], pot[:, 1])), -3)
    sow_range = table(ARCHETYPES, "share_of_wallet")[a]
    sow = sow_range[:, 0] + (sow_range[:, 1] - sow_range[:, 0]) * rng.beta(3, 3, n)
    iv = table(ARCHETYPES, "interval")[a]
    interval = np.clip(_lognormal(rng, iv[:, 0], iv[:, 1]), iv[:, 2], iv[:, 3])
    held = table(ARCHETYPES, "lines_held")[a].astype(np.int64)
    lines_held = rng.integers(held[:, 0], held[:, 1] + 1)
    gumbel = -np.log(-np.log(rng.random((n, len(ref.PRODUCT_LINES)))))
    line_order = np.argsort(-(np.log(np.array(ref.LINE_POPULARITY)) + gumbel), axis=1, kind="stable")
    sat = table(ARCHETYPES, "satisfaction")[a]
    coop = table(ARCHETYPES, "cooperation")[a]
    satisfaction = sat[:, 0] + sat[:, 1] * rng.standard_normal(n)
    cooperation = coop[:, 0] + coop[:, 1] * rng.standard_normal(n)
    gr = table(ARCHETYPES, "growth")[a]
    growth = gr[:, 0] + gr[:, 1] * rng.standard_normal(n)
    extra_lines = table(ARCHETYPES, "extra_lines")[a]
    push = table(ARCHETYPES, "push")[a]
    speculator = arche["speculator"]

    # When things happen. Everyone but new customers has bought from us for over a year.
    start, as_of = int(cal.starts[0]), cal.as_of
    new = arche["new_customer"]
    since = start - rng.integers(400, 4000, n)
    since = np.where(arche["nail"], start - rng.integers(550, 4000, n), since)
    since = np.where(new, rng.integers(int(cal.starts[q - 2]) + 10, as_of - 20, n), since)
    anchor = np.where(new, since + rng.integers(0, 10, n), start - rng.random(n) * interval)
    order_from = np.where(new, since, start).astype(np.int64)
    event_from = np.where(new, since, start).astype(np.int64)

    # At-risk customers slip for a quarter (still buying, with the warning signs), then collapse. Declining
    # ones (at_risk, half the benchmarks at risk) collapse in the last or second-to-last visible quarter, so
    # a run sees the drop; the early ones (slipping, the other half) slip in the last visible quarter and
    # collapse in the outcome quarter, so a run sees only the warning signs. Dormant customers went the
    # same way before they stopped, which gives a model whole episodes to learn from.
    early = arche["slipping"].copy()
    bench_at_risk = np.flatnonzero(arche["benchmark_at_risk"])
    early[bench_at_risk] = rng.permutation(np.arange(len(bench_at_risk)) % 2 == 0)
    at_risk = arche["at_risk"] | arche["benchmark_at_risk"] | arche["slipping"]
    onset = np.where(at_risk, np.where(early, outcome, last - rng.integers(0, 2, n)), -1)
    lapse = rng.integers(LAPSE_DAYS[0], LAPSE_DAYS[1] + 1, n)
    dormant = arche["dormant"]
    stop_quarter = np.where(dormant, rng.integers(1, q - 3, n), -1)
    slip = np.where(at_risk, onset - 1, np.where(dormant, stop_quarter - 1, -1))
    stop_day = cal.starts[np.maximum(stop_quarter, 0)] + rng.random(n) * 88
    # the last order comes a few intervals before the end of the collapse quarter (of the last visible
    # quarter when the collapse came earlier); everyone else buys on into the outcome quarter
    order_until = np.where(at_risk, cal.ends[np.maximum(onset, last)] - lapse, cal.ends[outcome])
    order_until = np.where(dormant, stop_day, order_until).astype(np.int64)
    handover = np.where(internal, rng.integers(2, q // 2 + 1, n), -1)
    complaint_from = np.where(arche["rep_complaint"], q - 2 - rng.integers(0, 2, n), -1)

    # Per-quarter matrices: which behaviour profile, how many scheduled orders survive, how big they are.
    t = np.arange(q + 1)[:, None]
    base_profile = np.array([profile_code(x.profile) for x in ARCHETYPES])[a]
    for cause in NAIL_CAUSES:
        base_profile = np.where(nail_cause == NAIL_CAUSES.index(cause), profile_code(f"nail_{cause}"), base_profile)
    profile = np.broadcast_to(base_profile, (q + 1, n)).copy()
    slipping = t == slip
    declining = (at_risk & (t >= onset)) | (dormant & (t == stop_quarter))
    recovered = arche["recovered"]
    dip_quarters = recovered & (t >= last - RECOVERED_BACK) & (t <= last - RECOVERED_BACK + 1)
    lone = np.where(rng.random(n) < ISOLATED_COMPLAINT, profile_code("lone_complaint"), profile_code("lone_visit"))
    profile = np.where(slipping, profile_code("slip"), profile)
    profile = np.where(declining, profile_code("decline"), profile)
    profile = np.where(dormant & (t > stop_quarter), profile_code("lapsed"), profile)
    profile = np.where(dip_quarters, profile_code("dip"), profile)
    profile = np.where(recovered & (t > last - RECOVERED_BACK + 1), profile_code("settled"), profile)
    profile = np.where(arche["isolated_signal"] & (t == last), lone, profile)
    profile = np.where(arche["rep_complaint"] & (t >= complaint_from), profile_code("rep_issue"), profile)
    profile = np.where(internal & (t < handover), profile_code("nail_internal_former_rep"), profile)

    qoy = cal.quarter_of_year[:, None]
    break_days = geo.break_days[region]
    q1 = geo.q1_factor[region] / (1 - break_days / 90)
    by_quarter = np.array([1.0] + [ref.QUARTER_FACTOR.get(i, 1.0) for i in (1, 2, 3, 4)])
    size = np.where(qoy == 1, q1, by_quarter[qoy])
    keep = np.ones((q + 1, n))
    dip_region = int(rng.integers(0, len(geo)))
    in_dip = region == dip_region
    latest = (t >= last) & in_dip  # the dip goes on into the outcome quarter
    keep, size = np.where(latest, keep * DIP_KEEP, keep), np.where(latest, size * DIP_SIZE, size)
    trough = arche["seasonal_dip"] & (qoy == cal.quarter_of_year[last])
    keep, size = np.where(trough, keep * TROUGH_KEEP, keep), np.where(trough, size * TROUGH_SIZE, size)
    # a slip (and a recovered customer's dip) is part fewer orders (gaps stretching), part smaller ones
    fewer = rng.uniform(*SLIP_FEWER, n)
    for when, depth in ((slipping, SLIP_DEPTH), (dip_quarters, RECOVERED_DIP)):
        share = rng.uniform(*depth, n)
        keep, size = np.where(when, keep * share**fewer, keep), np.where(when, size * share ** (1 - fewer), size)
    keep = np.where(declining, keep * rng.uniform(*DECLINE_KEEP, n), keep)
    size = np.where(declining, size * rng.uniform(*DECLINE_SIZE, n), size)
    size = size * (1.0 + growth) ** ((t - last) / 4.0)

    orders_per_quarter = np.where(speculator, SPECULATOR_ACTIVE * (1 + SPECULATOR_EXTRA_ORDERS), 91.3 / interval + push)
    order_value = potential * sow / 4.0 / orders_per_quarter

    story = np.full(n, -1)
    standing = (
        "benchmark", "nail", "seasonal_dip", "speculator", "big_buyer_no_influence", "influential_dissatisfied",
        "long_rhythm",
    )
    for name in standing:
        story = np.where(arche[name], 0, story)
    story = np.where(at_risk, slip, story)
    story = np.where(dormant, stop_quarter + 1, story)
    story = np.where(recovered, last - RECOVERED_BACK, story)
    story = np.where(arche["isolated_signal"], last, story)
    story = np.where(arche["rep_complaint"], complaint_from, story)
    story = np.where(new, np.searchsorted(cal.ends, since), story)

    width = max(5, len(str(n)))
    customer_ids = (
        pl.select(pl.format("C{}", pl.int_range(1, n + 1).cast(pl.String).str.zfill(width))).to_series().to_numpy()
    )
    city = _place(rng, region, geo)
    cities = ref.CITIES
    lat = np.array([c.lat for c in cities])[city] + 0.08 * rng.standard_normal(n)
    lon = np.array([c.lon for c in cities])[city] + 0.10 * rng.standard_normal(n)
    customers_df = pl.DataFrame(
        {
            "customer_id": customer_ids,
            "customer_name": _names(rng, city, channel),
            "region": np.array(geo.names)[region],
            "rep_id": org.reps["rep_id"].to_numpy()[rep],
            "province": np.array([c.province for c in cities])[city],
            "city": np.array([c.city for c in cities])[city],
            "channel": np.array(CHANNELS)[channel],
            "lat": np.round(lat, 5),
            "lon": np.round(lon, 5),
            "potential_annual_value": potential,
            "downstream_outlets": outlets,
            "influence_scope": np.array(SCOPES)[scope],
            "referrals": referrals.astype(np.int64),
            "since": pl.Series(since.astype(np.int32)).cast(pl.Date),
        }
    )
    plan = Plan(
        customer_ids=customer_ids, archetype=a, nail_cause=nail_cause, region=region,
        rep_ids=org.reps["rep_id"].to_numpy(), rep=rep,
        supervisor=supervisor, manager=manager, former_rep=former_rep,
        competitor=rng.integers(0, len(ref.COMPETITORS), n), potential=potential, share_of_wallet=sow,
        interval=interval, anchor=anchor, extra_lines=extra_lines, lines_held=lines_held, line_order=line_order,
        order_value=order_value, push=push, satisfaction=satisfaction, cooperation=cooperation, since=since,
        order_from=order_from, order_until=order_until, event_from=event_from, speculator=speculator,
        big_buyer=arche["big_buyer_no_influence"], onset=onset, slip=slip, stop_quarter=stop_quarter, handover=handover,
        story_quarter=story,
        profile=profile, break_days=break_days, keep=keep, size=size, dip_region=dip_region, in_dip_region=in_dip,
        region_names=geo.names,
    )
    return plan, customers_df, org.reps
