"""Re-planning the rest of a day: a vehicle starts where and when it is and delivers what
it carries, within what is left of each task's transit limit."""

from __future__ import annotations

import pytest
from builders import REPO

from agrichain.allocation import PickupTask
from agrichain.inventory import NearestFarmAllocator
from agrichain.io import load_scenario
from agrichain.model import Scenario
from agrichain.routing import SolveParams, solve
from agrichain.routing.check import check_solution
from agrichain.routing.collection import (
    CollectionProblem,
    OnBoard,
    VehicleStart,
    build_collection_problem,
)
from agrichain.routing.collection_plan import task_outcomes

HOUR_S = 3600


@pytest.fixture(scope="module")
def small() -> tuple[Scenario, list[PickupTask]]:
    scenario = load_scenario(REPO / "instances" / "small")
    return scenario, list(NearestFarmAllocator().allocate(scenario).tasks)


def restart(
    scenario: Scenario, tasks: list[PickupTask], picked_up_s: int
) -> tuple[CollectionProblem, PickupTask, int]:
    """V01 (refrigerated) stands at the farm of a bayberry task at 09:00 with it on board."""
    carried = next(t for t in tasks if t.product_id == "bayberry")
    rest = [t for t in tasks if t.task_id != carried.task_id]
    start = VehicleStart(carried.farm_id, 9 * HOUR_S, (OnBoard(carried, picked_up_s),))
    collection = build_collection_problem(scenario, rest, starts={"V01": start})
    return collection, carried, scenario.vehicles.index(scenario.vehicle["V01"])


def test_a_vehicle_starts_where_it_is_and_delivers_what_it_carries(
    small: tuple[Scenario, list[PickupTask]],
) -> None:
    scenario, tasks = small
    collection, carried, v = restart(scenario, tasks, picked_up_s=int(8.5 * HOUR_S))
    problem = collection.problem
    assert problem.vehicle_start_node[v] != problem.vehicle_end_node[v]
    assert problem.vehicle_tw_start[v] == 9 * HOUR_S
    solution = solve(problem, SolveParams(time_limit_s=10, solution_limit=10, seed=0))
    assert check_solution(problem, solution) == []
    route = next(r for r in solution.routes if r.vehicle == v)
    start_place = collection.location_ids[problem.node_location[route.visits[0].node]]
    assert start_place == carried.farm_id
    assert route.visits[0].start >= 9 * HOUR_S
    (outcome,) = [
        o for k, o in enumerate(task_outcomes(collection, solution)) if k in collection.on_board
    ]
    assert outcome.task_id == carried.task_id
    assert outcome.vehicle_id == "V01"
    assert outcome.delivery_time is not None
    on_board_min = (outcome.delivery_time - scenario.datetime_at(8.5 * 60)).total_seconds() / 60
    assert on_board_min <= scenario.product["bayberry"].max_transit_min


def test_cargo_past_its_transit_limit_is_left_undelivered_not_an_error(
    small: tuple[Scenario, list[PickupTask]],
) -> None:
    scenario, tasks = small
    collection, _, _ = restart(scenario, tasks, picked_up_s=5 * HOUR_S)
    problem = collection.problem
    (k,) = collection.on_board
    solution = solve(problem, SolveParams(time_limit_s=10, solution_limit=10, seed=0))
    assert check_solution(problem, solution) == []
    assert collection.delivery_node[k] in solution.dropped
