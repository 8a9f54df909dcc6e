"""Bad input: one test per validation rule — the error, its location, and no output left."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from builders import tiny_scenario
from typer.testing import CliRunner

from agrichain.cli import EXIT_INPUT, app
from agrichain.errors import ScenarioError, ScenarioWarning
from agrichain.io import load_scenario, save_scenario
from agrichain.model import ENGINE_NAMES


def _edit(path: Path, row: int, column: str, value: str) -> None:
    """Set one cell; ``row`` is the file line number (header = 1)."""
    with path.open(newline="") as fh:
        rows = list(csv.reader(fh))
    rows[row - 1][rows[0].index(column)] = value
    with path.open("w", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def _append(path: Path, values: dict[str, str]) -> int:
    with path.open(newline="") as fh:
        rows = list(csv.reader(fh))
    rows.append([values.get(c, "") for c in rows[0]])
    with path.open("w", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return len(rows)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return save_scenario(tiny_scenario(), tmp_path / "scenario")


def _assert_rejected(
    folder: Path, tmp_path: Path, file: str, row: int | None, column: str | None, text: str
) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(folder)
    located = [
        i for i in info.value.issues if i.file == file and i.row == row and i.column == column
    ]
    assert located, f"no issue at {file}/{row}/{column}: {info.value.issues}"
    assert text.lower() in located[0].message.lower()
    # The CLI exits with the input-error code, says one line, and writes nothing.
    out = tmp_path / "plan-out"
    result = CliRunner().invoke(app, ["plan", str(folder), "--out", str(out)])
    assert result.exit_code == EXIT_INPUT
    assert file in result.output and "error" in result.output
    assert not out.exists() or not any(out.iterdir())


def test_unknown_session_in_orders(folder: Path, tmp_path: Path) -> None:
    _edit(folder / "orders.csv", 3, "session_id", "NOPE")
    _assert_rejected(folder, tmp_path, "orders.csv", 3, "session_id", "unknown session 'NOPE'")


def test_unknown_home_logistics_point(folder: Path, tmp_path: Path) -> None:
    _edit(folder / "vehicles.csv", 2, "home_logistics_point_id", "ATLANTIS")
    _assert_rejected(folder, tmp_path, "vehicles.csv", 2, "home_logistics_point_id", "unknown")


def test_unknown_product_in_supply(folder: Path, tmp_path: Path) -> None:
    _edit(folder / "supply.csv", 4, "product_id", "durian")
    _assert_rejected(folder, tmp_path, "supply.csv", 4, "product_id", "unknown product")


def test_duplicate_farm_id(folder: Path, tmp_path: Path) -> None:
    _edit(folder / "farms.csv", 3, "farm_id", "F1")
    _assert_rejected(folder, tmp_path, "farms.csv", 3, "farm_id", "duplicate")


def test_zero_order_quantity(folder: Path, tmp_path: Path) -> None:
    _edit(folder / "orders.csv", 2, "quantity_boxes", "0")
    _assert_rejected(folder, tmp_path, "orders.csv", 2, "quantity_boxes", "greater than 0")


def test_negative_supply(folder: Path, tmp_path: Path) -> None:
    _edit(folder / "supply.csv", 2, "kg", "-5")
    _assert_rejected(folder, tmp_path, "supply.csv", 2, "kg", "greater than or equal to 0")


def test_zero_vehicle_capacity(folder: Path, tmp_path: Path) -> None:
    _edit(folder / "vehicles.csv", 3, "capacity_kg", "0")
    _assert_rejected(folder, tmp_path, "vehicles.csv", 3, "capacity_kg", "greater than 0")


def test_zero_shelf_life(folder: Path, tmp_path: Path) -> None:
    _edit(folder / "products.csv", 2, "shelf_life_h", "0")
    _assert_rejected(folder, tmp_path, "products.csv", 2, "shelf_life_h", "greater than 0")


def test_latitude_out_of_range(folder: Path, tmp_path: Path) -> None:
    _edit(folder / "farms.csv", 2, "lat", "95")
    _assert_rejected(folder, tmp_path, "farms.csv", 2, "lat", "less than or equal to 90")


def test_longitude_out_of_range(folder: Path, tmp_path: Path) -> None:
    _edit(folder / "logistics_points.csv", 2, "lon", "-181")
    _assert_rejected(folder, tmp_path, "logistics_points.csv", 2, "lon", "greater than or equal")


def test_pickup_window_ends_before_it_starts(folder: Path, tmp_path: Path) -> None:
    _edit(folder / "farms.csv", 4, "pickup_close", "06:00")
    _assert_rejected(folder, tmp_path, "farms.csv", 4, None, "pickup_close must be after")


def test_shift_ends_before_it_starts(folder: Path, tmp_path: Path) -> None:
    _edit(folder / "vehicles.csv", 2, "shift_end", "05:00")
    _assert_rejected(folder, tmp_path, "vehicles.csv", 2, None, "shift_end must be after")


def test_cutoff_outside_opening_hours(folder: Path, tmp_path: Path) -> None:
    _edit(folder / "logistics_points.csv", 2, "cutoff", "22:00")
    _assert_rejected(folder, tmp_path, "logistics_points.csv", 2, None, "cutoff")


def test_cold_chain_without_refrigerated_vehicle(folder: Path, tmp_path: Path) -> None:
    _edit(folder / "vehicles.csv", 3, "refrigerated", "false")
    _assert_rejected(
        folder, tmp_path, "products.csv", 3, "needs_cold_chain", "no vehicle is refrigerated"
    )


def test_ship_by_beyond_horizon(folder: Path, tmp_path: Path) -> None:
    _edit(folder / "orders.csv", 6, "ship_by", "2026-06-18 12:00")
    _assert_rejected(folder, tmp_path, "orders.csv", 6, "ship_by", "after the planning horizon")


def test_not_a_number(folder: Path, tmp_path: Path) -> None:
    _edit(folder / "products.csv", 2, "box_weight_kg", "five")
    _assert_rejected(folder, tmp_path, "products.csv", 2, "box_weight_kg", "valid number")


def test_bad_time_of_day(folder: Path, tmp_path: Path) -> None:
    _edit(folder / "farms.csv", 2, "pickup_open", "25:00")
    _assert_rejected(folder, tmp_path, "farms.csv", 2, "pickup_open", "time")


def test_missing_required_column(folder: Path, tmp_path: Path) -> None:
    path = folder / "farms.csv"
    rows = list(csv.reader(path.open()))
    col = rows[0].index("lat")
    path.write_text("\n".join(",".join(r[:col] + r[col + 1 :]) for r in rows) + "\n")
    _assert_rejected(folder, tmp_path, "farms.csv", 1, "lat", "missing")


def test_misspelt_column(folder: Path, tmp_path: Path) -> None:
    path = folder / "vehicles.csv"
    path.write_text(path.read_text().replace("cost_per_km", "cost_per_kms", 1))
    _assert_rejected(folder, tmp_path, "vehicles.csv", 1, "cost_per_kms", "unknown column")


def test_ragged_row(folder: Path, tmp_path: Path) -> None:
    path = folder / "farms.csv"
    path.write_text(path.read_text() + "F9,,28.8,120.7,07:00,12:00,10,12,extra\n")
    _assert_rejected(folder, tmp_path, "farms.csv", 5, None, "fields")


def test_missing_required_file(folder: Path, tmp_path: Path) -> None:
    (folder / "vehicles.csv").unlink()
    _assert_rejected(folder, tmp_path, "vehicles.csv", None, None, "missing")


def test_bad_settings(folder: Path, tmp_path: Path) -> None:
    path = folder / "scenario.toml"
    path.write_text(path.read_text().replace("horizon_days = 1", "horizon_days = 0"))
    _assert_rejected(folder, tmp_path, "scenario.toml", None, "horizon_days", "greater than")


def test_every_problem_is_reported_at_once(folder: Path) -> None:
    _edit(folder / "farms.csv", 2, "lat", "95")
    _edit(folder / "orders.csv", 2, "quantity_boxes", "-1")
    with pytest.raises(ScenarioError) as info:
        load_scenario(folder)
    files = {i.file for i in info.value.issues}
    assert {"farms.csv", "orders.csv"} <= files


def test_existing_output_is_not_touched_on_bad_input(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan-out"
    out.mkdir()
    (out / "routes.csv").write_text("previous plan\n")
    _edit(folder / "farms.csv", 2, "lat", "95")
    result = CliRunner().invoke(app, ["plan", str(folder), "--out", str(out)])
    assert result.exit_code == EXIT_INPUT
    assert (out / "routes.csv").read_text() == "previous plan\n"
    assert sorted(p.name for p in out.iterdir()) == ["routes.csv"]


# ----- plausibility, one pass, settings (issue 12) ------------------------------------------


def test_control_character_in_an_id(folder: Path, tmp_path: Path) -> None:
    _edit(folder / "orders.csv", 2, "order_id", "O\x001")
    _assert_rejected(folder, tmp_path, "orders.csv", 2, "order_id", "control character U+0000")


def test_control_character_in_a_name(folder: Path, tmp_path: Path) -> None:
    _edit(folder / "farms.csv", 3, "name", "Li\x07 farm")
    _assert_rejected(folder, tmp_path, "farms.csv", 3, "name", "control character U+0007")


def test_an_absurd_order_quantity(folder: Path, tmp_path: Path) -> None:
    _edit(folder / "orders.csv", 2, "quantity_boxes", str(10**12))
    _assert_rejected(folder, tmp_path, "orders.csv", 2, "quantity_boxes", "less than or equal to")


def test_an_order_above_all_supply_is_a_warning(folder: Path) -> None:
    _edit(folder / "orders.csv", 2, "quantity_boxes", "1000")  # 5,000 kg of peach; 600 grow
    with pytest.warns(ScenarioWarning) as caught:
        scenario = load_scenario(folder)
    assert scenario.orders[0].quantity_boxes == 1000
    issue = next(w.message.issue for w in caught if isinstance(w.message, ScenarioWarning))
    assert (issue.file, issue.row, issue.column) == ("orders.csv", 2, "quantity_boxes")
    assert "more than all its supply" in issue.message
    result = CliRunner().invoke(app, ["validate", str(folder)])
    assert result.exit_code == 0
    assert result.output.startswith("agrichain: warning: orders.csv, row 2, column quantity_boxes")


def test_a_time_zone_is_refused(folder: Path, tmp_path: Path) -> None:
    _edit(folder / "orders.csv", 3, "ship_by", "2026-06-15T17:00+08:00")
    _assert_rejected(folder, tmp_path, "orders.csv", 3, "ship_by", "YYYY-MM-DD HH:MM")


def test_a_number_is_never_a_date(folder: Path, tmp_path: Path) -> None:
    _edit(folder / "supply.csv", 2, "date", "1781481600")
    _assert_rejected(folder, tmp_path, "supply.csv", 2, "date", "YYYY-MM-DD")


def test_every_problem_of_every_kind_in_one_pass(folder: Path, tmp_path: Path) -> None:
    """Row errors, cross-table errors and scenario.toml values come out together."""
    _edit(folder / "orders.csv", 2, "quantity_boxes", "-1")  # a row error
    _edit(folder / "orders.csv", 3, "session_id", "NOPE")  # a reference, in a row that parses
    _edit(folder / "supply.csv", 2, "product_id", "durian")
    _edit(folder / "farms.csv", 2, "lat", "95")  # F1 does not parse: supply's F1 is not unknown
    toml = folder / "scenario.toml"
    toml.write_text(toml.read_text().replace('engine = "auto"', 'engine = "magic"'))
    with pytest.raises(ScenarioError) as info:
        load_scenario(folder)
    found = {(i.file, i.row, i.column) for i in info.value.issues}
    assert found == {
        ("scenario.toml", None, "routing.engine"),
        ("farms.csv", 2, "lat"),
        ("orders.csv", 2, "quantity_boxes"),
        ("orders.csv", 3, "session_id"),
        ("supply.csv", 2, "product_id"),
    }
    result = CliRunner().invoke(app, ["validate", str(folder)])
    assert result.exit_code == EXIT_INPUT
    assert result.output.count("agrichain: error:") == 5


def test_an_unknown_engine_in_the_settings(folder: Path, tmp_path: Path) -> None:
    path = folder / "scenario.toml"
    path.write_text(path.read_text().replace('engine = "auto"', 'engine = "magic"'))
    _assert_rejected(folder, tmp_path, "scenario.toml", None, "routing.engine", "'pyvrp'")


def test_the_engine_names_are_the_routing_engines() -> None:
    from agrichain.routing.engine import ENGINES

    assert set(ENGINE_NAMES) == set(ENGINES)


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "1e9"])
@pytest.mark.parametrize("key", ["time_limit_s = 30.0", "time_limit_s = 60.0"])
def test_time_limits_in_the_settings(folder: Path, tmp_path: Path, key: str, value: str) -> None:
    path = folder / "scenario.toml"
    name = key.split(" = ")[0]
    path.write_text(path.read_text().replace(key, f"{name} = {value}"))
    section = "routing" if key.endswith("30.0") else "inventory"
    with pytest.raises(ScenarioError) as info:
        load_scenario(folder)
    assert [(i.file, i.column) for i in info.value.issues] == [
        ("scenario.toml", f"{section}.time_limit_s")
    ]
