"""Back-test a run on the company's own history: did past tags and scores foresee what happened next?

For each of the ``backtest.quarters`` quarters before the run's quarter, the customers are scored
and tagged as they would have been then: features as of that quarter's last day, and a risk model
learned only from the quarters before it (:class:`~tagkit.scoring.timeline.Timeline`, rolling
origin). Each customer's outcome in the quarter after is then compared with the tag, the score
and three baselines an analyst would otherwise use.

**Who is judged (honest).** Customers active then (net sales above zero in the four quarters up
to it) *and not already past the went-bad bar when tagged*: still buying, at
``1 - risk.decline_threshold`` of their base or more. A customer who has already stopped or
collapsed is late news: calling it at risk predicts nothing, and counting it would let a lagging
rule win by construction. The others are counted by reason and left out.

**Methods.** ``tagkit`` (the at_risk tag as the call, ``score_risk`` as the ranking),
``no_order_rule`` (no order for ``backtest.no_order_days`` days; days since the last order),
``recency_frequency`` (the percentile of days since the last order plus the percentile of few
ordering days in the last four quarters; its call: the same number of customers tagkit tagged,
riskiest first), ``abc`` (class C; A < B < C). See :mod:`.metrics` for the figures and
:mod:`.calibration` for predicted against observed.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import polars as pl

from tagkit.backtest.calibration import calibration_table, verdicts
from tagkit.backtest.labels import METHOD_NAMES, METRIC_NAMES, NOTES
from tagkit.backtest.metrics import COUNTS, method_counts, rates
from tagkit.backtest.outcome import EXCLUSIONS, IN_POPULATION, cut_at, history_quarters
from tagkit.errors import InputError
from tagkit.params import BacktestParams, ScoringParams
from tagkit.plurals import fill
from tagkit.quarters import quarter_end, quarter_index, quarter_label_of, shift_quarter
from tagkit.scoring.engine import timeline_of
from tagkit.scoring.grid import PANEL_ENGINE
from tagkit.scoring.order_lines import OrderPanels
from tagkit.scoring.timeline import Timeline

logger = logging.getLogger(__name__)

POOLED = "pooled"
METHOD_ORDER = ("tagkit", "no_order_rule", "recency_frequency", "abc")
BASELINES = METHOD_ORDER[1:]
POPULATION = "population"
POPULATION_METRICS = ("customers_scored", *(f"excluded_{e}" for e in EXCLUSIONS), "excluded_tagged_at_risk",
                      "customers", "went_bad", "went_bad_no_order", "base_rate")
METHOD_METRICS = ("flagged", "flagged_went_bad", "precision", "recall", "lift", "auc", "u_statistic", "pairs",
                  "top_k", "top_k_went_bad", "precision_top_k", "null_scores")
EXTRACT_SLACK_DAYS = 14  # an extract taken a few days before the quarter's end is normal
ABC_RISK = {"A": 1.0, "B": 2.0, "C": 3.0}  # C riskiest: the smallest buyers are the likeliest to drift away


@dataclass(frozen=True)
class BacktestResult:
    """What :func:`run_backtest` found.

    - ``figures``: tidy ``quarter, method, metric, value``; ``quarter`` is a scored quarter or
      ``"pooled"``, ``method`` is ``population`` (who was judged, base rate) or one of
      :data:`METHOD_ORDER`. Undefined figures (no positives, nothing flagged) are null, never NaN.
    - ``summary``: the same per quarter and method, one column per metric.
    - ``cases``: one row per customer and scored quarter (status, outcome, tag, scores), for audit
      and for breakdowns the figures do not make (by region, by rep).
    - ``calibration``: predicted against observed by decile of ``score_risk`` (pooled, judged customers).
    - ``verdicts``: per baseline and metric, whether tagkit beat it (pooled).
    - ``models``: the risk model of each scored quarter (learned or documented, learned from what).
    - ``notes`` / ``notes_zh``: what was skipped, excluded or undefined, where tagkit lost, and why.
    """

    quarter: str
    params: BacktestParams
    decline_threshold: float
    scored: tuple[str, ...]
    skipped: tuple[str, ...]
    figures: pl.DataFrame
    summary: pl.DataFrame
    cases: pl.DataFrame
    calibration: pl.DataFrame
    verdicts: pl.DataFrame
    models: dict[str, dict[str, object] | None]  # None: no model for that quarter
    notes: tuple[str, ...]
    notes_zh: tuple[str, ...]


class _Notes:
    def __init__(self) -> None:
        self.en: list[str] = []
        self.zh: list[str] = []

    def add(self, code: str, **fields: object) -> None:
        for lang, notes in (("en", self.en), ("zh", self.zh)):
            notes.append(fill(NOTES[code][lang], **{k: _shown(k, v, lang) for k, v in fields.items()}))
        logger.info(self.en[-1])


NAMED = {"method": METHOD_NAMES, "baseline": METHOD_NAMES, "metric": METRIC_NAMES}


def _shown(field: str, value: object, lang: str) -> object:
    """A note's figure as a reader sees it: a method or metric by its name, a count with separators."""
    if field in NAMED and isinstance(value, str):
        return NAMED[field].get(value, {}).get(lang, value)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return value


