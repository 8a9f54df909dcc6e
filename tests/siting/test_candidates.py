"""candidates.csv: the rows read, and every bad cell located by file, line and column."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from builders import tiny_scenario

from agrichain.errors import ScenarioError
from agrichain.siting import read_candidates

GOOD = (
    "candidate_id,name,lat,lon,open_cost,capacity_kg,cold_capacity_kg\n"
    "C1,北村站,28.90,120.75,500,3000,500\n"
    "C2,,28.80,120.70,300,2000,\n"
)


def written(tmp_path: Path, text: str, name: str = "candidates.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_rows_are_read(tmp_path: Path) -> None:
    c1, c2 = read_candidates(written(tmp_path, GOOD), tiny_scenario())
    assert (c1.candidate_id, c1.name, c1.capacity_kg, c1.cold_capacity_kg) == (
        "C1",
        "北村站",
        3000,
        500,
    )
    assert c1.ambient_capacity_kg == 2500
    assert (c2.candidate_id, c2.open_cost, c2.cold_capacity_kg) == ("C2", 300, 0.0)


def test_an_excel_sheet_is_read(tmp_path: Path) -> None:
    frame = pd.read_csv(written(tmp_path, GOOD))
    path = tmp_path / "candidates.xlsx"
    frame.to_excel(path, sheet_name="candidates", index=False)
    assert [c.candidate_id for c in read_candidates(path)] == ["C1", "C2"]


def test_every_bad_cell_is_located(tmp_path: Path) -> None:
    text = (
        "candidate_id,name,lat,lon,open_cost,capacity_kg\n"
        "C1,,28.9,120.75,500,3000\n"
        "C2,,95,120.7,300,abc\n"
        "C1,,28.8,120.7,1,100\n"
        "HUB,,28.8,120.7,1,100\n"
        "C5,,28.8,120.7,-1,100\n"
    )
    path = written(tmp_path, text)
    with pytest.raises(ScenarioError) as caught:
        read_candidates(path, tiny_scenario())
    found = {(i.row, i.column) for i in caught.value.issues}
    assert found == {
        (3, "lat"),
        (3, "capacity_kg"),
        (4, "candidate_id"),  # given twice
        (5, "candidate_id"),  # the hub's id
        (6, "open_cost"),
    }
    assert all(i.file == str(path) for i in caught.value.issues)


def test_cold_storage_is_part_of_the_capacity(tmp_path: Path) -> None:
    text = "candidate_id,lat,lon,open_cost,capacity_kg,cold_capacity_kg\nC1,28.9,120.7,1,100,200\n"
    with pytest.raises(ScenarioError, match=r"row 2.*cold_capacity_kg"):
        read_candidates(written(tmp_path, text))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("candidate_id,lat,lon,open_cost\nC1,28.9,120.7,1\n", "required column 'capacity_kg'"),
        ("candidate_id,lat,lon,open_cost,capacity_kg,size\n", "unknown column 'size'"),
        ("candidate_id,lat,lon,open_cost,capacity_kg\n", "no candidates"),
    ],
)
def test_a_bad_file_is_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        read_candidates(written(tmp_path, text))


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError):
        read_candidates(tmp_path / "nowhere.csv")
