"""The order features table: all the scorer takes from the order lines, one row per customer and quarter.

The order lines are the one input that grows with the business (every other table has a row per
customer or per event). This module is where they are aggregated. It makes:

- :func:`order_features`: the **features table**, with the fixed schema in docs/features.md
  (:data:`tagkit.contract.FEATURES_SCHEMA`, plus :data:`~tagkit.contract.SPECULATOR_SCHEMA` for the
  prescription). A warehouse or Spark job can produce the same table. :func:`tagkit.scoring.score_customers`
  (``features=``), the back-test and the prescription then take it instead of the order lines, read
  from disk and checked by :func:`tagkit.io.features_table.read_features` (scoring reads no file).
- :class:`OrderPanels`: the form the scorer reads it in. ``quarters`` is the features table keyed
  by quarter index. ``lines`` has one row per customer and product line, with ``qbits``: bit ``k``
  set when the customer bought the line in quarter ``top - k``. A window's breadth is then one
  bit mask, so any earlier quarter's breadth comes from the same rows.

Built from order lines (:func:`order_panels`), the aggregation is plain ``group_by`` sums, counts,
minima and maxima. Those run natively on polars' streaming engine (the default engine of
``collect`` in polars 2), so the order lines are read in batches and never held in memory at
once. Only customer-level frames are materialised (:meth:`OrderPanels.collect`). Money is summed
in integer cents: an integer sum does not depend on the order the rows arrive in.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from tagkit.contract import FEATURES_SCHEMA, SPECULATOR_SCHEMA
from tagkit.errors import InputError
from tagkit.quarters import (
    days_to_quarter_end,
    quarter_end,
    quarter_index,
    quarter_index_of,
    quarter_index_of_label,
    quarter_label_of,
)

MAX_QUARTERS_BACK = 64  # qbits is a UInt64: breadth reaches 64 quarters back from ``top``
MASK_LINES = 64  # line_mask is a UInt64: up to 64 product lines come with the customer × quarter sums



def _has(frame: pl.LazyFrame, column: str) -> bool:
    return column in frame.collect_schema().names()


def _cut(orders: pl.LazyFrame, as_of: dt.date | None) -> pl.LazyFrame:
    return orders if as_of is None else orders.filter(pl.col("order_date") <= as_of)


def _day_bits(when: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Two ``bitwise_or`` aggregations whose set bits are the days (``_dte``, 0..91) of the rows where ``when``.

    The count of distinct days is then the bits set in the two words. A ``n_unique`` would keep
    a hash set of every distinct day per group, which at 100M order lines is most of the memory.
    """
    day, zero = pl.col("_dte").cast(pl.UInt32), pl.lit(0, dtype=pl.UInt64)
    two = pl.lit(2, dtype=pl.UInt64)
    low = pl.when(when & (day < 64)).then(two.pow(day)).otherwise(zero).bitwise_or()
    high = pl.when(when & (day >= 64)).then(two.pow(day - 64)).otherwise(zero).bitwise_or()
    return low, high


def _count_days(low: str, high: str) -> pl.Expr:
    return (pl.col(low).bitwise_count_ones() + pl.col(high).bitwise_count_ones()).cast(pl.Int64)


