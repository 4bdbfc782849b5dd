"""Every customer's features for every quarter in one vectorised pass: the feature panel.

One row per customer and quarter (``qi``, ``quarter``) from ``first`` to ``last``, with the same
columns, computed the same way, as scoring each quarter on its own as of its last day
(:func:`tagkit.scoring.features.customer_features`; a test holds the two equal row for row). The
scores, tags, the risk model's training rows, the back-test, the prescription's history, the
transitions and the quality index all read this panel instead of scoring quarter after quarter.

How: the per-quarter panels of :mod:`tagkit.scoring.panel` are laid on a dense customer × quarter
grid (:mod:`tagkit.scoring.grid`) that starts :func:`~tagkit.scoring.grid.lookback` quarters
before ``first``, every window is a difference of running sums or a few lags on that grid, and the
running totals over all history (first order, ordering days, the last quarter a nail's stall was
broken) are seeded from the panel rows before the grid. The grid rows before ``first`` only feed
the windows and are dropped.

Names and meanings of the columns: :mod:`tagkit.scoring.features` and :mod:`tagkit.scoring.engagement`.
"""
from __future__ import annotations

import polars as pl

from tagkit.contract import SIGNALS, TOPICS, VISIT_TYPES
from tagkit.params import ScoringParams
from tagkit.quarters import quarter_label_of
from tagkit.scoring.engagement import FEEDBACK_SCHEMA, SIGNAL_SCHEMA, VISIT_SCHEMA
from tagkit.scoring.exprs import first_label_where, labels_where, money, safe_ratio
from tagkit.scoring.features import SALES, derived_features, region_relative
from tagkit.scoring.grid import QI, lag, latest_where, lookback, quarter_grid, window_extreme, window_sum
from tagkit.scoring.order_lines import MAX_QUARTERS_BACK
from tagkit.scoring.panel import Panels

ORDER_COUNTS = ("sales_cents", "order_days")
VISIT_COUNTS = ("visits", *(f"visits_{t}" for t in VISIT_TYPES), "visits_escalated", "visits_positive",
                "visits_with_outcome", "visits_negative")
FEEDBACK_COUNTS = ("satisfaction_sum", "satisfaction_n", "cooperation_sum", "cooperation_n", "complaints",
                   *(f"complaints_{t}" for t in TOPICS))
SIGNAL_COUNTS = ("signals", *(f"signals_{s}" for s in SIGNALS))


