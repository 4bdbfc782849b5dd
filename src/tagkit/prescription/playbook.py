"""The playbook applied: flags, the reasons the prescription adds, and each customer's action codes.

- ``flags``: the scorer's flags plus ``benchmark_candidate``, ``speculator``,
  ``rep_change_recommended`` and ``benchmark_slipping`` (from the showcase: this step runs after
  it), in the contract's order (:data:`~tagkit.params.PRESCRIPTION_FLAGS`);
  flags this module does not know (a later scoring rule) follow in their own order.
- ``reason_codes`` / ``reasons_zh`` / ``reasons_en``: the scorer's reasons, then those of the
  prescription (``speculator_not_at_risk``, ``speculator_quarter_end``, ``rep_change_complaints``,
  ``benchmark_candidate``, ``benchmark_slipping_before`` / ``_trailing``; wording in
  params/prescription.yaml), so every flag is explained.
- ``action_codes``: the playbook's actions whose conditions hold (params/playbook.yaml explains
  the matching), by priority then file order; a ``fallback`` action only where nothing else
  applies, so every customer gets at least one.
"""
from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from tagkit.lang import LANGUAGES, Lang
from tagkit.params import PRESCRIPTION_FLAGS, Action, ActionCondition, PlaybookParams, PrescriptionParams
from tagkit.prescription.text import CRITERION_WORDS, check_wording, sentence, word
from tagkit.scoring.exprs import labels_where
from tagkit.scoring.text import change, decimal, integer, percent

NEW_FLAGS = {
    "benchmark_candidate": pl.col("is_benchmark_candidate"),
    "speculator": pl.col("is_speculator"),
    "rep_change_recommended": pl.col("is_rep_change"),
    "holdout": pl.col("is_holdout"),
    "benchmark_slipping": pl.col("is_benchmark_slipping"),
}
NEW_REASONS = {
    "speculator_not_at_risk": pl.col("speculator_demoted"),
    "speculator_quarter_end": pl.col("is_speculator"),
    "rep_change_complaints": pl.col("is_rep_change"),
    "benchmark_candidate": pl.col("is_benchmark_candidate"),
    # a slipping benchmark's reasons: each fall that shows (below its before; the trailing year down)
    "benchmark_slipping_before": pl.col("is_benchmark_slipping")
    & (pl.col("showcase_sales_change") < 0).fill_null(False),
    "benchmark_slipping_trailing": pl.col("is_benchmark_slipping")
    & (pl.col("sales_trailing_4q") < pl.col("sales_prior_4q")).fill_null(False),
}


def merge_flags() -> pl.Expr:
    """The scorer's flags and the new ones in the contract's order, unknown flags after them."""
    current = pl.col("flags")
    conditions = {f: current.list.contains(f) | NEW_FLAGS.get(f, pl.lit(False)) for f in PRESCRIPTION_FLAGS}
    others = current.list.filter(~pl.element().is_in(list(PRESCRIPTION_FLAGS)))
    return pl.concat_list(labels_where(conditions), others)


def reason_values(p: PrescriptionParams) -> dict[str, dict[Lang, dict[str, pl.Expr]]]:
    """reason code → language → the figures its sentence may name."""
    s = p.speculator

    def speculator(lang: Lang) -> dict[str, pl.Expr]:
        return {
            "quarter_end_days": pl.lit(str(s.quarter_end_days)),
            "quarter_end_share": percent(pl.col("speculator_quarter_end_share")),
            "discount": percent(pl.col("speculator_discount")),
            "other_days_per_quarter": decimal(pl.col("speculator_other_days_per_quarter")),
            "window_quarters": pl.lit(str(s.window_quarters)),
        }

    def rep(lang: Lang) -> dict[str, pl.Expr]:
        return {
            "rep_complaints_current": integer(pl.col("rep_complaints_current")),
            "rep_id": pl.col("rep_id"),
            "window_quarters": pl.lit(str(p.rep_change.window_quarters)),
        }

    def candidate(lang: Lang) -> dict[str, pl.Expr]:
        return {
            "missing": word(pl.col("benchmark_missing"), CRITERION_WORDS[lang]).fill_null("–"),
            "gap": decimal(pl.col("benchmark_missing_gap")),
        }

    def slipping(lang: Lang) -> dict[str, pl.Expr]:
        trailing = (pl.when(pl.col("sales_prior_4q") > 0)
                    .then(pl.col("sales_trailing_4q") / pl.col("sales_prior_4q") - 1))
        return {"change_before": change(pl.col("showcase_sales_change"), lang),
                "trailing_change": change(trailing, lang)}

    makers = {"speculator_not_at_risk": speculator, "speculator_quarter_end": speculator,
              "rep_change_complaints": rep, "benchmark_candidate": candidate,
              "benchmark_slipping_before": slipping, "benchmark_slipping_trailing": slipping}
    return {code: {lang: make(lang) for lang in LANGUAGES} for code, make in makers.items()}


