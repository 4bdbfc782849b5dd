"""validate_dataset: what blocks the run, what is set aside and why, and where every row went.

Every test runs twice: with the tables read into memory (small tables, the default here) and
streamed (``STREAM_ROWS`` set to 0: every check a streaming aggregate, clean and quarantine left lazy,
collected here for the assertions). Both must give the same answers.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import tagkit.validation.validate as validate_module
from tagkit.errors import ValidationBlocked
from tagkit.validation import QUARANTINE_COLUMNS, TableAccounting, raise_if_blocked, validate_dataset
from tagkit.validation.result import ValidationResult
from validation_support import PARAMS, QUARTER, customer, intake_frame, order, rep

D = dt.date
NAN, INF = float("nan"), float("inf")


def base_tables(**override: pl.LazyFrame) -> dict[str, pl.LazyFrame]:
    """Two good customers (C1, C2) of rep R1, two reps, one good order each."""
    tables = {
        "customers": intake_frame("customers", [customer("C1", lat=31.2, lon=121.5), customer("C2")]),
        "orders": intake_frame("orders", [order("O1", "C1"), order("O2", "C2")]),
        "reps": intake_frame("reps", [rep("R1", role="supervisor"), rep("R2", manager_id="R1")]),
    }
    return tables | override


@pytest.fixture(autouse=True, params=["in_memory", "streamed"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "streamed":
        monkeypatch.setattr(validate_module, "STREAM_ROWS", 0)
    return request.param


def collected(result: ValidationResult) -> ValidationResult:
    """The result with a streamed table's lazy frames collected."""
    def frames(tables: dict[str, Any]) -> dict[str, pl.DataFrame]:
        return {name: frame.lazy().collect() for name, frame in tables.items()}

    return replace(result, clean=frames(result.clean), quarantine=frames(result.quarantine))


def validate(tables: dict[str, pl.LazyFrame]) -> ValidationResult:
    return collected(validate_dataset(tables, quarter=QUARTER, params=PARAMS))


def assert_accounting_holds(result: ValidationResult) -> None:
    for name, acc in result.accounting.items():
        assert acc.rows_read == acc.rows_used + acc.rows_quarantined, name
        assert acc.rows_used == result.clean[name].height, name
        assert result.quarantine[name].height == acc.rows_quarantined + acc.rows_value_nulled, name
        assert result.quarantine[name].filter(pl.col("action") == "row_set_aside").height == acc.rows_quarantined


# --- blocking ---------------------------------------------------------------------------------


def test_a_clean_dataset_passes_and_raise_if_blocked_is_silent() -> None:
    result = validate(base_tables())
    assert result.blocking == [] and not result.blocked
    raise_if_blocked(result)
    assert {n: a.rows_used for n, a in result.accounting.items()} == {"customers": 2, "orders": 2, "reps": 2}


def test_duplicate_customer_ids_block_and_the_message_lists_ids_and_rows() -> None:
    """customers.csv holds C1 on rows 1 and 3, C2 on rows 2 and 4."""
    customers = intake_frame("customers", [customer(c) for c in ("C1", "C2", "C1", "C2", "C3")])
    result = validate(base_tables(customers=customers))
    with pytest.raises(ValidationBlocked, match=(
        r"customers\.csv: column 'customer_id' must be unique \(one row per customer_id\); "
        r"got 2 values repeated in 4 rows \('C1' in rows 1, 3; 'C2' in rows 2, 4\)\. Keep one row per customer_id"
    )):
        raise_if_blocked(result)


def test_duplicate_rep_ids_block() -> None:
    """reps.xlsx lists R1 twice (rows 1 and 2)."""
    reps = intake_frame("reps", [rep("R1"), rep("R1"), rep("R2")], file="reps.xlsx")
    with pytest.raises(ValidationBlocked, match=r"reps\.xlsx: column 'rep_id' must be unique .*'R1' in rows 1, 2"):
        raise_if_blocked(validate(base_tables(reps=reps)))


