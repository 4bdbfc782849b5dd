"""Where the score step's time goes: its phases timed one by one on a validated run folder.

    python benchmarks/bench_score_phases.py OUT/2026Q3            # after tagkit run ... --only validate
    python benchmarks/bench_score_phases.py OUT/2026Q3 --quarter 2026Q3 --repeat 2

The run folder must hold ``clean/*.parquet`` (the validate step's output). The phases are the work
notebooks/02_score.ipynb does through :mod:`tagkit.steps.score`, taken apart in the order it does
them: the order panels (order lines → customer × quarter sums), the timeline (the other panels and
the history's feature panel), the risk models of every quarter scored, the history quarters, this
quarter's wide features and tags, writing ``scores.parquet`` (to a temporary folder, never the run
folder), the prescription and the back-test. Nothing is written into the run folder.

Wall seconds per phase, the best of ``--repeat`` runs, and the process's peak RSS at the end (the
OS's high-water mark, ``ru_maxrss``). Time a quiet machine: the load average before and after is
printed. Use it to find what to speed up next; the budgets are measured by ``bench_validation.py
--score`` and ``bench_pipeline.py``.
"""
from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from tagkit.backtest import run_backtest
from tagkit.outputs import write_table
from tagkit.params import load_params
from tagkit.prescription import prescribe
from tagkit.project import project_root
from tagkit.scoring import score_customers
from tagkit.scoring.engine import timeline_of
from tagkit.scoring.grid import PANEL_ENGINE
from tagkit.scoring.order_lines import order_panels
from tagkit.steps import common as steps


def phases(run_dir: Path, quarter: str) -> dict[str, float]:
    """Seconds per phase of one pass over the score step."""
    params = load_params(project_root() / "params")
    back = max(params.prescription.quality_index.history_quarters - 1, params.backtest.quarters + 1)
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def tick(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[name] = now - clock
        clock = now

    orders = order_panels(pl.scan_parquet(run_dir / "clean" / "orders.parquet"), quarter=quarter,
                          quarter_end_days=params.prescription.speculator.quarter_end_days).collect()
    tick("order panels")
    tables = steps.load_clean_tables(run_dir)
    timeline = timeline_of(tables, quarter=quarter, p=params.scoring, features=orders, quarters_back=back)
    tick("timeline (other panels, history's feature panel)")
    scored = range(max(timeline.earliest(), timeline.last - back), timeline.last + 1)
    for vintage in scored:
        timeline.model(vintage)
    tick(f"risk models ({len(scored)})")
    for vintage in scored[:-1]:
        timeline.quarter(vintage)
    tick(f"history quarters ({len(scored) - 1})")
    timeline.prepare(scored, rows=[timeline.last - k for k in range(params.backtest.quarters + 1)
                                   if timeline.last - k >= timeline.earliest()])
    scores = score_customers(tables, quarter=quarter, p=params.scoring, timeline=timeline).collect(engine=PANEL_ENGINE)
    tick("this quarter's wide features and tags")
    with tempfile.TemporaryDirectory(prefix="bench-score-phases-") as tmp:
        write_table(scores, Path(tmp) / "scores.parquet")
    tick("write scores.parquet")
    prescribe(scores, tables, quarter=quarter, params=params, timeline=timeline).collect()
    tick("prescription")
    run_backtest(tables, quarter=quarter, scoring=params.scoring, backtest=params.backtest, timeline=timeline)
    tick("back-test")
    timeline.close()
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path, help="a run folder the validate step has written (OUT/QUARTER)")
    parser.add_argument("--quarter", help="the quarter scored (default: the run folder's name)")
    parser.add_argument("--repeat", type=int, default=1, help="passes; each phase's best is shown")
    args = parser.parse_args(argv)
    if not (args.run_dir / "clean" / "orders.parquet").exists():
        parser.error(f"{args.run_dir}: no clean/orders.parquet; run `tagkit run ... --only validate` first")
    quarter = args.quarter or args.run_dir.name
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    runs = [phases(args.run_dir, quarter) for _ in range(max(1, args.repeat))]
    after = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    print(f"score step phases on {args.run_dir} ({quarter}), best of {len(runs)}; load before {' '.join(load)}, "
          f"after {' '.join(after)}")
    print("| phase | wall (s) |\n|---|---:|")
    for name in runs[0]:
        print(f"| {name} | {min(r[name] for r in runs):.2f} |")
    print(f"| total | {min(sum(r.values()) for r in runs):.2f} |")
    print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