def _method_rows(cases: pl.LazyFrame, p: BacktestParams) -> pl.LazyFrame:
    """The population's rows once per method: ``quarter, method, went_bad, flag, score, k``."""
    days = pl.col("days_since_last_order").cast(pl.Float64)
    population = cases.filter(pl.col("status") == IN_POPULATION).with_columns(
        # every ranking is judged at tagkit's workload: as many customers as it tagged at_risk
        k=(pl.col("tag") == "at_risk").sum().over("quarter").cast(pl.Float64),
        recency_frequency=(days.rank("average") / pl.len() + (-pl.col("frequency")).rank("average") / pl.len())
        .over("quarter"),
    )
    rf = pl.col("recency_frequency")
    riskiest_first = rf.rank("ordinal", descending=True).over("quarter", order_by="customer_id")
    methods = {
        "tagkit": (pl.col("tag") == "at_risk", pl.col("score_risk")),
        "no_order_rule": (days >= p.no_order_days, days),
        "recency_frequency": (riskiest_first <= pl.col("k"), rf),
        "abc": (pl.col("abc_class") == "C", pl.col("abc_class").replace_strict(ABC_RISK, default=None,
                                                                                return_dtype=pl.Float64)),
    }
    return pl.concat([
        population.select("quarter", "went_bad", "k", method=pl.lit(name), flag=flag.fill_null(False),
                          score=score.cast(pl.Float64))
        for name, (flag, score) in methods.items()
    ])


def _population_counts(cases: pl.LazyFrame) -> pl.LazyFrame:
    in_pop = pl.col("status") == IN_POPULATION
    excluded = ~in_pop
    return cases.group_by("quarter").agg(
        customers_scored=pl.len().cast(pl.Float64),
        **{f"excluded_{e}": (pl.col("status") == e).sum().cast(pl.Float64) for e in EXCLUSIONS},
        excluded_tagged_at_risk=(excluded & (pl.col("tag") == "at_risk")).sum().cast(pl.Float64),
        went_bad_no_order=pl.col("no_order_next").filter(in_pop).sum().cast(pl.Float64),
    )


def _summarise(cases: pl.DataFrame, p: BacktestParams, order: list[str]) -> pl.DataFrame:
    """Counts per scored quarter and method, their sums as ``pooled``, and the rates from both."""
    per_quarter = method_counts(_method_rows(cases.lazy(), p), by=["quarter", "method"])
    # every scored quarter keeps its rows, even one where nobody could be judged
    grid = _population_counts(cases.lazy()).join(pl.LazyFrame({"method": list(METHOD_ORDER)}), how="cross")
    counts = (
        grid.join(per_quarter, on=["quarter", "method"], how="left")
        .with_columns(pl.col(COUNTS).fill_null(0.0))
        .collect()
    )
    numeric = [c for c in counts.columns if c not in ("quarter", "method")]
    pooled = counts.group_by("method").agg(pl.col(numeric).sum()).with_columns(quarter=pl.lit(POOLED))
    both = pl.concat([counts, pooled.select(counts.columns)])
    rank = {q: i for i, q in enumerate([*order, POOLED])}
    return (
        both.with_columns(**rates())
        .with_columns(
            q_order=pl.col("quarter").replace_strict(rank, return_dtype=pl.Int32),
            m_order=pl.col("method").replace_strict({m: i for i, m in enumerate(METHOD_ORDER)}, return_dtype=pl.Int32),
        )
        .sort("q_order", "m_order")
        .select("quarter", "method", *POPULATION_METRICS, *METHOD_METRICS)
    )


def _tidy(summary: pl.DataFrame) -> pl.DataFrame:
    """``summary`` as ``quarter, method, metric, value``: population metrics once per quarter."""
    population = (
        summary.unique("quarter", keep="first", maintain_order=True)
        .select("quarter", *POPULATION_METRICS)
        .unpivot(index="quarter", variable_name="metric", value_name="value")
        .with_columns(method=pl.lit(POPULATION))
    )
    methods = summary.select("quarter", "method", *METHOD_METRICS).unpivot(
        index=["quarter", "method"], variable_name="metric", value_name="value"
    )
    frames = [population.select("quarter", "method", "metric", "value"), methods]
    tidy = pl.concat(frames).with_columns(pl.col("value").cast(pl.Float64))
    # a stable, readable order: quarter as in summary, population first, metrics as listed
    metric_rank = {m: i for i, m in enumerate((*POPULATION_METRICS, *METHOD_METRICS))}
    method_rank = {m: i for i, m in enumerate((POPULATION, *METHOD_ORDER))}
    quarter_rank = {q: i for i, q in enumerate(summary["quarter"].unique(maintain_order=True).to_list())}
    return tidy.sort(
        pl.col("quarter").replace_strict(quarter_rank, return_dtype=pl.Int32),
        pl.col("method").replace_strict(method_rank, return_dtype=pl.Int32),
        pl.col("metric").replace_strict(metric_rank, return_dtype=pl.Int32),
    )