def test_a_missing_required_column_blocks() -> None:
    """customers.csv without the region column (intake normally stops earlier)."""
    customers = intake_frame("customers", [customer("C1"), customer("C2")], drop=("region",))
    with pytest.raises(ValidationBlocked, match=r"customers\.csv: column 'region' must be present in customers; "
                                                r"got no such column\. Add it, or map"):
        raise_if_blocked(validate(base_tables(customers=customers)))


def test_a_required_column_entirely_empty_blocks() -> None:
    """Every amount cell of orders.csv is empty."""
    orders = intake_frame("orders", [order("O1", "C1", amount=None), order("O2", "C2", amount=None)])
    with pytest.raises(ValidationBlocked, match=r"orders\.csv: column 'amount' must have values; "
                                                r"got only empty cells in 2 rows \(e\.g\. rows 1, 2\)"):
        raise_if_blocked(validate(base_tables(orders=orders)))


def test_a_required_column_entirely_unreadable_blocks_and_quotes_the_text() -> None:
    """Two order files whose dates are all day-first text that intake could not read."""
    first = intake_frame("orders", [order("O1", "C1", day=None, _raw_order_date="31/07/2026")], file="orders/a.csv")
    second = intake_frame("orders", [order("O2", "C2", day=None, _raw_order_date="01/08/2026")], file="orders/b.csv")
    result = validate(base_tables(orders=pl.concat([first, second])))
    with pytest.raises(ValidationBlocked, match=(
        r"orders \(orders/a\.csv, orders/b\.csv\): column 'order_date' must have readable values; got none in "
        r"2 rows \(e\.g\. rows orders/a\.csv:1, orders/b\.csv:1: '31/07/2026', '01/08/2026'\)\. "
        r"Write the values in the contract's format \(dates as YYYY-MM-DD"
    )):
        raise_if_blocked(result)


def test_no_usable_rows_in_a_required_table_blocks() -> None:
    """Every order belongs to a customer that customers.csv does not list."""
    orders = intake_frame("orders", [order("O1", "C8"), order("O2", "C9")])
    result = validate(base_tables(orders=orders))
    with pytest.raises(ValidationBlocked, match=r"orders\.csv: table 'orders' must have at least one usable row; "
                                                r"got 0 usable of 2 read \(set aside: unknown_customer 2\)"):
        raise_if_blocked(result)
    assert_accounting_holds(result)


def test_no_usable_rows_in_an_optional_table_only_warns() -> None:
    """All visits are dated after the quarter."""
    visits = intake_frame("visits", [{"customer_id": "C1", "rep_id": "R1", "visit_date": D(2026, 10, 5)}])
    result = validate(base_tables(visits=visits))
    assert not result.blocked
    assert any("table 'visits' should have usable rows; got none" in w for w in result.warnings)


def test_a_missing_required_table_blocks() -> None:
    result = validate({"orders": base_tables()["orders"]})
    with pytest.raises(ValidationBlocked, match=r"customers: table 'customers' must be present; got no file"):
        raise_if_blocked(result)


def test_a_column_of_the_wrong_type_blocks() -> None:
    """amount left as text: an intake bug the contract check still catches."""
    orders = intake_frame("orders", [order("O1", "C1")]).with_columns(pl.col("amount").cast(pl.String))
    with pytest.raises(ValidationBlocked, match=r"orders\.csv: column 'amount' must be of type Float64; got String"):
        raise_if_blocked(validate(base_tables(orders=orders)))


