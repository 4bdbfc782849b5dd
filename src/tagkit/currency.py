"""How money is written, per language, when no params say otherwise (params/report.yaml ``currency``).

Chinese readers take ¥ for the renminbi; an English reader may take it for the yen, so English pages
write CN¥. Chinese amounts are in 万/亿; English ones in K/M/B with one decimal: the style of the
reasons, the tables, the headline cards and the chart axes alike. The run's symbol is
``report.currency``, which :class:`tagkit.params.Params` also hands to the scorer's sentences.
"""
from __future__ import annotations

SYMBOL = {"zh": "¥", "en": "CN¥"}
