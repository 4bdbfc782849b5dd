"""Time tagkit's score step (features + scores + tags, ``.collect()`` included) on synthetic data at scale.

    python benchmarks/bench_scoring.py                                 # 10,000,000 order lines, 200,000 customers
    python benchmarks/bench_scoring.py --pandas                        # also the core order features in pandas
    python benchmarks/bench_scoring.py --backtest --data-dir /tmp/d    # also run_backtest; keep the data for reruns
    python benchmarks/bench_scoring.py --rows 1000000 --customers 20000 --repeat 1

The data is generated first (numpy + polars: 8 quarters of order lines with amounts, product
lines, discounts, returns and customers who stop buying; customers with regions and potential;
visits, feedback and competitor signals) and written to parquet, as a run reads ``clean/*.parquet``.
Generation and each engine run in their own child processes, so an engine's peak RSS
(``VmHWM``: ``ru_maxrss`` of its own address space) is its own; generation is never timed.
Timed, from scanning the parquet files to a collected frame:

- ``tagkit``: :func:`tagkit.scoring.score_customers` for the last quarter, end to end (it also
  scores the previous quarter, for ``previous_tag``);
- ``tagkit-backtest`` (with ``--backtest``): :func:`tagkit.backtest.run_backtest`, which every run
  also does (it calls ``score_customers`` once per back-tested quarter);
- ``polars-core`` (with ``--pandas``): a lean polars aggregation of the core order features only;
- ``pandas-core`` (with ``--pandas``): the same core features as an experienced pandas user
  would write them (vectorised groupby/agg, no row loops), reading the same parquet file.

The two core-feature runs are checked to agree before the table is printed. The output is a
markdown table, ready to paste into the README.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

QUARTER = "2026Q3"
AS_OF = dt.date(2026, 9, 30)
FIRST_DAY = dt.date(2024, 10, 1)  # 8 quarters: 2024Q4 .. 2026Q3
DAYS = (AS_OF - FIRST_DAY).days + 1
REGIONS = ["华东", "华南", "华北", "华中", "西南", "西北", "东北"]
SCOPES = ["national", "provincial", "city", "local"]
CHANNELS = ["distributor", "dealer", "retailer", "key_account"]
TABLES = ("customers", "orders", "visits", "feedback", "competitor_signals")
BUDGET_S, BUDGET_MB = 5.0, 2048


def peak_rss_mb() -> float:
    """This process's peak RSS in MB.

    ``VmHWM`` first: ``ru_maxrss`` survives fork + exec, so a child would report its parent's
    peak if the parent ever held more; ``VmHWM`` belongs to the child's own address space.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def machine_busy_s() -> float | None:
    """CPU-seconds the whole machine has spent busy since boot (Linux ``/proc/stat``), else None."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and iowait


# ---------------------------------------------------------------- data

def make_customers(m: int, rng: np.random.Generator) -> pl.DataFrame:
    i = np.arange(m)
    return pl.DataFrame({
        "customer_id": [f"C{k:07d}" for k in i],
        "customer_name": [f"客户{k}" for k in i],
        "region": np.array(REGIONS)[rng.integers(0, len(REGIONS), m)],
        "rep_id": [f"R{k:04d}" for k in rng.integers(0, max(m // 150, 1), m)],
        "channel": np.array(CHANNELS)[rng.integers(0, len(CHANNELS), m)],
        "lat": rng.uniform(20, 45, m), "lon": rng.uniform(100, 125, m),
        "potential_annual_value": np.round(rng.lognormal(13, 1.2, m), 2),
        "downstream_outlets": rng.poisson(20, m),
        "influence_scope": np.array(SCOPES)[rng.choice(4, m, p=[0.02, 0.1, 0.3, 0.58])],
        "referrals": rng.poisson(0.5, m),
        "since": FIRST_DAY - pl.Series(rng.integers(0, 3650, m)).cast(pl.Duration("ms")) * 86_400_000,
    }).with_columns(pl.col("since").cast(pl.Date))


def make_orders(n: int, m: int, rng: np.random.Generator) -> pl.DataFrame:
    """Order lines: a few big buyers and many small ones; 10% stop buying at some day, 5% start late."""
    weight = rng.lognormal(0, 1.3, m)
    customer = rng.choice(m, n, p=weight / weight.sum())
    start = np.where(rng.random(m) < 0.05, rng.integers(0, DAYS, m), 0)
    end = np.where(rng.random(m) < 0.10, rng.integers(0, DAYS, m), DAYS)
    end = np.maximum(end, start + 1)
    day = start[customer] + (rng.random(n) * (end - start)[customer]).astype(np.int64)
    scale = rng.lognormal(7, 0.8, m)
    amount = np.round(scale[customer] * rng.lognormal(0, 0.5, n), 2)
    amount = np.where(rng.random(n) < 0.01, -amount * 0.5, amount)  # returns and credits
    favourite = rng.integers(0, 12, m)
    line = np.where(rng.random(n) < 0.6, favourite[customer], rng.integers(0, 12, n))
    order = np.cumsum(rng.random(n) < 0.35)  # ~3 lines per order
    frame = pl.DataFrame({"o": order, "c": customer, "d": day, "amount": amount, "l": line,
                          "quantity": rng.integers(1, 60, n).astype(np.float64),
                          "discount": np.round(np.clip(rng.exponential(0.05, n), 0, 0.6), 3)})
    return frame.select(
        order_id=pl.format("O{}", pl.col("o")),
        customer_id=pl.format("C{}", pl.col("c").cast(pl.String).str.zfill(7)),
        order_date=pl.lit(FIRST_DAY) + pl.duration(days=pl.col("d")),
        amount="amount",
        product_line=pl.format("L{}", pl.col("l")),
        quantity="quantity",
        discount="discount",
    )


def make_events(m: int, n_rows: int, date_col: str, rng: np.random.Generator) -> pl.DataFrame:
    return pl.DataFrame({
        "customer_id": [f"C{k:07d}" for k in rng.integers(0, m, n_rows)],
        date_col: pl.Series(rng.integers(0, DAYS, n_rows)),
    }).with_columns((pl.lit(FIRST_DAY) + pl.duration(days=pl.col(date_col))).alias(date_col))


GENERATOR_VERSION = 2  # bump when the data changes, so a kept --data-dir is generated again


def _meta(rows: int, customers: int, seed: int) -> dict[str, int]:
    return {"rows": rows, "customers": customers, "seed": seed, "generator": GENERATOR_VERSION}


def generate(data_dir: Path, rows: int, customers: int, seed: int) -> float:
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    data_dir.mkdir(parents=True, exist_ok=True)
    make_customers(customers, rng).write_parquet(data_dir / "customers.parquet")
    make_orders(rows, customers, rng).write_parquet(data_dir / "orders.parquet")
    visits = make_events(customers, max(rows // 20, 1), "visit_date", rng)
    visits.with_columns(
        rep_id=pl.lit("R0001"),
        visit_type=pl.Series(np.array(["routine", "supervisor", "manager", "executive"])[
            rng.choice(4, visits.height, p=[0.8, 0.12, 0.06, 0.02])]),
        outcome=pl.Series(np.array(["positive", "neutral", "negative"])[rng.integers(0, 3, visits.height)]),
    ).write_parquet(data_dir / "visits.parquet")
    feedback = make_events(customers, customers * 2, "feedback_date", rng)
    feedback.with_columns(
        satisfaction=pl.Series(rng.integers(1, 6, feedback.height)),
        cooperation=pl.Series(rng.integers(1, 6, feedback.height)),
        complaint=pl.Series(rng.random(feedback.height) < 0.1),
    ).write_parquet(data_dir / "feedback.parquet")
    signals = make_events(customers, max(customers // 4, 1), "signal_date", rng)
    signals.with_columns(signal=pl.lit("quote"), competitor=pl.lit("X")).write_parquet(
        data_dir / "competitor_signals.parquet")
    (data_dir / "meta.json").write_text(json.dumps(_meta(rows, customers, seed)))
    return time.perf_counter() - t0


# ---------------------------------------------------------------- the engines (each runs in a child)

def _qindex(year: int, quarter: int) -> int:
    return year * 4 + quarter - 1


Q = _qindex(2026, 3)


def polars_core(data_dir: Path) -> pl.DataFrame:
    """The core order features, lean: one group_by over the order lines up to the as-of date."""
    q = pl.col("order_date").dt.year().cast(pl.Int32) * 4 + pl.col("order_date").dt.quarter().cast(pl.Int32) - 1
    amount = pl.col("amount")
    return (
        pl.scan_parquet(data_dir / "orders.parquet")
        .filter(pl.col("order_date") <= AS_OF)
        .with_columns(q=q)
        .group_by("customer_id")
        .agg(
            sales_quarter=amount.filter(pl.col("q") == Q).sum(),
            sales_trailing_4q=amount.filter(pl.col("q") > Q - 4).sum(),
            sales_previous_quarter=amount.filter(pl.col("q") == Q - 1).sum(),
            sales_same_quarter_last_year=amount.filter(pl.col("q") == Q - 4).sum(),
            first_order=pl.col("order_date").min(),
            last_order=pl.col("order_date").max(),
            order_days=pl.col("order_date").n_unique().cast(pl.Int64),
            lines_bought=pl.col("product_line").filter(pl.col("q") > Q - 4).n_unique().cast(pl.Int64),
        )
        .with_columns(
            days_since_last_order=(pl.lit(AS_OF) - pl.col("last_order")).dt.total_days(),
            usual_interval_days=pl.when(pl.col("order_days") > 1).then(
                (pl.col("last_order") - pl.col("first_order")).dt.total_days() / (pl.col("order_days") - 1)),
        )
        .collect()
    )


def pandas_core(data_dir: Path) -> Any:
    """The same features in pandas: vectorised, one pass per aggregate, no Python loops over rows."""
    import pandas as pd
    import pyarrow.parquet as pq

    # pd.read_parquet would give python date objects for a parquet date column; ask for datetime64
    o = pq.read_table(data_dir / "orders.parquet", columns=["customer_id", "order_date", "amount", "product_line"]
                      ).to_pandas(date_as_object=False)
    o = o[o["order_date"] <= pd.Timestamp(AS_OF)]
    # categorical keys make every groupby below an integer groupby
    o["customer_id"] = o["customer_id"].astype("category")
    date = o["order_date"]
    o["q"] = (date.dt.year * 4 + date.dt.quarter - 1).astype("int32")
    by_quarter = o.groupby(["customer_id", "q"], observed=True)["amount"].sum().unstack(fill_value=0.0)
    col = lambda k: by_quarter[k] if k in by_quarter else 0.0  # noqa: E731 - a quarter may have no orders
    out = pd.DataFrame({
        "sales_quarter": col(Q),
        "sales_trailing_4q": sum(col(k) for k in range(Q - 3, Q + 1)),
        "sales_previous_quarter": col(Q - 1),
        "sales_same_quarter_last_year": col(Q - 4),
    })
    g = o.groupby("customer_id", observed=True)["order_date"]
    out["first_order"], out["last_order"] = g.min(), g.max()
    out["order_days"] = g.nunique().astype("int64")
    recent = o[o["q"] > Q - 4]
    out["lines_bought"] = recent.groupby("customer_id", observed=True)["product_line"].nunique()
    out["lines_bought"] = out["lines_bought"].fillna(0).astype("int64")
    out["days_since_last_order"] = (pd.Timestamp(AS_OF) - out["last_order"]).dt.days
    span = (out["last_order"] - out["first_order"]).dt.days
    out["usual_interval_days"] = (span / (out["order_days"] - 1)).where(out["order_days"] > 1)
    out.index = out.index.astype(str)
    return out.rename_axis("customer_id").reset_index()


def tagkit_scores(data_dir: Path, params_dir: Path | None = None) -> pl.DataFrame:
    from tagkit.params import load_params, project_root
    from tagkit.scoring import score_customers

    params = load_params(params_dir or project_root(Path(__file__).resolve().parent) / "params")
    tables = {name: pl.scan_parquet(data_dir / f"{name}.parquet") for name in TABLES}
    return score_customers(tables, quarter=QUARTER, p=params.scoring).collect()


def tagkit_backtest(data_dir: Path, params_dir: Path | None = None) -> pl.DataFrame:
    from tagkit.backtest import run_backtest
    from tagkit.params import load_params, project_root

    params = load_params(params_dir or project_root(Path(__file__).resolve().parent) / "params")
    tables = {name: pl.scan_parquet(data_dir / f"{name}.parquet") for name in TABLES}
    return run_backtest(tables, quarter=QUARTER, scoring=params.scoring, backtest=params.backtest).cases


ENGINES = {"tagkit": tagkit_scores, "tagkit-backtest": tagkit_backtest, "polars-core": polars_core,
           "pandas-core": pandas_core}


def run_child(engine: str, data_dir: Path, repeat: int, result_path: Path | None,
              params_dir: Path | None) -> dict[str, Any]:
    if engine == "pandas-core":
        import pandas  # noqa: F401 - imported before the baseline, like polars is
    else:
        import tagkit.scoring  # noqa: F401
    baseline = peak_rss_mb()
    times, cpu, out = [], [], None
    for _ in range(repeat):
        c0, t0 = os.times(), time.perf_counter()
        out = ENGINES[engine](data_dir, params_dir) if engine.startswith("tagkit") else ENGINES[engine](data_dir)
        times.append(time.perf_counter() - t0)
        c1 = os.times()
        cpu.append(c1.user + c1.system - c0.user - c0.system)
    if result_path is not None and not engine.startswith("tagkit"):
        frame = pl.from_pandas(out) if engine == "pandas-core" else out
        frame.write_parquet(result_path)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"engine": engine, "times_s": times, "cpu_s": cpu, "child_cpu_s": usage.ru_utime + usage.ru_stime,
            "rows_out": len(out), "rss_baseline_mb": baseline,
            "peak_rss_mb": peak_rss_mb()}


def child(engine: str, data_dir: Path, repeat: int, result_path: Path | None = None,
          params_dir: Path | None = None) -> dict[str, Any]:
    before = machine_busy_s()
    cmd = [sys.executable, __file__, "--child", engine, "--data-dir", str(data_dir), "--repeat", str(repeat)]
    if result_path is not None:
        cmd += ["--result", str(result_path)]
    if params_dir is not None:
        cmd += ["--params-dir", str(params_dir)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{engine} child failed (exit {proc.returncode}):\n{proc.stderr}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    after = machine_busy_s()
    # on a shared machine another job skews every timing: say how much CPU others took meanwhile
    out["others_cpu_s"] = None if before is None or after is None else max(after - before - out["child_cpu_s"], 0.0)
    return out


def check_same(a: Path, b: Path) -> str:
    """The pandas and polars core features must be the same numbers, or the timing compares nothing."""
    left = pl.read_parquet(a).sort("customer_id")
    right = pl.read_parquet(b).sort("customer_id").select(left.columns).cast(left.schema)
    from polars.testing import assert_frame_equal

    assert_frame_equal(left, right, check_exact=False, rel_tol=1e-9, abs_tol=1e-6)
    return f"pandas-core and polars-core agree on {left.height:,} customers x {left.width - 1} features"


# ---------------------------------------------------------------- main

def _seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def print_report(args: argparse.Namespace, runs: list[dict[str, Any]], *, size_mb: float,
                 generated_s: float | None, agree: str) -> None:
    """The markdown the README takes: a header, one table row per engine, the budget verdict and ratios."""
    import pandas

    what = {"tagkit": "`score_customers` end to end (features, 7 scores, tags, ABC, previous tag)",
            "tagkit-backtest": "`run_backtest`: the quarters before, each scored as of its end, and their outcomes",
            "polars-core": "core order features, lean polars", "pandas-core": "core order features, pandas"}
    generated = f", generated in {generated_s:.1f} s (not timed)" if generated_s is not None else " (reused)"
    print(f"### Score step: {args.rows:,} order lines, {args.customers:,} customers, quarter {QUARTER}\n")
    print(f"{os.cpu_count()} CPUs ({platform.machine()}), Python {platform.python_version()}, polars {pl.__version__}, "
          f"pandas {pandas.__version__}; parquet inputs {size_mb:,.0f} MB{generated}.\n")
    print(f"{args.repeat} run(s) per engine in one child process, timed from scanning the parquet files to a "
          "collected frame: wall time median and best, and the child's CPU time (user + system, median). Peak RSS "
          "is the child's own high-water mark (`VmHWM`); baseline = after imports. The last column is the CPU "
          "time other processes took while the engine ran (a shared machine skews timings).\n")
    print("| engine | what | wall median (s) | wall best (s) | CPU median (s) | runs (s) | peak RSS (MB) "
          "| baseline RSS (MB) | others' CPU meanwhile (s) |")
    print("|---|---|---:|---:|---:|---|---:|---:|---:|")
    for run in runs:
        times = run["times_s"]
        print(f"| {run['engine']} | {what[run['engine']]} | {statistics.median(times):.2f} | {min(times):.2f} | "
              f"{statistics.median(run['cpu_s']):.2f} | {', '.join(f'{t:.2f}' for t in times)} | "
              f"{run['peak_rss_mb']:,.0f} | {run['rss_baseline_mb']:,.0f} | {_seconds(run['others_cpu_s'])} |")
    busy = [f"{r['engine']} ({r['others_cpu_s']:.1f} CPU-s)" for r in runs
            if (r["others_cpu_s"] or 0) > max(0.1 * sum(r["times_s"]), 1.0)]  # start-up noise is ~0.1 CPU-s
    if busy:
        print(f"\n**Warning:** other processes used the CPUs during {', '.join(busy)}: those timings are skewed; "
              "rerun on a quiet machine.")
    median = {r["engine"]: statistics.median(r["times_s"]) for r in runs}
    tag = runs[0]
    verdict = "within" if median["tagkit"] <= BUDGET_S and tag["peak_rss_mb"] <= BUDGET_MB else "OVER"
    print(f"\ntagkit: {median['tagkit']:.2f} s median ({min(tag['times_s']):.2f} s best), "
          f"{tag['peak_rss_mb']:,.0f} MB peak: {verdict} the budget ({BUDGET_S:.0f} s, {BUDGET_MB:,} MB).")
    if args.pandas:
        print(f"pandas-core / polars-core: {median['pandas-core'] / median['polars-core']:.1f}x; "
              f"pandas-core / tagkit: {median['pandas-core'] / median['tagkit']:.1f}x; "
              f"tagkit / polars-core: {median['tagkit'] / median['polars-core']:.1f}x. {agree}.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000, help="order lines (default 10,000,000)")
    parser.add_argument("--customers", type=int, default=200_000, help="customers (default 200,000)")
    parser.add_argument("--pandas", action="store_true", help="also time the core features in polars and pandas")
    parser.add_argument("--backtest", action="store_true",
                        help="also time run_backtest (every run does it: it scores params' backtest.quarters quarters)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per engine, in one child (median shown)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data-dir", type=Path, help="keep the generated parquet here and reuse it if it matches")
    parser.add_argument("--params-dir", type=Path, help="params folder for tagkit (default: the project's params/)")
    parser.add_argument("--child", choices=(*ENGINES, "generate"), help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "generate":
        print(json.dumps({"generate_s": generate(args.data_dir, args.rows, args.customers, args.seed),
                          "peak_rss_mb": peak_rss_mb()}))
        return
    if args.child:
        print(json.dumps(run_child(args.child, args.data_dir, args.repeat, args.result, args.params_dir)))
        return

    keep = args.data_dir is not None
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="bench_scoring_"))
    meta = data_dir / "meta.json"
    wanted = _meta(args.rows, args.customers, args.seed)
    try:
        if meta.exists() and json.loads(meta.read_text()) == wanted:
            gen = None
        else:
            cmd = [sys.executable, __file__, "--child", "generate", "--data-dir", str(data_dir), "--rows",
                   str(args.rows), "--customers", str(args.customers), "--seed", str(args.seed)]
            gen = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)["generate_s"]
        size_mb = sum(data_dir.joinpath(f"{name}.parquet").stat().st_size for name in TABLES) / 2**20
        runs = [child("tagkit", data_dir, args.repeat, params_dir=args.params_dir)]
        if args.backtest:
            runs.append(child("tagkit-backtest", data_dir, args.repeat, params_dir=args.params_dir))
        agree = ""
        if args.pandas:
            runs.append(child("polars-core", data_dir, args.repeat, data_dir / "_polars_core.parquet"))
            runs.append(child("pandas-core", data_dir, args.repeat, data_dir / "_pandas_core.parquet"))
            agree = check_same(data_dir / "_polars_core.parquet", data_dir / "_pandas_core.parquet")
    finally:
        if not keep:
            shutil.rmtree(data_dir, ignore_errors=True)

    print_report(args, runs, size_mb=size_mb, generated_s=gen, agree=agree)

if __name__ == "__main__":
    main()
