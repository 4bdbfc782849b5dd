"""Data notes and method: unavailable signals, rows set aside by validation, the thresholds used.

A reader deciding whether to act on a tag should see what the run could not know: which
signals were missing, which rows were dropped and why, and the thresholds behind each tag.
"""
from __future__ import annotations

from typing import Any

import polars as pl

from tagkit.contract import TAGS
from tagkit.lang import Lang
from tagkit.report import labels
from tagkit.report.blocks import Cell, Column, Heading, Note, Section, Table
from tagkit.report.context import Context
from tagkit.report.formats import format_count, format_money
from tagkit.validation.words import quarantine_reason

ID = "data-notes"
KNOWN_SECTIONS = {"io", "validation", "scoring", "backtest", "report", "reasons", "prescription", "playbook"}
MAX_EXTRA_PARAMETERS = 40

# (path in the params, meaning zh, meaning en): the thresholds a reader needs to understand a tag
PARAMETERS: tuple[tuple[str, ...], ...] = (
    ("scoring.benchmark.min_influence", "标杆：影响力分下限", "Benchmark: lowest influence score"),
    ("scoring.benchmark.min_satisfaction", "标杆：满意度分下限", "Benchmark: lowest satisfaction score"),
    ("scoring.benchmark.min_cooperation", "标杆：配合度分下限", "Benchmark: lowest cooperation score"),
    ("scoring.nail.min_potential", "钉子：潜力分下限", "Nail: lowest potential score"),
    ("scoring.nail.max_share_of_wallet", "钉子：我方份额上限", "Nail: highest share of wallet"),
    ("scoring.nail.max_lines_share", "钉子：或产品线覆盖上限", "Nail: or highest share of our lines bought"),
    ("scoring.nail.min_stalled_quarters", "钉子：份额停滞季度数下限", "Nail: fewest quarters stalled"),
    ("scoring.nail.min_tenure_days", "钉子：合作天数下限", "Nail: shortest tenure (days)"),
    ("scoring.nail.min_visits", "钉子：拜访次数下限（投入）", "Nail: fewest visits (effort)"),
    ("scoring.nail.max_positive_share", "钉子：积极结果比例上限", "Nail: highest share of positive visits"),
    ("scoring.at_risk.min_risk", "危险：风险分下限", "At risk: lowest risk score"),
    ("scoring.risk.decline_threshold", "视为变差：销售低于常态季度的比例降幅（风险分与回测共用）",
     "Going bad: drop below the usual quarter's sales (risk score and back-test)"),
    ("scoring.risk.min_history_days", "危险：最短历史天数", "At risk: shortest order history (days)"),
    ("scoring.lifecycle.new_customer_days", "新客户：合作天数少于", "New customer: tenure below (days)"),
    ("scoring.lifecycle.dormant_days", "长期未订货：天数", "Dormant: days without an order"),
    ("scoring.hysteresis", "标签滞后（避免临界客户频繁变动）",
     "Hysteresis (customers near a threshold keep their tag)"),
    ("scoring.abc.a_share", "ABC：A 类累计销售占比", "ABC: cumulative sales share of class A"),
    ("scoring.abc.b_share", "ABC：A+B 类累计销售占比", "ABC: cumulative sales share of A and B"),
    ("backtest.quarters", "回测季度数", "Back-test quarters"),
    ("backtest.no_order_days", "简单规则：未下单天数", "Simple rule: days without an order"),
    ("report.max_customers_listed", "每张名单最多列出客户数", "Most customers per list"),
    ("report.max_customers_printed", "打印时每张名单最多列出客户数", "Most customers per list on paper"),
    ("report.max_chart_customers", "每张图最多列出客户数", "Most customers per chart"),
    ("prescription.radiation.radius_km", "标杆辐射半径（公里）", "A benchmark's reach (km)"),
    ("prescription.radiation.gap_min_customers", "覆盖缺口：城市内无标杆辐射的客户数下限",
     "Coverage gap: fewest customers of a city out of reach"),
    ("prescription.benchmark.candidate_max_gap", "潜在标杆：第三项条件最多差几分",
     "Candidate: most points short on the third criterion"),
    ("prescription.nail.attainable_share", "钉子：可争取的份额（可争取增量 = 潜力 × 该比例 − 近四季销售）",
     "Nail: attainable share (upside = potential × this − last 4 quarters' sales)"),
    ("prescription.nail.decision.invest_min_upside", "钉子：投入攻坚所需的最低增量",
     "Nail: least upside to invest", "money"),
    ("prescription.nail.decision.invest_min_return", "钉子：投入攻坚所需的最低回报倍数（增量 ÷ 拜访成本）",
     "Nail: least return to invest (upside ÷ visit cost)"),
    ("prescription.nail.decision.drop_below_upside", "钉子：增量低于此则放弃", "Nail: drop below this upside", "money"),
    ("prescription.nail.escalation", "钉子：牵头人至少升到增量所达的一级", "Nail: the least level to lead, by upside"),
    ("prescription.nail.ladder.window_quarters", "钉子：逐级升级看近几季的拜访（谁已拜访未果）",
     "Nail: quarters of visits the escalation ladder reads (who already tried without success)"),
    ("prescription.at_risk.visit_frequency", "危险客户：按风险分的每月拜访次数",
     "At risk: visits a month by risk score"),
    ("prescription.reps.benchmarks_min", "每位业务员最少标杆数", "Fewest benchmarks per rep"),
    ("prescription.reps.benchmarks_new_per_year", "每位业务员每年新标杆目标", "New benchmarks per rep a year"),
    ("prescription.speculator.min_quarter_end_share", "投机客户：季末销售占比下限",
     "Speculator: least share of sales at quarter end"),
    ("prescription.speculator.min_discount", "投机客户：季末折扣下限", "Speculator: least quarter-end discount"),
    ("prescription.visit_plan.slack", "拜访计划：在业务员近四季实际拜访量之上的余量",
     "Visit plan: slack over what a rep made in the last 4 quarters"),
    ("prescription.visit_plan.priority", "拜访计划：人力不足时的优先顺序与每类客户每季最低拜访次数",
     "Visit plan: priority when time runs short, and the fewest visits a quarter per group"),
    ("prescription.benchmark.slipping.trailing_decline", "标杆下滑：近四季较前四季下降至少",
     "Benchmark slipping: last 4 quarters at least this much below the 4 before"),
)


