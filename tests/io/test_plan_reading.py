"""A written plan reads back as the same plan; a bad plan file names its line and column."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import tiny_scenario

from agrichain.errors import ScenarioError
from agrichain.io import plan_files, read_plan, stop_lines, write_plan
from agrichain.model import Scenario
from agrichain.pipeline import plan_day
from agrichain.plan import Plan


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Scenario, Plan, Path]:
    scenario = tiny_scenario()
    plan = plan_day(scenario, solution_limit=20, seed=0)
    folder = tmp_path_factory.mktemp("plan") / "p"
    write_plan(plan, folder)
    return scenario, plan, folder


def test_a_written_plan_reads_back_to_the_same_files(written: tuple[Scenario, Plan, Path]) -> None:
    scenario, plan, folder = written
    again = read_plan(folder, scenario)
    assert again.status == plan.status
    assert len(again.routes) == len(plan.routes) > 0
    for a, b in zip(again.routes, plan.routes, strict=True):
        assert a.vehicle_id == b.vehicle_id
        assert a.stops == b.stops or [s.stop_id for s in a.stops] == [s.stop_id for s in b.stops]
        assert a.cost == pytest.approx(b.cost, abs=0.01)
    written_files = plan_files(plan)
    for name in ("routes.csv", "tasks.csv", "unserved.csv", "orders.csv"):
        assert plan_files(again)[name] == written_files[name], name


def test_stop_lines_follow_trip_and_seq_not_file_order(
    written: tuple[Scenario, Plan, Path], tmp_path: Path
) -> None:
    _, plan, folder = written
    text = (folder / "routes.csv").read_text().splitlines()
    header, rows = text[0], text[1:]
    edited = tmp_path / "edited"
    edited.mkdir()
    (edited / "routes.csv").write_text("\n".join([header, *reversed(rows)]) + "\n")
    lines = stop_lines(edited)
    route = plan.routes[0]
    assert [s.stop_id for s in lines if s.vehicle_id == route.vehicle_id] == [
        s.stop_id for s in route.stops
    ]


def test_a_bad_cell_names_file_line_and_column(
    written: tuple[Scenario, Plan, Path], tmp_path: Path
) -> None:
    scenario, _, folder = written
    copy = tmp_path / "copy"
    copy.mkdir()
    for f in folder.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    rows = (copy / "tasks.csv").read_text().splitlines()
    cells = rows[2].split(",")
    cells[3] = "heavy"
    rows[2] = ",".join(cells)
    (copy / "tasks.csv").write_text("\n".join(rows) + "\n")
    with pytest.raises(ScenarioError) as caught:
        read_plan(copy, scenario)
    (issue,) = caught.value.issues
    assert (Path(issue.file).name, issue.row, issue.column) == ("tasks.csv", 3, "kg")


def test_a_folder_without_a_summary_is_no_plan(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="not a plan"):
        read_plan(tmp_path, tiny_scenario())


def test_a_plan_of_another_day_is_refused(
    written: tuple[Scenario, Plan, Path], tmp_path: Path
) -> None:
    scenario, _, folder = written
    copy = tmp_path / "copy"
    copy.mkdir()
    for f in folder.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    day = scenario.settings.planning_date.isoformat()
    summary = (copy / "summary.json").read_text()
    (copy / "summary.json").write_text(summary.replace(f'"{day}"', '"2030-01-01"'))
    with pytest.raises(ScenarioError, match="the plan is for 2030-01-01"):
        read_plan(copy, scenario)
