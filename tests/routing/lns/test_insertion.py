"""Insertion construction and the finalize gate: always a feasible solution, never a broken one."""

from __future__ import annotations

import dataclasses
import pickle
import time

import numpy as np
from builders import assert_constraints_hold, cold_pdp
from hypothesis import given, settings
from hypothesis import strategies as st

from agrichain.routing import (
    RoutingProblem,
    RoutingSolution,
    Rule,
    SolveParams,
    SolveStatus,
    solve,
)
from agrichain.routing.check import check_solution
from agrichain.routing.finalize import finalize
from agrichain.routing.lns.insertion import REGRET_MAX_UNITS, construct
from agrichain.routing.lns.reassign import schedule
from agrichain.routing.problem import VehicleRoute
from agrichain.routing.servable import unservable_reasons


def as_solution(problem: RoutingProblem, routes: list[VehicleRoute]) -> RoutingSolution:
    routed = {n for r in routes for n in r.customer_nodes()}
    dropped = tuple(int(n) for n in problem.visit_nodes() if int(n) not in routed)
    status = SolveStatus.PARTIAL if dropped else SolveStatus.FEASIBLE
    return RoutingSolution(tuple(routes), dropped, status, 0, 0.0)


def servable(problem: RoutingProblem) -> np.ndarray:
    out = unservable_reasons(problem)
    return np.array([n for n in problem.visit_nodes().tolist() if n not in out], dtype=np.int64)


def far_future() -> float:
    return time.monotonic() + 600.0


def test_construction_serves_every_pair_when_the_fleet_suffices() -> None:
    problem = cold_pdp(30, seed=5, n_vehicles=10, n_cold_vehicles=4)
    built = construct(problem, servable(problem), far_future())
    assert built.method == "regret"
    assert built.unplaced_full == [] and built.unplaced_stopped == []
    sol = as_solution(problem, built.routes)
    assert_constraints_hold(problem, sol)
    assert set(sol.dropped) == set(problem.visit_nodes().tolist()) - set(servable(problem))


def test_sequential_construction_on_large_problems_is_feasible() -> None:
    problem = cold_pdp(REGRET_MAX_UNITS + 20, seed=2, n_vehicles=60, n_cold_vehicles=20)
    built = construct(problem, servable(problem), far_future())
    assert built.method == "sequential"
    sol = as_solution(problem, built.routes)
    assert_constraints_hold(problem, sol)
    # Whatever is left out had no feasible place left (the fleet is full), never "not tried".
    assert built.unplaced_stopped == []
    assert (
        len(sol.dropped)
        == len(built.unplaced_full) + problem.num_nodes - 1 - servable(problem).size
    )


def test_a_short_fleet_serves_the_heaviest_pairs_it_can() -> None:
    problem = cold_pdp(30, seed=5, n_vehicles=1, n_cold_vehicles=1)
    built = construct(problem, servable(problem), far_future())
    sol = as_solution(problem, built.routes)
    assert_constraints_hold(problem, sol)
    assert sol.routes and built.unplaced_full  # something served, something left out
    # Every pair left out really fits nowhere: adding it to the one route breaks a rule.
    route = built.routes[0].customer_nodes()
    for p in built.unplaced_full:
        if problem.node_demand[p] > 0:
            d = int(problem.pairs[problem.pairs[:, 0] == p][0, 1])
            for i in range(len(route) + 1):
                for j in range(i, len(route) + 1):
                    trial = [*route[:i], p, *route[i:j], d, *route[j:]]
                    assert schedule(problem, 0, trial) is None


def test_an_expired_deadline_leaves_units_marked_as_not_tried() -> None:
    problem = cold_pdp(12, seed=1)
    built = construct(problem, servable(problem), time.monotonic() - 1.0)
    assert built.routes == []
    assert len(built.unplaced_stopped) == 24 and built.unplaced_full == []


def test_construction_is_deterministic() -> None:
    problem = cold_pdp(25, seed=9, n_vehicles=6)
    a = construct(problem, servable(problem), far_future())
    b = construct(problem, servable(problem), far_future())
    assert [(r.vehicle, r.visits) for r in a.routes] == [(r.vehicle, r.visits) for r in b.routes]


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), pairs=st.integers(1, 25), vehicles=st.integers(1, 6))
def test_constructed_routes_always_pass_the_checker(seed: int, pairs: int, vehicles: int) -> None:
    problem = cold_pdp(pairs, seed=seed, n_vehicles=vehicles, n_cold_vehicles=1)
    built = construct(problem, servable(problem), far_future())
    assert check_solution(problem, as_solution(problem, built.routes)) == []


