"""Words shown to report readers, in Chinese and English.

Tag names follow DOMAIN.md. Part C moves the playbook wording into params/;
these are the fixed labels of the report's own furniture.
"""
from __future__ import annotations

from typing import Literal

Language = Literal["zh", "en"]

TAG_NAMES: dict[str, dict[str, str]] = {
    "benchmark": {"zh": "标杆客户", "en": "Benchmark"},
    "nail": {"zh": "钉子客户", "en": "Nail"},
    "at_risk": {"zh": "危险客户", "en": "At risk"},
    "regular": {"zh": "普通客户", "en": "Regular"},
}

# Short labels of the scorer's reason codes (the full sentences, with the customer's figures, are
# in scores.parquet: reasons_zh / reasons_en, worded in params/reasons.yaml). Keep the keys in step
# with tagkit.scoring.reasons: tests/test_scoring_rules.py checks they match.
REASONS: dict[str, dict[str, str]] = {
    "risk_sales_decline_yoy": {"zh": "销售额同比下降，大区未同步下降",
                               "en": "sales down on last year, unlike the region"},
    "risk_sales_decline_qoq": {"zh": "销售额环比下降，大区未同步下降",
                               "en": "sales down on last quarter, unlike the region"},
    "risk_sales_decline_year": {"zh": "近四季销售额较前四季下降",
                                "en": "sales of the last four quarters down on the four before"},
    "risk_orders_lapsed": {"zh": "订货已远超其惯常间隔", "en": "orders lapsed far beyond the usual interval"},
    "risk_fewer_visits": {"zh": "拜访减少", "en": "fewer visits"},
    "risk_complaints": {"zh": "近期有投诉", "en": "recent complaints"},
    "risk_satisfaction_drop": {"zh": "满意度下降", "en": "satisfaction falling"},
    "risk_competitor_signals": {"zh": "近期出现竞争对手动作", "en": "recent competitor activity"},
    "risk_score_high": {"zh": "风险分高于阈值", "en": "risk score above the threshold"},
    "benchmark_at_risk": {"zh": "标杆级客户出现风险", "en": "a benchmark-quality customer at risk"},
    "benchmark_influence": {"zh": "影响力高", "en": "high influence"},
    "benchmark_satisfaction": {"zh": "满意度高", "en": "high satisfaction"},
    "benchmark_cooperation": {"zh": "配合度高", "en": "high cooperation"},
    "nail_high_potential": {"zh": "采购潜力大", "en": "large purchasing potential"},
    "nail_low_share_of_wallet": {"zh": "我方份额低", "en": "low share of wallet"},
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

UI: dict[str, dict[str, str]] = {
    "title": {"zh": "{region} 客户标签报告 · {quarter}", "en": "{region} customer tags · {quarter}"},
    "index_title": {"zh": "客户标签报告 · {quarter}", "en": "Customer tag reports · {quarter}"},
    "customers": {"zh": "客户数", "en": "Customers"},
    "sales_quarter": {"zh": "本季销售额", "en": "Sales this quarter"},
    "sales_trailing_4q": {"zh": "近四季销售额", "en": "Sales, last 4 quarters"},
    "by_tag": {"zh": "按标签", "en": "By tag"},
    "tag": {"zh": "标签", "en": "Tag"},
    "previous_tag": {"zh": "上季标签", "en": "Previous tag"},
    "customer": {"zh": "客户", "en": "Customer"},
    "customer_id": {"zh": "客户编号", "en": "Customer ID"},
    "rep": {"zh": "业务员", "en": "Rep"},
    "city": {"zh": "城市", "en": "City"},
    "abc": {"zh": "ABC", "en": "ABC"},
    "score_risk": {"zh": "风险分", "en": "Risk score"},
    "reasons": {"zh": "原因", "en": "Reasons"},
    "region": {"zh": "大区", "en": "Region"},
    "report": {"zh": "报告", "en": "Report"},
    "open": {"zh": "打开", "en": "Open"},
    "failed": {"zh": "生成失败", "en": "failed"},
    "tagged_customers": {"zh": "已标记客户", "en": "Tagged customers"},
    "chart_title": {"zh": "各标签客户的销售额", "en": "Sales by tag"},
    "shown_of": {"zh": "显示前 {shown} 位,共 {total} 位", "en": "showing {shown} of {total}"},
    "validation": {"zh": "数据校验报告", "en": "Validation report"},
    "generated": {"zh": "数据截至 {as_of}", "en": "Data as of {as_of}"},
}


def ui(key: str, language: Language, **fmt: object) -> str:
    return UI[key][language].format(**fmt)


def tag_name(tag: str, language: Language) -> str:
    return TAG_NAMES[tag][language]


def reason_text(code: str, language: Language) -> str:
    """A reason code as a phrase; unknown codes are shown as they are rather than hidden."""
    return REASONS.get(code, {}).get(language, code)


def format_money(value: float | None, language: Language) -> str:
    """¥ with 万/亿 in Chinese, thousands separators in English."""
    if value is None:
        return "–"
    if language == "zh":
        if abs(value) >= 1e8:
            return f"¥{value / 1e8:,.2f}亿"
        if abs(value) >= 1e4:
            return f"¥{value / 1e4:,.1f}万"
        return f"¥{value:,.0f}"
    return f"¥{value:,.0f}"