def test_every_blocking_failure_is_raised_together() -> None:
    """Duplicate customers, an orders file without amounts and a duplicate rep, all at once."""
    customers = intake_frame("customers", [customer("C1"), customer("C1"), customer("C2")])
    orders = intake_frame("orders", [order("O1", "C2", amount=None)])
    reps = intake_frame("reps", [rep("R1"), rep("R1")])
    result = validate(base_tables(customers=customers, orders=orders, reps=reps))
    with pytest.raises(ValidationBlocked, match=r"validation blocked the run \(4 problem\(s\)\)") as caught:
        raise_if_blocked(result)
    assert result.blocking == caught.value.failures
    assert [f.split(";")[0] for f in caught.value.failures] == [
        "reps.csv: column 'rep_id' must be unique (one row per rep_id)",
        "customers.csv: column 'customer_id' must be unique (one row per customer_id)",
        "orders.csv: column 'amount' must have values",
        "orders.csv: table 'orders' must have at least one usable row",  # its only line had no amount
    ]


# --- row-level: one case per reason ---------------------------------------------------------------

ROW_CASES: list[tuple[str, dict[str, Any], str, str]] = [
    ("orders", order("O9", "C1", day=None), "missing_order_date", "row_set_aside"),
    ("orders", order("O9", "C1", day=None, _raw_order_date="2026-02-30"), "unparseable_order_date", "row_set_aside"),
    ("orders", order("O9", "C1", day=D(2026, 10, 1)), "after_quarter_end", "row_set_aside"),
    ("orders", order("O9", "C1", amount=None), "missing_amount", "row_set_aside"),
    ("orders", order("O9", "C1", amount=None, _raw_amount="12,5元"), "unparseable_amount", "row_set_aside"),
    ("orders", order("O9", "C1", amount=INF), "non_finite_amount", "row_set_aside"),
    ("orders", order("O9", "C1", amount=NAN), "non_finite_amount", "row_set_aside"),
    ("orders", order("O9", "C404"), "unknown_customer", "row_set_aside"),
    ("orders", order("O9", None), "missing_customer_id", "row_set_aside"),
    ("orders", order(None, "C1"), "missing_order_id", "row_set_aside"),  # type: ignore[arg-type]
    ("orders", order("O9", "C1", discount=0.96), "discount_out_of_range", "row_set_aside"),
    ("orders", order("O9", "C1", discount=-0.1), "discount_out_of_range", "row_set_aside"),
    ("orders", order("O9", "C1", quantity=-INF), "non_finite_quantity", "row_set_aside"),
    ("orders", order("O9", "C1", quantity=None, _raw_quantity="a lot"), "unparseable_quantity", "row_set_aside"),
    ("feedback", {"customer_id": "C1", "feedback_date": D(2026, 8, 1), "satisfaction": 6},
     "satisfaction_out_of_range", "row_set_aside"),
    ("feedback", {"customer_id": "C1", "feedback_date": D(2026, 8, 1), "satisfaction": 0},
     "satisfaction_out_of_range", "row_set_aside"),
    ("feedback", {"customer_id": "C1", "feedback_date": D(2026, 8, 1), "cooperation": 9},
     "cooperation_out_of_range", "row_set_aside"),
    ("feedback", {"customer_id": "C1", "feedback_date": D(2026, 8, 1), "complaint_topic": "weather"},
     "invalid_complaint_topic", "row_set_aside"),
    ("feedback", {"customer_id": "C1", "feedback_date": D(2026, 8, 1), "complaint": None, "_raw_complaint": "maybe"},
     "unparseable_complaint", "row_set_aside"),
    ("feedback", {"customer_id": "C404", "feedback_date": D(2026, 8, 1)}, "unknown_customer", "row_set_aside"),
    ("visits", {"customer_id": "C1", "rep_id": "R404", "visit_date": D(2026, 8, 1)}, "unknown_rep", "row_set_aside"),
    ("visits", {"customer_id": "C404", "rep_id": "R1", "visit_date": D(2026, 8, 1)}, "unknown_customer",
     "row_set_aside"),
    ("visits", {"customer_id": "C1", "rep_id": "R1", "visit_date": D(2026, 8, 1), "visit_type": "party"},
     "invalid_visit_type", "row_set_aside"),
    ("visits", {"customer_id": "C1", "rep_id": "R1", "visit_date": D(2026, 8, 1), "outcome": "meh"},
     "invalid_outcome", "row_set_aside"),
    ("visits", {"customer_id": "C1", "rep_id": "R1", "visit_date": D(2026, 12, 1)}, "after_quarter_end",
     "row_set_aside"),
    ("competitor_signals", {"customer_id": "C1", "signal_date": D(2026, 8, 1), "signal": "rumour"},
     "invalid_signal", "row_set_aside"),
    ("competitor_signals", {"customer_id": "C1", "signal_date": D(2026, 8, 1), "signal": None},
     "missing_signal", "row_set_aside"),
    ("competitor_signals", {"customer_id": "C404", "signal_date": D(2026, 8, 1), "signal": "quote"},
     "unknown_customer", "row_set_aside"),
    ("customers", customer(None), "missing_customer_id", "row_set_aside"),
    ("customers", customer("C9", region=None), "missing_region", "row_set_aside"),
    ("customers", customer("C9", rep_id=None), "missing_rep_id", "row_set_aside"),
    ("customers", customer("C9", customer_name=None), "missing_customer_name", "row_set_aside"),
    ("customers", customer("C9", channel="wholesaler"), "invalid_channel", "value_nulled"),
    ("customers", customer("C9", influence_scope="galactic"), "invalid_influence_scope", "value_nulled"),
    ("customers", customer("C9", lat=91.0, lon=100.0), "lat_out_of_range", "value_nulled"),
    ("customers", customer("C9", lat=30.0, lon=-181.0), "lon_out_of_range", "value_nulled"),
    ("customers", customer("C9", lat=0.0, lon=0.0), "zero_coordinates", "value_nulled"),
    ("customers", customer("C9", lat=None, _raw_lat="N31°"), "unparseable_lat", "value_nulled"),
    ("customers", customer("C9", potential_annual_value=-1.0), "potential_annual_value_out_of_range", "value_nulled"),
    ("customers", customer("C9", downstream_outlets=-3), "downstream_outlets_out_of_range", "value_nulled"),
    ("customers", customer("C9", since=None, _raw_since="long ago"), "unparseable_since", "value_nulled"),
    ("reps", rep("R9", rep_name=None), "missing_rep_name", "row_set_aside"),
    ("reps", rep("R9", role="boss"), "invalid_role", "value_nulled"),
    ("reps", rep("R9", manager_id="R404"), "unknown_manager", "value_nulled"),
]