def _lookup(values: dict[str, Any], path: str) -> Any:
    node: Any = values
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


MONEY_KEYS = ("upside", "potential", "value", "sales")  # a nested setting named so is an amount of money


def _number(value: float) -> str:
    """1,000,000 rather than 1e+06; 0.15 as it is."""
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.4g}"


def _words(key: str) -> str:
    """A settings key as words: ``min_upside`` → ``min upside``."""
    return key.replace("_", " ")


def _key_name(key: str, lang: Lang) -> str:
    """A nested settings key by name: a tag's name, else the key as words."""
    return labels.tag_name(key, lang) if key in TAGS else NESTED_KEYS.get(key, {}).get(lang, _words(key))


NESTED_KEYS = {"min_upside": {"zh": "增量下限", "en": "least upside"}}


def _show(value: Any, lang: Lang, kind: str = "", symbol: str | None = None) -> str:
    """A setting as a person reads it: money in the report's style, numbers with separators, roles and other
    codes by name, nested settings as "name value" pairs."""
    if kind == "money" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return format_money(float(value), lang, symbol)
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if isinstance(value, dict) and set(value) == {"enter", "exit"}:
        enter, leave = _number(value["enter"]), _number(value["exit"])
        return f"进入 {enter} / 退出 {leave}" if lang == "zh" else f"enter {enter} / exit {leave}"
    if isinstance(value, dict):
        # an escalation tier reads "regional manager: min upside ¥500万"; a share per tag "benchmark 0.2"
        lead = f"{labels.name_of('role', value['level'], lang)}: " if isinstance(value.get("level"), str) else ""
        pairs = [f"{_key_name(k, lang)} {_show(v, lang, 'money' if any(m in k for m in MONEY_KEYS) else '', symbol)}"
                 for k, v in value.items() if k != "level" or not lead]
        return lead + ", ".join(pairs)
    if isinstance(value, (int, float)):
        return _number(value)
    if isinstance(value, list):
        return ("；" if lang == "zh" else "; ").join(_show(v, lang, symbol=symbol) for v in value)
    return _words(str(value))


