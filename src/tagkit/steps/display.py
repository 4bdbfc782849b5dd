"""Tables as an analyst reads them in a notebook: money with separators (万/亿 in Chinese), shares as %.

polars prints a float as it is stored (``1.8135e7``, ``0.0781``) and leaves out middle columns behind
``…`` when a frame is wider than its default. :func:`readable` gives a copy for display only (every
figure a string in the report's number style; the data keep their types), and :func:`notebook_tables`
sets polars to show every column of it. Columns are recognised by name, the same names as the run
folder's tables (docs/data.md).

>>> readable(pl.DataFrame({"region": ["华东"], "sales_quarter": [18_135_000.0], "quality_index": [0.9321]}), "zh")
shape: (1, 3)
┌────────┬───────────────┬───────────────┐
│ region ┆ sales_quarter ┆ quality_index │
│ ---    ┆ ---           ┆ ---           │
│ str    ┆ str           ┆ str           │
╞════════╪═══════════════╪═══════════════╡
│ 华东   ┆ ¥1,813.5万    ┆ 93.2%         │
└────────┴───────────────┴───────────────┘
"""
from __future__ import annotations

import re

import polars as pl

from tagkit.lang import Lang
from tagkit.report.formats import format_money, format_percent

# money: sales and potential in currency units (never cents, which are integers)
MONEY = re.compile(r"^(sales_.*|potential.*|.*_value|upside|nail_upside|at_stake|headroom|.*_sales)$")
# shares of a whole (0..1); lift and AUC are not shares and stay numbers
SHARES = re.compile(r"^(.*share.*|.*_rate|precision.*|recall|penetration|growth|quality_index|visit_alignment|"
                    r"visit_target_.*|yoy_change|qoq_change|year_change)$")


def readable(frame: pl.DataFrame, language: Lang = "zh", symbol: str | None = None) -> pl.DataFrame:
    """``frame`` with its money and share columns as text in ``language``'s number style (a display copy);
    ``symbol``: the currency's (report.currency)."""
    out = {}
    for name, dtype in frame.schema.items():
        if not dtype.is_float():
            continue
        if SHARES.match(name):  # first: "sales_share" is a share of sales, not money
            out[name] = [format_percent(v, 1) for v in frame[name]]
        elif MONEY.match(name):
            out[name] = [format_money(v, language, symbol) for v in frame[name]]
    return frame.with_columns(pl.Series(name, values, dtype=pl.String) for name, values in out.items())


def notebook_tables() -> None:
    """polars' printing for the notebooks: every column shown (no ``…`` in the middle), full texts up to 60
    characters, and floats with four decimals, never in scientific notation."""
    pl.Config.set_tbl_cols(-1)
    pl.Config.set_tbl_width_chars(400)
    pl.Config.set_fmt_str_lengths(60)
    pl.Config.set_fmt_float("full")
    pl.Config.set_float_precision(4)