@pytest.mark.parametrize(("table", "bad_row", "reason", "action"), ROW_CASES,
                         ids=[f"{t}-{r}-{i}" for i, (t, _, r, _) in enumerate(ROW_CASES)])
def test_each_row_problem_is_quarantined_with_its_reason(table: str, bad_row: dict[str, Any], reason: str,
                                                         action: str) -> None:
    """The table's good rows plus one bad row (the last): only the bad row is flagged."""
    good = {
        "orders": [order("O1", "C1")],
        "feedback": [{"customer_id": "C1", "feedback_date": D(2026, 7, 1), "satisfaction": 4}],
        "visits": [{"customer_id": "C1", "rep_id": "R1", "visit_date": D(2026, 7, 1)}],
        "competitor_signals": [{"customer_id": "C2", "signal_date": D(2026, 7, 1), "signal": "quote"}],
        "customers": [customer("C1"), customer("C2")],
        "reps": [rep("R1"), rep("R2")],
    }[table]
    result = validate(base_tables(**{table: intake_frame(table, [*good, bad_row])}))
    quarantine = result.quarantine[table]
    assert quarantine.select("reason", "action", "_row").rows() == [(reason, action, len(good) + 1)]
    assert quarantine.get_column("detail")[0].endswith(".")
    acc = result.accounting[table]
    assert acc.by_reason == {reason: 1}
    assert (acc.rows_quarantined, acc.rows_value_nulled) == ((1, 0) if action == "row_set_aside" else (0, 1))
    assert not result.blocked, result.blocking
    assert_accounting_holds(result)


