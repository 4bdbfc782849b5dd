"""``params/validation.yaml``: what validation treats as blocking and what it sets aside."""
from __future__ import annotations

from pydantic import field_validator

from tagkit.contract import TABLES
from tagkit.params.types import Share, _Frozen


class ValidationParams(_Frozen):
    """What validation treats as blocking and what it sets aside."""

    max_null_rate: dict[str, Share]  # "table.column" -> highest acceptable null rate (warning above)
    max_discount: Share
    # table -> highest share of its rows that may be set aside before the run stops; "default" for the others
    max_quarantine_share: dict[str, Share]

    @field_validator("max_quarantine_share")
    @classmethod
    def _tables_or_default(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - {"default", *TABLES})
        if unknown:
            raise ValueError(f"keys must be 'default' or a table ({', '.join(TABLES)}); unknown: {', '.join(unknown)}")
        if "default" not in value:
            raise ValueError("needs a 'default' share (0..1) for the tables not named")
        return value

    def quarantine_limit(self, table: str) -> float:
        """The highest share of ``table``'s rows that may be set aside (above it the run stops)."""
        return self.max_quarantine_share.get(table, self.max_quarantine_share["default"])

    @field_validator("max_null_rate")
    @classmethod
    def _optional_contract_columns(cls, value: dict[str, float]) -> dict[str, float]:
        # a misspelt key would silently check nothing; required columns are checked row by row
        known = {f"{t.name}.{c.name}" for t in TABLES.values() for c in t.columns if not c.required}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(
                f"keys must be 'table.column' of an optional contract column; unknown: {', '.join(unknown)}"
            )
        return value
