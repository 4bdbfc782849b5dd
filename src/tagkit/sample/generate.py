"""Write a whole sample data folder: contract tables, hive-partitioned orders and the planted truth.

The generator makes one quarter more than it shows: the outcome quarter after
the end quarter, whose orders go to ``_truth/next_quarter/`` (intake skips
``_truth``), so that a warning given as of the end quarter can be checked
against what came next. Nothing in the visible tables is dated after the end
quarter's last day.

Memory stays bounded however large the sample: the plan (a few dozen numbers per
customer) is held whole, the events are made one quarter and one batch of
customers at a time and written straight away (orders as one parquet part per
batch, the other event tables appended to their CSV or written as parts). The
batch only decides what is held at once; the random streams belong to fixed
blocks of customers (:data:`~tagkit.sample.population.BLOCK`), so any batch size
gives the same rows.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import polars as pl

from tagkit.errors import UsageError
from tagkit.quarters import parse_quarter
from tagkit.sample import events
from tagkit.sample.density import Density, expected_lines, fit_density, line_range
from tagkit.sample.population import BLOCK, MIN_CUSTOMERS_PER_REGION, Plan, blocks, plan_population
from tagkit.sample.regions import MAX_REGIONS, MIN_REGIONS, Geography, geography
from tagkit.sample.timeline import Calendar
from tagkit.sample.truth import truth_frame, truth_readme
from tagkit.sample.write import ParquetFile, TableSink, write_csv

logger = logging.getLogger(__name__)

MIN_CUSTOMERS = 60  # enough for two of every archetype and one nail of every cause
# A slip needs a year of history before it: the earliest, an at-risk customer collapsing in the second-to-last
# quarter, slips in the third-to-last. Dormancy needs three empty quarters after a slip and a collapse, and a
# recovered customer's dip (five and four quarters back) a normal quarter before it.
MIN_QUARTERS = 7
BATCH_CUSTOMERS = 100_000  # customers whose events are held in memory at once (at most) ...
BATCH_LINES = 2_000_000  # ... and order lines of one quarter held at once (about), whichever is fewer customers
CSV_MAX_CUSTOMERS = 100_000  # table_format="auto": visits, feedback, signals as CSV up to this many customers
TABLE_FORMATS = ("auto", "csv", "parquet")
EVENT_TABLES: dict[str, Callable[..., pl.DataFrame]] = {
    "visits": events.visits_for_quarter,
    "feedback": events.feedback_for_quarter,
    "competitor_signals": events.signals_for_quarter,
}


def _check(
    seed: int, customers: int, quarters: int, end_quarter: str, regions: int | None, order_lines: int | None,
    batch_customers: int | None, table_format: str,
) -> None:
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
            "At-risk, dormant and recovered customers need that much history."
        )
    if regions is not None:
        if not MIN_REGIONS <= regions <= MAX_REGIONS:
            raise UsageError(
                f"sample data: regions must be between {MIN_REGIONS} and {MAX_REGIONS}; got {regions}. "
                f"Use {MIN_REGIONS} (the big regions, the default) or more, province- and city-based."
            )
        if regions != MIN_REGIONS and customers < MIN_CUSTOMERS_PER_REGION * regions:
            raise UsageError(
                f"sample data: customers must be at least {MIN_CUSTOMERS_PER_REGION} per region "
                f"({MIN_CUSTOMERS_PER_REGION * regions} for {regions} regions); got {customers}. "
                "Ask for more customers or fewer regions."
            )
    if order_lines is not None and order_lines < 1:
        raise UsageError(
            f"sample data: order_lines must be a positive number of order lines; got {order_lines}. "
            "Leave it out for the planted density (about 110 lines per customer over 8 quarters)."
        )
    if batch_customers is not None and batch_customers < 1:
        raise UsageError(f"sample data: batch_customers must be a positive integer; got {batch_customers}.")
    if table_format not in TABLE_FORMATS:
        raise UsageError(
            f"sample data: table_format must be one of {', '.join(TABLE_FORMATS)}; got {table_format!r}."
        )


def _fit(plan: Plan, cal: Calendar, order_lines: int) -> tuple[Plan, Density]:
    lo, hi = line_range(plan, cal)
    if not lo <= order_lines <= hi:
        n = len(plan)
        planted = expected_lines(plan, cal)
        raise UsageError(
            f"sample data: order_lines must be between {lo:,.0f} and {hi:,.0f} for {n:,} customers over "
            f"{cal.visible} quarters ({lo / n:,.0f} to {hi / n:,.0f} per customer; the planted density makes about "
            f"{planted:,.0f}); got {order_lines:,}. Ask for a number in that range, or change the customers."
        )
    return fit_density(plan, cal, order_lines)


def _batches(plan: Plan, cal: Calendar, batch_customers: int | None) -> list[list[int]]:
    """Block indices of every batch. By default a batch holds at most BATCH_CUSTOMERS customers and
    about BATCH_LINES order lines a quarter; ``batch_customers`` is rounded up to whole blocks."""
    n = len(plan)
    if batch_customers is None:
        per_quarter = expected_lines(plan, cal) / n / cal.visible
        batch_customers = int(min(BATCH_CUSTOMERS, BATCH_LINES / max(per_quarter, 1e-9)))
    per_batch = max(1, batch_customers // BLOCK)
    count = len(blocks(n))
    return [list(range(b, min(b + per_batch, count))) for b in range(0, count, per_batch)]


def _stack(frames: list[pl.DataFrame]) -> pl.DataFrame:
    return frames[0] if len(frames) == 1 else pl.concat(frames, how="vertical", rechunk=True)


def _quarter_orders(plan: Plan, cal: Calendar, t: int, seed: int, batches: list[list[int]]) -> Iterator[pl.DataFrame]:
    """The order lines of quarter ``t``, one frame per batch."""
    bounds = blocks(len(plan))
    numbered = 0  # order numbers run on across the quarter's blocks
    for batch in batches:
        frames = []
        for j in batch:
            frame, n_orders = events.orders_for_quarter(plan.block(*bounds[j]), cal, t, seed, block=j,
                                                        first_order=numbered)
            numbered += n_orders
            frames.append(frame)
        yield _stack(frames)


def _write_orders(plan: Plan, cal: Calendar, seed: int, sink: TableSink, batches: list[list[int]]) -> None:
    for t, label in enumerate(cal.visible_quarters):
        for part, frame in enumerate(_quarter_orders(plan, cal, t, seed, batches)):
            sink.write(frame, label, part)
        logger.debug("orders of %s written", label)


def _write_outcome(plan: Plan, cal: Calendar, seed: int, truth_dir: Path, batches: list[list[int]]) -> int:
    """The outcome quarter's orders as ``next_quarter/orders.parquet``; returns its rows."""
    out = ParquetFile(truth_dir / "next_quarter" / "orders.parquet", "orders")
    try:
        for frame in _quarter_orders(plan, cal, cal.outcome, seed, batches):
            out.write(frame)
    finally:
        out.close()
    return out.rows


