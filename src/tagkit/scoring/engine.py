"""The scoring entry points: tables in, the ``scores.parquet`` frame out (lazily; the caller collects).

>>> scores = score_customers(tables, quarter="2026Q3", p=params.scoring).collect()   # doctest: +SKIP
>>> same = score_customers(tables, quarter="2026Q3", p=params.scoring,
...                        features=read_features("features.parquet"))  # doctest: +SKIP

Steps: order panels (:mod:`~tagkit.scoring.order_lines`: from the order lines, or from a
precomputed features table in the schema of docs/features.md) and the other panels
(:mod:`~tagkit.scoring.panel`, one pass over each table), collected → the history
(:class:`~tagkit.scoring.timeline.Timeline`: the feature panel of every quarter, a risk model per
quarter learned from the quarters before it, the previous quarter's tags; the one step that
collects and learns) → this quarter's features (:mod:`~tagkit.scoring.features`) → risk signals
and ``score_risk`` (:mod:`~tagkit.scoring.risk_signals`, :mod:`~tagkit.scoring.risk_model`) → the
other scores (:mod:`~tagkit.scoring.scores`) → ABC, lifecycle, tags, stage and flags
(:mod:`~tagkit.scoring.rules`) → reasons (:mod:`~tagkit.scoring.reasons`); each a pure
``LazyFrame → LazyFrame`` function composed with ``.pipe``.

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
from tagkit.quarters import quarter_index, shift_quarter
from tagkit.scoring.exprs import labels_where
from tagkit.scoring.order_lines import OrderPanels, resolve_panels
from tagkit.scoring.panel import Panels, build_panels
from tagkit.scoring.reasons import reason_frame
from tagkit.scoring.risk_model import RiskModel
from tagkit.scoring.rules import flag_frame
from tagkit.scoring.timeline import Timeline

logger = logging.getLogger(__name__)

CONTRACT_COLUMNS = [
    "customer_id", "customer_name", "region", "rep_id", "quarter", "tag", "previous_tag", "abc_class",
    "score_contribution", "score_loyalty", "score_influence", "score_satisfaction", "score_cooperation",
    "score_potential", "score_risk", "risk_stage", "reason_codes", "sales_quarter", "sales_trailing_4q",
]
EXPLAINED_COLUMNS = ["flags", "reasons_zh", "reasons_en", "unavailable_signals"]
INTERNAL_COLUMNS = ["first_qi", "is_new_customer", "is_dormant", "is_established", "is_benchmark_quality", "tag_kept",
                    "is_stalled_nail", "is_line_gap",
                    "qi", "status", "went_bad", "sales_4q", "stage_bad", "has_orders"]


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


def _finish(tagged: pl.LazyFrame, *, quarter: str, panels: Panels, p: ScoringParams, model: RiskModel) -> pl.LazyFrame:
    """Flags, reasons, then the contract's column order, one row per customer by customer_id."""
    out = (
        tagged.pipe(flag_frame, p=p)
        .with_columns(quarter=pl.lit(quarter), unavailable_signals=unavailable_signals(panels))
        .pipe(reason_frame, p=p, model=model)
    )
    first = [*CONTRACT_COLUMNS, *EXPLAINED_COLUMNS]
    # rows are in customer_id order from the customers panel on: every join keeps the left order
    return out.select(*first, pl.exclude(*first, *INTERNAL_COLUMNS)).drop(
        pl.selectors.starts_with("q_", "s_index_", "d_index_", "des_", "next_"))


def timeline_of(tables: dict[str, pl.LazyFrame], *, quarter: str, p: ScoringParams,
                features: pl.LazyFrame | OrderPanels | None = None, panels: Panels | None = None,
                quarters_back: int = 1) -> Timeline:
    """A :class:`~tagkit.scoring.timeline.Timeline` of the tables (or of ``panels``, cut at ``quarter``).

    Collects the panels (once) and the feature panel of the quarters the models learn from.
    ``quarters_back``: how many quarters before ``quarter`` will be scored from it.
    """
    if panels is None:
        # from the order lines, breadth needs the trailing windows of the quarters scored only
        back = p.windows.trailing_quarters + quarters_back + p.risk.model.max_training_quarters
        since = shift_quarter(quarter, -back)
        orders = resolve_panels(tables.get("orders"), features, quarter=quarter, since=since)
        panels = build_panels(tables, last_quarter=quarter, orders=orders)
    else:
        panels = panels.until(quarter)
    return Timeline(panels.collect(), p=p, quarters_back=quarters_back)


