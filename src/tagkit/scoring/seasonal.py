"""Each region's seasonal movement, measured on the region's total sales and ordering days.

A quarter is compared with the customer's own normal only after the region's usual movement in
that quarter of the year is taken out (Chinese New Year empties the first quarter in the north
every year; that is not a customer slipping away). The movement is measured on the region's
*totals*, not as the median of per-customer changes: when most customers buy now and then, the
median customer's change is −100 % and says nothing.

**The index.** For a run (or back-tested quarter) as of quarter index ``vintage``, the window is
the last whole years before it (at most ``years``, quarters ``vintage - 4m`` .. ``vintage - 1``).
A quarter of the year's index is the region's mean sales in that quarter of the year over the
window, divided by its mean quarter over the window (the four indices average 1). The vintage's
own quarter is not in the window: a region-wide fall that is not the usual season stays visible
(and becomes a region alert) instead of being taken for seasonality. With less than a whole year
before the vintage the index is 1 (nothing can be told apart yet); a region with fewer than
``min_customers`` buying customers a quarter, or without sales in some quarter of the year, takes
the index of all regions together, and with fewer than that in all regions together it is 1.

Dividing every quarter by its index makes the comparisons invariant to a seasonal factor that
repeats every year: scale every order of a region's first quarters by any factor, and every
deseasonalised figure of that region scales by one common constant, which cancels in every
ratio the risk signals and the outcome use. Sums run in integer cents, so the index is the same
whatever the order of the rows.
"""
from __future__ import annotations

import polars as pl

from tagkit.scoring.grid import QI

QOY = "qoy"


def quarter_of_year(qi: str | pl.Expr = QI) -> pl.Expr:
    """1..4 from a quarter index."""
    q = pl.col(qi) if isinstance(qi, str) else qi
    return (q % 4 + 1).cast(pl.Int8)


def window_years(vintage: int, data_start: int | None, years: int) -> int:
    """Whole years of data before ``vintage`` the index is measured on (0: none)."""
    if data_start is None:
        return 0
    return max(0, min(years, (vintage - data_start) // 4))


def region_totals(panel: pl.LazyFrame) -> pl.LazyFrame:
    """``region, qi, cents, days, buyers`` from rows of one customer and quarter (``region``, ``qi``,
    ``q_cents_0``: the quarter's net sales in cents, ``q_days_0``: its ordering days): what the index
    is measured on, small enough to keep for every model of a run."""
    return panel.group_by("region", QI).agg(
        cents=pl.col("q_cents_0").sum(), days=pl.col("q_days_0").sum(),
        buyers=(pl.col("q_cents_0") > 0).sum().cast(pl.Int64),
    )


def seasonal_index(totals: pl.LazyFrame, *, vintage: int, data_start: int | None, years: int,
                   min_customers: int) -> pl.LazyFrame:
    """``region, qoy, sales_index, days_index`` for every region in ``totals`` and quarter of the year.

    ``totals`` are :func:`region_totals`; quarters outside the window are ignored.
    """
    m = window_years(vintage, data_start, years)
    regions = totals.select("region").unique()
    every_quarter = pl.LazyFrame({QOY: [1, 2, 3, 4]}, schema={QOY: pl.Int8})
    if m == 0:
        return regions.join(every_quarter, how="cross").with_columns(sales_index=pl.lit(1.0), days_index=pl.lit(1.0))
    totals = totals.filter(pl.col(QI).is_between(vintage - 4 * m, vintage - 1))
    by_region = _index(totals, ["region"]).join(
        totals.group_by("region").agg(pl.col("buyers").mean()), on="region", how="left")
    all_regions = totals.group_by(QI).agg(pl.col("cents", "days", "buyers").sum())
    pooled = _index(all_regions, []).join(all_regions.select(_pooled_buyers=pl.col("buyers").mean()), how="cross")
    # a handful of customers is too few to tell a season from their own stories: no index at all
    pooled = pooled.with_columns(pl.when(pl.col("_pooled_buyers") >= min_customers).then(pl.col(c))
                                 for c in ("sales_index", "days_index")).drop("_pooled_buyers")
    enough = (pl.col("buyers") >= min_customers) & (pl.col("sales_index") > 0)
    return (
        regions.join(every_quarter, how="cross")
        .join(by_region, on=["region", QOY], how="left")
        .join(pooled.rename({"sales_index": "_all_sales", "days_index": "_all_days"}), on=QOY, how="left")
        .select(
            "region", QOY,
            sales_index=pl.when(enough.fill_null(False)).then(pl.col("sales_index"))
            .otherwise(pl.col("_all_sales")).fill_null(1.0),
            days_index=pl.when(enough.fill_null(False) & (pl.col("days_index") > 0)).then(pl.col("days_index"))
            .otherwise(pl.col("_all_days")).fill_null(1.0),
        )
        .with_columns(pl.when(pl.col(c) > 0).then(pl.col(c)).otherwise(1.0) for c in ("sales_index", "days_index"))
    )


def _index(totals: pl.LazyFrame, by: list[str]) -> pl.LazyFrame:
    """Mean per quarter of the year over the mean quarter, of both totals, within ``by``."""
    keys = [*by, QOY]
    per_quarter = totals.with_columns(quarter_of_year().alias(QOY)).group_by(keys).agg(
        pl.col("cents").mean().alias("_c"), pl.col("days").mean().alias("_d"))
    mean = (lambda c: pl.col(c).mean().over(by)) if by else (lambda c: pl.col(c).mean())
    return per_quarter.select(
        *keys,
        sales_index=pl.when(mean("_c") > 0).then(pl.col("_c") / mean("_c")),
        days_index=pl.when(mean("_d") > 0).then(pl.col("_d") / mean("_d")),
    )


def attach_index(panel: pl.LazyFrame, index: pl.LazyFrame, *, lags: int) -> pl.LazyFrame:
    """``panel`` with ``s_index_k`` / ``d_index_k`` (the index of the quarter ``k`` back, k = 0 .. lags-1) and
    ``s_index_next`` (the next quarter's)."""
    wide = index.group_by("region").agg(
        **{f"{kind}_{q}": pl.col(kind).filter(pl.col(QOY) == q).first()
           for kind in ("sales_index", "days_index") for q in (1, 2, 3, 4)}
    )

    def pick(kind: str, back: int) -> pl.Expr:
        qoy = quarter_of_year(pl.col(QI) - back)
        out = pl.lit(1.0)
        for q in (1, 2, 3, 4):
            out = pl.when(qoy == q).then(pl.col(f"{kind}_{q}").fill_null(1.0)).otherwise(out)
        return out

    joined = panel.join(wide, on="region", how="left", maintain_order="left")
    return joined.with_columns(
        **{f"s_index_{k}": pick("sales_index", k) for k in range(lags)},
        **{f"d_index_{k}": pick("days_index", k) for k in range(lags)},
        s_index_next=pick("sales_index", -1),
    ).drop(pl.selectors.starts_with("sales_index_", "days_index_"))
