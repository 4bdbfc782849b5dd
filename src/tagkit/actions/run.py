"""The action lists in the run folder: this quarter's written, last quarter's read back and judged.

Files (beside ``scores.parquet``):

- ``actions.parquet``: this quarter's list, every region (:mod:`.lists`); the report step writes each
  region's sheets from it, and next quarter's run matches the returned sheets to it;
- ``action_results.parquet``: last quarter's published actions, each with the status returned (or
  ``no_response``), its note and how its customer fared this quarter (:mod:`.outcomes`);
- ``action_returns.parquet``: every returned row that passed validation, with why it was set aside
  when it matched no published action (:mod:`.returns`);
- ``action_summary.json``: the counts (published, returned, matched, set aside by reason, no response,
  rows validation set aside) and the holdout's uplift per region.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from tagkit.actions.lists import action_list
from tagkit.actions.outcomes import holdout_uplift, with_outcomes
from tagkit.actions.returns import SET_ASIDE_REASONS, match_returns
from tagkit.errors import InputError
from tagkit.outputs import write_table
from tagkit.params import Params
from tagkit.quarters import shift_quarter
from tagkit.run_folder import RunFolder

LIST_FILE = RunFolder.ACTION_LIST
RESULTS_FILE = RunFolder.ACTION_RESULTS
RETURNS_FILE = RunFolder.ACTION_RETURNS
SUMMARY_FILE = RunFolder.ACTION_SUMMARY


def _validation_counts(run: Path) -> dict[str, int]:
    summary = RunFolder(run).read_json(RunFolder.VALIDATION_JSON)
    table = summary["tables"].get("actions") if summary is not None else None
    if not table:
        return {"rows_read": 0, "set_aside_by_validation": 0}
    return {"rows_read": int(table["rows_read"]), "set_aside_by_validation": int(table["rows_quarantined"])}


def _published(run: Path, before: str, what: str) -> pl.DataFrame | None:
    path = RunFolder(run).sibling(before).file(what)
    return pl.read_parquet(path) if path.exists() else None


def write_action_lists(*, quarter: str, run_dir: str | Path, params: Params) -> dict[str, Any]:
    """Write this quarter's list and, where last quarter's lists came back, what became of them;
    returns the summary (also written to ``action_summary.json``)."""
    run = Path(run_dir)
    scores = RunFolder(run).scores()
    this_list = action_list(scores.lazy(), quarter=quarter, playbook=params.playbook).collect()
    write_table(this_list, RunFolder(run).file(LIST_FILE))
    before = shift_quarter(quarter, -1)
    summary: dict[str, Any] = {"quarter": quarter, "lists_of": before, "returned": None, "holdout": {}}
    previous_scores = _published(run, before, RunFolder.SCORES)
    if previous_scores is not None and "flags" in previous_scores.columns:
        summary["holdout"] = holdout_uplift(previous_scores, scores)
    for stale in (RESULTS_FILE, RETURNS_FILE):
        RunFolder(run).file(stale).unlink(missing_ok=True)
    if RunFolder(run).clean("actions").exists():
        summary["returned"] = _read_back(run, before=before, scores=scores, params=params)
    RunFolder(run).write_json(SUMMARY_FILE, summary)
    return summary


def _read_back(run: Path, *, before: str, scores: pl.DataFrame, params: Params) -> dict[str, Any]:
    returned = RunFolder(run).clean("actions")  # the validated returned lists
    earlier = RunFolder(run).sibling(before)
    published = _published(run, before, LIST_FILE)
    if published is None:
        raise InputError(
            f"{returned}: action lists came back (actions/ in the data folder, or --actions), but "
            f"{earlier.file(LIST_FILE)} is missing, so they cannot be matched to what was asked. Run "
            f"{before} into {run.parent} first (its run folder publishes the lists), or remove the returned lists.")
    returns = match_returns(pl.read_parquet(returned), published)
    counts = {**returns.counts(), **_validation_counts(run)}
    set_aside = sum(counts[r] for r in SET_ASIDE_REASONS)
    limit = params.validation.quarantine_limit("actions")
    if counts["returned"] and set_aside > limit * counts["returned"]:
        reasons = ", ".join(f"{r} {counts[r]}" for r in SET_ASIDE_REASONS if counts[r])
        raise InputError(
            f"{returned}: {set_aside} of {counts['returned']} returned action rows match no action "
            f"published for {before} ({reasons}); more than validation.max_quarantine_share.actions ({limit:.0%}) "
            f"allows. Are these {before}'s lists? Send back the lists {earlier.actions_dir} holds, "
            "with only status and note changed.")
    write_table(with_outcomes(returns.statuses, scores), RunFolder(run).file(RESULTS_FILE))
    write_table(returns.returned, RunFolder(run).file(RETURNS_FILE))
    return counts
