"""``manifest.json``: what a run read, with which params and versions, how long each step took, and its outcome."""
from __future__ import annotations

import hashlib
import importlib.metadata
import json
import platform
import subprocess
from pathlib import Path
from typing import Any

PACKAGES = ("tagkit", "polars", "pyarrow", "altair", "papermill", "great-expectations", "nbconvert", "ipykernel")


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def describe_inputs(data_dir: Path) -> list[dict[str, Any]]:
    """Every file under the data folder (not only the ones read: a stray file is worth seeing), hashed."""
    files = sorted(p for p in data_dir.rglob("*") if p.is_file() and not any(
        part.startswith(".") for part in p.relative_to(data_dir).parts))
    return [
        {"path": str(p.relative_to(data_dir)), "bytes": p.stat().st_size, "sha256": file_sha256(p)}
        for p in files
    ]


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_commit(root: Path) -> str | None:
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
