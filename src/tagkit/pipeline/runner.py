"""``tagkit run``: execute the pipeline's notebooks with papermill and publish the run folder.

Layout of a run (DATA_CONTRACT.md): ``<out>/<quarter>/`` with scores.parquet, validation.html,
reports/, index.html, manifest.json, run.log and the executed notebooks. How a run stays safe
to repeat, interrupt and schedule:

- every notebook has a content key (:mod:`.plan`, :mod:`tagkit.steps.fingerprint`); notebooks whose key
  is unchanged are skipped, so a rerun over the same inputs and params does nothing, and a change to
  the report params reruns only the reports and the index;
- work happens in ``<quarter>.partial/`` and is moved into place at the end (:mod:`.workdir`);
- a lock (:mod:`.lock`) refuses a second run on the same quarter, naming the first;
- notebooks run in a pool of worker processes with warm kernels (:mod:`.pool`); a failing
  region report does not stop the others;
- SIGTERM and Ctrl-C end a run in order, and everything goes to ``run.log`` (:mod:`.session`); the
  manifest's summaries and the lines printed at the end come from :mod:`.summary`.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from tagkit.contract import colliding_regions, region_stem
from tagkit.errors import (
    InputError,
    RegionsFailed,
    StepFailed,
    TagkitError,
    UsageError,
    ValidationBlocked,
)
from tagkit.kernel import KERNEL_NAME, check_kernel
from tagkit.params import Params, load_params
from tagkit.pipeline import manifest as mf
from tagkit.pipeline.lock import RunLock
from tagkit.pipeline.plan import (
    check_data_folder,
    check_params_unchanged,
    check_upstream,
    region_key,
    resolve_quarter,
    step_keys,
    up_to_date,
)
from tagkit.pipeline.pool import Job, JobResult, NotebookPool
from tagkit.pipeline.progress import LogLines, Progress
from tagkit.pipeline.session import run_log, signals_raise_interrupted
from tagkit.pipeline.summary import (
    features_check_summary,
    json_or_none,
    risk_model_summary,
    validation_summary,
    warn_rows_set_aside,
)
from tagkit.pipeline.workdir import WorkDir
from tagkit.project import project_root
from tagkit.run_folder import RunFolder
from tagkit.steps import features_input
from tagkit.steps import fingerprint as fp
from tagkit.steps.spec import STEP_PARAMETERS, NotebookParameters, Step, load_pipeline

logger = logging.getLogger(__name__)

# errors raised inside a notebook that are the user's to fix, by exception name
_USER_ERRORS: dict[str, type[TagkitError]] = {
    "ValidationBlocked": ValidationBlocked,
    "InputError": InputError,
    "ParamsError": UsageError,
    "UsageError": UsageError,
}


@dataclass
class RunResult:
    run_dir: Path
    outcome: str
    steps: list[dict[str, Any]] = field(default_factory=list)
    failed_regions: dict[str, str] = field(default_factory=dict)
    failure_reasons: dict[str, str] = field(default_factory=dict)  # region -> "ename: first line"
    regions: int = 0  # regions the report step found

    @property
    def index(self) -> Path:
        return RunFolder(self.run_dir).file(RunFolder.INDEX)


@dataclass
class _Run:
    """One invocation's moving parts, so the step functions below stay short."""

    root: Path
    work: WorkDir
    base: NotebookParameters
    keys: dict[str, str]
    progress: Progress
    pool_args: dict[str, Any]
    result: RunResult
    params: Params
    expected_regions: int = 0  # the region reports counted in the progress total before the report step
    _pool: NotebookPool | None = None

    @property
    def run_dir(self) -> Path:
        return self.work.path

    def pool(self) -> NotebookPool:
        if self._pool is None:
            self._pool = NotebookPool(**self.pool_args)
        return self._pool

    def close_pool(self) -> None:
        """Let the workers finish after a run that ended well; stop them at once otherwise."""
        if self._pool is not None:
            self._pool.terminate() if self.result.outcome not in ("ok", "regions_failed") else self._pool.close()

    def job(self, step: Step, region: str = "") -> Job:
        source = self.root / step.notebook
        suffix = "-" + region_stem(region) if region else ""
        params = self.base.model_copy(update={"region": region, "run_dir": str(self.run_dir)})
        # a parameter goes only to the notebooks that declare it (the returned action lists to validate, ...)
        exclude = ({"region"} if not region else set()) | {
            name for name, steps in STEP_PARAMETERS.items() if step.name not in steps}
        return Job(id=f"{step.name}:{region}" if region else step.name, source=source,
                   target=RunFolder(self.run_dir).notebooks_dir / f"{source.stem}{suffix}.ipynb",
                   parameters=params.model_dump(exclude=exclude))


