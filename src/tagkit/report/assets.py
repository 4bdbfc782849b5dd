"""Vega, Vega-Lite and vega-embed as one inline script, so reports open offline.

The bundle comes from the ``vl-convert-python`` wheel (no network), is built
once per process, and is included once per HTML file, not once per chart.
"""
from __future__ import annotations

import functools
import json

import vl_convert


@functools.cache
def vega_bundle() -> str:
    """The JavaScript that defines ``window.vegaEmbed`` (about 900 KB)."""
    return vl_convert.javascript_bundle()


def script_json(value: object) -> str:
    """JSON safe to place inside a ``<script>`` element (no ``</script>`` break-out)."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")
