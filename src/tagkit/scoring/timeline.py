"""The run's history as one collected feature panel, and every quarter of it scored with its own model.

A :class:`Timeline` is built once per run from the collected panels: the feature panel
(:mod:`tagkit.scoring.panel_features`) of every quarter from ``first`` to the run's quarter,
with the columns the risk model, the tags and the history need. Everything that looks at
earlier quarters reads it:

- :meth:`Timeline.model` — the risk model of a quarter, learned from the quarters before it
  (:mod:`tagkit.scoring.risk_model`, rolling origin, with the seasonal index as of that quarter);
- :meth:`Timeline.quarter` — one quarter's customers scored and tagged as they would have been
  then (raw tags, no hysteresis), with their signals, stage and, where the next quarter is known,
  their outcome: the previous tag, the back-test, the prescription's history, the transitions and
  the quality index all come from here;
- :meth:`Timeline.score` — the same steps on any frame of one quarter's features;
  :meth:`Timeline.features` gives the full, wide feature set of one quarter (the run's own).

Models and scored quarters are kept once made: the score step's three parts (scores,
prescription, back-test) share one timeline.
"""
from __future__ import annotations

import logging
import shutil
import tempfile
import weakref
from pathlib import Path
from typing import cast

import polars as pl

from tagkit.params import ScoringParams
from tagkit.quarters import quarter_index, shift_quarter
from tagkit.scoring.features import customer_features
from tagkit.scoring.grid import PANEL_ENGINE, QI
from tagkit.scoring.panel import Panels
from tagkit.scoring.panel_features import CHANGE_COLUMNS, LAGS, feature_panel
from tagkit.scoring.risk_model import RiskModel, fit_risk_model, training_quarters
from tagkit.scoring.risk_signals import IN_POPULATION, RHYTHM, SIGNALS, outcome_columns, signal_frame, steady_signals
from tagkit.scoring.rules import abc_frame, lifecycle_frame, tag_frame
from tagkit.scoring.scores import score_frame
from tagkit.scoring.seasonal import attach_index, region_totals, seasonal_index

logger = logging.getLogger(__name__)


CUSTOMER_COLUMNS = ("customer_id", "region", "rep_id", "influence_scope", "downstream_outlets", "referrals",
                    "potential_annual_value")
SPILL_ROWS = 1_000_000  # customer-quarters of the history panel beyond which it is kept on disk, not in memory
CHUNK_ROWS = 500_000  # ... and built this many at a time (its working memory is several times that)
# the feature panel's columns a quarter of the history is scored and tagged from
HISTORY_FEATURES = (
    QI, "quarter", "sales_quarter", "sales_trailing_4q", "lines_bought", "lines_available", "lines_share",
    "tenure_days", "history_days", "days_since_last_order", "last_order", "usual_interval_days", "lapse_ratio",
    "regularity", "share_of_wallet", "headroom", "stalled_quarters", "complaints_window", "complaints_recent",
    "satisfaction_mean", "cooperation_mean", "satisfaction_before", "cooperation_before", "satisfaction_recent",
    "visits_trailing", "positive_share", "visits_before", "visits_recent_per_quarter", "visits_before_per_quarter",
    "signals_recent", "signals_weighted", *(c for cs in CHANGE_COLUMNS.values() for c in cs),
    *(f"q_{kind}_{k}" for kind in ("cents", "days", "purchase", "lines") for k in range(LAGS)),
    "next_cents", "next_purchase",
)


# a history of a million customers holds these per quarter: the smallest types that hold them
NARROW_LAGS = [
    *(pl.col(f"q_days_{k}").cast(pl.Int16) for k in range(LAGS)),  # ordering days of a quarter (at most 92)
    *(pl.col(f"q_lines_{k}").cast(pl.Int16) for k in range(LAGS)),  # product lines bought in a quarter
]
# what a scored quarter of the history keeps: its tags, stage and scores, for the previous tag, the
# prescription's history (speculators, quality index) and the transitions
KEPT = ("customer_id", "region", "rep_id", "tag", "previous_tag", "risk_stage", "score_risk",
        "score_risk_without_rhythm", "is_dormant", "sales_quarter", "lines_bought", "last_order")


