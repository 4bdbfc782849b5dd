"""The evidence behind ``score_risk``: one number per signal, customer and quarter, and what happened next.

Every signal is computed on the feature panel (:mod:`tagkit.scoring.panel_features`) after the
region's seasonal index (:mod:`tagkit.scoring.seasonal`) is attached, so the same expressions give
the signals of the scored quarter, of every earlier quarter a model learns from, and of every
back-tested quarter. Each signal grows with the evidence of risk, except ``frequency`` (a customer
who orders often is less likely to stop); ``params/scoring.yaml`` (``risk.signals``) states each
direction, and the model (:mod:`tagkit.scoring.risk_model`) may only weigh a signal that way.

- ``sales_decline`` (0..1): how far the quarter's sales fell short of the customer's own base:
  the same quarter last year (its own season) where there is one; else its normal quarter (the
  mean of the four before, each with the region's seasonal movement taken out); a customer whose
  usual interval is longer than ``risk.decline_long_interval_days`` is judged on its last four
  quarters against the four before (one quarter holds too few of its orders). ``decline_basis``
  says which, ``decline_ratio`` the ratio (now / base).
- ``orders_lapsed``: ``ln(1 + days over the usual interval / usual interval)``: zero while the
  customer is within its own rhythm.
- ``recency``: ``ln(1 + quarters since the last order)``.
- ``frequency``: ``ln(1 + ordering days in the trailing four quarters)`` (direction: down).
- ``fewer_orders`` (0..1): ordering days short of the same base as the sales (order gaps stretching).
- ``fewer_lines`` (0..1): product lines bought this quarter short of the customer's usual quarter
  with a purchase (narrower baskets); 0 in a quarter without a purchase.
- ``fewer_visits`` (0..1): visits this quarter short of the customer's usual quarter (the mean of
  the four before; from ``risk.visits_before_min`` visits in those four on).
- ``cold_visits`` (0..1): the share of this quarter's visits with an outcome that ended negative.
- ``complaints``: ``ln(1 + complaints this quarter beyond the customer's usual quarter)``.
- ``satisfaction_drop`` (0..1): the survey mean's fall, recent against before, over ``risk.satisfaction_drop_full``.
- ``competitor_signals``: ``ln(1 + weighted competitor signals this quarter beyond its usual quarter)``.
- ``warning_signs``: how many of the leading signals above (sales decline to competitor signals)
  are past their floor (``risk.warning_sign_floors``) at once. One complaint is noise; a slipping
  customer shows several signs together, which a sum of separate weights undervalues.
  (``risk_warning_signs_steady`` counts those outside :data:`RHYTHM` only: the count a speculator is
  judged on.)

A signal whose table is absent is null (it drops out of the score: contributes nothing). The
**outcome** of a quarter (:func:`outcome_columns`) is the back-test's: no purchase next quarter,
or next quarter's net sales below ``(1 - decline_threshold)`` of the average quarter of the last
four, both after the seasonal index; who is judged (``status``) is as in :mod:`tagkit.backtest.outcome`.
"""
from __future__ import annotations

import polars as pl

from tagkit.params import ScoringParams
from tagkit.params.scoring import RiskParams
from tagkit.scoring.panel_features import LAGS

SIGNALS = ("sales_decline", "orders_lapsed", "recency", "frequency", "fewer_orders", "fewer_lines", "fewer_visits",
           "cold_visits", "complaints", "satisfaction_drop", "competitor_signals", "warning_signs")
# the leading signals counted by ``warning_signs`` (each past its floor in risk.warning_sign_floors)
LEADING = ("sales_decline", "fewer_orders", "fewer_lines", "fewer_visits", "cold_visits", "complaints",
           "satisfaction_drop", "competitor_signals")
# the signals a quarter-end speculator's buying pattern inflates (long gaps, swings, a few lines bought in a
# rush): :mod:`tagkit.prescription.speculators` judges a speculator's risk without them
RHYTHM = ("sales_decline", "orders_lapsed", "recency", "frequency", "fewer_orders", "fewer_lines")
IN_POPULATION = "in_population"
STATUSES = ("no_purchase_yet", "already_left", "net_sales_not_positive", IN_POPULATION)
NORMAL_QUARTERS = 4  # a customer's normal quarter: the mean of the four before


def deseasonalised() -> dict[str, pl.Expr]:
    """``des_s_k`` / ``des_d_k``: quarter ``k`` back (cents, ordering days) with its region's seasonal movement
    taken out. Made once as columns: every comparison below reads them."""
    return {
        f"des_{kind}_{k}": pl.col(f"q_cents_{k}" if kind == "s" else f"q_days_{k}").cast(pl.Float64)
        / pl.col(f"{kind}_index_{k}")
        for kind in ("s", "d") for k in range(LAGS)
    }


def _deseason(kind: str, k: int) -> pl.Expr:
    """Quarter ``k`` back, its region's seasonal movement taken out (:func:`deseasonalised`'s column)."""
    return pl.col(f"des_{kind}_{k}")


