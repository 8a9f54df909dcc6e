"""Multi-start OR-Tools engine and the engine's multi-strategy first solution (small PDPs)."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pytest
from pdp_builders import assert_constraints_hold, cold_pdp, routes

from agrichain.routing import (
    MANDATORY,
    RoutingProblem,
    RoutingSolution,
    SolveParams,
    SolveStatus,
)
from agrichain.routing.check import unservable_reasons
from agrichain.routing.multistart import (
    ARC_FIRST_SOLUTION,
    INSERTION_FIRST_SOLUTION,
    STARTS,
    run_start,
    solve_multistart,
)
from agrichain.routing.ortools_engine import SearchTuning, solve_ortools

LIMITED = SolveParams(time_limit_s=30.0, solution_limit=25)
FAR_S = 1e6
"""Seconds to a deadline that never ends a start (the solution limit does)."""


@pytest.fixture(scope="module")
def problem() -> RoutingProblem:
    return cold_pdp(24, seed=5)


@pytest.fixture(scope="module")
def parallel(problem: RoutingProblem) -> RoutingSolution:
    return solve_multistart(problem, LIMITED)


def test_multistart_solution_is_feasible_and_labelled(
    problem: RoutingProblem, parallel: RoutingSolution
) -> None:
    assert parallel.engine == "multistart"
    assert parallel.status in (SolveStatus.FEASIBLE, SolveStatus.PARTIAL)
    assert parallel.routes
    assert_constraints_hold(problem, parallel)
    assert parallel.stats["helper"] == "ok"
    assert parallel.stats["winner"] in {s.name for s in STARTS}
    assert parallel.objective == parallel.cost(problem) + sum(
        int(problem.node_drop_penalty[n]) for n in parallel.dropped
    )


def test_multistart_is_deterministic_with_a_solution_limit(
    problem: RoutingProblem, parallel: RoutingSolution
) -> None:
    again = solve_multistart(problem, LIMITED)
    assert routes(again) == routes(parallel)
    assert again.objective == parallel.objective and again.dropped == parallel.dropped
    # One process, starts in turn: the same searches, hence the same answer.
    serial = solve_multistart(problem, LIMITED, max_processes=1)
    assert "helper" not in serial.stats
    assert routes(serial) == routes(parallel)


def test_multistart_never_worse_than_any_of_its_starts(
    problem: RoutingProblem, parallel: RoutingSolution
) -> None:
    singles = [run_start(problem, LIMITED, s, time.monotonic() + FAR_S) for s in STARTS]
    assert parallel.objective == min(s.objective for s in singles)
    for start, single in zip(STARTS, singles, strict=True):
        assert parallel.stats[f"{start.name}_objective"] == single.objective
        assert single.stats["start"] == start.name
        assert_constraints_hold(problem, single)


def test_plain_start_is_plain_gls_when_path_cheapest_arc_routes_everything(
    problem: RoutingProblem, parallel: RoutingSolution
) -> None:
    plain = solve_ortools(problem, LIMITED, first_solution=ARC_FIRST_SOLUTION)
    assert parallel.stats["plain-gls_objective"] == plain.objective
    assert parallel.objective <= plain.objective
    # Path-cheapest-arc drops nothing here, so no insertion first solution is built.
    assert parallel.stats["arc_dropped"] == 0
    assert parallel.stats["first_solution_strategy"] == ARC_FIRST_SOLUTION
    assert str(parallel.stats["first_solution_objectives"]).count(":") == 1


def test_insertion_first_solution_only_when_path_cheapest_arc_drops() -> None:
    short_fleet = cold_pdp(24, seed=5, n_vehicles=2)
    arc = solve_ortools(
        short_fleet,
        SolveParams(time_limit_s=30.0, solution_limit=1),
        first_solution="PATH_CHEAPEST_ARC",
    )
    insertion = solve_ortools(
        short_fleet,
        SolveParams(time_limit_s=30.0, solution_limit=1),
        first_solution=INSERTION_FIRST_SOLUTION,
    )
    assert arc.dropped and insertion.objective < arc.objective
    unservable = unservable_reasons(short_fleet)  # outside the model, not counted
    tuned, plain = (run_start(short_fleet, LIMITED, s, time.monotonic() + FAR_S) for s in STARTS)
    expected = (
        f"{ARC_FIRST_SOLUTION}:{arc.objective},{INSERTION_FIRST_SOLUTION}:{insertion.objective}"
    )
    for single in (tuned, plain):
        assert single.stats["arc_dropped"] == len(set(arc.dropped) - set(unservable))
        assert single.stats["first_solution_objectives"] == expected
        assert single.stats["first_solution_strategy"] == INSERTION_FIRST_SOLUTION
        assert single.objective <= insertion.objective
        assert_constraints_hold(short_fleet, single)
    best = solve_multistart(short_fleet, LIMITED)
    assert best.objective == min(tuned.objective, plain.objective)
    assert (
        best.objective
        < solve_ortools(short_fleet, LIMITED, first_solution="PATH_CHEAPEST_ARC").objective
    )


def test_first_solution_candidates_start_from_the_cheapest(problem: RoutingProblem) -> None:
    params = SolveParams(time_limit_s=30.0, solution_limit=1)
    names = ["PATH_CHEAPEST_ARC", "LOCAL_CHEAPEST_INSERTION", "PARALLEL_CHEAPEST_INSERTION"]
    each = {n: solve_ortools(problem, params, first_solution=n).objective for n in names}
    best = solve_ortools(problem, params, first_solution=names)
    assert_constraints_hold(problem, best)
    assert best.objective == min(each.values())
    chosen = str(best.stats["first_solution_strategy"])
    assert each[chosen] == min(each.values())
    assert names.index(chosen) == min(k for k, n in enumerate(names) if each[n] == best.objective)
    assert best.stats["first_solution_objectives"] == ",".join(f"{n}:{each[n]}" for n in names)
    with pytest.raises(ValueError, match="first solution strategy"):
        solve_ortools(problem, params, first_solution=["PATH_CHEAPEST_ARC", "NOPE"])
    with pytest.raises(ValueError, match="at least one"):
        solve_ortools(problem, params, first_solution=[])


def test_tuning_changes_the_search_but_not_feasibility(problem: RoutingProblem) -> None:
    for tuning in (
        SearchTuning(gls_lambda=0.05),
        SearchTuning(multi_armed_bandit_operators=True),
        SearchTuning(reset_penalties_on_new_best=True),
    ):
        sol = solve_ortools(problem, LIMITED, first_solution="PATH_CHEAPEST_ARC", tuning=tuning)
        assert_constraints_hold(problem, sol)


def test_empty_and_impossible_problems_answer_at_once() -> None:
    p = cold_pdp(3, seed=1)
    empty = dataclasses.replace(
        p,
        node_location=p.node_location[:1],
        node_demand=p.node_demand[:1],
        node_tw_start=p.node_tw_start[:1],
        node_tw_end=p.node_tw_end[:1],
        node_service=p.node_service[:1],
        node_drop_penalty=p.node_drop_penalty[:1],
        pairs=np.zeros((0, 2), dtype=np.int64),
        pair_max_transit=np.zeros(0, dtype=np.int64),
        node_allowed_vehicles=(),
    )
    assert solve_multistart(empty, LIMITED).status is SolveStatus.EMPTY
    # A mandatory pair whose delivery cannot follow the pickup within its limit.
    impossible = dataclasses.replace(
        p,
        node_drop_penalty=np.full(p.num_nodes, MANDATORY),
        pair_max_transit=np.zeros(p.pairs.shape[0], dtype=np.int64) + 1,
    )
    sol = solve_multistart(impossible, LIMITED)
    assert sol.status is SolveStatus.NO_SOLUTION and sol.engine == "multistart"
    assert "reason" in sol.stats
