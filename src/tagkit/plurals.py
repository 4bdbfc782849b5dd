"""English plurals in wording templates: ``{n|one|other}`` is ``one`` when the figure ``n`` is 1, else ``other``.

Chinese has no plural, so its templates never need the form; English has two, and "1 complaints" or
"2 quarter(s)" read as a machine wrote them. The same form works in the report's words
(:func:`fill`, plain strings) and in params/reasons.yaml (:func:`tagkit.scoring.text.render`, a polars
expression over every customer).

>>> fill("{n} {n|complaint|complaints} in {q} {q|quarter|quarters}", n=1, q=2)
'1 complaint in 2 quarters'
"""
from __future__ import annotations

import re

PLURAL = re.compile(r"\{(\w+)\|([^{}|]*)\|([^{}|]*)\}")


def fill(template: str, **values: object) -> str:
    """``template`` with its plural forms chosen by ``values``, then its ``{name}`` placeholders filled."""
    chosen = PLURAL.sub(lambda m: m.group(2) if str(values[m.group(1)]) == "1" else m.group(3), template)
    return chosen.format(**values) if values else chosen
