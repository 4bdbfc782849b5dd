"""The input tables of DATA_CONTRACT.md as data: names, types, requirements; the tags; the features table's format.

Everything that needs to know the contract (intake coercion, the Great
Expectations suites, the sample-data generator, tests) reads it from here, so
the contract is written down once.
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

Kind = Literal["string", "float", "int", "date", "bool"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool = False
    allowed: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    required: bool = False
    key: tuple[str, ...] = ()
    # the date column that places a row in time (orders after the quarter end are set aside)
    date_column: str | None = None
    references: dict[str, str] = field(default_factory=dict)  # column -> table it must exist in

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


CHANNELS = ("distributor", "dealer", "retailer", "key_account")
SCOPES = ("national", "provincial", "city", "local")
ROLES = ("rep", "supervisor", "regional_manager")
VISIT_TYPES = ("routine", "supervisor", "manager", "executive")
OUTCOMES = ("positive", "neutral", "negative")
TOPICS = ("product", "price", "delivery", "service", "rep", "payment", "other")
SIGNALS = ("quote", "visit", "promotion", "exclusive_offer", "lost_listing")
# an action's progress as its owner reports it in the returned action list
STATUSES = ("not_started", "in_progress", "done", "declined")

CUSTOMERS = Table(
    "customers",
    (
        Column("customer_id", "string", required=True),
        Column("customer_name", "string", required=True),
        Column("region", "string", required=True),
        Column("rep_id", "string", required=True),
        Column("province", "string"),
        Column("city", "string"),
        Column("channel", "string", allowed=CHANNELS),
        Column("lat", "float", min=-90, max=90),
        Column("lon", "float", min=-180, max=180),
        Column("potential_annual_value", "float", min=0),
        Column("downstream_outlets", "int", min=0),
        Column("influence_scope", "string", allowed=SCOPES),
        Column("referrals", "int", min=0),
        Column("since", "date"),
    ),
    required=True,
    key=("customer_id",),
    references={"rep_id": "reps"},
)

ORDERS = Table(
    "orders",
    (
        Column("order_id", "string", required=True),
        Column("customer_id", "string", required=True),
        Column("order_date", "date", required=True),
        Column("amount", "float", required=True),
        Column("product_line", "string"),
        Column("quantity", "float"),
        Column("discount", "float", min=0, max=1),
    ),
    required=True,
    date_column="order_date",
    references={"customer_id": "customers"},
)

REPS = Table(
    "reps",
    (
        Column("rep_id", "string", required=True),
        Column("rep_name", "string", required=True),
        Column("region", "string", required=True),
        Column("role", "string", allowed=ROLES),
        Column("manager_id", "string"),
    ),
    key=("rep_id",),
    references={"manager_id": "reps"},
)

VISITS = Table(
    "visits",
    (
        Column("customer_id", "string", required=True),
        Column("rep_id", "string", required=True),
        Column("visit_date", "date", required=True),
        Column("visit_type", "string", allowed=VISIT_TYPES),
        Column("outcome", "string", allowed=OUTCOMES),
    ),
    date_column="visit_date",
    references={"customer_id": "customers", "rep_id": "reps"},
)

FEEDBACK = Table(
    "feedback",
    (
        Column("customer_id", "string", required=True),
        Column("feedback_date", "date", required=True),
        Column("satisfaction", "int", min=1, max=5),
        Column("cooperation", "int", min=1, max=5),
        Column("complaint", "bool"),
        Column("complaint_topic", "string", allowed=TOPICS),
    ),
    date_column="feedback_date",
    references={"customer_id": "customers"},
)

COMPETITOR_SIGNALS = Table(
    "competitor_signals",
    (
        Column("customer_id", "string", required=True),
        Column("signal_date", "date", required=True),
        Column("competitor", "string"),
        Column("signal", "string", required=True, allowed=SIGNALS),
    ),
    date_column="signal_date",
    references={"customer_id": "customers"},
)

# Last quarter's action lists as their owners send them back (``actions/<region>.csv`` or ``.xlsx``,
# in the data folder or given with ``tagkit run --actions DIR``). Not keyed here: a duplicated row is set
# aside and counted when the rows are matched to the published list (tagkit.actions.returns), rather than
# stopping the quarter's run as a duplicated customer would.
ACTIONS = Table(
    "actions",
    (
        Column("action_id", "string", required=True),
        Column("customer_id", "string", required=True),
        Column("customer_name", "string"),
        Column("owner_rep_id", "string"),
        Column("action_code", "string", required=True),
        Column("due_date", "date"),
        Column("status", "string", required=True, allowed=STATUSES),
        Column("note", "string"),
    ),
    references={"customer_id": "customers"},
)

TABLES: dict[str, Table] = {
    t.name: t for t in (CUSTOMERS, ORDERS, REPS, VISITS, FEEDBACK, COMPETITOR_SIGNALS, ACTIONS)
}
# tables that come back from people rather than from the company's systems: their absence is the
# normal case (no list returned yet), not a gap in the data, so it is not listed as a missing table
RETURNED_TABLES = frozenset({"actions"})
DATA_TABLES: dict[str, Table] = {name: t for name, t in TABLES.items() if name not in RETURNED_TABLES}
# the tags, in the contract's order (DOMAIN.md); the one list of them, every module reads it from here
TAGS = ("benchmark", "nail", "at_risk", "regular")
# the order pages, charts and tables show the tags in: those that call for action first
TAG_ORDER = ("at_risk", "benchmark", "nail", "regular")
SCORE_COLUMNS = (
    "score_contribution",
    "score_loyalty",
    "score_influence",
    "score_satisfaction",
    "score_cooperation",
    "score_potential",
    "score_risk",
)


# --- the features table (docs/features.md): all the scorer takes from the order lines, one row per customer
# and quarter; tagkit.scoring.order_features makes it, a warehouse or Spark job may too

FEATURES_SCHEMA: dict[str, pl.DataType] = {
    "customer_id": pl.String(),
    "quarter": pl.String(),
    "sales_cents": pl.Int64(),
    "order_days": pl.Int64(),
    "first_order": pl.Date(),
    "last_order": pl.Date(),
    "last_purchase": pl.Date(),
    "product_lines": pl.List(pl.String()),
}
"""The columns every consumer needs (scores, back-test), in this order."""

SPECULATOR_SCHEMA: dict[str, pl.DataType] = {
    "purchase_cents": pl.Int64(),
    "end_purchase_cents": pl.Int64(),
    "end_discount_cents": pl.Int64(),
    "end_discount_weighted": pl.Int64(),
    "other_purchase_days": pl.Int64(),
    "quarter_end_days": pl.Int64(),
}
"""The further columns the prescription's quarter-end speculator needs (made with ``quarter_end_days``)."""

