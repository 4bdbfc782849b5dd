"""Last quarter's filled-in action lists, matched to the list that was published.

The rows come validated (the ``actions`` table: a status outside the four, a customer that does not
exist, a required cell left empty are set aside there, like any input's rows). Here each row is matched
to last quarter's published list (``OUT/<last quarter>/actions.parquet``) by ``action_id``, and set aside
with a reason when it cannot be:

- ``unknown_action_id``: no published action has that id (typed over, or a list of another quarter);
- ``action_id_mismatch``: the id is published, but for another customer or action (a row edited across);
- ``duplicate_action_id``: the id came back before (a row pasted twice; the first in file order counts).

Every published action gets a status: the one returned, or ``no_response`` where no row came back.
Rows returned = rows matched + rows set aside here (+ those validation set aside, counted there).
"""
from __future__ import annotations

from dataclasses import dataclass

import polars as pl

NO_RESPONSE = "no_response"
SET_ASIDE_REASONS = ("unknown_action_id", "action_id_mismatch", "duplicate_action_id")


@dataclass(frozen=True)
class Returns:
    """``statuses``: every published action with ``status`` and ``note`` as returned (``no_response``
    where none was); ``returned``: every returned row with ``set_aside`` (a reason, or null when matched)."""

    statuses: pl.DataFrame
    returned: pl.DataFrame

    @property
    def set_aside(self) -> pl.DataFrame:
        return self.returned.filter(pl.col("set_aside").is_not_null())

    def counts(self) -> dict[str, int]:
        by_reason = dict(self.set_aside.group_by("set_aside").len().iter_rows())
        return {"published": self.statuses.height, "returned": self.returned.height,
                "matched": self.returned.height - self.set_aside.height,
                **{r: int(by_reason.get(r, 0)) for r in SET_ASIDE_REASONS},
                NO_RESPONSE: self.statuses.filter(pl.col("status") == NO_RESPONSE).height}


def match_returns(returned: pl.DataFrame, published: pl.DataFrame) -> Returns:
    """Match validated returned rows (``action_id, customer_id, action_code, status, note, _file, _row``)
    to the published list (``actions.parquet`` of that quarter)."""
    known = published.select("action_id", pub_customer="customer_id", pub_code="action_code")
    rows = (
        returned.sort("_file", "_row")
        .join(known, on="action_id", how="left", maintain_order="left")
        .with_columns(
            set_aside=pl.when(pl.col("pub_customer").is_null()).then(pl.lit("unknown_action_id"))
            .when((pl.col("pub_customer") != pl.col("customer_id")) | (pl.col("pub_code") != pl.col("action_code")))
            .then(pl.lit("action_id_mismatch"))
            .when(pl.int_range(pl.len()).over("action_id") > 0).then(pl.lit("duplicate_action_id"))
        )
        .drop("pub_customer", "pub_code")
    )
    matched = rows.filter(pl.col("set_aside").is_null()).select(
        "action_id", returned_status="status", returned_note="note")
    statuses = (
        published.join(matched, on="action_id", how="left", maintain_order="left")
        .with_columns(status=pl.coalesce("returned_status", pl.lit(NO_RESPONSE)), note=pl.col("returned_note"))
        .drop("returned_status", "returned_note")
    )
    return Returns(statuses=statuses, returned=rows)
