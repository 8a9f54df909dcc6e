"""Time at a place: a fixed stop time per visit plus handling per kg, and the old column names."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd
import pytest
from builders import REPO, service_time_scenario

from agrichain.allocation import PickupTask
from agrichain.errors import ScenarioError
from agrichain.inventory import NearestFarmAllocator
from agrichain.io import (
    load_scenario,
    save_scenario,
    scenario_from_frames,
    table_frame,
    write_plan,
)
from agrichain.model import Scenario
from agrichain.pipeline import plan_day
from agrichain.plan import Route
from agrichain.routing.collection import build_collection_problem
from agrichain.verify import verify_plan

# The stop and handling times of tests/data/service_time.
FARM_STOP_MIN = 7.0
LOADING_MIN_PER_T = 20.0
HUB_STOP_MIN = 9.0
UNLOADING_MIN_PER_T = 15.0


def _handling_s(min_per_t: float, kg: float) -> int:
    return math.ceil(min_per_t * kg / 1000 * 60 - 1e-9)


def _route(scenario: Scenario) -> Route:
    plan = plan_day(scenario, allocator=NearestFarmAllocator(), time_limit_s=20, solution_limit=20)
    assert plan.is_complete()
    (route,) = plan.routes
    return route


def _seconds(a: dt.datetime, b: dt.datetime) -> float:
    return (b - a).total_seconds()


def test_two_tasks_at_one_farm_pay_the_stop_time_once() -> None:
    shared = _route(service_time_scenario(second_farm=False))
    kinds = [s.stop_kind for s in shared.stops]
    assert kinds == ["depot", "farm", "logistics_point", "depot"]
    farm, hub, home = shared.stops[1], shared.stops[2], shared.stops[3]
    assert len(farm.task_ids) == 2 and len(hub.task_ids) == 2
    loading = _handling_s(LOADING_MIN_PER_T, 200) + _handling_s(LOADING_MIN_PER_T, 90)
    unloading = _handling_s(UNLOADING_MIN_PER_T, 200) + _handling_s(UNLOADING_MIN_PER_T, 90)
    # the truck does not wait: one stop time, then both loads, at each place
    assert _seconds(farm.arrival, farm.departure) == pytest.approx(
        FARM_STOP_MIN * 60 + loading, abs=1
    )
    assert _seconds(hub.arrival, hub.departure) == pytest.approx(
        HUB_STOP_MIN * 60 + unloading, abs=1
    )
    assert home.arrival == home.departure == hub.departure  # back home, already there

    # the same tasks at two farms on the same spot: a second stop time, nothing else
    separate = _route(service_time_scenario(second_farm=True))
    assert [s.stop_kind for s in separate.stops] == [
        "depot",
        "farm",
        "farm",
        "logistics_point",
        "depot",
    ]
    extra = _seconds(shared.end, separate.end) - _seconds(shared.start, separate.start)
    assert extra == pytest.approx(FARM_STOP_MIN * 60, abs=1)


def test_handling_grows_with_kg() -> None:
    scenario = service_time_scenario(second_farm=False)
    tasks = [
        PickupTask(f"T{kg}", "F1", "peach", float(kg), "HUB", ("O1",)) for kg in (50, 200, 800)
    ]
    collection = build_collection_problem(scenario, tasks)
    service = collection.problem.node_service
    pickup = [int(service[n]) for n in collection.pickup_node]
    delivery = [int(service[n]) for n in collection.delivery_node]
    assert pickup == [_handling_s(LOADING_MIN_PER_T, kg) for kg in (50, 200, 800)]
    assert delivery == [_handling_s(UNLOADING_MIN_PER_T, kg) for kg in (50, 200, 800)]
    assert pickup[0] < pickup[1] < pickup[2] and delivery[0] < delivery[1] < delivery[2]
    # the fixed stop time sits in the duration matrix: into a place, never within it
    farm, hub = collection.location_ids.index("F1"), collection.location_ids.index("HUB")
    travel_s = math.ceil(collection.travel.duration_min[hub, farm] * 60 - 1e-9)
    assert collection.problem.duration[hub, farm] == travel_s + FARM_STOP_MIN * 60
    assert collection.problem.duration[farm, farm] == 0 == collection.problem.duration[hub, hub]

    # and a bigger order keeps the truck longer at the farm
    small = _route(service_time_scenario(second_farm=False, peach_boxes=10)).stops[1]
    big = _route(service_time_scenario(second_farm=False, peach_boxes=150)).stops[1]
    assert _seconds(big.arrival, big.departure) - _seconds(small.arrival, small.departure) == (
        pytest.approx(
            _handling_s(LOADING_MIN_PER_T, 750) - _handling_s(LOADING_MIN_PER_T, 50), abs=1
        )
    )


def _rename_column(path: Path, old: str, new: str) -> None:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.rename(columns={old: new}).to_csv(path, index=False)


def test_old_column_names_are_read_as_stop_min(tmp_path: Path) -> None:
    scenario = service_time_scenario(second_farm=True)
    save_scenario(scenario, tmp_path)
    _rename_column(tmp_path / "farms.csv", "stop_min", "loading_min")
    _rename_column(tmp_path / "logistics_points.csv", "stop_min", "unloading_min")
    loaded = load_scenario(tmp_path)
    assert [f.stop_min for f in loaded.farms] == [FARM_STOP_MIN, FARM_STOP_MIN]
    assert loaded.logistics_points[0].stop_min == HUB_STOP_MIN
    assert loaded == scenario

    # a bad value is reported under the name the file uses
    frame = pd.read_csv(tmp_path / "farms.csv", dtype=str, keep_default_na=False)
    frame.loc[1, "loading_min"] = "-3"
    frame.to_csv(tmp_path / "farms.csv", index=False)
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path)
    assert [(i.file, i.row, i.column) for i in info.value.issues] == [
        ("farms.csv", 3, "loading_min")
    ]


def test_old_and_new_column_together_is_an_error(tmp_path: Path) -> None:
    scenario = service_time_scenario(second_farm=False)
    save_scenario(scenario, tmp_path)
    frame = pd.read_csv(tmp_path / "farms.csv", dtype=str, keep_default_na=False)
    frame["loading_min"] = "15"
    frame.to_csv(tmp_path / "farms.csv", index=False)
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path)
    (issue,) = info.value.issues
    assert (issue.file, issue.row, issue.column) == ("farms.csv", 1, "loading_min")
    assert "stop_min" in issue.message and "only one" in issue.message

    lps = table_frame(scenario, "logistics_points").assign(unloading_min=12.0)
    with pytest.raises(ScenarioError) as info:
        scenario_from_frames(
            scenario.settings,
            **{t: table_frame(scenario, t) for t in ("farms", "products", "vehicles")},
            logistics_points=lps,
        )
    assert [(i.file, i.column) for i in info.value.issues] == [
        ("logistics_points", "unloading_min")
    ]


def test_verifier_checks_stop_and_handling_times(tmp_path: Path) -> None:
    scenario = service_time_scenario(second_farm=False)
    folder = save_scenario(scenario, tmp_path / "scenario")
    plan = plan_day(scenario, allocator=NearestFarmAllocator(), time_limit_s=20, solution_limit=20)
    out = tmp_path / "plan"
    write_plan(plan, out)
    assert verify_plan(folder, out) == []

    routes = pd.read_csv(out / "routes.csv", dtype=str, keep_default_na=False)
    farm = routes.index[routes["stop_kind"] == "farm"][0]
    original = routes.copy()
    # arriving later than written: the loading would start before the stop time is over
    arrival = dt.datetime.fromisoformat(routes.loc[farm, "arrival"])
    routes.loc[farm, "arrival"] = str(arrival + dt.timedelta(minutes=FARM_STOP_MIN / 2))
    routes.to_csv(out / "routes.csv", index=False)
    assert any("before the stop time" in e for e in verify_plan(folder, out))
    # leaving before both loads are on board
    routes = original.copy()
    departure = dt.datetime.fromisoformat(routes.loc[farm, "departure"])
    routes.loc[farm, "departure"] = str(departure - dt.timedelta(seconds=30))
    routes.to_csv(out / "routes.csv", index=False)
    assert any("leaves F1" in e for e in verify_plan(folder, out))


def test_the_verifier_refuses_a_truck_that_passes_its_cargo_s_point(tmp_path: Path) -> None:
    """A truck at a logistics point carrying cargo for it must unload it there."""
    from agrichain.pipeline import plan_day
    from agrichain.verify import verify_plan

    scenario_dir = REPO / "instances" / "small"
    plan = plan_day(load_scenario(scenario_dir), time_limit_s=10, solution_limit=3, workers=1)
    out = tmp_path / "plan"
    write_plan(plan, out)
    assert verify_plan(scenario_dir, out) == []
    routes = pd.read_csv(out / "routes.csv", dtype=str, keep_default_na=False)
    # A copy of the first unloading stop, driven to before it with nothing unloaded: the
    # truck is at the point with cargo for it and leaves without unloading it.
    at = next(
        k
        for k, stop in routes.iterrows()
        if stop["stop_kind"] == "logistics_point" and stop["task_ids"].strip()
    )
    copy = routes.loc[[at]].assign(task_ids="")
    tampered = pd.concat([routes.loc[: at - 1], copy, routes.loc[at:]], ignore_index=True)
    tampered["seq"] = tampered.groupby("vehicle_id").cumcount().astype(str)
    tampered.to_csv(out / "routes.csv", index=False)
    problems = verify_plan(scenario_dir, out)
    assert any("still carrying" in p for p in problems)
