"""Nails by line gap: the lines they do not buy, and the benchmark to take them to.

The scorer tags a large customer that buys few of our product lines a nail with flag ``line_gap``
(:mod:`tagkit.scoring.rules`, ``scoring.nail.line_gap``); its cause of resistance is diagnosed like
any nail's (:mod:`~tagkit.prescription.nails`). This module says where the gap is and who can
show the way:

- ``nail_missing_lines`` (list[str]): our lines sold in the trailing window that the nail did not
  buy in it, the lines bought by most customers of its region first (ties by name). The same
  window and catalogue as the scorer's ``lines_bought`` / ``lines_available``, read from the
  product-line panel already in memory: the order lines are not read again.
- ``line_gap_benchmark_id`` / ``_name`` / ``_km`` / ``_region`` and ``line_gap_benchmark_lines``
  (the missing lines it buys): among the ``nail.line_gap.candidates`` benchmarks nearest to the nail
  in its own region — else, when none of those buys any missing line, the nearest anywhere — the
  one buying most of its missing lines, then the nearest, then the smaller id. The nearest are found
  on the same unit-sphere k-d trees as the radiation (:mod:`~tagkit.prescription.geo`), so no nail ×
  benchmark pairs are listed. Nails without lat/lon, or without a benchmark buying any of their
  missing lines, have none.
- ``line_gap_visit_zh`` / ``_en``: the reference visit in words (``nail.line_gap.visit``); the
  playbook's action for flag ``line_gap`` is its generic form.

Every column is null for customers without the flag.
"""
from __future__ import annotations

import numpy as np
import polars as pl
from scipy.spatial import cKDTree

from tagkit.lang import LANGUAGES, Lang
from tagkit.params import PrescriptionParams, ScoringParams
from tagkit.prescription.geo import haversine_km, unit_vectors
from tagkit.prescription.text import check_wording, sentence
from tagkit.quarters import quarter_index
from tagkit.scoring.panel import Panels
from tagkit.scoring.text import decimal, integer

FLAG = "line_gap"
PAIR_SCHEMA = {"customer_id": pl.String, "benchmark_id": pl.String, "same_region": pl.Boolean}
COLUMNS = ["nail_missing_lines", "line_gap_benchmark_id", "line_gap_benchmark_name", "line_gap_benchmark_region",
           "line_gap_benchmark_km", "line_gap_benchmark_lines", "line_gap_visit_zh", "line_gap_visit_en"]


def bought_lines(lines: pl.LazyFrame, *, lines_top: int, quarter: str, trailing_quarters: int) -> pl.LazyFrame:
    """``customer_id, product_line``: each line a customer bought in the trailing window of ``quarter``
    (``lines``: the product-line panel, bit ``k`` of ``qbits`` set when bought in quarter ``lines_top - k``)."""
    shift = lines_top - quarter_index(quarter)
    mask = ((1 << trailing_quarters) - 1) << shift
    return lines.filter((pl.col("qbits") & pl.lit(mask, dtype=pl.UInt64)) != 0).select(
        "customer_id", pl.col("product_line").cast(pl.String))


def missing_lines(gaps: pl.LazyFrame, customers: pl.LazyFrame, bought: pl.LazyFrame) -> pl.LazyFrame:
    """``customer_id, nail_missing_lines`` for the customers of ``gaps`` (``customer_id, region``): the
    catalogue's lines they did not buy, those bought by most customers of their region first."""
    popular = (bought.join(customers.select("customer_id", "region"), on="customer_id")
               .group_by("region", "product_line").agg(buyers=pl.len()))
    catalogue = bought.select("product_line").unique()
    return (
        gaps.join(catalogue, how="cross")
        .join(bought, on=["customer_id", "product_line"], how="anti")
        .join(popular, on=["region", "product_line"], how="left")
        .sort(["customer_id", "buyers", "product_line"], descending=[False, True, False], nulls_last=True)
        .group_by("customer_id", maintain_order=True)
        .agg(nail_missing_lines=pl.col("product_line"))
    )


def _nearest(nails: pl.DataFrame, benchmarks: pl.DataFrame, k: int, *, same_region: bool) -> pl.DataFrame:
    """``customer_id, benchmark_id, same_region``: each nail's ``k`` nearest benchmarks of ``benchmarks``."""
    if nails.is_empty() or benchmarks.is_empty():
        return pl.DataFrame(schema=PAIR_SCHEMA)
    tree = cKDTree(unit_vectors(benchmarks["lat"].to_numpy(), benchmarks["lon"].to_numpy()))
    k = min(k, tree.n)
    _, hit = tree.query(unit_vectors(nails["lat"].to_numpy(), nails["lon"].to_numpy()), k=k, workers=-1)
    hit = np.asarray(hit).reshape(nails.height, k)
    return pl.DataFrame({
        "customer_id": nails["customer_id"].gather(np.repeat(np.arange(nails.height), k)),
        "benchmark_id": benchmarks["customer_id"].gather(hit.ravel()),
        "same_region": pl.Series([same_region] * (nails.height * k), dtype=pl.Boolean),
    })


def candidate_pairs(nails: pl.DataFrame, benchmarks: pl.DataFrame, k: int) -> pl.DataFrame:
    """Each located nail's ``k`` nearest benchmarks in its region, and its ``k`` nearest anywhere (a pair
    may come twice: :func:`reference_benchmarks` keeps it once, in its region when the region pass found it)."""
    located = [f.filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null()) for f in (nails, benchmarks)]
    nails, benchmarks = located
    parts = [_nearest(nails, benchmarks, k, same_region=False)]
    for (region,), mine in nails.group_by("region", maintain_order=True):
        parts.append(_nearest(mine, benchmarks.filter(pl.col("region") == region), k, same_region=True))
    return pl.concat(parts, how="vertical")


