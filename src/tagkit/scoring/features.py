"""Customer-level features as of a quarter's last day: pure LazyFrame → LazyFrame.

Nothing here collects; the pipeline decides when. Rows dated after the as-of
date are ignored, so the same functions score any earlier quarter from the
same history (that is how ``previous_tag`` is made).
"""
from __future__ import annotations

import polars as pl

from tagkit.quarters import quarter_end, quarter_start, shift_quarter

SCOPE_POINTS = {"national": 100.0, "provincial": 75.0, "city": 50.0, "local": 25.0}


def _in_window(col: str, first_quarter: str, last_quarter: str) -> pl.Expr:
    return pl.col(col).is_between(quarter_start(first_quarter), quarter_end(last_quarter))


def order_features(orders: pl.LazyFrame, *, quarter: str) -> pl.LazyFrame:
    """Sales, rhythm and breadth per customer from order lines up to the quarter's end."""
    as_of = quarter_end(quarter)
    prev4_first, prev4_last = shift_quarter(quarter, -7), shift_quarter(quarter, -4)
    has_lines = "product_line" in orders.collect_schema().names()
    amount = pl.col("amount")
    return (
        orders.filter(pl.col("order_date") <= as_of)
        .group_by("customer_id")
        .agg(
            sales_quarter=amount.filter(_in_window("order_date", quarter, quarter)).sum(),
            sales_previous_quarter=amount.filter(
                _in_window("order_date", shift_quarter(quarter, -1), shift_quarter(quarter, -1))
            ).sum(),
            sales_trailing_4q=amount.filter(_in_window("order_date", shift_quarter(quarter, -3), quarter)).sum(),
            sales_prior_4q=amount.filter(_in_window("order_date", prev4_first, prev4_last)).sum(),
            sales_recent_2q=amount.filter(_in_window("order_date", shift_quarter(quarter, -1), quarter)).sum(),
            sales_before_2q=amount.filter(
                _in_window("order_date", shift_quarter(quarter, -3), shift_quarter(quarter, -2))
            ).sum(),
            first_order=pl.col("order_date").min(),
            last_order=pl.col("order_date").max(),
            order_days=pl.col("order_date").n_unique(),
            active_quarters_4q=pl.col("order_date")
            .filter(_in_window("order_date", shift_quarter(quarter, -3), quarter))
            .dt.truncate("1q")
            .n_unique(),
            lines_bought=(
                pl.col("product_line").filter(_in_window("order_date", shift_quarter(quarter, -3), quarter)).n_unique()
                if has_lines
                else pl.lit(None, dtype=pl.UInt32)
            ),
        )
        .with_columns(
            history_days=(pl.lit(as_of) - pl.col("first_order")).dt.total_days(),
            days_since_last_order=(pl.lit(as_of) - pl.col("last_order")).dt.total_days(),
            # the customer's own usual gap between ordering days; one ordering day has no rhythm yet
            usual_interval_days=pl.when(pl.col("order_days") > 1)
            .then((pl.col("last_order") - pl.col("first_order")).dt.total_days() / (pl.col("order_days") - 1))
            .otherwise(None),
        )
    )


def feedback_features(feedback: pl.LazyFrame | None, *, quarter: str) -> pl.LazyFrame | None:
    """Mean satisfaction and cooperation, and complaints, over the trailing four quarters."""
    if feedback is None:
        return None
    window = _in_window("feedback_date", shift_quarter(quarter, -3), quarter)
    names = feedback.collect_schema().names()
    complaint = pl.col("complaint").fill_null(False) if "complaint" in names else pl.lit(False)
    return (
        feedback.filter(window)
        .group_by("customer_id")
        .agg(
            satisfaction_mean=pl.col("satisfaction").mean() if "satisfaction" in names else pl.lit(None, pl.Float64),
            cooperation_mean=pl.col("cooperation").mean() if "cooperation" in names else pl.lit(None, pl.Float64),
            complaints_recent=complaint.filter(
                _in_window("feedback_date", shift_quarter(quarter, -1), quarter)
            ).sum().cast(pl.Int64),
        )
    )


def signal_features(signals: pl.LazyFrame | None, *, quarter: str) -> pl.LazyFrame | None:
    """Competitor signals in the last two quarters."""
    if signals is None:
        return None
    return (
        signals.filter(_in_window("signal_date", shift_quarter(quarter, -1), quarter))
        .group_by("customer_id")
        .agg(signals_recent=pl.len().cast(pl.Int64))
    )


def visit_features(visits: pl.LazyFrame | None, *, quarter: str) -> pl.LazyFrame | None:
    """Visits in the trailing four quarters and how many had a positive outcome."""
    if visits is None:
        return None
    names = visits.collect_schema().names()
    positive = (pl.col("outcome") == "positive").fill_null(False) if "outcome" in names else pl.lit(None, pl.Boolean)
    return (
        visits.filter(_in_window("visit_date", shift_quarter(quarter, -3), quarter))
        .group_by("customer_id")
        .agg(visits_4q=pl.len().cast(pl.Int64), positive_visits_4q=positive.sum().cast(pl.Int64))
    )


def customer_features(tables: dict[str, pl.LazyFrame], *, quarter: str) -> pl.LazyFrame:
    """One row per customer with every feature the rules use; absent tables give nulls, not zeros."""
    customers = tables["customers"]
    names = customers.collect_schema().names()
    out = customers.join(order_features(tables["orders"], quarter=quarter), on="customer_id", how="left")
    for frame in (
        feedback_features(tables.get("feedback"), quarter=quarter),
        signal_features(tables.get("competitor_signals"), quarter=quarter),
        visit_features(tables.get("visits"), quarter=quarter),
    ):
        if frame is not None:
            out = out.join(frame, on="customer_id", how="left")
    zero_if_present = {
        "complaints_recent": "feedback",
        "signals_recent": "competitor_signals",
        "visits_4q": "visits",
        "positive_visits_4q": "visits",
    }
    fills = [
        pl.col(c).fill_null(0) if tables.get(t) is not None else pl.lit(None, pl.Int64).alias(c)
        for c, t in zero_if_present.items()
    ]
    for col in ("potential_annual_value", "downstream_outlets", "referrals", "influence_scope", "since"):
        if col not in names:
            fills.append(pl.lit(None).alias(col))
    if "feedback" not in tables:
        fills += [pl.lit(None, pl.Float64).alias("satisfaction_mean"), pl.lit(None, pl.Float64).alias("cooperation_mean")]
    money = ["sales_quarter", "sales_previous_quarter", "sales_trailing_4q", "sales_prior_4q", "sales_recent_2q",
             "sales_before_2q"]
    return out.with_columns(*fills, *(pl.col(c).fill_null(0.0) for c in money))
