"""CSV text encodings: cheap detection, and transcoding to the UTF-8 polars reads.

Chinese Excel exports are often GBK (a subset of GB18030); polars' CSV reader
only reads UTF-8 and replaces undecodable bytes silently, so the encoding must
be right before polars sees the file. Detection samples a few windows of the
file (start, middle, end) instead of reading it all: GBK text is practically
never valid UTF-8, so one invalid window is enough to tell.
"""
from __future__ import annotations

import atexit
import codecs
import logging
import shutil
import tempfile
from pathlib import Path

from tagkit.errors import InputError

logger = logging.getLogger(__name__)

SAMPLE_BYTES = 64 * 1024
CHUNK_BYTES = 1024 * 1024
# What polars reads directly (it strips a UTF-8 BOM itself); anything else is transcoded.
NATIVE = frozenset({"utf-8", "utf-8-sig"})

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_SAVE_AS_UTF8 = "In Excel use Save As → 'CSV UTF-8 (Comma delimited)', or set io.encoding in your params file"


def _windows(path: Path, size: int) -> list[tuple[bytes, bool]]:
    """The byte windows to test, each with whether it starts at byte 0."""
    with path.open("rb") as fh:
        head = fh.read(SAMPLE_BYTES)
        windows = [(head, True)]
        if size > SAMPLE_BYTES:
            for offset in sorted({size // 2, max(size - SAMPLE_BYTES, SAMPLE_BYTES)}):
                fh.seek(offset)
                windows.append((fh.read(SAMPLE_BYTES), False))
    return windows


def _decodes(chunk: bytes, codec: str, *, at_start: bool) -> bool:
    """Whether ``chunk`` is valid ``codec`` text, forgiving a character cut at either edge."""
    if not at_start and codec == "utf-8":
        # a window opened mid-character starts with up to 3 continuation bytes (10xxxxxx)
        skip = 0
        while skip < 3 and skip < len(chunk) and chunk[skip] & 0xC0 == 0x80:
            skip += 1
        chunk = chunk[skip:]
    decoder = codecs.getincrementaldecoder(codec)("strict")
    try:
        # final=False: an incomplete sequence at the end is a cut, not an error
        decoder.decode(chunk, final=False)
    except UnicodeDecodeError:
        return False
    return True


def looks_like_utf8(path: Path) -> bool:
    """Whether every sampled window of ``path`` is valid UTF-8."""
    size = path.stat().st_size
    return all(_decodes(chunk, "utf-8", at_start=start) for chunk, start in _windows(path, size))


def detect_encoding(path: Path, *, display: str | None = None) -> str:
    """The encoding of a CSV file: ``"utf-8-sig"``, ``"utf-8"`` or ``"gb18030"``.

    GBK files are reported as ``"gb18030"``, its superset, which decodes them
    identically. Raises :class:`InputError` for UTF-16 (Excel's "Unicode text")
    and for bytes that are neither UTF-8 nor GB18030.

    >>> detect_encoding(Path("orders.csv"))     # doctest: +SKIP
    'gb18030'
    """
    name = display or str(path)
    size = path.stat().st_size
    windows = _windows(path, size)
    head = windows[0][0]
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith(_UTF16_BOMS):
        raise InputError(
            f"{name}: file must be CSV in UTF-8 or GBK/GB18030; got UTF-16 text "
            "(Excel's 'Unicode text' export, which io.encoding cannot read). In Excel use Save As → "
            "'CSV UTF-8 (Comma delimited)'."
        )
    if all(_decodes(chunk, "utf-8", at_start=start) for chunk, start in windows):
        return "utf-8"
    if all(_decodes(chunk, "gb18030", at_start=start) for chunk, start in windows[:1]):
        return "gb18030"
    raise InputError(
        f"{name}: file must be CSV in UTF-8 or GBK/GB18030; got bytes that are neither. "
        f"{_SAVE_AS_UTF8}."
    )


def transcode_to_utf8(path: Path, encoding: str, dest: Path, *, display: str | None = None) -> Path:
    """Stream ``path`` from ``encoding`` into a UTF-8 file ``dest``; returns ``dest``.

    Decoding is strict: a byte sequence that is not valid ``encoding`` raises
    :class:`InputError` naming the line, rather than turning into garbage.
    """
    name = display or str(path)
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    lines_before = 0
    with path.open("rb") as src, dest.open("w", encoding="utf-8", newline="") as out:
        while True:
            chunk = src.read(CHUNK_BYTES)
            final = not chunk
            try:
                out.write(decoder.decode(chunk, final=final))
            except UnicodeDecodeError as exc:
                line = lines_before + chunk[: exc.start].count(b"\n") + 1
                raise InputError(
                    f"{name}: file must be valid {encoding} text (set by io.encoding or detected); "
                    f"got an undecodable byte sequence on line {line}. Set io.encoding to the file's "
                    f"real encoding (or auto), or re-export it: {_SAVE_AS_UTF8}."
                ) from exc
            if final:
                break
            lines_before += chunk.count(b"\n")
    logger.debug("transcoded %s from %s to %s", name, encoding, dest)
    return dest


_WORKDIRS: list[Path] = []


def make_workdir() -> Path:
    """A private temporary folder for transcoded files, removed at interpreter exit.

    Lazy frames read these files whenever they are collected, so the folder must
    outlive any one function; :func:`remove_workdir` frees it earlier.
    """
    path = Path(tempfile.mkdtemp(prefix="tagkit-io-"))
    _WORKDIRS.append(path)
    return path


def remove_workdir(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
    if path in _WORKDIRS:
        _WORKDIRS.remove(path)


@atexit.register
def _remove_all_workdirs() -> None:
    for path in list(_WORKDIRS):
        remove_workdir(path)
