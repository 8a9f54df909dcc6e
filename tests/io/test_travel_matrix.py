"""``[travel] mode = "matrix"``: the matrix file, its fallback to great circle, its errors."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest
from builders import DATA
from hypothesis import given
from hypothesis import strategies as st

from agrichain.errors import ScenarioError, ScenarioWarning
from agrichain.geo import GreatCircleTravel
from agrichain.io import load_scenario
from agrichain.io.travel import travel_model, travel_summary
from agrichain.io.travel_matrix import MatrixTravel, read_travel_matrix, scenario_places
from agrichain.model import Scenario

PLACES = ("F1", "F2", "F3", "HUB")  # tests/data/tiny: farms, then the logistics point


def matrix_scenario(tmp_path: Path, matrix: str = "travel.csv") -> tuple[Scenario, Path]:
    """tests/data/tiny with ``mode = "matrix"``, loaded before any matrix file is written."""
    folder = tmp_path / "tiny"
    shutil.copytree(DATA / "tiny", folder)
    toml = folder / "scenario.toml"
    text = toml.read_text().replace(
        "[travel]\n", f'[travel]\nmode = "matrix"\nmatrix = "{matrix}"\n'
    )
    toml.write_text(text)
    return load_scenario(folder), folder


def pair_value(i: int, j: int) -> tuple[float, float]:
    """A km and minutes per ordered pair, different from great circle and from each other."""
    return 10.0 + 3 * i + j, 20.0 + 5 * i + 2 * j


def write_matrix(path: Path, pairs: list[tuple[int, int]]) -> None:
    lines = ["from_id,to_id,km,minutes"]
    for i, j in pairs:
        km, minutes = pair_value(i, j)
        lines.append(f"{PLACES[i]},{PLACES[j]},{km},{minutes}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


ALL_PAIRS = [(i, j) for i in range(4) for j in range(4) if i != j]


def test_places_are_farms_then_points() -> None:
    ids, _, _ = scenario_places(load_scenario(DATA / "tiny"))
    assert tuple(ids) == PLACES


def test_a_full_matrix_gives_its_values_and_no_warning(tmp_path: Path) -> None:
    scenario, folder = matrix_scenario(tmp_path)
    write_matrix(folder / "travel.csv", ALL_PAIRS)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ScenarioWarning)
        travel = travel_model(scenario, folder)
    _, lat, lon = scenario_places(scenario)
    m = travel.matrix(lat, lon)
    for i, j in ALL_PAIRS:
        assert (m.distance_km[i, j], m.duration_min[i, j]) == pair_value(i, j)
    assert np.all(np.diag(m.distance_km) == 0)
    notes = travel_summary(travel)
    assert notes["mode"] == "matrix"
    assert notes["pairs_missing"] == 0
    assert notes["pairs_given"] == 12
    assert "warnings" not in notes


def test_missing_pairs_fall_back_to_great_circle_with_a_warning(tmp_path: Path) -> None:
    scenario, folder = matrix_scenario(tmp_path)
    given_pairs = [(0, 3), (3, 0), (1, 3)]
    write_matrix(folder / "travel.csv", given_pairs)
    with pytest.warns(ScenarioWarning, match=r"9 of 12 place pairs") as caught:
        travel = travel_model(scenario, folder)
    assert caught[0].message.issue.file == "travel.csv"  # type: ignore[union-attr]
    _, lat, lon = scenario_places(scenario)
    m = travel.matrix(lat, lon)
    gc = GreatCircleTravel(speed_kmh=40.0, circuity=1.3).matrix(lat, lon)
    for i, j in ALL_PAIRS:
        if (i, j) in given_pairs:
            assert (m.distance_km[i, j], m.duration_min[i, j]) == pair_value(i, j)
        else:
            assert m.distance_km[i, j] == pytest.approx(gc.distance_km[i, j])
            assert m.duration_min[i, j] == pytest.approx(gc.duration_min[i, j])
    notes = travel_summary(travel)
    assert notes["pairs_missing"] == 9
    assert notes["missing_examples"][0] == "F1 → F2"
    assert len(notes["missing_examples"]) == 5
    assert "9 of 12" in notes["warnings"][0]


def test_places_not_in_the_matrix_are_great_circle(tmp_path: Path) -> None:
    scenario, folder = matrix_scenario(tmp_path)
    write_matrix(folder / "travel.csv", ALL_PAIRS)
    travel = travel_model(scenario, folder)
    _, lat, lon = scenario_places(scenario)
    # HUB, F1 and a place of no scenario (half-way between them)
    la = [lat[3], lat[0], (lat[0] + lat[3]) / 2]
    lo = [lon[3], lon[0], (lon[0] + lon[3]) / 2]
    m = travel.matrix(la, lo)
    gc = GreatCircleTravel(speed_kmh=40.0, circuity=1.3).matrix(la, lo)
    assert m.distance_km[0, 1] == pair_value(3, 0)[0]
    assert m.distance_km[1, 0] == pair_value(0, 3)[0]
    assert m.distance_km[0, 2] == pytest.approx(gc.distance_km[0, 2])
    assert m.duration_min[2, 1] == pytest.approx(gc.duration_min[2, 1])


@given(st.sets(st.sampled_from(ALL_PAIRS)))
def test_each_pair_is_given_or_great_circle(pairs: set[tuple[int, int]]) -> None:
    scenario = load_scenario(DATA / "tiny")
    ids, lat, lon = scenario_places(scenario)
    km = np.full((4, 4), np.nan)
    minutes = np.full((4, 4), np.nan)
    for i, j in pairs:
        km[i, j], minutes[i, j] = pair_value(i, j)
    gc = GreatCircleTravel(speed_kmh=40.0, circuity=1.3)
    travel = MatrixTravel(ids, lat, lon, km, minutes, gc)
    m, base = travel.matrix(lat, lon), gc.matrix(lat, lon)
    assert len(travel.missing_pairs()) == 12 - len(pairs)
    for i, j in ALL_PAIRS:
        want = pair_value(i, j)[0] if (i, j) in pairs else base.distance_km[i, j]
        assert m.distance_km[i, j] == pytest.approx(want)


def test_a_matrix_in_a_subfolder_or_absolute(tmp_path: Path) -> None:
    scenario, folder = matrix_scenario(tmp_path, "roads/matrix.csv")
    write_matrix(folder / "roads" / "matrix.csv", ALL_PAIRS)
    _, lat, lon = scenario_places(scenario)
    assert travel_model(scenario, folder).matrix(lat, lon).distance_km[0, 1] == pair_value(0, 1)[0]
    elsewhere = tmp_path / "elsewhere.csv"
    write_matrix(elsewhere, ALL_PAIRS)
    absolute, _ = matrix_scenario(tmp_path / "b", str(elsewhere))
    assert travel_model(absolute, None).matrix(lat, lon).duration_min[2, 3] == pair_value(2, 3)[1]


def test_a_missing_matrix_file_is_located_in_scenario_toml(tmp_path: Path) -> None:
    scenario, folder = matrix_scenario(tmp_path)
    with pytest.raises(ScenarioError) as err:
        travel_model(scenario, folder)
    issue = err.value.first
    assert (issue.file, issue.column) == ("scenario.toml", "travel.matrix")
    assert "file not found" in issue.message


def test_a_matrix_mode_without_the_folder_is_a_clear_error(tmp_path: Path) -> None:
    scenario, _ = matrix_scenario(tmp_path)
    with pytest.raises(ScenarioError, match="scenario_folder"):
        travel_model(scenario, None)


def test_bad_rows_are_located(tmp_path: Path) -> None:
    scenario, folder = matrix_scenario(tmp_path)
    (folder / "travel.csv").write_text(
        "from_id,to_id,km,minutes\n"
        "F1,HUB,5,10\n"  # line 2: fine
        "F9,HUB,5,10\n"  # line 3: unknown farm
        "F2,HUB,abc,10\n"  # line 4: km not a number
        "F3,HUB,5,-1\n"  # line 5: negative minutes
        "F1,HUB,6,11\n"  # line 6: F1 → HUB again
        "HUB,,4,inf\n"  # line 7: empty to_id, infinite minutes
    )
    with pytest.raises(ScenarioError) as err:
        travel_model(scenario, folder)
    located = [(i.file, i.row, i.column) for i in err.value.issues]
    assert located == [
        ("travel.csv", 3, "from_id"),
        ("travel.csv", 4, "km"),
        ("travel.csv", 5, "minutes"),
        ("travel.csv", 6, "to_id"),
        ("travel.csv", 7, "to_id"),
        ("travel.csv", 7, "minutes"),
    ]
    messages = [i.message for i in err.value.issues]
    assert "'F9' is not a farm or logistics point" in messages[0]
    assert "first on line 2" in messages[3]


def test_a_bad_header_is_located(tmp_path: Path) -> None:
    scenario, folder = matrix_scenario(tmp_path)
    (folder / "travel.csv").write_text("from_id,to,km,minutes\nF1,HUB,5,10\n")
    with pytest.raises(ScenarioError) as err:
        travel_model(scenario, folder)
    located = {(i.file, i.row, i.column) for i in err.value.issues}
    assert located == {("travel.csv", 1, "to"), ("travel.csv", 1, "to_id")}


def test_issues_name_the_file_as_asked(tmp_path: Path) -> None:
    scenario, folder = matrix_scenario(tmp_path)
    (folder / "travel.csv").write_text("from_id,to_id,km,minutes\nF1,HUB,x,10\n")
    with pytest.raises(ScenarioError) as err:
        read_travel_matrix(folder / "travel.csv", scenario, GreatCircleTravel(), "roads.csv")
    assert (err.value.first.file, err.value.first.row) == ("roads.csv", 2)


def test_a_matrix_travel_needs_square_tables() -> None:
    with pytest.raises(ValueError, match="square"):
        MatrixTravel(["A"], [0.0], [0.0], np.zeros((2, 2)), np.zeros((2, 2)), GreatCircleTravel())


def test_a_matrix_beside_the_tables_is_read_not_refused_as_a_table(tmp_path: Path) -> None:
    _, folder = matrix_scenario(tmp_path)
    write_matrix(folder / "travel.csv", ALL_PAIRS)
    scenario = load_scenario(folder)  # travel.csv is no table: neither read as one nor refused
    m = travel_model(scenario, folder).matrix(*scenario_places(scenario)[1:])
    assert (m.distance_km[0, 1], m.duration_min[0, 1]) == pair_value(0, 1)
    (folder / "roads.csv").write_text("a\n1\n")
    with pytest.raises(ScenarioError, match=r"roads\.csv"):
        load_scenario(folder)
