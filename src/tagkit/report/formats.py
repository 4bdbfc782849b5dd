"""Numbers as a reader expects them: ¥ with 万/亿 in Chinese, thousands separators in English.

Every figure in a report goes through one of these, so a page never mixes conventions.
A missing value is always an en dash, never ``None``, ``nan`` or zero.
"""
from __future__ import annotations

import math
from typing import TypeGuard

from tagkit.currency import MINUS, money_text
from tagkit.lang import Lang

DASH = "–"


def _present(value: float | None) -> TypeGuard[float]:
    """Not None and, for a float, finite: a guard, so the type checker knows ``value`` is a number after it."""
    return not (value is None or (isinstance(value, float) and not math.isfinite(value)))


def format_money(value: float | None, language: Lang, symbol: str | None = None) -> str:
    """¥ with 万/亿 in Chinese (below 1万 too, never like a year), CN¥ with K/M/B in English: the reasons' style,
    one table for both (:data:`tagkit.currency.UNITS`; ``symbol``: report.currency, else
    :data:`tagkit.currency.SYMBOL`).

    >>> format_money(1_234_567, "zh"), format_money(2022, "zh"), format_money(1_234_567, "en"), format_money(950, "en")
    ('¥123.5万', '¥0.2万', 'CN¥1.2M', 'CN¥950')
    """
    if not _present(value):
        return DASH
    return money_text(value, language, symbol)


def format_count(value: int | float | None) -> str:
    return DASH if not _present(value) else f"{int(value):,}"


def format_percent(value: float | None, digits: int = 0) -> str:
    """A share (0..1) as a percentage: ``0.125 → '13%'`` (``digits`` decimals)."""
    if not _present(value):
        return DASH
    text = f"{abs(value) * 100:.{digits}f}%"
    return MINUS + text if value < 0 and text.strip("0.%") else text


def format_change(value: float | None, digits: int = 0) -> str:
    """A relative change as a signed percentage: ``-0.35 → '−35%'``, ``0.1 → '+10%'``."""
    if not _present(value):
        return DASH
    text = f"{abs(value) * 100:.{digits}f}%"
    if not text.strip("0.%"):
        return text
    return ("+" if value > 0 else MINUS) + text


def format_delta(value: int | float | None) -> str:
    """A difference in counts: ``+3``, ``−1``, ``±0``."""
    if not _present(value):
        return DASH
    n = round(value)
    return f"+{n:,}" if n > 0 else f"{MINUS}{-n:,}" if n < 0 else "±0"


def format_points(value: float | None, language: Lang) -> str:
    """A difference of two shares in percentage points: ``+3.2 pp`` / ``+3.2 个百分点``."""
    if not _present(value):
        return DASH
    pts = value * 100
    if abs(pts) < 0.05:
        return "±0" + (" 个百分点" if language == "zh" else " pp")
    sign = "+" if pts > 0 else MINUS
    return f"{sign}{abs(pts):.1f}" + (" 个百分点" if language == "zh" else " pp")


def format_score(value: float | None) -> str:
    """A 0..100 score, whole points."""
    return DASH if not _present(value) else f"{value:.0f}"


def format_ratio(value: float | None, digits: int = 2) -> str:
    """A plain number such as a lift or an AUC."""
    return DASH if not _present(value) else f"{value:.{digits}f}"


def trend_class(value: float | None, *, better: str = "up") -> str:
    """CSS class for a signed change: ``good``, ``bad`` or ``flat``.

    ``better`` says which way is good news: ``up`` (sales, benchmarks), ``down`` (at-risk
    customers) or ``neither`` (a count that is not good or bad in itself).
    """
    if not _present(value) or abs(value) < 1e-9 or better == "neither":
        return "flat"
    return "good" if (value > 0) == (better == "up") else "bad"
