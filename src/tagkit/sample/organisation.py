"""The sample's sales organisation: per region one regional manager, supervisors and reps.

Split from :mod:`tagkit.sample.population`, which sizes it by the customers it draws per region.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from tagkit.sample import reference as ref

CUSTOMERS_PER_REP = 85


@dataclass(frozen=True)
class Organisation:
    """The reps table plus index arrays: each person's manager row, and each region's block of reps."""

    reps: pl.DataFrame
    manager_row: np.ndarray  # row of the next level up, -1 for regional managers
    rep_start: np.ndarray  # per region: first row of its reps (reps of a region are contiguous)
    rep_count: np.ndarray


def build_reps(
    rng: np.random.Generator, region_counts: np.ndarray, names: tuple[str, ...] = ref.REGIONS
) -> Organisation:
    """Per region one regional manager, supervisors (one per four reps, so two in big regions) and reps."""
    roles: list[str] = []
    regions: list[str] = []
    managers: list[int] = []
    rep_start, rep_count = [], []
    for r, name in enumerate(names):
        n_reps = max(2, round(region_counts[r] / CUSTOMERS_PER_REP))
        n_sup = max(1, -(-n_reps // 4))
        rm = len(roles)
        roles += ["regional_manager"] + ["supervisor"] * n_sup + ["rep"] * n_reps
        regions += [name] * (1 + n_sup + n_reps)
        managers += [-1] + [rm] * n_sup + [rm + 1 + i % n_sup for i in range(n_reps)]
        rep_start.append(rm + 1 + n_sup)
        rep_count.append(n_reps)
    n = len(roles)
    width = max(3, len(str(n)))
    ids = [f"R{i + 1:0{width}d}" for i in range(n)]
    surname = np.array(ref.SURNAMES)[rng.integers(0, len(ref.SURNAMES), n)]
    given = np.array(ref.GIVEN_CHARS)[rng.integers(0, len(ref.GIVEN_CHARS), (n, 2))]
    second = np.where(rng.random(n) < 0.7, given[:, 1], "")
    reps = pl.DataFrame(
        {
            "rep_id": ids,
            "rep_name": np.char.add(np.char.add(surname, given[:, 0]), second),
            "region": regions,
            "role": roles,
            "manager_id": [ids[m] if m >= 0 else None for m in managers],
        },
        schema=dict.fromkeys(("rep_id", "rep_name", "region", "role", "manager_id"), pl.String),
    )
    return Organisation(reps, np.array(managers), np.array(rep_start), np.array(rep_count))
