"""Sample data for demos, notebooks and tests: see :mod:`tagkit.sample`.

>>> from tagkit.sample_data import generate_sample   # doctest: +SKIP
"""
from __future__ import annotations

from tagkit.sample import generate_sample

__all__ = ["generate_sample"]
