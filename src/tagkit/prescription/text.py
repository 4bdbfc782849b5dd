"""Bilingual sentences of the prescription, rendered from params with polars expressions.

The wording lives in ``params/prescription.yaml`` and ``params/playbook.yaml``; this module only
fills ``{name}`` placeholders with each customer's figures (reusing the scorer's renderer, so a
missing figure shows as ``–`` and a sentence is never null) and checks that every placeholder is
known before anything runs.
"""
from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from tagkit.errors import ParamsError
from tagkit.lang import LANGUAGES, Lang
from tagkit.params import ReasonText
from tagkit.scoring.text import FIGURE, render

CRITERION_WORDS = {
    "zh": {"influence": "影响力", "satisfaction": "满意度", "cooperation": "配合度"},
    "en": {"influence": "influence", "satisfaction": "satisfaction", "cooperation": "cooperation"},
}
# the risk components a defence may be triggered by, as the evidence of its step reads them
COMPONENT_WORDS = {
    "zh": {"sales_decline": "销售额下降", "orders_lapsed": "订货逾期", "fewer_visits": "拜访减少",
           "complaints": "投诉增多", "satisfaction_drop": "满意度下降", "competitor_signals": "竞品动作增多"},
    "en": {"sales_decline": "sales falling", "orders_lapsed": "orders overdue", "fewer_visits": "fewer visits",
           "complaints": "more complaints", "satisfaction_drop": "satisfaction falling",
           "competitor_signals": "more competitor activity"},
}
SEPARATORS = {"zh": {"words": "、", "parts": "，", "steps": "；"}, "en": {"words": ", ", "parts": "; ", "steps": "; "}}

Values = Mapping[Lang, Mapping[str, pl.Expr]]  # language -> placeholder -> figure as text


def check_wording(texts: Mapping[str, ReasonText], known: set[str], *, source: str) -> None:
    """Every placeholder of ``texts`` must be in ``known``; all problems are reported together."""
    problems = [
        f"{source}.{key}.{lang}: unknown placeholder '{{{name}}}'"
        for key, text in texts.items()
        for lang in LANGUAGES
        for name, *_ in FIGURE.findall(getattr(text, lang))
        if name not in known
    ]
    if problems:
        raise ParamsError(
            f"{source}: {len(problems)} problem(s):\n" + "\n".join(f"  - {p}" for p in problems)
            + f"\nUse only these placeholders: {', '.join(sorted(known))}."
        )


def sentence(text: ReasonText, values: Values, lang: Lang) -> pl.Expr:
    """``text`` in ``lang`` with the customer's figures filled in."""
    return render(getattr(text, lang), dict(values[lang]))


def word(code: pl.Expr, vocabulary: Mapping[str, str]) -> pl.Expr:
    """A code as a word of ``vocabulary`` (unknown codes stay as they are; null stays null)."""
    return code.replace_strict(dict(vocabulary), default=code, return_dtype=pl.String)


def joined_where(pieces: Mapping[str, pl.Expr], hits: Mapping[str, pl.Expr], sep: str) -> pl.Expr:
    """The pieces whose hit holds, in the given order, joined by ``sep``; null when none holds."""
    if not pieces:
        return pl.lit(None, dtype=pl.String)
    chosen = [pl.when(hits[k].fill_null(False)).then(piece) for k, piece in pieces.items()]
    text = pl.concat_str(chosen, separator=sep, ignore_nulls=True)
    return pl.when(text != "").then(text)
