"""Evidence from the raw tables that the scores do not carry.

The scores hold recent counts (complaints by topic, signals by kind over the recent quarters);
a nail's cause and a complaint about a rep need more: a longer window (a nail is stuck for
years), and *who* was in charge when the customer complained. Feedback rows name no rep, so a
complaint is attributed to the rep of the customer's latest routine visit on or before it (else
the next one, else the customer's current rep): an internal nail's complaints land on the former
rep who offended it, a customer at odds with its current rep lands on that rep.

Every function returns one row per customer that has evidence (left-join it; absent table →
no rows, so the counts read as zero after ``fill_null``).
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import polars as pl

from tagkit.contract import SIGNALS
from tagkit.params import LADDER, PrescriptionParams
from tagkit.quarters import quarter_end, quarter_start, shift_quarter
from tagkit.scoring.exprs import labels_where

if TYPE_CHECKING:
    from polars._typing import PolarsDataType


def optional_column(frame: pl.LazyFrame, name: str, dtype: PolarsDataType) -> pl.Expr:
    """``name`` when the table has it, else a typed null: optional contract columns may be absent."""
    if name in frame.collect_schema().names():
        return pl.col(name).cast(dtype)
    return pl.lit(None, dtype=dtype).alias(name)


def window_start(quarter: str, quarters: int) -> dt.date:
    """First day of the ``quarters`` quarters ending with ``quarter``."""
    return quarter_start(shift_quarter(quarter, -(quarters - 1)))


def complaints_with_rep(tables: dict[str, pl.LazyFrame], customers: pl.LazyFrame, *,
                        quarter: str) -> pl.LazyFrame | None:
    """Complaints up to ``quarter``'s end with ``rep_in_charge`` and ``about_current_rep``.

    ``customers`` has ``customer_id`` and ``rep_id`` (the current rep). None without feedback.
    """
    feedback = tables.get("feedback")
    if feedback is None:
        return None
    as_of = quarter_end(quarter)
    complaints = (
        feedback.select(
            pl.col("customer_id").cast(pl.String),
            pl.col("feedback_date").alias("date"),
            optional_column(feedback, "complaint", pl.Boolean).fill_null(False).alias("complaint"),
            optional_column(feedback, "complaint_topic", pl.String).alias("topic"),
        )
        .filter(pl.col("complaint") & (pl.col("date") <= as_of))
        .drop("complaint")
    )
    current = customers.select("customer_id", current_rep=pl.col("rep_id"))
    visits = tables.get("visits")
    if visits is None:
        # nobody to attribute to but the current rep: a former rep cannot be told apart
        attributed = (complaints.sort("date", "customer_id", "topic", nulls_last=True)
                      .with_columns(rep_in_charge=pl.lit(None, dtype=pl.String)))
    else:
        vtype = optional_column(visits, "visit_type", pl.String)
        routine = (
            visits.select(pl.col("customer_id").cast(pl.String), pl.col("visit_date").alias("date"),
                          pl.col("rep_id").cast(pl.String).alias("visitor"), vtype)
            # without a visit type every visit counts: the visitor is the best guess of who is in charge
            .filter((pl.col("date") <= as_of) & ((pl.col("visit_type") == "routine") | pl.col("visit_type").is_null()))
            .drop("visit_type")
            .join(complaints.select("customer_id").unique(), on="customer_id", how="semi")
        )
        attributed = _visitor_in_charge(complaints, routine)
    return (
        attributed.join(current, on="customer_id", how="left")
        .with_columns(rep_in_charge=pl.coalesce("rep_in_charge", "current_rep"))
        .with_columns(about_current_rep=(pl.col("rep_in_charge") == pl.col("current_rep")).fill_null(True))
    )


def _visitor_in_charge(complaints: pl.LazyFrame, routine: pl.LazyFrame) -> pl.LazyFrame:
    """``customer_id, date, topic, rep_in_charge``: each complaint's visitor of the customer's latest
    routine visit on or before its day (of that day's visitors, the last by id), else of the next
    one (the first by id).

    Two as-of joins by customer, done as one sort of the visits and the complaints together: by
    customer, day, visits before the complaints of their day, visitor (no visitor first, as the
    as-of joins had it). Carried down the sorted rows, a visit reaches each complaint from the
    customer's latest visit on or before its day; carried up, from the first visit after it (a
    visit on the complaint's own day is the latest). At a million customers: 2.7 s, where the two
    ``join_asof`` by customer took 8.
    """
    rows = pl.concat([routine.with_columns(topic=pl.lit(None, dtype=pl.String), _visit=pl.lit(True)),
                      complaints.with_columns(visitor=pl.lit(None, dtype=pl.String), _visit=pl.lit(False))],
                     how="diagonal")
    ordered = rows.sort("customer_id", "date", "_visit", "visitor", descending=[False, False, True, False])
    # the visit as one value (customer, day, visitor): a visit without a visitor is still the latest
    visit = pl.when("_visit").then(pl.struct(_of="customer_id", _on="date", _by="visitor"))
    carried = ordered.with_columns(_latest=visit.forward_fill(), _next=visit.backward_fill()).filter(~pl.col("_visit"))
    latest, following = pl.col("_latest").struct.field, pl.col("_next").struct.field
    mine = (latest("_of") == pl.col("customer_id")).fill_null(False)  # null: no visit before in any customer
    # as the as-of joins had it: without the latest visitor, the next visit's; but that is the day's first
    # visit (no visitor) when the latest is on the complaint's day
    next_visitor = pl.when((following("_of") == pl.col("customer_id")) & ~(mine & (latest("_on") == pl.col("date"))))
    return (
        carried.select("customer_id", "date", "topic",
                       rep_in_charge=pl.coalesce(pl.when(mine).then(latest("_by")),
                                                 next_visitor.then(following("_by"))))
        .sort("date", "customer_id", "topic", "rep_in_charge", nulls_last=True)
    )


def _mode(frame: pl.LazyFrame, column: str, alias: str) -> pl.LazyFrame:
    """Per customer, the most frequent non-null ``column`` (ties: the smallest value, so it is stable)."""
    return (
        frame.filter(pl.col(column).is_not_null())
        .group_by("customer_id", column).agg(n=pl.len())
        .sort(["customer_id", "n", column], descending=[False, True, False])
        .group_by("customer_id", maintain_order=True).agg(pl.col(column).first().alias(alias))
    )


def complaint_evidence(complaints: pl.LazyFrame | None, *, quarter: str, p: PrescriptionParams) -> pl.LazyFrame | None:
    """Per customer, over the cause window: trust complaints and rep complaints (current or former rep),
    the most complained-about former rep, and the current rep's complaints in the rep-change window."""
    if complaints is None:
        return None
    cause, change = p.nail.cause, p.rep_change
    in_cause = pl.col("date") >= window_start(quarter, cause.window_quarters)
    in_change = pl.col("date") >= window_start(quarter, change.window_quarters)
    about_rep = pl.col("topic") == "rep"
    counts = complaints.group_by("customer_id").agg(
        trust_complaints=(in_cause & pl.col("topic").is_in(cause.trust_topics)).sum().cast(pl.Int64),
        rep_complaints=(in_cause & about_rep).sum().cast(pl.Int64),
        former_rep_complaints=(in_cause & about_rep & ~pl.col("about_current_rep")).sum().cast(pl.Int64),
        current_rep_complaints=(in_cause & about_rep & pl.col("about_current_rep")).sum().cast(pl.Int64),
        rep_complaints_current=(in_change & about_rep & pl.col("about_current_rep")).sum().cast(pl.Int64),
    )
    former = _mode(complaints.filter(in_cause & about_rep & ~pl.col("about_current_rep")), "rep_in_charge",
                   "former_rep")
    return counts.join(former, on="customer_id", how="left")


def signal_evidence(tables: dict[str, pl.LazyFrame], *, quarter: str, p: PrescriptionParams) -> pl.LazyFrame | None:
    """Per customer, over the cause window: competitor signals, their evidence points, kinds and main competitor."""
    signals = tables.get("competitor_signals")
    if signals is None:
        return None
    cause = p.nail.cause
    rows = signals.filter(
        pl.col("signal_date").is_between(window_start(quarter, cause.window_quarters), quarter_end(quarter))
    ).select(
        pl.col("customer_id").cast(pl.String),
        pl.col("signal").cast(pl.String),
        optional_column(signals, "competitor", pl.String),
    )
    weights = cause.points.competitor_signal
    per_kind = rows.group_by("customer_id").agg(
        competitor_signals=pl.len().cast(pl.Int64),
        **{f"_kind_{s}": (pl.col("signal") == s).sum() for s in SIGNALS},
    )
    return (
        per_kind.with_columns(
            competitor_points=pl.sum_horizontal(getattr(weights, s) * pl.col(f"_kind_{s}") for s in SIGNALS)
            .cast(pl.Float64),
            cause_signal_kinds=labels_where({s: pl.col(f"_kind_{s}") > 0 for s in SIGNALS}),
        )
        .drop(f"_kind_{s}" for s in SIGNALS)
        .join(_mode(rows, "competitor", "competitor"), on="customer_id", how="left")
    )


RUNG_RANK = {rung: rank for rank, rung in enumerate(LADDER)}


def ladder_evidence(tables: dict[str, pl.LazyFrame], *, quarter: str, p: PrescriptionParams) -> pl.LazyFrame | None:
    """Per customer with visits over the ladder window: ``ladder_tried_rank``, the highest rung (rank in
    :data:`~tagkit.params.LADDER`) that visited without success (null: none failed), and ``senior_visits``,
    the visits from ``senior_from`` up, whatever their outcome.

    A rung has tried without success when it visited and none of its visits had a successful outcome:
    one neutral visit among welcome ones does not exhaust a supervisor's approach, and counting every
    neutral visit as a failure sent almost every nail of the sample to an executive. A visit without a
    type counts as routine (as for the rep in charge above); without an outcome it is not a success.
    None without a visits table.
    """
    visits = tables.get("visits")
    if visits is None:
        return None
    ladder = p.nail.ladder
    rungs = {t: RUNG_RANK[r] for t, r in ladder.visit_rungs.model_dump().items()}
    rows = visits.filter(
        pl.col("visit_date").is_between(window_start(quarter, ladder.window_quarters), quarter_end(quarter))
    ).select(
        pl.col("customer_id").cast(pl.String),
        optional_column(visits, "visit_type", pl.String).fill_null("routine")
        .replace_strict(rungs, default=None, return_dtype=pl.Int64).alias("rank"),
        optional_column(visits, "outcome", pl.String).is_in(ladder.success_outcomes).fill_null(False)
        .alias("success"),
    )
    by_rung = rows.group_by("customer_id", "rank").agg(succeeded=pl.col("success").any(), visits=pl.len())
    return by_rung.group_by("customer_id").agg(
        ladder_tried_rank=pl.col("rank").filter(~pl.col("succeeded")).max(),
        senior_visits=pl.col("visits").filter(pl.col("rank") >= RUNG_RANK[ladder.senior_from]).sum().cast(pl.Int64),
    )


def cause_evidence(tables: dict[str, pl.LazyFrame], customers: pl.LazyFrame, *, quarter: str,
                   p: PrescriptionParams) -> pl.LazyFrame:
    """``customers`` (customer_id, rep_id) with every evidence column; zero counts where a table is present
    and the customer has no rows, null counts where the table is absent."""
    out = customers.select("customer_id")
    complaints = complaint_evidence(complaints_with_rep(tables, customers, quarter=quarter), quarter=quarter, p=p)
    complaint_counts = ["trust_complaints", "rep_complaints", "former_rep_complaints", "current_rep_complaints",
                        "rep_complaints_current"]
    if complaints is None:
        out = out.with_columns(*(pl.lit(None, dtype=pl.Int64).alias(c) for c in complaint_counts),
                               former_rep=pl.lit(None, dtype=pl.String))
    else:
        out = out.join(complaints, on="customer_id", how="left", maintain_order="left").with_columns(
            pl.col(complaint_counts).fill_null(0))
    ladder = ladder_evidence(tables, quarter=quarter, p=p)
    if ladder is None:
        out = out.with_columns(ladder_tried_rank=pl.lit(None, dtype=pl.Int64),
                               senior_visits=pl.lit(None, dtype=pl.Int64))
    else:
        out = out.join(ladder, on="customer_id", how="left", maintain_order="left").with_columns(
            pl.col("senior_visits").fill_null(0))
    signals = signal_evidence(tables, quarter=quarter, p=p)
    if signals is None:
        return out.with_columns(
            competitor_signals=pl.lit(None, dtype=pl.Int64), competitor_points=pl.lit(None, dtype=pl.Float64),
            cause_signal_kinds=pl.lit(None, dtype=pl.List(pl.String)), competitor=pl.lit(None, dtype=pl.String),
        )
    return out.join(signals, on="customer_id", how="left", maintain_order="left").with_columns(
        pl.col("competitor_signals").fill_null(0),
        pl.col("competitor_points").fill_null(0.0),
        pl.col("cause_signal_kinds").fill_null(pl.lit([], dtype=pl.List(pl.String))),
    )
