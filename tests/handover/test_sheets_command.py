"""``agrichain sheets SCENARIO PLAN --out DIR`` and ``agrichain plan … --sheets``."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from agrichain.cli import EXIT_INPUT, EXIT_OK, app
from agrichain.handover import INDEX_HTML, MAP_HTML, SHEETS_FOLDER, sheet_files
from agrichain.io import read_plan, save_scenario, write_plan
from agrichain.model import Scenario
from agrichain.plan import Plan

runner = CliRunner()


@pytest.fixture
def folders(tmp_path: Path, small: Scenario, small_plan: Plan) -> tuple[Path, Path]:
    """The scenario folder and a plan folder written for it."""
    scenario_dir = save_scenario(small, tmp_path / "sc")
    write_plan(small_plan, tmp_path / "plan")
    return scenario_dir, tmp_path / "plan"


def test_sheets_writes_a_sheet_per_vehicle_index_and_map(
    tmp_path: Path, folders: tuple[Path, Path], small: Scenario
) -> None:
    scenario_dir, plan_dir = folders
    out = tmp_path / "sheets"
    result = runner.invoke(app, ["sheets", str(scenario_dir), str(plan_dir), "--out", str(out)])
    assert result.exit_code == EXIT_OK, result.output
    assert result.output == ""  # quiet off a terminal
    expected = sheet_files(read_plan(plan_dir, small), small)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == expected
    assert {INDEX_HTML, MAP_HTML} <= set(expected) and len(expected) > 2


@pytest.mark.parametrize("damage", ["missing", "routes", "summary"])
def test_a_bad_plan_folder_is_an_input_error(
    tmp_path: Path, folders: tuple[Path, Path], damage: str
) -> None:
    scenario_dir, plan_dir = folders
    if damage == "missing":
        plan_dir = tmp_path / "no-plan"
    elif damage == "routes":
        text = (plan_dir / "routes.csv").read_text().splitlines()
        (plan_dir / "routes.csv").write_text("\n".join([text[0], "V01,x,y"]) + "\n")
    else:
        (plan_dir / "summary.json").write_text("{not json")
    out = tmp_path / "sheets"
    result = runner.invoke(app, ["sheets", str(scenario_dir), str(plan_dir), "--out", str(out)])
    assert result.exit_code == EXIT_INPUT
    assert result.output.startswith("agrichain: error: ") and len(result.output.splitlines()) >= 1
    assert not out.exists()


def test_an_out_folder_holding_other_data_is_refused_first(
    tmp_path: Path, folders: tuple[Path, Path]
) -> None:
    scenario_dir, plan_dir = folders
    result = runner.invoke(
        app, ["sheets", str(scenario_dir), str(plan_dir), "--out", str(plan_dir)]
    )
    assert result.exit_code == EXIT_INPUT
    assert "no route sheet" in result.output or "holds no index.html" in result.output
    assert (plan_dir / "summary.json").is_file() and not (plan_dir / INDEX_HTML).exists()


def test_plan_with_sheets_writes_them_into_the_plan_folder(tmp_path: Path, small: Scenario) -> None:
    scenario_dir = save_scenario(small, tmp_path / "sc")
    out = tmp_path / "plan"
    args = ["plan", str(scenario_dir), "--out", str(out), "--solution-limit", "20", "--seed", "0"]
    result = runner.invoke(app, [*args, "--sheets"])
    assert result.exit_code == EXIT_OK, result.output
    sheets = out / SHEETS_FOLDER
    expected = sheet_files(read_plan(out, small), small)
    assert {p.name: p.read_bytes() for p in sheets.iterdir()} == expected
    assert not (out / INDEX_HTML).exists()
    again = runner.invoke(app, args)  # a plan folder with sheets is still a plan folder
    assert again.exit_code == EXIT_OK, again.output
    assert not sheets.exists()
