"""Time the features table's expectation suite (what ``tagkit run --features`` checks) on a big panel.

    python benchmarks/bench_features_check.py                      # 8M rows (1M customers x 8 quarters)
    python benchmarks/bench_features_check.py --rows 2000000 --repeat 3

The panel is the tiny fixture's features table (tagkit's validation, then ``order_features``), repeated
with the customer ids suffixed until it has ``--rows`` rows, sorted by customer and quarter and written
to one parquet file in a temporary folder, as a warehouse would hand it over. Each measurement is one
child process: the run's first check (schema and fit to the run, ``PREFLIGHT_REASONS``) and the score
step's whole suite, each timed around ``check_features_table`` after imports; the peak RSS is the
child's ``ru_maxrss``. "Others' CPU" is the rest of the machine's CPU time during the run, as a share of
all cores: when large, the timings are skewed. Linux only.
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

ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import json, resource, sys, time
from pathlib import Path
from tagkit.steps.features_input import PREFLIGHT_REASONS, check_features_table
path, which = Path(sys.argv[1]), sys.argv[2]
start = time.perf_counter()
check = check_features_table(path, quarter="2026Q3", quarter_end_days=7,
                             reasons=PREFLIGHT_REASONS if which == "preflight" else None)
seconds = time.perf_counter() - start
print(json.dumps({"check": which, "seconds": round(seconds, 2), "rows": check.rows,
                  "expectations": len(check.results), "failed": len(check.failed),
                  "peak_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 2)}))
"""


def _busy() -> float:
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def make_panel(path: Path, rows: int) -> None:
    import polars as pl

    from tagkit.io import load_dataset
    from tagkit.params import load_params
    from tagkit.scoring.order_lines import order_features
    from tagkit.validation import validate_dataset

    params = load_params(ROOT / "params")
    with load_dataset(ROOT / "tests" / "fixtures" / "tiny", io=params.io) as dataset:
        clean = validate_dataset(dataset.tables, quarter="2026Q3", params=params.validation,
                                 missing=dataset.missing).clean
    panel = order_features(clean["orders"].lazy(), quarter_end_days=7).collect()
    copies = rows // panel.height + 1
    (pl.concat([panel.with_columns(pl.col("customer_id") + f"-{k:06d}") for k in range(copies)])
     .head(rows).sort("customer_id", "quarter").write_parquet(path))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=8_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--make", type=Path, default=None, help=argparse.SUPPRESS)  # the child that writes the panel
    args = parser.parse_args()
    if args.make is not None:
        make_panel(args.make, args.rows)
        return
    with tempfile.TemporaryDirectory(prefix="bench-features-") as tmp:
        path = Path(tmp) / "features.parquet"
        # made in a child too: Linux carries a process's peak RSS across exec, so a panel built here would
        # show as every child's peak
        subprocess.run([sys.executable, __file__, "--make", str(path), "--rows", str(args.rows)], check=True)
        print(json.dumps({"rows": args.rows, "file_mb": round(path.stat().st_size / 1e6, 1)}))
        for _ in range(args.repeat):
            for which in ("preflight", "suite"):
                busy, start = _busy(), time.time()
                before = os.times()
                out = subprocess.run([sys.executable, "-c", CHILD, str(path), which], capture_output=True,
                                     text=True, check=True).stdout.strip().splitlines()[-1]
                after = os.times()
                wall = time.time() - start
                child = (after.children_user - before.children_user) + (after.children_system - before.children_system)
                others = max(0.0, _busy() - busy - child) / (wall * (os.cpu_count() or 1))
                print(json.dumps({**json.loads(out), "others_cpu": f"{others:.0%}"}))


if __name__ == "__main__":
    main()