def run_quarter(
    *,
    data_dir: Path,
    quarter: str,
    out_dir: Path,
    params_file: Path | None = None,
    only: list[str] | None = None,
    pipeline_file: Path | None = None,
    workers: int | None = None,
    force: bool = False,
    fresh_kernels: bool = False,
    progress: Progress | None = None,
    actions_dir: Path | None = None,
    features: Path | None = None,
) -> RunResult:
    """Run the pipeline for one quarter; raises a :class:`TagkitError` subclass when it cannot finish.

    ``features``: a features table (docs/features.md) the score step reads instead of aggregating the
    clean order lines; the data folder is still read and validated whole (see
    :mod:`tagkit.steps.features_input`)."""
    root = project_root()
    params_dir = root / "params"
    params = load_params(params_dir, params_file)
    pipeline_path = pipeline_file or root / "pipelines" / "quarterly.yaml"
    pipeline = load_pipeline(pipeline_path)
    steps = pipeline.select(only)
    if workers is not None and workers < 1:
        raise UsageError(f"--workers must be 1 or more; got {workers}.")
    check_data_folder(data_dir)
    if actions_dir is not None and not actions_dir.is_dir():
        raise InputError(f"{actions_dir}: --actions must be the folder of last quarter's filled-in action lists "
                         "(<region>.xlsx or .csv, as a run's actions/ folder holds them); it is not a folder.")
    if features is not None:
        features = features.expanduser().resolve()
        features_input.scan_features(features)  # a missing file or empty folder: said now, not after validation
    quarter = resolve_quarter(quarter, data_dir, params)
    check_kernel()
    out_dir = out_dir.resolve()
    work = WorkDir(out_dir, quarter)
    progress = progress or LogLines()
    with RunLock(work.lock), signals_raise_interrupted():
        started = time.time()
        cache = fp.HashCache(out_dir / fp.HASH_CACHE)
        inputs = fp.describe_inputs(data_dir, cache)
        if actions_dir is not None:
            inputs += [{**f, "path": f"--actions/{f['path']}"} for f in fp.describe_inputs(actions_dir, cache)]
        panel = features_input.describe_features(features, cache) if features is not None else None
        code = fp.digest(fp.code_digest(cache), mf.dependency_versions())
        keys = step_keys(pipeline, root=root, params=params, inputs=inputs, code=code, quarter=quarter, cache=cache,
                         previous=RunFolder(out_dir / quarter).previous(quarter).scores_path, features=panel)
        cache.save()
        if not force and not work.path.exists() and up_to_date(steps, keys, work.published_keys()):
            return _report_up_to_date(work, steps, progress, started)
        if features is not None and any(s.name == "score" for s in steps):
            # the wrong table (schema, too early a quarter, other quarter_end_days) said before the data
            # folder's validation runs; the score step checks the whole suite before scoring
            features_input.check_features_table(
                features, quarter=quarter, quarter_end_days=params.prescription.speculator.quarter_end_days,
                reasons=features_input.PREFLIGHT_REASONS).raise_if_failed()
        how = work.open(force=force)
        check_upstream(pipeline, steps, keys, work.done)
        n_workers = workers or os.cpu_count() or 1
        run = _Run(
            root=root, work=work, keys=keys, progress=progress,
            base=NotebookParameters(data_dir=str(data_dir.resolve()), quarter=quarter, run_dir=str(work.path),
                                    params_dir=str(params_dir),
                                    params_file=str(params_file.resolve()) if params_file else "",
                                    actions_dir=str(actions_dir.resolve()) if actions_dir else "",
                                    features_path=str(features) if features else ""),
            pool_args=dict(workers=n_workers, kernel_name=KERNEL_NAME, cwd=root / "notebooks", fresh=fresh_kernels,
                           log_queue=None),
            result=RunResult(run_dir=work.published, outcome="running"),
            params=params,
        )
        doc: dict[str, Any] = {
            "quarter": quarter,
            "started": dt.datetime.fromtimestamp(started, dt.UTC).isoformat(timespec="seconds"),
            "pipeline": pipeline.name,
            "steps_requested": [s.name for s in steps],
            "workers": n_workers,
            "kernels": "fresh per notebook" if fresh_kernels else "one warm kernel per worker",
            "work_folder": how,
            "inputs": {"data_dir": str(data_dir.resolve()), "files": inputs,
                       "sha256": fp.digest(inputs),
                       # the table the scores were made from instead of the order lines (None: from the lines)
                       "features": None if panel is None else {"path": str(features), "files": panel,
                                                                "sha256": fp.digest(panel)}},
            "params": {"file": str(params_file) if params_file else None, "sha256": params.digest(),
                       "values": params.model_dump(mode="json")},
            "code_sha256": code,
            "versions": mf.package_versions(),
            "dependency_versions": mf.dependency_versions(),
            "git_commit": mf.git_commit(root),
            "steps": run.result.steps,
        }
        with run_log(RunFolder(work.path).file(RunFolder.RUN_LOG)) as log_queue:
            logger.info("run of %s: %s work folder %s, %d worker(s)", quarter, how, work.path, n_workers)
            run.pool_args["log_queue"] = log_queue
            try:
                _run_steps(run, steps)
                check_params_unchanged(params, params_dir, params_file)
                run.result.outcome = "regions_failed" if run.result.failed_regions else "ok"
            except (TagkitError, KeyboardInterrupt) as exc:
                run.result.outcome = type(exc).__name__
                raise
            finally:
                run.close_pool()
                progress.close()
                doc.update(outcome=run.result.outcome, seconds=round(time.time() - started, 3),
                           validation=validation_summary(work.path),
                           risk_model=risk_model_summary(work.path, quarter),
                           previous_tags=json_or_none(RunFolder(work.path).file(RunFolder.PREVIOUS_TAGS)),
                           features_check=features_check_summary(work.path),
                           keys=work.done)
                mf.write_manifest(RunFolder(work.path).file(RunFolder.MANIFEST), doc)
        work.publish()
    if run.result.failed_regions:
        failed = sorted(run.result.failed_regions)
        others = "The others were written; see" if len(failed) < run.result.regions else "See"
        why = "; ".join(f"{r}: {run.result.failure_reasons.get(r, 'failed')}" for r in failed[:5])
        raise RegionsFailed(
            f"{len(failed)} region report(s) failed ({why}{'; ...' if len(failed) > 5 else ''}). "
            f"{others} {RunFolder(work.published).file(RunFolder.INDEX)}, which links each failing cell, and "
            f"{RunFolder(work.published).file(RunFolder.RUN_LOG)}."
        )
    return run.result


