"""At-risk customers: early warnings first (still buying, warning signs), then those already declining.

Both lists are ranked by the sales at stake: ``score_risk`` (the chance of going bad next quarter)
× the last 4 quarters' sales. The reasons say what changed in the customer's signals.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from tagkit.charts import risk_value_chart
from tagkit.report.blocks import Cell, Chart, Column, Heading, Note, Section, Table
from tagkit.report.context import Context
from tagkit.report.formats import DASH, format_count, format_score
from tagkit.report.sections.lists import flagged_list, sales_figure

ID = "at-risk"
STAGES = ("early", "declining")


def _flagged(flag: str) -> pl.Expr:
    return pl.col("flags").list.contains(flag).fill_null(False) if flag else pl.lit(False)


def at_stake() -> pl.Expr:
    """The sales at stake: the chance of going bad next quarter × the last 4 quarters' sales."""
    return (pl.col("score_risk") / 100 * pl.col("sales_trailing_4q").clip(lower_bound=0)).fill_null(0.0)


def rank_at_risk(scores: pl.DataFrame) -> pl.DataFrame:
    """The region's at-risk customers in the order a manager should call them: early warnings first, each
    stage by sales at stake; ``benchmark`` marks the benchmark-quality ones, ``stage`` the stage."""
    bench = _flagged("benchmark_at_risk") if "flags" in scores.columns else pl.lit(False)
    stage = pl.col("risk_stage") if "risk_stage" in scores.columns else pl.lit("declining")
    return (
        scores.filter(pl.col("tag") == "at_risk")
        .with_columns(benchmark=bench, stage=stage.fill_null("declining"), at_stake=at_stake())
        .with_columns(_stage=pl.col("stage").replace_strict({s: i for i, s in enumerate(STAGES)}, default=len(STAGES)))
        .sort(["_stage", "at_stake", "score_risk", "customer_id"], descending=[False, True, True, False],
              nulls_last=True)
        .drop("_stage")
    )


def _chart(ctx: Context, ranked: pl.DataFrame) -> Chart:
    points = ranked.head(ctx.params.max_customers_listed).select(
        "customer_name", pl.col("city").fill_null("") if ctx.has("city") else pl.lit("").alias("city"),
        value=pl.col("sales_trailing_4q").fill_null(0).clip(lower_bound=0),
        score_risk=pl.col("score_risk"), benchmark="benchmark",
    ).drop_nulls("score_risk")
    points = points.with_columns(
        value_label=pl.Series([ctx.money(v) for v in points["value"]], dtype=pl.String),
        group_label=pl.when("benchmark").then(pl.lit(ctx.ui("benchmark_group")))
        .otherwise(pl.lit(ctx.ui("other_risk_group"))),
    )
    text = {"currency": ctx.currency, "title": ctx.ui("chart_risk"), "value": ctx.ui("sales_trailing_4q"),
            "risk": ctx.ui("chance"), "customer": ctx.ui("customer"), "city": ctx.ui("city"),
            "benchmark_group": ctx.ui("benchmark_group")}
    return Chart.of("risk-value", risk_value_chart(points, text=text, language=ctx.lang))


def general_defence_actions(playbook: Mapping[str, Any] | None) -> list[str]:
    """The playbook's actions that only restate a defence's general paragraph: every condition names defences
    alone (defend_relationship …). A row with its specific steps needs them once, under the tables, not on
    every row."""
    general = []
    for code, action in ((playbook or {}).get("actions") or {}).items():
        when = action.get("when") or [] if isinstance(action, Mapping) else []
        if when and all(c.get("defences") and not any(v for k, v in c.items() if k != "defences") for c in when):
            general.append(code)
    return general


def _defence_cell(ctx: Context, row: dict, general: list[str]) -> Cell:
    """The defences as badges, then each one's specific step (the competitor, its action, the complaint, what
    to do) and the customer's other actions; the defences' general paragraphs follow the tables (a run without
    specific steps keeps them on the row)."""
    defences = tuple((ctx.name("defences", d), f"defence-{d}") for d in row.get("defences") or [])
    per_month, planned = row.get("visit_frequency"), row.get("visits_planned")
    # the plan fitted to the rep's capacity comes first: the frequency alone asks for more than reps make
    sub = (ctx.ui("visits_planned_sub", planned=planned, recommended=row.get("visits_recommended"))
           if planned is not None else ctx.ui("visits_per_month", n=f"{per_month:g}") if per_month else "")
    steps = tuple(row.get(f"defence_steps_{ctx.lang}") or ())
    codes = [c for c in row.get("action_codes") or [] if not steps or c not in general]
    return Cell(sub=sub, badges=defences, items=steps + ctx.actions({**row, "action_codes": codes}))


def _general_note(ctx: Context, ranked: pl.DataFrame, general: list[str]) -> list[Note]:
    """The general paragraph of each defence used in the region, once, after the specific steps."""
    if not ctx.has(f"defence_steps_{ctx.lang}") or not ctx.has("action_codes"):
        return []
    used = set(ranked["action_codes"].explode().drop_nulls().to_list())
    texts = ctx.actions({"action_codes": [c for c in general if c in used]})
    return [Note(ctx.ui("defences_general"), items=texts)] if texts else []


