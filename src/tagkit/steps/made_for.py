"""What a run folder was made for: each step's quarter, data and params, so that no step reads another's.

A notebook run by hand on a run folder of another quarter once wrote a report titled "2025Q4" from
2026Q3's scores and exited 0. Every step now writes, in ``made_for.json``, the quarter it ran for,
the hash of the data folder and the hash of every params section; a step that reads an earlier
step's outputs compares them with its own first and stops, saying what differs, before it reads
anything. Only the params sections the earlier steps read count (``pipelines/quarterly.yaml``): a
report rerun in English on the same scores is fine, a rescoring with another threshold is not.

The data hash reuses the runner's cache of file hashes (``OUT/.tagkit-hashes.json``), so checking
an unchanged data folder reads no data.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from tagkit.errors import InputError
from tagkit.params import Params
from tagkit.project import project_root
from tagkit.run_folder import RunFolder
from tagkit.steps import fingerprint as fp

MADE_FOR = RunFolder.MADE_FOR


@dataclass(frozen=True)
class MadeFor:
    """One step's identity: the quarter, the data folder's content hash, each params section's hash, and
    for the score step the features table it scored from (its content hash; "" for the order lines)."""

    quarter: str
    data_sha256: str
    params: dict[str, str]
    features_sha256: str = ""  # absent in folders of earlier versions: made from the order lines

    @classmethod
    def of_step(cls, earlier: MadeFor, params: Params, *, features_sha256: str = "") -> MadeFor:
        """A later step's identity: the earlier step's quarter and data, these params (and features table)."""
        return cls(earlier.quarter, earlier.data_sha256, section_digests(params), features_sha256)

    @classmethod
    def of(cls, *, quarter: str, data_dir: Path, run_dir: Path, params: Params) -> MadeFor:
        return cls(quarter, data_hash(data_dir, run_dir), section_digests(params))


def section_digests(params: Params) -> dict[str, str]:
    """Each params section's hash: a step compares only the sections its inputs depend on."""
    return {section: fp.section_digest(params, [section]) for section in type(params).model_fields}


def data_hash(data_dir: Path, run_dir: Path) -> str:
    """The data folder's content hash, as the manifest has it (``inputs.sha256``)."""
    cache = fp.HashCache(run_dir.parent / fp.HASH_CACHE)  # the runner's: OUT/ holds OUT/QUARTER(.partial)
    digest = fp.digest(fp.describe_inputs(data_dir, cache))
    cache.save()
    return digest


def _read(run_dir: Path) -> dict[str, dict]:
    try:
        return json.loads(RunFolder(run_dir).file(MADE_FOR).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write(run_dir: Path, steps: dict[str, dict]) -> None:
    tmp = RunFolder(run_dir).file(f"{MADE_FOR}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(steps, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, RunFolder(run_dir).file(MADE_FOR))


def record(run_dir: Path, step: str, made_for: MadeFor) -> None:
    """``step`` finished in ``run_dir`` for ``made_for``."""
    steps = _read(run_dir)
    steps[step] = asdict(made_for)
    _write(run_dir, steps)


def finished(run_dir: Path, step: str) -> bool:
    """Whether ``step`` recorded a finished run in ``run_dir`` (for whatever inputs)."""
    return step in _read(run_dir)


def forget(run_dir: Path, *steps: str) -> None:
    """``steps``' outputs are being rewritten: until they finish, nobody may read them."""
    recorded = _read(run_dir)
    if any(s in recorded for s in steps):
        _write(run_dir, {k: v for k, v in recorded.items() if k not in steps})


def sections_behind(step: str) -> list[str]:
    """The params sections the outputs of ``step`` depend on: its own and those of every step before it."""
    from tagkit.steps.spec import load_pipeline

    sections: set[str] = set()
    for s in load_pipeline(project_root() / "pipelines" / "quarterly.yaml").steps:
        sections |= set(s.params)
        if s.name == step:
            return sorted(sections)
    raise ValueError(f"no step {step!r} in pipelines/quarterly.yaml")


def expect(run_dir: Path, step: str, *, quarter: str, params: Params, data_sha256: str | None = None,
           features_sha256: str | None = None) -> MadeFor:
    """What ``step`` recorded in ``run_dir``, after checking it was made for ``quarter``, these ``params`` (the
    sections behind the step) and, when given, the data and the features table ("" for none) of those hashes;
    stops with what differs otherwise."""
    recorded = _read(run_dir).get(step)
    if recorded is None:
        raise InputError(
            f"{run_dir}: the {step} step's outputs were not made by a finished {step} step of this tagkit "
            f"(no '{step}' in {MADE_FOR}: stopped half-way, made by hand or by an older version). Rerun "
            f"that step into this folder with these parameters, or use tagkit run, which does.")
    made = MadeFor(**recorded)
    differs = []
    if made.quarter != quarter:
        differs.append(f"the quarter ({made.quarter} there, {quarter} here)")
    if data_sha256 is not None and made.data_sha256 != data_sha256:
        differs.append("the data (the files under data_dir are not those it was made from)")
    if features_sha256 is not None and made.features_sha256 != features_sha256:
        used = "a features table" if made.features_sha256 else "the order lines"
        asked = "another features table" if made.features_sha256 else "a features table"
        differs.append(f"the scores' source ({used} there, {asked} here: features_path)")
    mine = section_digests(params)
    changed = [s for s in sections_behind(step) if made.params.get(s) != mine[s]]
    if changed:
        differs.append(f"the params (section{'s' if len(changed) > 1 else ''} {', '.join(changed)})")
    if differs:
        raise InputError(
            f"{run_dir}: made for other inputs than this notebook's: {'; '.join(differs)}. Reading it would "
            f"mix two runs. Give each quarter and each set of params its own run_dir, or rerun from "
            f"notebooks/01_validate.ipynb into this one with these parameters (tagkit run does it all).")
    return made
