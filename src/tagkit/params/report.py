"""``params/report.yaml``: how reports read."""
from __future__ import annotations

from typing import Annotated

from pydantic import Field

from tagkit.lang import Lang
from tagkit.params.types import _Frozen


class ReportParams(_Frozen):
    """How reports read (units in params/report.yaml)."""

    language: Lang
    max_customers_listed: Annotated[int, Field(gt=0)]
    max_customers_printed: Annotated[int, Field(gt=0)]
    max_chart_customers: Annotated[int, Field(gt=0, le=100)]
    max_map_points: Annotated[int, Field(gt=0)]
    region_names: dict[Lang, dict[str, str]]
    currency: dict[Lang, Annotated[str, Field(min_length=1)]]

    def region_name(self, region: str) -> str:
        """``region`` as this language's pages call it (``region_names``); the data's name otherwise."""
        return self.region_names.get(self.language, {}).get(region, region)