def _level_badge(ctx: Context, row: dict) -> tuple[tuple[str, str], ...]:
    """A benchmark-quality customer's level, marked former when its bar is no longer met."""
    if not row.get("benchmark") or not row.get("benchmark_level"):
        return ()
    return ((ctx.ui("level_benchmark", level=ctx.level(row)), "flag-benchmark_level"),)


def _table(ctx: Context, ranked: pl.DataFrame, *, stage: str, prescribed: bool, general: list[str]) -> Table:
    listed, shown_of = ctx.cap(ranked)
    columns = [Column("rank", ctx.ui("rank"), num=True), Column("customer", ctx.ui("customer")),
               Column("rep", ctx.ui("rep")), Column("risk", ctx.ui("chance"), num=True),
               Column("stake", ctx.ui("at_stake"), num=True),
               Column("sales", ctx.ui("sales_trailing_4q"), num=True),
               Column("reasons", ctx.ui("what_changed"), fold=True)]
    if prescribed:
        columns.append(Column("defences", ctx.ui("defences"), fold=True))
    rows = []
    for i, r in enumerate(listed.iter_rows(named=True), start=1):
        row = {
            "rank": Cell(str(i), sort=i, num=True),
            "customer": Cell(ctx.customer_cell(r).text, sub=ctx.customer_cell(r).sub,
                             badges=ctx.tag_badge("at_risk") + ctx.flag_badges(r, skip=("new_customer",))
                             + _level_badge(ctx, r)),
            "rep": ctx.rep_cell(r["rep_id"]),
            "risk": Cell(f"{format_score(r['score_risk'])}%", sort=r["score_risk"], num=True, cls="risk"),
            "stake": Cell(ctx.money(r["at_stake"]), sort=r["at_stake"], num=True),
            "sales": Cell(ctx.money(r["sales_trailing_4q"]), sort=r["sales_trailing_4q"], num=True),
            "reasons": Cell(items=ctx.reasons(r)),
        }
        if prescribed:
            row["defences"] = _defence_cell(ctx, r, general)
        rows.append(row)
    classes = ["top-priority" if b else "" for b in listed["benchmark"]]
    return Table(f"tbl-at-risk-{stage}", columns, rows, shown_of=shown_of, row_classes=classes)


def win_back_table(ctx: Context) -> list:
    """The win-back list the dormant customers' reasons point to: long without an order, so called back by
    their rep rather than defended as at risk; the most sales lost first."""
    last_order = (Column("last_order", ctx.ui("last_order"), num=True),
                  lambda r: Cell(str(r.get("last_order") or DASH), sort=str(r.get("last_order") or ""), num=True))
    days = (Column("days", ctx.ui("days_without_order"), num=True),
            lambda r: Cell(format_count(r.get("days_since_last_order")), sort=r.get("days_since_last_order"), num=True))
    return flagged_list(ctx, "dormant", table_id="tbl-win-back", title=ctx.ui("win_back"), lead=ctx.ui("win_back_lead"),
                        figures=[last_order, days, sales_figure(ctx)])


def model_note(ctx: Context) -> Note | None:
    """How this quarter's risk score came about: learned from which history, or the documented weights and why."""
    model: dict[str, Any] | None = ((ctx.data.risk_model or {}).get("models") or {}).get(ctx.quarter)
    if not model:
        return None
    if model.get("source") == "learned":
        training = model.get("training") or {}
        quarters = training.get("quarters") or []
        span = f"{quarters[0]}–{quarters[-1]}" if quarters else ""
        return Note(ctx.ui("at_risk_model_learned", quarters=span, rows=f"{training.get('rows', 0):,}",
                           bad=f"{training.get('went_bad', 0):,}"))
    return Note(ctx.ui("at_risk_model_documented", reason=model.get("reason") or ""), tone="warn")


def build(ctx: Context) -> Section:
    ranked = rank_at_risk(ctx.mine)
    dormant = ctx.mine.filter(_flagged("dormant")).height if ctx.has("flags") else 0
    blocks: list = [Note(ctx.ui("at_risk_lead", dormant=ctx.ui("dormant_note", n=dormant) if dormant else ""),
                         tone="lead")]
    note = model_note(ctx)
    blocks += [note] if note else []
    strategy = ctx.strategy("at_risk")
    blocks += [strategy] if strategy else []
    if not ranked.height:
        return Section(ID, ctx.ui("sec_at_risk"),
                       [*blocks, ctx.none_in_region("at_risk_customers"), *win_back_table(ctx)])
    prescribed = ctx.has("defences")
    if not prescribed:
        blocks.append(ctx.not_computed("what_defences"))
    blocks.append(_chart(ctx, ranked))
    general = general_defence_actions(ctx.data.playbook)
    for stage, title in (("early", "early_warnings"), ("declining", "declining")):
        rows = ranked.filter(pl.col("stage") == stage)
        blocks.append(Heading(ctx.ui(title)))
        blocks.append(_table(ctx, rows, stage=stage, prescribed=prescribed, general=general) if rows.height
                      else Note(ctx.ui("no_early_warnings" if stage == "early" else "none_in_region",
                                       **({} if stage == "early" else {"what": ctx.ui("at_risk_customers")}))))
    blocks += _general_note(ctx, ranked, general) if prescribed else []
    return Section(ID, ctx.ui("sec_at_risk"), [*blocks, *win_back_table(ctx)])
