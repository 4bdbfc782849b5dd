"""A features table handed to a run in place of the order lines' aggregation (``tagkit run --features``).

The panel (docs/features.md: one row per customer and quarter) may come from a warehouse query or a
Spark job. The run then still reads and validates the data folder's order lines as always (they are
a required table, and the validation's row accounting and quarantine stay the run's record of them),
but the score step builds its timeline from the panel instead of aggregating the clean lines. So the
panel is an input like the data folder: hashed into the score step's key and the manifest (a changed
panel reruns the score step and everything after it), and checked against its expectation suite
(``validation/suites/features.json``) before anything is scored. The check's outcome is written to
the run folder (:data:`CHECK_FILE`), which the manifest copies.

A panel that fails stops the run: :class:`~tagkit.errors.InputError` (exit 3) when the table is
broken (schema, duplicate keys, negative counts, dates outside their quarter) or made with another
``quarter_end_days``; :class:`~tagkit.errors.UsageError` (exit 2) when it is sound but ends before
the run's quarter, as a quarter the data folder does not cover is.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from tagkit.errors import InputError, UsageError
from tagkit.io.features_table import scan_features as scan_table
from tagkit.project import project_root
from tagkit.quarters import quarter_end, quarter_of
from tagkit.run_folder import RunFolder
from tagkit.steps import fingerprint as fp
from tagkit.validation.evaluate import evaluate_suite
from tagkit.validation.features_suite import RUN_REASONS, load_features_suite, with_quarter_bounds
from tagkit.validation.messages import rows_text
from tagkit.validation.result import ExpectationResult

logger = logging.getLogger(__name__)

CHECK_FILE = RunFolder.FEATURES_CHECK  # the run folder's record of the panel it scored from
FORMAT = "tagkit-features-check/1"


def features_location(features_path: str | Path | None) -> Path | None:
    """The panel's path made absolute (relative ones from the project root, as the notebooks' other paths);
    None for none (``""``)."""
    if not features_path:
        return None
    path = Path(features_path).expanduser()
    return path if path.is_absolute() else project_root() / path


def scan_features(path: Path) -> pl.LazyFrame:
    """The panel handed to a run (:func:`tagkit.io.features_table.scan_features`; the fix may be to go without)."""
    return scan_table(path, or_else=", or run without --features")


def describe_features(path: Path, cache: fp.HashCache) -> list[dict[str, Any]]:
    """The panel's file(s), hashed as the data folder's are (:func:`tagkit.steps.fingerprint.describe_inputs`)."""
    if path.is_dir():
        return fp.describe_inputs(path, cache)
    return [{"path": path.name, "bytes": path.stat().st_size, "sha256": cache.sha256(path)}]


def features_digest(path: Path, cache_dir: Path) -> str:
    """One hash of the panel's contents, with the runner's cache of file hashes in ``cache_dir``."""
    cache = fp.HashCache(cache_dir / fp.HASH_CACHE)
    digest = fp.digest(describe_features(path, cache))
    cache.save()
    return digest


@dataclass(frozen=True)
class FeaturesCheck:
    """The outcome of the panel's suite on one file, for this run's quarter and ``quarter_end_days``."""

    path: Path
    quarter: str
    quarter_end_days: int
    results: list[ExpectationResult]
    sha256: str = ""
    files: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failed(self) -> list[ExpectationResult]:
        return [r for r in self.results if r.failed]

    @property
    def rows(self) -> int:
        return max((r.element_count or 0 for r in self.results), default=0)

    @property
    def last_quarter(self) -> str | None:
        """The table's latest quarter (None: not known, the table is empty or its quarters malformed)."""
        last = next((r.observed_value for r in self.results if r.reason == "quarters_do_not_reach"), None)
        return None if last is None else quarter_of(last)

    def messages(self) -> list[str]:
        """One sentence per failed expectation: the file, the check, what came (example rows), the fix."""
        return [failure_message(r, self) for r in self.failed]

    def record(self) -> dict[str, Any]:
        """What :data:`CHECK_FILE` holds: the file, its hash, the verdict and every expectation's result."""
        return {
            "format": FORMAT, "path": str(self.path), "sha256": self.sha256, "files": self.files,
            "quarter": self.quarter, "quarter_end_days": self.quarter_end_days, "rows": self.rows,
            "last_quarter": self.last_quarter, "suite": "features", "expectations_checked": len(self.results),
            "passed": not self.failed, "failures": self.messages(),
            "expectations": [r.to_dict() for r in self.results],
        }

    def raise_if_failed(self) -> None:
        """Stop with every failure at once: :class:`UsageError` when the panel only ends too early, else
        :class:`InputError` (see the module docstring)."""
        if not self.failed:
            return
        lines = "\n".join(f"  - {m}" for m in self.messages())
        text = (f"the features table {self.path} cannot be scored from ({len(self.failed)} problem(s); "
                f"suite validation/suites/features.json, docs/features.md):\n{lines}")
        if all(r.reason in RUN_REASONS and r.reason != "quarter_end_days_differs" for r in self.failed):
            raise UsageError(text)
        raise InputError(text)


