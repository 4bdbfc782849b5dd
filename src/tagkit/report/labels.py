"""Names of the data's values shown to report readers, in Chinese and English.

Tag names follow DOMAIN.md. The report's own furniture (headings, column names) is in
:mod:`tagkit.report.words`; the playbook's action wording is in params (Part C), and the
scorer's evidence sentences are in scores.parquet (``reasons_zh`` / ``reasons_en``).
"""
from __future__ import annotations

from tagkit.backtest.labels import METHOD_NAMES, METRIC_NAMES
from tagkit.lang import Lang
from tagkit.report.formats import format_money
from tagkit.report.words import ui

Names = dict[str, dict[str, str]]

__all__ = ["FLAGS", "REASONS", "TAG_NAMES", "format_money", "name_of", "reason_text", "tag_name", "ui"]

TAG_NAMES: Names = {
    "benchmark": {"zh": "标杆客户", "en": "Benchmark"},
    "nail": {"zh": "钉子客户", "en": "Nail"},
    "at_risk": {"zh": "危险客户", "en": "At risk"},
    "regular": {"zh": "普通客户", "en": "Regular"},
}

# Short labels of the scorer's reason codes (the full sentences, with the customer's figures, are
# in scores.parquet: reasons_zh / reasons_en, worded in params/reasons.yaml). Keep the keys in step
# with tagkit.scoring.reasons: tests/test_scoring_rules.py checks they match.
REASONS: dict[str, dict[str, str]] = {
    "risk_sales_decline_yoy": {"zh": "销售额同比下降", "en": "sales down on the same quarter last year"},
    "risk_sales_decline_normal": {"zh": "销售额低于平常季度（已扣除季节因素）",
                                  "en": "sales below its usual quarter, season allowed for"},
    "risk_sales_decline_year": {"zh": "近四季销售额较前四季下降",
                                "en": "sales of the last 4 quarters down on the four before"},
    "risk_orders_lapsed": {"zh": "订货已远超其惯常间隔", "en": "orders overdue against its own rhythm"},
    "risk_no_recent_order": {"zh": "很久没有订货", "en": "no order for a long time"},
    "risk_fewer_orders": {"zh": "订货间隔拉长", "en": "orders spacing out"},
    "risk_fewer_lines": {"zh": "采购品类收窄", "en": "buying fewer of our lines"},
    "risk_fewer_visits": {"zh": "拜访减少", "en": "fewer visits"},
    "risk_cold_visits": {"zh": "拜访结果转差", "en": "visits ending badly"},
    "risk_complaints": {"zh": "近期有投诉", "en": "recent complaints"},
    "risk_satisfaction_drop": {"zh": "满意度下降", "en": "satisfaction falling"},
    "risk_competitor_signals": {"zh": "近期出现竞争对手动作", "en": "recent competitor activity"},
    "risk_score_high": {"zh": "下季变差概率高", "en": "high chance of going bad next quarter"},
    "benchmark_at_risk": {"zh": "标杆级客户出现风险", "en": "a benchmark-quality customer at risk"},
    "benchmark_influence": {"zh": "影响力高", "en": "high influence"},
    "benchmark_satisfaction": {"zh": "满意度高", "en": "high satisfaction"},
    "benchmark_cooperation": {"zh": "配合度高", "en": "high cooperation"},
    "nail_high_potential": {"zh": "采购潜力大", "en": "large purchasing potential"},
    "nail_low_share_of_wallet": {"zh": "我方份额低", "en": "low share of wallet"},
    "nail_line_gap": {"zh": "大客户产品线缺口", "en": "large customer, few of our lines"},
    "nail_few_lines": {"zh": "只采购我方少数产品线", "en": "buys few of our product lines"},
    "nail_effort_not_converting": {"zh": "拜访投入未见成效", "en": "visits not converting"},
    "nail_stalled": {"zh": "份额长期停滞", "en": "share stalled for quarters"},
    "dormant_no_orders": {"zh": "长期未订货（挽回名单）", "en": "no orders for a long time (win-back list)"},
    "new_customer_short_tenure": {"zh": "新客户，尚难判断", "en": "new customer, too early to judge"},
    "not_benchmark_influence": {"zh": "销量大但影响力不足", "en": "big buyer without influence"},
    "not_benchmark_satisfaction": {"zh": "销量大但满意度不足", "en": "big buyer, not satisfied"},
    "not_benchmark_cooperation": {"zh": "销量大但配合度不足", "en": "big buyer, not cooperating"},
    "tag_kept": {"zh": "沿用上季标签（未越过退出阈值）",
                 "en": "last quarter's tag kept (within the exit threshold)"},
}

