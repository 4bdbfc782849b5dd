"""What a report reads from a run folder, loaded once: scores, reps, back-test, validation, prescription.

Only ``scores.parquet`` is required. Everything else is optional: a section whose input is
absent says so in the page ("not computed in this run") instead of showing invented figures.
The prescription's files (``reps``, ``regions``, ``transitions``, ``radiation``, ``coverage_gaps``
and ``quality_index`` .parquet) and its wording (``params/playbook.yaml``) are read as they are;
:mod:`tagkit.report.prescribed` interprets them.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import polars as pl

from tagkit.run_folder import ACTION_TABLES, PRESCRIPTION_TABLES, RunFolder

if TYPE_CHECKING:
    from tagkit.params import Params

logger = logging.getLogger(__name__)

T = TypeVar("T")



@dataclass(frozen=True)
class RunData:
    """A run folder's contents as the report needs them; optional parts are None when absent.

    >>> RunData(scores=pl.DataFrame({"region": ["华东"]})).backtest is None
    True
    """

    scores: pl.DataFrame
    reps: pl.DataFrame | None = None  # clean/reps.parquet: rep_id → rep_name, role, manager_id
    backtest: Mapping[str, Any] | None = None  # backtest.json
    risk_model: Mapping[str, Any] | None = None  # risk_model.json: how score_risk was learned (or not)
    previous_tags: Mapping[str, Any] | None = None  # previous_tags.json: published last quarter, or re-scored
    validation: Mapping[str, Any] | None = None  # validation.json
    action_summary: Mapping[str, Any] | None = None  # action_summary.json: the lists returned, the holdout
    prescription: Mapping[str, pl.DataFrame] = field(default_factory=dict)  # name → frame, present files only
    playbook: Mapping[str, Any] | None = None  # the playbook's wording (params/playbook.yaml, via Params)
    methodology: Mapping[str, Any] = field(default_factory=dict)  # the params the run used, as plain values
    params_digest: str = ""
    # what the reports derive from the whole run, kept with the data it came from: a warm kernel
    # reports region after region from one RunData (tagkit.steps.region_report), so each is made once
    _memo: dict[Hashable, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def table(self, name: str) -> pl.DataFrame | None:
        """One of the prescription's frames, or None when this run did not write it."""
        return self.prescription.get(name)

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, made once per RunData: for whole-run figures that every region's report needs."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def region_rows(self, region: str) -> pl.DataFrame:
        """The region's rows of ``scores``; the last region's are kept, for its report, exports and headline."""
        last = self._memo.get("region_rows")
        if last is None or last[0] != region:
            last = (region, self.scores.filter(pl.col("region") == region))
            self._memo["region_rows"] = last
        return last[1]


def _read_json(path: Path) -> Mapping[str, Any] | None:
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        # a damaged optional file costs its section, not the whole report
        logger.warning("%s: not valid JSON (%s); its section says so", path, exc)
        return None


def _read_parquet(path: Path) -> pl.DataFrame | None:
    if not path.exists():
        return None
    try:
        return pl.read_parquet(path)
    except (pl.exceptions.PolarsError, OSError) as exc:
        logger.warning("%s: unreadable (%s); its section says so", path, exc)
        return None


def load_run_data(run_dir: str | Path | RunFolder, params: Params) -> RunData:
    """Read what the reports need from ``run_dir``; ``params`` is the run's :class:`~tagkit.params.Params`."""
    run = RunFolder.of(run_dir)
    scores = run.scores()
    prescription = {name: df for name in (*PRESCRIPTION_TABLES, *ACTION_TABLES)
                    if (df := _read_parquet(run.table_path(name))) is not None}
    values = params.model_dump(mode="json")
    return RunData(
        scores=scores,
        reps=_read_parquet(run.clean("reps")),
        backtest=_read_json(run.file(run.BACKTEST_JSON)),
        risk_model=_read_json(run.file(run.RISK_MODEL)),
        previous_tags=_read_json(run.file(run.PREVIOUS_TAGS)),
        validation=_read_json(run.validation_json),
        action_summary=_read_json(run.file(run.ACTION_SUMMARY)),
        prescription=prescription,
        playbook=values.get("playbook"),
        methodology=values,
        params_digest=params.digest(),
    )