def reference_benchmarks(pairs: pl.DataFrame, missing: pl.LazyFrame, bought: pl.LazyFrame,
                         customers: pl.LazyFrame) -> pl.LazyFrame:
    """The chosen benchmark of each nail (see the module docstring), with the missing lines it buys."""
    place = customers.select("customer_id", "lat", "lon")
    bench = customers.select(benchmark_id="customer_id", b_lat="lat", b_lon="lon",
                           line_gap_benchmark_name="customer_name", line_gap_benchmark_region="region")
    # a pair is in its nail's region when the region pass found it (the global pass may find it too)
    same = pairs.group_by("customer_id", "benchmark_id").agg(pl.col("same_region").any())
    covered = (
        same.lazy().join(missing.explode("nail_missing_lines").rename({"nail_missing_lines": "product_line"}),
                         on="customer_id")
        .join(bought.rename({"customer_id": "benchmark_id"}), on=["benchmark_id", "product_line"], how="semi")
        .group_by("customer_id", "benchmark_id").agg(line_gap_benchmark_lines=pl.col("product_line"))
    )
    order = missing.explode("nail_missing_lines").with_columns(rank=pl.int_range(pl.len()).over("customer_id"))
    return (
        covered.join(same.lazy(), on=["customer_id", "benchmark_id"])
        .join(place, on="customer_id").join(bench, on="benchmark_id")
        .with_columns(line_gap_benchmark_km=haversine_km(pl.col("lat"), pl.col("lon"), pl.col("b_lat"),
                                                         pl.col("b_lon")).round(2),
                      _covered=pl.col("line_gap_benchmark_lines").list.len())
        # same region first; then most missing lines, then nearest, then the smaller id
        .sort(["customer_id", "same_region", "_covered", "line_gap_benchmark_km", "benchmark_id"],
              descending=[False, True, True, False, False])
        .group_by("customer_id", maintain_order=True).first()
        .select("customer_id", *(c for c in COLUMNS[2:6]), line_gap_benchmark_id="benchmark_id")
        # the lines it buys in the order of the nail's missing lines
        .explode("line_gap_benchmark_lines")
        .join(order.select("customer_id", line_gap_benchmark_lines="nail_missing_lines", rank="rank"),
              on=["customer_id", "line_gap_benchmark_lines"], how="left")
        .sort("customer_id", "rank")
        .group_by([c for c in ("customer_id", *COLUMNS[1:5])], maintain_order=True)
        .agg(pl.col("line_gap_benchmark_lines"))
    )


def visit_values(lang: Lang) -> dict[str, pl.Expr]:
    sep = "、" if lang == "zh" else ", "
    return {
        "benchmark": pl.col("line_gap_benchmark_name").fill_null("–"),
        "benchmark_id": pl.col("line_gap_benchmark_id").fill_null("–"),
        "benchmark_km": decimal(pl.col("line_gap_benchmark_km")),
        "lines": pl.col("line_gap_benchmark_lines").list.join(sep).fill_null("–"),
        "covered": integer(pl.col("line_gap_benchmark_lines").list.len()),
        "missing": integer(pl.col("nail_missing_lines").list.len()),
    }


def line_gap_frame(customers: pl.DataFrame, panels: Panels, *, quarter: str, p: PrescriptionParams,
                   scoring: ScoringParams) -> pl.DataFrame:
    """``customers`` (collected, with ``flags``, ``tag``, ``region``, ``customer_name``, ``lat``, ``lon``)
    with :data:`COLUMNS`; ``panels``' product-line panel says who bought which line (only ``lines`` and
    ``lines_top`` are read)."""
    values = {lang: visit_values(lang) for lang in LANGUAGES}
    check_wording({"visit": p.nail.line_gap.visit}, set(values["en"]), source="params/prescription.yaml: nail.line_gap")
    gap = pl.col("flags").list.contains(FLAG).fill_null(False)
    bought = bought_lines(panels.lines, lines_top=panels.lines_top, quarter=quarter,
                          trailing_quarters=scoring.windows.trailing_quarters)
    nails = customers.filter(gap).select("customer_id", "region", "lat", "lon")
    missing = missing_lines(nails.lazy().select("customer_id", "region"), customers.lazy(), bought).collect()
    benchmarks = customers.filter(pl.col("tag") == "benchmark").select("customer_id", "region", "lat", "lon")
    pairs = candidate_pairs(nails, benchmarks, p.nail.line_gap.candidates)
    chosen = reference_benchmarks(pairs, missing.lazy(), bought, customers.lazy())
    columns = (
        customers.lazy().select("customer_id")
        .join(missing.lazy(), on="customer_id", how="left", maintain_order="left")
        .join(chosen, on="customer_id", how="left", maintain_order="left")
        .with_columns(**{f"line_gap_visit_{lang}": pl.when(pl.col("line_gap_benchmark_id").is_not_null())
                         .then(sentence(p.nail.line_gap.visit, values, lang)) for lang in LANGUAGES})
        .select(COLUMNS)
        .collect()
    )
    # put beside, not joined to, the wide frame: a join would copy its every column
    return customers.hstack(columns)
