"""The planted archetypes and the behaviour profiles their events are drawn from.

An :class:`Archetype` fixes who a customer is (influence, size, share of wallet,
assortment, buying rhythm, latent survey scores). An :class:`EventProfile` fixes
how a customer behaves in one quarter (visits, surveys, complaints, competitor
signals, how wide its baskets are); a customer switches profile when its story
moves on, e.g. an at-risk customer from ``regular`` to ``slip`` (still buying,
warning signs) to ``decline`` (the collapse).

Everything is data so that the generator stays one vectorised pass: each
parameter becomes an array indexed by archetype or profile code.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

# Index order of the probability tuples below (kept in line with tagkit.contract).
# channel: CHANNELS; scope: SCOPES; visit types: VISIT_TYPES; outcomes: OUTCOMES;
# topics: TOPICS; signals: SIGNALS.


@dataclass(frozen=True)
class Archetype:
    name: str
    true_tag: str
    share: float  # of all customers; ``regular`` takes the remainder
    flags: tuple[str, ...]  # the prescription flags a perfect run would set
    profile: str  # EventProfile while nothing special happens
    channel: tuple[float, float, float, float]
    scope: tuple[float, float, float, float]
    outlets: tuple[float, float, int]  # lognormal median, sigma, cap
    referrals: tuple[float, int]  # poisson mean, offset added
    potential: tuple[float, float, float]  # lognormal median (CNY/yr), sigma, floor
    share_of_wallet: tuple[float, float]  # lo, hi (lo + (hi - lo) * Beta(3, 3))
    interval: tuple[float, float, float, float]  # days between orders: median, sigma, floor, cap
    extra_lines: float  # order lines per order = 1 + Poisson(extra_lines)
    lines_held: tuple[int, int]  # how many of our product lines it buys (inclusive range)
    satisfaction: tuple[float, float]  # latent survey mean: normal mean, sd
    cooperation: tuple[float, float]
    growth: tuple[float, float]  # annual sales growth: normal mean, sd
    push: float  # extra quarter-end orders per quarter (reps chasing the target)


_REG_CHANNEL = (0.20, 0.36, 0.38, 0.06)
_REG_SCOPE = (0.003, 0.04, 0.30, 0.657)


def _regular_like(name: str, tag: str, share: float, flags: tuple[str, ...] = (), **over: object) -> Archetype:
    base: dict[str, object] = dict(
        name=name, true_tag=tag, share=share, flags=flags, profile="regular",
        channel=_REG_CHANNEL, scope=_REG_SCOPE, outlets=(12.0, 0.9, 90), referrals=(0.6, 0),
        potential=(1.2e6, 0.7, 1.0e5), share_of_wallet=(0.18, 0.68), interval=(18.0, 0.3, 7.0, 30.0),
        extra_lines=1.2, lines_held=(2, 5), satisfaction=(3.45, 0.35), cooperation=(3.4, 0.35),
        growth=(0.03, 0.06), push=0.8,
    )
    base.update(over)
    return Archetype(**base)  # type: ignore[arg-type]


_BENCHMARK: dict[str, Any] = dict(  # fields of several types
    profile="benchmark", channel=(0.45, 0.40, 0.10, 0.05), scope=(0.12, 0.40, 0.40, 0.08),
    outlets=(200.0, 0.4, 800), referrals=(6.0, 4), potential=(2.5e6, 0.5, 5.0e5),
    share_of_wallet=(0.45, 0.80), interval=(14.0, 0.25, 7.0, 25.0), extra_lines=2.4, lines_held=(5, 8),
    satisfaction=(4.65, 0.12), cooperation=(4.6, 0.12), growth=(0.06, 0.04), push=0.6,
)

ARCHETYPES: tuple[Archetype, ...] = (
    _regular_like("regular", "regular", 0.0),
    _regular_like("benchmark", "benchmark", 0.080, **_BENCHMARK),
    _regular_like("benchmark_at_risk", "at_risk", 0.015, ("benchmark_at_risk",), **_BENCHMARK),
    _regular_like(
        "nail", "nail", 0.070, profile="nail_trust", channel=(0.35, 0.35, 0.10, 0.20), scope=(0.02, 0.20, 0.40, 0.38),
        outlets=(40.0, 0.8, 300), referrals=(0.5, 0), potential=(6.0e6, 0.45, 3.0e6),
        share_of_wallet=(0.015, 0.06), interval=(21.0, 0.25, 12.0, 30.0), extra_lines=0.4, lines_held=(1, 2),
        satisfaction=(2.9, 0.25), cooperation=(2.4, 0.3), growth=(0.0, 0.03), push=0.3,
    ),
    _regular_like(
        "at_risk", "at_risk", 0.060, share_of_wallet=(0.25, 0.65), interval=(15.0, 0.3, 7.0, 22.0),
        extra_lines=1.5, satisfaction=(3.5, 0.3),
    ),
    # healthy until the last visible quarter (the slip), collapsing in the outcome quarter after it; a steady,
    # frequent buyer with few push orders, so that one quarter's slip to 55-85 % of its normal stands out of
    # the sales noise (against the same quarter last year: 0.5-0.9 for most, at-risk-like buyers less often)
    _regular_like(
        "slipping", "at_risk", 0.040, share_of_wallet=(0.25, 0.65), interval=(12.0, 0.25, 7.0, 18.0),
        extra_lines=1.5, satisfaction=(3.5, 0.3), push=0.4,
    ),
    _regular_like("dormant", "regular", 0.025, ("dormant",), satisfaction=(3.1, 0.3), cooperation=(3.0, 0.3)),
    _regular_like(
        "big_buyer_no_influence", "regular", 0.040, profile="big_buyer", channel=(0.40, 0.20, 0.0, 0.40),
        scope=(0.0, 0.0, 0.2, 0.8), outlets=(5.0, 0.6, 20), referrals=(0.2, 0), potential=(1.0e7, 0.35, 5.0e6),
        share_of_wallet=(0.55, 0.80), interval=(8.0, 0.25, 4.0, 14.0), extra_lines=2.5, lines_held=(3, 6),
        satisfaction=(3.0, 0.25), cooperation=(2.9, 0.25), push=1.5,
    ),
    _regular_like(
        "influential_dissatisfied", "regular", 0.030, profile="influential_dissatisfied",
        channel=(0.45, 0.35, 0.10, 0.10), scope=(0.30, 0.60, 0.10, 0.0), outlets=(180.0, 0.45, 600),
        referrals=(4.0, 1), potential=(3.0e6, 0.5, 8.0e5), share_of_wallet=(0.25, 0.50),
        interval=(16.0, 0.3, 7.0, 30.0), extra_lines=1.8, lines_held=(3, 6), satisfaction=(1.5, 0.2),
        cooperation=(2.6, 0.3), growth=(0.01, 0.04), push=0.7,
    ),
    _regular_like("seasonal_dip", "regular", 0.030),
    # confounders for the early warning: one signal alone, a slow rhythm, a slip that healed
    _regular_like("isolated_signal", "regular", 0.025),
    _regular_like("long_rhythm", "regular", 0.025, interval=(85.0, 0.25, 60.0, 130.0), extra_lines=2.5, push=0.0),
    _regular_like("recovered", "regular", 0.025),
    _regular_like(
        "speculator", "regular", 0.025, ("speculator",), profile="speculator", channel=(0.5, 0.5, 0.0, 0.0),
        scope=(0.0, 0.05, 0.35, 0.60), outlets=(10.0, 0.8, 60), referrals=(0.2, 0), potential=(1.5e6, 0.5, 3.0e5),
        share_of_wallet=(0.25, 0.50), extra_lines=2.0, lines_held=(2, 4), satisfaction=(3.3, 0.3),
        cooperation=(2.0, 0.3), growth=(0.0, 0.0), push=0.0,
    ),
    _regular_like(
        "new_customer", "regular", 0.040, ("new_customer",), profile="new_customer", outlets=(10.0, 0.9, 60),
        referrals=(0.1, 0), potential=(2.0e6, 0.7, 2.0e5), share_of_wallet=(0.12, 0.40),
        interval=(20.0, 0.3, 8.0, 35.0), extra_lines=1.0, lines_held=(1, 4), satisfaction=(3.9, 0.3),
        cooperation=(3.6, 0.3), growth=(0.0, 0.0),
    ),
    _regular_like(
        "rep_complaint", "regular", 0.025, ("rep_change_recommended",), satisfaction=(3.6, 0.25),
        cooperation=(3.5, 0.25),
    ),
)
ARCHETYPE_NAMES: tuple[str, ...] = tuple(a.name for a in ARCHETYPES)
NAIL_CAUSES: tuple[str, ...] = ("trust", "competitor", "internal")


@dataclass(frozen=True)
class EventProfile:
    name: str
    visit_rate: float  # per quarter
    visit_types: tuple[float, float, float, float]
    outcomes: tuple[float, float, float]
    survey_prob: float  # chance of one survey in a quarter
    survey_shift: float  # added to the customer's latent satisfaction and cooperation
    complaint_rate: float  # per quarter
    min_complaints: int  # per quarter, planted so the story is never silent
    topics: tuple[float, float, float, float, float, float, float]
    signal_rate: float  # competitor signals per quarter
    signals: tuple[float, float, float, float, float]
    max_complaints: int = 99  # per quarter: the Poisson count is clipped to [min_complaints, max_complaints]
    min_signals: int = 0  # per quarter, like the complaints
    max_signals: int = 99
    basket: float = 1.0  # share of the customer's product lines it still buys (its favourites first)


_ROUTINE = (0.90, 0.07, 0.03, 0.0)
_ESCALATED = (0.60, 0.25, 0.12, 0.03)
_TOPICS = (0.22, 0.25, 0.20, 0.15, 0.03, 0.06, 0.09)
_SIGNALS = (0.45, 0.40, 0.15, 0.0, 0.0)
_UNHAPPY = (0.0, 0.35, 0.25, 0.20, 0.0, 0.20, 0.0)  # price, delivery, service, payment
_COURTED = (0.45, 0.35, 0.20, 0.0, 0.0)  # quote, visit, promotion

PROFILES: tuple[EventProfile, ...] = (
    EventProfile("regular", 2.0, _ROUTINE, (0.45, 0.45, 0.10), 0.6, 0.0, 0.06, 0, _TOPICS, 0.05, _SIGNALS),
    EventProfile("benchmark", 3.5, (0.70, 0.15, 0.10, 0.05), (0.70, 0.27, 0.03), 0.7, 0.0, 0.03, 0, _TOPICS, 0.06,
                 _SIGNALS),
    EventProfile("nail_trust", 6.0, _ESCALATED, (0.10, 0.55, 0.35), 0.6, -0.4, 0.45, 0,
                 (0.55, 0.0, 0.10, 0.35, 0.0, 0.0, 0.0), 0.10, _SIGNALS),
    EventProfile("nail_competitor", 6.0, _ESCALATED, (0.10, 0.55, 0.35), 0.6, 0.0, 0.06, 0, _TOPICS, 0.9,
                 (0.35, 0.0, 0.30, 0.35, 0.0)),
    EventProfile("nail_internal", 6.0, _ESCALATED, (0.10, 0.50, 0.40), 0.6, 0.0, 0.20, 0,
                 (0.10, 0.10, 0.10, 0.10, 0.60, 0.0, 0.0), 0.10, _SIGNALS),
    # an internal nail while the rep who offended it was still in charge
    EventProfile("nail_internal_former_rep", 6.0, _ROUTINE, (0.05, 0.45, 0.50), 0.6, -0.3, 0.6, 1,
                 (0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0), 0.10, _SIGNALS),
    EventProfile("big_buyer", 3.0, (0.80, 0.12, 0.08, 0.0), (0.40, 0.50, 0.10), 0.6, 0.0, 0.10, 0,
                 (0.0, 0.5, 0.3, 0.0, 0.0, 0.2, 0.0), 0.15, (0.6, 0.3, 0.1, 0.0, 0.0)),
    EventProfile("influential_dissatisfied", 3.0, (0.80, 0.12, 0.08, 0.0), (0.15, 0.50, 0.35), 0.65, 0.0, 0.25, 0,
                 (0.35, 0.2, 0.1, 0.35, 0.0, 0.0, 0.0), 0.15, (0.5, 0.3, 0.2, 0.0, 0.0)),
    EventProfile("speculator", 1.0, (1.0, 0.0, 0.0, 0.0), (0.30, 0.60, 0.10), 0.4, 0.0, 0.05, 0,
                 (0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0), 0.10, (1.0, 0.0, 0.0, 0.0, 0.0)),
    EventProfile("new_customer", 3.0, (0.85, 0.10, 0.05, 0.0), (0.60, 0.35, 0.05), 0.5, 0.0, 0.05, 0, _TOPICS, 0.05,
                 _SIGNALS),
    # the quarter before a collapse: still buying, but visits are fewer and colder, one to three complaints,
    # one or two approaches from the competitor, surveys a point lower and a narrower basket
    EventProfile("slip", 1.0, (0.80, 0.12, 0.08, 0.0), (0.15, 0.45, 0.40), 0.6, -1.0, 1.0, 1, _UNHAPPY, 0.6,
                 _COURTED, max_complaints=3, min_signals=1, max_signals=2, basket=0.6),
    # an at-risk customer from its collapse (onset) quarter on, a dormant one in its last quarter of orders
    EventProfile("decline", 0.8, (0.70, 0.15, 0.10, 0.05), (0.10, 0.45, 0.45), 0.7, -1.3, 0.9, 0,
                 (0.10, 0.35, 0.15, 0.15, 0.0, 0.25, 0.0), 1.0, (0.30, 0.25, 0.20, 0.10, 0.15), basket=0.6),
    # a dormant customer after its last order
    EventProfile("lapsed", 0.4, (1.0, 0.0, 0.0, 0.0), (0.20, 0.50, 0.30), 0.15, -0.3, 0.02, 0, _TOPICS, 0.2,
                 (0.3, 0.3, 0.0, 0.0, 0.4)),
    # isolated_signal in the last visible quarter: a regular quarter with exactly one complaint, or exactly
    # one competitor visit, and nothing else out of the ordinary
    EventProfile("lone_complaint", 2.0, _ROUTINE, (0.45, 0.45, 0.10), 0.6, 0.0, 0.0, 1, _UNHAPPY, 0.0, _SIGNALS,
                 max_complaints=1),
    EventProfile("lone_visit", 2.0, _ROUTINE, (0.45, 0.45, 0.10), 0.6, 0.0, 0.0, 0, _TOPICS, 0.0,
                 (0.0, 1.0, 0.0, 0.0, 0.0), min_signals=1, max_signals=1),
    # recovered: its two dip quarters a year back (milder than a slip, the basket kept), then settled:
    # a regular without the background complaints and competitor signals, so the recovery is clean
    EventProfile("dip", 1.5, _ROUTINE, (0.25, 0.50, 0.25), 0.6, -0.6, 0.8, 1, _UNHAPPY, 0.5, _COURTED,
                 max_complaints=2, min_signals=1, max_signals=2),
    EventProfile("settled", 2.0, _ROUTINE, (0.45, 0.45, 0.10), 0.6, 0.0, 0.0, 0, _TOPICS, 0.0, _SIGNALS),
    # a healthy customer at odds with its current rep
    EventProfile("rep_issue", 2.5, _ROUTINE, (0.15, 0.40, 0.45), 0.6, -0.2, 0.8, 1,
                 (0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0), 0.05, _SIGNALS),
)
PROFILE_NAMES: tuple[str, ...] = tuple(p.name for p in PROFILES)


def profile_code(name: str) -> int:
    return PROFILE_NAMES.index(name)


def archetype_code(name: str) -> int:
    return ARCHETYPE_NAMES.index(name)


def table(items: tuple[object, ...], attr: str) -> np.ndarray:
    """One parameter of every archetype (or profile) as an array indexed by its code."""
    return np.array([getattr(i, attr) for i in items], dtype=float)


def cumulative(items: tuple[object, ...], attr: str) -> np.ndarray:
    """Cumulative probabilities of a categorical parameter, rows normalised to end at 1."""
    probs = table(items, attr)
    return np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)


def draw_categorical(rng: np.random.Generator, cum: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One category index per element of ``rows`` (row codes into the cumulative table ``cum``)."""
    u = rng.random(len(rows))
    return np.minimum((u[:, None] >= cum[rows]).sum(axis=1), cum.shape[1] - 1)


def archetype_counts(customers: int) -> np.ndarray:
    """How many customers of each archetype: shares rounded, at least two each, regular the rest."""
    shares = table(ARCHETYPES, "share")
    counts = np.maximum(2, np.round(shares * customers)).astype(np.int64)
    counts[0] = customers - counts[1:].sum()
    return counts
