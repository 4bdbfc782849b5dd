"""How validation's reason codes read to a person (``unparseable_amount`` → "amount unreadable"), in Chinese
and English: validation's own pages and the reports' data-quality notes show them alike.
"""
from __future__ import annotations

from tagkit.lang import Lang

Names = dict[str, dict[str, str]]

# how validation's reason codes read: a pattern on the code, then the column named in it
_REASON_PATTERNS = (
    ("missing_", {"zh": "{col} 缺失", "en": "{col} missing"}),
    ("unparseable_", {"zh": "{col} 无法解析", "en": "{col} unreadable"}),
    ("non_finite_", {"zh": "{col} 不是有限数值", "en": "{col} not a finite number"}),
    ("invalid_", {"zh": "{col} 取值无效", "en": "{col} not an allowed value"}),
    ("unknown_", {"zh": "引用了不存在的{col}", "en": "refers to an unknown {col}"}),
)
_QUARANTINE: Names = {
    "after_quarter_end": {"zh": "日期在季度末之后（忽略并计数）",
                          "en": "dated after the quarter's end (ignored, counted)"},
    "duplicate_key": {"zh": "主键重复", "en": "duplicate key"},
    "zero_coordinates": {"zh": "经纬度为 0", "en": "coordinates at 0,0"},
    "high_null_rate": {"zh": "空值比例过高", "en": "too many empty values"},
}


def quarantine_reason(code: str, language: Lang) -> str:
    """Validation's reason code (``unparseable_amount``, ``lat_out_of_range`` …) as a phrase."""
    if code in _QUARANTINE:
        return _QUARANTINE[code][language]
    if code.endswith("_out_of_range"):
        col = _column(code.removesuffix("_out_of_range"), language)
        return f"{col} 超出范围" if language == "zh" else f"{col} out of range"
    for prefix, text in _REASON_PATTERNS:
        if code.startswith(prefix):
            return text[language].format(col=_column(code.removeprefix(prefix), language))
    return code


# the referenced tables of unknown_* codes read better as words; other columns keep their names
_COLUMNS: Names = {"customer": {"zh": "客户", "en": "customer"}, "rep": {"zh": "业务员", "en": "rep"},
                   "manager": {"zh": "上级", "en": "manager"}}


def _column(name: str, language: Lang) -> str:
    return _COLUMNS.get(name, {}).get(language, name)