def _data_span(timeline: Timeline) -> tuple[dt.date | None, dt.date | None, set[str]]:
    """The first and last order dates and the quarters that have order lines."""
    span = timeline.panels.orders.select(
        first=pl.col("first_order").min(),
        last=pl.col("last_order").max(),
        quarters=quarter_label_of("qi").unique().implode(),
    ).collect()
    return span["first"][0], span["last"][0], set(span["quarters"][0].to_list())


def _explain_quarter(summary: pl.DataFrame, quarter: str, notes: _Notes) -> None:
    rows = summary.filter(pl.col("quarter") == quarter)
    if rows.is_empty():
        return
    first = rows.row(0, named=True)
    excluded = sum(int(first[f"excluded_{e}"]) for e in EXCLUSIONS)
    window = f"{shift_quarter(quarter, -3)}..{quarter}"
    notes.add("excluded", quarter=quarter, excluded=excluded, scored=int(first["customers_scored"]), window=window,
              tagged=int(first["excluded_tagged_at_risk"]),
              **{e: int(first[f"excluded_{e}"]) for e in EXCLUSIONS})
    n, bad = int(first["customers"]), int(first["went_bad"])
    if n == 0:
        notes.add("empty_population", quarter=quarter)
        return
    if bad in (0, n):
        why = ("no customer went bad", "没有客户变差") if bad == 0 else ("every customer went bad", "所有客户都变差了")
        notes.add("auc_undefined", quarter=quarter, why=why[0], why_zh=why[1])
    for row in rows.iter_rows(named=True):
        if row["flagged"] == 0:
            notes.add("flagged_none", quarter=quarter, method=row["method"])
        if row["null_scores"]:
            notes.add("null_scores", quarter=quarter, method=row["method"], n=int(row["null_scores"]))


def judged_tags(timeline: Timeline, quarter: str, scoring: ScoringParams) -> pl.LazyFrame:
    """``customer_id, region, tag, score_risk, abc_class`` of ``quarter`` as tagkit would have published them
    then: its own model, last quarter's tags for the hysteresis."""
    q = quarter_index(quarter)
    tagged = timeline.score(timeline.rows(q), q, previous=timeline.previous_tags(q))  # ABC included
    return tagged.select("customer_id", "region", "tag", "score_risk", "abc_class")


def quarter_outcomes(timeline: Timeline, quarter: str) -> pl.LazyFrame:
    """Who is judged and what happened next, per customer of ``quarter`` (see the module docstring)."""
    q = quarter_index(quarter)
    rows = timeline.signals(timeline.rows(q), q)
    status = pl.when((pl.col("status") == IN_POPULATION) & pl.col("stage_bad")).then(pl.lit("already_past_bar"))
    judged = (status.is_null() & (pl.col("status") == IN_POPULATION))
    return rows.select(
        "customer_id",
        status=status.otherwise(pl.col("status")),
        went_bad=pl.when(judged).then(pl.col("went_bad")),
        no_order_next=pl.when(judged).then(~pl.col("next_purchase")),
        sales_4q="sales_4q",
        sales_next=pl.col("next_cents") / 100,
        days_since_last_order="days_since_last_order",
        frequency=pl.sum_horizontal([pl.col(f"q_days_{k}") for k in range(4)]).cast(pl.Float64),
    )


def _cases(timeline: Timeline, quarter: str, scoring: ScoringParams) -> pl.DataFrame:
    return (
        judged_tags(timeline, quarter, scoring)
        .join(quarter_outcomes(timeline, quarter), on="customer_id", how="left")
        .with_columns(pl.col("status").fill_null("no_purchase_yet"), quarter=pl.lit(quarter))
        .collect(engine=PANEL_ENGINE)
    )