def _report_up_to_date(work: WorkDir, steps: list[Step], progress: Progress, started: float) -> RunResult:
    progress.add(len(steps))
    for step in steps:
        progress.finished(step.name, "up to date", 0.0)
    progress.close()
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with RunFolder(work.published).file(RunFolder.RUN_LOG).open("a", encoding="utf-8") as log:
        log.write(f"{stamp} up to date: same inputs, params and code as this run; nothing to do "
                  f"({time.time() - started:.2f} s)\n")
    logger.info("%s is up to date (same inputs, params and code); nothing to do. --force reruns it.", work.published)
    return RunResult(run_dir=work.published, outcome="up_to_date",
                     steps=[{"step": s.name, "outcome": "up to date"} for s in steps])


def _run_steps(run: _Run, steps: list[Step]) -> None:
    # the bar's total from the start: every step, and a report per region (known once scored; until then
    # the regions of the customers table, or of the last published scores)
    run.expected_regions = _expected_regions(run) if any(s.per == "region" for s in steps) else 0
    run.progress.add(sum(1 for s in steps if s.per is None) + run.expected_regions)
    for step in steps:
        if step.per == "region":
            _run_regions(run, step)
        else:
            _run_step(run, step)


def _run_step(run: _Run, step: Step) -> None:
    key = run.keys[step.name]
    if run.work.done.get(step.name) == key:
        run.progress.finished(step.name, "up to date", 0.0)
        run.result.steps.append({"step": step.name, "outcome": "up to date"})
        return
    run.work.mark(step.name, None)
    job = run.job(step)
    res = next(iter(run.pool().run([job], on_start=run.progress.started)))
    run.progress.finished(step.name, res.outcome, res.seconds)
    entry = {"step": step.name, "outcome": res.outcome, "seconds": res.seconds,
             "notebook": str(job.target.relative_to(run.run_dir))}
    run.result.steps.append(entry)
    if res.outcome != "ok":
        raise _user_error(res, job.target, run.run_dir)
    if step.name == "validate":
        warn_rows_set_aside(run.run_dir)
    if not run.result.failed_regions:  # an index listing failed regions must be redone once they succeed
        run.work.mark(step.name, key)