def failure_message(result: ExpectationResult, check: FeaturesCheck) -> str:
    """``<file>: <what was expected>; got <what came>. <fix>.`` for one failed expectation of the panel."""
    place, fix = check.path, result.meta.get("fix", "See docs/features.md")
    col = result.column or ", ".join(result.kwargs.get("column_list") or
                                     [result.kwargs.get(k, "") for k in ("column_A", "column_B")])
    if result.reason == "missing_column":
        return f"{place}: column '{col}' must be present; it is missing. {fix}, one row per customer and quarter."
    if result.reason == "wrong_type":
        wanted = " or ".join(result.kwargs.get("type_list") or [])
        return f"{place}: column '{col}' must be {wanted}; got {result.observed_value}. {fix}."
    if result.reason == "quarters_do_not_reach":
        last = check.last_quarter or "no well-formed quarter at all"
        return (f"{place}: the latest quarter must be at least the run's quarter {check.quarter}; got {last}. "
                f"{fix}.")
    if result.reason == "quarter_end_days_differs":
        got = ", ".join(sorted({str(e.value) for e in result.examples})) or "another value"
        return (f"{place}: column 'quarter_end_days' must be {check.quarter_end_days} (params prescription."
                f"speculator.quarter_end_days); got {got} in {result.unexpected_count} of {check.rows} rows. {fix}.")
    examples = ", ".join(f"'{e.value}'" for e in result.examples)
    n = result.unexpected_count or 0
    # rows are 1-based positions: in the file, or in a folder's files read one after the other in name order
    of = "of the files in name order" if place.is_dir() else "of the file"
    return (f"{place}: {result.description}; got {n} row{'' if n == 1 else 's'} where it is not "
            f"(e.g. {rows_text(result.examples)} {of}: {examples}). {fix}.")


# what the runner checks before the run starts: the table's schema and whether it fits the run, from the
# file's metadata and two columns, so that the wrong file is said before the data folder's validation
PREFLIGHT_REASONS = ("missing_column", "wrong_type", *RUN_REASONS)


def check_features_table(path: Path, *, quarter: str, quarter_end_days: int, cache_dir: Path | None = None,
                         reasons: tuple[str, ...] | None = None) -> FeaturesCheck:
    """Evaluate the panel's suite on ``path`` for ``quarter`` (its last quarter must reach it) and the run's
    ``quarter_end_days``. Streams the table: the key count, then every other check in one pass.
    ``cache_dir``: where the runner keeps its file hashes (the hash is recorded; none without).
    ``reasons``: only the expectations of these reason codes (e.g. :data:`PREFLIGHT_REASONS`)."""
    suite = load_features_suite()
    if reasons is not None:
        suite = {**suite, "expectations": [e for e in suite["expectations"] if e["meta"]["reason"] in reasons]}
    results = evaluate_suite(with_quarter_bounds(scan_features(path)), suite,
                             parameters={"run_quarter_end": quarter_end(quarter), "quarter_end_days": quarter_end_days})
    files, sha = [], ""
    if cache_dir is not None:
        cache = fp.HashCache(cache_dir / fp.HASH_CACHE)
        files = describe_features(path, cache)
        cache.save()
        sha = fp.digest(files)
    check = FeaturesCheck(path, quarter, quarter_end_days, results, sha, files)
    logger.info("%s: features table checked (%d rows, last quarter %s): %s", path, check.rows, check.last_quarter,
                "passed" if not check.failed else f"{len(check.failed)} failure(s)")
    return check


def recorded_features(run_dir: Path) -> str:
    """The features table the run folder's scores were made from ("" when from the order lines)."""
    try:
        return json.loads(RunFolder(run_dir).file(CHECK_FILE).read_text(encoding="utf-8"))["path"]
    except (OSError, ValueError, KeyError):
        return ""


def write_check(run_dir: Path, check: FeaturesCheck | None) -> None:
    """Record the panel the run scored from (:data:`CHECK_FILE`); without one, remove an older record."""
    path = RunFolder(run_dir).file(CHECK_FILE)
    if check is None:
        path.unlink(missing_ok=True)
        return
    path.write_text(json.dumps(check.record(), ensure_ascii=False, indent=1, sort_keys=True, default=str) + "\n",
                    encoding="utf-8")