def _quarter_sums(orders: pl.LazyFrame, *, quarter_end_days: int | None,
                  lines: pl.Categories | None = None) -> pl.LazyFrame:
    """customer × quarter index: the features table's columns except ``product_lines``.

    Only sums, minima, maxima and bitwise ors: each group keeps a few words, whatever its
    lines. Conditional sums are masked with ``when`` rather than ``filter``ed inside ``.agg``:
    the streaming engine runs each filtered aggregation as a separate branch joined back,
    several times slower. With ``lines`` (fresh categories), also ``line_mask``: bit ``k`` set when
    the customer bought the product line of code ``k`` in the quarter (codes from 64 on are left
    out: :meth:`OrderPanels.collect` then counts the categories and aggregates the lines apart).
    """
    d, cents = pl.col("order_date"), pl.col("_cents")
    purchase = pl.col("amount") > 0
    days_low, days_high = _day_bits(pl.lit(True))
    aggs: dict[str, pl.Expr] = {
        "sales_cents": cents.sum(),
        "_days_low": days_low,
        "_days_high": days_high,
        "first_order": d.min(),
        "last_order": d.max(),
        "last_purchase": pl.when(purchase).then(d).max(),
    }
    if lines is not None:
        code = pl.col("product_line").cast(pl.String).cast(pl.Categorical(lines)).to_physical()
        bit = pl.lit(2, dtype=pl.UInt64).pow(code)
        aggs["line_mask"] = pl.when(code < MASK_LINES).then(bit).otherwise(pl.lit(0, pl.UInt64)).bitwise_or()
    counts = {"order_days": _count_days("_days_low", "_days_high")}
    extra: dict[str, pl.Expr] = {}
    if quarter_end_days is not None:
        at_end = pl.col("_dte") < quarter_end_days
        end = purchase & at_end
        discount = pl.col("discount").cast(pl.Float64) if _has(orders, "discount") else pl.lit(None, pl.Float64)
        extra["_bp"] = (discount * 10_000).round().cast(pl.Int64)
        known = end & pl.col("_bp").is_not_null()
        zero = pl.lit(0, pl.Int64)
        other_low, other_high = _day_bits(purchase & ~at_end)
        aggs |= {
            "purchase_cents": pl.when(purchase).then(cents).otherwise(zero).sum(),
            "end_purchase_cents": pl.when(end).then(cents).otherwise(zero).sum(),
            "end_discount_cents": pl.when(known).then(cents).otherwise(zero).sum(),
            "end_discount_weighted": pl.when(known).then(cents * pl.col("_bp")).otherwise(zero).sum(),
            "_other_low": other_low,
            "_other_high": other_high,
        }
        counts["other_purchase_days"] = _count_days("_other_low", "_other_high")
        counts["quarter_end_days"] = pl.lit(quarter_end_days, dtype=pl.Int64)
    return (
        orders.with_columns(
            pl.col("customer_id").cast(pl.String),
            quarter_index_of("order_date"),
            _cents=(pl.col("amount") * 100).round().cast(pl.Int64),
            _dte=days_to_quarter_end("order_date"),
            **extra,
        )
        .group_by("customer_id", "qi")
        .agg(**aggs)
        .with_columns(**counts)
        .drop(pl.selectors.starts_with("_"))
    )


def _line_rows(orders: pl.LazyFrame) -> pl.LazyFrame:
    """``customer_id, qi, product_line`` of every order line with a product line.

    ``product_line`` is categorical: grouping by a small integer code instead of the name (often
    longer than the 12 bytes a string keeps inline) takes 1.5 GB less at 100M order lines.
    """
    if not _has(orders, "product_line"):
        return pl.LazyFrame(schema={"customer_id": pl.String, "qi": pl.Int32, "product_line": pl.Categorical})
    return orders.filter(pl.col("product_line").is_not_null()).select(
        pl.col("customer_id").cast(pl.String), quarter_index_of("order_date"),
        pl.col("product_line").cast(pl.String).cast(pl.Categorical),
    )


def _quarter_bits(rows: pl.LazyFrame, *, top: int, since: int | None) -> pl.LazyFrame:
    """``customer_id, product_line, qbits`` from ``customer_id, qi, product_line`` rows (see the module docstring)."""
    first = top - MAX_QUARTERS_BACK + 1 if since is None else max(since, top - MAX_QUARTERS_BACK + 1)
    bit = pl.lit(2, dtype=pl.UInt64).pow((pl.lit(top, dtype=pl.Int32) - pl.col("qi")).cast(pl.UInt32))
    return (
        rows.filter(pl.col("qi").is_between(first, top))
        .group_by("customer_id", "product_line")
        .agg(qbits=bit.bitwise_or())
        .with_columns(pl.col("product_line").cast(pl.String))
    )


def _bits_of_masks(quarters: pl.DataFrame, lines: pl.Categories, *, top: int, since: int | None) -> pl.DataFrame:
    """:func:`_quarter_bits`'s panel from the ``line_mask`` of the customer × quarter sums (no order line read)."""
    first = top - MAX_QUARTERS_BACK + 1 if since is None else max(since, top - MAX_QUARTERS_BACK + 1)
    names = lines.to_series().cast(pl.String)
    if names.is_empty():  # no line named on any order line
        return pl.DataFrame(schema={"customer_id": pl.String, "product_line": pl.String, "qbits": pl.UInt64})
    bit = pl.lit(2, dtype=pl.UInt64).pow((pl.lit(top, dtype=pl.Int32) - pl.col("qi")).cast(pl.UInt32))
    zero = pl.lit(0, dtype=pl.UInt64)
    per_line = (
        quarters.lazy()
        .filter(pl.col("qi").is_between(first, top) & (pl.col("line_mask") > 0))
        .group_by("customer_id")
        .agg(pl.when((pl.col("line_mask") & pl.lit(1 << k, dtype=pl.UInt64)) > 0).then(bit).otherwise(zero)
             .bitwise_or().alias(str(k))
             for k in range(names.len()))
    )
    return (
        per_line.unpivot(index="customer_id", variable_name="product_line", value_name="qbits")
        .filter(pl.col("qbits") > 0)
        .with_columns(pl.col("product_line").replace_strict({str(k): n for k, n in enumerate(names)},
                                                             return_dtype=pl.String))
        .collect()
    )


