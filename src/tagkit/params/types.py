"""The types every params section is built from: frozen models, bounded numbers, bands, bilingual text."""
from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Share = Annotated[float, Field(ge=0, le=1)]
Score = Annotated[float, Field(ge=0, le=100)]


class Band(_Frozen):
    """A tag threshold with hysteresis: ``enter`` to gain the tag, ``exit`` to lose it again.

    For a lower bound (``min_*``) ``exit`` must be at or below ``enter``; for an upper bound
    (``max_*``) at or above it, so that a customer once tagged keeps the tag in the band between.
    """

    enter: float
    exit: float


def _lower_bound(band: Band) -> Band:
    if band.exit > band.enter:
        raise ValueError(f"exit ({band.exit}) must be at or below enter ({band.enter}) for a minimum")
    return band


def _upper_bound(band: Band) -> Band:
    if band.exit < band.enter:
        raise ValueError(f"exit ({band.exit}) must be at or above enter ({band.enter}) for a maximum")
    return band


MinBand = Annotated[Band, AfterValidator(_lower_bound)]
MaxBand = Annotated[Band, AfterValidator(_upper_bound)]
Weight = Annotated[float, Field(ge=0)]
Quarters = Annotated[int, Field(ge=1, le=16)]
Days = Annotated[int, Field(ge=0)]
Money = Annotated[float, Field(ge=0)]
PerMonth = Annotated[float, Field(ge=0)]


class ReasonText(_Frozen):
    """One reason sentence in both languages; ``{name}`` placeholders are filled with the customer's figures."""

    zh: str
    en: str