FLAGS: Names = {
    "benchmark_at_risk": {"zh": "标杆级危险", "en": "benchmark at risk"},
    "benchmark_candidate": {"zh": "潜在标杆", "en": "benchmark candidate"},
    "speculator": {"zh": "疑似投机客户", "en": "suspected speculator"},
    "dormant": {"zh": "长期未订货", "en": "dormant"},
    "new_customer": {"zh": "新客户", "en": "new customer"},
    "rep_change_recommended": {"zh": "建议更换业务员", "en": "change the rep"},
    "holdout": {"zh": "对照组（本季不行动）", "en": "holdout (no action this quarter)"},
    "line_gap": {"zh": "产品线缺口", "en": "line gap"},
    "benchmark_slipping": {"zh": "标杆下滑", "en": "benchmark slipping"},
}

# the prescription's categorical columns (DATA_CONTRACT.md); unknown values are shown as they are
VALUES: dict[str, Names] = {
    "benchmark_level": {
        "national": {"zh": "全国级", "en": "national"}, "provincial": {"zh": "省级", "en": "provincial"},
        "city": {"zh": "市级", "en": "city"}, "local": {"zh": "片区级", "en": "local"},
        "neighbourhood": {"zh": "社区级", "en": "neighbourhood"},
    },
    "nail_cause": {
        "trust": {"zh": "不信任产品或服务", "en": "distrust of our product or service"},
        "competitor": {"zh": "竞争对手更有吸引力", "en": "a more attractive competitor"},
        "internal": {"zh": "内部矛盾或历史遗留", "en": "internal conflict or history"},
        "unknown": {"zh": "原因未明", "en": "cause unknown"},
    },
    "nail_decision": {
        "invest": {"zh": "投入攻坚", "en": "invest"}, "reduce": {"zh": "减少投入", "en": "reduce effort"},
        "drop": {"zh": "放弃", "en": "drop"},
    },
    "defences": {
        "relationship": {"zh": "关系防守", "en": "relationship defence"},
        "commercial": {"zh": "商务防守", "en": "commercial defence"},
        "risk": {"zh": "风险防守", "en": "risk defence"},
    },
    "development_stage": {
        "early": {"zh": "初期", "en": "Early"}, "middle": {"zh": "中期", "en": "Middle"},
        "late": {"zh": "后期", "en": "Late"},
    },
    "movement": {
        "nail_pulled": {"zh": "钉子已拔", "en": "nail pulled"},
        "at_risk_lost": {"zh": "危险客户流失", "en": "at-risk customer lost"},
        "at_risk_saved": {"zh": "危险客户挽回", "en": "at-risk customer saved"},
        "benchmark_lost": {"zh": "失去标杆", "en": "benchmark lost"},
        "benchmark_new": {"zh": "新标杆", "en": "new benchmark"},
        "at_risk_new": {"zh": "新增危险", "en": "newly at risk"},
        "nail_new": {"zh": "新钉子", "en": "new nail"},
        "nail_released": {"zh": "不再列为钉子", "en": "no longer a nail"},
    },
    "escalate_note": {
        "no_reps_table": {"zh": "无业务员表，无法向上升级", "en": "no reps table to escalate through"},
        "rep_not_in_reps": {"zh": "业务员不在业务员表中，由其本人牵头",
                            "en": "the rep is not in the reps table: the rep leads"},
        "chain_broken": {"zh": "上级链条中断，未找到该级别的人，由业务员牵头",
                         "en": "the manager chain ends before that level: the rep leads"},
        "executive_via_top": {"zh": "公司高层不在业务员表中：由上级链条最顶端的人请高层出面",
                              "en": "no executive in the reps table: the top of the manager chain brings one in"},
    },
    "showcase_basis": {
        "before_benchmark": {"zh": "成为标杆前后对比（已增长）",
                             "en": "before and after it became a benchmark (grown)"},
        "slipping": {"zh": "销售下滑：先防守，不作展示", "en": "slipping: defend it, no showcase"},
        "no_before": {"zh": "无成为标杆之前的数据：不作前后对比",
                      "en": "no period before it became a benchmark: no before/after"},
        "no_growth": {"zh": "成为标杆后销售未增长：不作展示",
                      "en": "no growth since it became a benchmark: no showcase"},
    },
    "visit_plan_basis": {
        "capacity": {"zh": "按业务员拜访能力安排", "en": "fitted to the rep's capacity"},
        "no_visits_table": {"zh": "无拜访记录：沿用建议次数", "en": "no visit records: the recommendation"},
        "no_rep_visits": {"zh": "业务员无拜访记录：沿用建议次数", "en": "no visits of the rep: the recommendation"},
    },
    "candidate_kind": {
        "benchmark_candidate": {"zh": "潜在标杆", "en": "benchmark candidate"},
        "most_influential": {"zh": "当地影响力最大", "en": "the most influential there"},
    },
    "quality_part": {
        "benchmark": {"zh": "标杆客户", "en": "benchmarks"},
        "healthy_regular": {"zh": "健康普通客户", "en": "healthy regulars"},
        "nail": {"zh": "钉子客户", "en": "nails"}, "at_risk": {"zh": "危险客户", "en": "at risk"},
        "speculator": {"zh": "投机客户", "en": "speculators"}, "dormant": {"zh": "长期未订货", "en": "dormant"},
    },
    "role": {
        "rep": {"zh": "业务员", "en": "rep"}, "supervisor": {"zh": "主管", "en": "supervisor"},
        "regional_manager": {"zh": "大区经理", "en": "regional manager"},
        "executive": {"zh": "公司高层", "en": "executive"},
    },
    "signal": {
        "visits": {"zh": "拜访记录（visits 表缺失）", "en": "visits (no visits table)"},
        "feedback": {"zh": "满意度与投诉（feedback 表缺失）", "en": "surveys and complaints (no feedback table)"},
        "competitor_signals": {"zh": "竞争对手动作（competitor_signals 表缺失）",
                               "en": "competitor activity (no competitor_signals table)"},
        "potential_annual_value": {"zh": "年采购潜力（无法计算份额与潜力分）",
                                   "en": "yearly potential (no share of wallet, no potential score)"},
        "product_line": {"zh": "产品线（无法衡量采购广度）", "en": "product lines (no breadth of purchase)"},
        "influence": {"zh": "影响力（范围、网点、推荐均未知）", "en": "influence (scope, outlets, referrals unknown)"},
        "satisfaction": {"zh": "满意度（调查窗口内无问卷）", "en": "satisfaction (no survey in the window)"},
        "cooperation": {"zh": "配合度（调查窗口内无问卷）", "en": "cooperation (no survey in the window)"},
    },
    "risk_stage": {
        "early": {"zh": "早期预警", "en": "early warning"}, "declining": {"zh": "已在下滑", "en": "declining"},
    },
    "competitor_signal": {
        "quote": {"zh": "报价", "en": "quotes"}, "visit": {"zh": "拜访", "en": "visits"},
        "promotion": {"zh": "促销", "en": "promotions"},
        "exclusive_offer": {"zh": "独家条件", "en": "exclusive offers"},
        "lost_listing": {"zh": "丢失陈列", "en": "lost listings"},
    },
    "method": METHOD_NAMES,
    "metric": METRIC_NAMES,
    "table": {
        "customers": {"zh": "客户", "en": "customers"}, "orders": {"zh": "订单", "en": "orders"},
        "reps": {"zh": "业务员", "en": "reps"}, "visits": {"zh": "拜访", "en": "visits"},
        "feedback": {"zh": "反馈", "en": "feedback"},
        "competitor_signals": {"zh": "竞品动态", "en": "competitor signals"},
    },
}



def tag_name(tag: str, language: Lang) -> str:
    return TAG_NAMES[tag][language] if tag in TAG_NAMES else tag


def name_of(kind: str, value: str, language: Lang) -> str:
    """The display name of a categorical value (``kind`` a key of :data:`VALUES`); unknown values unchanged."""
    return VALUES.get(kind, {}).get(value, {}).get(language, value.replace("_", " "))


def level_name(level: str, status: str | None, language: Lang) -> str:
    """A benchmark level, marked former / potential where its bar is not met now (``benchmark_level_status``)."""
    name = name_of("benchmark_level", level, language)
    return ui(f"level_{status}", language, level=name) if status in ("former", "candidate") else name


def flag_name(flag: str, language: Lang) -> str:
    return FLAGS.get(flag, {}).get(language, flag.replace("_", " "))


def reason_text(code: str, language: Lang) -> str:
    """A reason code as a phrase; unknown codes are shown as they are rather than hidden."""
    return REASONS.get(code, {}).get(language, code)
