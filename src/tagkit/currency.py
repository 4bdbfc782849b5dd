"""How money is written, per language, when no params say otherwise (params/report.yaml ``currency``).

Chinese readers take ¥ for the renminbi; an English reader may take it for the yen, so English pages
write CN¥. Chinese amounts are in 万/亿 (below 1万 too); English ones in K/M/B with one decimal: the style of the
reasons, the tables, the headline cards and the chart axes alike. The run's symbol is
``report.currency``, which :class:`tagkit.params.Params` also hands to the scorer's sentences.
"""
from __future__ import annotations

SYMBOL = {"zh": "¥", "en": "CN¥"}
MINUS = "−"  # a real minus sign: a hyphen looks like a dash in tables

# An amount takes the first unit it reaches, largest first: (size, unit, decimals). The pages
# (tagkit.report.formats.format_money) and the reasons (tagkit.scoring.text.money) both write money by
# this table, so "CN¥1.2B" on a page is "CN¥1.2B" in a reason.
UNITS = {"zh": ((1e8, "亿", 2), (1e4, "万", 1)), "en": ((1e9, "B", 1), (1e6, "M", 1), (1e3, "K", 1))}
# Below 1万 Chinese still writes 万, to about two significant figures (¥2,022 is ¥0.2万, ¥300 is ¥0.03万),
# trailing zeros dropped, so an amount never reads as a year: (from, decimals of 万). Under ¥1: ¥0.
# English writes whole yuan below 1K (CN¥950).
SMALL_ZH = ((1e3, 2), (1e2, 3), (1e1, 4), (1.0, 5))


def rounded(x: float, decimals: int) -> float:
    """Half to even on the scaled value, as polars' ``Expr.round``: the pages and the reasons print the same digits."""
    return round(x * 10**decimals) / 10**decimals


def money_text(value: float, language: str, symbol: str | None = None) -> str:
    """A finite amount by :data:`UNITS`: ``¥123.5万``, ``¥0.2万``, ``CN¥1.2B``, ``−CN¥950``."""
    v = abs(value)
    text = ""
    for size, unit, decimals in UNITS[language]:
        if v >= size:
            text = f"{rounded(v / size, decimals):,.{decimals}f}{unit}"
            break
    else:
        if language == "zh":
            small = next((d for start, d in SMALL_ZH if v >= start), None)
            text = f"{rounded(v / 1e4, small)}万" if small is not None else "0"
        else:
            text = f"{int(rounded(v, 0)):,}"
    sign = MINUS if value < 0 and text != "0" else ""
    return f"{sign}{SYMBOL[language] if symbol is None else symbol}{text}"
