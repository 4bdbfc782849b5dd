"""Lists of the customers that carry a flag (rep change, speculator, dormant): every one of the region,
not only those that happen to be on a tag's list, the most sales first."""
from __future__ import annotations

from collections.abc import Callable

import polars as pl

from tagkit.report.blocks import Cell, Column, Heading, Note, Table
from tagkit.report.context import Context

Figure = tuple[Column, Callable[[dict], Cell]]


def sales_figure(ctx: Context) -> Figure:
    """The last 4 quarters' sales, a list's usual figure."""
    return (Column("sales", ctx.ui("sales_trailing_4q"), num=True),
            lambda r: Cell(ctx.money(r.get("sales_trailing_4q")), sort=r.get("sales_trailing_4q"), num=True))


def flagged_list(ctx: Context, flag: str, *, table_id: str, title: str, lead: str,
                  figures: list[Figure]) -> list:
    """The region's customers carrying ``flag``, the most sales first: who, whose rep, the figures behind the
    flag, and the reasons folded under each row; nothing when none carries it."""
    if not ctx.has("flags"):
        return []
    flagged = ctx.mine.filter(pl.col("flags").list.contains(flag).fill_null(False)).sort(
        ["sales_trailing_4q", "customer_id"], descending=[True, False], nulls_last=True)
    if not flagged.height:
        return []
    listed, shown_of = ctx.cap(flagged)
    columns = [Column("customer", ctx.ui("customer")), Column("rep", ctx.ui("rep")), Column("tag", ctx.ui("tag")),
               *(column for column, _ in figures), Column("reasons", ctx.ui("reasons"), fold=True)]
    rows = [{"customer": ctx.customer_cell(r), "rep": ctx.rep_cell(r["rep_id"]),
             "tag": Cell(ctx.tag(r["tag"]), cls=f"tag-{r['tag']}"),
             **{column.key: cell(r) for column, cell in figures},
             "reasons": Cell(items=ctx.reasons(r) + ctx.actions(r))}
            for r in listed.iter_rows(named=True)]
    return [Heading(title), Note(lead), Table(table_id, columns, rows, shown_of=shown_of)]
