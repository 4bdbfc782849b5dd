"""Which files in a data folder hold which contract table.

A table is ``<name>.csv|.parquet|.xlsx`` or a folder ``<name>/`` whose files
(at any depth, e.g. hive partitions ``quarter=2024Q4/part-0.parquet``) are all
parts of it. Names starting with ``_`` or ``.`` are ignored, and so are files
not named like a table. A file named like a table with another extension
(``orders.txt``) is a problem, not something to skip silently.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from tagkit.contract import TABLES
from tagkit.io.readers import FORMATS

logger = logging.getLogger(__name__)

HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
_ACCEPTED = ", ".join(FORMATS)


def hidden(name: str) -> bool:
    """Names tagkit never reads: ``_scratch.csv``, ``.DS_Store``, ``_SUCCESS``."""
    return name.startswith(("_", "."))


def split_name(name: str) -> tuple[str, str]:
    """``"orders.csv.gz"`` → ``("orders", ".csv.gz")``; the extension is lower-cased."""
    stem, dot, ext = name.partition(".")
    return stem, (dot + ext).lower()


@dataclass
class Discovery:
    """What a data folder holds, table by table."""

    entries: dict[str, list[Path]] = field(default_factory=dict)  # table -> files/folders named like it
    problems: list[str] = field(default_factory=list)
    ignored: list[Path] = field(default_factory=list)


def discover(data_dir: Path) -> Discovery:
    """Sort the top level of ``data_dir`` into tables, problems and ignored entries."""
    found = Discovery()
    tables = {name.casefold(): name for name in TABLES}
    for entry in sorted(data_dir.iterdir()):
        if hidden(entry.name):
            continue
        if entry.is_dir():
            table = tables.get(entry.name.casefold())
        else:
            stem, ext = split_name(entry.name)
            table = tables.get(stem.casefold())
            if table is not None and ext not in FORMATS:
                kind = f"'{ext}'" if ext else "no extension"
                hint = " (.xls is the old Excel format: save it as .xlsx)" if ext == ".xls" else ""
                found.problems.append(
                    f"{entry}: file named like the {table} table must end in one of {_ACCEPTED}; "
                    f"got {kind}{hint}. Save it in one of those formats, or rename it with a leading '_' "
                    "so tagkit ignores it."
                )
                continue
        if table is None:
            found.ignored.append(entry)
            logger.debug("ignoring %s: not named like a table", entry)
            continue
        found.entries.setdefault(table, []).append(entry)
    return found


def folder_files(folder: Path) -> tuple[list[Path], list[Path]]:
    """``(table files, ignored files)`` under ``folder``, at any depth, sorted."""
    files: list[Path] = []
    ignored: list[Path] = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(hidden(part) for part in rel.parts) or not path.is_file():
            continue
        if split_name(path.name)[1] in FORMATS:
            files.append(path)
        else:
            ignored.append(path)
    return files, ignored


def partition_values(folder: Path, path: Path) -> dict[str, str | None]:
    """Hive partition columns from the folders between ``folder`` and ``path``.

    >>> partition_values(Path("orders"), Path("orders/quarter=2024Q4/part-0.parquet"))
    {'quarter': '2024Q4'}
    """
    values: dict[str, str | None] = {}
    for part in path.relative_to(folder).parts[:-1]:
        key, eq, value = part.partition("=")
        if eq and key:
            text = unquote(value)
            values[unquote(key)] = None if text == HIVE_NULL else text
    return values