def _mean(parts: list[pl.Expr]) -> pl.Expr:
    """Mean of the non-null parts (null when all are null): a window that starts before the data is shorter."""
    known = pl.sum_horizontal([p.is_not_null().cast(pl.Int32) for p in parts])
    return pl.when(known > 0).then(pl.sum_horizontal(parts) / known)


def _ratio(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    return pl.when(den > 0).then(num.clip(0) / den)


def _short(ratio: pl.Expr) -> pl.Expr:
    """How far a ratio (now / base) falls short of 1, as 0..1; no base: 0."""
    return (1 - ratio).clip(0.0, 1.0).fill_null(0.0)


def _bases(kind: str) -> dict[str, pl.Expr]:
    """The three comparisons of a quarter with the customer's base (see the module docstring)."""
    year_now = [_deseason(kind, k) for k in range(4)]
    year_before = [_deseason(kind, k) for k in range(4, LAGS)]
    complete = pl.all_horizontal([p.is_not_null() for p in year_before])
    return {
        "year": pl.when(complete).then(_ratio(pl.sum_horizontal(year_now), pl.sum_horizontal(year_before))),
        "quarter_yoy": _ratio(_deseason(kind, 0), _deseason(kind, 4)),
        "quarter_normal": _ratio(_deseason(kind, 0),
                                 _mean([_deseason(kind, k) for k in range(1, NORMAL_QUARTERS + 1)])),
    }


def _base_money(basis: pl.Expr) -> pl.Expr:
    """What the customer's quarter is compared with, in money: last year's same quarter, its usual quarter
    put back into this quarter's season, or the four quarters before the last four."""
    usual = _mean([_deseason("s", k) for k in range(1, NORMAL_QUARTERS + 1)]) * pl.col("s_index_0")
    year_before = pl.sum_horizontal([pl.col(f"q_cents_{k}") for k in range(4, LAGS)])
    cents = (
        pl.when(basis == "quarter_yoy").then(pl.col("q_cents_4").cast(pl.Float64))
        .when(basis == "quarter_normal").then(usual)
        .when(basis == "year").then(year_before.cast(pl.Float64))
    )
    return cents / 100


def _by_basis(bases: dict[str, pl.Expr], basis: pl.Expr) -> pl.Expr:
    out = pl.lit(None, dtype=pl.Float64)
    for name, ratio in bases.items():
        out = pl.when(basis == name).then(ratio).otherwise(out)
    return out


def _signs(signals: list[str] | tuple[str, ...], r: RiskParams) -> pl.Expr:
    """How many of ``signals`` are past their warning-sign floor."""
    return pl.sum_horizontal(
        (pl.col(f"risk_{s}") >= getattr(r.warning_sign_floors, s)).fill_null(False).cast(pl.Float64) for s in signals)


def _excess(name: str) -> pl.Expr:
    """``ln(1 + what this quarter brought beyond the customer's usual quarter)``: a customer who always
    complains is not slipping for complaining again; a new complaint this quarter is news."""
    return (pl.col(f"{name}_quarter") - pl.col(f"{name}_usual")).clip(0.0).log1p()


def _present(column: str, value: pl.Expr) -> pl.Expr:
    """``value`` where the table behind ``column`` is present (its counts are non-null), else null."""
    return pl.when(pl.col(column).is_not_null()).then(value.fill_null(0.0))


def steady_signals(panel: pl.LazyFrame, *, p: ScoringParams) -> pl.LazyFrame:
    """Add the signals that do not depend on the seasonal index: ``risk_orders_lapsed``, ``risk_recency``,
    ``risk_frequency``, ``risk_fewer_lines``, ``risk_fewer_visits``, ``risk_cold_visits``,
    ``risk_complaints``, ``risk_satisfaction_drop``, ``risk_competitor_signals`` and ``lines_usual``.

    Computed once for every quarter of a history; :func:`signal_frame` adds the rest per model.
    """
    r = p.risk
    c = pl.col
    usual = pl.coalesce("usual_interval_days", pl.lit(p.lifecycle.default_interval_days))
    visits_drop = pl.when(c("visits_usual") * NORMAL_QUARTERS >= r.visits_before_min).then(
        (1 - c("visits_quarter") / c("visits_usual")).clip(0.0, 1.0)
    )
    lines_usual = _mean([pl.when(c(f"q_purchase_{k}")).then(c(f"q_lines_{k}").cast(pl.Float64))
                         for k in range(1, NORMAL_QUARTERS + 1)])
    satisfaction_drop = (
        (c("satisfaction_before") - c("satisfaction_recent")) / r.satisfaction_drop_full).clip(0.0, 1.0)
    return panel.with_columns(lines_usual=lines_usual).with_columns(
        risk_orders_lapsed=pl.when(c("last_order").is_not_null())
        .then(((c("days_since_last_order") - usual).clip(0) / usual).log1p()),
        risk_recency=pl.when(c("last_order").is_not_null()).then((c("days_since_last_order") / 91.0).log1p()),
        risk_frequency=pl.when(c("last_order").is_not_null()).then(
            pl.sum_horizontal([c(f"q_days_{k}") for k in range(4)]).cast(pl.Float64).log1p()),
        risk_fewer_lines=pl.when(c("q_purchase_0") & c("q_lines_0").is_not_null())
        .then(_short(_ratio(c("q_lines_0").cast(pl.Float64), c("lines_usual")))).otherwise(0.0),
        risk_fewer_visits=_present("visits_trailing", visits_drop),
        risk_cold_visits=_present("visits_trailing",
                                  _ratio(c("visits_negative_quarter"), c("visits_with_outcome_quarter"))),
        risk_complaints=_present("complaints_recent", _excess("complaints")),
        risk_satisfaction_drop=_present("complaints_recent", satisfaction_drop),
        risk_competitor_signals=_present("signals_recent", _excess("signals_weighted")),
    )


STEADY = ("orders_lapsed", "recency", "frequency", "fewer_lines", "fewer_visits", "cold_visits", "complaints",
          "satisfaction_drop", "competitor_signals")


def signal_frame(panel: pl.LazyFrame, *, p: ScoringParams) -> pl.LazyFrame:
    """Add ``decline_basis``, ``decline_ratio``, ``orders_ratio``, ``decline_base`` and ``risk_<signal>`` for every
    signal (the steady ones too, unless ``panel`` has them already: :func:`steady_signals`).

    ``panel`` is the feature panel with the seasonal index attached (:func:`tagkit.scoring.seasonal.attach_index`).
    """
    r = p.risk
    c = pl.col
    if any(f"risk_{s}" not in panel.collect_schema().names() for s in STEADY):
        panel = steady_signals(panel, p=p)
    bases = {kind: _bases(kind) for kind in ("s", "d")}
    with_bases = panel.with_columns(**deseasonalised()).with_columns(
        **{f"_{kind}_{name}": ratio for kind, by_name in bases.items() for name, ratio in by_name.items()})
    ratios = {kind: {name: c(f"_{kind}_{name}") for name in by_name} for kind, by_name in bases.items()}
    long_rhythm = (c("usual_interval_days") > r.decline_long_interval_days).fill_null(False)
    basis = c("decline_basis")
    return with_bases.with_columns(
        decline_basis=pl.when(long_rhythm & ratios["s"]["year"].is_not_null()).then(pl.lit("year"))
        .when(ratios["s"]["quarter_yoy"].is_not_null()).then(pl.lit("quarter_yoy"))
        .when(ratios["s"]["quarter_normal"].is_not_null()).then(pl.lit("quarter_normal")),
    ).with_columns(
        decline_ratio=_by_basis(ratios["s"], basis),
        orders_ratio=_by_basis(ratios["d"], basis),
        decline_base=_base_money(basis),
    ).drop(pl.selectors.starts_with("_s_", "_d_")).with_columns(
        risk_sales_decline=_short(c("decline_ratio")),
        risk_fewer_orders=_short(c("orders_ratio")),
    ).with_columns(
        risk_warning_signs=_signs(LEADING, r),
        risk_warning_signs_steady=_signs([s for s in LEADING if s not in RHYTHM], r),
    )


def outcome_columns(*, decline_threshold: float) -> dict[str, pl.Expr]:
    """``status`` (who is judged), ``stage_bad`` (already past the went-bad bar this quarter), ``went_bad``
    (next quarter; null on the last quarter and outside the population) and ``sales_4q``.

    Needs :func:`signal_frame`'s ``decline_ratio`` and the seasonal index of the next quarter.
    """
    c = pl.col
    keep = 1 - decline_threshold
    sales_4q = pl.sum_horizontal([c(f"q_cents_{k}") for k in range(4)]) / 100
    purchased_4q = pl.any_horizontal([c(f"q_purchase_{k}").fill_null(False) for k in range(4)])
    status = (
        pl.when(c("last_order").is_null()).then(pl.lit("no_purchase_yet"))
        .when(~purchased_4q).then(pl.lit("already_left"))
        .when(sales_4q <= 0).then(pl.lit("net_sales_not_positive"))
        .otherwise(pl.lit(IN_POPULATION))
    )
    average = _mean([_deseason("s", k) for k in range(4)])
    next_quarter = c("next_cents").cast(pl.Float64) / c("s_index_next")
    went_bad = ~c("next_purchase") | (next_quarter < keep * average)
    stage_bad = ~c("q_purchase_0").fill_null(False) | (c("decline_ratio") < keep).fill_null(False)
    return {
        "status": status,
        "sales_4q": sales_4q,
        "stage_bad": stage_bad,
        "went_bad": pl.when((status == IN_POPULATION) & c("next_purchase").is_not_null()).then(went_bad),
    }
