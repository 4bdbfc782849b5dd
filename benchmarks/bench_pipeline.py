"""Time a full quarter on the sample data: ``tagkit run`` from a cold start against the naive notebook loop.

    python benchmarks/bench_pipeline.py                            # sample data in a temp folder, all CPUs
    python benchmarks/bench_pipeline.py --repeat 3 --json out.json --data-dir /tmp/sample --workers 2

The sample data (``tagkit sample-data``, default seed: 2,000 customers, 8 quarters to 2026Q3) is
generated first (not timed) unless ``--data-dir`` holds it. Then, one command at a time, each a fresh process:

- ``tagkit cold``: ``tagkit run --data D --quarter 2026Q3 --out OUT1 [--workers N]``, ``--repeat`` times, each
  into an empty folder; ``--workers`` is passed only if ``tagkit run --help`` lists it;
- ``tagkit rerun``: the same command on the last OUT1, nothing changed (it should skip all work; the files
  it rewrote are counted, and a warning says if src/, notebooks/, params/ or pipelines/ changed meanwhile);
- ``naive``: what a user would do by hand, in sequence: papermill 01_validate and 02_score, then
  03_region_report once per region found in ``scores.parquet``, ``jupyter nbconvert --to html``
  on each executed region notebook, then 04_index; timed in total and per phase.

Wall time is measured around each command. Peak RSS comes from the OS two ways: ``ru_maxrss`` from
``wait4`` (the largest single process in the command's tree) and the RSS summed over the whole tree,
sampled with psutil at ~10 Hz (workers and kernels run at once; spikes between samples can be missed).
"Others' CPU" is the CPU time the rest of the machine used meanwhile: if large, timings are skewed.
"Cold" means a fresh process and an empty output folder; the OS page cache is not dropped. Linux only.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
QUARTER = "2026Q3"
BUDGET_COLD_S, BUDGET_SPEEDUP, BUDGET_RERUN_S = 30.0, 4.0, 3.0
SOURCES = [ROOT / d for d in ("src", "notebooks", "params", "pipelines")]
# in a child: polars in this process would raise the ru_maxrss floor of every command started after it
REGIONS_CODE = ("import polars as pl, sys, json; print(json.dumps(sorted(pl.read_parquet(sys.argv[1], "
                "columns=['region'])['region'].unique().to_list()), ensure_ascii=False))")


def tool(name: str) -> str:
    """The venv's copy of a command if this Python is the venv's, else the one on PATH."""
    return str(path) if (path := Path(sys.executable).parent / name).exists() else shutil.which(name) or name


def machine_busy_s() -> float:
    """CPU-seconds the machine has spent busy since boot (``/proc/stat``: all but idle and iowait)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def tree_rss(pid: int) -> int:
    """Summed RSS in bytes of a process and all its descendants; 0 once it is gone."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for proc in procs:
        with contextlib.suppress(psutil.Error):  # exited between listing and reading
            total += proc.memory_info().rss
    return total


def measure(cmd: list[str], log: Path) -> dict[str, Any]:
    """Run ``cmd`` from the repo root; wall time, CPU, peak RSS (largest process and summed tree), others' CPU."""
    busy0, t0 = machine_busy_s(), time.perf_counter()
    with log.open("ab") as out:
        out.write(f"$ {' '.join(cmd)}\n".encode())
        out.flush()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        tree_peak = 0
        while True:
            # wait4, not proc.poll(): reaping through Popen would throw away the child's rusage
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            tree_peak = max(tree_peak, tree_rss(proc.pid))
            time.sleep(0.1)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        raise SystemExit(f"failed (exit {proc.returncode}): {' '.join(cmd)}\n{tail}\n(full log: {log})")
    cpu = usage.ru_utime + usage.ru_stime
    return {"wall_s": wall, "cpu_s": cpu, "max_process_rss_mb": usage.ru_maxrss / 1024,  # Linux: KiB
            "tree_rss_mb": tree_peak / 2**20, "others_cpu_s": max(machine_busy_s() - busy0 - cpu, 0.0)}


