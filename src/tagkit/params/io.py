"""``params/io.yaml``: how input files are read."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from tagkit.params.types import _Frozen


class IOParams(_Frozen):
    """How input files are read."""

    encoding: Literal["auto", "utf-8", "utf-8-sig", "gbk", "gb18030"]
    aliases: dict[str, dict[str, str]]  # table -> {source column: contract column}
    xlsx_header_row: Annotated[int, Field(ge=0)] | None  # None: find the header row
