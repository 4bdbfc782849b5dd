"""The failure page of a region whose report notebook raised: the executed notebook as offline HTML.

When a region's notebook fails, papermill keeps the executed notebook with a top note linking to
an anchor, ``#papermill-error-cell``, that it puts just before the failing cell. This module turns
that notebook into ``<same stem>.html`` beside it, a single file that opens offline like the
reports, and sums the failure up in a line for the index.

>>> page = write_failure_page(run_dir / "notebooks" / "03_region_report-华北.ipynb")  # doctest: +SKIP
>>> failure_summary(run_dir / "notebooks" / "03_region_report-华北.ipynb")           # doctest: +SKIP
{'cell': 4, 'ename': 'ValueError', 'evalue': "column 'tag' ..."}

nbconvert and nbformat are imported inside the functions: a region kernel imports
``tagkit.report`` and should not pay for them.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from tagkit.errors import InputError

logger = logging.getLogger(__name__)

FAILURE_ANCHOR = "papermill-error-cell"

# no request of any kind and no script: the page is the notebook's text, styles and embedded images
FAILURE_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
               "form-action 'none'; base-uri 'none'")

TEMPLATES = Path(__file__).parent / "templates" / "nbconvert"

# attributes that make a browser fetch (or, for href, lead to) another address
URL_ATTRIBUTES = ("src", "href", "srcset", "poster", "action", "formaction", "data", "xlink:href")
REMOTE = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _require_notebook(executed_notebook: Path) -> Path:
    path = Path(executed_notebook)
    if not path.is_file():
        raise InputError(f"{path}: no executed notebook there. The runner keeps it under <run>/notebooks/ when a "
                         "region's report fails; run the report step again to produce it.")
    return path


def write_failure_page(executed_notebook: Path) -> Path:
    """Write the executed notebook as a self-contained HTML page beside it (same stem, ``.html``).

    The page loads nothing from the network (no require.js, MathJax, Mermaid or widget scripts, and
    any remote ``src``/``href`` of the notebook's outputs is disarmed, kept as ``data-remote-url``);
    a Content-Security-Policy forbids scripts and requests besides. ``page.html#papermill-error-cell``
    opens at the failing cell.
    """
    from nbconvert import HTMLExporter

    path = _require_notebook(executed_notebook)
    # the template drops the blocks that use these URLs; emptied too, so no other block can name a CDN
    no_cdn = dict.fromkeys(("mathjax_url", "require_js_url", "jquery_url", "mermaid_js_url",
                            "mermaid_layout_elk_js_url", "widget_renderer_url", "jupyter_widgets_base_url"), "")
    exporter = HTMLExporter(template_name="lab", extra_template_paths=[str(TEMPLATES)],
                            template_file="failure_page.html.j2", embed_images=True, **no_cdn)
    html, _ = exporter.from_filename(str(path), resources={"tagkit_csp": FAILURE_CSP})
    page = path.with_suffix(".html")
    page.write_text(disarm_remote_urls(html), encoding="utf-8")
    if f'id="{FAILURE_ANCHOR}"' not in html:
        logger.warning("%s: no '%s' anchor (not a notebook papermill stopped on an error); the page opens at the top",
                       path, FAILURE_ANCHOR)
    return page


def disarm_remote_urls(html: str) -> str:
    """``html`` with every attribute that points at a network address renamed ``data-remote-url``.

    Only attributes are touched, never text, so a cell whose code mentions a URL still shows it.
    """
    from bs4 import BeautifulSoup  # nbconvert's own dependency; it already parsed this page once

    soup = BeautifulSoup(html, features="html.parser")
    changed = 0
    for tag in soup.find_all(True):
        for name in [a for a in tag.attrs if a.lower() in URL_ATTRIBUTES]:
            value = tag.attrs[name]
            value = " ".join(value) if isinstance(value, list) else str(value)
            if REMOTE.match(value) or any(REMOTE.match(part) for part in value.split(",")):
                del tag.attrs[name]
                tag.attrs["data-remote-url"] = value
                changed += 1
    return str(soup) if changed else html


def failure_summary(executed_notebook: Path) -> dict[str, Any]:
    """What failed, for the index: ``cell`` (the failing cell's ``In [n]`` number, as papermill shows it),
    ``ename`` and the first line of ``evalue``.

    The failing cell is found as papermill finds it: the first error output (a ``SystemExit`` of 0
    is not one), else the first cell papermill marked with an exception. A notebook with neither
    gives ``None`` for all three.
    """
    import nbformat

    path = _require_notebook(executed_notebook)
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:
        raise InputError(f"{path}: not a readable notebook ({exc}). The run's executed notebooks are written by "
                         "papermill; run the report step again to rewrite it.") from exc
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            if output.get("ename") == "SystemExit" and output.get("evalue") in ("", "0"):
                continue
            return {"cell": cell.get("execution_count"), "ename": output.get("ename", ""),
                    "evalue": _first_line(output.get("evalue", ""))}
        if cell.get("metadata", {}).get("papermill", {}).get("exception") is True:
            return {"cell": cell.get("execution_count"), "ename": "CellExecutionError", "evalue": ""}
    logger.warning("%s: no failing cell found", path)
    return {"cell": None, "ename": None, "evalue": None}


def _first_line(text: str) -> str:
    lines = ANSI.sub("", text).strip().splitlines()
    return lines[0].strip() if lines else ""
