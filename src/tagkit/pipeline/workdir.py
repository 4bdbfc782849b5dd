"""Where a run writes: ``<out>/<quarter>.partial/`` while it works, ``<out>/<quarter>/`` once finished.

Nothing in ``<out>/<quarter>/`` is ever half-written: a run works in the ``.partial`` folder
(named so nobody mistakes it for a finished run) and moves it into place at the end. An
interrupted run leaves its ``.partial`` folder and, in it, ``.tagkit-state.json``: the key of
every notebook that finished. The next run resumes from there, redoing only notebooks whose
key is missing or different.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

from tagkit.run_folder import RunFolder

logger = logging.getLogger(__name__)

STATE_FILE = RunFolder.STATE


class WorkDir:
    def __init__(self, out_dir: Path, quarter: str) -> None:
        self.out_dir = out_dir
        self.published = out_dir / quarter
        self.path = out_dir / f"{quarter}.partial"
        self.lock = out_dir / f".{quarter}.lock"
        self.done: dict[str, str] = {}  # job id -> key of the notebook run that produced its outputs

    def published_keys(self) -> dict[str, str]:
        return _read_keys(RunFolder(self.published).file(RunFolder.MANIFEST))

    def open(self, *, force: bool) -> str:
        """Prepare the work folder; returns how: 'fresh', 'resumed' or 'from-published'."""
        self._recover_swap()
        if force and self.path.exists():
            shutil.rmtree(self.path)
        if self.path.exists():
            self.done = _read_keys(self.path / STATE_FILE)
            return "resumed"
        if self.published.exists() and not force:
            # unchanged steps keep their outputs; copies, not links, so rewriting a file never touches the published run
            shutil.copytree(self.published, self.path, symlinks=True)
            RunFolder(self.path).file(RunFolder.RUN_LOG).unlink(missing_ok=True)
            self.done = self.published_keys()
            self.save()
            return "from-published"
        self.path.mkdir(parents=True)
        self.done = {}
        self.save()
        return "fresh"

    def mark(self, job: str, key: str | None) -> None:
        """Record (or, with ``key=None``, forget) a finished notebook; saved at once, so a kill loses nothing."""
        if key is None:
            self.done.pop(job, None)
        else:
            self.done[job] = key
        self.save()

    def save(self) -> None:
        tmp = self.path / (STATE_FILE + ".tmp")
        tmp.write_text(json.dumps({"keys": self.done}, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path / STATE_FILE)

    def publish(self) -> None:
        """Swap the finished work folder into place. Two renames on one file system; a crash between
        them leaves ``<quarter>.old`` and the finished work folder, which the next run completes."""
        old = self.out_dir / f"{self.published.name}.old"
        if old.exists():
            shutil.rmtree(old)
        (self.path / STATE_FILE).unlink(missing_ok=True)
        self._point_notebooks_home()
        (self.path / ".published").write_text("", encoding="utf-8")
        if self.published.exists():
            os.replace(self.published, old)
        os.replace(self.path, self.published)
        (self.published / ".published").unlink(missing_ok=True)
        shutil.rmtree(old, ignore_errors=True)

    def _point_notebooks_home(self) -> None:
        """The executed notebooks ran in the work folder; published, their parameters and printed paths
        name the published folder, so an analyst who reruns one writes there, not into a ``.partial``
        folder the next run would take for an interrupted one."""
        here, home = str(self.path), str(self.published)
        forms = {json.dumps(here, ensure_ascii=a)[1:-1]: json.dumps(home, ensure_ascii=a)[1:-1] for a in (True, False)}
        for notebook in sorted(RunFolder(self.path).notebooks_dir.glob("*.ipynb")):
            text = original = notebook.read_text(encoding="utf-8")
            for old, new in forms.items():
                text = text.replace(old, new)
            if text != original:
                notebook.write_text(text, encoding="utf-8")

    def _recover_swap(self) -> None:
        old = self.out_dir / f"{self.published.name}.old"
        if (self.path / ".published").exists() and not self.published.exists():
            logger.info("completing the move of %s into place (the last run stopped during it)", self.path)
            os.replace(self.path, self.published)
            (self.published / ".published").unlink(missing_ok=True)
        if old.exists() and self.published.exists():
            shutil.rmtree(old, ignore_errors=True)


def _read_keys(path: Path) -> dict[str, str]:
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")).get("keys", {}))
    except (OSError, ValueError, AttributeError):
        return {}
