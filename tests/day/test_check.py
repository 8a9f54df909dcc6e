"""Checking a given plan: a fresh plan is clean, and each kind of edit or changed rule is
found with its code, on the bundled small instance."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from builders import REPO
from typer.testing import CliRunner

from agrichain.cli import EXIT_INPUT, EXIT_OK, EXIT_PARTIAL, app
from agrichain.day.check import check_plan, check_routes, plan_stop_lines
from agrichain.io import StopLine, load_scenario, write_plan
from agrichain.model import Scenario
from agrichain.pipeline import plan_day
from agrichain.plan import Plan

SMALL = REPO / "instances" / "small"
runner = CliRunner()


@pytest.fixture(scope="module")
def small() -> tuple[Scenario, Plan, Path]:
    scenario = load_scenario(SMALL)
    plan = plan_day(scenario, solution_limit=20, seed=0)
    assert plan.is_complete()
    return scenario, plan, Path()


@pytest.fixture
def written(small: tuple[Scenario, Plan, Path], tmp_path: Path) -> Path:
    folder = tmp_path / "plan"
    write_plan(small[1], folder)
    return folder


def codes(checked: object) -> set[str]:
    return {v.code.value for v in checked.violations}  # type: ignore[attr-defined]


def edit_routes(folder: Path, change: object) -> None:
    frame = pd.read_csv(folder / "routes.csv", dtype=str, keep_default_na=False)
    change(frame)  # type: ignore[operator]
    frame.to_csv(folder / "routes.csv", index=False)


def with_rows(scenario: Scenario, table: str, **changes: object) -> Scenario:
    rows = [r.model_copy(update=changes) for r in getattr(scenario, table)]
    return scenario.with_tables(**{table: rows})


def test_the_plan_as_made_is_clean_and_its_times_and_cost_are_recomputed_equal(
    small: tuple[Scenario, Plan, Path], written: Path
) -> None:
    scenario, plan, _ = small
    checked = check_plan(scenario, written)
    assert checked.is_clean(), checked.violations
    assert checked.cost() == pytest.approx(plan.cost(), abs=0.01)
    assert [r.stops for r in checked.routes] == [r.stops for r in plan.routes]


def test_times_loads_and_km_left_blank_are_recomputed(
    small: tuple[Scenario, Plan, Path], written: Path
) -> None:
    scenario, plan, _ = small

    def blank(frame: pd.DataFrame) -> None:
        for column in ("arrival", "departure", "load_kg", "cum_km", "lat", "lon"):
            frame[column] = ""

    edit_routes(written, blank)
    checked = check_plan(scenario, written)
    assert checked.is_clean()
    assert [r.stops for r in checked.routes] == [r.stops for r in plan.routes]


def test_a_cold_chain_stop_given_to_a_plain_truck_is_a_cold_chain_violation(
    small: tuple[Scenario, Plan, Path], written: Path
) -> None:
    scenario, plan, _ = small
    plain = next(v.vehicle_id for v in scenario.vehicles if not v.refrigerated)

    def to_plain(frame: pd.DataFrame) -> None:
        frame.loc[frame.stop_kind != "depot", "vehicle_id"] = plain

    edit_routes(written, to_plain)
    checked = check_plan(scenario, written)
    assert "cold_chain" in codes(checked)
    cold = {t.task_id for t in plan.tasks if scenario.product[t.product_id].needs_cold_chain}
    flagged = {v.task_id for v in checked.violations if v.code.value == "cold_chain"}
    assert flagged == cold
    assert all(v.vehicle_id == plain for v in checked.violations)


def test_a_route_driven_backwards_breaks_the_pairing(
    small: tuple[Scenario, Plan, Path], written: Path
) -> None:
    scenario, _, _ = small

    def backwards(frame: pd.DataFrame) -> None:
        frame["seq"] = [str(-int(s)) for s in frame["seq"]]
        frame["trip"] = "1"

    edit_routes(written, backwards)
    assert "pairing" in codes(check_plan(scenario, written))


def test_a_pickup_removed_leaves_its_orders_without_a_route(
    small: tuple[Scenario, Plan, Path], written: Path
) -> None:
    scenario, plan, _ = small
    task = next(t for t in plan.tasks if t.order_ids)

    def drop_pickup(frame: pd.DataFrame) -> None:
        at_farm = frame.stop_kind == "farm"
        frame.loc[at_farm, "task_ids"] = [
            " ".join(x for x in ids.split() if x != task.task_id)
            for ids in frame.loc[at_farm, "task_ids"]
        ]

    edit_routes(written, drop_pickup)
    checked = check_plan(scenario, written)
    assert {"pairing", "order_fate"} <= codes(checked)
    fates = [v for v in checked.violations if v.code.value == "order_fate"]
    assert {v.task_id for v in fates} == {task.task_id}
    assert all(o in " ".join(v.message for v in fates) for o in task.order_ids)


def test_an_unknown_task_and_a_task_at_the_wrong_farm_are_place_violations(
    small: tuple[Scenario, Plan, Path], written: Path
) -> None:
    scenario, _, _ = small

    def confuse(frame: pd.DataFrame) -> None:
        farms = frame.index[frame.stop_kind == "farm"]
        frame.loc[farms[0], "task_ids"] += " T99999"
        frame.loc[farms[1], "stop_id"] = "F_nowhere"

    edit_routes(written, confuse)
    checked = check_plan(scenario, written)
    messages = [v.message for v in checked.violations if v.code.value == "place"]
    assert any("unknown task 'T99999'" in m for m in messages)
    assert any("not at F_nowhere" in m for m in messages)
    assert all(m.startswith("routes.csv line ") for m in messages)


@pytest.mark.parametrize(
    ("table", "change", "code"),
    [
        ("vehicles", {"capacity_kg": 50.0}, "capacity"),
        ("vehicles", {"shift_end": dt.time(9)}, "shift"),
        ("products", {"max_transit_min": 20.0}, "transit"),
        ("farms", {"pickup_open": dt.time(5), "pickup_close": dt.time(6)}, "window"),
        ("logistics_points", {"cutoff": dt.time(8)}, "cutoff"),
    ],
)
def test_a_rule_tightened_in_the_scenario_is_found_with_its_code(
    small: tuple[Scenario, Plan, Path], table: str, change: dict[str, object], code: str
) -> None:
    scenario, plan, _ = small
    tighter = with_rows(scenario, table, **change)
    checked = check_routes(tighter, plan)
    assert code in codes(checked)
    assert all(v.message for v in checked.violations)


def test_an_order_missing_from_orders_csv_is_an_order_fate_violation(
    small: tuple[Scenario, Plan, Path],
) -> None:
    scenario, plan, _ = small
    fewer = dataclasses.replace(plan, orders=plan.orders[1:])
    twice = dataclasses.replace(plan, orders=(*plan.orders, plan.orders[0]))
    for edited in (fewer, twice):
        checked = check_routes(scenario, edited)
        assert codes(checked) == {"order_fate"}
        assert plan.orders[0].order_id in checked.violations[0].message


def test_moving_a_stop_in_memory_is_checked_at_once(small: tuple[Scenario, Plan, Path]) -> None:
    scenario, plan, _ = small
    lines = plan_stop_lines(plan)
    plain = next(v.vehicle_id for v in scenario.vehicles if not v.refrigerated)
    moved = [dataclasses.replace(s, vehicle_id=plain) for s in lines]
    assert check_routes(scenario, plan, lines).is_clean()
    assert not check_routes(scenario, plan, moved).is_clean()
    assert isinstance(lines[0], StopLine)


def test_cli_check_exits_0_when_clean_and_3_with_the_files_when_not(
    small: tuple[Scenario, Plan, Path], written: Path, tmp_path: Path
) -> None:
    scenario, _, _ = small
    clean = runner.invoke(app, ["check", str(SMALL), str(written)])
    assert clean.exit_code == EXIT_OK, clean.output
    assert "clean" in clean.output
    plain = next(v.vehicle_id for v in scenario.vehicles if not v.refrigerated)

    def to_plain(frame: pd.DataFrame) -> None:
        frame.loc[frame.stop_kind != "depot", "vehicle_id"] = plain

    edit_routes(written, to_plain)
    out = tmp_path / "checked"
    bad = runner.invoke(app, ["check", str(SMALL), str(written), "--out", str(out)])
    assert bad.exit_code == EXIT_PARTIAL, bad.output
    assert "cold_chain:" in bad.output
    violations = pd.read_csv(out / "violations.csv")
    assert set(violations["code"]) == {"cold_chain"}
    assert sorted(p.name for p in out.iterdir()) == [
        "routes.csv", "summary.json", "tasks.csv", "violations.csv",
    ]  # fmt: skip


def test_cli_check_of_a_folder_that_is_no_plan_is_an_input_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", str(SMALL), str(tmp_path)])
    assert result.exit_code == EXIT_INPUT
    assert "not a plan" in result.output