def test_impossible_coordinates_are_nulled_and_the_customer_is_kept() -> None:
    """C2 has a latitude of 95° and C3 sits on 0,0 (blank coordinates exported as zeros)."""
    customers = intake_frame("customers", [
        customer("C1", lat=31.2, lon=121.5), customer("C2", lat=95.0, lon=10.0), customer("C3", lat=0.0, lon=0.0),
    ])
    result = validate(base_tables(customers=customers))
    assert_frame_equal(
        result.clean["customers"].select("customer_id", "lat", "lon"),
        pl.DataFrame({"customer_id": ["C1", "C2", "C3"], "lat": [31.2, None, None], "lon": [121.5, None, None]}),
    )
    assert_frame_equal(
        result.quarantine["customers"].select("customer_id", "lat", "lon", "reason", "action", "detail"),
        pl.DataFrame({
            "customer_id": ["C2", "C3"], "lat": [95.0, 0.0], "lon": [10.0, 0.0],
            "reason": ["lat_out_of_range", "zero_coordinates"], "action": ["value_nulled", "value_nulled"],
            "detail": ["lat 95.0 is outside -90.0..90.0 (lat and lon set to null).",
                       "lat 0.0 together with lon 0.0 is not allowed (lat and lon set to null)."],
        }),
    )
    acc = result.accounting["customers"]
    assert (acc.rows_read, acc.rows_used, acc.rows_quarantined, acc.rows_value_nulled) == (3, 3, 0, 2)
    assert_accounting_holds(result)


def test_orders_after_the_quarter_end_are_set_aside_and_counted() -> None:
    """Two of four order lines fall after 2026-09-30 (one on the first day of Q4)."""
    orders = intake_frame("orders", [
        order("O1", "C1", day=D(2026, 9, 30)), order("O2", "C1", day=D(2026, 10, 1)),
        order("O3", "C2", day=D(2025, 1, 1)), order("O4", "C2", day=D(2027, 1, 1)),
    ])
    result = validate(base_tables(orders=orders))
    acc = result.accounting["orders"]
    assert acc.by_reason == {"after_quarter_end": 2}
    assert (acc.rows_read, acc.rows_used, acc.rows_quarantined) == (4, 2, 2)
    assert result.clean["orders"].get_column("order_id").to_list() == ["O1", "O3"]
    assert result.quarantine["orders"].get_column("detail").to_list() == [
        "order_date 2026-10-01 is after the quarter's last day, 2026-09-30.",
        "order_date 2027-01-01 is after the quarter's last day, 2026-09-30.",
    ]


def test_a_row_with_several_problems_appears_once_with_every_reason() -> None:
    """An order line of an unknown customer, dated in Q4, with a 99% discount."""
    orders = intake_frame("orders", [order("O1", "C1"), order("O2", "C404", day=D(2026, 11, 11), discount=0.99)])
    result = validate(base_tables(orders=orders))
    quarantine = result.quarantine["orders"]
    assert quarantine.height == 1
    assert quarantine.row(0, named=True)["reason"] == "unknown_customer;after_quarter_end;discount_out_of_range"
    assert quarantine.row(0, named=True)["detail"] == (
        "customer_id 'C404' is not among the usable rows of customers. "
        "order_date 2026-11-11 is after the quarter's last day, 2026-09-30. "
        "discount 0.99 is outside 0.0..0.95."
    )
    acc = result.accounting["orders"]
    assert (acc.rows_quarantined, acc.by_reason) == (
        1, {"unknown_customer": 1, "after_quarter_end": 1, "discount_out_of_range": 1})
    assert_accounting_holds(result)


def test_orders_of_a_customer_set_aside_are_set_aside_too() -> None:
    """C2 has no region, so it is set aside, and so is its order: it could not be scored."""
    customers = intake_frame("customers", [customer("C1"), customer("C2", region=None)])
    result = validate(base_tables(customers=customers))
    assert result.quarantine["orders"].select("order_id", "reason").rows() == [("O2", "unknown_customer")]


