"""``manifest.json``: what a run read, with which params and versions, how long each step took, and its outcome.

Input hashes come from :mod:`tagkit.steps.fingerprint`, which also keys the resume."""
from __future__ import annotations

import importlib.metadata
import json
import platform
import re
import subprocess
from pathlib import Path
from typing import Any

PACKAGES = ("tagkit", "polars", "pyarrow", "altair", "papermill", "great-expectations", "nbconvert", "ipykernel")


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def dependency_versions(root: str = "tagkit") -> dict[str, str]:
    """The installed version of every package tagkit runs on: its requirements, theirs, and so on
    (extras left out), and Python's. A run's skip keys include them: an upgrade of polars, scipy or
    anything beneath can change the outputs, so it must rerun the steps, not report "up to date"."""
    from packaging.requirements import Requirement

    found: dict[str, str] = {"python": platform.python_version()}
    todo = [root]
    while todo:
        name = re.sub(r"[-_.]+", "-", todo.pop()).lower()
        if name in found:
            continue
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        found[name] = dist.version
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return dict(sorted(found.items()))


def git_commit(root: Path) -> str | None:
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], check=False, cwd=root, capture_output=True, text=True,
                              timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