def _run_regions(run: _Run, step: Step) -> None:
    scores = RunFolder(run.run_dir).scores_path
    if not scores.exists():
        raise InputError(f"{scores}: missing, so there are no regions to report. Run the score step first.")
    regions = sorted(pl.read_parquet(scores, columns=["region"])["region"].unique().to_list())
    for group in colliding_regions(regions):
        names = " and ".join(repr(r) for r in group)
        raise UsageError(
            f"{scores}: regions {names} differ only in upper and lower case, so their reports and exports would "
            "overwrite each other on Windows and macOS. Spell the region the same way in every row of the "
            "customers table (column region), or give them names that differ in more than case.")
    key = run.keys[step.name]
    run.result.regions = len(regions)
    _forget_vanished_regions(run, step, regions)
    status: dict[str, dict[str, Any]] = {}
    todo = []
    for region in regions:
        job = run.job(step, region)
        status[region] = {"outcome": "ok", "notebook": str(job.target.relative_to(run.run_dir)), "seconds": 0.0}
        if run.work.done.get(job.id) == region_key(key, region):
            status[region]["outcome"] = "up to date"
        else:
            run.work.mark(job.id, None)
            todo.append(job)
    run.work.mark(step.name, None)
    run.progress.add(len(todo) - run.expected_regions)  # the estimate made at the start, now exact
    by_id = {job.id: (job.id.split(":", 1)[1], job) for job in todo}
    for res in run.pool().run(todo, on_start=run.progress.started):
        region, job = by_id[res.id]
        run.progress.finished(res.id, res.outcome, res.seconds)
        status[region].update(outcome=res.outcome, seconds=res.seconds)
        if res.outcome == "ok":
            run.work.mark(res.id, region_key(key, region))
        else:
            status[region].update(_failure_details(res, job.target, run.run_dir))
            run.result.failed_regions[region] = status[region]["notebook"]
            run.result.failure_reasons[region] = f"{res.ename}: {status[region]['evalue']}".strip(": ")
            RunFolder(run.run_dir).report(region).unlink(missing_ok=True)
    RunFolder(run.run_dir).file(RunFolder.RUN_STATUS).write_text(
        json.dumps({"regions": status}, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8")
    failed = bool(run.result.failed_regions)
    run.result.steps.append({"step": step.name, "outcome": "failed" if failed else "ok", "regions": status})
    if not failed:
        run.work.mark(step.name, key)


def _expected_regions(run: _Run) -> int:
    """How many region reports the run will likely write: the regions of the scores already in the work
    folder, else of the customers table (one column read)."""
    scores = RunFolder(run.run_dir).scores_path
    try:
        if scores.exists():
            return pl.scan_parquet(scores).select(pl.col("region").n_unique()).collect().item()
        from tagkit.io import load_dataset

        with load_dataset(Path(run.base.data_dir), io=run.params.io) as dataset:
            return dataset.tables["customers"].select(pl.col("region").drop_nulls().n_unique()).collect().item()
    except Exception:  # noqa: BLE001 - only the bar's first total; validation reports what is wrong with the data
        return 0


def _forget_vanished_regions(run: _Run, step: Step, regions: list[str]) -> None:
    """A region that no longer has customers loses its report, so the folder never shows a stale one."""
    prefix = f"{step.name}:"
    for job_id in [j for j in run.work.done if j.startswith(prefix) and j[len(prefix):] not in regions]:
        run.work.mark(job_id, None)
        RunFolder(run.run_dir).report(job_id[len(prefix):]).unlink(missing_ok=True)


def _failure_details(res: JobResult, notebook: Path, run_dir: Path) -> dict[str, Any]:
    details: dict[str, Any] = {"ename": res.ename, "evalue": res.evalue.splitlines()[0] if res.evalue else "",
                               "cell": res.cell}
    try:
        from tagkit.report.failure import write_failure_page

        if notebook.exists():
            details["page"] = str(write_failure_page(notebook).relative_to(run_dir))
    except Exception as exc:  # noqa: BLE001 - the failure page is a help, the failure itself is already recorded
        logger.warning("%s: could not write the failure page: %s", notebook, exc)
    return details


def _user_error(res: JobResult, notebook: Path, run_dir: Path) -> TagkitError:
    kind = _USER_ERRORS.get(res.ename)
    if kind is ValidationBlocked:
        status = RunFolder(run_dir).validation_json
        failures = json.loads(status.read_text(encoding="utf-8")).get("blocking", []) if status.exists() else []
        return ValidationBlocked([*(failures or [res.evalue]),
                                  f"The validation report is {run_dir / 'validation.html'}."])
    if kind is not None:
        return kind(res.evalue)
    where = f"cell {res.cell} raised {res.ename}" if res.cell is not None else f"{res.ename}"
    return StepFailed(f"{notebook}: {where}: {res.evalue}. Open the executed notebook to see the failing cell; "
                      f"the full log is {run_dir / 'run.log'}.")