def shared_place_problem() -> RoutingProblem:
    """Pairs A (farm 1 → hub 3), B (farm 2 → hub 3), C (farm 2 → place 0)."""
    dist = np.array([[0, 10, 20, 5], [10, 0, 10, 8], [20, 10, 0, 9], [5, 8, 9, 0]])
    return RoutingProblem(
        distance=dist,
        duration=dist,
        # nodes: 0 depot, 1/2 pickup/delivery A, 3/4 B, 5/6 C
        node_location=np.array([0, 1, 3, 2, 3, 2, 0]),
        node_demand=np.array([0, 1, -1, 1, -1, 1, -1]),
        node_tw_start=np.zeros(7, dtype=np.int64),
        node_tw_end=np.full(7, 500),
        node_service=np.zeros(7, dtype=np.int64),
        node_drop_penalty=np.array([-1, 1000, 0, 1000, 0, 1000, 0]),
        vehicle_start_node=np.array([0]),
        vehicle_end_node=np.array([0]),
        vehicle_capacity=np.array([5]),
        vehicle_tw_start=np.array([0]),
        vehicle_tw_end=np.array([500]),
        vehicle_fixed_cost=np.array([0]),
        vehicle_distance_cost=np.array([1.0]),
        pairs=np.array([[1, 2], [3, 4], [5, 6]]),
        pair_max_transit=np.array([-1, -1, -1]),
        deliver_at_first_visit=True,
    )


def test_a_vehicle_never_leaves_a_place_carrying_cargo_for_it() -> None:
    problem = shared_place_problem()
    # Both hub deliveries at the one stop at the hub: fine.
    fine = schedule(problem, 0, [3, 1, 4, 2, 5, 6])
    assert fine is not None
    assert check_solution(problem, as_solution(problem, [VehicleRoute(0, fine)])) == []
    # A rides through the hub (B unloaded there), out to farm 2 and back: A passed its place.
    assert schedule(problem, 0, [3, 1, 4, 5, 2, 6]) is None  # the schedule refuses it too
    lax = dataclasses.replace(problem, deliver_at_first_visit=False)
    passed = schedule(lax, 0, [3, 1, 4, 5, 2, 6])
    assert passed is not None
    bad = as_solution(problem, [VehicleRoute(0, passed)])
    assert any("still carrying" in v for v in check_solution(problem, bad))
    assert {v.rule for v in check_solution(problem, bad)} == {Rule.FIRST_VISIT}
    # The gate moves A's delivery into the first stop at the hub.
    fixed = finalize(problem, bad)
    assert check_solution(problem, fixed) == []
    assert fixed.routes[0].customer_nodes() == [3, 1, 4, 2, 5, 6]
    assert fixed.status is SolveStatus.FEASIBLE
    # And the construction never builds such a route.
    built = construct(problem, np.arange(1, 7), far_future())
    sol = as_solution(problem, built.routes)
    assert check_solution(problem, sol) == [] and not sol.dropped


def test_finalize_drops_pairs_that_break_a_transit_limit() -> None:
    base = cold_pdp(3, seed=3, n_vehicles=2)
    problem = dataclasses.replace(
        base, pair_max_transit=np.full(3, -1, dtype=np.int64), node_allowed_vehicles=()
    )
    tight = dataclasses.replace(problem, pair_max_transit=np.full(3, 1, dtype=np.int64))
    # A route that carries every pair far beyond a transit limit of 1 breaks it.
    nodes = [*problem.pairs[:, 0].tolist(), *problem.pairs[:, 1].tolist()]
    visits = schedule(problem, 0, nodes)
    assert visits is not None
    broken = as_solution(tight, [VehicleRoute(0, visits)])
    assert {v.rule for v in check_solution(tight, broken)} == {Rule.TRANSIT}
    assert pickle.loads(pickle.dumps(check_solution(tight, broken)[0])).rule is Rule.TRANSIT
    fixed = finalize(tight, broken)
    assert check_solution(tight, fixed) == []
    assert fixed.status is SolveStatus.PARTIAL and fixed.stats["repaired_visits_dropped"] > 0


def test_the_default_engine_never_returns_nothing_when_pairs_can_be_served() -> None:
    problem = cold_pdp(20, seed=4, n_vehicles=3)
    sol = solve(problem, SolveParams(time_limit_s=30.0, solution_limit=1))
    assert sol.routes
    assert_constraints_hold(problem, sol)


def test_unserved_causes_tell_a_full_fleet_from_a_stopped_search() -> None:
    from agrichain.routing.causes import unserved_causes
    from agrichain.routing.rules import Cause

    problem = cold_pdp(30, seed=5, n_vehicles=1, n_cold_vehicles=1)
    built = construct(problem, servable(problem), far_future())
    full = as_solution(problem, built.routes)
    causes = unserved_causes(problem, full)
    assert set(causes) == set(full.dropped)
    alone = unservable_reasons(problem)
    for node, cause in causes.items():
        if node in alone:
            assert cause is alone[node] and cause.alone
        else:
            assert cause in (Cause.FLEET_FULL, Cause.RESTRICTED_FLEET_FULL)
    # Take a pair off the full route: it fits again, so only the search left it out.
    route = built.routes[0]
    p, d = next((int(p), int(d)) for p, d in problem.pairs.tolist() if p in route.customer_nodes())
    nodes = [n for n in route.customer_nodes() if n not in (p, d)]
    visits = schedule(problem, 0, nodes)
    assert visits is not None
    stopped = as_solution(problem, [VehicleRoute(0, visits)])
    assert unserved_causes(problem, stopped)[p] is Cause.SEARCH_STOPPED
    assert Cause.SEARCH_STOPPED.code == "search_stopped" and not Cause.SEARCH_STOPPED.alone
