"""The scoring entry points: tables in, the ``scores.parquet`` frame out (lazily; the caller collects).

>>> scores = score_customers(tables, quarter="2026Q3", p=params.scoring).collect()   # doctest: +SKIP
>>> same = score_customers(tables, quarter="2026Q3", p=params.scoring, features="features.parquet")  # doctest: +SKIP

Steps, each a pure ``LazyFrame → LazyFrame`` function composed with ``.pipe``:
order panels (:mod:`~tagkit.scoring.order_lines`: from the order lines, or from a precomputed
features table in the schema of docs/features.md) and the other panels
(:mod:`~tagkit.scoring.panel`, one pass over each table) → features
(:mod:`~tagkit.scoring.features`) → scores (:mod:`~tagkit.scoring.scores`) → lifecycle, tags,
flags and ABC (:mod:`~tagkit.scoring.rules`) → reasons (:mod:`~tagkit.scoring.reasons`).

``unavailable_signals: list[str]`` is per customer: the optional tables that are absent
(``visits``, ``feedback``, ``competitor_signals``: on every row), and the inputs this customer
lacks: ``potential_annual_value`` (no potential: no share of wallet, no score_potential, never a
nail), ``product_line`` (no product lines in the orders: no breadth), ``influence`` (scope,
outlets and referrals all unknown), ``satisfaction`` / ``cooperation`` (no survey answer in the
survey window). The scores that need a missing input are null, never zero.
"""
from __future__ import annotations

import logging

import polars as pl

from tagkit.params import ScoringParams
from tagkit.quarters import shift_quarter
from tagkit.scoring.exprs import labels_where
from tagkit.scoring.features import customer_features
from tagkit.scoring.order_lines import Features, OrderPanels, resolve_panels
from tagkit.scoring.panel import Panels, build_panels
from tagkit.scoring.reasons import reason_frame
from tagkit.scoring.rules import abc_frame, flag_frame, lifecycle_frame, tag_frame
from tagkit.scoring.scores import score_frame

logger = logging.getLogger(__name__)

CONTRACT_COLUMNS = [
    "customer_id", "customer_name", "region", "rep_id", "quarter", "tag", "previous_tag", "abc_class",
    "score_contribution", "score_loyalty", "score_influence", "score_satisfaction", "score_cooperation",
    "score_potential", "score_risk", "reason_codes", "sales_quarter", "sales_trailing_4q",
]
EXPLAINED_COLUMNS = ["flags", "reasons_zh", "reasons_en", "unavailable_signals"]
INTERNAL_COLUMNS = ["first_qi", "is_new_customer", "is_dormant", "is_established", "is_benchmark_quality", "tag_kept"]


def unavailable_signals(panels: Panels) -> pl.Expr:
    """The signals missing for each customer (see the module docstring)."""
    per_row = {
        "potential_annual_value": pl.col("potential_annual_value").is_null(),
        "product_line": pl.col("lines_available").is_null(),
        "influence": pl.col("score_influence").is_null(),
    }
    if panels.feedback is not None:
        per_row |= {
            "satisfaction": pl.col("satisfaction_mean").is_null(),
            "cooperation": pl.col("cooperation_mean").is_null(),
        }
    return labels_where({**{t: pl.lit(True) for t in panels.absent_tables}, **per_row})


def _tag_quarter(panels: Panels, *, quarter: str, p: ScoringParams, previous: pl.LazyFrame | None) -> pl.LazyFrame:
    """Features, scores and tag of one quarter; ``previous`` holds ``previous_tag`` per customer."""
    scored = customer_features(panels, quarter=quarter, p=p).pipe(score_frame, p=p).pipe(lifecycle_frame, p=p)
    if previous is None:
        scored = scored.with_columns(previous_tag=pl.lit(None, dtype=pl.String))
    else:
        scored = scored.join(previous, on="customer_id", how="left", maintain_order="left")
    return scored.pipe(tag_frame, p=p)


