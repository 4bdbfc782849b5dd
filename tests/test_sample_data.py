"""The sample-data generator: contract form, integrity, determinism and the planted behaviours."""
from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tagkit.cli import main
from tagkit.contract import DATA_TABLES as TABLES  # the sample makes the company's tables, not returned lists
from tagkit.contract import TAGS
from tagkit.errors import UsageError
from tagkit.quarters import quarter_end, quarter_label, quarter_start, shift_quarter
from tagkit.sample import generate_sample as generate_from_package
from tagkit.sample.archetypes import ARCHETYPE_NAMES, NAIL_CAUSES
from tagkit.sample.population import BLOCK
from tagkit.sample.reference import REGIONS
from tagkit.sample_data import generate_sample

END = "2026Q3"
NEXT = shift_quarter(END, 1)  # the outcome quarter, written to _truth/next_quarter only
SMALL = dict(seed=11, customers=300)
DTYPES = {"string": pl.String, "float": pl.Float64, "int": pl.Int64, "date": pl.Date, "bool": pl.Boolean}


def read_table(folder: Path, name: str) -> pl.DataFrame:
    """A generated table, as CSV or as a folder of hive-partitioned parquet (orders keep their ``quarter``)."""
    if (folder / name).is_dir():
        frame = pl.read_parquet(folder / name, hive_partitioning=True)
        return frame if name == "orders" else frame.drop("quarter")
    return pl.read_csv(folder / f"{name}.csv", try_parse_dates=True)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """300 customers over the default eight quarters: the fast fixture for form and integrity."""
    out = tmp_path_factory.mktemp("small")
    return out, generate_sample(out, **SMALL)


