"""Where the tagkit project is: the checkout holding ``params/``, ``pipelines/`` and ``notebooks/``.

Not a params concern (the runner, the steps and the tests look for the notebooks and pipelines here too),
so a module of its own at the bottom of the layers.
"""
from __future__ import annotations

from pathlib import Path

from tagkit.errors import UsageError


def project_root(start: Path | None = None) -> Path:
    """The folder holding ``params/``, ``pipelines/`` and ``notebooks/``: cwd or an ancestor.

    Falls back to the checkout this package was installed from (editable installs).
    """
    candidates = [start or Path.cwd(), *(start or Path.cwd()).parents, Path(__file__).resolve().parents[2]]
    for here in candidates:
        if (here / "params").is_dir() and (here / "pipelines").is_dir():
            return here
    raise UsageError(
        f"{start or Path.cwd()}: no tagkit project found (a folder with params/ and pipelines/). "
        "Run tagkit from the project checkout (cd into it first, as cron jobs must)."
    )
