"""Customer features as of a quarter's last day, derived from the panels: pure LazyFrame → LazyFrame.

One row per customer of the customers table. Everything is computed from panel rows up to the
scored quarter, so the same functions score any earlier quarter from the same history. This is
the cheap way to every column of *one* quarter (the run's own: :meth:`tagkit.scoring.timeline.Timeline.features`);
the feature panel (:mod:`tagkit.scoring.panel_features`) computes the same columns for many quarters
at once, and a test holds the two equal.

Sales (currency units, net of returns):
  ``sales_quarter``, ``sales_previous_quarter``, ``sales_same_quarter_last_year``,
  ``sales_trailing_4q`` (the trailing window), ``sales_prior_4q`` (the window before it);
  ``yoy_change`` / ``qoq_change`` / ``year_change`` (the customer's change vs the same quarter
  last year / the previous quarter / trailing vs prior window), ``region_<kind>_change`` (the
  region's median change: its seasonal movement, Chinese New Year included) and
  ``<kind>_relative`` (the customer's change against its region's).
Rhythm: ``first_order``, ``last_order``, ``days_since_last_order``, ``usual_interval_days``
  (mean days between ordering days over the rhythm window), ``lapse_ratio`` (days since the last
  order in usual intervals), ``active_quarters`` (trailing quarters with an order), ``regularity``.
Breadth and wallet: ``lines_bought``, ``lines_available`` (our lines sold to anyone in the
  trailing window), ``lines_share``, ``share_of_wallet`` (trailing sales / potential_annual_value),
  ``stalled_quarters`` (quarters since the quarterly share of wallet last exceeded the nail
  threshold, counted from the first order), ``headroom`` (potential not yet bought from us).
Tenure: ``tenure_days`` (from ``since``, else the first order), ``history_days`` (from the first order).
Visits, feedback and competitor signals: see :mod:`tagkit.scoring.engagement`.
"""
from __future__ import annotations

import polars as pl

from tagkit.params import ScoringParams, WindowParams
from tagkit.quarters import quarter_end, quarter_index
from tagkit.scoring.engagement import feedback_features, signal_features, visit_features
from tagkit.scoring.exprs import group_median, money, relative_change, safe_ratio, window_aggregate
from tagkit.scoring.order_lines import MAX_QUARTERS_BACK
from tagkit.scoring.panel import Panels

SALES = ("sales_quarter", "sales_previous_quarter", "sales_same_quarter_last_year", "sales_trailing_4q",
         "sales_prior_4q")


def sales_features(orders: pl.LazyFrame, customers: pl.LazyFrame, *, q: int, w: WindowParams,
                   stall_share: float) -> pl.LazyFrame:
    """Sales windows and order rhythm per customer with orders up to quarter index ``q``."""
    t, r = w.trailing_quarters, w.rhythm_quarters
    potential = customers.select("customer_id", "potential_annual_value")
    # a quarter whose sales, annualised, exceed the nail share of the potential breaks a stall
    high_share = 4 * money("sales_cents") > stall_share * pl.col("potential_annual_value")
    return (
        window_aggregate(
            orders.join(potential, on="customer_id", how="left").with_columns(
                high_share_qi=pl.when(high_share).then(pl.col("qi"))
            ),
            q=q,
            windows={
                "sales_quarter": ("sales_cents", q, q, "sum"),
                "sales_previous_quarter": ("sales_cents", q - 1, q - 1, "sum"),
                "sales_same_quarter_last_year": ("sales_cents", q - 4, q - 4, "sum"),
                "sales_trailing_4q": ("sales_cents", q - t + 1, q, "sum"),
                "sales_prior_4q": ("sales_cents", q - 2 * t + 1, q - t, "sum"),
                "active_quarters": ("qi", q - t + 1, q, "count"),
                "rhythm_first": ("first_order", q - r + 1, q, "min"),
                "rhythm_last": ("last_order", q - r + 1, q, "max"),
                "rhythm_days": ("order_days", q - r + 1, q, "sum"),
            },
            order_days=pl.col("order_days").sum(),
            first_order=pl.col("first_order").min(),
            last_order=pl.col("last_order").max(),
            first_qi=pl.col("qi").min(),
            last_high_share_qi=pl.col("high_share_qi").max(),
        )
        .with_columns(money(c).alias(c) for c in SALES)
        .with_columns(pl.col("active_quarters").cast(pl.Int64))
    )


def breadth_features(lines: pl.LazyFrame, customers: pl.LazyFrame, *, q: int, top: int,
                     w: WindowParams) -> pl.LazyFrame:
    """Our product lines each customer bought in the trailing window, and the lines sold in it at all.

    ``lines`` has one row per customer and line with ``qbits`` (bit ``k``: bought in quarter
    ``top - k``), so the trailing window of ``q`` is one mask. Lines available are the company's
    lines sold to anyone in the window (our active catalogue): a line nobody bought cannot be held
    against a customer.
    """
    shift = top - q
    if shift < 0 or shift + w.trailing_quarters > MAX_QUARTERS_BACK:
        raise ValueError(f"breadth of quarter index {q} needs quarters the product-line panel (up to {top}) "
                         f"does not hold")
    mask = ((1 << w.trailing_quarters) - 1) << shift
    window = lines.filter((pl.col("qbits") & pl.lit(mask, dtype=pl.UInt64)) != 0)
    # the panel has one row per customer and line, so counting rows counts lines
    bought = window.group_by("customer_id").agg(lines_bought=pl.len().cast(pl.Int64))
    available = window.select(lines_available=pl.col("product_line").n_unique().cast(pl.Int64))
    return (
        customers.select("customer_id")
        .join(available, how="cross")
        .join(bought, on="customer_id", how="left")
        .select(
            "customer_id",
            # no product lines at all: breadth is unknown, not zero
            lines_available=pl.when(pl.col("lines_available") > 0).then(pl.col("lines_available")),
            lines_bought=pl.when(pl.col("lines_available") > 0).then(pl.col("lines_bought").fill_null(0)),
        )
    )


