"""Load a data folder into one typed LazyFrame per contract table.

>>> ds = load_dataset(Path("data/2026Q3"), io=params.io)     # doctest: +SKIP
>>> ds.tables["orders"].collect_schema()["amount"]            # doctest: +SKIP
Float64

Every table frame has, in this order: the contract columns found, in contract
order and types (optional ones absent from every file are left out and listed
in ``Dataset.absent_columns``), the extra source columns, ``_raw_<column>``
for each contract column parsed from text, ``_file`` and ``_row``.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import polars as pl

from tagkit.contract import RETURNED_TABLES, TABLES, Table
from tagkit.errors import InputError, ValidationBlocked
from tagkit.io.coerce import coerce_frame
from tagkit.io.discover import discover, folder_files, partition_values, split_name
from tagkit.io.encoding import make_workdir, remove_workdir
from tagkit.io.headers import RAW_PREFIX, Matcher, clean_name, map_columns
from tagkit.io.readers import FORMATS, ROW, RawFile, read_csv, read_parquet, read_xlsx
from tagkit.params import IOParams

logger = logging.getLogger(__name__)

FILE = "_file"


@dataclass
class Dataset:
    """The input tables of one data folder, typed to the contract, not yet collected.

    ``tables`` and ``sources`` have one entry per table found; ``missing``
    lists the optional tables that were absent. Paths in ``_file``,
    ``encodings`` and ``header_rows`` are relative to ``data_dir``.
    Transcoded copies of GBK/GB18030 files live in ``workdir`` until
    :meth:`close` (or interpreter exit), since the lazy frames read them.
    """

    data_dir: Path
    tables: dict[str, pl.LazyFrame]
    sources: dict[str, list[Path]]  # table -> files read, in read order
    missing: list[str]  # optional tables not found
    encodings: dict[str, str]  # csv file (as in _file) -> encoding detected or forced
    header_rows: dict[str, int] = field(default_factory=dict)  # xlsx file -> 0-based sheet row of header
    absent_columns: dict[str, list[str]] = field(default_factory=dict)  # table -> optional columns in no file
    ignored: list[Path] = field(default_factory=list)  # entries skipped as not tables
    notes: list[str] = field(default_factory=list)  # non-blocking remarks for the validation report
    workdir: Path | None = None

    def raw_columns(self, table: str) -> list[str]:
        """Contract columns of ``table`` that were parsed from text (and so have ``_raw_<column>``)."""
        names = self.tables[table].collect_schema().names()
        return [n.removeprefix(RAW_PREFIX) for n in names if n.startswith(RAW_PREFIX)]

    def close(self) -> None:
        """Remove the transcoded copies; the table frames cannot be collected afterwards."""
        if self.workdir is not None:
            remove_workdir(self.workdir)
            self.workdir = None

    def __enter__(self) -> Dataset:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _alias_problems(io: IOParams) -> list[str]:
    problems = []
    for table, aliases in io.aliases.items():
        if table not in TABLES:
            problems.append(
                f"params io.aliases: table '{table}' must be one of {', '.join(TABLES)}; got '{table}'. "
                "Fix the table name in params/io.yaml or your --params file."
            )
            continue
        for source, target in aliases.items():
            if target not in TABLES[table].column_names:
                problems.append(
                    f"params io.aliases.{table}: '{source}' must map to a column of {table} "
                    f"({', '.join(TABLES[table].column_names)}); got '{target}'. Fix the spelling."
                )
    return problems


@dataclass
class _Loader:
    data_dir: Path
    io: IOParams
    workdir: Path
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    encodings: dict[str, str] = field(default_factory=dict)
    header_rows: dict[str, int] = field(default_factory=dict)

    def rel(self, path: Path) -> str:
        # a table given from outside the data folder (tagkit run --actions DIR) is named by its full path
        return path.relative_to(self.data_dir).as_posix() if path.is_relative_to(self.data_dir) else path.as_posix()

    def read(self, path: Path, matcher: Matcher) -> RawFile:
        display = str(path)
        fmt = FORMATS[split_name(path.name)[1]]
        if fmt == "csv":
            raw = read_csv(
                path, display=display, table=matcher.table, encoding=self.io.encoding, workdir=self.workdir
            )
            self.encodings[self.rel(path)] = raw.encoding or ""
        elif fmt == "parquet":
            raw = read_parquet(path, display=display, table=matcher.table)
        else:
            raw = read_xlsx(path, display=display, matcher=matcher, header_row=self.io.xlsx_header_row)
            self.header_rows[self.rel(path)] = raw.header_row or 0
        return raw

    def load_file(
        self, path: Path, table: Table, matcher: Matcher, partitions: dict[str, str | None]
    ) -> tuple[pl.LazyFrame, set[str]] | None:
        """One file as a coerced frame plus the contract columns it had; None after a problem."""
        try:
            raw = self.read(path, matcher)
        except InputError as exc:
            self.problems.append(str(exc))
            return None
        except OSError as exc:
            self.problems.append(
                f"{path}: file must be readable; got '{exc.strerror or exc}'. Check that it exists, that you "
                "may read it, and that no other program holds it open."
            )
            return None
        frame, columns = raw.frame, list(raw.columns)
        present = {clean_name(c).casefold() for c in columns}
        extra_parts = {k: v for k, v in partitions.items() if clean_name(k).casefold() not in present}
        if extra_parts:
            frame = frame.with_columns(pl.lit(v, dtype=pl.String).alias(k) for k, v in extra_parts.items())
            columns += list(extra_parts)
        hint = ""
        if raw.header_row is not None:
            hint = (
                f" The header was taken from sheet row {raw.header_row + 1}; if it is elsewhere, "
                "set io.xlsx_header_row (0-based)."
            )
        mapping = map_columns(columns, matcher, file=str(path), missing_hint=hint)
        self.notes.extend(mapping.notes)
        if mapping.problems:
            self.problems.extend(mapping.problems)
            return None
        frame, raws = coerce_frame(frame.rename(mapping.renames), table, excel_serials=raw.format == "xlsx")
        extras = [mapping.renames[c] for c in columns if mapping.renames[c] not in table.column_names]
        frame = frame.select(
            *[c for c in table.column_names if c in mapping.matched],
            *extras,
            *raws,
            pl.lit(self.rel(path), dtype=pl.String).alias(FILE),
            pl.col(ROW).cast(pl.Int64),
        )
        return frame, set(mapping.matched)

    def load_table(self, table: Table, entry: Path) -> tuple[pl.LazyFrame, list[Path], list[str]] | None:
        if entry.is_dir():
            files, ignored = folder_files(entry)
            for path in ignored:
                self.notes.append(f"{path}: ignored, not a {', '.join(FORMATS)} file.")
            if not files:
                self.problems.append(
                    f"{entry}: folder of the {table.name} table must hold .csv, .parquet or .xlsx files; got none. "
                    f"Put the {table.name} files in it, or remove the folder."
                )
                return None
            twice = _same_file_twice(files)
            if twice:
                self.problems.append(
                    f"{entry}: {', '.join(twice)} hold the same part of the {table.name} table in two formats, "
                    "so its rows would count twice. Keep the one you filled in or exported last: move the other "
                    "out, or rename it with a leading '_' so tagkit ignores it.")
                return None
        else:
            files = [entry]
        matcher = Matcher(table, self.io.aliases.get(table.name, {}))
        frames, seen = [], set()
        for path in files:
            parts = partition_values(entry, path) if entry.is_dir() else {}
            loaded = self.load_file(path, table, matcher, parts)
            if loaded is not None:
                frames.append(loaded[0])
                seen |= loaded[1]
        if len(frames) < len(files):
            return None
        absent = [c.name for c in table.columns if not c.required and c.name not in seen]
        return _combine(frames, table), files, absent


def _same_file_twice(files: list[Path]) -> list[str]:
    """Files of one folder named alike but for the format (``东北.csv`` and ``东北.xlsx``), as ``a and b``."""
    by_stem: dict[Path, list[Path]] = {}
    for path in files:
        by_stem.setdefault(path.parent / split_name(path.name)[0], []).append(path)
    return [" and ".join(p.name for p in paths) for paths in by_stem.values() if len(paths) > 1]


def _combine(frames: list[pl.LazyFrame], table: Table) -> pl.LazyFrame:
    """Stack the files of one table: contract columns, extras, raws, then ``_file``, ``_row``."""
    if len(frames) == 1:
        return frames[0]
    # an extra column typed differently by different files (text in csv, dates in parquet) is kept as text
    dtypes: dict[str, set[pl.DataType]] = {}
    for frame in frames:
        for name, dtype in frame.collect_schema().items():
            dtypes.setdefault(name, set()).add(dtype)
    mixed = [n for n, kinds in dtypes.items() if len(kinds) > 1 and n not in table.column_names]
    if mixed:
        frames = [f.with_columns(pl.col(n).cast(pl.String) for n in mixed if n in f.collect_schema()) for f in frames]
    stacked = pl.concat(frames, how="diagonal_relaxed")
    names = stacked.collect_schema().names()
    contract = [c for c in table.column_names if c in names]
    raws = [f"{RAW_PREFIX}{c}" for c in contract if f"{RAW_PREFIX}{c}" in names]
    extras = [n for n in names if n not in contract and n not in raws and n not in (FILE, ROW)]
    return stacked.select(*contract, *extras, *raws, FILE, ROW)


def load_dataset(data_dir: Path, *, io: IOParams, actions_dir: Path | None = None) -> Dataset:
    """Find, read and type every contract table of ``data_dir``.

    Raises :class:`ValidationBlocked` listing every blocking problem at once:
    a missing folder or required table, a file named like a table with an
    unknown extension, two sources for one table, an unreadable or empty file,
    a missing required column. Values that do not parse do not block: they
    become null with their text kept in ``_raw_<column>`` (see
    :mod:`tagkit.io.coerce`), for validation to set those rows aside.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        what = "is a file, not a folder" if data_dir.exists() else "does not exist"
        raise ValidationBlocked([
            f"{data_dir}: data folder must exist and hold the input tables; got a path that {what}. "
            "Check the path given to tagkit (--data) or create the folder."
        ])
    found = discover(data_dir)
    problems = _alias_problems(io) + found.problems
    if actions_dir is not None:
        # last quarter's filled-in action lists, kept apart from the data (tagkit run --actions DIR)
        if not Path(actions_dir).is_dir():
            problems.append(f"{actions_dir}: --actions must be a folder holding the filled-in action lists "
                            "(<region>.xlsx or .csv, as a run's actions/ folder has them); it is not a folder.")
        else:
            found.entries.setdefault("actions", []).append(Path(actions_dir))
    loader = _Loader(data_dir, io, make_workdir())
    tables: dict[str, pl.LazyFrame] = {}
    sources: dict[str, list[Path]] = {}
    absent: dict[str, list[str]] = {}
    missing: list[str] = []
    for name, table in TABLES.items():
        entries = found.entries.get(name, [])
        if len(entries) > 1:
            listed = ", ".join(e.name + ("/" if e.is_dir() else "") for e in entries)
            problems.append(
                f"{data_dir}: table '{name}' must come from one file or folder; got {len(entries)} ({listed}). "
                "Keep one: move the others out, or rename them with a leading '_' so tagkit ignores them."
            )
            continue
        if not entries:
            if table.required:
                problems.append(
                    f"{data_dir}: table '{name}' must be present (required); got no {name}.csv, "
                    f"{name}.parquet, {name}.xlsx or {name}/ folder. Add it (see docs/data.md)."
                )
            elif name not in RETURNED_TABLES:  # no list sent back is the normal case, not a missing table
                missing.append(name)
            continue
        loaded = loader.load_table(table, entries[0])
        if loaded is not None:
            tables[name], sources[name], absent[name] = loaded
    problems += loader.problems
    if problems:
        remove_workdir(loader.workdir)
        raise ValidationBlocked(problems)
    for note in loader.notes:
        logger.warning("%s", note)
    logger.info(
        "loaded %s from %s (missing optional: %s)",
        ", ".join(f"{t} ({len(s)} file(s))" for t, s in sources.items()),
        data_dir,
        ", ".join(missing) or "none",
    )
    return Dataset(
        data_dir=data_dir,
        tables=tables,
        sources=sources,
        missing=missing,
        encodings=loader.encodings,
        header_rows=loader.header_rows,
        absent_columns=absent,
        ignored=found.ignored,
        notes=loader.notes,
        workdir=loader.workdir,
    )
