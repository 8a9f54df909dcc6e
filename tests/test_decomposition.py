"""Route-based decomposition engine: subproblems, feasibility, determinism, fallbacks."""

from __future__ import annotations

import dataclasses
import os

import numpy as np
import pytest
from pdp_builders import assert_constraints_hold, cold_pdp, routes

from agrichain.routing import RoutingProblem, RoutingSolution, SolveParams, decomposition, solve
from agrichain.routing.decomposition import restrict, solve_decomposition
from agrichain.routing.ortools_engine import solve_ortools
from agrichain.routing.reassign import reassign_routes

LIMITED = SolveParams(time_limit_s=60.0, solution_limit=30)
SMALL_SUBPROBLEMS = {"target_visits": 24, "min_visits": 0}


@pytest.fixture(scope="module")
def problem() -> RoutingProblem:
    return cold_pdp(40, seed=11, n_vehicles=8, n_cold_vehicles=3)


@pytest.fixture(scope="module")
def decomposed(problem: RoutingProblem) -> RoutingSolution:
    return solve_decomposition(problem, LIMITED, **SMALL_SUBPROBLEMS)


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


def test_decomposition_is_feasible_and_its_objective_is_recomputable(
    problem: RoutingProblem, decomposed: RoutingSolution
) -> None:
    assert decomposed.engine == "decomposition"
    assert_constraints_hold(problem, decomposed)
    assert int(decomposed.stats["subproblems"]) >= 2
    assert decomposed.objective == decomposed.cost(problem) + penalties(problem, decomposed)
    assert decomposed.objective == sum(r.cost(problem) for r in decomposed.routes) + (
        penalties(problem, decomposed)
    )
    # Each phase only ever lowers the objective.
    first = int(decomposed.stats["first_objective"])
    after_subproblems = int(decomposed.stats["decomposed_objective"])
    assert decomposed.objective <= after_subproblems <= first
    assert after_subproblems < first


def test_no_route_is_left_on_a_dearer_vehicle_than_needed(
    problem: RoutingProblem, decomposed: RoutingSolution
) -> None:
    mixed = dataclasses.replace(
        problem,
        vehicle_fixed_cost=100 + 30 * np.arange(problem.num_vehicles)[::-1],
    )
    sol = solve_decomposition(mixed, LIMITED, **SMALL_SUBPROBLEMS)
    assert_constraints_hold(mixed, sol)
    assert reassign_routes(mixed, sol.routes) == list(sol.routes)
    assert "routes_reassigned" in sol.stats
    assert sol.objective == sol.cost(mixed) + penalties(mixed, sol)


def test_decomposition_is_deterministic_with_a_solution_limit(
    problem: RoutingProblem, decomposed: RoutingSolution
) -> None:
    again = solve_decomposition(problem, LIMITED, **SMALL_SUBPROBLEMS)
    assert routes(again) == routes(decomposed)
    assert again.objective == decomposed.objective and again.dropped == decomposed.dropped


def test_short_fleet_drops_are_offered_to_subproblems() -> None:
    short = cold_pdp(40, seed=11, n_vehicles=3, n_cold_vehicles=1)
    sol = solve_decomposition(short, LIMITED, **SMALL_SUBPROBLEMS)
    assert_constraints_hold(short, sol)
    assert sol.dropped  # three vehicles cannot carry everything
    assert sol.objective == sol.cost(short) + penalties(short, sol)
    assert sol.objective <= int(sol.stats["first_objective"])


def test_small_problems_and_fleet_caps_are_solved_whole(problem: RoutingProblem) -> None:
    whole = solve_decomposition(problem, LIMITED)  # 80 visits: below the default minimum
    assert "subproblems" not in whole.stats and whole.engine == "decomposition"
    # Solved whole from the insertion construction: never dearer than that start.
    assert whole.stats["construction"] == "regret"
    assert whole.objective <= int(whole.stats["first_objective"])
    assert_constraints_hold(problem, whole)
    capped = dataclasses.replace(problem, max_vehicles=4)
    sol = solve_decomposition(capped, LIMITED, **SMALL_SUBPROBLEMS)
    assert "subproblems" not in sol.stats
    assert sol.num_vehicles_used() <= 4
    assert_constraints_hold(capped, sol)


def test_auto_uses_decomposition_where_pairs_have_transit_limits(problem: RoutingProblem) -> None:
    sol = solve(problem, dataclasses.replace(LIMITED, engine="auto"))
    assert sol.engine == "decomposition"
    assert_constraints_hold(problem, sol)


two_cpus = pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs two CPUs")


@two_cpus
def test_two_processes_search_disjoint_subproblems_deterministically(
    problem: RoutingProblem, decomposed: RoutingSolution
) -> None:
    params = dataclasses.replace(LIMITED, num_workers=2)
    first = solve_decomposition(problem, params, **SMALL_SUBPROBLEMS)
    assert first.stats["helper"] == "ok" and first.stats["processes"] == 2
    assert_constraints_hold(problem, first)
    assert first.objective == first.cost(problem) + penalties(problem, first)
    assert first.objective <= int(first.stats["decomposed_objective"])
    assert "helper_polish_objective" in first.stats
    again = solve_decomposition(problem, params, **SMALL_SUBPROBLEMS)
    assert routes(again) == routes(first) and again.objective == first.objective
    # One process searches the same subproblems one after the other.
    assert decomposed.stats["processes"] == 1 and "helper_polish_objective" not in decomposed.stats


def test_steps_hold_disjoint_subproblems(problem: RoutingProblem) -> None:
    first = solve_ortools(problem, dataclasses.replace(LIMITED, solution_limit=1))
    servable = problem.visit_nodes()
    state = decomposition._State(problem, list(first.routes), servable)
    vehicles = np.arange(problem.num_vehicles)
    tasks: list[int | None] = [*sorted(state.routes), None, None]
    covered: set[int] = set()
    seen_steps = 0
    while jobs := decomposition._next_step(state, tasks, covered, vehicles, 24, width=2):
        seen_steps += 1
        assert 1 <= len(jobs) <= 2
        used = [set(j.vehicles) | ({j.retired} if j.retired is not None else set()) for j in jobs]
        visits = [set(j.visits) for j in jobs]
        if len(jobs) == 2:
            assert not used[0] & used[1] and not visits[0] & visits[1]
        for job in jobs:
            # Each job holds its routes' visits whole and starts from them.
            for v, initial in zip(job.vehicles, job.initial, strict=True):
                assert set(initial) <= set(job.visits)
                if v in state.routes:
                    assert list(initial) == state.routes[v].customer_nodes()
            if job.retired is not None:
                assert job.retired not in job.vehicles
                assert set(state.routes[job.retired].customer_nodes()) <= set(job.visits)
    assert seen_steps >= 2
    assert set(state.routes) <= covered  # every route was in a subproblem of the pass
