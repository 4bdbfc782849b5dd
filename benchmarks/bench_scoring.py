"""Time tagkit's score step on synthetic or real-shaped data at scale: wall time and peak RSS of each part.

    python benchmarks/bench_scoring.py                                 # 10,000,000 order lines, 200,000 customers
    python benchmarks/bench_scoring.py --data-dir /work/bigdata/score10m --engines all    # keep data, time all
    python benchmarks/bench_scoring.py --data-dir /work/bigdata/f100m --work-dir /work/bigdata/score100m --repeat 1
    python benchmarks/bench_scoring.py --pandas                        # also the core order features in pandas
    python benchmarks/bench_scoring.py --rows 1000000 --customers 20000 --repeat 1

``--data-dir`` is either this script's own data (``meta.json`` and one parquet file per table:
generated there first, not timed, unless it holds data of the same ``--rows``/``--customers``/
``--seed``), or a tagkit data folder as ``tagkit sample-data`` writes it (``customers.csv``,
``orders/quarter=*/`` ...). A tagkit folder is read once through :func:`tagkit.io.load_dataset`
into ``--work-dir``/clean/*.parquet (the validated tables a run scores; not timed, the folder
itself is never written to), as ``tagkit run``'s validate step would leave them.

Each engine runs in its own child process (``--repeat`` runs in it), timed from scanning the
parquet files to the collected frame (or the files written). Peak RSS is the OS's figure for that
child (``ru_maxrss`` from ``wait4``); the load average (``/proc/loadavg``) is read before and after,
and the CPU time other processes took meanwhile is reported: the machine is shared.

- ``tagkit``: :func:`tagkit.scoring.score_customers` from the order lines, end to end (it also
  scores the previous quarter, for ``previous_tag``);
- ``features``: :func:`tagkit.scoring.order_lines` alone: the order lines → the features table
  (docs/features.md), written to ``--work-dir``/features.parquet (the one part whose cost grows
  with the order lines);
- ``from-features``: ``score_customers(..., features=read_features("features.parquet"))``, without the order lines;
- ``backtest``: :func:`tagkit.backtest.run_backtest` (every run does it);
- ``score-step``: notebooks/02_score.ipynb's work as :mod:`tagkit.steps.score` does it:
  ``run_scoring``, ``run_prescription``, ``run_backtest_step`` on a run folder, each part timed;
- ``score-step-shared``: the same three with the order features made once, written to the run
  folder and read by all three (the change proposed in docs/scaling-scoring.md);
- ``polars-core`` / ``pandas-core`` (with ``--pandas``): the core order features only, lean polars
  and an experienced pandas user's vectorised code, checked to agree.

The output is markdown, ready to paste into the docs.
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
    col = lambda k: by_quarter.get(k, 0.0)  # noqa: E731 - a quarter may have no orders
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


def _params(params_dir: Path | None):
    from tagkit.params import load_params
    from tagkit.project import project_root

    return load_params(params_dir or project_root(Path(__file__).resolve().parent) / "params")


def clean_dir(data_dir: Path, work_dir: Path | None) -> Path:
    """Where the clean tables of ``data_dir`` are: its own parquet files, or ``work_dir``/clean for a tagkit folder."""
    if (data_dir / "meta.json").exists() or (data_dir / "orders.parquet").exists():
        return data_dir
    return work_dir / "clean"


def tables_of(clean: Path) -> dict[str, pl.LazyFrame]:
    return {p.stem: pl.scan_parquet(p) for p in sorted(clean.glob("*.parquet")) if not p.stem.startswith("_")}


def prepare_clean(data_dir: Path, clean: Path, params_dir: Path | None) -> dict[str, Any]:
    """A tagkit data folder's tables, typed by tagkit's reader, as clean/*.parquet (the validate step's output)."""
    from tagkit.io import load_dataset

    done = clean / "_source.json"
    wanted = {"data_dir": str(data_dir.resolve()), "files": sorted(str(p.relative_to(data_dir)) for p in
                                                                    data_dir.rglob("*") if p.is_file())}
    if done.exists() and json.loads(done.read_text()) == wanted:
        return {"prepared_s": None}
    t0 = time.perf_counter()
    clean.mkdir(parents=True, exist_ok=True)
    with load_dataset(data_dir, io=_params(params_dir).io) as dataset:
        for name, frame in dataset.tables.items():
            keep = [c for c in frame.collect_schema().names() if not c.startswith("_")]
            frame.select(keep).sink_parquet(clean / f"{name}.parquet")
    done.write_text(json.dumps(wanted))
    return {"prepared_s": time.perf_counter() - t0}


def tagkit_scores(clean: Path, work: Path, params_dir: Path | None) -> int:
    from tagkit.scoring import score_customers

    return score_customers(tables_of(clean), quarter=QUARTER, p=_params(params_dir).scoring).collect().height


def tagkit_features(clean: Path, work: Path, params_dir: Path | None) -> int:
    from tagkit.scoring import order_features

    days = _params(params_dir).prescription.speculator.quarter_end_days
    out = work / "features.parquet"
    order_features(tables_of(clean)["orders"], quarter_end_days=days).sink_parquet(out, statistics=False)
    return pl.scan_parquet(out).select(pl.len()).collect().item()


def tagkit_from_features(clean: Path, work: Path, params_dir: Path | None) -> int:
    from tagkit.io.features_table import read_features
    from tagkit.scoring import score_customers

    tables = {k: v for k, v in tables_of(clean).items() if k != "orders"}
    return score_customers(tables, quarter=QUARTER, p=_params(params_dir).scoring,
                           features=read_features(work / "features.parquet")).collect().height


def tagkit_backtest(clean: Path, work: Path, params_dir: Path | None) -> int:
    from tagkit.backtest import run_backtest

    params = _params(params_dir)
    result = run_backtest(tables_of(clean), quarter=QUARTER, scoring=params.scoring, backtest=params.backtest)
    return result.cases.height


def _run_folder(clean: Path, work: Path, params: Any) -> Path:
    """A fresh run folder whose clean/ links to the clean tables, as the validate step leaves it (with the
    record the later steps check: this quarter and params; the data named by the clean folder's path)."""
    from tagkit.steps import made_for

    run = work / "run"
    shutil.rmtree(run, ignore_errors=True)
    (run / "clean").mkdir(parents=True)
    for path in clean.glob("*.parquet"):
        if not path.stem.startswith("_"):
            (run / "clean" / path.name).symlink_to(path.resolve())
    made_for.record(run, "validate", made_for.MadeFor(QUARTER, f"clean tables of {clean.resolve()}",
                                                      made_for.section_digests(params)))
    return run


PARTS: dict[str, float] = {}  # the last run's parts, reported with the engine's times


def _part(name: str, fn: Any) -> Any:
    t0 = time.perf_counter()
    out = fn()
    PARTS[name] = time.perf_counter() - t0
    return out


def score_step(clean: Path, work: Path, params_dir: Path | None) -> int:
    """notebooks/02_score.ipynb's calls, as tagkit.steps.score makes them."""
    from tagkit.steps import score as steps

    params = _params(params_dir)
    run = _run_folder(clean, work, params)
    scores = _part("run_scoring", lambda: steps.run_scoring(quarter=QUARTER, run_dir=run, params=params))
    _part("run_prescription", lambda: steps.run_prescription(quarter=QUARTER, run_dir=run, params=params))
    _part("run_backtest_step", lambda: steps.run_backtest_step(quarter=QUARTER, run_dir=run, params=params))
    return scores.height


def score_step_shared(clean: Path, work: Path, params_dir: Path | None) -> int:
    """The same three steps with the features table made once, in the run folder, and read by each."""
    from tagkit.backtest import run_backtest, write_backtest
    from tagkit.io.features_table import read_features
    from tagkit.prescription import prescribe, write_prescription
    from tagkit.scoring import order_features, score_customers
    from tagkit.steps import common as steps

    params = _params(params_dir)
    run = _run_folder(clean, work, params)
    features = run / "features.parquet"

    def scoring() -> pl.DataFrame:
        tables = steps.load_clean_tables(run)
        order_features(tables["orders"], quarter_end_days=params.prescription.speculator.quarter_end_days
                       ).sink_parquet(features, statistics=False)
        scores = score_customers(tables, quarter=QUARTER, p=params.scoring, features=read_features(features)).collect()
        scores.write_parquet(run / "scores.parquet", statistics=False)
        return scores

    def prescription() -> None:
        rx = prescribe(steps.load_scores(run), steps.load_clean_tables(run), quarter=QUARTER, params=params,
                       features=read_features(features, speculator=True)).collect()
        rx.customers.write_parquet(run / "scores.parquet", statistics=False)
        write_prescription(rx, run)

    def backtest() -> None:
        write_backtest(run_backtest(steps.load_clean_tables(run), quarter=QUARTER, scoring=params.scoring,
                                    backtest=params.backtest, features=read_features(features)), run)

    scores = _part("run_scoring", scoring)
    _part("run_prescription", prescription)
    _part("run_backtest_step", backtest)
    return scores.height


ENGINES = {"tagkit": tagkit_scores, "features": tagkit_features, "from-features": tagkit_from_features,
           "backtest": tagkit_backtest, "score-step": score_step, "score-step-shared": score_step_shared,
           "polars-core": polars_core, "pandas-core": pandas_core}
ALL = ("tagkit", "features", "from-features", "backtest", "score-step", "score-step-shared")
WHAT = {
    "tagkit": "`score_customers` from the order lines, end to end (features, 7 scores, tags, ABC, previous tag)",
    "features": "`order_features` alone: order lines → features.parquet (the part that grows with the lines)",
    "from-features": "`score_customers(features=read_features(features.parquet))`, no order lines read",
    "backtest": "`run_backtest`: the quarters before, each scored as of its end, and their outcomes",
    "score-step": "02_score as `tagkit.steps.score` runs it: run_scoring + run_prescription + run_backtest_step",
    "score-step-shared": "the same, the features table made once and read by all three (proposed)",
    "polars-core": "core order features, lean polars",
    "pandas-core": "core order features, pandas",
}


def run_child(engine: str, data_dir: Path, repeat: int, result_path: Path | None, params_dir: Path | None,
              work_dir: Path | None) -> dict[str, Any]:
    if engine == "pandas-core":
        import pandas  # noqa: F401 - imported before the baseline, like polars is
    elif engine.startswith("score-step"):
        # imported before timing, as in the notebook's kernel: the report layer's imports take seconds
        import tagkit.backtest
        import tagkit.prescription
        import tagkit.steps.score
    elif engine != "polars-core":
        import tagkit.scoring  # noqa: F401
    baseline = peak_rss_mb()
    times, cpu, out, parts = [], [], None, []
    for _ in range(repeat):
        c0, t0 = os.times(), time.perf_counter()
        if engine in ("polars-core", "pandas-core"):
            out = ENGINES[engine](data_dir)
        else:
            out = ENGINES[engine](data_dir, work_dir, params_dir)
        times.append(time.perf_counter() - t0)
        c1 = os.times()
        cpu.append(c1.user + c1.system - c0.user - c0.system)
        parts.append(dict(PARTS))
    if result_path is not None and engine in ("polars-core", "pandas-core"):
        frame = pl.from_pandas(out) if engine == "pandas-core" else out
        frame.write_parquet(result_path)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"engine": engine, "times_s": times, "cpu_s": cpu, "child_cpu_s": usage.ru_utime + usage.ru_stime,
            "rows_out": out if isinstance(out, int) else len(out), "rss_baseline_mb": baseline,
            "peak_rss_mb": peak_rss_mb(), "parts": parts}


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def child(engine: str, data_dir: Path, repeat: int, result_path: Path | None = None,
          params_dir: Path | None = None, work_dir: Path | None = None) -> dict[str, Any]:
    before, load_before = machine_busy_s(), loadavg()
    cmd = [sys.executable, __file__, "--child", engine, "--data-dir", str(data_dir), "--repeat", str(repeat)]
    for flag, value in (("--result", result_path), ("--params-dir", params_dir), ("--work-dir", work_dir)):
        if value is not None:
            cmd += [flag, str(value)]
    with tempfile.TemporaryFile("w+") as out_file, tempfile.TemporaryFile("w+") as err_file:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out_file, stderr=err_file, text=True)
        # the OS's account of this child alone: wait4 returns its rusage (ru_maxrss: its peak RSS, KiB)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out_file.seek(0)
        err_file.seek(0)
        stdout, stderr = out_file.read(), err_file.read()
    if proc.returncode != 0:
        raise SystemExit(f"{engine} child failed (exit {proc.returncode}):\n{stderr}")
    out = json.loads(stdout.strip().splitlines()[-1])
    after = machine_busy_s()
    # on a shared machine another job skews every timing: say how much CPU others took meanwhile
    out["others_cpu_s"] = None if before is None or after is None else max(after - before - out["child_cpu_s"], 0.0)
    out["process_wall_s"], out["load_before"], out["load_after"] = wall, load_before, loadavg()
    out["os_maxrss_mb"] = usage.ru_maxrss / 1024
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


def describe(clean: Path) -> str:
    tables = tables_of(clean)
    orders = tables["orders"].select(pl.len(), pl.col("order_date").min().alias("a"),
                                     pl.col("order_date").max().alias("b")).collect().row(0)
    customers = tables["customers"].select(pl.len()).collect().item()
    size = sum(p.stat().st_size for p in clean.glob("*.parquet")) / 2**20
    return (f"{orders[0]:,} order lines ({orders[1]} .. {orders[2]}), {customers:,} customers, quarter {QUARTER}; "
            f"clean parquet {size:,.0f} MB")


def print_report(args: argparse.Namespace, runs: list[dict[str, Any]], *, data: str, prepared: str,
                 agree: str) -> None:
    """The markdown the docs take: a header, one table row per engine, the parts of the score step, the verdict."""
    print(f"### Score step: {data}\n")
    print(f"{os.cpu_count()} CPUs ({platform.machine()}), Python {platform.python_version()}, polars {pl.__version__}"
          f"; {prepared}.\n")
    print(f"{args.repeat} run(s) per engine in one child process. Wall: in the child, from scanning the parquet "
          "files to the collected frame (median and best). Peak RSS: the OS's `ru_maxrss` of the child (`wait4`). "
          "Load: `/proc/loadavg` (1, 5, 15 min) before and after the child. Others' CPU: CPU time the rest of "
          "the machine took meanwhile (a shared machine skews timings).\n")
    print("| engine | what | wall median (s) | wall best (s) | CPU median (s) | peak RSS (MB) | load before → after "
          "| others' CPU (s) |")
    print("|---|---|---:|---:|---:|---:|---|---:|")
    for run in runs:
        times = run["times_s"]
        print(f"| {run['engine']} | {WHAT[run['engine']]} | {statistics.median(times):.2f} | {min(times):.2f} | "
              f"{statistics.median(run['cpu_s']):.2f} | {run['os_maxrss_mb']:,.0f} | {run['load_before']} → "
              f"{run['load_after']} | {_seconds(run['others_cpu_s'])} |")
    for run in runs:
        if run["parts"] and run["parts"][-1]:
            parts = ", ".join(f"{k} {v:.1f} s" for k, v in run["parts"][-1].items())
            print(f"\n{run['engine']} (last run): {parts}.")
    busy = [f"{r['engine']} ({r['others_cpu_s']:.1f} CPU-s)" for r in runs
            if (r["others_cpu_s"] or 0) > max(0.1 * sum(r["times_s"]), 1.0)]  # start-up noise is ~0.1 CPU-s
    if busy:
        print(f"\n**Warning:** other processes used the CPUs during {', '.join(busy)}: those timings are skewed; "
              "rerun on a quiet machine.")
    median = {r["engine"]: statistics.median(r["times_s"]) for r in runs}
    if "tagkit" in median:
        tag = next(r for r in runs if r["engine"] == "tagkit")
        verdict = "within" if median["tagkit"] <= BUDGET_S and tag["os_maxrss_mb"] <= BUDGET_MB else "OVER"
        print(f"\ntagkit: {median['tagkit']:.2f} s median ({min(tag['times_s']):.2f} s best), "
              f"{tag['os_maxrss_mb']:,.0f} MB peak: {verdict} the 10M budget ({BUDGET_S:.0f} s, {BUDGET_MB:,} MB).")
    if args.pandas:
        print(f"pandas-core / polars-core: {median['pandas-core'] / median['polars-core']:.1f}x; "
              f"tagkit / polars-core: {median.get('tagkit', float('nan')) / median['polars-core']:.1f}x. {agree}.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000, help="order lines to generate (default 10,000,000)")
    parser.add_argument("--customers", type=int, default=200_000, help="customers to generate (default 200,000)")
    parser.add_argument("--engines", default="tagkit",
                        help=f"comma-separated engines to time, or 'all' ({', '.join(ALL)}); default tagkit")
    parser.add_argument("--pandas", action="store_true", help="also time the core features in polars and pandas")
    parser.add_argument("--backtest", action="store_true", help="also time run_backtest (same as adding 'backtest')")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per engine, in one child (median shown)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data-dir", type=Path,
                        help="this script's data (generated there if it does not match) or a tagkit data folder")
    parser.add_argument("--work-dir", type=Path, help="clean tables, features.parquet and the run folder "
                        "(default: a temporary folder, removed at the end)")
    parser.add_argument("--params-dir", type=Path, help="params folder for tagkit (default: the project's params/)")
    parser.add_argument("--json", type=Path, help="also write every run's figures here")
    parser.add_argument("--child", choices=(*ENGINES, "generate", "prepare"), help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "generate":
        print(json.dumps({"generate_s": generate(args.data_dir, args.rows, args.customers, args.seed),
                          "peak_rss_mb": peak_rss_mb()}))
        return
    if args.child == "prepare":
        print(json.dumps(prepare_clean(args.data_dir, args.work_dir / "clean", args.params_dir)))
        return
    if args.child:
        clean = clean_dir(args.data_dir, args.work_dir)
        print(json.dumps(run_child(args.child, clean, args.repeat, args.result, args.params_dir, args.work_dir)))
        return

    engines = list(ALL) if args.engines == "all" else [e for e in args.engines.split(",") if e]
    if args.backtest and "backtest" not in engines:
        engines.append("backtest")
    if "from-features" in engines and "features" not in engines:
        engines.insert(engines.index("from-features"), "features")  # it reads what features writes
    keep_data, keep_work = args.data_dir is not None, args.work_dir is not None
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="bench_scoring_"))
    work_dir = args.work_dir or Path(tempfile.mkdtemp(prefix="bench_scoring_work_"))
    work_dir.mkdir(parents=True, exist_ok=True)
    tagkit_folder = data_dir.is_dir() and not (data_dir / "meta.json").exists() and any(
        p.name.startswith(("customers.", "orders")) for p in data_dir.iterdir())
    try:
        if tagkit_folder:
            cmd = [sys.executable, __file__, "--child", "prepare", "--data-dir", str(data_dir), "--work-dir",
                   str(work_dir)] + (["--params-dir", str(args.params_dir)] if args.params_dir else [])
            took = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)["prepared_s"]
            prepared = (f"tagkit data folder {data_dir}, read into {work_dir}/clean"
                        + (f" in {took:.0f} s (not timed)" if took is not None else " (reused)"))
        else:
            meta, wanted = data_dir / "meta.json", _meta(args.rows, args.customers, args.seed)
            if meta.exists() and json.loads(meta.read_text()) == wanted:
                prepared = f"generated data in {data_dir} (reused)"
            else:
                cmd = [sys.executable, __file__, "--child", "generate", "--data-dir", str(data_dir), "--rows",
                       str(args.rows), "--customers", str(args.customers), "--seed", str(args.seed)]
                gen = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)["generate_s"]
                prepared = f"generated in {gen:.1f} s (not timed)"
        clean = clean_dir(data_dir, work_dir)
        data = describe(clean)
        runs = [child(e, data_dir, args.repeat, params_dir=args.params_dir, work_dir=work_dir) for e in engines]
        agree = ""
        if args.pandas:
            runs.append(child("polars-core", clean, args.repeat, data_dir / "_polars_core.parquet"))
            runs.append(child("pandas-core", clean, args.repeat, data_dir / "_pandas_core.parquet"))
            agree = check_same(data_dir / "_polars_core.parquet", data_dir / "_pandas_core.parquet")
    finally:
        if not keep_data:
            shutil.rmtree(data_dir, ignore_errors=True)
        if not keep_work:
            shutil.rmtree(work_dir, ignore_errors=True)

    print_report(args, runs, data=data, prepared=prepared, agree=agree)
    if args.json:
        args.json.write_text(json.dumps({"data": data, "prepared": prepared, "runs": runs}, indent=1))


if __name__ == "__main__":
    main()
