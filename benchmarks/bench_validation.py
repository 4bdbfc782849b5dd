"""Measure validation: the whole validate step on a data folder, and the engines behind it.

    python benchmarks/bench_validation.py                                   # validate step, 10,000,000 order lines
    python benchmarks/bench_validation.py --data-dir /work/bigdata/f100m    # validate step on an existing folder
    python benchmarks/bench_validation.py --rows 100000000 --customers 1000000 --data-dir /work/bigdata/val100m
    python benchmarks/bench_validation.py --ge --ge-rows 1000000            # GE pandas vs the polars evaluator
    python benchmarks/bench_validation.py --data-dir /work/bigdata/f100m --score scores   # validate + score

``--score scores`` (or ``scores,prescription,backtest``, the whole score step): after validating,
the same child goes on as notebooks/02_score.ipynb does (:mod:`tagkit.steps.score`), each part
timed; the child's wall time and peak RSS then cover validation and scoring together.

``step`` (always): what notebooks/01_validate.ipynb does, :func:`tagkit.steps.validate.run_validation`
(``load_dataset`` + ``validate_dataset`` + ``write_validation_outputs``) with the project's params,
in a child process. Wall time is the parent's clock around the child (interpreter start and
imports included) and, separately, the child's own clock around the call; peak RSS is the
child's ``ru_maxrss`` as the kernel reports it to ``wait4``. ``/proc/loadavg`` is printed
before and after, and the share of the machine's CPU time used by others during the run.

``--data-dir``: a folder holding ``customers.*`` is used as it is (e.g. one written by ``tagkit
sample-data``); otherwise a folder is generated there, laid out as ``tagkit sample-data`` does
(``customers.csv``, ``reps.csv``, ``orders/quarter=<YYYYQn>/part-0.parquet``, 8 quarters), with
planted problems on 0.1% of order lines each (unknown customer, missing customer_id, missing
date, after the quarter end, NaN amount, discount out of range). Without ``--data-dir`` the
folder is generated in a temporary directory and removed afterwards.

``--ge`` (in-memory frames of ``--ge-rows`` order lines, each engine in its own child):

- ``evaluate``: :func:`evaluate_suite` on the orders suite (all expectations, one pass);
- ``ge``: GE 1.x ``batch.validate`` of the same suite on a pandas frame (pyarrow dtypes),
  after ``to_pandas`` (timed apart);
- ``ge-one``: GE on one expectation at a time (``--ge-expectations``, indices in the orders
  suite), for the cost of a single expectation.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

QUARTER = "2026Q3"
QUARTER_END = dt.date(2026, 9, 30)
QUARTERS = ("2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3")
SEED = 7
GENERATOR_VERSION = 1  # bump when the data changes, so a kept --data-dir is generated again
ROOT = Path(__file__).resolve().parent.parent


def peak_rss_mb() -> float:
    """This process's own peak RSS (``VmHWM``; ``ru_maxrss`` would survive exec from a bigger parent)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def machine_busy_s() -> float:
    """CPU-seconds the whole machine has been busy since boot (``/proc/stat``, all but idle and iowait)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- a data folder, as tagkit sample-data lays it out

def customer_ids(index: pl.Expr) -> pl.Expr:
    return pl.format("C{}", index.cast(pl.String).str.zfill(7))


def write_customers(data_dir: Path, m: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_reps = max(m // 150, 1)
    pl.DataFrame({"i": np.arange(n_reps)}).select(
        rep_id=pl.format("R{}", pl.col("i").cast(pl.String).str.zfill(5)),
        rep_name=pl.format("Rep {}", pl.col("i")),
        region=pl.lit("华东"),
        role=pl.lit("rep"),
    ).write_csv(data_dir / "reps.csv")
    pl.DataFrame({
        "i": np.arange(m), "r": rng.integers(0, n_reps, m), "g": rng.integers(0, 7, m),
        "lat": rng.uniform(20, 45, m).round(5), "lon": rng.uniform(100, 125, m).round(5),
        "pot": np.round(rng.lognormal(13, 1.2, m), 2), "ch": rng.integers(0, 4, m),
    }).select(
        customer_id=customer_ids(pl.col("i")),
        customer_name=pl.format("客户{}", pl.col("i")),
        region=pl.lit(pl.Series(["华东", "华南", "华北", "华中", "西南", "西北", "东北"])).gather(pl.col("g")),
        rep_id=pl.format("R{}", pl.col("r").cast(pl.String).str.zfill(5)),
        channel=pl.lit(pl.Series(["distributor", "dealer", "retailer", "key_account"])).gather(pl.col("ch")),
        lat="lat", lon="lon", potential_annual_value="pot",
    ).write_csv(data_dir / "customers.csv")


def order_part(n: int, m: int, quarter: str, seed: int, first_line: int) -> pl.DataFrame:
    """One quarter's order lines; 0.1% of lines carry each planted problem."""
    rng = np.random.default_rng(seed)
    year, q = int(quarter[:4]), int(quarter[-1])
    start = dt.date(year, 3 * q - 2, 1)
    problem = rng.integers(0, 1000, n)
    frame = pl.DataFrame({
        "i": np.arange(first_line, first_line + n), "c": rng.integers(0, m, n), "d": rng.integers(0, 90, n),
        "p": problem, "amount": np.round(rng.lognormal(7, 0.8, n), 2),
        "quantity": rng.integers(1, 60, n).astype(np.float64),
        "discount": np.round(np.clip(rng.exponential(0.05, n), 0, 0.6), 3), "line": rng.integers(0, 12, n),
    })
    p = pl.col("p")
    return frame.select(
        order_id=pl.format("O{}", pl.col("i") // 3),
        customer_id=pl.when(p == 0).then(pl.lit("C-unknown")).when(p == 1).then(None)
        .otherwise(customer_ids(pl.col("c"))),
        order_date=pl.when(p == 2).then(None).when(p == 3).then(pl.lit(QUARTER_END) + pl.duration(days=10))
        .otherwise(pl.lit(start) + pl.duration(days=pl.col("d"))),
        amount=pl.when(p == 4).then(float("nan")).otherwise(pl.col("amount")),
        product_line=pl.format("L{}", pl.col("line")),
        quantity="quantity",
        discount=pl.when(p == 5).then(1.5).otherwise(pl.col("discount")),
    )


def _meta(rows: int, customers: int, seed: int = SEED) -> dict[str, Any]:
    """What a generated folder was made with (``_bench.json``): a folder made otherwise is made again."""
    return {"rows": rows, "customers": customers, "seed": seed, "generator": GENERATOR_VERSION}


def generate(data_dir: Path, rows: int, customers: int, seed: int = SEED) -> float:
    t0 = time.perf_counter()
    data_dir.mkdir(parents=True, exist_ok=True)
    write_customers(data_dir, customers, seed)
    per = -(-rows // len(QUARTERS))
    done = 0
    for k, quarter in enumerate(QUARTERS):
        n = min(per, rows - done)
        part = data_dir / "orders" / f"quarter={quarter}" / "part-0.parquet"
        part.parent.mkdir(parents=True, exist_ok=True)
        order_part(n, customers, quarter, seed * 100 + k, done).write_parquet(part)
        done += n
    (data_dir / "_bench.json").write_text(json.dumps(_meta(rows, customers, seed)))
    return time.perf_counter() - t0


def ensure_data(data_dir: Path, rows: int, customers: int) -> str:
    """Use a folder with data as it is; generate into an empty or bench-made one."""
    meta = data_dir / "_bench.json"
    want = _meta(rows, customers)
    has_data = any(data_dir.glob("customers.*"))
    if has_data and not meta.exists():
        return "existing folder, used as it is"
    if has_data and json.loads(meta.read_text()) == want:
        return "generated earlier by this script, reused"
    if has_data:
        for child in ("customers.csv", "reps.csv", "orders", "_bench.json"):
            path = data_dir / child
            shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
    seconds = generate(data_dir, rows, customers)
    return f"generated in {seconds:.0f} s"


def folder_size_mb(data_dir: Path) -> float:
    return sum(p.stat().st_size for p in data_dir.rglob("*") if p.is_file()) / 1e6


# ---------------------------------------------------------------- the whole validate step (child)

SCORE_PARTS = {  # what notebooks/02_score.ipynb runs after validation, in its order
    "scores": "run_scoring", "prescription": "run_prescription", "backtest": "run_backtest_step",
}


def run_step(data_dir: Path, run_dir: Path, score: list[str]) -> dict[str, Any]:
    t0 = time.perf_counter()
    from tagkit.errors import ValidationBlocked
    from tagkit.params import load_params
    from tagkit.steps import validate as steps

    params = load_params(ROOT / "params")
    imports = time.perf_counter() - t0
    t0 = time.perf_counter()
    blocked = False
    try:
        result = steps.run_validation(data_dir, quarter=QUARTER, run_dir=run_dir, params=params)
        accounting = result.accounting
    except ValidationBlocked:
        blocked = True
    seconds = time.perf_counter() - t0
    summary = json.loads((run_dir / "validation.json").read_text(encoding="utf-8"))
    tables = summary["tables"]
    if not blocked:
        assert {n: a.rows_read for n, a in accounting.items()} == {n: t["rows_read"] for n, t in tables.items()}
    parts = {}
    for part in score if not blocked else []:
        t1 = time.perf_counter()
        getattr(steps, SCORE_PARTS[part])(quarter=QUARTER, run_dir=run_dir, params=params)
        parts[part] = {"s": time.perf_counter() - t1, "peak_rss_mb": peak_rss_mb()}
    return {"engine": "step", "step_s": seconds, "imports_s": imports, "blocked": blocked, "tables": tables,
            "peak_rss_self_mb": peak_rss_mb(), "score": parts}


# ---------------------------------------------------------------- in-memory frames for the engine comparison

def memory_tables(n: int, m: int = 50_000) -> tuple[pl.DataFrame, pl.DataFrame]:
    customers = pl.DataFrame({"i": np.arange(m)}).select(
        customer_id=customer_ids(pl.col("i")), customer_name=pl.format("Customer {}", pl.col("i")),
        region=pl.lit("华东"), rep_id=pl.lit("R00001"), _file=pl.lit("customers.csv"),
        _row=pl.col("i").cast(pl.Int64) + 1,
    )
    orders = order_part(n, m, QUARTER, 7, 0)
    raw = [pl.col(c).cast(pl.String).alias(f"_raw_{c}") for c in ("order_date", "amount", "quantity", "discount")]
    orders = orders.with_columns(*raw, _file=pl.lit("orders.csv"), _row=pl.int_range(1, n + 1, dtype=pl.Int64))
    return customers, orders


def parameters(customers: pl.DataFrame) -> dict[str, Any]:
    from tagkit.contract import TABLES

    values: dict[str, Any] = {"quarter_end": QUARTER_END, "max_discount": 0.95,
                              "known_customers_customer_id": customers["customer_id"]}
    values |= {f"min_non_null_{c.name}": 0.9 for c in TABLES["orders"].columns if not c.required}
    return values


def run_evaluate(n: int) -> dict[str, Any]:
    from tagkit.validation import evaluate_suite, load_suites

    customers, orders = memory_tables(n)
    out: dict[str, Any] = {"engine": "evaluate", "rows": n, "rss_after_generate_mb": peak_rss_mb()}
    t0 = time.perf_counter()
    results = evaluate_suite(orders, load_suites()["orders"], parameters=parameters(customers))
    out["evaluate_s"] = time.perf_counter() - t0
    out["expectations"], out["failed"] = len(results), sum(1 for r in results if r.failed)
    out["peak_rss_self_mb"] = peak_rss_mb()
    return out


def _ge_validate(frame: Any, suite: dict[str, Any], values: dict[str, Any]) -> tuple[float, list[Any]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        from tagkit.validation import to_ge_suite

        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        ge_suite = context.suites.add(to_ge_suite(suite))
        batch = (context.data_sources.add_pandas("bench").add_dataframe_asset("orders")
                 .add_batch_definition_whole_dataframe("all").get_batch(batch_parameters={"dataframe": frame}))
        t0 = time.perf_counter()
        validation = batch.validate(ge_suite, expectation_parameters=values)
        return time.perf_counter() - t0, list(validation.results)


def run_ge(n: int, only: list[int] | None) -> dict[str, Any]:
    from tagkit.validation import load_suites

    customers, orders = memory_tables(n)
    out: dict[str, Any] = {"engine": "ge" if only is None else "ge-one", "rows": n,
                           "rss_after_generate_mb": peak_rss_mb()}
    t0 = time.perf_counter()
    frame = orders.to_pandas(use_pyarrow_extension_array=True)
    out["to_pandas_s"] = time.perf_counter() - t0
    values = parameters(customers)
    values["known_customers_customer_id"] = values["known_customers_customer_id"].to_list()
    suite = load_suites()["orders"]
    if only is None:
        out["validate_s"], results = _ge_validate(frame, suite, values)
        out["expectations"], out["failed"] = len(results), sum(1 for r in results if not r.success)
    else:
        out["each"] = []
        for index in only:
            one = {**suite, "expectations": [suite["expectations"][index]]}
            seconds, _ = _ge_validate(frame, one, values)
            out["each"].append({"index": index, "type": suite["expectations"][index]["type"],
                                "reason": suite["expectations"][index]["meta"]["reason"], "s": seconds})
    out["peak_rss_self_mb"] = peak_rss_mb()
    return out


# ---------------------------------------------------------------- parent

def child(args: list[str]) -> dict[str, Any]:
    """Run this script as a child; its result, wall time and peak RSS as the kernel reports them."""
    busy0, load0, t0 = machine_busy_s(), loadavg(), time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen([sys.executable, __file__, *args], stdout=out, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        out.seek(0)
        text = out.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"child {args} failed with status {status}")
    result = json.loads(text.strip().splitlines()[-1])
    own_cpu = usage.ru_utime + usage.ru_stime
    others = max(machine_busy_s() - busy0 - own_cpu, 0.0)
    result.update(wall_s=wall, peak_rss_mb=usage.ru_maxrss / 1024, cpu_s=own_cpu, load_before=load0,
                  load_after=loadavg(), others_cpu_share=others / (wall * (os.cpu_count() or 1)))
    return result


def print_step(run: dict[str, Any], data_dir: Path, how: str) -> None:
    orders = run["tables"].get("orders", {})
    print(f"validate step on {data_dir} ({how}; {folder_size_mb(data_dir):,.0f} MB on disk)")
    print(f"  wall {run['wall_s']:.2f} s: run_validation {run['step_s']:.2f} s, importing tagkit.steps.validate "
          f"{run['imports_s']:.2f} s, the rest interpreter start and exit; CPU {run['cpu_s']:.1f} s, "
          f"peak RSS {run['peak_rss_mb']:,.0f} MB{' — BLOCKED' if run['blocked'] else ''}")
    print(f"  load before {run['load_before']}, after {run['load_after']}; "
          f"other processes used {run['others_cpu_share']:.0%} of the machine's CPU meanwhile")
    for name, acc in run["tables"].items():
        print(f"  {name:>18}: read {acc['rows_read']:>12,} = used {acc['rows_used']:>12,} "
              f"+ set aside {acc['rows_quarantined']:>9,} (values nulled {acc['rows_value_nulled']:,})")
    if orders:
        print("  orders by reason: " + ", ".join(f"{k} {v:,}" for k, v in sorted(orders["by_reason"].items())))
    done = run["imports_s"] + run["step_s"]
    for part, figures in run["score"].items():
        done += figures["s"]
        print(f"  then {part}: {figures['s']:.2f} s (validation and scoring so far {done:.1f} s after imports), "
              f"peak RSS so far {figures['peak_rss_mb']:,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000, help="order lines to generate")
    parser.add_argument("--customers", type=int, default=200_000, help="customers to generate")
    parser.add_argument("--data-dir", type=Path, help="data folder to validate (generated there if it has no data)")
    parser.add_argument("--run-dir", type=Path, help="run folder to write into (default: a temporary one)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of the validate step")
    parser.add_argument("--no-step", action="store_true", help="skip the validate step")
    parser.add_argument("--score", default="", help="after validating, in the same process: scores, or "
                        "scores,prescription,backtest (the whole score step); wall and peak RSS then cover both")
    parser.add_argument("--ge", action="store_true", help="compare GE's pandas engine with the polars evaluator")
    parser.add_argument("--ge-rows", type=int, default=1_000_000, help="order lines for the GE comparison")
    parser.add_argument("--ge-expectations", default="", help="orders-suite indices to time one by one in GE")
    parser.add_argument("--child", choices=("step", "evaluate", "ge", "ge-one"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "step":
        print(json.dumps(run_step(args.data_dir, args.run_dir, [p for p in args.score.split(",") if p])))
        return
    if args.child:
        only = [int(i) for i in args.ge_expectations.split(",")] if args.child == "ge-one" else None
        print(json.dumps(run_evaluate(args.ge_rows) if args.child == "evaluate" else run_ge(args.ge_rows, only)))
        return

    with tempfile.TemporaryDirectory(prefix="bench-validation-") as tmp:
        if not args.no_step:
            data_dir = args.data_dir or Path(tmp) / "data"
            how = ensure_data(data_dir, args.rows, args.customers)
            for k in range(args.repeat):
                run_dir = args.run_dir or Path(tmp) / f"run{k}"
                shutil.rmtree(run_dir, ignore_errors=True)
                print_step(child(["--child", "step", "--data-dir", str(data_dir), "--run-dir", str(run_dir),
                                  "--score", args.score]), data_dir, how)
        if args.ge:
            for engine in ("evaluate", "ge"):
                run = child(["--child", engine, "--ge-rows", str(args.ge_rows)])
                timings = ", ".join(f"{k} {v:.2f} s" for k, v in run.items() if k.endswith("_s"))
                print(f"{engine:>9} {run['rows']:>11,} rows: {timings}; {run['expectations']} expectations "
                      f"({run['failed']} failed); peak RSS {run['peak_rss_mb']:,.0f} MB; load {run['load_before']}")
        if args.ge_expectations:
            run = child(["--child", "ge-one", "--ge-rows", str(args.ge_rows),
                         "--ge-expectations", args.ge_expectations])
            for each in run["each"]:
                print(f"   ge-one {run['rows']:>11,} rows: #{each['index']} {each['type']} ({each['reason']}) "
                      f"{each['s']:.2f} s; load {run['load_before']}")


if __name__ == "__main__":
    main()
