"""Route-to-vehicle reassignment: exact schedules and the cheapest feasible assignment."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from builders import assert_constraints_hold, cold_pdp
from hypothesis import given, settings
from hypothesis import strategies as st

from agrichain.routing import RoutingProblem, RoutingSolution, SolveParams, SolveStatus
from agrichain.routing.check import check_solution
from agrichain.routing.engines.ortools_engine import solve_ortools
from agrichain.routing.lns.reassign import reassign_routes, schedule
from agrichain.routing.problem import VehicleRoute

LIMITED = SolveParams(time_limit_s=30.0, solution_limit=20)


def mixed_fleet(problem: RoutingProblem) -> RoutingProblem:
    """``problem`` with vehicle costs rising with the vehicle index (vehicle 0 cheapest)."""
    k = np.arange(problem.num_vehicles)
    return dataclasses.replace(
        problem,
        vehicle_fixed_cost=100 + 40 * k[::-1],
        vehicle_distance_cost=(1.0 + 0.5 * k[::-1]).astype(float),
    )


def as_solution(problem: RoutingProblem, routes: list[VehicleRoute]) -> RoutingSolution:
    routed = {n for r in routes for n in r.customer_nodes()}
    dropped = tuple(int(n) for n in problem.visit_nodes() if int(n) not in routed)
    status = SolveStatus.PARTIAL if dropped else SolveStatus.FEASIBLE
    return RoutingSolution(tuple(routes), dropped, status, 0, 0.0, "test")


@pytest.fixture(scope="module")
def solved() -> tuple[RoutingProblem, RoutingSolution]:
    problem = mixed_fleet(cold_pdp(24, seed=3, n_vehicles=6, n_cold_vehicles=2))
    return problem, solve_ortools(problem, LIMITED)


def test_schedule_reproduces_the_engines_service_starts(
    solved: tuple[RoutingProblem, RoutingSolution],
) -> None:
    problem, solution = solved
    assert solution.routes
    for route in solution.routes:
        visits = schedule(problem, route.vehicle, route.customer_nodes())
        assert visits is not None
        assert [v.node for v in visits] == [v.node for v in route.visits]
        assert [v.load_after for v in visits] == [v.load_after for v in route.visits]
        assert visits[-1].distance_from_start == route.distance
        assert VehicleRoute(route.vehicle, visits).cost(problem) == route.cost(problem)
    rescheduled = [
        VehicleRoute(r.vehicle, schedule(problem, r.vehicle, r.customer_nodes()) or ())
        for r in solution.routes
    ]
    assert check_solution(problem, as_solution(problem, rescheduled)) == []


def test_routes_move_to_cheaper_allowed_vehicles_only(
    solved: tuple[RoutingProblem, RoutingSolution],
) -> None:
    problem, solution = solved
    # Put every route on the dearest vehicles that can run it (reverse the assignment).
    expensive = reassign_routes(
        dataclasses.replace(
            problem,
            vehicle_fixed_cost=problem.vehicle_fixed_cost[::-1].copy(),
            vehicle_distance_cost=problem.vehicle_distance_cost[::-1].copy(),
        ),
        solution.routes,
    )
    before = sum(r.cost(problem) for r in expensive)
    after = reassign_routes(problem, expensive)
    assert sum(r.cost(problem) for r in after) < before
    assert sorted(r.customer_nodes() for r in after) == sorted(
        r.customer_nodes() for r in expensive
    )
    assert_constraints_hold(problem, as_solution(problem, after))
    # Cold-chain visits stay on the refrigerated vehicles 0 and 1.
    for route in after:
        assert all(problem.allowed(n, route.vehicle) for n in route.customer_nodes())
    # Already cheapest: nothing moves.
    assert reassign_routes(problem, after) == after


def test_capacity_shift_and_transit_limit_block_a_move() -> None:
    base = cold_pdp(6, seed=5, n_vehicles=2, n_cold_vehicles=2)
    problem = dataclasses.replace(  # open windows: only the rules under test can bind
        base,
        vehicle_fixed_cost=np.array([100, 10]),
        node_tw_start=np.zeros(base.num_nodes, np.int64),
        node_tw_end=np.full(base.num_nodes, 10_000, np.int64),
        vehicle_tw_end=np.full(2, 10_000, np.int64),
        pair_max_transit=np.full(len(base.pairs), 10_000, np.int64),
    )
    route_nodes = [int(n) for n in problem.pairs.ravel()]  # p, d, p, d, ... in pair order
    on_dear = schedule(problem, 0, route_nodes)
    assert on_dear is not None
    dear = [VehicleRoute(0, on_dear)]
    assert [r.vehicle for r in reassign_routes(problem, dear)] == [1]
    small = dataclasses.replace(problem, vehicle_capacity=np.array([20, 1]))
    assert schedule(small, 1, route_nodes) is None
    assert [r.vehicle for r in reassign_routes(small, dear)] == [0]
    short = dataclasses.replace(problem, vehicle_tw_end=np.array([10_000, 50]))
    assert schedule(short, 1, route_nodes) is None
    # A delivery listed before its pickup, or beyond its maximum transit, is refused.
    p, d = route_nodes[:2]
    assert schedule(problem, 0, [d, p]) is None
    tight = dataclasses.replace(problem, pair_max_transit=np.zeros(len(problem.pairs), np.int64))
    assert schedule(tight, 0, route_nodes) is None


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n_pairs=st.integers(1, 6), vehicle=st.integers(0, 3))
def test_any_schedule_found_passes_the_independent_check(
    seed: int, n_pairs: int, vehicle: int
) -> None:
    problem = cold_pdp(8, seed=seed % 50, n_vehicles=4, n_cold_vehicles=2)
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(problem.pairs), size=n_pairs, replace=False)
    # A random interleaving that keeps each pickup before its delivery.
    tokens = rng.permutation(np.repeat(chosen, 2)).tolist()
    seen: set[int] = set()
    nodes = []
    for k in tokens:
        nodes.append(int(problem.pairs[k, 1] if k in seen else problem.pairs[k, 0]))
        seen.add(k)
    visits = schedule(problem, vehicle, nodes)
    if visits is not None:
        solution = as_solution(problem, [VehicleRoute(vehicle, visits)])
        assert check_solution(problem, solution) == []