def _finish(tagged: pl.LazyFrame, *, quarter: str, panels: Panels, p: ScoringParams) -> pl.LazyFrame:
    """Flags, ABC, reasons, then the contract's column order, one row per customer by customer_id."""
    out = (
        tagged.pipe(flag_frame, p=p)
        .pipe(abc_frame, p=p)
        .with_columns(quarter=pl.lit(quarter), unavailable_signals=unavailable_signals(panels))
        .pipe(reason_frame, p=p)
    )
    first = [*CONTRACT_COLUMNS, *EXPLAINED_COLUMNS]
    # rows are in customer_id order from the customers panel on: every join keeps the left order
    return out.select(*first, pl.exclude(*first, *INTERNAL_COLUMNS))


def previous_tags(panels: Panels, *, quarter: str, p: ScoringParams) -> pl.LazyFrame:
    """``customer_id, previous_tag``: the raw tag (no hysteresis) of the quarter before ``quarter``.

    Customers without an order by then had no tag then and are left out (their previous_tag is null).
    """
    before = shift_quarter(quarter, -1)
    return (
        _tag_quarter(panels, quarter=before, p=p, previous=None)
        .filter(pl.col("last_order").is_not_null())
        .select("customer_id", previous_tag=pl.col("tag"))
    )


def _panels(tables: dict[str, pl.LazyFrame], *, quarter: str, p: ScoringParams,
            features: Features | OrderPanels | None, panels: Panels | None) -> Panels:
    if panels is not None:
        return panels.until(quarter)
    # from the order lines, breadth needs the trailing windows of this quarter and the one before only
    since = shift_quarter(quarter, -p.windows.trailing_quarters)
    orders = resolve_panels(tables.get("orders"), features, quarter=quarter, since=since)
    return build_panels(tables, last_quarter=quarter, orders=orders)


def score_quarter(tables: dict[str, pl.LazyFrame], *, quarter: str, p: ScoringParams,
                  features: Features | OrderPanels | None = None, panels: Panels | None = None) -> pl.LazyFrame:
    """The scores frame of one quarter without ``previous_tag`` and without hysteresis: the cheap path.

    Same columns as :func:`score_customers` (``previous_tag`` null), for back-tests that score
    many quarters and only need the raw tags. ``features`` and ``panels`` as in :func:`score_customers`.
    """
    built = _panels(tables, quarter=quarter, p=p, features=features, panels=panels)
    return _finish(_tag_quarter(built, quarter=quarter, p=p, previous=None), quarter=quarter, panels=built, p=p)


def score_customers(tables: dict[str, pl.LazyFrame], *, quarter: str, p: ScoringParams,
                    features: Features | OrderPanels | None = None, panels: Panels | None = None) -> pl.LazyFrame:
    """The ``scores.parquet`` frame: contract columns first, then flags, reasons and the features behind them.

    ``tables`` are the validated clean tables (``customers`` and ``orders`` required; ``visits``,
    ``feedback``, ``competitor_signals`` optional). Rows dated after ``quarter``'s last day are
    ignored. ``previous_tag`` is the raw tag of the previous quarter scored from the same history
    (so transitions exist on the first run); with ``p.hysteresis`` it also decides which thresholds
    (enter or exit) a customer is judged against. Sorted by customer_id; the same input in any row
    order gives the same output.

    ``features`` replaces the order lines (``tables["orders"]`` is then not read, and may be
    absent): a features table in the schema of docs/features.md (a frame, or a parquet file or
    folder), as :func:`~tagkit.scoring.order_lines.order_features` makes it or a warehouse
    query does, or :class:`~tagkit.scoring.order_lines.OrderPanels` already collected. The
    scores are the same as from the order lines the table was made from. A table whose schema
    does not match raises :class:`~tagkit.errors.InputError` naming each column to fix.

    ``panels`` replaces every table: :class:`~tagkit.scoring.panel.Panels` of this quarter or a
    later one, collected once (:meth:`~tagkit.scoring.panel.Panels.collect`) when many quarters
    are scored from one history, as the back-test and the prescription do.
    """
    built = _panels(tables, quarter=quarter, p=p, features=features, panels=panels)
    previous = previous_tags(built, quarter=quarter, p=p)
    return _finish(_tag_quarter(built, quarter=quarter, p=p, previous=previous), quarter=quarter, panels=built, p=p)
