"""What a run will do, decided before it starts: the quarter, the data folder, each step's key, and which
steps are up to date.

A step's key (:func:`step_keys`) hashes everything its outputs depend on (:mod:`tagkit.steps.fingerprint`),
chained through the steps before it; a step whose key the work folder or the published run already
holds is skipped.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl

from tagkit.errors import InputError, ParamsError, UsageError
from tagkit.params import SECTIONS, Params, load_params
from tagkit.quarters import parse_quarter, quarter_end, quarter_of, shift_quarter
from tagkit.steps import fingerprint as fp
from tagkit.steps.spec import Pipeline, Step


def check_data_folder(data_dir: Path) -> None:
    """``--data`` names a folder that exists (a file of it, or a typo, said with the fix)."""
    if data_dir.is_file():
        raise InputError(f"{data_dir}: --data must be the data folder, not one file of it; pass {data_dir.parent} "
                         "(the folder holding customers and orders).")
    if not data_dir.is_dir():
        raise InputError(f"{data_dir}: data folder not found. Pass --data with the folder holding customers "
                         "and orders.")


def resolve_quarter(quarter: str, data_dir: Path, params: Params, *, today: dt.date | None = None) -> str:
    """``latest``: the quarter of the newest order line, or the one before if that quarter has not ended yet
    (an extract pulled in November holds a few weeks of a quarter nobody should score).
    Anything else must be ``YYYYQn``."""
    if quarter != "latest":
        parse_quarter(quarter)
        return quarter
    from tagkit.io import load_dataset  # intake is only needed to resolve 'latest'

    with load_dataset(data_dir, io=params.io) as dataset:
        last = dataset.tables["orders"].select(pl.col("order_date").max()).collect().item()
    if last is None:
        raise InputError(f"{data_dir}: orders have no dates, so 'latest' has no quarter. Pass --quarter YYYYQn.")
    found = quarter_of(last)
    return shift_quarter(found, -1) if quarter_end(found) >= (today or dt.date.today()) else found


def step_keys(pipeline: Pipeline, *, root: Path, params: Params, inputs: list[dict[str, Any]], code: str,
              quarter: str, cache: fp.HashCache, previous: Path | None = None,
              features: list[dict[str, Any]] | None = None) -> dict[str, str]:
    """Each step's key, chained: a step's key includes the key of the step before it. ``previous``: last
    quarter's published scores, whose tags the score step reads (a republished quarter reruns it).
    ``features``: the hashed files of the features table the score step reads instead of aggregating the
    order lines (``--features``): a changed table reruns the score step and what follows, not the validation."""
    keys: dict[str, str] = {}
    upstream = fp.digest(quarter, inputs)
    before = cache.sha256(previous) if previous is not None and previous.exists() else None
    for step in pipeline.steps:
        notebook = cache.sha256(root / step.notebook)
        upstream = keys[step.name] = fp.digest(step.name, upstream, code, notebook,
                                               fp.section_digest(params, step.params),
                                               *([before] if step.name == "score" and before else []),
                                               *([{"features": features}] if step.name == "score" and features else []))
    return keys


def region_key(step_key: str, region: str) -> str:
    return fp.digest(step_key, region)


def up_to_date(steps: list[Step], keys: dict[str, str], done: dict[str, str]) -> bool:
    return all(done.get(s.name) == keys[s.name] for s in steps)


def check_upstream(pipeline: Pipeline, steps: list[Step], keys: dict[str, str], done: dict[str, str]) -> None:
    """With ``--only``, a step must not run on top of an upstream step that is stale: its key would
    claim inputs its outputs were never made from."""
    chosen = {s.name for s in steps}
    for i, step in enumerate(pipeline.steps):
        if step.name not in chosen:
            continue
        stale = [s.name for s in pipeline.steps[:i] if s.name not in chosen and done.get(s.name) != keys[s.name]]
        if stale:
            raise UsageError(
                f"--only {','.join(s.name for s in steps)}: step(s) {', '.join(stale)} have not run on these "
                f"inputs and params, so '{step.name}' would read stale results. Add them to --only, or run all steps."
            )


def check_params_unchanged(params: Params, params_dir: Path, params_file: Path | None) -> None:
    """The params files still say what they said when the run started: each notebook loads them itself, so an
    edit saved while the steps ran leaves outputs that may mix the two versions, and a manifest that names
    the first. Stops (nothing is published) naming the sections that changed; the rerun recomputes every
    step that read them."""
    try:
        now = load_params(params_dir, params_file)
    except ParamsError as exc:
        raise ParamsError(f"the params were edited while the run ran and no longer load ({exc}). Nothing was "
                          "published; fix them and rerun.") from exc
    changed = [s for s in SECTIONS if getattr(now, s) != getattr(params, s)]
    if changed:
        where = f"{params_dir}" + (f" and {params_file}" if params_file else "")
        raise ParamsError(
            f"the params changed while the run ran (section{'s' if len(changed) > 1 else ''} "
            f"{', '.join(changed)} of {where}): the steps may have read either version. Nothing was published; "
            "rerun when the edits are done (the steps that read those sections run again).")