def derived_features(*, qi: int | pl.Expr, as_of: object, p: ScoringParams) -> list[pl.Expr]:
    """Ratios, rhythm and tenure from the joined per-customer columns, as of quarter index ``qi``.

    ``qi`` and ``as_of`` are the scored quarter's index and last day: plain values for one quarter,
    or expressions (columns) on the feature panel, where each row is its own quarter.
    """
    w = p.windows
    q = qi
    as_of_lit = as_of if isinstance(as_of, pl.Expr) else pl.lit(as_of, dtype=pl.Date)
    interval = pl.when(pl.col("rhythm_days") > 1).then(
        (pl.col("rhythm_last") - pl.col("rhythm_first")).dt.total_days() / (pl.col("rhythm_days") - 1)
    )
    quarters_known = (q - pl.col("first_qi") + 1).clip(1, w.trailing_quarters)
    stalled_since = pl.max_horizontal(pl.col("last_high_share_qi"), pl.col("first_qi") - 1)
    return [
        (as_of_lit - pl.col("last_order")).dt.total_days().alias("days_since_last_order"),
        interval.alias("usual_interval_days"),
        (as_of_lit - pl.coalesce("since", "first_order")).dt.total_days().alias("tenure_days"),
        (as_of_lit - pl.col("first_order")).dt.total_days().alias("history_days"),
        # a customer that never ordered is not regular, and not unknown either: the order log says so
        pl.when(pl.col("first_qi").is_null()).then(0.0).otherwise(pl.col("active_quarters") / quarters_known)
        .alias("regularity"),
        safe_ratio(pl.col("sales_quarter").clip(0), "sales_same_quarter_last_year").alias("yoy_ratio"),
        safe_ratio(pl.col("sales_quarter").clip(0), "sales_previous_quarter").alias("qoq_ratio"),
        safe_ratio(pl.col("sales_trailing_4q").clip(0), "sales_prior_4q").alias("year_ratio"),
        safe_ratio(pl.col("sales_trailing_4q").clip(0), "potential_annual_value").alias("share_of_wallet"),
        safe_ratio("lines_bought", "lines_available").alias("lines_share"),
        (pl.col("potential_annual_value") - pl.col("sales_trailing_4q").clip(0)).clip(0).alias("headroom"),
        pl.when((pl.col("potential_annual_value") > 0) & pl.col("first_qi").is_not_null())
        .then(q - stalled_since)
        .alias("stalled_quarters"),
    ]


def region_relative(min_count: int, by: tuple[str, ...] = ("region",)) -> list[pl.Expr]:
    """The customer's changes, its region's median change and the customer's change against it.

    ``by`` is the region column, plus the quarter column on the feature panel (one median per
    region and quarter); a region with too few values falls back to the median of its quarter.
    """
    out = []
    for kind in ("yoy", "qoq", "year"):
        region = group_median(f"{kind}_ratio", by=list(by), min_count=min_count)
        out += [
            (pl.col(f"{kind}_ratio") - 1).alias(f"{kind}_change"),
            (region - 1).alias(f"region_{kind}_change"),
            relative_change(f"{kind}_ratio", region).alias(f"{kind}_relative"),
        ]
    return out


def customer_features(panels: Panels, *, quarter: str, p: ScoringParams) -> pl.LazyFrame:
    """One row per customer with every feature the scores use, as of ``quarter``'s last day.

    Absent optional tables give null features (never zeros); a customer without rows in a
    present table gets zero counts.
    """
    q, as_of = quarter_index(quarter), quarter_end(quarter)
    customers = panels.customers
    stall_share = p.nail.max_share_of_wallet.enter
    out = (
        customers.join(sales_features(panels.orders, customers, q=q, w=p.windows, stall_share=stall_share),
                       on="customer_id", how="left", maintain_order="left")
        .join(breadth_features(panels.lines, customers, q=q, top=panels.lines_top, w=p.windows), on="customer_id",
              how="left", maintain_order="left")
        .with_columns(pl.col(c).fill_null(0.0) for c in SALES)
        .with_columns(pl.col("active_quarters", "order_days").fill_null(0))
    )
    for make, panel in ((visit_features, panels.visits), (feedback_features, panels.feedback),
                        (signal_features, panels.signals)):
        out = make(out, panel, q=q, p=p)
    usual = pl.coalesce("usual_interval_days", pl.lit(p.lifecycle.default_interval_days))
    out = out.with_columns(derived_features(qi=q, as_of=as_of, p=p)).with_columns(
        (pl.col("days_since_last_order") / usual).alias("lapse_ratio"),
        *region_relative(p.windows.region_min_customers),
    )
    return out.drop("rhythm_first", "rhythm_last", "rhythm_days", "last_high_share_qi")
