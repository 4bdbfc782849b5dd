"""The two languages a run writes its words in: one alias for every module that takes a language.

At the bottom of the layers (beside :mod:`tagkit.currency`), so the report, the charts, the prescription
and the backtest all name the same type.
"""
from __future__ import annotations

from typing import Literal

Lang = Literal["zh", "en"]
LANGUAGES: tuple[Lang, ...] = ("zh", "en")  # the order runs write them in
