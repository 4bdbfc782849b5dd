"""``params/backtest.yaml``: how every run measures its own tags on the company's history."""
from __future__ import annotations

from typing import Annotated

from pydantic import Field

from tagkit.params.types import _Frozen


class BacktestParams(_Frozen):
    """How every run measures its own tags on the company's history (units in params/backtest.yaml)."""

    quarters: Annotated[int, Field(ge=1, le=8)]
    no_order_days: Annotated[int, Field(gt=0)]
