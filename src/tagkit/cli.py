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
from typing import NoReturn

from tagkit.errors import EXIT_INTERRUPTED, TagkitError

logger = logging.getLogger("tagkit")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse exits 2 on usage errors, as we do
        self.print_usage(sys.stderr)
        self.exit(2, f"tagkit: {message}\n")


class _Help(argparse.RawDescriptionHelpFormatter):
    """Examples kept as written; each option's default shown, unless its help already says it or it has none
    (a flag is off unless given, a required option has no default)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "default" in text or action.required or action.default in (None, False, argparse.SUPPRESS) \
                or not action.option_strings:
            return text
        return f"{text} (default: %(default)s)"


STEPS = ("validate", "score", "report", "index")  # pipelines/quarterly.yaml, for --only's help

RUN_EPILOG = """examples:
  tagkit run --data data/sample --quarter latest --out out
  tagkit run --data /data/crm --quarter 2026Q3 --out out --only validate,score
  tagkit run --data /data/crm --quarter latest --out out --params my-company.yaml --quiet
  tagkit run --data /data/crm --quarter 2026Q3 --out out --features /lake/features.parquet
  (cron) 15 6 2 1,4,7,10 * cd /srv/tagkit && .venv/bin/tagkit --quiet run --data /data/crm --quarter latest --out /srv/reports

exit codes:
  0    finished, or already up to date
  1    internal error (a bug): report it with OUT/QUARTER.partial/run.log
  2    invalid usage or params, a quarter the data does not cover, or params edited during the run
  3    the input was blocked by validation (see validation.html; the message names it)
  4    some region reports failed; the others and the index were written
  75   another run holds this quarter's lock: try again later
  130  interrupted by Ctrl-C, 143 by SIGTERM: the same command resumes

More: docs/running.md."""  # noqa: E501 - the cron example is one line, as it is typed


ENGINES = ("polars", "duckdb", "spark")  # tagkit.panel.engines.ENGINES; spelled here so --help imports nothing

FEATURES_EPILOG = """examples:
  tagkit features --data data/sample --quarter 2026Q3 --out features.parquet
  tagkit features --data /data/crm --quarter latest --out features.parquet --engine duckdb
  tagkit features --data /data/crm --quarter 2026Q3 --out features.parquet --engine spark --spark-master spark://host:7077

exit codes:
  0    written; the file's path is printed
  2    invalid usage or params, a quarter the data does not cover, or no Java / pyspark for --engine spark
  3    the input was blocked by validation (its report is kept in OUT-validation/)