def data_start(panels: Panels) -> int | None:
    """The earliest quarter index with a row in any panel (None without any order line)."""
    firsts = [getattr(panels, n).select(pl.col(QI).min()) for n in ("orders", "visits", "feedback", "signals")
              if getattr(panels, n) is not None]
    values = [v for v in pl.concat(firsts).collect().to_series().to_list() if v is not None]
    return min(values) if values else None


class Timeline:
    """The feature panel of quarters ``first`` .. the run's quarter, collected, and the models and tags made from it.

    ``panels`` must be collected (:meth:`tagkit.scoring.panel.Panels.collect`). ``quarters_back``:
    how many quarters before the run's quarter are scored at most (the prescription's history, the
    back-test); the panel reaches further back by the models' training window, never before the data.
    """

    def __init__(self, panels: Panels, *, p: ScoringParams, quarters_back: int) -> None:
        self.panels, self.p = panels, p
        self.last = quarter_index(panels.last_quarter)
        self.data_start = data_start(panels)
        start = self.last if self.data_start is None else self.data_start
        self.first = max(start, self.last - quarters_back - p.risk.model.max_training_quarters)
        self._ids = panels.customers.select("customer_id").collect().to_series()
        self.customers = self._ids.len()
        # a panel of more than SPILL_ROWS customer-quarters goes to disk; its files go with the timeline,
        # however it ends (collected, released, or the process exiting)
        spill = self.customers * (self.last - self.first + 1) > SPILL_ROWS
        store = Path(tempfile.mkdtemp(prefix="tagkit-history-")) if spill else None
        self._store = store
        self._cleanup = weakref.finalize(self, shutil.rmtree, store, ignore_errors=True) if store is not None else None
        self._parts: dict[str, list[pl.DataFrame | Path]] | None = {}
        # the customers every model learns from, beyond risk.model.max_training_rows customer-quarters: every
        # n-th (in customer order), their rows kept apart so that a model reads them, not the whole panel
        step = -(-self.customers * p.risk.model.max_training_quarters // p.risk.model.max_training_rows)
        self._sample = self._ids.gather_every(step) if step > 1 else None
        self._write_history_panel()
        self._region_totals = region_totals(
            panels.orders.join(panels.customers.select("customer_id", "region"), on="customer_id", how="left")
            .select("region", QI, q_cents_0="sales_cents", q_days_0="order_days")
        ).collect().lazy()
        self._indexes: dict[int, pl.DataFrame] = {}
        self._models: dict[int, RiskModel] = {}
        self._quarters: dict[int, pl.DataFrame] = {}
        self._prepared: set[int] | None = None  # after prepare: the quarters whose panel rows are kept

    def prepare(self, scored: range, *, rows: list[int]) -> None:
        """Learn every model and score every quarter of ``scored`` now, and keep of the panel only the
        quarters in ``rows`` (scored again later with all their features: the run's own, the back-tested
        ones; on disk until read): what the run needs of the history is then a few columns per quarter.

        Afterwards a model, quarter or rows outside what was prepared cannot be made (a ``ValueError`` says so).
        """
        for v in scored:
            self.model(v)
            if v < self.last:
                self.quarter(v)
        self._prepared = set(rows)
        held = self._parts or {}
        for key in [k for k in held if k != f"qi={self.last}" and _key_quarter(k) not in self._prepared]:
            for part in held.pop(key):
                if isinstance(part, Path):
                    part.unlink()
        logger.info("timeline prepared: %d models, %d quarters scored, rows of %d kept", len(self._models),
                    len(self._quarters), len(self._prepared))

    def rows(self, vintage: int) -> pl.LazyFrame:
        """The panel rows of quarter index ``vintage`` (read now: a lazy frame handed out must not outlive
        the files, which go with the timeline)."""
        return self._scan([vintage], f"rows of {_label(vintage)}").collect(engine=PANEL_ENGINE).lazy()

    def close(self) -> None:
        """Let the history's panel go (and its files on disk); what was prepared stays."""
        self._parts = None
        if self._cleanup is not None:
            self._cleanup()

    def _read(self, keys: list[str], what: str) -> pl.LazyFrame:
        if self._parts is None:
            raise ValueError(f"the timeline was prepared without {what}: add it to Timeline.prepare")
        parts = [part for key in keys for part in self._parts.get(key, [])]
        if not parts:
            return pl.LazyFrame(schema=self._schema)
        if isinstance(parts[0], Path):  # every part is on disk, or every part in memory (self._store)
            return pl.scan_parquet(cast("list[Path]", parts))
        frames = cast("list[pl.DataFrame]", parts)
        return pl.concat(frames, how="vertical").lazy() if len(frames) > 1 else frames[0].lazy()

    def _put(self, key: str, frame: pl.DataFrame, part: int) -> None:
        if self._parts is None:
            raise ValueError("the timeline was closed: its panel cannot take rows")
        if self._store is None:
            self._parts.setdefault(key, []).append(frame)
            return
        folder = self._store / key
        folder.mkdir(exist_ok=True)
        path = folder / f"part-{part:05d}.parquet"
        frame.write_parquet(path, compression="lz4", statistics=False)
        self._parts.setdefault(key, []).append(path)

    def _scan(self, quarters: list[int] | range, what: str) -> pl.LazyFrame:
        """The panel rows of ``quarters`` (one part per chunk of customers and quarter, in memory or on disk)."""
        if self._prepared is not None and not set(quarters) <= self._prepared | {self.last}:
            raise ValueError(f"the timeline was prepared without {what}: add it to Timeline.prepare")
        return self._read([f"qi={v}" for v in quarters], what)

    def _scan_sample(self, what: str) -> pl.LazyFrame:
        """The panel rows (every quarter) of the customers the models learn from."""
        if self._prepared is not None:
            raise ValueError(f"the timeline was prepared without {what}: add it to Timeline.prepare")
        return self._read(["sample"], what)

    def _write_history_panel(self) -> None:
        """The history's feature panel, one part per chunk of customers and quarter: a model reads a sample
        of customers of a few quarters, a history quarter its own rows. It is built :data:`CHUNK_ROWS`
        customer-quarters at a time (the working memory of the whole grid at once is several times the
        result's), and beyond :data:`SPILL_ROWS` its parts are written to disk, so the whole panel (94
        columns of every customer and quarter: about 4.6 GB at a million customers over eight quarters) is
        never in memory. Every column is the customer's own (company-wide figures come
        from the whole catalogue), so the chunks are independent."""
        ids = self._ids
        chunk = max(1, CHUNK_ROWS // (self.last - self.first + 1))
        for part, lo in enumerate(range(0, max(ids.len(), 1), chunk)):
            panels = self.panels if ids.len() <= chunk else self.panels.for_customers(ids.slice(lo, chunk))
            frame = (
                feature_panel(panels, first=self.first, last=self.last, p=self.p, data_start=self.data_start)
                .select(*CUSTOMER_COLUMNS, *HISTORY_FEATURES)
                .pipe(steady_signals, p=self.p)
                .with_columns(NARROW_LAGS)
                .collect(engine=PANEL_ENGINE)
            )
            self._schema = frame.schema
            if self._sample is not None:
                self._put("sample", frame.filter(pl.col("customer_id").is_in(self._sample.implode())), part)
            for (qi,), rows in frame.partition_by(QI, as_dict=True, maintain_order=True).items():
                self._put(f"qi={qi}", rows, part)

    @property
    def quarter_label(self) -> str:
        return self.panels.last_quarter

    def earliest(self) -> int:
        """The first quarter index the timeline can score."""
        return self.first

    def features(self, vintage: int) -> pl.LazyFrame:
        """Every feature of quarter index ``vintage`` (the wide set the scores file carries).

        The one-quarter window aggregations (:func:`~tagkit.scoring.features.customer_features`,
        the cheap way to many columns of one quarter; the panel equals them, as a test holds),
        with the panel's own columns of that quarter beside them (each quarter's figures one by
        one, what changed this quarter) from the collected history.
        """
        quarter = _label(vintage)
        wide = customer_features(self.panels.until(quarter), quarter=quarter, p=self.p)
        rows = self.rows(vintage)
        own = [c for c in rows.collect_schema().names() if c not in wide.collect_schema().names() or c == "customer_id"]
        history = rows.select(own)
        return wide.join(history, on="customer_id", how="left", maintain_order="left")

    def signals(self, frame: pl.LazyFrame, vintage: int) -> pl.LazyFrame:
        """``frame`` (feature panel rows) with the seasonal index as of ``vintage``, the signals and the outcome."""
        if vintage not in self._indexes:
            self._indexes[vintage] = seasonal_index(
                self._region_totals, vintage=vintage, data_start=self.data_start, years=self.p.risk.seasonal_years,
                min_customers=self.p.windows.region_min_customers).collect()
        with_index = attach_index(frame, self._indexes[vintage].lazy(), lags=LAGS)
        return signal_frame(with_index, p=self.p).with_columns(
            **outcome_columns(decline_threshold=self.p.risk.decline_threshold))

    def model(self, vintage: int) -> RiskModel:
        """The risk model that scores quarter index ``vintage``, learned from the quarters before it."""
        if vintage not in self._models:
            learn_from = training_quarters(vintage, first=self.first, p=self.p)
            if self._sample is None:
                rows = self._scan(learn_from, f"the model of {_label(vintage)}")
            else:
                rows = self._scan_sample(f"the model of {_label(vintage)}").filter(
                    pl.col(QI).is_between(learn_from.start, learn_from.stop - 1))
            training = (
                self.signals(rows, vintage)
                .filter((pl.col("status") == IN_POPULATION) & pl.col("went_bad").is_not_null())
                .select("customer_id", QI, "went_bad", *(f"risk_{s}" for s in SIGNALS))
                .collect(engine=PANEL_ENGINE)
            )
            self._models[vintage] = fit_risk_model(training, vintage=vintage, p=self.p)
        return self._models[vintage]

    def score(self, features: pl.LazyFrame, vintage: int, *, previous: pl.LazyFrame | None) -> pl.LazyFrame:
        """One quarter's features (``vintage``) → signals, ``score_risk``, the other scores, lifecycle and tag.

        ``previous`` holds ``previous_tag`` per customer (hysteresis), or None (raw tags).
        """
        model = self.model(vintage)
        scored = (
            self.signals(features, vintage)
            .with_columns(
                score_risk=pl.when(pl.col("last_order").is_not_null()).then(model.probability()),
                score_risk_without_rhythm=pl.when(pl.col("last_order").is_not_null())
                .then(model.probability(without=RHYTHM)),
            )
            .pipe(score_frame, p=self.p)
            .pipe(abc_frame, p=self.p)  # before the tags: a large customer's line gap makes a nail
            .pipe(lifecycle_frame, p=self.p)
        )
        if previous is None:
            scored = scored.with_columns(previous_tag=pl.lit(None, dtype=pl.String))
        else:
            scored = scored.join(previous, on="customer_id", how="left", maintain_order="left")
        return scored.pipe(tag_frame, p=self.p).with_columns(
            risk_stage=pl.when(pl.col("tag") == "at_risk")
            .then(pl.when(pl.col("stage_bad")).then(pl.lit("declining")).otherwise(pl.lit("early"))),
        )

    def quarter(self, vintage: int) -> pl.DataFrame:
        """Quarter index ``vintage`` scored and tagged as it would have been then (raw tags), kept once made."""
        if vintage not in self._quarters:
            if not self.first <= vintage <= self.last:
                raise ValueError(f"the timeline holds quarters {_label(self.first)}..{_label(self.last)}; "
                                 f"{_label(vintage)} is outside")
            scored = self.score(self.rows(vintage), vintage, previous=None)
            self._quarters[vintage] = scored.select(KEPT).collect(engine=PANEL_ENGINE)
        return self._quarters[vintage]

    def previous_tags(self, vintage: int) -> pl.LazyFrame | None:
        """``customer_id, previous_tag``: the raw tags of the quarter before ``vintage`` for customers who had
        ordered by then; None when the timeline does not reach back that far."""
        before = vintage - 1
        if before < self.first:
            return None
        return (self.quarter(before).lazy().filter(pl.col("last_order").is_not_null())
                .select("customer_id", previous_tag=pl.col("tag")))

    def models(self) -> dict[str, dict[str, object]]:
        """Every model made so far, by quarter, as plain values (manifest, report)."""
        return {_label(v): m.summary() for v, m in sorted(self._models.items())}


def _label(qi: int) -> str:
    return f"{qi // 4}Q{qi % 4 + 1}"


def _key_quarter(key: str) -> int | None:
    return int(key[3:]) if key.startswith("qi=") else None


def quarter_label(vintage: int) -> str:
    return _label(vintage)


def earlier(quarter: str, n: int) -> list[str]:
    """The ``n`` quarters before ``quarter``, oldest first."""
    return [shift_quarter(quarter, -k) for k in range(n, 0, -1)]
