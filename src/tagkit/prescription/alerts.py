"""Region alerts: a region-wide fall in sales that is not the usual season, shown instead of explained away.

Every customer is judged against its own history, never against its region's median, so a region
that falls as a whole does not hide its customers' decline. The fall itself is a regional problem
to show: a region whose net sales this quarter are at least ``region_alert.min_decline`` below the
same quarter last year gets an alert. Comparing with the same quarter of the year before is what
makes it "not the usual season": a Chinese-New-Year first quarter is compared with last year's,
which had the same holiday. ``adjusted_change`` beside it compares the quarter with the region's
4 quarters before, the season taken out (:mod:`tagkit.scoring.seasonal`), to show whether the
fall is new. A region without the same quarter last year in the data, or with fewer than
``region_alert.min_customers`` buying customers then, cannot be judged (``alert`` null).

Where the fall comes from (``region_alert_breakdown.parquet``): the same comparison by city, by
rep, by tag (each customer under this quarter's tag) and the competitor activity (signals this
quarter against the same quarter last year, by kind). Sums run in integer cents.
"""
from __future__ import annotations

import polars as pl

from tagkit.contract import SIGNALS
from tagkit.params import PrescriptionParams
from tagkit.quarters import quarter_index
from tagkit.scoring.grid import QI
from tagkit.scoring.panel import Panels
from tagkit.scoring.seasonal import attach_index, region_totals, seasonal_index

ALERT_SCHEMA = pl.Schema({
    "region": pl.String, "quarter": pl.String, "customers_now": pl.Int64, "customers_last_year": pl.Int64,
    "sales_now": pl.Float64, "sales_last_year": pl.Float64, "change": pl.Float64, "adjusted_change": pl.Float64,
    "signals_now": pl.Int64, "signals_last_year": pl.Int64, "alert": pl.Boolean,
})
BREAKDOWN_SCHEMA = pl.Schema({
    "region": pl.String, "dimension": pl.String, "key": pl.String, "customers": pl.Int64,
    "sales_now": pl.Float64, "sales_last_year": pl.Float64, "change": pl.Float64, "share_of_fall": pl.Float64,
    "signals_now": pl.Int64, "signals_last_year": pl.Int64,
})
DIMENSIONS = ("city", "rep_id", "tag")


def _quarter_rows(panels: Panels, customers: pl.LazyFrame, *, q: int) -> pl.LazyFrame:
    """customer: cents now and a year before, competitor signals now and a year before, region, city, rep, tag."""
    sales = panels.orders.filter(pl.col(QI).is_in([q, q - 4])).group_by("customer_id").agg(
        now=pl.col("sales_cents").filter(pl.col(QI) == q).sum(),
        before=pl.col("sales_cents").filter(pl.col(QI) == q - 4).sum(),
    )
    out = customers.join(sales, on="customer_id", how="left").with_columns(pl.col("now", "before").fill_null(0))
    if panels.signals is None:
        return out.with_columns(signals_now=pl.lit(None, pl.Int64), signals_before=pl.lit(None, pl.Int64),
                                **{f"{s}_now": pl.lit(None, pl.Int64) for s in SIGNALS},
                                **{f"{s}_before": pl.lit(None, pl.Int64) for s in SIGNALS})
    per = panels.signals.filter(pl.col(QI).is_in([q, q - 4]))
    signals = per.group_by("customer_id").agg(
        signals_now=pl.col("signals").filter(pl.col(QI) == q).sum(),
        signals_before=pl.col("signals").filter(pl.col(QI) == q - 4).sum(),
        **{f"{s}_now": pl.col(f"signals_{s}").filter(pl.col(QI) == q).sum() for s in SIGNALS},
        **{f"{s}_before": pl.col(f"signals_{s}").filter(pl.col(QI) == q - 4).sum() for s in SIGNALS},
    )
    counts = ["signals_now", "signals_before", *(f"{s}_{w}" for s in SIGNALS for w in ("now", "before"))]
    return out.join(signals, on="customer_id", how="left").with_columns(pl.col(counts).fill_null(0).cast(pl.Int64))


def _change(now: pl.Expr, before: pl.Expr) -> pl.Expr:
    return pl.when(before > 0).then(now / before - 1)


def _adjusted(panels: Panels, *, q: int, data_start: int | None, p_years: int, min_customers: int) -> pl.LazyFrame:
    """region: this quarter against the mean of the four before, each with the region's season taken out."""
    regions = panels.customers.select("customer_id", "region")
    # one pass over the customer × quarter panel, kept: the index reads the totals several times
    totals = region_totals(panels.orders.join(regions, on="customer_id", how="left").select(
        "region", QI, q_cents_0="sales_cents", q_days_0="order_days")).cache()
    index = seasonal_index(totals, vintage=q, data_start=data_start, years=p_years, min_customers=min_customers)
    by_quarter = totals.filter(pl.col(QI).is_between(q - 4, q)).select("region", QI, q_cents_0="cents")
    grid = regions.select("region").unique().join(pl.LazyFrame({QI: [q]}, schema={QI: pl.Int32}), how="cross")
    lags = grid.join(by_quarter.rename({QI: "_qi"}), on="region", how="left").with_columns(
        k=(pl.col(QI) - pl.col("_qi")).cast(pl.Int64))
    wide = lags.group_by("region", QI).agg(**{f"q_cents_{k}": pl.col("q_cents_0").filter(pl.col("k") == k).sum()
                                                for k in range(5)})
    deseason = attach_index(wide, index, lags=5)
    d = [pl.col(f"q_cents_{k}") / pl.col(f"s_index_{k}") for k in range(5)]
    usual = pl.sum_horizontal(d[1:]) / 4
    return deseason.select("region", adjusted_change=pl.when(usual > 0).then(d[0] / usual - 1))


