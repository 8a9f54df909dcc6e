"""The actuals file: what really happened, as CSV or Excel; every bad cell located."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl  # type: ignore[import-untyped]
import pytest
from builders import DAY, tiny_scenario
from hypothesis import given, settings
from hypothesis import strategies as st

from agrichain.errors import ScenarioError
from agrichain.io import Actuals, read_actuals
from agrichain.io.actuals import ACTUALS_COLUMNS, actuals_csv

HEADER = ",".join(ACTUALS_COLUMNS)


def write(tmp_path: Path, *lines: str, name: str = "actuals.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def issues(path: Path, scenario: object = None) -> list[tuple[int | None, str | None]]:
    with pytest.raises(ScenarioError) as caught:
        read_actuals(path, scenario)  # type: ignore[arg-type]
    assert all(i.file == str(path) for i in caught.value.issues)
    return [(i.row, i.column) for i in caught.value.issues]


def test_every_kind_lands_in_its_mapping(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "harvested,F1,peach,250.5,",
        "delivered,T00001,,100,10:30",
        "shipped,O1,peach,50,",
        "spoiled,HUB,bayberry,3,",
        "harvested,F1,bayberry,0,",
    )
    actuals = read_actuals(path, tiny_scenario())
    assert actuals.harvested_kg == {("F1", "peach"): 250.5, ("F1", "bayberry"): 0.0}
    assert actuals.delivered == {"T00001": (100.0, dt.datetime(2026, 6, 15, 10, 30))}
    assert actuals.shipped == {"O1": (50.0, None)}
    assert actuals.spoiled_kg == {("HUB", "bayberry"): 3.0}
    with pytest.raises(ScenarioError, match="expected a date and time"):
        read_actuals(path)  # a time of day alone needs the scenario's planning date


def test_bad_cells_are_named_by_line_and_column(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "harvested,F1,peach,10,",  # line 2: fine
        "eaten,F1,peach,1,",  # 3: unknown kind
        "harvested,F2,peach,-1,",  # 4: negative kg
        "harvested,F1,peach,5,",  # 5: duplicate of line 2
        "shipped,O1,,1,tomorrow",  # 6: unparsable time
        "spoiled,HUB,,1,",  # 7: no product
        "harvested,F1,peach,1,2026-06-15 10:00",  # 8: time on a harvest, duplicate
    )
    assert issues(path) == [
        (3, "kind"),
        (4, "kg"),
        (5, "id"),
        (6, "time"),
        (7, "product_id"),
        (8, "time"),
        (8, "id"),
    ]


def test_unknown_ids_are_errors_with_a_scenario_only(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "harvested,FX,peach,1,",
        "spoiled,NOWHERE,peach,1,",
        "shipped,O99,,1,",
        "shipped,O1,bayberry,1,",  # O1 is peach
        "harvested,F1,kiwi,1,",
        "delivered,ANY-TASK,,1,",  # tasks belong to a plan: not checked here
    )
    assert issues(path, tiny_scenario()) == [
        (2, "id"),
        (3, "id"),
        (4, "id"),
        (5, "product_id"),
        (6, "product_id"),
    ]
    assert read_actuals(path).shipped["O99"] == (1.0, None)


def test_header_problems(tmp_path: Path) -> None:
    path = tmp_path / "actuals.csv"
    path.write_text("kind,id,weight,kg,kg\n", encoding="utf-8")
    assert issues(path) == [(1, "kg"), (1, "weight")]
    path.write_text("kind,product_id,kg\n", encoding="utf-8")
    assert issues(path) == [(1, "id")]


def test_missing_file_and_other_endings(tmp_path: Path) -> None:
    assert issues(tmp_path / "none.csv") == [(None, None)]
    other = write(tmp_path, name="actuals.txt")
    assert issues(other) == [(None, None)]


def test_excel_sheet_named_actuals_with_numbers_as_ids(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "notes"
    notes.append(["anything"])
    sheet = book.create_sheet("Actuals")
    sheet.append(list(ACTUALS_COLUMNS))
    sheet.append(["harvested", "F1", "peach", 12.5, None])
    sheet.append(["shipped", 101, None, 3, dt.datetime(2026, 6, 15, 16, 0)])
    sheet.append(["spoiled", "HUB", "peach", -2, None])
    path = tmp_path / "actuals.xlsx"
    book.save(path)
    with pytest.raises(ScenarioError) as caught:
        read_actuals(path)
    (issue,) = caught.value.issues
    assert (issue.row, issue.column) == (4, "kg") and "[Actuals]" in str(issue.file)
    sheet.delete_rows(4)
    book.save(path)
    actuals = read_actuals(path)
    assert actuals.harvested_kg == {("F1", "peach"): 12.5}
    assert actuals.shipped == {"101": (3.0, dt.datetime(2026, 6, 15, 16, 0))}


# ----- property: what is written is read back, and a bad cell is always located -----

ids = st.text("ABCFHOT0123456789-_", min_size=1, max_size=8)
kgs = st.floats(min_value=0, max_value=1e7, allow_nan=False, allow_infinity=False)
times = st.one_of(
    st.none(),
    st.integers(0, 3 * 24 * 60).map(
        lambda m: dt.datetime.combine(DAY, dt.time()) + dt.timedelta(minutes=m)
    ),
)
actuals_strategy = st.builds(
    Actuals,
    harvested_kg=st.dictionaries(st.tuples(ids, ids), kgs, max_size=5),
    delivered=st.dictionaries(ids, st.tuples(kgs, times), max_size=5),
    shipped=st.dictionaries(ids, st.tuples(kgs, times), max_size=5),
    spoiled_kg=st.dictionaries(st.tuples(ids, ids), kgs, max_size=5),
)
BAD_CELLS = {"kind": "sold", "id": "a b", "kg": "-0.5", "time": "25:99"}


@settings(max_examples=40, deadline=None)
@given(actuals=actuals_strategy)
def test_written_actuals_read_back_equal(
    tmp_path_factory: pytest.TempPathFactory, actuals: Actuals
) -> None:
    path = tmp_path_factory.mktemp("a") / "actuals.csv"
    path.write_text(actuals_csv(actuals), encoding="utf-8")
    assert read_actuals(path) == actuals


@settings(max_examples=40, deadline=None)
@given(actuals=actuals_strategy, data=st.data())
def test_a_bad_cell_is_reported_at_its_line_and_column(
    tmp_path_factory: pytest.TempPathFactory, actuals: Actuals, data: st.DataObject
) -> None:
    lines = actuals_csv(actuals).splitlines()
    rows = [line.split(",") for line in lines[1:]]
    if not rows:
        return
    row = data.draw(st.integers(0, len(rows) - 1))
    kinds = ["kind", "id", "kg"] + (["time"] if rows[row][0] in ("delivered", "shipped") else [])
    column = data.draw(st.sampled_from(kinds))
    rows[row][ACTUALS_COLUMNS.index(column)] = BAD_CELLS[column]
    path = tmp_path_factory.mktemp("b") / "actuals.csv"
    path.write_text("\n".join([lines[0], *(",".join(r) for r in rows)]) + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        read_actuals(path)
    assert (row + 2, column) in [(i.row, i.column) for i in caught.value.issues]
