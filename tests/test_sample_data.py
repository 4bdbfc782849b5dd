"""The sample-data generator: contract form, integrity, determinism and the planted behaviours."""
from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tagkit.cli import main
from tagkit.contract import TABLES, TAGS
from tagkit.errors import UsageError
from tagkit.quarters import quarter_end, quarter_label, quarter_start, shift_quarter
from tagkit.sample import generate_sample as generate_from_package
from tagkit.sample.archetypes import ARCHETYPE_NAMES, NAIL_CAUSES
from tagkit.sample.population import BLOCK
from tagkit.sample.reference import REGIONS
from tagkit.sample_data import generate_sample

END = "2026Q3"
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


@pytest.fixture(scope="module")
def tables(default: tuple[Path, dict]) -> dict[str, pl.DataFrame]:
    """Every table of the default dataset, plus the truth and per-customer quarterly sales."""
    folder, _ = default
    out = {name: read_table(folder, name) for name in TABLES}
    out["truth"] = pl.read_parquet(folder / "_truth" / "planted.parquet")
    out["sales"] = out["orders"].group_by("customer_id", "quarter").agg(pl.col("amount").sum().alias("sales"))
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
    assert {p.name for p in (folder / "_truth").iterdir()} == {"planted.parquet", "README.md"}
    assert summary["quarters"] == quarters


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
    assert [name for name in first if first[name] != second[name]] == []


def test_another_seed_gives_other_data(small: tuple[Path, dict], tmp_path: Path) -> None:
    generate_sample(tmp_path / "other", **{**SMALL, "seed": SMALL["seed"] + 1})
    first, other = _files(small[0]), _files(tmp_path / "other")
    for name in ("customers.csv", "visits.csv", "orders/quarter=2026Q3/part-0.parquet"):
        assert first[name] != other[name], name


def test_regenerating_replaces_stale_quarters(tmp_path: Path) -> None:
    generate_sample(tmp_path, seed=1, customers=60, quarters=6, end_quarter="2026Q3")
    generate_sample(tmp_path, seed=1, customers=60, quarters=6, end_quarter="2026Q1")
    quarters = sorted(p.name for p in (tmp_path / "orders").iterdir())
    assert quarters == [f"quarter={shift_quarter('2026Q1', i)}" for i in range(-5, 1)]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"customers": 10}, r"customers must be at least 60; got 10"),
        ({"quarters": 4}, r"quarters must be at least 6; got 4"),
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
    assert counts["regular"] > default[1]["rows"]["customers"] / 2
    truth = tables["truth"]
    tags = dict(truth.select("archetype", "true_tag").unique().iter_rows())
    assert tags["benchmark_at_risk"] == "at_risk" and tags["dormant"] == "regular"
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
    stats = _by_archetype(
        tables, yoy.join(last, on="customer_id"),
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


# --- scale: order density, regions, batches -------------------------------------------------

# What the generator wrote before --order-lines, --regions and batching existed, for SMALL (seed 11,
# 300 customers): a digest of every file's content (text files byte for byte, parquet files as their
# decoded rows and schema, so that a polars upgrade re-encoding the same rows does not count). Regenerate
# only for an intended change of the default sample: `print(content_digest(folder))` after
# `generate_sample(folder, seed=11, customers=300)`, and say why in the commit.
SMALL_DIGEST = "9cf24a91bea786ee44e32d26f48d719fae879beb098772451ce1c763d7a614c0"
DEFAULT_LINES = 221_761  # order lines of the default sample (seed 7, 2,000 customers)


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
    """Scored as a run does, the planted tags and flags are found (as tests/test_scoring_quality.py asks)."""
    from tagkit.pipeline import steps  # imported here: the generator's own tests do not need the pipeline
    from tagkit.scoring import flag_quality, tag_quality

    generate_sample(tmp_path / "data", **kwargs)
    params = steps.load_step_params(Path(__file__).resolve().parents[1] / "params")
    steps.run_validation(tmp_path / "data", quarter=END, run_dir=tmp_path / "run", params=params)
    scores = steps.run_scoring(quarter=END, run_dir=tmp_path / "run", params=params)
    truth = pl.read_parquet(tmp_path / "data" / "_truth" / "planted.parquet")
    quality = pl.concat([tag_quality(scores, truth), flag_quality(scores, truth)], how="diagonal_relaxed")
    wanted = ["benchmark", "nail", "at_risk", "benchmark_at_risk", "dormant", "new_customer"]
    rows = quality.filter(pl.col("label").is_in(wanted))
    assert rows.height == len(wanted)
    low = rows.filter((pl.col("precision") < 0.85) | (pl.col("recall") < 0.85))
    assert low.height == 0, low
