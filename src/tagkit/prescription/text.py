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
from tagkit.params import ReasonText
from tagkit.scoring.text import FIGURE, render

LANGUAGES = ("zh", "en")
CRITERION_WORDS = {
    "zh": {"influence": "影响力", "satisfaction": "满意度", "cooperation": "配合度"},
    "en": {"influence": "influence", "satisfaction": "satisfaction", "cooperation": "cooperation"},
}

Values = Mapping[str, Mapping[str, pl.Expr]]  # language -> placeholder -> figure as text


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


def sentence(text: ReasonText, values: Values, lang: str) -> pl.Expr:
    """``text`` in ``lang`` with the customer's figures filled in."""
    return render(getattr(text, lang), dict(values[lang]))


def word(code: pl.Expr, vocabulary: Mapping[str, str]) -> pl.Expr:
    """A code as a word of ``vocabulary`` (unknown codes stay as they are; null stays null)."""
    return code.replace_strict(dict(vocabulary), default=code, return_dtype=pl.String)
