"""The sales regions of the sample: the seven big regions (大区) by default, or N province-based regions.

A national company organised in more regions than the seven big ones usually
follows the provinces: one region per province, small neighbouring provinces
run together (滇藏, 甘青), and the biggest provinces split a metropolis off into
a region of its own (深圳 beside 广东). :func:`geography` builds exactly that,
deterministically, from the city table in :mod:`~tagkit.sample.reference`:
7 regions are the big regions, 8–31 merge the smallest provinces into their
nearest neighbour of the same big region, 32–65 split the heaviest provinces
city by city. Regions never cross a big region, so each inherits its big
region's Spring Festival break and Q1 factor.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tagkit.sample import reference as ref

MIN_REGIONS = len(ref.REGIONS)
MAX_REGIONS = len(ref.CITIES)


@dataclass(frozen=True)
class Geography:
    """Region names and per-region parameters (arrays indexed by region), and each city's region."""

    names: tuple[str, ...]
    weights: np.ndarray  # relative share of customers
    q1_factor: np.ndarray
    break_days: np.ndarray  # Spring Festival break in days
    city_region: np.ndarray  # per city of ref.CITIES: index of its region
    default: bool  # the seven big regions (the generator's original draws)

    def __len__(self) -> int:
        return len(self.names)


@dataclass
class _Unit:
    """A region being formed: its big region, provinces (for the name) and cities."""

    big: int
    provinces: list[str]
    cities: list[int]
    name: str


def _default() -> Geography:
    return Geography(
        names=ref.REGIONS,
        weights=np.array(list(ref.REGION_WEIGHTS.values())),
        q1_factor=np.array([ref.Q1_FACTOR[r] for r in ref.REGIONS]),
        break_days=np.array([ref.CNY_BREAK_DAYS[r] for r in ref.REGIONS]),
        city_region=np.array([ref.REGIONS.index(c.region) for c in ref.CITIES]),
        default=True,
    )


def _city_weights() -> np.ndarray:
    """Each city's share of all customers: its big region's weight spread over the big region's cities."""
    raw = np.array([c.weight for c in ref.CITIES])
    big = np.array([ref.REGIONS.index(c.region) for c in ref.CITIES])
    per_big = np.bincount(big, weights=raw)
    return raw / per_big[big] * np.array(list(ref.REGION_WEIGHTS.values()))[big]


def _centre(unit: _Unit, weight: np.ndarray) -> np.ndarray:
    lat = np.array([ref.CITIES[i].lat for i in unit.cities])
    lon = np.array([ref.CITIES[i].lon for i in unit.cities])
    w = weight[unit.cities]
    # degrees of longitude shrink towards the poles; China's middle latitude is close enough
    return np.array([(lat * w).sum(), (lon * w).sum() * np.cos(np.radians(32))]) / w.sum()


def _merge_smallest(units: list[_Unit], weight: np.ndarray) -> None:
    """Run the smallest region that has a neighbour in its big region together with the nearest such one."""
    size = [weight[u.cities].sum() for u in units]
    for i in sorted(range(len(units)), key=lambda k: (size[k], k)):
        partners = [j for j, v in enumerate(units) if j != i and v.big == units[i].big]
        if not partners:
            continue
        here = _centre(units[i], weight)
        j = min(partners, key=lambda k: (np.hypot(*(_centre(units[k], weight) - here)), size[k], k))
        keep, gone = min(i, j), max(i, j)
        provinces = units[keep].provinces + units[gone].provinces
        units[keep] = _Unit(
            units[keep].big, provinces, sorted(units[keep].cities + units[gone].cities),
            "".join(ref.PROVINCE_ABBR[p] for p in provinces),
        )
        del units[gone]
        return
    raise AssertionError("no two regions share a big region")  # unreachable for len(units) > 7


def _split_heaviest(units: list[_Unit], weight: np.ndarray) -> None:
    """Give the heaviest city of the heaviest multi-city region a region of its own, right after it."""
    size = [weight[u.cities].sum() if len(u.cities) > 1 else -1.0 for u in units]
    i = int(np.argmax(size))
    unit = units[i]
    city = max(unit.cities, key=lambda c: (weight[c], -c))
    taken = {u.name for u in units}
    name = ref.CITIES[city].short
    units[i] = _Unit(unit.big, unit.provinces, [c for c in unit.cities if c != city], unit.name)
    name = name if name not in taken else name + "市"
    units.insert(i + 1, _Unit(unit.big, [ref.CITIES[city].province], [city], name))


def geography(regions: int | None = None) -> Geography:
    """The seven big regions (``None`` or 7), or ``regions`` province-based regions (8 to 65).

    >>> geography(30).names[:4]
    ('辽宁', '吉林', '黑龙江', '北京')
    """
    if regions is None or regions == MIN_REGIONS:
        return _default()
    if not MIN_REGIONS < regions <= MAX_REGIONS:
        raise ValueError(f"regions must be between {MIN_REGIONS} and {MAX_REGIONS}; got {regions}")
    weight = _city_weights()
    units: list[_Unit] = []
    for i, city in enumerate(ref.CITIES):
        if units and units[-1].provinces == [city.province]:
            units[-1].cities.append(i)
        else:
            units.append(_Unit(ref.REGIONS.index(city.region), [city.province], [i], ref.province_short(city.province)))
    while len(units) > regions:
        _merge_smallest(units, weight)
    while len(units) < regions:
        _split_heaviest(units, weight)
    city_region = np.empty(len(ref.CITIES), dtype=np.int64)
    for r, unit in enumerate(units):
        city_region[unit.cities] = r
    big = np.array([u.big for u in units])
    default = _default()
    return Geography(
        names=tuple(u.name for u in units),
        weights=np.array([weight[u.cities].sum() for u in units]),
        q1_factor=default.q1_factor[big],
        break_days=default.break_days[big],
        city_region=city_region,
        default=False,
    )
