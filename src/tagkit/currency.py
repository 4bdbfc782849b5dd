"""How money is written, per language: one symbol and one style for every page, reason and chart.

Chinese readers take ¥ for the renminbi; an English reader may take it for the yen, so English pages
write CN¥. Chinese amounts are in 万/亿; English ones in K/M/B with one decimal (the style of the
reasons and the headline cards alike).
"""
from __future__ import annotations

SYMBOL = {"zh": "¥", "en": "CN¥"}