def combine(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Several commands run one after another: times add up, peaks are the largest."""
    return {key: (max if key.endswith("_mb") else sum)(r[key] for r in runs) for key in runs[0]}


def mtimes(*folders: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for d in folders for p in d.rglob("*") if p.is_file() and p.suffix != ".pyc"}


def changed(before: dict[str, int], after: dict[str, int]) -> list[str]:
    return sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))


def run_tagkit(data: Path, work: Path, repeat: int, workers: int, log: Path) -> dict[str, Any]:
    help_text = subprocess.run([tool("tagkit"), "run", "--help"], capture_output=True, text=True, check=True).stdout
    has_workers = "--workers" in help_text

    def cmd(out: Path) -> list[str]:
        extra = ["--workers", str(workers)] if has_workers else []
        return [tool("tagkit"), "run", "--data", str(data), "--quarter", QUARTER, "--out", str(out), *extra]

    code = mtimes(*SOURCES)  # a run's skip check rightly redoes work if these change
    cold = [measure(cmd(work / f"tagkit_{i}"), log) for i in range(repeat)]
    out1 = work / f"tagkit_{repeat - 1}"
    before = mtimes(out1)
    rerun = measure(cmd(out1), log)
    after = mtimes(out1)
    rerun |= {"files": len(after), "files_rewritten": len(changed(before, after)),
              "sources_edited_since_cold": changed(code, mtimes(*SOURCES))}
    median = {key: statistics.median(r[key] for r in cold) for key in ("wall_s", "cpu_s", "others_cpu_s")}
    return {"workers": workers if has_workers else None, "command": cmd(out1), "cold_runs": cold,
            "cold": combine(cold) | median, "cold_min_s": min(r["wall_s"] for r in cold), "rerun": rerun}


def run_naive(data: Path, work: Path, log: Path) -> dict[str, Any]:
    out2 = work / "naive"
    run_dir, nb = out2 / QUARTER, out2 / "nb"
    nb.mkdir(parents=True)
    notebooks = ROOT / "notebooks"

    def papermill(notebook: str, output: Path, *extra: str) -> dict[str, Any]:
        return measure([tool("papermill"), str(notebooks / notebook), str(output), "-k", "tagkit",
                        "-p", "data_dir", str(data), "-p", "quarter", QUARTER, "-p", "run_dir", str(run_dir),
                        "-p", "params_dir", str(ROOT / "params"), "-p", "params_file", "", *extra], log)

    phases = {"01 validate": papermill("01_validate.ipynb", nb / "01.ipynb"),
              "02 score": papermill("02_score.ipynb", nb / "02.ipynb")}
    regions = json.loads(subprocess.run([sys.executable, "-c", REGIONS_CODE, str(run_dir / "scores.parquet")],
                                        capture_output=True, text=True, check=True).stdout)  # not timed
    region_nbs = [nb / f"03_{region}.ipynb" for region in regions]
    phases["03 region reports"] = combine([papermill("03_region_report.ipynb", path, "-p", "region", region)
                                           for region, path in zip(regions, region_nbs, strict=True)])
    phases["nbconvert html"] = combine([measure([tool("jupyter"), "nbconvert", "--to", "html", str(path)], log)
                                        for path in region_nbs])
    phases["04 index"] = papermill("04_index.ipynb", nb / "04.ipynb")
    return {"regions": regions, "phases": phases, "total": combine(list(phases.values()))}


def print_report(res: dict[str, Any]) -> None:
    tk, naive = res["tagkit"], res["naive"]
    cold_s, rerun = tk["cold"]["wall_s"], tk["rerun"]
    total = naive["total"] if naive else None
    print(f"\n### Full quarter {QUARTER} on the sample data ({res['data_dir']})\n")
    workers = f"--workers {tk['workers']}" if tk["workers"] else "without --workers (not in `tagkit run --help`)"
    print(f"{res['cpus']} CPUs ({res['machine']}), Python {res['python']}, commit {res['commit']} plus any "
          f"uncommitted edits; tagkit run {workers}.\n")
    print("| case | wall (s) | CPU (s) | peak RSS, largest process (MB) | peak RSS, tree summed (MB) "
          "| others' CPU (s) |")
    print("|---|---:|---:|---:|---:|---:|")

    def row(name: str, r: dict[str, Any], wall: str | None = None) -> None:
        wall = wall or f"{r['wall_s']:.1f}"
        print(f"| {name} | {wall} | {r['cpu_s']:.1f} | {r['max_process_rss_mb']:,.0f} "
              f"| {r['tree_rss_mb']:,.0f} | {r['others_cpu_s']:.1f} |")

    runs = tk["cold_runs"]
    many = len(runs) > 1  # then wall, CPU and others' CPU are medians, peaks the largest
    row(f"tagkit cold (median of {len(runs)})" if many else "tagkit cold", tk["cold"],
        f"{cold_s:.1f} (best {tk['cold_min_s']:.1f})" if many else None)
    row(f"tagkit rerun, nothing changed ({rerun['files_rewritten']} of {rerun['files']} files rewritten)", rerun)
    if naive:
        row(f"naive, total ({len(naive['regions'])} regions)", total)
        for name, phase in naive["phases"].items():
            row(f"&nbsp;&nbsp;naive: {name}", phase)
    if rerun["sources_edited_since_cold"]:
        print(f"\n**Warning:** {len(rerun['sources_edited_since_cold'])} source files changed between the cold run "
              f"and the rerun (e.g. {rerun['sources_edited_since_cold'][0]}), so the rerun had real work to do.")
    if any(r["others_cpu_s"] > max(0.1 * r["wall_s"], 2.0) for r in (*runs, rerun, *([total] if total else []))):
        print("\n**Warning:** other processes used the CPUs meanwhile (see the last column): timings are skewed.")
    budget_s, budget_gb = res["budget_s"], res["budget_gb"]
    peak_gb = tk["cold"]["tree_rss_mb"] / 1024
    checks = [(f"full quarter <= {budget_s:.0f} s", f"{cold_s:.1f} s", cold_s <= budget_s)]
    if budget_gb:
        checks.append((f"peak memory (tree) <= {budget_gb:.0f} GB", f"{peak_gb:.2f} GB", peak_gb <= budget_gb))
    if total:
        ratio = total["wall_s"] / cold_s
        print(f"\nnaive / tagkit cold: {ratio:.1f}x ({total['wall_s']:.1f} s / {cold_s:.1f} s).")
        checks.append((f">= {BUDGET_SPEEDUP:.0f}x faster than naive", f"{ratio:.1f}x", ratio >= BUDGET_SPEEDUP))
    checks.append((f"no-change rerun <= {BUDGET_RERUN_S:.0f} s", f"{rerun['wall_s']:.1f} s",
                   rerun["wall_s"] <= BUDGET_RERUN_S))
    print("\nBudget:")
    for what, got, ok in checks:
        print(f"- {what}: {got}: {'met' if ok else 'NOT met'}")
    res["budget"] = {what: {"value": got, "met": ok} for what, got, ok in checks}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, help="sample data (generated there if empty; default: a temp folder)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="tagkit run --workers (default: CPUs)")
    parser.add_argument("--repeat", type=int, default=1, help="cold tagkit runs (median and best shown)")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--skip-naive", action="store_true", help="time tagkit only (for large data, e.g. Part F)")
    parser.add_argument("--budget-s", type=float, default=BUDGET_COLD_S, help="wall budget of the cold run")
    parser.add_argument("--budget-gb", type=float, default=0.0, help="peak memory budget of the cold run (tree)")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    work = Path(tempfile.mkdtemp(prefix="bench_pipeline_"))
    log = work / "commands.log"
    data = (args.data_dir or work / "data").resolve()
    try:
        if not data.is_dir() or not any(data.iterdir()):
            print(f"generating sample data in {data} (not timed)...", file=sys.stderr)
            subprocess.run([tool("tagkit"), "sample-data", "--out", str(data)], check=True, capture_output=True)
        print("timing tagkit (cold, then rerun)...", file=sys.stderr)
        tagkit = run_tagkit(data, work, args.repeat, args.workers, log)
        naive = None
        if not args.skip_naive:
            print("timing the naive notebook loop...", file=sys.stderr)
            naive = run_naive(data, work, log)
    except BaseException:
        print(f"outputs and log kept for inspection: {work}", file=sys.stderr)
        raise
    shutil.rmtree(work, ignore_errors=True)

    results = {"quarter": QUARTER, "data_dir": str(data), "cpus": os.cpu_count(), "machine": platform.machine(),
               "python": platform.python_version(), "tagkit": tagkit, "naive": naive,
               "budget_s": args.budget_s, "budget_gb": args.budget_gb,
               "commit": subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                        capture_output=True, text=True, check=False).stdout.strip() or None}
    print_report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
