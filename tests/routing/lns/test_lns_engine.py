"""The default engine (insertion + LNS on parts): feasibility, determinism, parts, processes."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os

import numpy as np
import pytest
from builders import assert_constraints_hold, cold_pdp, routes

from agrichain.routing import RoutingProblem, RoutingSolution, SolveParams, solve
from agrichain.routing.lns import engine as lns_engine
from agrichain.routing.lns.engine import solve_lns
from agrichain.routing.lns.parts import partition
from agrichain.routing.lns.reassign import reassign_routes
from agrichain.routing.lns.subproblem import restrict

LIMITED = SolveParams(time_limit_s=60.0, solution_limit=5)
two_cpus = pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs two CPUs")


@pytest.fixture(scope="module")
def problem() -> RoutingProblem:
    return cold_pdp(40, seed=11, n_vehicles=8, n_cold_vehicles=3)


@pytest.fixture(scope="module")
def solved(problem: RoutingProblem) -> RoutingSolution:
    return solve_lns(problem, LIMITED)


def penalties(problem: RoutingProblem, sol: RoutingSolution) -> int:
    return sum(int(problem.node_drop_penalty[n]) for n in sol.dropped)


def test_restrict_keeps_pairs_vehicles_and_cold_chain(problem: RoutingProblem) -> None:
    pairs = problem.pairs[[0, 3, 7]]
    visits = np.sort(pairs.ravel())
    vehicles = np.array([1, 4, 6])
    sub = restrict(problem, visits, vehicles)
    assert sub.problem.num_vehicles == 3
    assert sub.nodes[sub.problem.vehicle_start_node].tolist() == [0, 0, 0]
    assert sorted(sub.nodes[sub.problem.visit_nodes()].tolist()) == visits.tolist()
    # Pairs and their limits map back to the originals.
    back = {tuple(p) for p in sub.nodes[sub.problem.pairs].tolist()}
    assert back == {tuple(p) for p in pairs.tolist()}
    for (p, _), limit in zip(
        sub.problem.pairs.tolist(), sub.problem.pair_max_transit.tolist(), strict=True
    ):
        k = int(np.flatnonzero(problem.pairs[:, 0] == sub.nodes[p])[0])
        assert limit == problem.pair_max_transit[k]
    # A cold-chain node may only use the subproblem's refrigerated vehicles (here vehicle 1).
    for node in sub.problem.visit_nodes().tolist():
        original = problem.node_allowed_vehicles[int(sub.nodes[node])]
        allowed = sub.problem.node_allowed_vehicles[node]
        if original is None:
            assert allowed is None
        else:
            assert {int(vehicles[v]) for v in allowed} == set(original) & {1, 4, 6}
    with pytest.raises(ValueError, match="both nodes of a pair"):
        restrict(problem, np.array([int(problem.pairs[0, 0])]), vehicles)


def test_lns_is_feasible_cheaper_than_its_start_and_recomputable(
    problem: RoutingProblem, solved: RoutingSolution
) -> None:
    assert solved.engine == "lns"
    assert_constraints_hold(problem, solved)
    assert solved.objective == solved.cost(problem) + penalties(problem, solved)
    assert solved.objective < int(solved.stats["first_objective"])
    assert int(solved.stats["iterations"]) == 5 * lns_engine.ITERATIONS_PER_SOLUTION


def test_lns_is_deterministic_with_a_solution_limit(
    problem: RoutingProblem, solved: RoutingSolution
) -> None:
    again = solve_lns(problem, LIMITED)
    assert routes(again) == routes(solved) and again.objective == solved.objective


def test_no_route_is_left_on_a_dearer_vehicle_than_needed(problem: RoutingProblem) -> None:
    mixed = dataclasses.replace(
        problem, vehicle_fixed_cost=100 + 30 * np.arange(problem.num_vehicles)[::-1]
    )
    sol = solve_lns(mixed, LIMITED)
    assert_constraints_hold(mixed, sol)
    assert reassign_routes(mixed, sol.routes) == list(sol.routes)


def test_a_short_fleet_serves_what_it_can() -> None:
    short = cold_pdp(40, seed=11, n_vehicles=3, n_cold_vehicles=1)
    sol = solve_lns(short, LIMITED)
    assert_constraints_hold(short, sol)
    assert sol.dropped and sol.routes  # three vehicles carry some, not all
    assert sol.objective == sol.cost(short) + penalties(short, sol)


def test_large_problems_are_searched_in_parts_that_cover_everything() -> None:
    big = cold_pdp(120, seed=3, n_vehicles=30, n_cold_vehicles=10)
    first = solve_lns(big, dataclasses.replace(LIMITED, solution_limit=1))
    parts = partition(
        big, list(first.routes), list(first.dropped), np.arange(30), target_units=30, rotation=2
    )
    assert len(parts) >= 3
    seen_visits = [n for p in parts for n in p.visits]
    seen_vehicles = [v for p in parts for v in p.vehicles]
    assert sorted(seen_visits) == sorted(
        [n for r in first.routes for n in r.customer_nodes()] + list(first.dropped)
    )
    assert sorted(seen_vehicles) == list(range(30))  # each vehicle in exactly one part
    for part in parts:
        for route in part.routes:
            assert route.vehicle in part.vehicles
            assert set(route.customer_nodes()) <= set(part.visits)


def test_large_problems_solved_by_parts_are_feasible_and_deterministic(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(lns_engine, "PART_UNITS", 12)
    big = cold_pdp(60, seed=8, n_vehicles=16, n_cold_vehicles=5)
    a = solve_lns(big, LIMITED)
    assert a.stats["epochs"] == lns_engine.EPOCHS_WITH_LIMIT and int(a.stats["parts"]) >= 3
    assert_constraints_hold(big, a)
    assert a.objective <= int(a.stats["first_objective"])
    b = solve_lns(big, LIMITED)
    assert routes(a) == routes(b)


@two_cpus
def test_two_processes_are_deterministic_and_leave_no_process_behind(
    problem: RoutingProblem,
) -> None:
    params = dataclasses.replace(LIMITED, num_workers=2)
    first = solve(problem, params)
    assert first.stats["processes"] == 2 and first.stats["helper"] == "ok"
    assert_constraints_hold(problem, first)
    again = solve(problem, params)
    assert routes(again) == routes(first)
    assert multiprocessing.active_children() == []


def test_auto_uses_lns_where_pairs_have_transit_limits(problem: RoutingProblem) -> None:
    sol = solve(problem, dataclasses.replace(LIMITED, engine="auto"))
    assert sol.engine == "lns"
    assert_constraints_hold(problem, sol)
