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
from tagkit.validation.result import ExpectationResult, ValidationResult

TEMPLATES = Path(__file__).parent / "templates"
N_EXAMPLE_ROWS = 5


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


def _reasons(name: str, result: ValidationResult, checks: list[ExpectationResult]) -> list[dict[str, Any]]:
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
        r = meaning.get(code)
        out.append({"code": code, "count": count, "examples": examples,
                    "meaning": r.description if r else "", "action": (r.meta.get("action", "") if r else "")})
    return out


def render_validation_html(result: ValidationResult) -> str:
    """The validation report as one HTML string."""
    tables = []
    for name, acc in result.accounting.items():
        checks = [r for r in result.expectations if r.table == name]
        q = result.quarantine.get(name)
        names = q.lazy().collect_schema().names() if q is not None else []
        required = [c for c in TABLES[name].required_columns if c in names]
        tables.append({
            **acc.to_dict(), "name": name,
            "reasons": _reasons(name, result, checks),
            "example_columns": ["_file", "_row", *required, "reason", "action", "detail"],
            "checks": [_check_row(r) for r in checks],
        })
    template = _environment().get_template("validation.html.j2")
    return template.render(
        quarter=result.quarter, blocked=result.blocked, blocking=result.blocking,
        warnings=result.warnings, missing=result.missing, tables=tables,
    )
