"""The prescription entry point: scores and tables in, what to do about each customer, rep and region out.

>>> rx = prescribe(scores, tables, quarter="2026Q3", params=params).collect()   # doctest: +SKIP
>>> rx.customers.write_parquet(run / "scores.parquet"); write_prescription(rx, run)   # doctest: +SKIP

Steps, each a pure ``LazyFrame → LazyFrame`` function (only :func:`prescribe` collects; see why there):
speculators and their precedence (:mod:`~tagkit.prescription.speculators`) → evidence from the raw
tables (:mod:`~tagkit.prescription.evidence`) → benchmarks (level, candidates), nails (value,
decision, cause, escalation), at-risk defences, rep change and visit frequency → the visit plan
fitted to each rep's capacity (:mod:`~tagkit.prescription.visit_plan`) → movements → the lines a nail
by line gap does not buy and its reference benchmark (:mod:`~tagkit.prescription.line_gap`) → the
history of earlier quarters (:mod:`~tagkit.prescription.history`) for the showcase (and the slipping
benchmarks), the rep scorecards and the quality index → flags, reasons and playbook actions
(:mod:`~tagkit.prescription.playbook`: after the showcase, whose verdict they use) → radiation and
coverage gaps (:mod:`~tagkit.prescription.geo`) → regions.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, fields, replace
from typing import Any

import polars as pl

from tagkit.params import Params
from tagkit.prescription.alerts import region_alerts
from tagkit.prescription.benchmarks import benchmark_frame, showcase
from tagkit.prescription.defences import defence_frame
from tagkit.prescription.evidence import cause_evidence
from tagkit.prescription.geo import coverage_gaps, radiation
from tagkit.prescription.history import current_rows, earlier_history, history_quarters, quality_index
from tagkit.prescription.holdout import draw_holdout
from tagkit.prescription.line_gap import COLUMNS as LINE_GAP_COLUMNS
from tagkit.prescription.line_gap import line_gap_frame
from tagkit.prescription.nails import nail_frame
from tagkit.prescription.playbook import playbook_frame
from tagkit.prescription.regions import movement, region_summary, transitions
from tagkit.prescription.reps import rep_scorecards
from tagkit.prescription.speculators import attach_speculators, speculator_precedence
from tagkit.prescription.visit_plan import visit_plan
from tagkit.scoring import CONTRACT_COLUMNS
from tagkit.scoring.engine import timeline_of
from tagkit.scoring.grid import PANEL_ENGINE
from tagkit.scoring.order_lines import OrderPanels, check_quarter_end_days, resolve_panels
from tagkit.scoring.panel import Panels
from tagkit.scoring.timeline import Timeline

logger = logging.getLogger(__name__)

Frame = pl.LazyFrame | pl.DataFrame

# the contract's prescription columns, then the further ones, right after the scorer's explained columns
PRESCRIPTION_COLUMNS = [
    "flags", "benchmark_level", "nail_cause", "nail_decision", "escalate_to", "defences", "action_codes",
]
FURTHER_COLUMNS = [
    "scored_tag", "movement", "visit_frequency", "visits_recommended", "visits_planned", "visit_plan_basis",
    "benchmark_level_status", "defence_steps_zh", "defence_steps_en",
    "benchmark_missing", "benchmark_missing_gap",
    "showcase_basis", "showcase_from", "showcase_to", "showcase_sales_before", "showcase_sales_now",
    "showcase_sales_change", "showcase_lines_before", "showcase_lines_now",
    "radiation_neighbours", "radiation_neighbour_sales", "radiation_neighbour_sales_change",
    "nearest_benchmark_id", "nearest_benchmark_km",
    "nail_upside", "nail_effort_cost", "nail_return", "escalate_level", "escalate_note", "escalate_tried_level",
    "nail_senior_visits", "nail_stuck_quarters",
    "nail_points_trust", "nail_points_competitor", "nail_points_internal", "nail_evidence_zh", "nail_evidence_en",
    "nail_competitor", "nail_former_rep", *LINE_GAP_COLUMNS, "rep_complaints_current",
    "speculator_quarter_end_share", "speculator_discount", "speculator_other_days_per_quarter",
    "speculator_quarters", "speculator_risk_without_rhythm",
]
INTERNAL_COLUMNS = ["is_speculator", "is_benchmark_candidate", "is_rep_change", "speculator_demoted", "is_holdout",
                    "is_benchmark_slipping", "competitor"]


@dataclass(frozen=True)
class Prescription:
    """The prescription of one quarter; each table lazy until :meth:`collect`.

    - ``customers``: the scores with the prescription columns (the new ``scores.parquet``);
    - ``reps``: one scorecard per rep with customers (``reps.parquet``);
    - ``regions``: stage, focus and headline counts per region (``regions.parquet``);
    - ``transitions``: previous tag → tag cells per region with their customers (``transitions.parquet``);
    - ``radiation``: benchmark × neighbour within the radius (``radiation.parquet``);
    - ``coverage_gaps``: cities without a benchmark in reach (``coverage_gaps.parquet``);
    - ``quality_index``: customer quality per region and quarter (``quality_index.parquet``);
    - ``region_alerts`` / ``region_alert_breakdown``: a region-wide fall that is not the season, and
      where it comes from (``region_alerts.parquet``, ``region_alert_breakdown.parquet``).
    """

    quarter: str
    customers: Frame
    reps: Frame
    regions: Frame
    transitions: Frame
    radiation: Frame
    coverage_gaps: Frame
    quality_index: Frame
    region_alerts: Frame
    region_alert_breakdown: Frame

    @classmethod
    def table_names(cls) -> list[str]:
        return [f.name for f in fields(cls) if f.name != "quarter"]

    def collect(self) -> Prescription:
        """Every table as a DataFrame, collected together so the shared work (the history) runs once."""
        names = self.table_names()
        frames = pl.collect_all([getattr(self, n).lazy() for n in names], engine=PANEL_ENGINE)
        tables: dict[str, Any] = dict(zip(names, frames, strict=True))  # Any: the fields by name, quarter not one
        return replace(self, **tables)


def prescribe_customers(scores: pl.LazyFrame, tables: dict[str, pl.LazyFrame], panels: Panels, *, quarter: str,
                        params: Params) -> pl.LazyFrame:
    """The per-customer prescription, without what needs the history (the showcase, then the flags,
    reasons and actions: :func:`prescribe`) and the geography."""
    p, scoring = params.prescription, params.scoring
    customers = attach_speculators(scores, panels.orders, quarter=quarter, p=p.speculator).pipe(
        speculator_precedence, scoring=scoring)
    evidence = cause_evidence(tables, customers.select("customer_id", "rep_id"), quarter=quarter, p=p)
    return (
        customers.join(evidence, on="customer_id", how="left", maintain_order="left")
        .pipe(benchmark_frame, scoring=scoring, p=p)
        .pipe(nail_frame, tables.get("reps"), p=p)
        .pipe(defence_frame, p=p)
        .pipe(draw_holdout, quarter=quarter, share=params.playbook.holdout_share)
        .pipe(visit_plan, tables.get("visits"), quarter=quarter, p=p)
        .with_columns(movement=movement())
    )


def prescribe(scores: Frame, tables: dict[str, pl.LazyFrame], *, quarter: str, params: Params,
              features: pl.LazyFrame | OrderPanels | None = None, timeline: Timeline | None = None) -> Prescription:
    """Everything the management views need for ``quarter`` (see :class:`Prescription`).

    ``scores`` is the scorer's frame of ``quarter`` (:func:`tagkit.scoring.score_customers`, best
    collected once; lazy or not); ``tables`` the validated clean tables (``customers``
    and ``orders`` required; ``reps``, ``visits``, ``feedback``, ``competitor_signals`` optional:
    what needs a missing one is null, or falls back as documented in each module).
    ``features`` replaces the order lines as in :func:`tagkit.scoring.score_customers`; the table
    must then have the speculator columns, made with ``prescription.speculator.quarter_end_days``.
    ``timeline`` is the run's :class:`~tagkit.scoring.timeline.Timeline` (its panels made with those
    columns), shared with the scores and the back-test; without it one is made here from ``features``
    or the order lines. The earlier quarters' tags come from it.

    This is the step boundary, and the one place that collects: the panels of every table, once;
    the date of the first order (how far back the history can go); the per-customer prescription;
    then the earlier quarters' rows, one quarter at a time. Every table is a small lazy plan over
    them. One plan for everything would embed the scorer's plan a dozen times (once per history
    quarter, and again wherever the customers are reused); polars' optimiser takes a minute on it
    (and panics in its common-subplan elimination) where this takes seconds. The quarters are
    collected one by one because each is scored on every customer with ~100 feature columns
    before it is cut to the history's few: a dozen of them at once hold tens of GB at a million
    customers, one at a time a few.
    """
    p = params.prescription
    end_days = p.speculator.quarter_end_days
    if timeline is None:
        orders = resolve_panels(tables.get("orders"), features, quarter=quarter, quarter_end_days=end_days)
        timeline = timeline_of(tables, quarter=quarter, p=params.scoring, features=orders.collect(),
                               quarters_back=p.quality_index.history_quarters - 1)
    check_quarter_end_days(
        OrderPanels(timeline.panels.orders, timeline.panels.lines, timeline.panels.lines_top), end_days,
        source="features table")
    panels = timeline.panels
    first_order = panels.orders.select(pl.col("first_order").min()).collect().item()
    quarters = history_quarters(quarter, first_order=first_order, p=p, earliest=timeline.earliest())
    customers = prescribe_customers(scores.lazy(), tables, panels, quarter=quarter, params=params).collect(
        engine=PANEL_ENGINE)
    # the reference benchmarks are found on k-d trees in numpy, on the collected frame
    customers = line_gap_frame(customers, panels, quarter=quarter, p=p, scoring=params.scoring)
    # each wide frame is let go once the next is made: at a million customers each holds a GB or two
    del scores
    earlier = earlier_history(timeline, quarters=quarters, scoring=params.scoring, p=p)
    logger.info("prescribed %d customers; history of %d earlier quarters", customers.height, len(quarters))
    history = pl.concat([earlier.lazy(), current_rows(customers.lazy(), quarter=quarter)], how="vertical")
    # materialised here: the radiation is found on k-d trees in numpy (geo.radiation), not in a lazy plan
    customers = showcase(customers.lazy(), history, quarter=quarter, p=p).pipe(
        playbook_frame, playbook=params.playbook, p=p).collect(engine=PANEL_ENGINE)
    # the same rows and columns as before, plus the showcase's: this quarter's history from them
    history = pl.concat([earlier.lazy(), current_rows(customers.lazy(), quarter=quarter)], how="vertical")
    pairs, located_frame = radiation(customers, p=p.radiation)
    if not located_frame["customer_id"].is_sorted():  # the scores come sorted; sorting again would copy them
        located_frame = located_frame.sort("customer_id")
    located = located_frame.lazy()
    gaps = coverage_gaps(located, p=p.radiation)
    quality = quality_index(history)
    alerts, breakdown = region_alerts(panels, located.select("customer_id", "region", "rep_id", "tag", "city"),
                                      quarter=quarter, p=p, data_start=timeline.data_start,
                                      seasonal_years=params.scoring.risk.seasonal_years,
                                      min_region_customers=params.scoring.windows.region_min_customers)
    first = [*CONTRACT_COLUMNS, "reasons_zh", "reasons_en", "unavailable_signals", *PRESCRIPTION_COLUMNS,
             *FURTHER_COLUMNS]
    return Prescription(
        quarter=quarter,
        # sorted by customer_id above: the joins keep the left order; row order is part of "same input, same bytes"
        customers=located.select(*first, pl.exclude(*first, *INTERNAL_COLUMNS)),
        reps=rep_scorecards(located, tables, history, quarter=quarter, p=p),
        regions=region_summary(located, gaps, quality, quarter=quarter, p=p),
        transitions=transitions(customers.lazy(), quarter=quarter),
        radiation=pairs,
        coverage_gaps=gaps,
        quality_index=quality,
        region_alerts=alerts,
        region_alert_breakdown=breakdown,
    )