def _wide(timeline: Timeline, quarter: str, *, previous: bool,
          published: pl.LazyFrame | None = None) -> tuple[pl.LazyFrame, RiskModel]:
    """Every feature of ``quarter`` scored and tagged (with hysteresis when ``previous``), and its model;
    ``published`` (``customer_id, previous_tag``) replaces the re-scored previous tags."""
    q = quarter_index(quarter)
    before = (published if published is not None else timeline.previous_tags(q)) if previous else None
    return timeline.score(timeline.features(q), q, previous=before), timeline.model(q)


def score_quarter(tables: dict[str, pl.LazyFrame], *, quarter: str, p: ScoringParams,
                  features: pl.LazyFrame | OrderPanels | None = None, panels: Panels | None = None,
                  timeline: Timeline | None = None) -> pl.LazyFrame:
    """The scores frame of one quarter without ``previous_tag`` and without hysteresis (raw tags).

    Same columns as :func:`score_customers` (``previous_tag`` null). ``features``, ``panels`` and
    ``timeline`` as in :func:`score_customers`.
    """
    tl = timeline or timeline_of(tables, quarter=quarter, p=p, features=features, panels=panels)
    tagged, model = _wide(tl, quarter, previous=False)
    return _finish(tagged, quarter=quarter, panels=tl.panels, p=p, model=model)


def score_customers(tables: dict[str, pl.LazyFrame], *, quarter: str, p: ScoringParams,
                    features: pl.LazyFrame | OrderPanels | None = None, panels: Panels | None = None,
                    timeline: Timeline | None = None, previous: pl.LazyFrame | None = None) -> pl.LazyFrame:
    """The ``scores.parquet`` frame: contract columns first, then flags, reasons and the features behind them.

    ``tables`` are the validated clean tables (``customers`` and ``orders`` required; ``visits``,
    ``feedback``, ``competitor_signals`` optional). Rows dated after ``quarter``'s last day are
    ignored. ``score_risk`` is the chance of going bad next quarter, from the model learned on the
    quarters before ``quarter`` (:mod:`tagkit.scoring.risk_model`). ``previous_tag`` is the raw tag
    of the previous quarter as it would have been given then (its own model, the history up to its
    end), so transitions exist on the first run; with ``p.hysteresis`` it also decides which
    thresholds (enter or exit) a customer is judged against. Sorted by customer_id; the same input
    in any row order gives the same output.

    ``features`` replaces the order lines (``tables["orders"]`` is then not read, and may be
    absent): a features table in the schema of docs/features.md (a LazyFrame), as
    :func:`~tagkit.scoring.order_lines.order_features` makes it or a warehouse query does, read
    from a parquet file or folder and its schema checked by :func:`tagkit.io.features_table.read_features`
    (which names each column to fix), or :class:`~tagkit.scoring.order_lines.OrderPanels` already
    collected. The scores are the same as from the order lines the table was made from.

    ``panels`` replaces every table (:class:`~tagkit.scoring.panel.Panels` of this quarter or a
    later one); ``timeline`` replaces both: the run's :class:`~tagkit.scoring.timeline.Timeline`,
    shared by the scores, the back-test and the prescription. Building one collects the panels and
    the history's feature panel and learns the models: this function returns a lazy frame, but the
    learning is done when it returns.

    ``previous`` (``customer_id, previous_tag``): the tags managers received last quarter (the published
    run's ``scores.parquet``), used instead of re-scoring the previous quarter, so that this quarter's
    report agrees with the last one even after a change of params; a customer missing from it has none.
    """
    tl = timeline or timeline_of(tables, quarter=quarter, p=p, features=features, panels=panels)
    tagged, model = _wide(tl, quarter, previous=True, published=previous)
    return _finish(tagged, quarter=quarter, panels=tl.panels, p=p, model=model)
