"""Figures as words, in Chinese and English, with polars string expressions (no per-row Python).

The reason sentences of params/reasons.yaml name these placeholders, e.g.
``"sales {yoy_change} vs the same quarter last year"`` → ``"sales fell 42% vs the same quarter last year"``.
Every placeholder renders as ``–`` where its figure is missing, so a sentence is never null.
"""
from __future__ import annotations

import re

import polars as pl

from tagkit.contract import SIGNALS, TOPICS
from tagkit.currency import MINUS, SMALL_ZH, SYMBOL, UNITS
from tagkit.errors import ParamsError
from tagkit.lang import LANGUAGES, Lang
from tagkit.params import ReasonParams, ScoringParams
from tagkit.scoring.rules import benchmark_bar_met

MISSING = "–"

TOPIC_WORDS = {
    "zh": dict(zip(TOPICS, ("产品", "价格", "交付", "服务", "业务员", "付款", "其他"), strict=True)),
    "en": dict(zip(TOPICS, ("product", "price", "delivery", "service", "the rep", "payment", "other matters"),
                   strict=True)),
}
SIGNAL_WORDS = {
    "zh": dict(zip(SIGNALS, ("报价", "拜访", "促销", "独家条件", "丢失陈列"), strict=True)),
    "en": dict(zip(SIGNALS, ("quote", "visit", "promotion", "exclusive offer", "lost listing"), strict=True)),
}
SCOPE_WORDS = {
    "zh": {"national": "全国", "provincial": "省级", "city": "市级", "local": "本地"},
    "en": {"national": "national", "provincial": "provincial", "city": "city", "local": "local"},
}
# a benchmark-quality customer's standing: the bar met now, or only before (benchmark_bar_met)
STANDING_WORDS = {
    "zh": {True: "标杆级", False: "原标杆级"},
    "en": {True: "benchmark-quality", False: "formerly benchmark-quality"},
}
TAG_WORDS = {
    "zh": {"benchmark": "标杆客户", "nail": "钉子客户", "at_risk": "危险客户", "regular": "普通客户"},
    "en": {"benchmark": "benchmark", "nail": "nail", "at_risk": "at risk", "regular": "regular"},
}


def _str(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.String).fill_null(MISSING)


def integer(expr: pl.Expr) -> pl.Expr:
    return _str(expr.round(0).cast(pl.Int64))


def decimal(expr: pl.Expr, places: int = 1) -> pl.Expr:
    return _str(expr.cast(pl.Float64).round(places))


def figure(expr: pl.Expr) -> pl.Expr:
    """A figure to one decimal, without a trailing ``.0``: ``2``, ``2.5``, ``0``."""
    rounded = expr.cast(pl.Float64).round(1)
    return _str(pl.when(rounded == rounded.round(0)).then(rounded.round(0).cast(pl.Int64).cast(pl.String))
                .otherwise(rounded.cast(pl.String)))


def percent(share: pl.Expr) -> pl.Expr:
    """A share (0.42) as ``42%``."""
    return _str(pl.format("{}%", (share * 100).round(0).cast(pl.Int64)))


def change(ratio_change: pl.Expr, lang: Lang) -> pl.Expr:
    """A relative change (−0.42) as ``fell 42%`` / ``下降42%``; within half a percent, ``was flat`` / ``持平``."""
    size = (ratio_change.abs() * 100).round(0).cast(pl.Int64)
    down, up, flat = ("下降", "增长", "持平") if lang == "zh" else ("fell ", "grew ", "was flat")
    phrase = (
        pl.when(size == 0).then(pl.lit(flat))
        .when(ratio_change < 0).then(pl.format(down + "{}%", size))
        .otherwise(pl.format(up + "{}%", size))
    )
    return _str(phrase)