def _write_events(
    make: Callable[..., pl.DataFrame], plan: Plan, cal: Calendar, seed: int, sink: TableSink, batches: list[list[int]]
) -> None:
    bounds = blocks(len(plan))
    for t, label in enumerate(cal.visible_quarters):
        for part, batch in enumerate(batches):
            frames = [make(plan.block(*bounds[j]), cal, t, seed, block=j) for j in batch]
            sink.write(_stack(frames), label, part)


def _scale_note(geo: Geography, density: Density | None) -> str:
    """The truth README's closing section on a non-default size; empty for the default sample."""
    lines = []
    if not geo.default:
        lines.append(
            f"- {len(geo)} province-based sales regions instead of the seven big regions ({', '.join(geo.names)}). "
            "A region never crosses a big region and keeps its Spring Festival break and Q1 factor."
        )
    if density is not None:
        lines.append(
            f"- Order density rescaled to about {density.target:,} order lines (expected {density.expected:,.0f}; "
            f"the planted density would make {density.planted:,.0f}): extra lines per order "
            f"×{density.lines_factor:.3f} (at most {density.max_lines} lines an order), orders "
            f"×{density.frequency_factor:.3f} as often. Order values shrink as orders multiply, so each "
            "customer's sales are as planted; `order_interval_days` is the rescaled interval."
        )
    return "\n## Scale\n\n" + "\n".join(lines) + "\n" if lines else ""


