"""events.csv: every kind of event read, every bad cell named by file, line and column."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from builders import REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agrichain.errors import ScenarioError
from agrichain.io import load_scenario
from agrichain.io.events import EVENTS_COLUMNS, read_events
from agrichain.model import Scenario

HEADER = ",".join(EVENTS_COLUMNS)


@pytest.fixture(scope="module")
def small() -> Scenario:
    return load_scenario(REPO / "instances" / "small")


def write(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "events.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_every_kind_of_event_is_read(small: Scenario, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "breakdown,V01,10:15,,,,,,,,",
        "shortfall,F2,,bayberry,3.5,,,,,,",
        "shortfall,F2,,bayberry,1.5,,,,,,",
        "new_order,N1,,peach,,S1,2,,2025-06-20 18:00,,",
        "cancel_order,O01,,,,,,,,,",
        "add_vehicle,V09,2025-06-20 11:00,,,,,LP2,,1800,true",
    )
    events = read_events(path, small)
    assert events.breakdowns == {"V01": dt.datetime(2025, 6, 20, 10, 15)}
    assert events.shortfalls_kg == {("F2", "bayberry"): 5.0}
    (order,) = events.new_orders
    assert (order.order_id, order.quantity_boxes, order.session_id) == ("N1", 2, "S1")
    assert events.cancelled == frozenset({"O01"})
    ((vehicle, available),) = events.added_vehicles
    assert (vehicle.vehicle_id, vehicle.home_logistics_point_id, vehicle.refrigerated) == (
        "V09", "LP2", True,
    )  # fmt: skip
    assert vehicle.capacity_kg == 1800
    assert available == dt.datetime(2025, 6, 20, 11)


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        ("breakdown,V77,10:00,,,,,,,,", "id", "unknown vehicle 'V77'"),
        ("breakdown,V01,,,,,,,,,", "time", "a breakdown event needs time"),
        ("breakdown,V01,ten,,,,,,,,", "time", "'ten' is not HH:MM"),
        ("shortfall,F99,,peach,3,,,,,,", "id", "unknown farm 'F99'"),
        ("shortfall,F1,,mango,3,,,,,,", "product_id", "unknown product 'mango'"),
        ("shortfall,F1,,peach,,,,,,,", "kg", "a shortfall event needs kg"),
        ("shortfall,F1,,peach,-2,,,,,,", "kg", "greater than or equal to 0"),
        ("cancel_order,O99,,,,,,,,,", "id", "unknown order 'O99'"),
        ("new_order,O01,,peach,,S1,2,,2025-06-20 18:00,,", "id", "order 'O01' already exists"),
        ("new_order,N1,,peach,,S1,,,2025-06-20 18:00,,", "boxes", "needs boxes"),
        ("add_vehicle,V01,,,,,,LP1,,100,", "id", "vehicle 'V01' already exists"),
        ("add_vehicle,V09,,,,,,LP7,,100,", "logistics_point_id", "unknown point 'LP7'"),
        ("flood,F1,,,,,,,,,", "kind", "Input should be"),
    ],
)
def test_a_bad_cell_is_named_by_line_and_column(
    small: Scenario, tmp_path: Path, row: str, column: str, words: str
) -> None:
    path = write(tmp_path, "breakdown,V02,08:00,,,,,,,,", row)
    with pytest.raises(ScenarioError) as caught:
        read_events(path, small)
    (issue,) = caught.value.issues
    assert (Path(issue.file).name, issue.row, issue.column) == ("events.csv", 3, column)
    assert words in issue.message


def test_a_vehicle_cannot_break_down_twice(small: Scenario, tmp_path: Path) -> None:
    path = write(tmp_path, "breakdown,V01,08:00,,,,,,,,", "breakdown,V01,09:00,,,,,,,,")
    with pytest.raises(ScenarioError, match="breaks down twice"):
        read_events(path, small)


def test_unknown_and_missing_columns_are_named(small: Scenario, tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text("kind,vehicle\nbreakdown,V01\n")
    with pytest.raises(ScenarioError) as caught:
        read_events(path, small)
    columns = {i.column for i in caught.value.issues}
    assert columns == {"vehicle", "id"}


def test_an_excel_sheet_named_events_is_read(small: Scenario, tmp_path: Path) -> None:
    path = tmp_path / "day.xlsx"
    with pd.ExcelWriter(path) as book:
        pd.DataFrame({"a": [1]}).to_excel(book, sheet_name="notes", index=False)
        pd.DataFrame({"kind": ["breakdown"], "id": ["V02"], "time": ["12:30"]}).to_excel(
            book, sheet_name="Events", index=False
        )
    assert read_events(path, small).breakdowns == {"V02": dt.datetime(2025, 6, 20, 12, 30)}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cells=st.lists(st.text(max_size=12), min_size=len(EVENTS_COLUMNS), max_size=len(EVENTS_COLUMNS))
)
def test_any_cells_give_events_or_located_errors(
    small: Scenario, tmp_path: Path, cells: list[str]
) -> None:
    path = tmp_path / "events.csv"
    frame = pd.DataFrame([cells], columns=list(EVENTS_COLUMNS))
    frame.to_csv(path, index=False)
    try:
        read_events(path, small)
    except ScenarioError as exc:
        assert all(i.file.endswith("events.csv") for i in exc.issues)