def _grouped(whole: pl.Expr) -> pl.Expr:
    """A non-negative Int64 with thousands separators (``1,813``), as Python's ``f"{n:,}"``."""
    def group(k: int) -> pl.Expr:
        return ((whole // 10 ** (3 * k)) % 1000).cast(pl.String).str.zfill(3)

    out = whole.cast(pl.String)
    for top in (1, 2, 3, 4):  # up to 10^15, beyond any sum of money here
        head = (whole // 10 ** (3 * top)).cast(pl.String)
        out = pl.when(whole >= 10 ** (3 * top)).then(
            pl.concat_str([head, *(group(k) for k in range(top - 1, -1, -1))], separator=",")).otherwise(out)
    return out


def _fixed(scaled: pl.Expr, decimals: int) -> pl.Expr:
    """``scaled`` rounded half to even to ``decimals`` and written with them all and separators (``1,813.5``)."""
    r = scaled.round(decimals)
    whole = r.floor().cast(pl.Int64)
    fraction = ((r - whole) * 10**decimals).round(0).cast(pl.Int64).cast(pl.String).str.zfill(decimals)
    return pl.concat_str([_grouped(whole), pl.lit("."), fraction])


def money(amount: pl.Expr, lang: Lang, symbol: str | None = None) -> pl.Expr:
    """``¥120.5万`` / ``¥0.2万`` / ``CN¥1.2B``: the units a sales manager reads, by the same table as the pages
    (:data:`tagkit.currency.UNITS`; ``symbol``: report.currency of ``lang``)."""
    a = amount.cast(pl.Float64)
    v = a.abs()
    if lang == "zh":
        # below 1万 still in 万, trailing zeros dropped (¥0.2万): never a bare ¥2022 that reads as a year
        small = pl.lit("0")
        for start, decimals in reversed(SMALL_ZH):
            in_wan = pl.format("{}万", (v / 1e4).round(decimals).cast(pl.String))
            small = pl.when(v >= start).then(in_wan).otherwise(small)
    else:
        small = _grouped(v.round(0).cast(pl.Int64))
    text = small
    for size, unit, decimals in reversed(UNITS[lang]):
        text = pl.when(v >= size).then(pl.concat_str([_fixed(v / size, decimals), pl.lit(unit)])).otherwise(text)
    sign = pl.when((a < 0) & (text != "0")).then(pl.lit(MINUS)).otherwise(pl.lit(""))
    # named after the amount, as before: a select of money(pl.col("a")) yields column "a"
    written = _str(pl.concat_str([sign, pl.lit(SYMBOL[lang] if symbol is None else symbol), text]))
    return written.alias(amount.meta.output_name(raise_if_undetermined=False) or "money")


def words(code: pl.Expr, vocabulary: dict[str, str]) -> pl.Expr:
    return _str(code.replace_strict(vocabulary, default=code, return_dtype=pl.String))


def word_list(codes: pl.Expr, vocabulary: dict[str, str], sep: str) -> pl.Expr:
    named = codes.list.eval(pl.element().replace_strict(vocabulary, default=pl.element(), return_dtype=pl.String))
    return _str(named.list.join(sep))


def placeholders(p: ScoringParams, lang: Lang) -> dict[str, pl.Expr]:
    """Every figure a reason sentence may name, rendered as text in ``lang``."""
    c = pl.col
    sep = "、" if lang == "zh" else ", "

    def cash(amount: pl.Expr) -> pl.Expr:
        return money(amount, lang, p.currency[lang])

    return {
        "sales_quarter": cash(c("sales_quarter")),
        "sales_previous_quarter": cash(c("sales_previous_quarter")),
        "sales_same_quarter_last_year": cash(c("sales_same_quarter_last_year")),
        "sales_trailing_4q": cash(c("sales_trailing_4q")),
        "sales_prior_4q": cash(c("sales_prior_4q")),
        "year_change": change(c("year_change"), lang),
        "yoy_change": change(c("yoy_change"), lang),
        "qoq_change": change(c("qoq_change"), lang),
        "decline_change": change(c("decline_ratio") - 1, lang),
        "orders_change": change(c("orders_ratio") - 1, lang),
        "decline_base": cash(c("decline_base")),
        "cold_share": percent(c("risk_cold_visits")),
        "visits_quarter": integer(c("visits_quarter")),
        "visits_usual": figure(c("visits_usual")),
        "complaints_quarter": integer(c("complaints_quarter")),
        "complaints_usual": figure(c("complaints_usual")),
        "signals_quarter": integer(c("signals_quarter")),
        "signals_usual": figure(c("signals_usual")),
        "lines_quarter": integer(c("q_lines_0")),
        "lines_usual": figure(c("lines_usual")),
        "days_since_last_order": integer(c("days_since_last_order")),
        "last_order_date": _str(c("last_order").dt.to_string("%Y-%m-%d")),
        "usual_interval_days": integer(c("usual_interval_days")),
        "lapse_ratio": decimal(c("lapse_ratio")),
        "visits_recent_per_quarter": decimal(c("visits_recent_per_quarter")),
        "visits_before_per_quarter": decimal(c("visits_before_per_quarter")),
        "visits_trailing": integer(c("visits_trailing")),
        "visits_escalated": integer(c("visits_escalated")),
        "positive_share": percent(c("positive_share")),
        "complaints_recent": integer(c("complaints_recent")),
        "complaints_window": integer(c("complaints_window")),
        "top_complaint_topic": words(c("top_complaint_topic"), TOPIC_WORDS[lang]),
        "satisfaction_recent": decimal(c("satisfaction_recent")),
        "satisfaction_before": decimal(c("satisfaction_before")),
        "satisfaction_mean": decimal(c("satisfaction_mean")),
        "cooperation_mean": decimal(c("cooperation_mean")),
        "signals_recent": integer(c("signals_recent")),
        "signal_kinds": word_list(c("signal_kinds"), SIGNAL_WORDS[lang], sep),
        "influence_scope": words(c("influence_scope"), SCOPE_WORDS[lang]),
        "downstream_outlets": integer(c("downstream_outlets")),
        "referrals": integer(c("referrals")),
        "potential": cash(c("potential_annual_value")),
        "share_of_wallet": percent(c("share_of_wallet")),
        "lines_bought": integer(c("lines_bought")),
        "lines_available": integer(c("lines_available")),
        "stalled_quarters": integer(c("stalled_quarters")),
        "tenure_days": integer(c("tenure_days")),
        "score_risk": integer(c("score_risk")),
        "score_influence": integer(c("score_influence")),
        "score_satisfaction": integer(c("score_satisfaction")),
        "score_cooperation": integer(c("score_cooperation")),
        "score_potential": integer(c("score_potential")),
        "tag": words(c("tag"), TAG_WORDS[lang]),
        "abc_class": _str(c("abc_class")),
        "benchmark_standing": pl.when(benchmark_bar_met(p)).then(pl.lit(STANDING_WORDS[lang][True]))
        .otherwise(pl.lit(STANDING_WORDS[lang][False])),
        "recent_quarters": pl.lit(str(p.windows.recent_quarters)),
        "trailing_quarters": pl.lit(str(p.windows.trailing_quarters)),
        "survey_quarters": pl.lit(str(p.windows.survey_quarters)),
        "risk_threshold": pl.lit(f"{p.at_risk.min_risk.enter:g}"),
        "influence_threshold": pl.lit(f"{p.benchmark.min_influence.enter:g}"),
        "satisfaction_threshold": pl.lit(f"{p.benchmark.min_satisfaction.enter:g}"),
        "cooperation_threshold": pl.lit(f"{p.benchmark.min_cooperation.enter:g}"),
        "nail_share_threshold": pl.lit(f"{p.nail.max_share_of_wallet.enter * 100:g}%"),
    }


PLACEHOLDER = re.compile(r"\{(\w*)\}")
# a figure or a plural form of it ({n|one|other}, tagkit.plurals): the figures a template names
FIGURE = re.compile(r"\{(\w*)(?:\|([^{}|]*)\|([^{}|]*))?\}")


def check_templates(reasons: ReasonParams, known: set[str]) -> None:
    """Every placeholder of params/reasons.yaml must be a known figure; all problems reported together."""
    problems = []
    for code, text in reasons:
        for lang in LANGUAGES:
            for name, *_ in FIGURE.findall(getattr(text, lang)):
                if name not in known:
                    problems.append(f"reasons.{code}.{lang}: unknown placeholder '{{{name}}}'")
    if problems:
        raise ParamsError(
            f"params/reasons.yaml: {len(problems)} problem(s):\n" + "\n".join(f"  - {x}" for x in problems)
            + f"\nUse only these placeholders: {', '.join(sorted(known))}."
        )


def render(template: str, values: dict[str, pl.Expr]) -> pl.Expr:
    """A template with ``{name}`` placeholders (and ``{name|one|other}`` plural forms) as one ``pl.format``
    expression; a plural form takes ``one`` where the figure reads "1"."""
    tokens = FIGURE.findall(template)
    fmt = FIGURE.sub("{}", template)
    if not tokens:
        return pl.lit(fmt)
    args = [values[name] if not (one or other) else
            pl.when(values[name] == "1").then(pl.lit(one)).otherwise(pl.lit(other))
            for name, one, other in tokens]
    return pl.format(fmt, *args)

