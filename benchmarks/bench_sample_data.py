"""Time ``tagkit sample-data`` at scale: wall time, peak RSS, rows and bytes written.

    python benchmarks/bench_sample_data.py                                   # 200k customers, 10M lines, 30 regions
    python benchmarks/bench_sample_data.py --customers 1000000 --order-lines 100000000 --out /work/bigdata/f100m --keep
    python benchmarks/bench_sample_data.py --customers 20000 --order-lines 1000000 --repeat 3 --json out.json

Each run is one ``tagkit -q sample-data ...`` in a fresh child process, into an emptied output folder.
Wall time is measured around the command; peak RSS is the child's ``ru_maxrss`` as the kernel reports it
to ``wait4`` (the process's own high-water mark: the generator starts no processes of its own). Rows are
counted afterwards from the files (parquet metadata, CSV lines), not taken from the generator; bytes are
the files' sizes. "Others' CPU" is the CPU time the rest of the machine used during the run, as a share
of all cores (``/proc/stat`` busy time minus the child's user + system time): if it is large, the
timings are skewed. Linux only. The output folder is emptied before each run; a temporary one is
removed at the end unless ``--keep``, an ``--out`` folder is kept.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TABLES = ("customers", "reps", "orders", "visits", "feedback", "competitor_signals")
# counting runs in a child too, so that polars in this process is not what any RSS figure measures
COUNT_CODE = """
import json, sys
from pathlib import Path
import polars as pl
folder = Path(sys.argv[1])
rows = {}
for name in json.loads(sys.argv[2]):
    if (folder / name).is_dir():
        parts = pl.scan_parquet(folder / name / "**" / "*.parquet", hive_partitioning=False)
        rows[name] = parts.select(pl.len()).collect().item()
    elif (folder / f"{name}.csv").is_file():
        rows[name] = pl.scan_csv(folder / f"{name}.csv", infer_schema=False).select(pl.len()).collect().item()
print(json.dumps(rows))
"""


def tool(name: str) -> str:
    """The venv's copy of a command if this Python is the venv's, else the one on PATH."""
    return str(path) if (path := Path(sys.executable).parent / name).exists() else shutil.which(name) or name


def machine_busy_s() -> float:
    """CPU-seconds the machine has spent busy since boot (``/proc/stat``: all but idle and iowait)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def disk_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def run_once(command: list[str], out: Path) -> dict[str, Any]:
    """One generation in a child process: wall, peak RSS, CPU, others' CPU, then rows and bytes."""
    if out.exists():
        shutil.rmtree(out)
    busy0, load0, t0 = machine_busy_s(), loadavg(), time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - t0
    busy = machine_busy_s() - busy0
    stderr = child.stderr.read().decode() if child.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(command)} failed with exit code {code}:\n{stderr}")
    cpu = usage.ru_utime + usage.ru_stime
    counted = subprocess.run([sys.executable, "-c", COUNT_CODE, str(out), json.dumps(TABLES)],
                             check=True, capture_output=True, text=True)
    rows = json.loads(counted.stdout)
    return {
        "wall_s": round(wall, 1),
        "peak_rss_mib": round(usage.ru_maxrss / 1024),
        "cpu_s": round(cpu, 1),
        "others_cpu_share": round(max(0.0, busy - cpu) / (wall * (os.cpu_count() or 1)), 2),
        "load_before": load0,
        "load_after": loadavg(),
        "rows": rows,
        "bytes": disk_bytes(out),
        "files": sum(1 for p in out.rglob("*") if p.is_file()),
    }


def _mib(n: int) -> str:
    return f"{n / 2**20:,.0f} MiB" if n < 2**30 else f"{n / 2**30:,.2f} GiB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--order-lines", type=int, default=10_000_000, help="0: the planted density")
    parser.add_argument("--regions", type=int, default=30, help="0: the seven big regions (no --regions flag)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, help="output folder (default: a temporary folder, removed)")
    parser.add_argument("--keep", action="store_true", help="keep the output folder after the last run")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)

    out = args.out or Path(tempfile.mkdtemp(prefix="bench-sample-")) / "data"
    command = [tool("tagkit"), "-q", "sample-data", "--out", str(out), "--seed", str(args.seed),
               "--customers", str(args.customers)]
    if args.order_lines:
        command += ["--order-lines", str(args.order_lines)]
    if args.regions:
        command += ["--regions", str(args.regions)]
    shown = " ".join(["tagkit", *command[1:]])
    print(f"{os.cpu_count()} CPUs ({platform.machine()}), Python {platform.python_version()}; {shown}", flush=True)

    runs = []
    for i in range(args.repeat):
        result = run_once(command, out)
        runs.append(result)
        lines = result["rows"].get("orders", 0)
        off = f" ({lines / args.order_lines - 1:+.2%} of the target)" if args.order_lines else ""
        print(f"run {i + 1}: {result['wall_s']} s wall, {result['cpu_s']} s CPU, "
              f"peak RSS {result['peak_rss_mib']:,} MiB, {lines:,} order lines{off}, {_mib(result['bytes'])} in "
              f"{result['files']} files; others' CPU {result['others_cpu_share']:.0%} of the machine, "
              f"load {result['load_before']} -> {result['load_after']}", flush=True)

    best = min(runs, key=lambda r: r["wall_s"])
    print()
    print("| command | wall | peak RSS | order lines | other rows | on disk | others' CPU |")
    print("|---|---|---|---|---|---|---|")
    other = ", ".join(f"{k} {v:,}" for k, v in best["rows"].items() if k != "orders")
    print(f"| `{shown.replace(str(out), 'OUT')}` | {best['wall_s']} s | {best['peak_rss_mib']:,} MiB | "
          f"{best['rows'].get('orders', 0):,} | {other} | {_mib(best['bytes'])} | {best['others_cpu_share']:.0%} |")
    if args.json:
        args.json.write_text(json.dumps({"command": shown, "out": str(out), "runs": runs}, indent=2))
    if not args.keep and args.out is None:
        shutil.rmtree(out.parent)
    return 0


if __name__ == "__main__":
    sys.exit(main())