HOW: dict[str, str] = {
    "customer_id": "the customer's id (GROUP BY customer_id)",
    "quarter": "'YYYYQn' of order_date (GROUP BY quarter)",
    "sales_cents": "SUM(ROUND(amount * 100)) as BIGINT",
    "order_days": "COUNT(DISTINCT order_date) as BIGINT",
    "first_order": "MIN(order_date) as DATE",
    "last_order": "MAX(order_date) as DATE",
    "last_purchase": "MAX(order_date) over the lines with amount > 0, as DATE",
    "product_lines": "the distinct non-null product_line values as an array of strings (ARRAY_AGG(DISTINCT ...))",
    "purchase_cents": "SUM(ROUND(amount * 100)) over the lines with amount > 0, as BIGINT",
    "end_purchase_cents": "the same over the quarter's last quarter_end_days days, as BIGINT",
    "end_discount_cents": "the same over those lines that have a discount, as BIGINT",
    "end_discount_weighted": "SUM(ROUND(amount * 100) * ROUND(discount * 10000)) over those lines, as BIGINT",
    "other_purchase_days": "COUNT(DISTINCT order_date) of lines with amount > 0 outside those days, as BIGINT",
    "quarter_end_days": "the number of days used for 'the quarter's last days', as BIGINT",
}
"""How each column of the features table is made, in SQL words (what a schema error asks for)."""


# reasons a row is set aside on purpose, not because anything in it is wrong: a quarter rerun on a newer
# extract leaves out what is dated after it. Such rows are not data lost (validation.max_quarantine_share).
NOT_A_LOSS = frozenset({"after_quarter_end"})


def lost_reasons(by_reason: Mapping[str, int], top: int = 3) -> str:
    """The main reasons rows were set aside as unusable, most rows first: ``unparseable_visit_date 662, ...``."""
    lost = sorted(((code, n) for code, n in by_reason.items() if code not in NOT_A_LOSS),
                  key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{code} {n:,}" for code, n in lost[:top])


def region_stem(region: str) -> str:
    """A region's name as a file name without extension: kept as it is, Chinese included, with
    anything a file system might refuse replaced by ``_`` (reports, exports, executed notebooks).

    A name that needed a replacement also carries a short digest of the original, so that two
    regions never share a file: ``华东/A`` is ``华东_A-<6 hex>``, ``华东_A`` stays ``华东_A``.
    """
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in region)
    if safe == region:
        return safe
    return f"{safe}-{hashlib.sha256(region.encode('utf-8')).hexdigest()[:6]}"


def colliding_regions(regions: list[str]) -> list[list[str]]:
    """Groups of regions whose files would still be one on a case-insensitive file system
    (Windows, macOS): ``East`` and ``east``."""
    groups: dict[str, list[str]] = {}
    for region in sorted(regions):
        groups.setdefault(region_stem(region).casefold(), []).append(region)
    return [g for g in groups.values() if len(g) > 1]


def report_filename(region: str) -> str:
    """A region's report file name (DATA_CONTRACT.md: ``reports/<region>.html``), see :func:`region_stem`."""
    return f"{region_stem(region)}.html"
