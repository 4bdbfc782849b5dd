"""The quarter-end speculator (DOMAIN.md, "Market quality"): flag, figures, and its place in the precedence.

A speculator waits for the last days of a quarter, when reps short of target dump stock at a
deep discount, buys then and hardly ever otherwise. From the order lines over
``speculator.window_quarters``:

- ``speculator_quarter_end_share``: share of its (positive) sales in the last
  ``quarter_end_days`` days of a quarter;
- ``speculator_discount``: the sales-weighted discount of those quarter-end lines (null without a
  discount column: then it is not held against the customer);
- ``speculator_other_days_per_quarter``: ordering days outside those days per quarter with orders
  (a regular rhythm shows as several a quarter);
- ``speculator_quarters``: quarters with orders in the window (too few is no pattern).

**Precedence.** Its long gaps and swings would read as a lapse and a sales decline, so a
speculator tagged ``at_risk`` is re-judged on ``score_risk`` without the signals of its rhythm
(:data:`~tagkit.scoring.risk_signals.RHYTHM`: sales decline, lapse, recency, frequency, fewer
orders, fewer lines, each counted as a typical customer's, and its warning signs counted without
them; ``speculator_risk_without_rhythm``, same model and band, same hysteresis). Below the band it
is tagged ``regular`` (the scorer's tag stays in ``scored_tag``) with reason
``speculator_not_at_risk``: dormant ≻ **speculator rhythm** ≻ at_risk ≻ benchmark ≻ nail ≻ regular.
Complaints, competitor signals or a satisfaction drop strong enough on their own keep it at risk.

Sums run in integer cents (and discounts in basis points), so the figures do not depend on the
order rows arrive in. The figures come from the customer × quarter order panel
(:mod:`tagkit.scoring.order_lines`, the speculator columns): every quarter's figures without
reading the order lines again.
"""
from __future__ import annotations

import polars as pl

from tagkit.params import ScoringParams, SpeculatorParams
from tagkit.quarters import quarter_index
from tagkit.scoring.order_lines import order_panels

SPECULATOR_COLUMNS = {
    "speculator_quarter_end_share": pl.Float64,
    "speculator_discount": pl.Float64,
    "speculator_other_days_per_quarter": pl.Float64,
    "speculator_quarters": pl.Int64,
    "is_speculator": pl.Boolean,
}


def quarter_end_of(date: str) -> pl.Expr:
    """The last day of the quarter of each date."""
    d = pl.col(date)
    return pl.date(d.dt.year(), d.dt.quarter().cast(pl.Int8) * 3, 1).dt.month_end()


def speculator_features(orders: pl.LazyFrame, *, quarter: str, p: SpeculatorParams) -> pl.LazyFrame:
    """One row per customer with orders in the window ending with ``quarter``: the figures and ``is_speculator``."""
    panel = order_panels(orders, quarter=quarter, quarter_end_days=p.quarter_end_days).quarters
    return speculator_figures(panel, quarter=quarter, p=p)


def speculator_figures(panel: pl.LazyFrame, *, quarter: str, p: SpeculatorParams) -> pl.LazyFrame:
    """:func:`speculator_features` from the customer × quarter order panel with the speculator columns.

    Only quarters with a purchase (a line with a positive amount) count; ordering days of
    different quarters are different days, so the per-quarter counts add up.
    """
    q = quarter_index(quarter)
    figures = (
        panel.filter(pl.col("qi").is_between(q - p.window_quarters + 1, q) & pl.col("last_purchase").is_not_null())
        .group_by("customer_id")
        .agg(
            _cents=pl.col("purchase_cents").sum(),
            _end_cents=pl.col("end_purchase_cents").sum(),
            _discount_num=pl.col("end_discount_weighted").sum(),
            _discount_den=pl.col("end_discount_cents").sum(),
            _other_days=pl.col("other_purchase_days").sum(),
            speculator_quarters=pl.len().cast(pl.Int64),
        )
    )
    share = pl.col("_end_cents") / pl.col("_cents")
    discount = pl.when(pl.col("_discount_den") > 0).then(pl.col("_discount_num") / pl.col("_discount_den") / 10_000)
    return figures.select(
        "customer_id",
        speculator_quarter_end_share=share.round(4),
        speculator_discount=discount.round(4),
        speculator_other_days_per_quarter=(pl.col("_other_days") / pl.col("speculator_quarters")).round(4),
        speculator_quarters="speculator_quarters",
    ).with_columns(
        is_speculator=(
            (pl.col("speculator_quarters") >= p.min_quarters)
            & (pl.col("speculator_quarter_end_share") >= p.min_quarter_end_share)
            & (pl.col("speculator_discount") >= p.min_discount).fill_null(True)
            & (pl.col("speculator_other_days_per_quarter") <= p.max_other_days_per_quarter)
        )
    )