def test_a_customer_whose_rep_is_not_in_reps_is_kept_with_a_warning() -> None:
    customers = intake_frame("customers", [customer("C1"), customer("C2", rep_id="R404")])
    result = validate(base_tables(customers=customers))
    assert result.accounting["customers"].rows_used == 2
    assert result.quarantine["customers"].height == 0
    assert [w for w in result.warnings if "rep_id" in w] == [
        "customers.csv: column 'rep_id' should name a row of reps; got unknown values in 1 row "
        "(e.g. rows 2: 'R404'). The rows are kept; add the missing entries to reps, or correct the ids."
    ]


def test_checks_against_an_absent_table_are_skipped_and_the_table_listed_as_missing() -> None:
    """No reps file: visits cannot be checked against reps, nor customers' rep_id."""
    tables = base_tables(visits=intake_frame("visits", [{"customer_id": "C1", "rep_id": "R404",
                                                         "visit_date": D(2026, 8, 1)}]))
    del tables["reps"]
    result = validate(tables)
    assert result.missing == ["reps", "feedback", "competitor_signals"]
    skipped = {(r.table, r.reason): r.skipped for r in result.expectations if r.skipped and "reps" in r.skipped}
    assert skipped == {("customers", "unknown_rep"): "reps is absent", ("visits", "unknown_rep"): "reps is absent"}
    assert result.accounting["visits"].rows_used == 1


def test_high_null_rates_warn_on_the_clean_rows() -> None:
    """Three of four customers lack coordinates (one because its latitude was impossible)."""
    customers = intake_frame("customers", [customer("C1", lat=31.0, lon=121.0), customer("C2", lat=99.0, lon=1.0),
                                           customer("C3"), customer("C4")])
    result = validate(base_tables(customers=customers))
    assert result.warnings[0] == (
        "customers.csv: column 'lat' should be empty on at most 20% of rows; got 75% empty of 4 usable rows. "
        "Scores that use lat are weaker; fill it in at the source, or raise max_null_rate['customers.lat'] "
        "in params if this is expected."
    )


# --- what comes out ----------------------------------------------------------------------------------


def test_clean_rows_keep_contract_columns_extras_and_lineage_but_no_raw_text() -> None:
    """orders.csv with an extra 'salesman_note' column; one line is set aside."""
    orders = intake_frame("orders", [order("O1", "C1", salesman_note="rush"), order("O2", "C404", salesman_note=None)])
    result = validate(base_tables(orders=orders))
    expected = pl.DataFrame({
        "order_id": ["O1"], "customer_id": ["C1"], "order_date": [D(2026, 8, 1)], "amount": [100.0],
        "product_line": pl.Series([None], dtype=pl.String), "quantity": pl.Series([None], dtype=pl.Float64),
        "discount": pl.Series([None], dtype=pl.Float64), "salesman_note": ["rush"],
        "_file": ["orders.csv"], "_row": [1],
    })
    assert_frame_equal(result.clean["orders"], expected)


def test_quarantine_keeps_the_row_as_read_then_reason_detail_action_file_row() -> None:
    orders = intake_frame("orders", [order("O1", "C1"), order("O2", "C1", amount=None, _raw_amount="12,5元")])
    quarantine = validate(base_tables(orders=orders)).quarantine["orders"]
    assert quarantine.columns[-5:] == list(QUARANTINE_COLUMNS)
    assert quarantine.schema["_row"] == pl.Int64 and quarantine.schema["reason"] == pl.String
    row = quarantine.row(0, named=True)
    assert (row["order_id"], row["amount"], row["_raw_amount"]) == ("O2", None, "12,5元")
    assert row["detail"] == "amount '12,5元' cannot be read as a number."