def run_backtest(
    tables: dict[str, pl.LazyFrame], *, quarter: str, scoring: ScoringParams, backtest: BacktestParams,
    features: pl.LazyFrame | OrderPanels | None = None, timeline: Timeline | None = None,
) -> BacktestResult:
    """Score the ``backtest.quarters`` quarters before ``quarter`` as of then and judge them by what followed.

    Reads only ``tables`` (rows after ``quarter``'s end are ignored) and returns frames.
    ``features`` replaces the order lines as in :func:`tagkit.scoring.score_customers`;
    ``timeline`` is the run's :class:`~tagkit.scoring.timeline.Timeline` (made here without it).

    >>> result = run_backtest(tables, quarter="2026Q3", scoring=p.scoring, backtest=p.backtest)  # doctest: +SKIP
    >>> result.summary.filter(quarter="pooled").select("method", "precision", "auc")             # doctest: +SKIP
    """
    if timeline is None:
        missing = [t for t in ("customers", "orders") if t not in tables and (t == "customers" or features is None)]
        if missing:
            raise InputError(
                f"backtest: table(s) {', '.join(missing)} missing; got {', '.join(sorted(tables)) or 'none'}. "
                "Pass the validated tables of the run (tagkit.steps.common.load_clean_tables(run_dir))."
            )
        timeline = timeline_of(cut_at(tables, quarter_end(quarter)), quarter=quarter, p=scoring, features=features,
                               quarters_back=backtest.quarters + 1)
    notes = _Notes()
    scored, skipped = _plan(timeline, quarter=quarter, backtest=backtest, notes=notes)
    # one quarter at a time: each is scored on every customer
    frames = [_cases(timeline, q, scoring) for q in scored]
    cases = pl.concat(frames, how="vertical_relaxed") if frames else _empty_cases()
    cases = cases.select("quarter", *[c for c in cases.columns if c != "quarter"]).sort("quarter", "customer_id",
                                                                                        descending=[True, False])
    summary = _summarise(cases, backtest, scored) if scored else _empty_summary()
    for q in scored:
        _explain_quarter(summary, q, notes)
    judged = verdicts(summary)
    for row in judged.filter(~pl.col("tagkit_better")).iter_rows(named=True):
        notes.add("not_better", method=row["baseline"], metric=row["metric"], tagkit=row["tagkit"],
                  baseline=row["baseline_value"])
    models = {q: timeline.models().get(q) for q in scored}
    for q, model in models.items():
        if model and model["source"] != "learned":
            notes.add("documented_model", quarter=q, reason=model["reason"])
    return BacktestResult(quarter=quarter, params=backtest, decline_threshold=scoring.risk.decline_threshold,
                          scored=tuple(scored), skipped=tuple(skipped), figures=_tidy(summary), summary=summary,
                          cases=cases, calibration=calibration_table(cases), verdicts=judged, models=models,
                          notes=tuple(notes.en), notes_zh=tuple(notes.zh))


def _plan(timeline: Timeline, *, quarter: str, backtest: BacktestParams, notes: _Notes) -> tuple[list[str], list[str]]:
    """The quarters that can be back-tested, and the quarters skipped (each with a note)."""
    data_start, data_end, with_orders = _data_span(timeline)
    candidates = [shift_quarter(quarter, -i) for i in range(1, backtest.quarters + 1)]
    if data_start is None:
        notes.add("no_orders", run_end=quarter_end(quarter))
        return [], candidates
    scored: list[str] = []
    skipped: list[str] = []
    for q in candidates:
        nxt = shift_quarter(q, 1)
        if quarter_end(q) < data_start or quarter_index(q) < timeline.earliest():
            notes.add("before_data", quarter=q, data_start=data_start)
            skipped.append(q)
            continue
        if nxt not in with_orders:
            notes.add("no_outcome", quarter=q, next=nxt)
            skipped.append(q)
            continue
        history = history_quarters(q, data_start)
        if history < 4:
            notes.add("partial_history", quarter=q, data_start=data_start, history=history)
        scored.append(q)
        assert data_end is not None  # set with data_start: both come from the same order lines
        gap = (quarter_end(nxt) - data_end).days
        if gap > EXTRACT_SLACK_DAYS:
            # "no order" may only mean "not in the extract yet": the outcome would look worse than it is
            notes.add("data_ends_early", quarter=q, next=nxt, data_end=data_end, days=gap)
    return scored, skipped


def _empty_summary() -> pl.DataFrame:
    schema = {"quarter": pl.String, "method": pl.String} | {m: pl.Float64 for m in (*POPULATION_METRICS,
                                                                                     *METHOD_METRICS)}
    return pl.DataFrame(schema=schema)


def _empty_cases() -> pl.DataFrame:
    return pl.DataFrame(schema={
        "quarter": pl.String, "customer_id": pl.String, "region": pl.String, "tag": pl.String,
        "score_risk": pl.Float64, "abc_class": pl.String, "status": pl.String, "went_bad": pl.Boolean,
        "no_order_next": pl.Boolean, "sales_4q": pl.Float64, "sales_next": pl.Float64,
        "days_since_last_order": pl.Int64, "frequency": pl.Float64,
    })
