"""``validation.html``: what was checked, what failed, which rows were set aside.

Self-contained (inline CSS, no scripts), deterministic (no timestamps), and every value
from the data is HTML-escaped by Jinja2's autoescape.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from tagkit.contract import TABLES
from tagkit.lang import LANGUAGES
from tagkit.validation.result import ExpectationResult, ValidationResult
from tagkit.validation.words import quarantine_reason

TEMPLATES = Path(__file__).parent / "templates"
N_EXAMPLE_ROWS = 5

# the page's own words in the run's report language (report.language); the messages themselves (blocking
# problems, warnings, what each check means) are written once, in English, as the command line prints them
WORDS: dict[str, tuple[str, str]] = {
    "lang": ("zh-CN", "en"),
    "title": ("数据校验", "Validation"),
    "h1": ("输入数据校验，", "Validation of the input data, "),
    "outcome": ("结果：", "Outcome:"),
    "blocked": ("已阻止", "blocked"),
    "blocked_says": ("运行在打分之前停止；请修正下列问题后重新运行。",
                     "the run stopped before scoring; fix the problems below and run again."),
    "passed": ("通过", "passed"),
    "passed_says": ("运行继续，使用下表统计的可用行。", "the run went on with the usable rows counted below."),
    "rows_per_table": ("各表行数", "Rows per table"),
    "table": ("表", "table"), "files": ("文件", "files"), "rows_read": ("读取行数", "rows read"),
    "rows_used": ("使用行数", "rows used"), "rows_set_aside": ("搁置行数", "rows set aside"),
    "rows_nulled": ("置空部分值的行（保留）", "rows with values nulled (kept)"),
    "accounting": ("读取的每一行要么被使用，要么被搁置：读取行数 = 使用行数 + 搁置行数。"
                   "置空部分值的行仍被使用，所列值被清空。",
                   "Every row read is either used or set aside: rows read = rows used + rows set aside. Rows with "
                   "values nulled are used, with the listed values emptied."),
    "missing": ("未提供的可选表：", "Optional tables not provided: "),
    "missing_after": ("。依赖它们的分数为空。", ". The scores that need them are empty."),
    "none_missing": ("所有可选表都已提供。", "Every optional table was provided."),
    "blocking": ("阻止运行的问题", "Blocking problems"), "none": ("无。", "None."),
    "warnings": ("警告", "Warnings"),
    "set_aside_by_reason": ("按原因列出的搁置行", "What was set aside, by reason"),
    "reason": ("原因", "reason"), "rule": ("违反的规则", "rule broken"), "action": ("处理", "action"),
    "rows": ("行数", "rows"), "example_rows": ("示例行：", "Example rows: "),
    "nothing_set_aside": ("没有搁置任何行。", "Nothing set aside."),
    "checked": ("检查了什么", "What was checked"),
    "severity_says": ("严重程度：<b>blocking</b> 停止运行；<b>row</b> 搁置所标记的行（或清空某个值），运行继续；"
                      "<b>warning</b> 仅报告。",
                      "Severity: <b>blocking</b> stops the run; <b>row</b> sets the rows it flags aside (or empties "
                      "a value) and the run goes on; <b>warning</b> is reported only."),
    "check": ("检查", "check"), "severity": ("严重程度", "severity"), "result": ("结果", "result"),
    "rows_flagged": ("标记行数", "rows flagged"), "example_rows_short": ("示例行", "example rows"),
    "failed": ("未通过", "failed"), "skipped": ("跳过", "skipped"),
}


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def _check_row(r: ExpectationResult) -> dict[str, Any]:
    status = "skipped" if r.success is None else ("passed" if r.success else "failed")
    note = r.skipped or ""
    if not note and r.observed_value is not None:
        observed = r.observed_value
        note = f"observed {observed:.1%} filled" if isinstance(observed, float) else f"observed {observed}"
    flagged = "" if r.unexpected_count is None else f"{r.unexpected_count} of {r.element_count}"
    examples = [f"{e.file} row {e.row}: {_cell(e.value)}" for e in r.examples]
    return {"description": r.description, "severity": r.severity, "status": status, "note": note,
            "flagged": flagged, "examples": examples}


ACTIONS = {"row_set_aside": ("整行搁置", "row set aside"),
           "value_nulled": ("清空该值，保留该行", "value emptied, row kept")}


def _reasons(name: str, result: ValidationResult, checks: list[ExpectationResult],
             language: str = "en") -> list[dict[str, Any]]:
    quarantine = result.quarantine.get(name)
    meaning: dict[str, ExpectationResult] = {}
    for r in checks:
        if r.severity == "row":
            meaning.setdefault(r.reason, r)
    counts = sorted(result.accounting[name].by_reason.items(), key=lambda kv: (-kv[1], kv[0]))
    out = []
    for code, count in counts:
        examples: list[dict[str, str]] = []
        if quarantine is not None:
            rows = (quarantine.lazy().filter(pl.col("reason").str.split(";").list.contains(code))
                    .head(N_EXAMPLE_ROWS).collect())
            examples = [{k: _cell(v) for k, v in row.items()} for row in rows.iter_rows(named=True)]
        rule = meaning.get(code)
        action = rule.meta.get("action", "") if rule else ""
        if language == "zh":  # the reason in the report's words (validation/words.py), the rule's own text after it
            said = quarantine_reason(code, "zh") + (f"（{rule.description}）" if rule else "")
        else:
            said = rule.description if rule else ""
        out.append({"code": code, "count": count, "examples": examples, "meaning": said,
                    "action": ACTIONS.get(action, (action, action))[LANGUAGES.index(language)]})
    return out


def render_validation_html(result: ValidationResult, language: str = "en") -> str:
    """The validation report as one HTML string, its own words in ``language`` (``zh`` or ``en``)."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}; got {language!r}")
    w = {key: pair[LANGUAGES.index(language)] for key, pair in WORDS.items()}
    tables = []
    for name, acc in result.accounting.items():
        checks = [r for r in result.expectations if r.table == name]
        q = result.quarantine.get(name)
        names = q.lazy().collect_schema().names() if q is not None else []
        required = [c for c in TABLES[name].required_columns if c in names]
        tables.append({
            **acc.to_dict(), "name": name,
            "reasons": _reasons(name, result, checks, language),
            "example_columns": ["_file", "_row", *required, "reason", "action", "detail"],
            "checks": [_check_row(r) for r in checks],
        })
    template = _environment().get_template("validation.html.j2")
    return template.render(
        w=w, quarter=result.quarter, blocked=result.blocked, blocking=result.blocking,
        warnings=result.warnings, missing=result.missing, tables=tables,
    )