def test_an_empty_quarantine_still_has_its_schema() -> None:
    result = validate(base_tables())
    assert result.quarantine["orders"].height == 0
    assert result.quarantine["orders"].columns[-5:] == list(QUARANTINE_COLUMNS)


def test_frames_without_raw_text_or_optional_columns_are_accepted() -> None:
    """orders from parquet (no _raw_* columns) that lack the discount column."""
    orders = intake_frame("orders", [order("O1", "C1"), order("O2", "C1", amount=INF)], raw=False, drop=("discount",))
    result = validate(base_tables(orders=orders))
    assert result.clean["orders"].schema["discount"] == pl.Float64
    assert result.accounting["orders"].columns_absent == ("discount",)
    assert "orders.csv: optional column 'discount' is absent" in " ".join(result.warnings)
    assert not any(c.startswith("_raw_") for c in result.quarantine["orders"].columns)
    assert result.quarantine["orders"].get_column("reason").to_list() == ["non_finite_amount"]


def test_accounting_holds_on_a_messy_dataset() -> None:
    """Every table present, each with a mix of good rows, set-aside rows and nulled values."""
    tables = base_tables(
        customers=intake_frame("customers", [customer("C1"), customer("C2", lat=0.0, lon=0.0), customer(None),
                                             customer("C4", channel="x", region=None)]),
        orders=intake_frame("orders", [order("O1", "C1"), order("O2", "C4"), order("O3", "C2", amount=NAN),
                                       order("O4", "C2", day=D(2026, 12, 1), discount=2.0)]),
        visits=intake_frame("visits", [{"customer_id": "C1", "rep_id": "R1", "visit_date": D(2026, 8, 1)},
                                       {"customer_id": "C1", "rep_id": "R7", "visit_date": None}]),
        feedback=intake_frame("feedback", [{"customer_id": "C2", "feedback_date": D(2026, 8, 1), "satisfaction": 9}]),
        competitor_signals=intake_frame("competitor_signals", [
            {"customer_id": "C1", "signal_date": D(2026, 8, 1), "signal": "quote"}]),
    )
    result = validate(tables)
    assert_accounting_holds(result)
    summary = {n: (a.rows_read, a.rows_used, a.rows_quarantined, a.rows_value_nulled)
               for n, a in result.accounting.items()}
    assert summary == {
        "customers": (4, 2, 2, 1), "orders": (4, 1, 3, 0), "reps": (2, 2, 0, 0),
        "visits": (2, 1, 1, 0), "feedback": (1, 0, 1, 0), "competitor_signals": (1, 1, 0, 0),
    }


def test_broken_accounting_is_refused() -> None:
    with pytest.raises(AssertionError, match="row accounting broken"):
        TableAccounting("orders", rows_read=3, rows_used=1, rows_quarantined=1, rows_value_nulled=0,
                        by_reason={}, files=())


def test_validation_is_pure_and_repeatable() -> None:
    """The same frames give the same result; the input frames are not altered."""
    tables = base_tables(orders=intake_frame("orders", [order("O1", "C1"), order("O2", "C404")]))
    before = {n: lf.collect() for n, lf in tables.items()}
    first, second = validate(tables), validate(tables)
    for name in first.clean:
        assert_frame_equal(first.clean[name], second.clean[name])
        assert_frame_equal(first.quarantine[name], second.quarantine[name])
        assert_frame_equal(tables[name].collect(), before[name])
    assert first.summary() == second.summary()


def test_accounting_frame_for_display() -> None:
    """Also accepts eager DataFrames, as a notebook might pass."""
    tables = {n: lf.collect() for n, lf in base_tables(orders=intake_frame("orders", [order("O1", "C404")])).items()}
    result = validate(tables)  # type: ignore[arg-type]
    assert_frame_equal(result.accounting_frame(), pl.DataFrame({
        "table": ["customers", "orders", "reps"], "rows_read": [2, 1, 2], "rows_used": [2, 0, 2],
        "rows_quarantined": [0, 1, 0], "rows_value_nulled": [0, 0, 0],
    }))
