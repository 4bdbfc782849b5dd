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

from tagkit.actions.lists import SCORE_COLUMNS, action_list
from tagkit.actions.outcomes import NOW_COLUMNS, PREVIOUS_COLUMNS, holdout_uplift, with_outcomes
from tagkit.actions.returns import SET_ASIDE_REASONS, match_returns
from tagkit.errors import InputError
from tagkit.outputs import write_table
from tagkit.params import Params
from tagkit.quarters import shift_quarter
from tagkit.run_folder import RunFolder


def _validation_counts(folder: RunFolder) -> dict[str, int]:
    summary = folder.read_json(RunFolder.VALIDATION_JSON)
    table = summary["tables"].get("actions") if summary is not None else None
    if not table:
        return {"rows_read": 0, "set_aside_by_validation": 0}
    return {"rows_read": int(table["rows_read"]), "set_aside_by_validation": int(table["rows_quarantined"])}


def _read(path: Path, columns: list[str]) -> pl.DataFrame | None:
    """The ``columns`` of a run's table that it has (a million customers' scores hold ~200), None when absent."""
    if not path.exists():
        return None
    present = pl.read_parquet_schema(path)
    return pl.read_parquet(path, columns=[c for c in columns if c in present])


def write_action_lists(*, quarter: str, run_dir: str | Path, params: Params) -> dict[str, Any]:
    """Write this quarter's list and, where last quarter's lists came back, what became of them;
    returns the summary (also written to ``action_summary.json``)."""
    folder = RunFolder(Path(run_dir))
    scores = _read(folder.scores_path, list(dict.fromkeys([*SCORE_COLUMNS, *NOW_COLUMNS])))
    if scores is None:
        scores = folder.scores()  # absent: raises the usual error, naming the step to run
    write_table(action_list(scores.lazy(), quarter=quarter, playbook=params.playbook).collect(),
                folder.file(RunFolder.ACTION_LIST))
    before = shift_quarter(quarter, -1)
    summary: dict[str, Any] = {"quarter": quarter, "lists_of": before, "returned": None, "holdout": {}}
    previous_scores = _read(folder.sibling(before).scores_path, PREVIOUS_COLUMNS)
    if previous_scores is not None and "flags" in previous_scores.columns:
        summary["holdout"] = holdout_uplift(previous_scores, scores)
    for stale in (RunFolder.ACTION_RESULTS, RunFolder.ACTION_RETURNS):
        folder.file(stale).unlink(missing_ok=True)
    if folder.clean("actions").exists():
        summary["returned"] = _read_back(folder, before=before, scores=scores, params=params)
    folder.write_json(RunFolder.ACTION_SUMMARY, summary)
    return summary


def _read_back(folder: RunFolder, *, before: str, scores: pl.DataFrame, params: Params) -> dict[str, Any]:
    returned = folder.clean("actions")  # the validated returned lists
    earlier = folder.sibling(before)
    published_path = earlier.file(RunFolder.ACTION_LIST)
    published = pl.read_parquet(published_path) if published_path.exists() else None
    if published is None:
        raise InputError(
            f"{returned}: action lists came back (actions/ in the data folder, or --actions), but "
            f"{published_path} is missing, so they cannot be matched to what was asked. Run "
            f"{before} into {folder.path.parent} first (its run folder publishes the lists), or remove the returned "
            "lists.")
    returns = match_returns(pl.read_parquet(returned), published)
    counts = {**returns.counts(), **_validation_counts(folder)}
    set_aside = sum(counts[r] for r in SET_ASIDE_REASONS)
    limit = params.validation.quarantine_limit("actions")
    if counts["returned"] and set_aside > limit * counts["returned"]:
        reasons = ", ".join(f"{r} {counts[r]}" for r in SET_ASIDE_REASONS if counts[r])
        raise InputError(
            f"{returned}: {set_aside} of {counts['returned']} returned action rows match no action "
            f"published for {before} ({reasons}); more than validation.max_quarantine_share.actions ({limit:.0%}) "
            f"allows. Are these {before}'s lists? Send back the lists {earlier.actions_dir} holds, "
            "with only status and note changed.")
    write_table(with_outcomes(returns.statuses, scores), folder.file(RunFolder.ACTION_RESULTS))
    write_table(returns.returned, folder.file(RunFolder.ACTION_RETURNS))
    return counts
