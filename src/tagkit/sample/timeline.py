"""The sample's timeline: the visible quarters, ending with the end quarter, and the outcome quarter after them.

The generator makes one quarter more than it shows, so that a warning given as of
the end quarter can be checked against what the customer bought next; every
per-quarter array of the plan (:mod:`tagkit.sample.population`) has a column for
it, and only :mod:`tagkit.sample.generate` decides what is written where.
Days are epoch days (int64), the form the event generators compute in.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from tagkit.quarters import quarter_end, quarter_start, shift_quarter

EPOCH = dt.date(1970, 1, 1)


def to_day(day: dt.date) -> int:
    return (day - EPOCH).days


@dataclass(frozen=True)
class Calendar:
    """The generated quarters as epoch-day bounds: the ``visible`` quarters a run sees, then the outcome quarter.

    The outcome quarter (the one after the end quarter) is generated for the truth only
    (``_truth/next_quarter/``): the planted stories carry on into it, so that a warning given as of
    the end quarter can be checked against what the customer bought next. ``as_of``, the last day of
    the last visible quarter, is the last day of the visible data.
    """

    quarters: tuple[str, ...]  # the visible quarters, then the outcome quarter
    starts: np.ndarray
    ends: np.ndarray
    quarter_of_year: np.ndarray
    visible: int

    @classmethod
    def ending(cls, end_quarter: str, quarters: int) -> Calendar:
        labels = tuple(shift_quarter(end_quarter, i - quarters + 1) for i in range(quarters + 1))
        return cls(
            quarters=labels,
            starts=np.array([to_day(quarter_start(q)) for q in labels], dtype=np.int64),
            ends=np.array([to_day(quarter_end(q)) for q in labels], dtype=np.int64),
            quarter_of_year=np.array([int(q[-1]) for q in labels], dtype=np.int64),
            visible=quarters,
        )

    @property
    def last(self) -> int:
        """Index of the last visible quarter (the end quarter)."""
        return self.visible - 1

    @property
    def outcome(self) -> int:
        """Index of the outcome quarter."""
        return self.visible

    @property
    def as_of(self) -> int:
        return int(self.ends[self.last])

    @property
    def visible_quarters(self) -> tuple[str, ...]:
        return self.quarters[: self.visible]