def order_features(orders: pl.LazyFrame, *, as_of: dt.date | None = None,
                   quarter_end_days: int | None = None) -> pl.LazyFrame:
    """The features table (docs/features.md) of the order lines dated up to ``as_of`` (all without).

    One row per customer and quarter with an order line, sorted by ``customer_id, quarter``.
    Columns are :data:`FEATURES_SCHEMA`, then :data:`SPECULATOR_SCHEMA` when ``quarter_end_days``
    is given (the prescription's ``speculator.quarter_end_days``). ``orders`` needs
    ``customer_id``, ``order_date`` and ``amount``; ``product_line`` and ``discount`` are optional.

    >>> table = order_features(pl.scan_parquet("clean/orders.parquet"), quarter_end_days=7)  # doctest: +SKIP
    >>> table.sink_parquet("features.parquet")                                             # doctest: +SKIP
    """
    lines = _cut(orders, as_of)
    sums = _quarter_sums(lines, quarter_end_days=quarter_end_days)
    bought = (
        _line_rows(lines).with_columns(pl.col("product_line").cast(pl.String)).unique()
        # sorted, then gathered in that order: the lists are the same whatever the input's row order
        .sort("customer_id", "qi", "product_line")
        .group_by("customer_id", "qi", maintain_order=True)
        .agg(product_lines=pl.col("product_line"))
    )
    columns = [*FEATURES_SCHEMA, *(SPECULATOR_SCHEMA if quarter_end_days is not None else {})]
    return (
        sums.join(bought, on=["customer_id", "qi"], how="left")
        .sort("customer_id", "qi")
        .with_columns(
            quarter=quarter_label_of("qi"),
            product_lines=pl.col("product_lines").fill_null(pl.lit([], dtype=pl.List(pl.String))),
        )
        .select(columns)
    )


@dataclass(frozen=True)
class OrderPanels:
    """The order-line-derived panels of every quarter up to ``top`` (a quarter index).

    - ``quarters``: the features table's columns with ``qi`` (quarter index) for ``quarter`` and
      without ``product_lines``, quarters up to ``top`` only;
    - ``lines``: ``customer_id, product_line, qbits`` (bit ``k``: bought in quarter ``top - k``);
    - ``quarter_end_days``: what the speculator columns were made with (None: no such columns, or
      not known before the table is read, see :func:`check_quarter_end_days`).

    Lazy as built; :meth:`collect` materialises both once so that many quarters can be scored
    from them (the back-test, the prescription's history) without reading the order lines again.
    """

    quarters: pl.LazyFrame
    lines: pl.LazyFrame
    top: int
    quarter_end_days: int | None = None
    source: pl.LazyFrame | None = None  # the order lines both are made from (cut at ``top``'s end)
    since: int | None = None  # the first quarter index of ``lines``

    def collect(self) -> OrderPanels:
        """Both panels computed now (on the streaming engine) and held in memory, lazily wrapped.

        From order lines, they are read once: the customer × quarter sums also gather which product
        lines each customer bought in the quarter (one bit per line), and ``lines`` is made from those
        rows. Past :data:`MASK_LINES` product lines, ``lines`` reads the order lines a second time (after
        the sums: both aggregations at once would hold twice the memory, 8 GB instead of 4 at 100M lines).
        """
        if self.source is None or not _has(self.source, "product_line"):
            quarters, lines = self.quarters.collect(engine="streaming"), self.lines.collect(engine="streaming")
            return OrderPanels(quarters.lazy(), lines.lazy(), self.top, self.quarter_end_days)
        codes = pl.Categories.random()
        # a frame of that type keeps the codes' names alive after the collect, whose result holds the codes only
        named = pl.Series(dtype=pl.Categorical(codes))
        sums = _quarter_sums(self.source, quarter_end_days=self.quarter_end_days, lines=codes).collect(
            engine="streaming")
        if codes.to_series().len() <= MASK_LINES:
            lines = _bits_of_masks(sums, codes, top=self.top, since=self.since)
        else:
            lines = self.lines.collect(engine="streaming")
        del named
        return OrderPanels(sums.drop("line_mask").lazy(), lines.lazy(), self.top, self.quarter_end_days)

    def until(self, quarter: str) -> OrderPanels:
        """The panels as of ``quarter``'s last day (``quarter`` at most the panels' last quarter)."""
        q = quarter_index(quarter)
        if q > self.top:
            raise ValueError(f"the order panels end with quarter index {self.top}; {quarter} is later")
        return OrderPanels(self.quarters.filter(pl.col("qi") <= q), self.lines, self.top, self.quarter_end_days)


