"""The file ``[travel]`` names goes where the scenario goes: a copy written with
``travel_from`` (``save_scenario``, ``write_scenario_folder``, ``roll``, ``replan
--scenario-out``) reads the same travel; ``validate`` and ``simulate`` read it too."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from test_travel_matrix import ALL_PAIRS, matrix_scenario, write_matrix
from typer.testing import CliRunner

from agrichain.cli import app
from agrichain.cli.shell import EXIT_INPUT, EXIT_OK
from agrichain.errors import ScenarioError
from agrichain.io import load_scenario, save_scenario, travel_model
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
