"""The optional contact columns: vehicles' driver, phone and plate; farms' contact."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from builders import INSTANCES, tiny_scenario

from agrichain.errors import ScenarioError
from agrichain.io import columns, load_scenario, save_scenario
from agrichain.model import Scenario

CONTACT_COLUMNS = {
    "vehicles": ["driver_name", "driver_phone", "plate"],
    "farms": ["contact_name", "contact_phone"],
}


def test_contact_columns_are_optional_text_columns() -> None:
    for table, names in CONTACT_COLUMNS.items():
        shown = {c.name: c for c in columns(table)}
        for name in names:
            assert shown[name].type == "text" and not shown[name].required
            assert shown[name].default == "" and shown[name].meaning
        assert [c.name for c in columns(table)][-len(names) :] == names


def test_a_folder_without_them_loads_with_empty_contacts() -> None:
    scenario = tiny_scenario()
    assert all(v.driver_name == v.driver_phone == v.plate == "" for v in scenario.vehicles)
    assert all(f.contact_name == f.contact_phone == "" for f in scenario.farms)


def test_the_bundled_instances_name_drivers_plates_and_farm_contacts() -> None:
    for name in ("small", "county"):
        scenario = load_scenario(INSTANCES / name)
        assert all(v.driver_name and v.driver_phone and v.plate for v in scenario.vehicles)
        assert all(f.contact_name and f.contact_phone for f in scenario.farms)


def test_contacts_are_read_and_written(tmp_path: Path, small: Scenario) -> None:
    folder = save_scenario(small, tmp_path / "sc")
    frame = pd.read_csv(folder / "vehicles.csv", dtype=str, keep_default_na=False)
    assert frame["plate"].tolist() == [v.plate for v in small.vehicles]
    frame.loc[1, ["driver_name", "driver_phone", "plate"]] = ""  # empty is allowed
    frame.to_csv(folder / "vehicles.csv", index=False)
    again = load_scenario(folder)
    assert again.farms == small.farms and again.vehicles[0] == small.vehicles[0]
    assert again.vehicles[1].driver_phone == "" and again.vehicles[1].plate == ""


@pytest.mark.parametrize(
    ("table", "column", "value"),
    [
        ("vehicles", "driver_phone", "call Li"),
        ("vehicles", "driver_phone", "+86 (0)576 / 8788-1000 and more digits 1234567"),
        ("farms", "contact_phone", "-"),
        ("vehicles", "plate", "X" * 21),
    ],
)
def test_a_bad_phone_or_plate_is_named_by_file_row_and_column(
    tmp_path: Path, small: Scenario, table: str, column: str, value: str
) -> None:
    folder = save_scenario(small, tmp_path / "sc")
    frame = pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)
    frame.loc[1, column] = value
    frame.to_csv(folder / f"{table}.csv", index=False)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(folder)
    located = [(i.file, i.row, i.column) for i in caught.value.issues]
    assert located == [(f"{table}.csv", 3, column)]


@pytest.mark.parametrize("phone", ["13805761000", "+86 138-0576-1000", "(0576) 8788.1000", "110"])
def test_usual_phone_numbers_are_accepted(tmp_path: Path, small: Scenario, phone: str) -> None:
    folder = save_scenario(small, tmp_path / "sc")
    frame = pd.read_csv(folder / "farms.csv", dtype=str, keep_default_na=False)
    frame.loc[0, "contact_phone"] = phone
    frame.to_csv(folder / "farms.csv", index=False)
    assert load_scenario(folder).farms[0].contact_phone == phone
