"""The ``tagkit`` command. The only place that prints or configures logging.

Exit codes (docs/running.md): 0 success, or nothing to do; 1 internal error; 2 invalid usage
or params; 3 input blocked by validation; 4 some region reports failed (the others were
written); 75 another run holds this quarter's lock; 130 interrupted by SIGINT (Ctrl-C),
143 by SIGTERM — an interrupted run resumes when the same command runs again.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from tagkit.errors import EXIT_INTERRUPTED, TagkitError

logger = logging.getLogger("tagkit")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 on usage errors, as we do
        self.print_usage(sys.stderr)
        self.exit(2, f"tagkit: {message}\n")


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="tagkit", description="Tag regional customers: benchmark, nail, at-risk.")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="run the quarterly pipeline (validate, score, reports, index)")
    run.add_argument("--data", type=Path, required=True, help="input data folder (see docs/data.md)")
    run.add_argument("--quarter", required=True, help="quarter to score, YYYYQn, or 'latest' (quarter of the newest order)")
    run.add_argument("--out", type=Path, required=True, help="output folder; the run goes to OUT/QUARTER")
    run.add_argument("--params", type=Path, help="YAML overriding params/*.yaml (same sections)")
    run.add_argument("--only", help="comma-separated steps to run, e.g. validate,score")
    run.add_argument("--pipeline", type=Path, help="pipeline declaration (default: pipelines/quarterly.yaml)")
    run.add_argument("--workers", type=int, default=None,
                     help="worker processes for the notebooks (default: the number of CPU cores)")
    run.add_argument("--force", action="store_true",
                     help="redo every step, even those whose inputs, params and code are unchanged")
    run.add_argument("--fresh-kernels", action="store_true",
                     help="a new kernel per notebook instead of one warm kernel per worker (slower)")

    sample = sub.add_parser("sample-data", help="write a realistic, deterministic sample dataset")
    sample.add_argument("--out", type=Path, required=True, help="folder to write the dataset into")
    sample.add_argument("--seed", type=int, default=7)
    sample.add_argument("--customers", type=int, default=2000)
    sample.add_argument("--quarters", type=int, default=8)
    sample.add_argument("--end-quarter", default="2026Q3", help="last quarter of the data, YYYYQn")
    sample.add_argument("--order-lines", type=int, default=None,
                        help="about this many order lines in all (default: ~110 per customer over 8 quarters); "
                             "lines per order and order frequency are rescaled, the planted stories kept")
    sample.add_argument("--regions", type=int, default=None,
                        help="sales regions: 7 (the big regions, the default) or 8-65 province-based regions")
    sub.add_parser("install-kernel", help="register the 'tagkit' Jupyter kernel in this environment")
    return parser


def _install_kernel(args: argparse.Namespace) -> int:
    from tagkit.kernel import install_kernel

    print(install_kernel())
    return 0


def _run(args: argparse.Namespace) -> int:
    from tagkit.pipeline.runner import run_quarter

    from tagkit.pipeline.progress import Bar, LogLines

    only = [s.strip() for s in args.only.split(",") if s.strip()] if args.only else None
    # a person at a terminal gets a bar; cron, CI and --quiet get plain lines
    progress = Bar() if sys.stderr.isatty() and not args.quiet else LogLines()
    result = run_quarter(data_dir=args.data, quarter=args.quarter, out_dir=args.out, params_file=args.params,
                         only=only, pipeline_file=args.pipeline, workers=args.workers, force=args.force, fresh_kernels=args.fresh_kernels,
                         progress=progress)
    if result.index.exists():
        print(result.index)
    else:
        print(result.run_dir)
    return 0


def _sample(args: argparse.Namespace) -> int:
    from tagkit.params import parse_quarter
    from tagkit.sample_data import generate_sample

    parse_quarter(args.end_quarter)
    summary = generate_sample(args.out, seed=args.seed, customers=args.customers, quarters=args.quarters,
                              end_quarter=args.end_quarter, order_lines=args.order_lines, regions=args.regions)
    logger.info("sample data: %s", summary)
    print(args.out)
    return 0


class _ConsoleFilter(logging.Filter):
    """The terminal gets tagkit's own INFO lines and everyone's warnings; the run's log file gets all."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            return True
        return record.levelno >= self.level and record.name.startswith("tagkit")


def _configure_logging(*, quiet: bool, bar: bool) -> None:
    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
    # with a progress bar, the per-notebook lines would only scroll the bar away
    console.addFilter(_ConsoleFilter(logging.WARNING if quiet or bar else logging.INFO))
    root = logging.getLogger()
    root.handlers[:] = [console]
    root.setLevel(logging.INFO)
    for noisy in ("traitlets", "great_expectations", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    _configure_logging(quiet=args.quiet, bar=args.command == "run" and sys.stderr.isatty() and not args.quiet)
    try:
        return {"run": _run, "sample-data": _sample, "install-kernel": _install_kernel}[args.command](args)
    except TagkitError as exc:
        print(f"tagkit: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("tagkit: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
