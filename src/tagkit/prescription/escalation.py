"""Who leads a nail's attack: the escalation level resolved to a person through ``reps.manager_id``.

The chain of each rep is walked upwards ``max_chain_depth`` steps with one join per step (a
handful of joins over the reps table, never a loop over customers). The person for a level is
the first one up the chain whose ``role`` ranks at or above it (rep < supervisor <
regional_manager < executive, the ladder of :data:`~tagkit.params.LADDER`); a chain member
without a role ranks by its steps above the rep, so a reps table without roles still escalates
one step for a supervisor, two for a regional manager and three for an executive.

The reps table's roles stop at the regional manager: an executive is someone above them in the
chain, and where there is none, the top of the chain (at least a regional manager) leads and
brings the executive in (``escalate_note`` ``executive_via_top``).

Where the person cannot be found the effort stays with the customer's rep, and
``escalate_note`` says why: ``no_reps_table``, ``rep_not_in_reps`` (the rep is missing from
the reps table) or ``chain_broken`` (the chain ends, or loops, before the level).
"""
from __future__ import annotations

import polars as pl

from tagkit.prescription.evidence import RUNG_RANK, optional_column


def rep_chains(reps: pl.LazyFrame, *, depth: int) -> pl.LazyFrame:
    """One row per rep: ``up_0`` (itself) .. ``up_<depth>`` and ``rank_0`` .. ``rank_<depth>``.

    ``up_k`` is the person k steps up (null past the top or a broken link); ``rank_k`` its role
    rank, or k where its role is unknown.
    """
    people = reps.select(
        pl.col("rep_id").cast(pl.String),
        optional_column(reps, "manager_id", pl.String).alias("manager_id"),
        optional_column(reps, "role", pl.String).replace_strict(RUNG_RANK, default=None, return_dtype=pl.Int64)
        .alias("role_rank"),
    ).unique("rep_id", keep="first", maintain_order=True)
    chains = people.select(up_0="rep_id", _next="manager_id", _rank_0="role_rank")
    for k in range(1, depth + 1):
        chains = chains.join(
            people.rename({"rep_id": f"up_{k}", "manager_id": "_next_up", "role_rank": f"_rank_{k}"}),
            # a manager_id naming nobody in the table matches nothing: the chain ends there (up_k null)
            left_on="_next", right_on=f"up_{k}", how="left", coalesce=False, maintain_order="left",
        ).drop("_next").rename({"_next_up": "_next"})
    ups = [f"up_{k}" for k in range(depth + 1)]
    return chains.select(
        pl.col("up_0").alias("rep_id"), *ups[1:],
        *(pl.coalesce(f"_rank_{k}", pl.lit(k, dtype=pl.Int64)).alias(f"rank_{k}") for k in range(depth + 1)),
    )


def _reachable(k: int) -> pl.Expr:
    """``up_k`` is a person, and the chain has not looped back to the rep on the way."""
    looped = pl.any_horizontal((pl.col(f"up_{j}") == pl.col("rep_id")).fill_null(False) for j in range(1, k + 1))
    return pl.col(f"up_{k}").is_not_null() & ~looped


def _first_at_or_above(target: pl.Expr, depth: int) -> pl.Expr:
    """The first person up the chain (k ≥ 1) ranking at or above the rank ``target``."""
    found = pl.lit(None, dtype=pl.String)
    for k in reversed(range(1, depth + 1)):
        found = pl.when(_reachable(k) & (pl.col(f"rank_{k}") >= target)).then(pl.col(f"up_{k}")).otherwise(found)
    return found


def _top_of_chain(depth: int) -> tuple[pl.Expr, pl.Expr]:
    """The last person reachable up the chain (k ≥ 1) and their rank (null: nobody above the rep)."""
    top, rank = pl.lit(None, dtype=pl.String), pl.lit(None, dtype=pl.Int64)
    for k in range(1, depth + 1):
        top = pl.when(_reachable(k)).then(pl.col(f"up_{k}")).otherwise(top)
        rank = pl.when(_reachable(k)).then(pl.col(f"rank_{k}")).otherwise(rank)
    return top, rank


def resolve_escalation(frame: pl.LazyFrame, reps: pl.LazyFrame | None, *, depth: int) -> pl.LazyFrame:
    """Add ``escalate_to`` and ``escalate_note`` where ``escalate_level`` is set (the others stay null).

    ``frame`` has ``customer_id``, ``rep_id`` and ``escalate_level`` (a rung of the ladder or null).
    """
    level = pl.col("escalate_level")
    wanted = level.is_not_null()
    if reps is None:
        return frame.with_columns(
            escalate_to=pl.when(wanted).then(pl.col("rep_id")),
            escalate_note=pl.when(wanted & (level != "rep")).then(pl.lit("no_reps_table")),
        )
    chains = rep_chains(reps, depth=depth).rename({"rep_id": "_chain_rep"})
    joined = frame.join(chains, left_on="rep_id", right_on="_chain_rep", how="left", coalesce=False,
                        maintain_order="left")
    target = level.replace_strict(RUNG_RANK, default=None, return_dtype=pl.Int64)
    found = _first_at_or_above(target, depth)
    top, top_rank = _top_of_chain(depth)
    via_top = found.is_null() & (level == "executive") & (top_rank >= RUNG_RANK["regional_manager"]).fill_null(False)
    person = pl.when(via_top).then(top).otherwise(found)
    in_reps = pl.col("_chain_rep").is_not_null()
    to = pl.when(level == "rep").then(pl.col("rep_id")).otherwise(pl.coalesce(person, pl.col("rep_id")))
    note = (
        pl.when(~wanted | (level == "rep")).then(None)
        .when(~in_reps).then(pl.lit("rep_not_in_reps"))
        .when(person.is_null()).then(pl.lit("chain_broken"))
        .when(via_top).then(pl.lit("executive_via_top"))
    )
    helper = ["_chain_rep", *(f"up_{k}" for k in range(1, depth + 1)), *(f"rank_{k}" for k in range(depth + 1))]
    return joined.with_columns(
        escalate_to=pl.when(wanted).then(to),
        escalate_note=note,
    ).drop(helper)

