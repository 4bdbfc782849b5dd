"""Time and memory of making the features table (Part J's panel) on each engine, from clean order lines.

    python benchmarks/bench_panel.py --orders OUT/2026Q3/clean/orders.parquet --engines polars,duckdb
    python benchmarks/bench_panel.py --orders /work/bigdata/r10m/clean/orders.parquet --engines spark

Each measurement is one child process calling ``tagkit.panel.engines.make_features`` (what ``tagkit
features`` runs after validating the data folder), timed around that call after imports. Its peak memory
is the largest sum of the resident sets of the child and all its descendants (Spark's JVM is one, and is
not a waited-for child whose ``ru_maxrss`` would count), sampled every 0.2 s with psutil. Every engine's
file is compared with the first engine's: they must be the same bytes. "Others' CPU" is the rest of the
machine's CPU time during the run (the child's tree excluded), as a share of all cores: when large, the
timings are skewed. Linux only.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

CHILD = """
import datetime as dt, json, resource, sys, time
from tagkit.panel.engines import make_features
orders, out, engine, as_of = sys.argv[1], sys.argv[2], sys.argv[3], dt.date.fromisoformat(sys.argv[4])
start = time.perf_counter()
make_features(orders, out, as_of=as_of, quarter_end_days=7, engine=engine)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": round(seconds, 1)}))
"""


def _cpu_seconds() -> float:
    with open("/proc/stat", encoding="ascii") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")  # busy time, all cores


def _tree(proc: psutil.Process) -> list[psutil.Process]:
    try:
        return [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _sample(procs: list[psutil.Process], cpu: dict[int, float]) -> int:
    """The tree's resident bytes now; ``cpu`` keeps each process's last CPU seconds seen."""
    rss = 0
    for p in procs:
        try:
            with p.oneshot():
                rss += p.memory_info().rss
                times = p.cpu_times()
                cpu[p.pid] = times.user + times.system + times.children_user + times.children_system
        except psutil.NoSuchProcess:
            continue
    return rss


def measure(orders: Path, engine: str, out: Path, as_of: str) -> dict:
    before, started = _cpu_seconds(), time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(orders), str(out), engine, as_of],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc, peak, cpu = psutil.Process(child.pid), 0, {}
    while child.poll() is None:
        peak = max(peak, _sample(_tree(proc), cpu))
        time.sleep(0.2)
    stdout, stderr = child.communicate()
    if child.returncode:
        raise SystemExit(f"{engine} failed:\n{stderr[-3000:]}")
    wall = time.perf_counter() - started
    seconds = json.loads(stdout.strip().splitlines()[-1])["seconds"]
    others = max(0.0, _cpu_seconds() - before - sum(cpu.values())) / (wall * (os.cpu_count() or 1))
    return {"engine": engine, "seconds": seconds, "wall": round(wall, 1), "peak_gb": round(peak / 1e9, 2),
            "others_cpu": round(others, 2), "bytes": out.stat().st_size}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orders", type=Path, required=True, help="clean order lines (parquet file or folder)")
    ap.add_argument("--engines", default="polars,duckdb", help="comma-separated: polars, duckdb, spark")
    ap.add_argument("--as-of", default="2026-09-30", help="the last day of the quarter to score")
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    rows, first = [], None
    with tempfile.TemporaryDirectory(prefix="bench-panel-") as tmp:
        for engine in args.engines.split(","):
            for i in range(args.repeat):
                out = Path(tmp) / f"{engine}-{i}.parquet"
                row = measure(args.orders, engine, out, args.as_of)
                first = first or out
                row["same_bytes"] = out.read_bytes() == first.read_bytes()
                rows.append(row)
                print(json.dumps(row), flush=True)
    print("\n| engine | seconds (make_features) | peak memory | others' CPU | same bytes as the first |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['engine']} | {r['seconds']} | {r['peak_gb']} GB | {r['others_cpu']:.0%} | {r['same_bytes']} |")


if __name__ == "__main__":
    main()