def generate_sample(
    out_dir: Path,
    *,
    seed: int = 7,
    customers: int = 2000,
    quarters: int = 8,
    end_quarter: str = "2026Q3",
    order_lines: int | None = None,
    regions: int | None = None,
    batch_customers: int | None = None,
    table_format: str = "auto",
) -> dict[str, Any]:
    """Write a realistic, deterministic sample data folder in the data-contract format.

    ``out_dir`` receives ``customers.csv``, ``reps.csv``, ``visits``, ``feedback`` and
    ``competitor_signals`` (CSV files, or folders of hive-partitioned parquet, see ``table_format``),
    ``orders/quarter=<YYYYQn>/part-<i>.parquet`` (one part per batch of customers: ``part-0`` up to
    100,000 customers) and ``_truth/`` (the planted tags and archetypes, and in ``next_quarter/orders.parquet``
    the orders of the outcome quarter after ``end_quarter``, see its README). ``quarters`` (at least
    seven) are the visible quarters, ending with ``end_quarter``; nothing visible is dated after its last
    day. The same arguments always give byte-identical files. What an earlier generation wrote for a table
    (``<table>.csv``, ``<table>/quarter=*``) is replaced, so no stale quarter survives; other files in
    ``out_dir`` are left alone.

    - ``order_lines``: about this many order lines in all (within a few percent), by rescaling lines per
      order and order frequency (see :mod:`tagkit.sample.density`); default: the planted density, about
      110 lines per customer over eight quarters.
    - ``regions``: 7 (the big regions, the default) or 8 to 65 province-based regions
      (see :mod:`tagkit.sample.regions`).
    - ``batch_customers``: customers whose events are held in memory at once (rounded up to blocks of
      5,000); it changes the number of parquet parts, never the rows. Default: up to 100,000 customers
      and about 2 million order lines a quarter.
    - ``table_format``: visits, feedback and signals as ``"csv"``, ``"parquet"`` (folders), or
      ``"auto"``: CSV up to 100,000 customers.

    Returns a summary: row counts per table (and ``outcome_orders``, the outcome quarter's order lines),
    the visible quarters, the ``outcome_quarter``, archetype and true-tag counts.

    >>> summary = generate_sample(Path("data/sample"), customers=300)  # doctest: +SKIP
    >>> summary["quarters"][-1]
    '2026Q3'
    """
    _check(seed, customers, quarters, end_quarter, regions, order_lines, batch_customers, table_format)
    out_dir = Path(out_dir)
    geo = geography(regions)
    cal = Calendar.ending(end_quarter, quarters)
    plan, customers_df, reps_df = plan_population(seed, customers, cal, geo)
    density = None
    if order_lines is not None:
        plan, density = _fit(plan, cal, order_lines)
    batches = _batches(plan, cal, batch_customers)
    parquet = table_format == "parquet" or (table_format == "auto" and customers > CSV_MAX_CUSTOMERS)

    out_dir.mkdir(parents=True, exist_ok=True)
    write_csv(customers_df, out_dir / "customers.csv")
    write_csv(reps_df, out_dir / "reps.csv")
    rows = {"customers": customers_df.height, "reps": reps_df.height}
    del customers_df  # a million customers' names and places are not needed again

    orders = TableSink(out_dir, "orders", parquet=True, parts=len(batches))
    _write_orders(plan, cal, seed, orders, batches)
    rows["orders"] = orders.rows
    for name, make in EVENT_TABLES.items():
        sink = TableSink(out_dir, name, parquet=parquet, parts=len(batches))
        _write_events(make, plan, cal, seed, sink, batches)
        rows[name] = sink.rows

    truth = truth_frame(plan, cal)
    truth_dir = out_dir / "_truth"
    truth_dir.mkdir(exist_ok=True)
    outcome_rows = _write_outcome(plan, cal, seed, truth_dir, batches)
    truth.write_parquet(truth_dir / "planted.parquet")
    dip_region = geo.names[plan.dip_region]
    readme = truth_readme(truth, cal, seed, dip_region, _scale_note(geo, density))
    (truth_dir / "README.md").write_text(readme, encoding="utf-8")

    summary: dict[str, Any] = {
        "out_dir": str(out_dir),
        "seed": seed,
        "quarters": list(cal.visible_quarters),
        "as_of": str(pl.Series([cal.as_of], dtype=pl.Int32).cast(pl.Date)[0]),
        "outcome_quarter": cal.quarters[cal.outcome],
        "rows": rows,
        "outcome_orders": outcome_rows,
        "archetypes": dict(sorted(truth.group_by("archetype").len().iter_rows())),
        "true_tags": dict(sorted(truth.group_by("true_tag").len().iter_rows())),
        "dip_region": dip_region,
        "regions": len(geo),
        "parts_per_quarter": len(batches),
        "table_format": "parquet" if parquet else "csv",
    }
    if density is not None:
        summary["order_lines"] = {
            "target": density.target, "expected": round(density.expected),
            "lines_factor": round(density.lines_factor, 4), "frequency_factor": round(density.frequency_factor, 4),
        }
    logger.info("sample data written to %s: %s", out_dir, rows)
    return summary