On a cluster, submit tagkit.panel.spark_job, or run the committed Spark SQL in the warehouse: docs/scaling.md."""


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tagkit")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _quiet(parser: argparse.ArgumentParser, *, top: bool) -> None:
    # accepted before and after the subcommand; the subcommand's copy sets it only when given, so it
    # never overrides a --quiet given before it
    parser.add_argument("-q", "--quiet", action="store_true", default=False if top else argparse.SUPPRESS,
                        help="only warnings, errors and the result's path" if top else "same as tagkit --quiet")


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="tagkit", description="Tag regional customers: benchmark, nail, at-risk.",
                     epilog="`tagkit COMMAND --help` for each command's options.")
    parser.add_argument("--version", action="version", version=f"tagkit {_version()}")
    _quiet(parser, top=True)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")

    run = sub.add_parser("run", help="run the quarterly pipeline (validate, score, reports, index)",
                         description="Validate the data, score every customer, write one report per region and "
                                     "the index, into OUT/QUARTER.", epilog=RUN_EPILOG, formatter_class=_Help)
    run.add_argument("--data", type=Path, required=True, help="input data folder (see docs/data.md)")
    run.add_argument("--quarter", required=True,
                     help="quarter to score, YYYYQn, or 'latest' (the newest quarter of the orders that has ended)")
    run.add_argument("--out", type=Path, required=True, help="output folder; the run goes to OUT/QUARTER")
    run.add_argument("--params", type=Path, default=None,
                     help="YAML overriding params/*.yaml key by key (same sections; see docs/running.md)")
    run.add_argument("--only", default=None, metavar="STEPS",
                     help=f"comma-separated steps to run, of: {', '.join(STEPS)} (default: all)")
    run.add_argument("--pipeline", type=Path, default=None,
                     help="pipeline declaration (default: pipelines/quarterly.yaml)")
    run.add_argument("--workers", type=int, default=None,
                     help="worker processes for the notebooks (default: the number of CPU cores)")
    run.add_argument("--force", action="store_true",
                     help="redo every step, even those whose inputs, params and code are unchanged")
    run.add_argument("--fresh-kernels", action="store_true",
                     help="a new kernel per notebook instead of one warm kernel per worker (slower)")
    run.add_argument("--actions", type=Path, default=None, metavar="DIR",
                     help="last quarter's action lists as filled in (<region>.xlsx or .csv); default: the data "
                          "folder's actions/, if any. The report then shows adoption and outcomes")
    run.add_argument("--features", type=Path, default=None, metavar="PANEL",
                     help="score from this features table (parquet file or folder; docs/features.md) instead of "
                          "aggregating the order lines, which are still validated; it is checked first")
    _quiet(run, top=False)

    features = sub.add_parser(
        "features", help="write the features table (customer × quarter, docs/features.md) with polars, DuckDB or Spark",
        description="Validate the data folder as a run does, then aggregate its clean order lines into the features "
                    "table (one row per customer and quarter, docs/features.md) and write it as parquet. Every "
                    "engine writes the same table.", epilog=FEATURES_EPILOG, formatter_class=_Help)
    features.add_argument("--data", type=Path, required=True, help="input data folder (see docs/data.md)")
    features.add_argument("--quarter", required=True,
                          help="the latest quarter the table serves, YYYYQn, or 'latest' (as for run): order lines "
                               "up to its last day count")
    features.add_argument("--out", type=Path, required=True, help="the parquet file to write, e.g. features.parquet")
    features.add_argument("--engine", choices=ENGINES, default="polars",
                          help="polars (the reference), duckdb (out-of-core) or spark (needs tagkit[spark] "
                               "and Java 17+)")
    features.add_argument("--spark-master", default=None, metavar="URL",
                          help="Spark master URL, e.g. spark://host:7077 (default: local mode on this machine's cores)")
    features.add_argument("--params", type=Path, default=None,
                          help="YAML overriding params/*.yaml, as for run (prescription.speculator.quarter_end_days)")
    _quiet(features, top=False)

    sample = sub.add_parser("sample-data", help="write a realistic, deterministic sample dataset",
                            description="A sample data folder with planted stories (benchmarks, nails, at-risk "
                                        "customers, speculators) and their truth in _truth/.", formatter_class=_Help)
    sample.add_argument("--out", type=Path, required=True, help="folder to write the dataset into")
    sample.add_argument("--seed", type=int, default=7, help="random seed: the same seed writes the same files")
    sample.add_argument("--customers", type=int, default=2000, help="customers to make")
    sample.add_argument("--quarters", type=int, default=8, help="quarters of history, ending with --end-quarter")
    sample.add_argument("--end-quarter", default="2026Q3", help="last quarter of the data, YYYYQn")
    sample.add_argument("--order-lines", type=int, default=None,
                        help="about this many order lines in all (default: ~110 per customer over 8 quarters); "
                             "lines per order and order frequency are rescaled, the planted stories kept")
    sample.add_argument("--regions", type=int, default=None,
                        help="sales regions: 7 (the big regions, the default) or 8-65 province-based regions")
    _quiet(sample, top=False)
    kernel = sub.add_parser("install-kernel", help="register the 'tagkit' Jupyter kernel in this environment",
                            formatter_class=_Help)
    _quiet(kernel, top=False)
    return parser


def _install_kernel(args: argparse.Namespace) -> int:
    from tagkit.kernel import install_kernel

    print(install_kernel())
    return 0


def _run(args: argparse.Namespace) -> int:
    from tagkit.pipeline.progress import Bar, LogLines
    from tagkit.pipeline.runner import run_quarter
    from tagkit.pipeline.summary import run_summary

    only = [s.strip() for s in args.only.split(",") if s.strip()] if args.only else None
    # a person at a terminal gets a bar; cron, CI and --quiet get plain lines
    progress = Bar() if sys.stderr.isatty() and not args.quiet else LogLines()
    result = run_quarter(data_dir=args.data, quarter=args.quarter, out_dir=args.out, params_file=args.params,
                         only=only, pipeline_file=args.pipeline, workers=args.workers, force=args.force,
                         fresh_kernels=args.fresh_kernels,
                         progress=progress, actions_dir=args.actions, features=args.features)
    if not args.quiet:  # what came out, in a few lines; the path alone goes to stdout, for scripts
        print("\n".join(run_summary(result.run_dir)), file=sys.stderr)
    if result.index.exists():
        print(result.index)
    else:
        print(result.run_dir)
    return 0


def _features(args: argparse.Namespace) -> int:
    from tagkit.pipeline.features_file import write_features_file

    print(write_features_file(args.data, quarter=args.quarter, out=args.out, engine=args.engine,
                              params_file=args.params, spark_master=args.spark_master))
    return 0


def _sample(args: argparse.Namespace) -> int:
    from tagkit.quarters import parse_quarter
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
        if getattr(record, "console", True) is False:  # said on the terminal another way (the final error)
            return False
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
        commands = {"run": _run, "features": _features, "sample-data": _sample, "install-kernel": _install_kernel}
        return commands[args.command](args)
    except TagkitError as exc:
        print(f"tagkit: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("tagkit: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
