"""What every page carries inline, so it opens offline: Vega, the page script, the stylesheet.

The Vega bundle comes from the ``vl-convert-python`` wheel (no network), is read once per
process and is included once per HTML file, not once per chart.
"""
from __future__ import annotations

import functools
import json
from importlib import resources

import vl_convert


@functools.cache
def vega_bundle() -> str:
    """The JavaScript that defines ``window.vegaEmbed`` (about 900 KB)."""
    # a bundle holding "</script" would end the inline element early; it never has, but fail loudly if so
    js = vl_convert.javascript_bundle()
    if "</script" in js.lower():
        raise RuntimeError("the Vega bundle contains '</script' and cannot be inlined")
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
