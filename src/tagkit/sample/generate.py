"""Write a whole sample data folder: contract tables, hive-partitioned orders and the planted truth."""
from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

import polars as pl

from tagkit.contract import TABLES
from tagkit.errors import UsageError
from tagkit.params import parse_quarter
from tagkit.sample import events
from tagkit.sample import reference as ref
from tagkit.sample.population import Calendar, plan_population
from tagkit.sample.truth import truth_frame, truth_readme

logger = logging.getLogger(__name__)

MIN_CUSTOMERS = 60  # enough for two of every archetype and one nail of every cause
MIN_QUARTERS = 6  # an at-risk decline needs a year of history before it, dormancy three empty quarters


def _check(seed: int, customers: int, quarters: int, end_quarter: str) -> None:
    parse_quarter(end_quarter)
    if seed < 0:
        raise UsageError(f"sample data: seed must be a non-negative integer; got {seed}. Use a seed such as 7.")
    if customers < MIN_CUSTOMERS:
        raise UsageError(
            f"sample data: customers must be at least {MIN_CUSTOMERS}; got {customers}. "
            "Ask for more customers so every archetype can be planted."
        )
    if quarters < MIN_QUARTERS:
        raise UsageError(
            f"sample data: quarters must be at least {MIN_QUARTERS}; got {quarters}. "
            "At-risk and dormant customers need that much history."
        )


def _write_csv(frame: pl.DataFrame, path: Path) -> None:
    frame.select(TABLES[path.stem].column_names).write_csv(path)


def generate_sample(
    out_dir: Path, *, seed: int = 7, customers: int = 2000, quarters: int = 8, end_quarter: str = "2026Q3"
) -> dict[str, Any]:
    """Write a realistic, deterministic sample data folder in the data-contract format.

    ``out_dir`` receives ``customers.csv``, ``reps.csv``, ``visits.csv``, ``feedback.csv``,
    ``competitor_signals.csv``, ``orders/quarter=<YYYYQn>/part-0.parquet`` and ``_truth/`` (the
    planted tags and archetypes, see its README). The same arguments always give byte-identical
    files. Existing ``orders/quarter=*`` folders are replaced so no stale quarter survives; other
    files in ``out_dir`` are left alone.

    Returns a summary: row counts per table, the quarters covered, archetype and true-tag counts.

    >>> summary = generate_sample(Path("data/sample"), customers=300)  # doctest: +SKIP
    >>> summary["quarters"][-1]
    '2026Q3'
    """
    _check(seed, customers, quarters, end_quarter)
    out_dir = Path(out_dir)
    cal = Calendar.ending(end_quarter, quarters)
    plan, customers_df, reps_df = plan_population(seed, customers, cal)
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_csv(customers_df, out_dir / "customers.csv")
    _write_csv(reps_df, out_dir / "reps.csv")

    orders_dir = out_dir / "orders"
    if orders_dir.is_dir():
        for stale in orders_dir.glob("quarter=*"):
            shutil.rmtree(stale)
    order_rows = 0
    for t, label in enumerate(cal.quarters):
        frame = events.orders_for_quarter(plan, cal, t, seed)
        part = orders_dir / f"quarter={label}" / "part-0.parquet"
        part.parent.mkdir(parents=True, exist_ok=True)
        frame.write_parquet(part)
        order_rows += frame.height

    rows = {"customers": customers_df.height, "reps": reps_df.height, "orders": order_rows}
    per_quarter = {
        "visits": events.visits_for_quarter,
        "feedback": events.feedback_for_quarter,
        "competitor_signals": events.signals_for_quarter,
    }
    for name, make in per_quarter.items():
        frame = pl.concat([make(plan, cal, t, seed) for t in range(len(cal))], how="vertical")
        _write_csv(frame, out_dir / f"{name}.csv")
        rows[name] = frame.height

    truth = truth_frame(plan, cal)
    truth_dir = out_dir / "_truth"
    truth_dir.mkdir(exist_ok=True)
    truth.write_parquet(truth_dir / "planted.parquet")
    dip_region = ref.REGIONS[plan.dip_region]
    (truth_dir / "README.md").write_text(truth_readme(truth, cal, seed, dip_region), encoding="utf-8")

    summary: dict[str, Any] = {
        "out_dir": str(out_dir),
        "seed": seed,
        "quarters": list(cal.quarters),
        "as_of": str(pl.Series([cal.as_of], dtype=pl.Int32).cast(pl.Date)[0]),
        "rows": rows,
        "archetypes": dict(sorted(truth.group_by("archetype").len().iter_rows())),
        "true_tags": dict(sorted(truth.group_by("true_tag").len().iter_rows())),
        "dip_region": dip_region,
    }
    logger.info("sample data written to %s: %s", out_dir, rows)
    return summary
