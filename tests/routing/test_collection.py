"""The collection problem: which logistics points are depots."""

from __future__ import annotations

from pathlib import Path

from agrichain.generate import generate_scenario, make_config
from agrichain.inventory import NearestFarmAllocator
from agrichain.io import save_scenario, write_plan
from agrichain.model import Scenario
from agrichain.pipeline import plan_day
from agrichain.routing.collection import build_collection_problem
from agrichain.verify import verify_plan


def one_truck_county() -> Scenario:
    config = make_config(farms=25, logistics_points=3, products=5, vehicles=1, orders=300, seed=0)
    return generate_scenario(config)


def test_only_the_homes_of_vehicles_are_depots() -> None:
    scenario = one_truck_county()
    allocation = NearestFarmAllocator().allocate(scenario)
    collection = build_collection_problem(scenario, allocation.tasks)
    homes = {v.home_logistics_point_id for v in scenario.vehicles}
    assert set(collection.depot_node) == homes
    assert len(scenario.logistics_points) > len(homes)
    # no zero-demand node of another point is a visit a route would have to pass through
    visits = collection.problem.visit_nodes()
    assert not (collection.problem.node_demand[visits] == 0).any()


def test_a_truck_never_leaves_a_point_with_cargo_for_it(tmp_path: Path) -> None:
    """Found when every point had a depot node: a route passed the depot node of a point it
    was delivering to, and the stop list showed the truck leaving with cargo for it."""
    scenario = one_truck_county()
    folder = save_scenario(scenario, tmp_path / "scenario")
    plan = plan_day(scenario, time_limit_s=30, solution_limit=3, allocator=NearestFarmAllocator())
    write_plan(plan, tmp_path / "plan")
    assert verify_plan(folder, tmp_path / "plan") == []
    assert all(s.stop_kind != "depot" for r in plan.routes for s in r.stops[1:-1])
