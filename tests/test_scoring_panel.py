"""The feature panel: every quarter's row equals scoring that quarter on its own, as of its last day."""
from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tagkit.params import load_params
from tagkit.quarters import quarter_index, shift_quarter
from tagkit.scoring.features import customer_features
from tagkit.scoring.order_lines import order_panels
from tagkit.scoring.panel import build_panels
from tagkit.scoring.panel_features import feature_panel
from tagkit.scoring.scores import score_frame

ROOT = Path(__file__).resolve().parents[1]
P = load_params(ROOT / "params").scoring
QUARTER = "2026Q3"
QUARTERS = [shift_quarter(QUARTER, -k) for k in range(8)]


@pytest.fixture(scope="module")
def sample_tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pl.LazyFrame]:
    """A 400-customer sample (seed 5), validated as a run validates it: the tables the scorer reads."""
    from tagkit.io import load_dataset
    from tagkit.sample_data import generate_sample
    from tagkit.validation import raise_if_blocked, validate_dataset

    folder = tmp_path_factory.mktemp("panel") / "data"
    generate_sample(folder, customers=400, seed=5)
    params = load_params(ROOT / "params")
    with load_dataset(folder, io=params.io) as dataset:
        checked = validate_dataset(dataset.tables, quarter=QUARTER, params=params.validation, missing=dataset.missing)
    raise_if_blocked(checked)
    return {name: frame.lazy() for name, frame in checked.clean.items()}


def _panels(tables: dict[str, pl.LazyFrame]):
    orders = order_panels(tables["orders"], quarter=QUARTER).collect()
    return build_panels(tables, last_quarter=QUARTER, orders=orders).collect()


def _compare(tables: dict[str, pl.LazyFrame]) -> None:
    panels = _panels(tables)
    q = quarter_index(QUARTER)
    panel = feature_panel(panels, first=q - 7, last=q, p=P).collect()
    assert panel.height == 8 * panels.customers.collect().height
    for quarter in QUARTERS:
        alone = customer_features(panels.until(quarter), quarter=quarter, p=P)
        row = panel.lazy().filter(pl.col("qi") == quarter_index(quarter))
        expected = alone.pipe(score_frame, p=P).collect()
        got = row.pipe(score_frame, p=P).select(expected.columns).collect()
        # exact equality, column by column: every feature and the six scores made from them
        for column in expected.columns:
            try:
                assert_frame_equal(got.select(column), expected.select(column), check_dtypes=False)
            except AssertionError as exc:
                raise AssertionError(f"{quarter}, column {column}: the panel differs from the quarter alone") from exc


def test_every_quarter_of_the_panel_equals_that_quarter_scored_alone(sample_tables):
    _compare(sample_tables)


def test_the_same_holds_with_only_the_required_tables(sample_tables):
    _compare({name: sample_tables[name] for name in ("customers", "orders")})


def test_the_panel_rows_of_a_quarter_never_read_later_data(sample_tables):
    """Doubling every order after 2026Q1 leaves the panel's 2026Q1 rows (and earlier) unchanged."""
    later = sample_tables["orders"].with_columns(
        amount=pl.when(pl.col("order_date") > pl.date(2026, 3, 31)).then(pl.col("amount") * 2)
        .otherwise(pl.col("amount")))
    q1 = quarter_index("2026Q1")

    def rows(tables: dict[str, pl.LazyFrame]) -> pl.DataFrame:
        panel = feature_panel(_panels(tables), first=q1 - 3, last=quarter_index(QUARTER), p=P)
        return panel.filter(pl.col("qi") <= q1).drop("next_cents", "next_purchase").collect()

    assert_frame_equal(rows(sample_tables), rows({**sample_tables, "orders": later}))


def test_a_history_kept_on_disk_in_chunks_scores_the_same(sample_tables, monkeypatch):
    """Past ``SPILL_ROWS`` customer-quarters the history's panel is built in chunks and kept on disk; the
    scores, models and history quarters are the same as with the panel in memory, and the files go with it."""
    from tagkit.scoring import score_customers, timeline
    from tagkit.scoring.engine import timeline_of

    # every third customer learned from (400 customers x 8 quarters over 1,500 rows): the sample is read too
    model = P.risk.model.model_copy(update={"max_training_rows": 1_500})
    p = P.model_copy(update={"risk": P.risk.model_copy(update={"model": model})})

    def run() -> tuple[pl.DataFrame, dict, pl.DataFrame, timeline.Timeline]:
        tl = timeline_of(sample_tables, quarter=QUARTER, p=p, quarters_back=3)
        scores = score_customers(sample_tables, quarter=QUARTER, p=p, timeline=tl).collect()
        return scores, tl.models(), tl.quarter(tl.last - 2), tl

    in_memory, models, history, tl = run()
    assert tl._store is None and tl._sample is not None  # noqa: SLF001 - where the timeline keeps its quarters
    assert models[QUARTER]["source"] == "learned"
    monkeypatch.setattr(timeline, "SPILL_ROWS", 100)
    monkeypatch.setattr(timeline, "CHUNK_ROWS", 1_000)  # 125 customers a chunk over 8 quarters
    on_disk, models_disk, history_disk, tl_disk = run()
    store = tl_disk._store  # noqa: SLF001 - the spilled quarters on disk
    assert store is not None and len(list((store / f"qi={tl_disk.last}").glob("*.parquet"))) == 4  # 400 customers
    assert_frame_equal(on_disk, in_memory)
    assert models_disk == models
    assert_frame_equal(history_disk, history)
    tl_disk.close()
    assert not store.exists()
