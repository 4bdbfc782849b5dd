"""What every page carries inline, so it opens offline: Vega, the page script, the stylesheet.

The Vega bundle comes from the ``vl-convert-python`` wheel (no network) and is included once
per HTML file, not once per chart. Building it costs over a second, and every region report
runs in its own kernel, so it is kept on disk (:func:`bundle_cache_path`) as well as in memory.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import tempfile
from importlib import metadata, resources
from pathlib import Path

import vl_convert

logger = logging.getLogger(__name__)

CACHE_DIR_ENV = "TAGKIT_CACHE_DIR"

# the call that makes the bundle; changing it (say, pinning vl_version) must change the cache file
_BUNDLE_FUNCTION = vl_convert.javascript_bundle
_BUNDLE_ARGS: dict[str, str] = {}


def cache_dir() -> Path:
    """Where tagkit keeps what it can rebuild: ``$TAGKIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/tagkit``,
    else ``~/.cache/tagkit``. The folder may not exist yet."""
    if explicit := os.environ.get(CACHE_DIR_ENV):
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    # the XDG spec says a relative value is invalid and must be ignored
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "tagkit"


def bundle_cache_path() -> Path | None:
    """The cache file of the Vega bundle: named by the vl-convert-python version and the bundle call,
    so an upgrade or a different call never serves an old bundle. None when the version is unknown."""
    try:
        version = metadata.version("vl-convert-python")
    except metadata.PackageNotFoundError:
        return None
    identity = f"{_BUNDLE_FUNCTION.__module__}.{_BUNDLE_FUNCTION.__qualname__}({sorted(_BUNDLE_ARGS.items())})"
    digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:12]
    return cache_dir() / f"vega-bundle-{version}-{digest}.js"


def _inlinable(js: str) -> bool:
    # a bundle holding "</script" would end the inline element early
    return bool(js) and "</script" not in js.lower()


def _read_cached(path: Path) -> str | None:
    try:
        js = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        logger.debug("cannot read the Vega bundle cache %s (%s); rebuilding it", path, exc)
        return None
    if not _inlinable(js):
        logger.debug("the Vega bundle cache %s is empty or damaged; rebuilding it", path)
        return None
    return js


def _write_cached(path: Path, js: str) -> None:
    """Write through a temporary file in the same folder and ``os.replace``, so a kernel running in
    parallel reads either no file or a whole one; an unwritable folder only costs the speed-up."""
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
        os.fchmod(fd, 0o644)  # mkstemp makes it private; the bundle is public JavaScript
        with os.fdopen(fd, "wb") as f:
            f.write(js.encode("utf-8"))
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        logger.debug("cannot write the Vega bundle cache %s (%s); the bundle is rebuilt in each process", path, exc)
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


@functools.cache
def vega_bundle() -> str:
    """The JavaScript that defines ``window.vegaEmbed`` (about 900 KB), from the disk cache when it holds it."""
    path = bundle_cache_path()
    if path is not None and (cached := _read_cached(path)) is not None:
        return cached
    js = _BUNDLE_FUNCTION(**_BUNDLE_ARGS)
    if not _inlinable(js):
        raise RuntimeError("the Vega bundle of vl-convert-python is empty or contains '</script' and cannot be "
                           "inlined; install another vl-convert-python version")
    if path is not None:
        _write_cached(path, js)
    return js


@functools.cache
def static_text(name: str) -> str:
    """A file of ``tagkit/report/static/`` (the page's own script and stylesheet)."""
    return resources.files("tagkit.report").joinpath("static", name).read_text(encoding="utf-8")


def script_json(value: object) -> str:
    """JSON safe to place inside ``<script type="application/json">``.

    ``<``, ``>`` and ``&`` are written as ``\\u003c`` … so no value from the data — a customer
    called ``</script><script>…`` — can end the element or open a comment; ``JSON.parse``
    reads them back unchanged. U+2028/2029 are escaped too, for older parsers.
    """
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return text