def _flatten(node: Any, prefix: str) -> list[tuple[str, Any]]:
    if isinstance(node, dict) and set(node) != {"enter", "exit"}:
        return [item for k, v in node.items() for item in _flatten(v, f"{prefix}.{k}")]
    return [(prefix, node)]


def _signals(ctx: Context) -> list:
    blocks: list = [Heading(ctx.ui("unavailable_signals"))]
    missing_tables = (ctx.data.validation or {}).get("missing_optional_tables") or []
    if missing_tables:
        blocks.append(Note(ctx.ui("missing_tables", tables=", ".join(
            labels.name_of("table", t, ctx.lang) for t in missing_tables)), tone="warn"))
    if not ctx.has("unavailable_signals"):
        return blocks
    counts = (ctx.mine.select(pl.col("unavailable_signals").explode().drop_nulls().alias("signal"))
              .group_by("signal").agg(customers=pl.len()).sort(["customers", "signal"], descending=[True, False]))
    if not counts.height:
        return [*blocks, Note(ctx.ui("all_signals"))]
    rows = [{"signal": Cell(labels.name_of("signal", s, ctx.lang)),
             "customers": Cell(f"{format_count(n)} / {format_count(ctx.mine.height)}", sort=n, num=True)}
            for s, n in counts.iter_rows()]
    return [*blocks, Note(ctx.ui("unavailable_lead")),
            Table("tbl-signals", [Column("signal", ctx.ui("signal"), wide=True),
                                  Column("customers", ctx.ui("customers"), num=True)], rows, filterable=False,
                  compact=True)]


def _quarantine(ctx: Context) -> list:
    blocks: list = [Heading(ctx.ui("quarantine"))]
    validation = ctx.data.validation
    if validation is None:
        return [*blocks, ctx.not_computed("what_validation")]
    rows = []
    for table, acc in sorted((validation.get("tables") or {}).items()):
        for reason, n in sorted((acc.get("by_reason") or {}).items(), key=lambda kv: (-kv[1], kv[0])):
            rows.append({"table": Cell(labels.name_of("table", table, ctx.lang)),
                         "reason": Cell(quarantine_reason(reason, ctx.lang), sub=reason),
                         "rows": Cell(format_count(n), sort=n, num=True),
                         "read": Cell(format_count(acc.get("rows_read")), sort=acc.get("rows_read"), num=True)})
    if rows:
        columns = [Column("table", ctx.ui("table")), Column("reason", ctx.ui("reason"), wide=True),
                   Column("rows", ctx.ui("rows"), num=True), Column("read", ctx.ui("rows_read"), num=True)]
        blocks += [Note(ctx.ui("quarantine_lead")), Table("tbl-quarantine", columns, rows, filterable=False,
                                                          compact=True)]
    else:
        blocks.append(Note(ctx.ui("no_quarantine")))
    warnings = validation.get("warnings") or []
    if warnings:
        blocks.append(Note(ctx.ui("validation_warnings"), items=tuple(str(w) for w in warnings), tone="warn"))
    return blocks


def _parameters(ctx: Context) -> list:
    values = dict(ctx.data.methodology)
    rows = []
    known = [(p, zh, en, _lookup(values, p), kind[0] if kind else "") for p, zh, en, *kind in PARAMETERS]
    extra = [(p, "", "", v, "") for section, node in values.items() if section not in KNOWN_SECTIONS
             for p, v in _flatten(node, section)][:MAX_EXTRA_PARAMETERS]
    for path, zh, en, value, kind in [*known, *extra]:
        if value is None:
            continue
        # the settings path, readable (scoring › benchmark › min influence), to find it in params/*.yaml
        where = " › ".join(_words(part) for part in path.split("."))
        rows.append({"meaning": Cell((zh if ctx.lang == "zh" else en) or where, sub=where if (zh or en) else ""),
                     "value": Cell(_show(value, ctx.lang, kind, ctx.currency))})
    if not rows:
        return []
    return [Heading(ctx.ui("parameters")), Note(ctx.ui("parameters_lead")),
            Table("tbl-parameters", [Column("meaning", ctx.ui("meaning"), wide=True),
                                     Column("value", ctx.ui("setting"))], rows, filterable=False, compact=True)]


def build(ctx: Context) -> Section:
    return Section(ID, ctx.ui("sec_notes"), [*_signals(ctx), *_quarantine(ctx), *_parameters(ctx)])
