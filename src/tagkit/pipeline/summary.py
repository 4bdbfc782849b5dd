"""What a run says about itself: the manifest's summaries of the run folder's files, the rows set aside
(on the terminal, also under ``--quiet``) and the few lines ``tagkit run`` prints at the end."""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import polars as pl

from tagkit.contract import lost_reasons
from tagkit.run_folder import RunFolder

logger = logging.getLogger(__name__)


def run_summary(run_dir: Path) -> list[str]:
    """A finished run in a few lines: customers and tags, region reports, rows set aside, where to look."""
    lines = [f"{run_dir.name}:"]
    scores = RunFolder(run_dir).scores_path
    if scores.exists():
        tags = pl.read_parquet(scores, columns=["tag"])["tag"].value_counts(sort=True)
        counts = ", ".join(f"{t} {n:,}" for t, n in tags.iter_rows())
        lines.append(f"  {tags['count'].sum():,} customers scored: {counts}")
    status = RunFolder(run_dir).file(RunFolder.RUN_STATUS)
    if status.exists():
        outcomes = [r.get("outcome") for r in json.loads(status.read_text(encoding="utf-8"))["regions"].values()]
        failed = sum(o in ("failed", "crashed") for o in outcomes)
        lines.append(f"  {len(outcomes) - failed} region reports written" + (f", {failed} failed" if failed else ""))
    summary = validation_summary(run_dir)
    if summary:
        lost = {t: a.get("rows_lost", 0) for t, a in summary["accounting"].items() if a.get("rows_lost")}
        lines.append("  rows set aside as unusable: " + (", ".join(f"{t} {n:,}" for t, n in lost.items()) +
                                                         " (validation.html)" if lost else "none"))
    index = RunFolder(run_dir).file(RunFolder.INDEX)
    lines.append(f"  {'open' if index.exists() else 'results in'} {index if index.exists() else run_dir}")
    return lines


def warn_rows_set_aside(run_dir: Path) -> None:
    """Rows set aside below the stopping limit still reach the terminal (also under --quiet), not only the report."""
    summary = validation_summary(run_dir) or {"accounting": {}}
    for name, acc in summary["accounting"].items():
        if acc.get("rows_lost"):
            reasons = lost_reasons(acc.get("by_reason", {}))
            logger.warning("%s: %s of %s rows set aside as unusable (%s); see quarantine/%s.parquet and "
                           "validation.html in the run folder", name, f"{acc['rows_lost']:,}", f"{acc['rows_read']:,}",
                           reasons, name)


def json_or_none(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def validation_summary(run_dir: Path) -> dict[str, Any] | None:
    data = json_or_none(RunFolder(run_dir).validation_json)
    if data is None:
        return None
    return {"accounting": data.get("tables", {}), "blocking": data.get("blocking", []),
            "missing_optional_tables": data.get("missing_optional_tables", [])}


def features_check_summary(run_dir: Path) -> dict[str, Any] | None:
    """The features table's check as the score step recorded it (without the per-expectation detail,
    which stays in the run folder's file); None when the scores came from the order lines."""
    check = json_or_none(RunFolder(run_dir).file(RunFolder.FEATURES_CHECK))
    if check is None:
        return None
    return {"file": RunFolder.FEATURES_CHECK, **{k: check.get(k) for k in (
        "path", "sha256", "rows", "last_quarter", "quarter_end_days", "suite", "expectations_checked", "passed",
        "failures")}}


def risk_model_summary(run_dir: Path, quarter: str) -> dict[str, Any] | None:
    """Which model gave this quarter's score_risk: learned from the history, or the documented weights and why."""
    path = RunFolder(run_dir).file(RunFolder.RISK_MODEL)
    if not path.exists():
        return None
    model = json.loads(path.read_text(encoding="utf-8")).get("models", {}).get(quarter)
    if model is None:
        return None
    return {"file": path.name, "source": model["source"], "reason": model["reason"],
            "learned_from": model["training"].get("quarters", [])}