def order_panels(orders: pl.LazyFrame, *, quarter: str, since: str | None = None,
                 quarter_end_days: int | None = None) -> OrderPanels:
    """:class:`OrderPanels` straight from the order lines, up to ``quarter``'s last day (lazy).

    ``since`` (a quarter) limits the product-line panel to the quarters from there on: enough
    for breadth in the trailing windows of the quarters scored, and less to read.
    """
    lines = _cut(orders, quarter_end(quarter))
    top, first = quarter_index(quarter), None if since is None else quarter_index(since)
    return OrderPanels(
        quarters=_quarter_sums(lines, quarter_end_days=quarter_end_days),
        lines=_quarter_bits(_line_rows(lines), top=top, since=first),
        top=top,
        quarter_end_days=quarter_end_days,
        source=lines,
        since=first,
    )


def feature_panels(features: pl.LazyFrame, *, quarter: str) -> OrderPanels:
    """:class:`OrderPanels` from a features table (checked with :func:`tagkit.io.features_table.read_features`
    first), up to ``quarter``."""
    top = quarter_index(quarter)
    keyed = features.with_columns(quarter_index_of_label("quarter")).filter(pl.col("qi") <= top)
    rows = keyed.select("customer_id", "qi", product_line="product_lines").explode("product_line").drop_nulls(
        "product_line")
    speculator = [c for c in SPECULATOR_SCHEMA if _has(features, c)]
    counts = ["sales_cents", "order_days", *speculator]  # any integer type is accepted: Int64 from here on
    quarters = keyed.select(
        pl.col("customer_id").cast(pl.String), "qi", pl.col(counts).cast(pl.Int64),
        pl.col("first_order", "last_order", "last_purchase"),
    )
    # which quarter_end_days the table was made with is only known once it is read (check_quarter_end_days)
    return OrderPanels(quarters=quarters, lines=_quarter_bits(rows, top=top, since=None), top=top)


def resolve_panels(orders: pl.LazyFrame | None, features: pl.LazyFrame | OrderPanels | None, *, quarter: str,
                   since: str | None = None, quarter_end_days: int | None = None) -> OrderPanels:
    """The order panels up to ``quarter``: from ``features`` when given (panels, or a table read with
    :func:`tagkit.io.features_table.read_features`), else from the order lines (lazy either way, except
    panels already collected)."""
    if isinstance(features, OrderPanels):
        return features.until(quarter)
    if features is not None:
        return feature_panels(features, quarter=quarter)
    if orders is None:
        raise InputError("no order lines and no features table: pass the orders table, or features= "
                         "(a table in the schema of docs/features.md).")
    return order_panels(orders, quarter=quarter, since=since, quarter_end_days=quarter_end_days)


def check_quarter_end_days(panels: OrderPanels, expected: int, *, source: str = "features table") -> None:
    """Raise :class:`InputError` unless the speculator columns were made with ``expected`` days (reads them)."""
    if panels.quarter_end_days == expected:
        return
    if "quarter_end_days" not in panels.quarters.collect_schema().names():
        raise InputError(f"{source}: column 'quarter_end_days' must be present for the prescription; it is missing. "
                         "Make the table with the speculator columns (docs/features.md).")
    used = panels.quarters.select(pl.col("quarter_end_days").unique().sort()).collect()["quarter_end_days"]
    if used.len() and used.to_list() != [expected]:
        raise InputError(
            f"{source}: column 'quarter_end_days' must be {expected} (params prescription.speculator."
            f"quarter_end_days); got {', '.join(str(v) for v in used.to_list())}. Make the table again with "
            f"{expected} days, or set the parameter to the days the table was made with."
        )