def region_alerts(panels: Panels, customers: pl.LazyFrame, *, quarter: str, p: PrescriptionParams,
                  data_start: int | None, seasonal_years: int, min_region_customers: int
                  ) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """``(alerts, breakdown)``: one row per region (:data:`ALERT_SCHEMA`) and where each alerted region's fall
    comes from (:data:`BREAKDOWN_SCHEMA`). ``customers`` has ``customer_id, region, rep_id, tag`` (and ``city``)."""
    a = p.region_alert
    q = quarter_index(quarter)
    columns = customers.collect_schema().names()
    base = customers.select("customer_id", "region", "rep_id", "tag",
                            pl.col("city") if "city" in columns else pl.lit(None, pl.String).alias("city"))
    rows = _quarter_rows(panels, base, q=q).cache()
    region = rows.group_by("region").agg(
        customers_now=(pl.col("now") > 0).sum().cast(pl.Int64),
        customers_last_year=(pl.col("before") > 0).sum().cast(pl.Int64),
        _now=pl.col("now").sum(), _before=pl.col("before").sum(),
        signals_now=pl.col("signals_now").sum().cast(pl.Int64),
        signals_last_year=pl.col("signals_before").sum().cast(pl.Int64),
    )
    adjusted = _adjusted(panels, q=q, data_start=data_start, p_years=seasonal_years,
                         min_customers=min_region_customers)
    change = _change(pl.col("_now").cast(pl.Float64), pl.col("_before").cast(pl.Float64))
    judged = (pl.col("customers_last_year") >= a.min_customers) & change.is_not_null()
    alerts = (
        region.join(adjusted, on="region", how="left")
        .with_columns(
            quarter=pl.lit(quarter), sales_now=pl.col("_now") / 100, sales_last_year=pl.col("_before") / 100,
            change=change.round(6), adjusted_change=pl.col("adjusted_change").round(6),
            alert=pl.when(judged).then(change <= -a.min_decline),
        )
        .select(list(ALERT_SCHEMA)).cast(ALERT_SCHEMA).sort("region")
    )
    flagged = alerts.filter(pl.col("alert").fill_null(False)).select("region", _fall=pl.col("sales_last_year")
                                                                      - pl.col("sales_now"))
    return alerts, _breakdown(rows, flagged, top=a.breakdown_rows)


def _breakdown(rows: pl.LazyFrame, flagged: pl.LazyFrame, *, top: int) -> pl.LazyFrame:
    """Per alerted region and dimension, the ``top`` keys that lost the most (and the competitor kinds)."""
    mine = rows.join(flagged, on="region", how="inner")
    parts = []
    for dimension in DIMENSIONS:
        grouped = mine.group_by("region", pl.col(dimension).cast(pl.String).fill_null("–").alias("key")).agg(
            customers=pl.len().cast(pl.Int64), _now=pl.col("now").sum(), _before=pl.col("before").sum(),
            signals_now=pl.col("signals_now").sum().cast(pl.Int64),
            signals_last_year=pl.col("signals_before").sum().cast(pl.Int64), _fall=pl.col("_fall").first(),
        )
        parts.append(grouped.with_columns(dimension=pl.lit(dimension)))
    kinds = [
        mine.group_by("region").agg(
            customers=(pl.col(f"{s}_now") > 0).sum().cast(pl.Int64),
            _now=pl.lit(0, pl.Int64).sum(), _before=pl.lit(0, pl.Int64).sum(),
            signals_now=pl.col(f"{s}_now").sum().cast(pl.Int64),
            signals_last_year=pl.col(f"{s}_before").sum().cast(pl.Int64), _fall=pl.col("_fall").first(),
        ).with_columns(dimension=pl.lit("competitor"), key=pl.lit(s))
        for s in SIGNALS
    ]
    stacked = pl.concat([*parts, *kinds], how="diagonal")
    lost = (pl.col("_before") - pl.col("_now")) / 100
    ranked = stacked.with_columns(
        sales_now=pl.col("_now") / 100, sales_last_year=pl.col("_before") / 100,
        change=_change(pl.col("_now").cast(pl.Float64), pl.col("_before").cast(pl.Float64)).round(6),
        share_of_fall=pl.when((pl.col("dimension") != "competitor") & (pl.col("_fall") > 0))
        .then(lost / pl.col("_fall")).round(6),
        _order=pl.when(pl.col("dimension") == "competitor").then(-pl.col("signals_now").cast(pl.Float64))
        .otherwise(-lost),
    ).sort("region", "dimension", "_order", "key")
    return (
        ranked.with_columns(_rank=pl.int_range(pl.len()).over("region", "dimension"))
        .filter(pl.col("_rank") < top)
        .select(list(BREAKDOWN_SCHEMA)).cast(BREAKDOWN_SCHEMA)
    )