def quarter_end_of_index(qi: str = QI) -> pl.Expr:
    """The last day of each quarter index in column ``qi``."""
    q = pl.col(qi)
    return pl.date(q // 4, (q % 4 + 1) * 3, 1).dt.month_end()


def grid_start(panels: Panels, *, first: int, p: ScoringParams, data_start: int | None) -> int:
    """Where the grid starts: far enough back for ``first``'s windows, never before the data."""
    start = first - lookback(p.windows)
    return start if data_start is None else max(start, min(data_start, first))


def _on_grid(grid: pl.LazyFrame, panel: pl.LazyFrame | None, counts: tuple[str, ...]) -> pl.LazyFrame:
    if panel is None:
        return grid
    keep = [c for c in counts if c in panel.collect_schema().names()]
    joined = grid.join(panel.select("customer_id", QI, *keep), on=["customer_id", QI], how="left",
                       maintain_order="left")
    return joined.with_columns(pl.col(keep).fill_null(0))


def _forward(value: pl.Expr, *, start: int) -> pl.Expr:
    """The customer's latest non-null ``value`` up to this quarter (a global forward fill that stops at
    the customer's first row: rows are regular, so that row is ``qi - start`` rows up)."""
    row = pl.int_range(pl.len(), dtype=pl.Int64)
    seen_at = pl.when(value.is_not_null()).then(row).forward_fill()
    return pl.when(seen_at >= row - (pl.col(QI) - start)).then(value.forward_fill())


def _history_before(orders: pl.LazyFrame, potential: pl.LazyFrame, *, start: int, stall_share: float) -> pl.LazyFrame:
    """Running totals of the order panel's rows before the grid, per customer: the seeds of the cumulative columns."""
    before = orders.filter(pl.col(QI) < start).join(potential, on="customer_id", how="left")
    high = 4 * money("sales_cents") > stall_share * pl.col("potential_annual_value")
    return before.group_by("customer_id").agg(
        _pre_order_days=pl.col("order_days").sum(),
        _pre_first_order=pl.col("first_order").min(),
        _pre_last_order=pl.col("last_order").max(),
        _pre_first_qi=pl.col(QI).min(),
        _pre_high_qi=pl.when(high).then(pl.col(QI)).max(),
    )


LAGS = 8  # quarters back the per-quarter columns reach: two trailing years, for the risk signals


def _quarter_lags(cents: pl.Expr, days: pl.Expr, purchase: pl.Expr, *, start: int) -> dict[str, pl.Expr]:
    """Each quarter's own figures ``k`` quarters back (``q_cents_k``, ``q_days_k``, ``q_purchase_k``; 0 = this
    quarter) and the next quarter's (``next_cents``, ``next_purchase``: the outcome a model learns from).

    The risk signals compare a quarter with the ones before it after removing the region's seasonal
    movement, which differs by quarter of the year, so they need the quarters one by one, not sums.
    The next quarter is null on the grid's last quarter (it is not known yet).
    """
    out: dict[str, pl.Expr] = {}
    for k in range(LAGS):
        out[f"q_cents_{k}"] = lag(cents, k, start=start)
        out[f"q_days_{k}"] = lag(days, k, start=start)
        out[f"q_purchase_{k}"] = lag(purchase, k, start=start)
    not_last = pl.col(QI) < pl.col(QI).max()
    out["next_cents"] = pl.when(not_last).then(cents.shift(-1))
    out["next_purchase"] = pl.when(not_last).then(purchase.shift(-1))
    return out


def _sales(frame: pl.LazyFrame, *, start: int, p: ScoringParams) -> pl.LazyFrame:
    """Sales windows, rhythm and the running totals (:func:`tagkit.scoring.features.sales_features`), on the
    grid :func:`_joined` laid every panel on."""
    w = p.windows
    t, r = w.trailing_quarters, w.rhythm_quarters
    stall = p.nail.max_share_of_wallet.enter
    cents, row = pl.col("sales_cents").fill_null(0), pl.col("_row").fill_null(False)
    high = (4 * money("sales_cents") > stall * pl.col("potential_annual_value")) & row

    def win(expr: pl.Expr, a: int, b: int) -> pl.Expr:
        return window_sum(expr, a, b, start=start)

    first_qi_here = pl.when(row).then(pl.col(QI)).min().over("customer_id")
    first_order_here = pl.col("first_order").min().over("customer_id")
    return frame.with_columns(
        _sales_quarter=cents,
        _sales_previous_quarter=win(cents, 1, 1),
        _sales_same_quarter_last_year=win(cents, 4, 4),
        _sales_trailing_4q=win(cents, t - 1, 0),
        _sales_prior_4q=win(cents, 2 * t - 1, t),
        active_quarters=win(row.cast(pl.Int64), t - 1, 0),
        rhythm_days=win(pl.col("order_days"), r - 1, 0),
        rhythm_first=window_extreme(pl.col("first_order"), r, start=start, how="min"),
        rhythm_last=window_extreme(pl.col("last_order"), r, start=start, how="max"),
        order_days=pl.col("order_days").fill_null(0).cum_sum().over("customer_id")
        + pl.col("_pre_order_days").fill_null(0),
        first_qi=pl.coalesce("_pre_first_qi", pl.when(pl.col(QI) >= first_qi_here).then(first_qi_here)),
        first_order=pl.coalesce("_pre_first_order", pl.when(pl.col(QI) >= first_qi_here).then(first_order_here)),
        last_order=pl.coalesce(_forward(pl.col("last_order"), start=start), "_pre_last_order"),
        last_high_share_qi=pl.coalesce(_forward(pl.when(high).then(pl.col(QI)), start=start), "_pre_high_qi"),
        has_orders=row,
        **_quarter_lags(cents, pl.col("order_days").fill_null(0), pl.col("last_purchase").is_not_null(), start=start),
    ).with_columns(
        # the same float conversion as the one-quarter path: cents summed exactly, then to money
        **{s: money(f"_{s}") for s in SALES},
    ).drop(pl.selectors.starts_with("_"), "sales_cents")


def _joined(panels: Panels, *, start: int, last: int, p: ScoringParams) -> pl.LazyFrame:
    """The customer × quarter grid with every panel's rows, the customer's columns and the seeds of the
    running totals joined on, while it is still narrow: a join copies every column of its left side, so
    joining after the features are made would copy a hundred columns of every customer-quarter each time."""
    grid = quarter_grid(panels.customers, start=start, last=last)
    orders = panels.orders.select("customer_id", QI, *ORDER_COUNTS, "first_order", "last_order", "last_purchase")
    frame = grid.join(orders.with_columns(_row=pl.lit(True)), on=["customer_id", QI], how="left",
                      maintain_order="left")
    for panel, counts in ((panels.visits, VISIT_COUNTS), (panels.feedback, FEEDBACK_COUNTS),
                          (panels.signals, SIGNAL_COUNTS)):
        frame = _on_grid(frame, panel, counts)
    potential = panels.customers.select("customer_id", "potential_annual_value")
    seeds = _history_before(panels.orders, potential, start=start, stall_share=p.nail.max_share_of_wallet.enter)
    bought, available = _breadth(panels, start=start, last=last, p=p)
    return (
        frame.join(bought, on=["customer_id", QI], how="left", maintain_order="left")
        .join(available, on=QI, how="left", maintain_order="left")
        .join(seeds, on="customer_id", how="left", maintain_order="left")
        .join(panels.customers, on="customer_id", how="left", maintain_order="left")
    )


def _breadth(panels: Panels, *, start: int, last: int, p: ScoringParams) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """``lines_bought`` (trailing window), ``lines_quarter`` (this quarter alone) and ``lines_available`` per
    customer and quarter, from the product-line bit masks: one aggregation with a column per quarter."""
    t, top = p.windows.trailing_quarters, panels.lines_top
    if top - start + t > MAX_QUARTERS_BACK or last > top:
        raise ValueError(f"breadth of quarter indices {start}..{last} needs quarters the product-line panel "
                         f"(up to {top}) does not hold")
    quarters = range(start, last + 1)

    def mask(qi: int, width: int) -> pl.Expr:
        return pl.lit(((1 << width) - 1) << (top - qi), dtype=pl.UInt64)

    def hit(qi: int, width: int) -> pl.Expr:
        return ((pl.col("qbits") & mask(qi, width)) != 0).cast(pl.Int64)

    per_customer = panels.lines.group_by("customer_id").agg(
        **{f"b{qi}": hit(qi, t).sum() for qi in quarters},
        **{f"n{qi}": hit(qi, 1).sum() for qi in quarters},
    )
    catalogue = panels.lines if panels.catalogue is None else panels.catalogue
    available = catalogue.group_by("product_line").agg(pl.col("qbits").bitwise_or()).select(
        **{f"a{qi}": hit(qi, t).sum() for qi in quarters}
    )
    long = per_customer.unpivot(index="customer_id", on=[f"b{qi}" for qi in quarters], variable_name="_k",
                                value_name="lines_bought")
    narrow = per_customer.unpivot(index="customer_id", on=[f"n{qi}" for qi in quarters], variable_name="_k",
                                  value_name="lines_quarter")
    avail = available.unpivot(on=[f"a{qi}" for qi in quarters], variable_name="_k", value_name="lines_available")
    qi_of = pl.col("_k").str.slice(1).cast(pl.Int32).alias(QI)
    return (
        long.with_columns(qi_of).drop("_k")
        .join(narrow.with_columns(qi_of).drop("_k"), on=["customer_id", QI], how="left"),
        avail.with_columns(qi_of).drop("_k"),
    )


def _visits(frame: pl.LazyFrame, panels: Panels, *, start: int, p: ScoringParams) -> pl.LazyFrame:
    w = p.windows
    if panels.visits is None:
        return frame.with_columns(*(pl.lit(None, dtype=d).alias(n) for n, d in VISIT_SCHEMA.items()),
                                  **{n: pl.lit(None, dtype=pl.Float64) for n in CHANGE_COLUMNS["visits"]})
    t, r, b = w.trailing_quarters, w.recent_quarters, w.before_quarters
    trailing = ["visits", *(f"visits_{v}" for v in VISIT_TYPES), "visits_escalated", "visits_positive",
                "visits_with_outcome"]
    c = pl.col
    return frame.with_columns(
        **{("visits_trailing" if n == "visits" else f"_{n}"): window_sum(c(n), t - 1, 0, start=start)
           for n in trailing},
        visits_recent=window_sum(c("visits"), r - 1, 0, start=start),
        visits_before=window_sum(c("visits"), r + b - 1, r, start=start),
        **_now_and_usual("visits", c("visits"), start=start),
        **_now_and_usual("visits_negative", c("visits_negative"), start=start),
        **_now_and_usual("visits_with_outcome", c("visits_with_outcome"), start=start),
    ).drop(*trailing[1:]).rename({f"_{n}": n for n in trailing[1:]})


USUAL_QUARTERS = 4  # a customer's usual quarter: the mean of the four before
CHANGE_COLUMNS = {
    "visits": ("visits_quarter", "visits_usual", "visits_negative_quarter", "visits_negative_usual",
               "visits_with_outcome_quarter", "visits_with_outcome_usual"),
    "feedback": ("complaints_quarter", "complaints_usual"),
    "signals": ("signals_weighted_quarter", "signals_weighted_usual", "signals_quarter", "signals_usual"),
}


def _now_and_usual(name: str, expr: pl.Expr, *, start: int) -> dict[str, pl.Expr]:
    """``<name>_quarter`` (this quarter) and ``<name>_usual`` (the mean quarter of the four before; a window
    reaching before the data counts what there is): what changed, for the risk signals."""
    return {
        f"{name}_quarter": window_sum(expr, 0, 0, start=start).cast(pl.Float64),
        f"{name}_usual": (window_sum(expr, USUAL_QUARTERS, 1, start=start) / USUAL_QUARTERS).fill_null(0.0),
    }


def _visit_rates(frame: pl.LazyFrame, p: ScoringParams) -> pl.LazyFrame:
    """The rates :func:`tagkit.scoring.engagement.visit_features` adds (null where the table is absent)."""
    return frame.with_columns(
        positive_share=safe_ratio("visits_positive", "visits_with_outcome"),
        visits_recent_per_quarter=pl.col("visits_recent") / p.windows.recent_quarters,
        visits_before_per_quarter=pl.col("visits_before") / p.windows.before_quarters,
    )


def _feedback(frame: pl.LazyFrame, panels: Panels, *, start: int, p: ScoringParams) -> pl.LazyFrame:
    w = p.windows
    if panels.feedback is None:
        return frame.with_columns(*(pl.lit(None, dtype=d).alias(n) for n, d in FEEDBACK_SCHEMA.items()),
                                  top_complaint_topic=pl.lit(None, dtype=pl.String),
                                  **{n: pl.lit(None, dtype=pl.Float64) for n in CHANGE_COLUMNS["feedback"]})
    r, b, s, f = w.recent_quarters, w.before_quarters, w.survey_quarters, w.survey_fallback_quarters
    spans = {"survey": (s - 1, 0), "recent": (r - 1, 0), "before": (r + b - 1, r)}
    c = pl.col
    sums = {
        f"_{kind}_{name}_{part}": window_sum(c(f"{kind}_{part}"), *span, start=start)
        for kind in ("satisfaction", "cooperation") for name, span in spans.items() for part in ("sum", "n")
    }
    latest = {
        f"{kind}_latest": latest_where(c(f"{kind}_sum") / c(f"{kind}_n"), c(f"{kind}_n") > 0, within=f, start=start)
        for kind in ("satisfaction", "cooperation")
    }
    means = {
        f"{kind}_{name}": safe_ratio(f"_{kind}_{span}_sum", f"_{kind}_{span}_n")
        for kind in ("satisfaction", "cooperation")
        for name, span in (("mean", "survey"), ("recent", "recent"), ("before", "before"))
    }
    out = frame.with_columns(
        **sums, **latest, **_now_and_usual("complaints", c("complaints"), start=start),
        surveys_window=window_sum(c("satisfaction_n"), s - 1, 0, start=start),
        complaints_recent=window_sum(c("complaints"), r - 1, 0, start=start),
        complaints_window=window_sum(c("complaints"), s - 1, 0, start=start),
        **{f"_complaints_{t}_recent": window_sum(c(f"complaints_{t}"), r - 1, 0, start=start) for t in TOPICS},
    ).drop(*(f"complaints_{t}" for t in TOPICS)).rename({f"_complaints_{t}_recent": f"complaints_{t}" for t in TOPICS})
    out = out.with_columns(**means).with_columns(
        satisfaction_mean=pl.coalesce("satisfaction_mean", "satisfaction_latest"),
        cooperation_mean=pl.coalesce("cooperation_mean", "cooperation_latest"),
    )
    most = pl.max_horizontal([c(f"complaints_{t}") for t in TOPICS])
    return out.with_columns(
        top_complaint_topic=first_label_where({t: (c(f"complaints_{t}") == most) & (most > 0) for t in TOPICS}),
    )


def _signals(frame: pl.LazyFrame, panels: Panels, *, start: int, p: ScoringParams) -> pl.LazyFrame:
    w = p.windows
    weights = p.risk.signal_weights
    if panels.signals is None:
        out = frame.with_columns(*(pl.lit(None, dtype=d).alias(n) for n, d in SIGNAL_SCHEMA.items()),
                                 **{n: pl.lit(None, dtype=pl.Float64) for n in CHANGE_COLUMNS["signals"]})
    else:
        r, t = w.recent_quarters, w.trailing_quarters
        c = pl.col
        per_quarter = pl.sum_horizontal([getattr(weights, s) * c(f"signals_{s}") for s in SIGNALS])
        out = frame.with_columns(
            **_now_and_usual("signals_weighted", per_quarter, start=start),
            **_now_and_usual("signals", c("signals"), start=start),
            signals_recent=window_sum(c("signals"), r - 1, 0, start=start),
            signals_trailing=window_sum(c("signals"), t - 1, 0, start=start),
            **{f"_signals_{s}": window_sum(c(f"signals_{s}"), r - 1, 0, start=start) for s in SIGNALS},
        ).drop(*(f"signals_{s}" for s in SIGNALS)).rename({f"_signals_{s}": f"signals_{s}" for s in SIGNALS})
    weighted = pl.sum_horizontal([getattr(weights, s) * pl.col(f"signals_{s}") for s in SIGNALS])
    kinds = labels_where({s: pl.col(f"signals_{s}") > 0 for s in SIGNALS})
    return out.with_columns(
        signals_weighted=pl.when(pl.col("signals_recent").is_not_null()).then(weighted),
        signal_kinds=pl.when(pl.col("signals_recent").is_not_null()).then(kinds),
    )


def feature_panel(panels: Panels, *, first: int, last: int, p: ScoringParams,
                  data_start: int | None = None) -> pl.LazyFrame:
    """Features of every customer for each quarter index ``first`` .. ``last`` (lazy), sorted by customer, quarter.

    ``data_start`` (the earliest quarter index in any panel, when known) only saves grid rows before
    the data; the result is the same without it. ``last`` must be at most ``panels.last_quarter``.
    """
    start = grid_start(panels, first=first, p=p, data_start=data_start)
    frame = _sales(_joined(panels, start=start, last=last, p=p), start=start, p=p)
    frame = _visits(frame, panels, start=start, p=p).pipe(_visit_rates, p=p)
    frame = _feedback(frame, panels, start=start, p=p)
    frame = _signals(frame, panels, start=start, p=p)
    frame = frame.with_columns(
        lines_available=pl.when(pl.col("lines_available") > 0).then(pl.col("lines_available")),
    ).with_columns(
        lines_bought=pl.when(pl.col("lines_available") > 0).then(pl.col("lines_bought").fill_null(0)),
        lines_quarter=pl.when(pl.col("lines_available") > 0).then(pl.col("lines_quarter").fill_null(0)),
    ).with_columns(**{f"q_lines_{k}": lag(pl.col("lines_quarter"), k, start=start) for k in range(LAGS)})
    customers = panels.customers.drop("customer_id").collect_schema().names()
    frame = frame.select("customer_id", *customers, pl.exclude("customer_id", *customers))
    as_of = quarter_end_of_index()
    frame = frame.with_columns(derived_features(qi=pl.col(QI), as_of=as_of, p=p))
    usual = pl.coalesce("usual_interval_days", pl.lit(p.lifecycle.default_interval_days))
    frame = frame.with_columns(
        (pl.col("days_since_last_order") / usual).alias("lapse_ratio"),
        *region_relative(p.windows.region_min_customers, by=("region", QI)),
    )
    return (
        frame.filter(pl.col(QI) >= first)
        .with_columns(quarter=quarter_label_of(QI))
        .drop("rhythm_first", "rhythm_last", "rhythm_days", "last_high_share_qi", pl.selectors.starts_with("_"),
              *(n for n in (*VISIT_COUNTS, *FEEDBACK_COUNTS, *SIGNAL_COUNTS) if n not in _KEPT), strict=False)
    )


# per-quarter counts that are also feature names: kept
_KEPT = frozenset(VISIT_SCHEMA) | frozenset(FEEDBACK_SCHEMA) | frozenset(SIGNAL_SCHEMA)