@pytest.fixture(scope="module")
def default(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The default dataset (2,000 customers, ~200k order lines; well under a second to generate)."""
    out = tmp_path_factory.mktemp("default")
    return out, generate_sample(out)


def read_next_quarter(folder: Path) -> pl.DataFrame:
    """The outcome quarter's order lines, with a ``quarter`` column as the visible orders have."""
    frame = pl.read_parquet(folder / "_truth" / "next_quarter" / "orders.parquet")
    return frame.with_columns(quarter_label("order_date").alias("quarter"))


@pytest.fixture(scope="module")
def tables(default: tuple[Path, dict]) -> dict[str, pl.DataFrame]:
    """Every table of the default dataset, plus the truth, the outcome quarter's orders and per-customer
    quarterly sales (visible quarters and the outcome quarter)."""
    folder, _ = default
    out = {name: read_table(folder, name) for name in TABLES}
    out["truth"] = pl.read_parquet(folder / "_truth" / "planted.parquet")
    out["next"] = read_next_quarter(folder)
    out["sales"] = out["orders"].group_by("customer_id", "quarter").agg(pl.col("amount").sum().alias("sales"))
    visible = out["orders"].with_columns(pl.col("quarter").cast(pl.String))
    out["all_sales"] = (
        pl.concat([visible, out["next"].select(visible.columns)])
        .group_by("customer_id", "quarter").agg(pl.col("amount").sum().alias("sales"))
    )
    return out


# --- form ---------------------------------------------------------------------------------


def test_both_import_paths_are_the_same_function() -> None:
    assert generate_sample is generate_from_package


def test_files_written(small: tuple[Path, dict]) -> None:
    folder, summary = small
    quarters = [shift_quarter(END, i) for i in range(-7, 1)]
    expected = {f"{t}.csv" for t in TABLES if t != "orders"} | {"orders", "_truth"}
    assert {p.name for p in folder.iterdir()} == expected
    assert sorted(p.name for p in (folder / "orders").iterdir()) == [f"quarter={q}" for q in quarters]
    assert all((folder / "orders" / f"quarter={q}" / "part-0.parquet").is_file() for q in quarters)
    assert {p.name for p in (folder / "_truth").iterdir()} == {"planted.parquet", "README.md", "next_quarter"}
    assert [p.name for p in (folder / "_truth" / "next_quarter").iterdir()] == ["orders.parquet"]
    assert summary["quarters"] == quarters
    assert summary["outcome_quarter"] == NEXT


@pytest.mark.parametrize("name", list(TABLES))
def test_contract_columns_types_and_values(small: tuple[Path, dict], name: str) -> None:
    table = TABLES[name]
    frame = read_table(small[0], name)
    assert frame.height > 0
    for column in table.columns:
        assert column.name in frame.columns, f"{name}.{column.name} missing"
        series = frame[column.name]
        assert series.dtype == DTYPES[column.kind], f"{name}.{column.name}: {series.dtype}"
        if column.required:
            assert series.null_count() == 0, f"{name}.{column.name} has nulls"
        values = series.drop_nulls()
        if column.allowed:
            assert set(values.unique()) <= set(column.allowed), f"{name}.{column.name}"
        if column.min is not None:
            assert values.min() >= column.min, f"{name}.{column.name} below {column.min}"
        if column.max is not None:
            assert values.max() <= column.max, f"{name}.{column.name} above {column.max}"


def test_summary_counts_match_files(small: tuple[Path, dict]) -> None:
    folder, summary = small
    assert summary["rows"] == {name: read_table(folder, name).height for name in summary["rows"]}
    assert set(summary["rows"]) == set(TABLES)
    assert summary["rows"]["customers"] == SMALL["customers"]
    assert sum(summary["true_tags"].values()) == SMALL["customers"]


# --- integrity ----------------------------------------------------------------------------


def test_keys_unique_and_references_exist(small: tuple[Path, dict]) -> None:
    folder = small[0]
    frames = {name: read_table(folder, name) for name in TABLES}
    for name, table in TABLES.items():
        if table.key:
            assert frames[name].select(table.key).is_duplicated().sum() == 0, name
        for column, target in table.references.items():
            key = TABLES[target].key[0]
            values = frames[name].select(column).drop_nulls()
            missing = values.join(frames[target], left_on=column, right_on=key, how="anti")
            assert missing.height == 0, f"{name}.{column} not in {target}"


def test_rep_chain_and_territories(small: tuple[Path, dict]) -> None:
    folder = small[0]
    reps = read_table(folder, "reps")
    customers = read_table(folder, "customers")
    up = reps.join(reps, left_on="manager_id", right_on="rep_id", how="left", suffix="_mgr")
    role_above = {"rep": "supervisor", "supervisor": "regional_manager"}
    for role, above in role_above.items():
        rows = up.filter(pl.col("role") == role)
        assert rows.height > 0
        assert (rows["role_mgr"] == above).all(), role
        assert (rows["region"] == rows["region_mgr"]).all(), role
    managers = up.filter(pl.col("role") == "regional_manager")
    assert managers["manager_id"].null_count() == managers.height
    assert sorted(reps.filter(pl.col("role") == "regional_manager")["region"]) == sorted(REGIONS)
    owners = customers.join(reps, on="rep_id", suffix="_rep")
    assert owners.height == customers.height
    assert (owners["role"] == "rep").all()
    assert (owners["region"] == owners["region_rep"]).all()


def test_regions_are_the_seven(small: tuple[Path, dict]) -> None:
    folder = small[0]
    assert set(REGIONS) == {"东北", "华北", "华东", "华南", "华中", "西南", "西北"}
    assert set(read_table(folder, "customers")["region"]) == set(REGIONS)
    assert set(read_table(folder, "reps")["region"]) == set(REGIONS)


def test_dates_within_the_quarters(small: tuple[Path, dict]) -> None:
    folder = small[0]
    first, last = quarter_start(shift_quarter(END, -7)), quarter_end(END)
    for name, table in TABLES.items():
        if table.date_column:
            dates = read_table(folder, name)[table.date_column]
            assert first <= dates.min() and dates.max() <= last, name
    orders = read_table(folder, "orders")
    assert (orders["quarter"] == orders.select(quarter_label("order_date")).to_series()).all()
    assert read_table(folder, "customers")["since"].max() <= last


def test_default_size_organisation_and_volume(default: tuple[Path, dict]) -> None:
    summary = default[1]
    assert 35 <= summary["rows"]["reps"] <= 45
    assert 150_000 <= summary["rows"]["orders"] <= 260_000
    assert summary["as_of"] == "2026-09-30"


# --- determinism --------------------------------------------------------------------------


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_gives_identical_bytes(small: tuple[Path, dict], tmp_path: Path) -> None:
    again = generate_sample(tmp_path / "again", **SMALL)
    assert again["rows"] == small[1]["rows"]
    first, second = _files(small[0]), _files(tmp_path / "again")
    assert first.keys() == second.keys()
    assert "_truth/next_quarter/orders.parquet" in first
    assert [name for name in first if first[name] != second[name]] == []


def test_another_seed_gives_other_data(small: tuple[Path, dict], tmp_path: Path) -> None:
    generate_sample(tmp_path / "other", **{**SMALL, "seed": SMALL["seed"] + 1})
    first, other = _files(small[0]), _files(tmp_path / "other")
    for name in ("customers.csv", "visits.csv", "orders/quarter=2026Q3/part-0.parquet",
                 "_truth/next_quarter/orders.parquet"):
        assert first[name] != other[name], name


def test_regenerating_replaces_stale_quarters(tmp_path: Path) -> None:
    generate_sample(tmp_path, seed=1, customers=60, quarters=7, end_quarter="2026Q3")
    generate_sample(tmp_path, seed=1, customers=60, quarters=7, end_quarter="2026Q1")
    quarters = sorted(p.name for p in (tmp_path / "orders").iterdir())
    assert quarters == [f"quarter={shift_quarter('2026Q1', i)}" for i in range(-6, 1)]
    assert set(read_next_quarter(tmp_path)["quarter"]) == {"2026Q2"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"customers": 10}, r"customers must be at least 60; got 10"),
        ({"quarters": 6}, r"quarters must be at least 7; got 6"),
        ({"end_quarter": "2026-Q3"}, r"quarter '2026-Q3' must look like YYYYQn"),
        ({"seed": -1}, r"seed must be a non-negative integer; got -1"),
    ],
)
def test_rejects_unusable_arguments(tmp_path: Path, kwargs: dict, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        generate_sample(tmp_path, **kwargs)
    assert not any(tmp_path.iterdir())


# --- the planted truth --------------------------------------------------------------------


def test_truth_covers_every_customer(small: tuple[Path, dict]) -> None:
    folder = small[0]
    truth = pl.read_parquet(folder / "_truth" / "planted.parquet")
    customers = read_table(folder, "customers")
    assert_frame_equal(truth.select("customer_id"), customers.select("customer_id"))
    assert set(truth["true_tag"]) == set(TAGS)
    assert set(truth["archetype"]) <= set(ARCHETYPE_NAMES)
    nails = truth.filter(pl.col("true_tag") == "nail")
    assert set(nails["nail_cause"]) == set(NAIL_CAUSES)
    assert truth.filter(pl.col("true_tag") != "nail")["nail_cause"].null_count() == truth.height - nails.height
    readme = (folder / "_truth" / "README.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in readme for name in ARCHETYPE_NAMES)


def test_every_archetype_at_default_size(default: tuple[Path, dict], tables: dict[str, pl.DataFrame]) -> None:
    counts = default[1]["archetypes"]
    assert set(counts) == set(ARCHETYPE_NAMES)
    assert min(counts.values()) >= 30
    assert counts["regular"] == max(counts.values())
    assert default[1]["true_tags"]["regular"] > default[1]["rows"]["customers"] / 2
    truth = tables["truth"]
    tags = dict(truth.select("archetype", "true_tag").unique().iter_rows())
    assert tags["benchmark_at_risk"] == tags["slipping"] == "at_risk" and tags["dormant"] == "regular"
    for confounder in ("isolated_signal", "long_rhythm", "recovered"):
        assert tags[confounder] == "regular" and 0.02 <= counts[confounder] / len(truth) <= 0.03, confounder
    assert 0.035 <= counts["slipping"] / len(truth) <= 0.045
    flags = truth.filter(pl.col("archetype") == "benchmark_at_risk")["expected_flags"].explode()
    assert set(flags) == {"benchmark_at_risk"}


def _by_archetype(tables: dict[str, pl.DataFrame], frame: pl.DataFrame, **aggs: pl.Expr) -> dict[str, dict]:
    joined = frame.join(tables["truth"].select("customer_id", "archetype", "nail_cause"), on="customer_id")
    return {row["archetype"]: row for row in joined.group_by("archetype").agg(**aggs).iter_rows(named=True)}


def test_nails_have_a_low_share_of_wallet(tables: dict[str, pl.DataFrame]) -> None:
    recent = [shift_quarter(END, i) for i in range(-3, 1)]
    trailing = (
        tables["sales"].filter(pl.col("quarter").is_in(recent)).group_by("customer_id").agg(pl.col("sales").sum())
    )
    share = tables["customers"].join(trailing, on="customer_id", how="left").select(
        "customer_id", (pl.col("sales").fill_null(0) / pl.col("potential_annual_value")).alias("share")
    )
    median = {k: v["share"] for k, v in _by_archetype(tables, share, share=pl.col("share").median()).items()}
    assert median["nail"] < 0.1 < median["regular"]
    assert median["nail"] < median["regular"] / 5


def test_benchmarks_are_satisfied_big_buyers_are_not(tables: dict[str, pl.DataFrame]) -> None:
    feedback = tables["feedback"]
    sat = _by_archetype(tables, feedback, sat=pl.col("satisfaction").mean(), coop=pl.col("cooperation").mean())
    assert sat["benchmark"]["sat"] >= 4.3 and sat["benchmark"]["coop"] >= 4.3
    assert sat["benchmark"]["sat"] > sat["big_buyer_no_influence"]["sat"] + 1
    assert sat["influential_dissatisfied"]["sat"] <= 2
    sales = _by_archetype(tables, tables["sales"], sales=pl.col("sales").sum() / pl.col("customer_id").n_unique())
    assert sales["big_buyer_no_influence"]["sales"] > 2 * sales["benchmark"]["sales"]


def test_spring_festival_dip_is_region_wide(tables: dict[str, pl.DataFrame]) -> None:
    regional = (
        tables["orders"].join(tables["customers"].select("customer_id", "region"), on="customer_id")
        .group_by("region", "quarter").agg(pl.col("amount").sum()).pivot(on="quarter", index="region", values="amount")
    )
    for q1 in ("2025Q1", "2026Q1"):
        around = (pl.col(shift_quarter(q1, -1)) + pl.col(shift_quarter(q1, 1))) / 2
        ratio = regional.select((pl.col(q1) / around).alias("r"))["r"]
        assert ratio.len() == len(REGIONS) and ratio.max() < 0.85, q1


def test_one_region_dips_in_the_latest_quarter(default: tuple[Path, dict], tables: dict[str, pl.DataFrame]) -> None:
    yoy = (
        tables["sales"].join(tables["customers"].select("customer_id", "region"), on="customer_id")
        .group_by("region").agg(
            (pl.col("sales").filter(pl.col("quarter") == END).sum()
             / pl.col("sales").filter(pl.col("quarter") == shift_quarter(END, -4)).sum()).alias("yoy")
        )
    )
    dipped = yoy.filter(pl.col("yoy") < 0.85)["region"].to_list()
    assert dipped == [default[1]["dip_region"]]


def test_at_risk_customers_decline_and_lapse(tables: dict[str, pl.DataFrame]) -> None:
    latest, year_ago = END, shift_quarter(END, -4)
    wide = tables["sales"].pivot(on="quarter", index="customer_id", values="sales")
    yoy = wide.select("customer_id", (pl.col(latest).fill_null(0) / pl.col(year_ago)).alias("yoy"))
    last = tables["orders"].group_by("customer_id").agg(pl.col("order_date").max().alias("last"))
    # the declining ones only: early ones (half the benchmarks at risk) still buy, see the slipping tests
    declining = tables["truth"].filter(pl.col("risk_stage").ne("early") | pl.col("risk_stage").is_null())
    stats = _by_archetype(
        {**tables, "truth": declining}, yoy.join(last, on="customer_id"),
        yoy=pl.col("yoy").median(), idle=(pl.lit(quarter_end(END)) - pl.col("last")).dt.total_days().median(),
    )
    for archetype in ("at_risk", "benchmark_at_risk"):
        assert stats[archetype]["yoy"] < 0.3 and stats[archetype]["idle"] >= 30, archetype
    for archetype in ("regular", "seasonal_dip", "benchmark", "nail"):
        assert stats[archetype]["yoy"] > 0.8 and stats[archetype]["idle"] < 30, archetype


def test_dormant_new_and_speculator_stories(tables: dict[str, pl.DataFrame]) -> None:
    truth, orders = tables["truth"], tables["orders"]
    dormant = truth.filter(pl.col("archetype") == "dormant")["customer_id"]
    recent = [shift_quarter(END, i) for i in range(-2, 1)]
    assert orders.filter(pl.col("customer_id").is_in(dormant) & pl.col("quarter").is_in(recent)).height == 0

    new = tables["customers"].join(truth.filter(pl.col("archetype") == "new_customer"), on="customer_id")
    assert new["since"].min() >= quarter_start(shift_quarter(END, -1))
    early = orders.join(new.select("customer_id", "since"), on="customer_id")
    assert early.filter(pl.col("order_date") < pl.col("since")).height == 0

    spec = orders.join(truth.filter(pl.col("archetype") == "speculator").select("customer_id"), on="customer_id")
    days_left = (pl.col("order_date").dt.month_end() - pl.col("order_date")).dt.total_days()
    assert spec["discount"].min() >= 0.3 and spec["discount"].max() <= 0.5
    assert spec.select(days_left.max()).item() < 7
    assert (spec["order_date"].dt.month() % 3 == 0).all()


def test_nails_are_visited_often_and_have_a_cause(tables: dict[str, pl.DataFrame]) -> None:
    visits = _by_archetype(
        tables, tables["visits"], per=pl.len() / pl.col("customer_id").n_unique(),
        poor=pl.col("outcome").is_in(["neutral", "negative"]).mean(),
    )
    assert visits["nail"]["per"] > 2 * visits["regular"]["per"]
    assert visits["nail"]["poor"] > 0.8
    causes = tables["truth"].filter(pl.col("archetype") == "nail").select("customer_id", "nail_cause")
    complaints = tables["feedback"].filter(pl.col("complaint")).join(causes, on="customer_id")
    topics = complaints.group_by("nail_cause").agg(
        rep=(pl.col("complaint_topic") == "rep").sum() / pl.col("customer_id").n_unique(),
        trust=pl.col("complaint_topic").is_in(["product", "service"]).sum() / pl.col("customer_id").n_unique(),
    )
    by_cause = {row["nail_cause"]: row for row in topics.iter_rows(named=True)}
    assert by_cause["internal"]["rep"] >= 2 and by_cause["trust"]["trust"] >= 2
    signals = tables["competitor_signals"].join(causes, on="customer_id").group_by("nail_cause").len()
    per_cause = dict(signals.iter_rows())
    assert per_cause["competitor"] > 3 * max(per_cause.get("trust", 0), per_cause.get("internal", 0))


def test_rep_complaints_name_one_rep(tables: dict[str, pl.DataFrame]) -> None:
    truth = tables["truth"].filter(pl.col("archetype") == "rep_complaint")
    rep_complaints = (
        tables["feedback"].filter(pl.col("complaint_topic") == "rep").group_by("customer_id").len()
        .join(truth, on="customer_id", how="right")
    )
    assert rep_complaints["len"].fill_null(0).min() >= 2
    assert (truth.join(tables["customers"], on="customer_id")["rep_id"] == truth["complained_rep_id"]).all()


def test_orders_have_quarter_end_push_and_some_returns(tables: dict[str, pl.DataFrame]) -> None:
    orders = tables["orders"]
    day = pl.col("order_date")
    last_two_weeks = (day.dt.month() % 3 == 0) & (day.dt.day() > day.dt.month_end().dt.day() - 14)
    assert orders.select(last_two_weeks.mean()).item() > 0.2  # 14 of ~91 days would be 0.15
    returns = orders.select((pl.col("amount") < 0).mean()).item()
    assert 0.005 < returns < 0.03
    assert orders.select(((pl.col("amount") < 0) == (pl.col("quantity") < 0)).all()).item()
    assert orders["order_date"].max() <= dt.date(2026, 9, 30)


# --- the early warning: slip, collapse, the outcome quarter and the confounders ---------------


def test_outcome_quarter_is_in_the_truth_only(small: tuple[Path, dict]) -> None:
    folder, summary = small
    nxt, orders = read_next_quarter(folder), read_table(folder, "orders")
    assert summary["outcome_quarter"] == NEXT and summary["outcome_orders"] == nxt.height > 0
    columns = TABLES["orders"].column_names
    assert nxt.drop("quarter").columns == columns
    assert nxt.select(columns).schema == orders.select(columns).schema
    assert set(nxt["quarter"]) == {NEXT} and not (folder / "orders" / f"quarter={NEXT}").exists()
    assert orders["order_date"].max() <= quarter_end(END) < nxt["order_date"].min()
    assert nxt.join(read_table(folder, "customers"), on="customer_id", how="anti").height == 0
    assert nxt["order_id"].str.starts_with(f"SO-{NEXT}-").all()


def _wide(tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Sales per customer (rows, every customer) and quarter (columns, the outcome quarter included), 0 if none."""
    wide = tables["all_sales"].pivot(on="quarter", index="customer_id", values="sales")
    return tables["truth"].join(wide, on="customer_id", how="left").fill_null(0)


def _ratio(quarter: str) -> pl.Expr:
    """A quarter's sales against the same quarter a year before."""
    return pl.col(quarter) / pl.col(shift_quarter(quarter, -4))


def test_stories_carry_on_into_the_outcome_quarter(tables: dict[str, pl.DataFrame]) -> None:
    wide = _wide(tables).with_columns(_ratio(NEXT).alias("next"))
    arche = pl.col("archetype")
    regular = wide.filter((arche == "regular") & ~pl.col("in_dip_region"))
    assert regular.select((pl.col(NEXT) > 0).mean()).item() > 0.97
    assert 0.85 < regular["next"].median() < 1.2
    gone = wide.filter((arche == "dormant") | (pl.col("risk_stage") == "declining"))
    assert gone.height > 100 and (gone[NEXT] == 0).all()
    speculators = tables["next"].join(tables["truth"].filter(arche == "speculator"), on="customer_id")
    assert speculators["customer_id"].n_unique() >= 0.7 * wide.filter(arche == "speculator").height
    days_left = (pl.col("order_date").dt.month_end() - pl.col("order_date")).dt.total_days()
    assert speculators.select(days_left.max()).item() < 7
    regional = wide.filter(pl.col("true_tag") == "regular").group_by("region").agg(
        (pl.col(NEXT).sum() / pl.col(shift_quarter(NEXT, -4)).sum()).alias("yoy")
    )
    dip = tables["truth"].filter(pl.col("in_dip_region"))["region"].unique().to_list()
    assert regional.filter(pl.col("yoy") < 0.85)["region"].to_list() == dip  # the dip goes on


def test_slipping_customers_still_buy_then_collapse(tables: dict[str, pl.DataFrame]) -> None:
    wide = _wide(tables).with_columns(_ratio(END).alias("slip"), _ratio(NEXT).alias("next"))
    slipping = wide.filter(pl.col("archetype") == "slipping")
    # the dip region's own fall comes on top of the slip, so the slip is measured outside it
    outside = slipping.filter(~pl.col("in_dip_region"))
    assert outside.height >= 50
    assert outside.select((pl.col("slip") >= 0.5).mean()).item() >= 0.8
    assert outside.select(pl.col("slip").is_between(0.5, 0.9).mean()).item() >= 0.5
    assert slipping.select((pl.col("next") < 0.5).mean()).item() >= 0.9
    early = wide.filter(pl.col("risk_stage") == "early")
    assert early.select((pl.col("next") < 0.5).mean()).item() >= 0.9
    regular = wide.filter((pl.col("archetype") == "regular") & ~pl.col("in_dip_region"))
    assert outside["slip"].median() < 0.85 * regular["slip"].median()


def _per_quarter(tables: dict[str, pl.DataFrame], ids: pl.DataFrame, **counts: pl.DataFrame) -> pl.DataFrame:
    """Rows per customer of ``ids`` and visible quarter for each named frame (0 when none), one row each."""
    grid = ids.select("customer_id").join(pl.DataFrame({"quarter": [shift_quarter(END, i) for i in range(-7, 1)]}),
                                          how="cross")
    for name, frame in counts.items():
        date = next(c for c in frame.columns if c.endswith("_date"))
        per = frame.group_by("customer_id", quarter_label(date).alias("quarter")).agg(pl.len().alias(name))
        grid = grid.join(per, on=["customer_id", "quarter"], how="left").with_columns(pl.col(name).fill_null(0))
    return grid


def test_slip_quarter_shows_the_warning_signs(tables: dict[str, pl.DataFrame]) -> None:
    early = tables["truth"].filter(pl.col("risk_stage") == "early")
    fb, visits, signals = tables["feedback"], tables["visits"], tables["competitor_signals"]
    grid = _per_quarter(
        tables, early, complaints=fb.filter(pl.col("complaint")), signals=signals, visits=visits,
        negative=visits.filter(pl.col("outcome") == "negative"),
        orders=tables["orders"].unique(["order_id"]),
    )
    lines = tables["orders"].group_by("customer_id", "quarter").agg(pl.col("product_line").n_unique().alias("lines"))
    grid = grid.join(lines.with_columns(pl.col("quarter").cast(pl.String)), on=["customer_id", "quarter"], how="left")
    slip, before = grid.filter(pl.col("quarter") == END), grid.filter(pl.col("quarter") != END)
    assert slip["complaints"].is_between(1, 3).all() and slip["signals"].is_between(1, 2).all()
    mean = lambda frame, col: frame[col].mean()  # noqa: E731
    assert mean(before, "complaints") < 0.2 and mean(before, "signals") < 0.2
    assert mean(slip, "visits") < 0.7 * mean(before, "visits")
    assert mean(slip, "negative") / mean(slip, "visits") > 1.5 * mean(before, "negative") / mean(before, "visits")
    assert mean(slip, "lines") < 0.75 * mean(before, "lines")  # narrower baskets
    year_ago = grid.filter(pl.col("quarter") == shift_quarter(END, -4))
    assert mean(slip, "orders") < 0.9 * mean(year_ago, "orders")  # gaps stretching
    sat = fb.filter(~pl.col("complaint")).join(early, on="customer_id").group_by(
        quarter_label("feedback_date") == END
    ).agg(pl.col("satisfaction").mean())
    by = dict(sat.iter_rows())
    assert by[True] < by[False] - 0.6
    topics = fb.filter(pl.col("complaint") & (quarter_label("feedback_date") == END)).join(early, on="customer_id")
    assert set(topics["complaint_topic"]) <= {"price", "delivery", "service", "payment"}
    courted = signals.filter(quarter_label("signal_date") == END).join(early, on="customer_id")
    assert set(courted["signal"]) <= {"quote", "visit", "promotion"}


def test_truth_has_the_risk_stage_and_the_slip_and_collapse_quarters(tables: dict[str, pl.DataFrame]) -> None:
    truth = tables["truth"]
    assert (truth["risk_stage"].is_not_null() == (truth["true_tag"] == "at_risk")).all()
    stages = truth.filter(pl.col("risk_stage").is_not_null()).group_by("archetype", "risk_stage").len()
    by = {(a, s): n for a, s, n in stages.iter_rows()}
    assert set(by) == {("at_risk", "declining"), ("slipping", "early"), *(("benchmark_at_risk", s) for s in
                                                                          ("early", "declining"))}
    assert abs(by["benchmark_at_risk", "early"] - by["benchmark_at_risk", "declining"]) <= 1
    early = truth.filter(pl.col("risk_stage") == "early")
    assert (early["slip_quarter"] == END).all() and (early["collapse_quarter"] == NEXT).all()
    declining = truth.filter(pl.col("risk_stage") == "declining")
    assert set(declining["collapse_quarter"]) == {END, shift_quarter(END, -1)}
    episodes = truth.filter(pl.col("slip_quarter").is_not_null())
    assert episodes.height == truth.filter(pl.col("archetype").is_in(
        ["at_risk", "benchmark_at_risk", "slipping", "dormant"])).height
    assert all(shift_quarter(slip, 1) == collapse
               for slip, collapse in episodes.select("slip_quarter", "collapse_quarter").iter_rows())
    # the last order comes in the collapse quarter (an at-risk customer that collapsed before END buys a little
    # into END, so a run sees the lapse)
    late = pl.when(pl.col("true_tag") == "at_risk").then(pl.max_horizontal("collapse_quarter", pl.lit(END)))
    cut = episodes.select(quarter_label("order_cutoff").alias("q"), late.otherwise("collapse_quarter").alias("c"))
    assert (cut["q"] == cut["c"]).all()


def test_truth_readme_explains_the_outcome_quarter(default: tuple[Path, dict]) -> None:
    readme = (default[0] / "_truth" / "README.md").read_text(encoding="utf-8")
    assert "## The outcome quarter" in readme and "`next_quarter/orders.parquet`" in readme
    assert all(f"| {column} |" in readme for column in ("risk_stage", "slip_quarter", "collapse_quarter"))
    truth = pl.read_parquet(default[0] / "_truth" / "planted.parquet")
    early = truth.filter(pl.col("risk_stage") == "early").height
    assert f"At-risk stages: early {early}, declining {truth.filter(pl.col('risk_stage') == 'declining').height}" \
        in readme.replace("\n", " ")


def test_declining_and_dormant_customers_slipped_before_they_collapsed(tables: dict[str, pl.DataFrame]) -> None:
    truth, fb, signals = tables["truth"], tables["feedback"], tables["competitor_signals"]
    episodes = truth.filter(pl.col("archetype").is_in(["at_risk", "dormant"]) | (pl.col("risk_stage") == "declining"))
    grid = _per_quarter(tables, episodes, complaints=fb.filter(pl.col("complaint")), signals=signals)
    at_slip = grid.join(episodes.select("customer_id", pl.col("slip_quarter").alias("quarter")),
                        on=["customer_id", "quarter"])
    assert at_slip.height == episodes.height
    assert (at_slip["complaints"] >= 1).all() and (at_slip["signals"] >= 1).all()
    # the slip is a partial drop, the collapse a deep one (at-risk: the same quarter a year before is visible)
    declining = truth.filter(pl.col("risk_stage") == "declining")
    assert 0.5 <= _yoy_at(tables, declining, "slip_quarter").median() <= 0.9
    assert _yoy_at(tables, declining, "collapse_quarter").median() < 0.35


def _yoy_at(tables: dict[str, pl.DataFrame], who: pl.DataFrame, column: str) -> pl.Series:
    """Each customer's sales in the quarter named in ``column`` against the same quarter a year before."""
    sales = tables["all_sales"]
    year_before = pl.format("{}Q{}", pl.col(column).str.slice(0, 4).cast(pl.Int64) - 1, pl.col(column).str.slice(5))
    pairs = who.select("customer_id", pl.col(column).alias("now"), year_before.alias("then"))
    for side in ("now", "then"):
        pairs = pairs.join(sales.rename({"quarter": side, "sales": f"{side}_sales"}), on=["customer_id", side],
                           how="left")
    return pairs.select(pl.col("now_sales").fill_null(0) / pl.col("then_sales")).to_series()


def test_isolated_signals_are_one_signal_and_nothing_else(tables: dict[str, pl.DataFrame]) -> None:
    isolated = tables["truth"].filter(pl.col("archetype") == "isolated_signal")
    fb, signals = tables["feedback"], tables["competitor_signals"]
    grid = _per_quarter(tables, isolated, complaints=fb.filter(pl.col("complaint")), signals=signals,
                        visits=tables["visits"]).filter(pl.col("quarter") == END)
    assert (grid["complaints"] + grid["signals"] == 1).all()
    assert 0.3 < grid["complaints"].mean() < 0.7  # both kinds
    last = signals.filter(quarter_label("signal_date") == END).join(isolated, on="customer_id")
    assert set(last["signal"]) == {"visit"}
    assert grid["visits"].mean() > 1.5
    wide = _wide(tables).filter((pl.col("archetype") == "isolated_signal") & ~pl.col("in_dip_region"))
    assert wide.select(_ratio(END).median()).item() > 0.85


def test_long_rhythm_customers_order_seldom_and_without_the_push(tables: dict[str, pl.DataFrame]) -> None:
    def gaps(archetype: str) -> pl.DataFrame:
        ids = tables["truth"].filter(pl.col("archetype") == archetype).select("customer_id")
        days = tables["orders"].join(ids, on="customer_id").select("customer_id", "order_date").unique()
        return days.sort("customer_id", "order_date").group_by("customer_id").agg(
            pl.col("order_date").diff().dt.total_days().median().alias("gap")
        )

    slow = gaps("long_rhythm")
    assert slow.height >= 40
    assert slow["gap"].median() >= 60 and slow.select((pl.col("gap") >= 45).mean()).item() >= 0.9
    assert gaps("regular")["gap"].median() < 30
    day = pl.col("order_date")
    last_two_weeks = (day.dt.month() % 3 == 0) & (day.dt.day() > day.dt.month_end().dt.day() - 14)
    slow_orders = tables["orders"].join(slow, on="customer_id").unique("order_id")
    assert slow_orders.select(last_two_weeks.mean()).item() < 0.2  # no quarter-end push (14 of ~91 days: 0.15)


def test_recovered_customers_are_back_to_normal(tables: dict[str, pl.DataFrame]) -> None:
    recovered = tables["truth"].filter(pl.col("archetype") == "recovered")
    dips = [shift_quarter(END, -5), shift_quarter(END, -4)]
    assert (recovered["planted_since_quarter"] == dips[0]).all()
    fb, signals = tables["feedback"], tables["competitor_signals"]
    grid = _per_quarter(tables, recovered, complaints=fb.filter(pl.col("complaint")), signals=signals)
    dipped = grid.filter(pl.col("quarter").is_in(dips)).group_by("customer_id").agg(
        pl.col("complaints", "signals").sum()
    )
    assert (dipped["complaints"] >= 1).all() and (dipped["signals"] >= 1).all()
    after = grid.filter(pl.col("quarter") > dips[1])
    assert after["complaints"].sum() == 0 and after["signals"].sum() == 0
    wide = _wide(tables).filter(pl.col("archetype") == "recovered")
    last_two = pl.col(shift_quarter(END, -1)) + pl.col(END)
    stats = wide.select(
        (last_two / (pl.col(dips[0]) + pl.col(dips[1]))).median().alias("vs_dip"),
        (last_two / (pl.col(shift_quarter(END, -3)) + pl.col(shift_quarter(END, -2)))).median().alias("vs_before"),
        (pl.col(NEXT) / pl.col(shift_quarter(NEXT, -4))).median().alias("next"),
    ).row(0, named=True)
    assert stats["vs_dip"] > 1.5
    assert 0.85 < stats["vs_before"] < 1.2 and 0.85 < stats["next"] < 1.25


def test_end_quarter_may_be_a_first_quarter(tmp_path: Path) -> None:
    summary = generate_sample(tmp_path, seed=2, customers=300, end_quarter="2027Q1")
    assert summary["quarters"][-1] == "2027Q1" and summary["outcome_quarter"] == "2027Q2"
    assert summary["as_of"] == "2027-03-31"
    for name, table in TABLES.items():
        if table.date_column:
            assert read_table(tmp_path, name)[table.date_column].max() <= dt.date(2027, 3, 31), name
    nxt = read_next_quarter(tmp_path)
    assert set(nxt["quarter"]) == {"2027Q2"} and nxt.height > 0
    truth = pl.read_parquet(tmp_path / "_truth" / "planted.parquet")
    early = truth.filter(pl.col("risk_stage") == "early")
    assert early.height > 0 and set(early["slip_quarter"]) == {"2027Q1"}
    assert set(early["collapse_quarter"]) == {"2027Q2"}


# --- scale: order density, regions, batches -------------------------------------------------

# What the generator writes for SMALL (seed 11, 300 customers) without --order-lines and --regions, as
# before those and batching existed (regenerated for the slip/outcome-quarter stories, and when _truth/README.md
# stopped naming DOMAIN.md, a file users do not have): a digest of every file's content (text files byte for byte,
# parquet files as their decoded rows and schema, so that a polars upgrade re-encoding the same rows does not
# count). Regenerate only for an intended change of the default sample: `print(content_digest(folder))` after
# `generate_sample(folder, seed=11, customers=300)`, and say why in the commit.
SMALL_DIGEST = "e6a4a739d2d9a275eb666f9964969bf20351a776be9c5871b366f71d259c9cc6"
DEFAULT_LINES = 220_754  # order lines of the default sample (seed 7, 2,000 customers)


def content_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.suffix == ".parquet":
            frame = pl.read_parquet(path).with_columns(pl.col(pl.List(pl.String)).list.join("|"))
            schema = "; ".join(f"{name}: {dtype}" for name, dtype in frame.schema.items())
            content = (schema + "\n" + frame.write_csv()).encode()
        else:
            content = path.read_bytes()
        digest.update(f"{path.relative_to(folder).as_posix()} {hashlib.sha256(content).hexdigest()}\n".encode())
    return digest.hexdigest()


def test_default_output_is_what_it_always_was(small: tuple[Path, dict]) -> None:
    assert content_digest(small[0]) == SMALL_DIGEST
    assert small[1]["parts_per_quarter"] == 1 and small[1]["table_format"] == "csv"


@pytest.mark.parametrize("per_customer", [25, 50, 165, 330])
def test_order_lines_hits_the_target(tmp_path: Path, per_customer: int) -> None:
    target = 600 * per_customer
    summary = generate_sample(tmp_path, seed=5, customers=600, order_lines=target)
    assert summary["rows"]["orders"] == pytest.approx(target, rel=0.03)
    assert summary["order_lines"]["target"] == target
    assert read_table(tmp_path, "orders").height == summary["rows"]["orders"]


def test_thinner_data_has_fewer_lines_per_order_first(tmp_path: Path) -> None:
    """Down to single-line orders the rhythm is untouched; only beyond that do customers order less often."""
    thinner = generate_sample(tmp_path / "a", seed=5, customers=600, order_lines=600 * 60)["order_lines"]
    assert 0 < thinner["lines_factor"] < 1 and thinner["frequency_factor"] == 1
    thinnest = generate_sample(tmp_path / "b", seed=5, customers=600, order_lines=600 * 30)["order_lines"]
    assert thinnest["lines_factor"] == 0 and 0.5 <= thinnest["frequency_factor"] < 1
    orders = read_table(tmp_path / "b", "orders")
    assert orders.select(pl.col("order_id").is_unique().all()).item()  # single-line orders


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"order_lines": 0}, r"order_lines must be a positive number of order lines; got 0"),
        ({"order_lines": 1000}, r"order_lines must be between [\d,]+ and [\d,]+ for 300 customers over 8 quarters"),
        ({"order_lines": 10**9}, r"order_lines must be between .*got 1,000,000,000"),
        ({"regions": 5}, r"regions must be between 7 and 65; got 5"),
        ({"regions": 66}, r"regions must be between 7 and 65; got 66"),
        ({"regions": 31}, r"customers must be at least 10 per region \(310 for 31 regions\); got 300"),
        ({"batch_customers": 0}, r"batch_customers must be a positive integer; got 0"),
        ({"table_format": "xlsx"}, r"table_format must be one of auto, csv, parquet; got 'xlsx'"),
    ],
)
def test_rejects_unusable_scale(tmp_path: Path, kwargs: dict, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        generate_sample(tmp_path, seed=1, customers=300, **kwargs)
    assert not any(tmp_path.iterdir())


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A national company: 30 province-based regions, 600 customers at half the planted order density."""
    out = tmp_path_factory.mktemp("national")
    return out, generate_sample(out, seed=3, customers=600, regions=30, order_lines=600 * 55)


def test_thirty_regions_each_with_customers_and_a_sales_organisation(national: tuple[Path, dict]) -> None:
    folder, summary = national
    customers, reps = read_table(folder, "customers"), read_table(folder, "reps")
    names = set(customers["region"])
    assert summary["regions"] == len(names) == 30
    assert names.isdisjoint(REGIONS) and summary["dip_region"] in names
    per_region = reps.group_by("region").agg(
        managers=(pl.col("role") == "regional_manager").sum(),
        supervisors=(pl.col("role") == "supervisor").sum(),
        reps=(pl.col("role") == "rep").sum(),
    )
    assert set(per_region["region"]) == names
    assert (per_region["managers"] == 1).all() and (per_region["supervisors"] >= 1).all()
    assert (per_region["reps"] >= 2).all()
    owners = customers.join(reps, on="rep_id", suffix="_rep")
    assert (owners["region"] == owners["region_rep"]).all()
    truth = pl.read_parquet(folder / "_truth" / "planted.parquet")
    assert_frame_equal(truth.select("customer_id", "region"), customers.select("customer_id", "region"))
    assert "30 province-based sales regions" in (folder / "_truth" / "README.md").read_text(encoding="utf-8")


def test_thirty_regions_keep_their_orders_and_events_in_contract_form(national: tuple[Path, dict]) -> None:
    folder = national[0]
    for name, table in TABLES.items():
        frame = read_table(folder, name)
        assert frame.height > 0, name
        assert set(table.column_names) <= set(frame.columns), name
        for column, target in table.references.items():
            key = TABLES[target].key[0]
            missing = frame.select(column).drop_nulls().join(read_table(folder, target), left_on=column,
                                                             right_on=key, how="anti")
            assert missing.height == 0, f"{name}.{column}"


def _files_ending(folder: Path, suffix: str) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob(f"*{suffix}"))}


def test_batch_size_changes_the_parts_not_the_rows(tmp_path: Path) -> None:
    """Two blocks of customers (5,000 and 300): one block a batch, or both in one batch."""
    kwargs = dict(seed=3, customers=BLOCK + 300, order_lines=(BLOCK + 300) * 50, regions=8)
    tiny = generate_sample(tmp_path / "tiny", batch_customers=1, **kwargs)
    big = generate_sample(tmp_path / "big", **kwargs)
    assert (tiny["parts_per_quarter"], big["parts_per_quarter"]) == (2, 1)
    assert tiny["rows"] == big["rows"]
    assert sorted(p.name for p in (tmp_path / "tiny" / "orders" / f"quarter={END}").iterdir()) == [
        "part-0.parquet", "part-1.parquet"
    ]
    assert_frame_equal(read_table(tmp_path / "tiny", "orders"), read_table(tmp_path / "big", "orders"))
    assert_frame_equal(read_next_quarter(tmp_path / "tiny"), read_next_quarter(tmp_path / "big"))
    for suffix in (".csv", ".md", "planted.parquet"):
        assert _files_ending(tmp_path / "tiny", suffix) == _files_ending(tmp_path / "big", suffix), suffix


def test_event_tables_as_parquet_hold_the_same_rows(small: tuple[Path, dict], tmp_path: Path) -> None:
    as_parquet = generate_sample(tmp_path, **SMALL, table_format="parquet")
    assert as_parquet["rows"] == small[1]["rows"]
    for name in ("visits", "feedback", "competitor_signals"):
        assert not (tmp_path / f"{name}.csv").exists()
        assert_frame_equal(read_table(tmp_path, name), read_table(small[0], name), check_dtypes=False)
    # writing CSV over it removes the parts, so each table has exactly one source again
    generate_sample(tmp_path, **SMALL, table_format="csv")
    assert {p.name for p in tmp_path.iterdir()} == {p.name for p in small[0].iterdir()}


def test_cli_passes_order_lines_and_regions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "data"
    assert main(["-q", "sample-data", "--out", str(out), "--customers", "300", "--regions", "30",
                 "--order-lines", "15000"]) == 0
    assert read_table(out, "customers")["region"].n_unique() == 30
    assert read_table(out, "orders").height == pytest.approx(15_000, rel=0.03)
    assert main(["-q", "sample-data", "--out", str(tmp_path / "bad"), "--regions", "70"]) == 2
    assert "regions must be between 7 and 65; got 70" in capsys.readouterr().err


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param(dict(seed=7, customers=2000, order_lines=3 * DEFAULT_LINES), id="3x-density"),
        pytest.param(dict(seed=7, customers=3000, order_lines=3000 * 50, regions=30), id="half-density-30-regions"),
    ],
)
def test_tags_stay_right_at_other_densities(tmp_path: Path, kwargs: dict) -> None:
    """Scored as a run does, the planted tags and flags are found (as tests/test_scoring_quality.py asks).

    Early at-risk customers (still buying as of END, collapsing in the outcome quarter) are left out:
    warning of them is the scorer's job, measured on the default sample by tests/test_scoring_quality.py;
    this test is about the density rescaling keeping the planted stories as visible as planted."""
    from quality_support import apart_from_the_truth
    from tagkit.scoring import flag_quality, tag_quality
    from tagkit.steps import common, score, validate  # imported here: the generator's own tests do not need them

    generate_sample(tmp_path / "data", **kwargs)
    params = common.load_step_params(Path(__file__).resolve().parents[1] / "params")
    validate.run_validation(tmp_path / "data", quarter=END, run_dir=tmp_path / "run", params=params)
    scores = score.run_scoring(quarter=END, run_dir=tmp_path / "run", params=params)
    truth = pl.read_parquet(tmp_path / "data" / "_truth" / "planted.parquet")
    early = truth.filter(pl.col("risk_stage") == "early").select("customer_id")
    assert early.height > 0
    truth, scores = truth.join(early, on="customer_id", how="anti"), scores.join(early, on="customer_id", how="anti")
    scores = apart_from_the_truth(scores, truth, p=params.scoring)  # nails by line gap the sample did not plant
    quality = pl.concat([tag_quality(scores, truth), flag_quality(scores, truth)], how="diagonal_relaxed")
    wanted = ["benchmark", "nail", "at_risk", "benchmark_at_risk", "dormant", "new_customer"]
    rows = quality.filter(pl.col("label").is_in(wanted))
    assert rows.height == len(wanted)
    low = rows.filter((pl.col("precision") < 0.85) | (pl.col("recall") < 0.85))
    assert low.height == 0, low
