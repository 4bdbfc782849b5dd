"""tagkit — tag regional customers as benchmark, nail or at-risk, and say what to do.

The package holds all shared logic; the notebooks in ``notebooks/`` are thin
calls into it, and ``tagkit run`` (see :mod:`tagkit.cli`) chains them.
"""
from __future__ import annotations

__version__ = "0.1.0"
