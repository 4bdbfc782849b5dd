"""Content hashes that decide what a rerun can skip.

A step's key hashes everything its outputs depend on: the input files' contents, the params
sections it reads, the code (tagkit's own files, the notebook, the pipeline declaration), the
quarter, and the key of the step before it — so a change anywhere upstream reruns everything
downstream, and a change to the report params reruns the reports and the index only.

Hashing a few GB of order lines takes seconds, so file hashes are cached by (path, size,
mtime): a rerun over unchanged files reads no data at all.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import tagkit
from tagkit.params import Params

HASH_CACHE = ".tagkit-hashes.json"


def digest(*parts: object) -> str:
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


class HashCache:
    """``sha256`` of files, remembered by absolute path, size and modification time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._entries: dict[str, list[Any]] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self._entries = {}
        self._dirty = False

    def sha256(self, file: Path) -> str:
        st = file.stat()
        key = str(file.resolve())
        hit = self._entries.get(key)
        if hit and hit[0] == st.st_size and hit[1] == st.st_mtime_ns:
            return hit[2]
        sha = file_sha256(file)
        self._entries[key] = [st.st_size, st.st_mtime_ns, sha]
        self._dirty = True
        return sha

    def save(self) -> None:
        if not self._dirty:
            return
        tmp = self.path.with_name(self.path.name + f".{os.getpid()}.tmp")
        try:
            tmp.write_text(json.dumps(self._entries, sort_keys=True), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:  # a read-only output folder only costs the next run a re-hash
            tmp.unlink(missing_ok=True)


def _visible_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and not any(
        part.startswith(".") or part == "__pycache__" for part in p.relative_to(folder).parts))


def describe_inputs(data_dir: Path, cache: HashCache) -> list[dict[str, Any]]:
    """Every file under the data folder (a stray file is worth seeing in the manifest), hashed."""
    return [{"path": str(p.relative_to(data_dir)), "bytes": p.stat().st_size, "sha256": cache.sha256(p)}
            for p in _visible_files(data_dir)]


def code_digest(cache: HashCache) -> str:
    """tagkit's installed files (code, templates, suites): an upgrade or an edit reruns the steps.
    Each notebook is hashed into its own step's key, so editing one reruns that step onwards."""
    package = Path(tagkit.__file__).parent
    return digest([(str(p.relative_to(package)), cache.sha256(p)) for p in _visible_files(package)])


def section_digest(params: Params, sections: Iterable[str]) -> str:
    values = params.model_dump(mode="json")
    return digest({name: values[name] for name in sorted(sections)})