def add_reasons(customers: pl.LazyFrame, *, p: PrescriptionParams) -> pl.LazyFrame:
    """Append the prescription's reason codes and sentences where they apply."""
    values = reason_values(p)
    for code in NEW_REASONS:
        check_wording({code: getattr(p.reasons, code)}, set(values[code]["en"]),
                      source="params/prescription.yaml: reasons")
    out = customers
    for code, when in NEW_REASONS.items():
        text = getattr(p.reasons, code)
        out = out.with_columns(
            reason_codes=pl.when(when).then(pl.concat_list("reason_codes", pl.lit(code))).otherwise("reason_codes"),
            **{
                f"reasons_{lang}": pl.when(when)
                .then(pl.concat_list(f"reasons_{lang}", sentence(text, values[code], lang)))
                .otherwise(f"reasons_{lang}")
                for lang in LANGUAGES
            },
        )
    return out


def _any_in_list(column: str, values: list[str]) -> pl.Expr:
    return pl.any_horizontal(pl.col(column).list.contains(v) for v in values).fill_null(False)


def _any_positive(prefix: str, values: Sequence[str]) -> pl.Expr:
    return pl.any_horizontal((pl.col(f"{prefix}_{v}") > 0).fill_null(False) for v in values)


def condition(c: ActionCondition) -> pl.Expr:
    """Every key given must match (see params/playbook.yaml)."""
    keys: dict[str, pl.Expr] = {}
    list_keys = {"reasons": "reason_codes", "flags": "flags", "defences": "defences"}
    scalar_keys = {"causes": "nail_cause", "decisions": "nail_decision", "levels": "benchmark_level",
                   "missing": "benchmark_missing", "showcase": "showcase_basis"}
    for key, column in list_keys.items():
        if getattr(c, key):
            keys[key] = _any_in_list(column, getattr(c, key))
    for key, column in scalar_keys.items():
        if getattr(c, key):
            keys[key] = pl.col(column).is_in(getattr(c, key)).fill_null(False)
    if c.topics:
        keys["topics"] = _any_positive("complaints", c.topics)
    if c.signals:
        keys["signals"] = _any_positive("signals", c.signals)
    return pl.all_horizontal(keys.values())


def action_applies(a: Action) -> pl.Expr:
    tagged = pl.col("tag").is_in(a.tags)
    if not a.when:
        return tagged
    return tagged & pl.any_horizontal(condition(c) for c in a.when)


def action_codes(playbook: PlaybookParams) -> pl.Expr:
    """``list[str]`` of the customer's actions, by priority then file order."""
    ordered = sorted(playbook.actions.items(), key=lambda item: item[1].priority)  # stable: file order on ties
    regular = {code: action_applies(a) for code, a in ordered if not a.fallback}
    anything = pl.any_horizontal(regular.values()) if regular else pl.lit(False)
    conditions = {
        code: (pl.col("tag").is_in(a.tags) & ~anything) if a.fallback else regular[code] for code, a in ordered
    }
    # a held-out customer gets only the actions written for the holdout (see tagkit.prescription.holdout)
    held = pl.col("flags").list.contains("holdout").fill_null(False)
    conditions = {code: cond & (held == _for_holdout(a)) for (code, a), cond in zip(ordered, conditions.values(),
                                                                                    strict=True)}
    return labels_where(conditions)


def _for_holdout(a: Action) -> bool:
    return any("holdout" in c.flags for c in a.when)


def playbook_frame(customers: pl.LazyFrame, *, playbook: PlaybookParams, p: PrescriptionParams) -> pl.LazyFrame:
    """Add the merged ``flags``, the prescription's reasons and ``action_codes``.

    ``is_holdout`` (:func:`tagkit.prescription.holdout.draw_holdout`) is read where the frame has it."""
    if "is_holdout" not in customers.collect_schema().names():
        customers = customers.with_columns(is_holdout=pl.lit(False))
    return (
        customers.with_columns(flags=merge_flags())
        .pipe(add_reasons, p=p)
        .with_columns(action_codes=action_codes(playbook))
    )


def playbook_table(playbook: PlaybookParams) -> pl.DataFrame:
    """The actions as a small frame (code, tags, priority, zh, en, fallback), in the order they are listed."""
    ordered = sorted(playbook.actions.items(), key=lambda item: item[1].priority)
    return pl.DataFrame(
        [(code, list(a.tags), a.priority, a.zh, a.en, a.fallback) for code, a in ordered],
        schema={"code": pl.String, "tags": pl.List(pl.String), "priority": pl.Int64, "zh": pl.String,
                "en": pl.String, "fallback": pl.Boolean},
        orient="row",
    )
