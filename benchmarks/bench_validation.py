"""Time the orders suite: tagkit's polars evaluator, and (``--ge``) GE's pandas engine.

    python benchmarks/bench_validation.py                      # 10,000,000 order lines, polars
    python benchmarks/bench_validation.py --rows 1000000 --ge  # also GE on 1,000,000 lines

Each engine runs in its own child process, so the peak RSS printed is that engine's
(data generation included; it is printed separately). Order lines are generated in
polars with a few planted problems (0.1% each: unknown customer, missing date, after the
quarter, NaN amount, discount out of range) and ``_raw_*`` text columns, as a CSV intake
would give. Timed:

- ``evaluate``: :func:`evaluate_suite` on the in-memory frame (all expectations, one pass);
- ``validate``: :func:`validate_dataset` with customers and orders (evaluation, quarantine
  split and clean frames);
- ``ge``: GE 1.x ``batch.validate`` of the same suite on a pandas frame (pyarrow dtypes),
  after ``to_pandas`` (timed apart).
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import warnings
from typing import Any

import numpy as np
import polars as pl

from tagkit.contract import TABLES
from tagkit.params import ValidationParams
from tagkit.validation import evaluate_suite, load_suites, to_ge_suite, validate_dataset

QUARTER, QUARTER_END = "2026Q3", pl.date(2026, 9, 30)
N_CUSTOMERS = 50_000
PARAMS = ValidationParams(max_null_rate={"orders.product_line": 0.1}, max_discount=0.95)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def make_customers() -> pl.DataFrame:
    regions = pl.Series(["East", "West", "North", "South"])
    return pl.select(i=pl.int_range(N_CUSTOMERS)).select(
        customer_id=pl.format("C{}", pl.col("i")),
        customer_name=pl.format("Customer {}", pl.col("i")),
        region=pl.lit(regions).gather(pl.col("i") % 4),
        rep_id=pl.format("R{}", pl.col("i") % 500),
        _file=pl.lit("customers.csv"),
        _row=pl.col("i").cast(pl.Int64) + 1,
    )


def make_orders(n: int, seed: int = 7) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    problem = rng.integers(0, 1000, n)  # 0..4: one planted problem each, 0.1% of rows apiece
    customer = rng.integers(0, N_CUSTOMERS, n)
    days = rng.integers(0, 3 * 365, n)
    frame = pl.DataFrame({
        "i": np.arange(n), "c": customer, "d": days, "p": problem,
        "amount": rng.normal(1000, 300, n).round(2),
        "quantity": rng.integers(1, 50, n).astype(float),
        "discount": rng.uniform(0, 0.3, n).round(3),
        "line": rng.integers(0, 12, n),
    })
    orders = frame.select(
        order_id=pl.format("O{}", pl.col("i") // 3),
        customer_id=pl.when(pl.col("p") == 0).then(pl.lit("C-unknown")).otherwise(pl.format("C{}", pl.col("c"))),
        order_date=pl.when(pl.col("p") == 1).then(None)
        .when(pl.col("p") == 2).then(QUARTER_END + pl.duration(days=10))
        .otherwise(QUARTER_END - pl.duration(days=pl.col("d"))),
        amount=pl.when(pl.col("p") == 3).then(float("nan")).otherwise(pl.col("amount")),
        product_line=pl.format("L{}", pl.col("line")),
        quantity=pl.col("quantity"),
        discount=pl.when(pl.col("p") == 4).then(1.5).otherwise(pl.col("discount")),
    )
    raw = [pl.col(c).cast(pl.String).alias(f"_raw_{c}") for c in ("order_date", "amount", "quantity", "discount")]
    return orders.with_columns(*raw, _file=pl.lit("orders.csv"), _row=pl.int_range(1, n + 1, dtype=pl.Int64))


def parameters(customers: pl.DataFrame) -> dict[str, Any]:
    values: dict[str, Any] = {
        "quarter_end": pl.select(QUARTER_END).item(),
        "max_discount": PARAMS.max_discount,
        "known_customers_customer_id": customers["customer_id"],
    }
    values |= {f"min_non_null_{c.name}": 0.9 for c in TABLES["orders"].columns if not c.required}
    return values


def run_polars(n: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    customers, orders = make_customers(), make_orders(n)
    out: dict[str, Any] = {"engine": "polars", "rows": n, "generate_s": time.perf_counter() - t0,
                           "rss_after_generate_mb": peak_rss_mb()}
    suite = load_suites()["orders"]
    t0 = time.perf_counter()
    results = evaluate_suite(orders, suite, parameters=parameters(customers))
    out["evaluate_s"] = time.perf_counter() - t0
    out["expectations"] = len(results)
    out["failed"] = sum(1 for r in results if r.failed)
    out["rss_after_evaluate_mb"] = peak_rss_mb()
    t0 = time.perf_counter()
    result = validate_dataset({"customers": customers.lazy(), "orders": orders.lazy()}, quarter=QUARTER, params=PARAMS)
    out["validate_s"] = time.perf_counter() - t0
    out["orders_quarantined"] = result.accounting["orders"].rows_quarantined
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def run_ge(n: int) -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig
    customers, orders = make_customers(), make_orders(n)
    out: dict[str, Any] = {"engine": "ge-pandas", "rows": n, "rss_after_generate_mb": peak_rss_mb()}
    t0 = time.perf_counter()
    frame = orders.to_pandas(use_pyarrow_extension_array=True)
    out["to_pandas_s"] = time.perf_counter() - t0
    values = parameters(customers)
    values["known_customers_customer_id"] = values["known_customers_customer_id"].to_list()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        suite = context.suites.add(to_ge_suite(load_suites()["orders"]))
        batch = (context.data_sources.add_pandas("bench").add_dataframe_asset("orders")
                 .add_batch_definition_whole_dataframe("all").get_batch(batch_parameters={"dataframe": frame}))
        t0 = time.perf_counter()
        validation = batch.validate(suite, expectation_parameters=values)
        out["validate_s"] = time.perf_counter() - t0
    out["expectations"] = len(validation.results)
    out["failed"] = sum(1 for r in validation.results if not r.success)
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def child(engine: str, rows: int) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, __file__, "--child", engine, "--rows", str(rows)],
                          check=True, capture_output=True, text=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000, help="order lines for the polars run")
    parser.add_argument("--ge", action="store_true", help="also run GE's pandas engine (and polars) on --ge-rows")
    parser.add_argument("--ge-rows", type=int, default=1_000_000, help="order lines for the GE comparison")
    parser.add_argument("--child", choices=("polars", "ge"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_polars(args.rows) if args.child == "polars" else run_ge(args.rows)))
        return
    runs = [child("polars", args.rows)]
    if args.ge:
        if args.ge_rows != args.rows:
            runs.append(child("polars", args.ge_rows))
        runs.append(child("ge", args.ge_rows))
    for run in runs:
        timings = ", ".join(f"{k} {v:.2f} s" for k, v in run.items() if k.endswith("_s"))
        print(f"{run['engine']:>9} {run['rows']:>11,} rows: {timings}; {run['expectations']} expectations "
              f"({run['failed']} failed); peak RSS {run['peak_rss_mb']:,.0f} MB "
              f"(after generating data {run['rss_after_generate_mb']:,.0f} MB)")


if __name__ == "__main__":
    main()
