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

REASONS: dict[str, dict[str, str]] = {
    "risk_orders_lapsed": {"zh": "订货已远超其惯常间隔", "en": "orders lapsed far beyond the usual interval"},
    "risk_sales_decline": {"zh": "近两季销售较前两季下降超过30%", "en": "sales of the last two quarters fell over 30%"},
    "risk_complaints": {"zh": "近两季有投诉", "en": "complaints in the last two quarters"},
    "risk_competitor_signals": {"zh": "近两季出现竞争对手动作", "en": "competitor activity in the last two quarters"},
    "risk_score_high": {"zh": "风险分高于阈值", "en": "risk score above the threshold"},
    "benchmark_influence": {"zh": "影响力高", "en": "high influence"},
    "benchmark_satisfaction": {"zh": "满意度高", "en": "high satisfaction"},
    "benchmark_cooperation": {"zh": "配合度高", "en": "high cooperation"},
    "nail_high_potential": {"zh": "采购潜力大", "en": "large purchasing potential"},
    "nail_low_share_of_wallet": {"zh": "我方份额低", "en": "low share of wallet"},
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