def attach_speculators(frame: pl.LazyFrame, panel: pl.LazyFrame, *, quarter: str, p: SpeculatorParams) -> pl.LazyFrame:
    """``frame`` (one row per customer) with the speculator figures; ``is_speculator`` false without orders.

    ``panel`` is the customer × quarter order panel with the speculator columns
    (``OrderPanels.quarters`` made with ``p.quarter_end_days``).
    """
    features = speculator_figures(panel, quarter=quarter, p=p)
    return frame.join(features, on="customer_id", how="left", maintain_order="left").with_columns(
        pl.col("is_speculator").fill_null(False)
    )


def risk_without_rhythm(scoring: ScoringParams) -> pl.Expr:
    """``score_risk`` without the signals a speculator's rhythm inflates (the scorer's
    ``score_risk_without_rhythm``: the same model, those signals' contributions left out)."""
    return pl.col("score_risk_without_rhythm")


def speculator_demoted(scoring: ScoringParams) -> pl.Expr:
    """A speculator tagged at_risk whose risk without its rhythm stays below the at-risk band.

    Needs ``is_speculator``, ``tag``, ``previous_tag`` and the ``risk_<component>`` columns.
    """
    at_risk_before = (pl.col("previous_tag") == "at_risk").fill_null(False) & pl.lit(scoring.hysteresis)
    band = scoring.at_risk.min_risk
    threshold = pl.when(at_risk_before).then(pl.lit(band.exit)).otherwise(pl.lit(band.enter))
    at_risk_anyway = (risk_without_rhythm(scoring) >= threshold).fill_null(False)
    return pl.col("is_speculator") & (pl.col("tag") == "at_risk") & ~at_risk_anyway


def speculator_precedence(customers: pl.LazyFrame, *, scoring: ScoringParams) -> pl.LazyFrame:
    """Re-tag speculators that are at risk only through their rhythm (see the module docstring).

    Adds ``scored_tag`` (the scorer's tag), ``speculator_risk_without_rhythm`` (speculators only)
    and ``speculator_demoted``; rewrites ``tag``, ``risk_stage``, ``flags`` and the reasons of the demoted.
    """
    out = customers.with_columns(
        scored_tag=pl.col("tag"),
        speculator_risk_without_rhythm=pl.when(pl.col("is_speculator")).then(risk_without_rhythm(scoring).round(2)),
        speculator_demoted=speculator_demoted(scoring),
    )
    demoted = pl.col("speculator_demoted")
    empty = pl.lit([], dtype=pl.List(pl.String))
    return out.with_columns(
        tag=pl.when(demoted).then(pl.lit("regular")).otherwise(pl.col("tag")),
        **({"risk_stage": pl.when(demoted).then(None).otherwise(pl.col("risk_stage"))}
           if "risk_stage" in customers.collect_schema().names() else {}),
        flags=pl.when(demoted).then(pl.col("flags").list.filter(pl.element() != "benchmark_at_risk"))
        .otherwise(pl.col("flags")),
        # its reasons were all at-risk reasons; the speculator's own reasons are added with the flags
        **{c: pl.when(demoted).then(empty).otherwise(pl.col(c)) for c in ("reason_codes", "reasons_zh", "reasons_en")},
    )
