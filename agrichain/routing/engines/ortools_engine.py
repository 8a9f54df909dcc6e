"""OR-Tools routing engine for :class:`~agrichain.routing.problem.RoutingProblem`.

The problem is stated as in :mod:`agrichain.routing.engines.ortools_problem` (the
conventions shared with :func:`agrichain.routing.check.check_solution`).
Vehicles that cannot be used at all (empty shift/depot window, or the direct
trip from start to end does not fit) and visits that no vehicle could serve
even alone (:func:`~agrichain.routing.servable.unservable_reasons`) are left out:
such vehicles never make a feasible problem infeasible, and such visits are
reported dropped (or the result is NO_SOLUTION if one is mandatory).

Reported service starts are the earliest the solution allows (minimum cumul
values after propagation), so pickups are delayed only where a transit limit
requires it.

Search (:mod:`agrichain.routing.engines.ortools_search`): cheapest insertion for the first
solution, then guided local search until ``solution_limit`` solutions or
``time_limit_s`` (which bounds the whole call, building included).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2, routing_parameters_pb2

from agrichain.routing.engines.ortools_problem import OrToolsProblem, build_ortools_problem
from agrichain.routing.engines.ortools_search import (
    METAHEURISTIC,
    STRATEGIES,
    SearchTuning,
    best_first_solution,
    extract_routes,
    first_solution_strategy,
    initial_assignment,
    search_parameters,
    validate_initial_routes,
)
from agrichain.routing.problem import (
    RoutingProblem,
    RoutingSolution,
    SolveParams,
    SolveStatus,
    VehicleRoute,
)
from agrichain.routing.servable import (
    mandatory_unservable,
    unservable_reasons,
    usable_vehicles,
    validate_pairs,
)

ENGINE_NAME = "ortools"


def _result(
    problem: RoutingProblem,
    t0: float,
    stats: dict[str, float | int | str],
    routes: Sequence[VehicleRoute] = (),
    objective: int | None = None,
) -> RoutingSolution:
    """Solution with ``routes``; every other visit node is dropped.

    ``objective`` None means no solution was found: the status is NO_SOLUTION.
    """
    routed = {n for r in routes for n in r.customer_nodes()}
    dropped = tuple(int(n) for n in problem.visit_nodes() if int(n) not in routed)
    if objective is None:
        status, objective = SolveStatus.NO_SOLUTION, 0
    else:
        status = SolveStatus.PARTIAL if dropped else SolveStatus.FEASIBLE
    return RoutingSolution(
        routes=tuple(routes),
        dropped=dropped,
        status=status,
        objective=objective,
        wall_time_s=time.monotonic() - t0,
        engine=ENGINE_NAME,
        stats=stats,
    )


def _finish(
    built: OrToolsProblem,
    problem: RoutingProblem,
    solution: pywrapcp.Assignment | None,
    t0: float,
    t_built: float,
    stats: dict[str, float | int | str],
    out_penalty: int,
) -> RoutingSolution:
    """Record the search outcome in ``stats`` and turn ``solution`` into a RoutingSolution."""
    stats["solve_s"] = time.monotonic() - t_built
    stats["ortools_status"] = routing_enums_pb2.RoutingSearchStatus.Value.Name(
        int(built.routing.status())
    )
    if solution is None:
        return _result(problem, t0, stats)
    routes = extract_routes(built, problem, solution)
    return _result(problem, t0, stats, routes, int(solution.ObjectiveValue()) + out_penalty)


def _strategy_names(first_solution: str | Sequence[str] | None) -> list[str] | None:
    """The named first-solution strategies (None: the engine picks); ValueError if unknown."""
    candidates = [first_solution] if isinstance(first_solution, str) else first_solution
    if candidates is None:
        return None
    if not candidates:
        raise ValueError("first_solution must name at least one strategy")
    for name in candidates:
        if name not in STRATEGIES:
            raise ValueError(f"unknown OR-Tools first solution strategy {name!r}")
    return list(candidates)


def _search_from_routes(
    built: OrToolsProblem,
    params: SolveParams,
    initial_routes: Sequence[Sequence[int]],
    search: routing_parameters_pb2.RoutingSearchParameters,
    strategy: str,
    tuning: SearchTuning | None,
    t0: float,
    stats: dict[str, float | int | str],
) -> pywrapcp.Assignment | None:
    """Local search from ``initial_routes``; else from a first solution by ``strategy``."""
    routing = built.routing
    routing.CloseModelWithParameters(search)
    start = initial_assignment(built, initial_routes)
    stats["initial_routes"] = "accepted" if start is not None else "rejected"
    solution = None
    if start is not None:
        solution = routing.SolveFromAssignmentWithParameters(start, search)
    if solution is None:
        remaining = params.time_limit_s - (time.monotonic() - t0)
        if remaining > 0:
            solution = routing.SolveWithParameters(
                search_parameters(params, remaining, strategy, tuning)
            )
    return solution


def _search_from_best_first(
    built: OrToolsProblem,
    params: SolveParams,
    strategies: Sequence[str],
    search: routing_parameters_pb2.RoutingSearchParameters,
    tuning: SearchTuning | None,
    t0: float,
    stats: dict[str, float | int | str],
    out_penalty: int,
) -> pywrapcp.Assignment | None:
    """Local search from the cheapest first solution of ``strategies``."""
    routing = built.routing
    routing.CloseModelWithParameters(search)
    deadline = t0 + params.time_limit_s
    strategy, start = best_first_solution(
        built, params, strategies, tuning, deadline, stats, out_penalty
    )
    stats["first_solution_strategy"] = strategy
    remaining = deadline - time.monotonic()
    solution = None
    if start is not None and remaining > 0:
        solution = routing.SolveFromAssignmentWithParameters(
            start, search_parameters(params, remaining, strategy, tuning)
        )
    return start if solution is None else solution


def _empty(t0: float, stats: dict[str, float | int | str]) -> RoutingSolution:
    return RoutingSolution(
        routes=(),
        dropped=(),
        status=SolveStatus.EMPTY,
        objective=0,
        wall_time_s=time.monotonic() - t0,
        engine=ENGINE_NAME,
        stats=stats,
    )


def solve_ortools(
    problem: RoutingProblem,
    params: SolveParams,
    initial_routes: Sequence[Sequence[int]] | None = None,
    first_solution: str | Sequence[str] | None = None,
    *,
    tuning: SearchTuning | None = None,
) -> RoutingSolution:
    """Solve ``problem`` with OR-Tools routing (cheapest insertion + guided local search).

    ``first_solution`` names an OR-Tools ``FirstSolutionStrategy`` (for example
    ``"PARALLEL_CHEAPEST_INSERTION"``); by default
    :func:`~agrichain.routing.engines.ortools_search.first_solution_strategy` picks one from
    the problem size and the time limit. A sequence of names builds
    a first solution with each (in order, within the time limit) and searches
    from the cheapest; the earlier name wins ties, so the choice is deterministic.
    ``tuning`` adjusts the guided local search (default: OR-Tools' settings).

    ``initial_routes`` optionally gives one list of visit nodes per vehicle
    (without start/end nodes) to start the local search from; if it is not a
    feasible solution, the engine builds its own first solution instead.
    Deterministic for a fixed ``params.solution_limit`` reached within the time limit.
    Visits no vehicle could serve even alone (see
    :func:`~agrichain.routing.servable.unservable_reasons`) are dropped before the
    search; if one of them is mandatory the result is NO_SOLUTION at once.
    """
    t0 = time.monotonic()
    candidates = _strategy_names(first_solution)
    validate_pairs(problem)
    if initial_routes is not None:
        validate_initial_routes(problem, initial_routes)
    stats: dict[str, float | int | str] = {
        "metaheuristic": routing_enums_pb2.LocalSearchMetaheuristic.Value.Name(METAHEURISTIC),
    }
    if problem.visit_nodes().size == 0:
        return _empty(t0, stats)
    vehicles = usable_vehicles(problem)
    unservable = unservable_reasons(problem)
    stats["usable_vehicles"] = int(vehicles.size)
    stats["unservable_nodes"] = len(unservable)
    reason = mandatory_unservable(problem, unservable)
    if reason is not None:
        stats["reason"] = reason
        return _result(problem, t0, stats)
    out_penalty = int(sum(int(problem.node_drop_penalty[n]) for n in unservable))
    visits = np.array(
        [n for n in problem.visit_nodes().tolist() if n not in unservable],
        dtype=np.int64,
    )
    if visits.size == 0:
        return _result(problem, t0, stats, objective=out_penalty)

    built = build_ortools_problem(problem, vehicles, visits)
    t_built = time.monotonic()
    stats["build_s"] = t_built - t0
    num_paired = int(np.isin(problem.pairs, visits).sum()) if problem.pairs.size else 0
    strategies = candidates or [
        first_solution_strategy(int(built.nodes.size), num_paired, params.time_limit_s)
    ]
    stats["first_solution_strategy"] = strategies[0]
    # The time limit bounds the whole call: building counts against it.
    search_s = max(0.01, params.time_limit_s - (t_built - t0))
    search = search_parameters(params, search_s, strategies[0], tuning)
    if initial_routes is not None:
        solution = _search_from_routes(
            built, params, initial_routes, search, strategies[0], tuning, t0, stats
        )
    elif len(strategies) > 1:
        solution = _search_from_best_first(
            built, params, strategies, search, tuning, t0, stats, out_penalty
        )
    else:
        solution = built.routing.SolveWithParameters(search)
    return _finish(built, problem, solution, t0, t_built, stats, out_penalty)


__all__ = ["ENGINE_NAME", "SearchTuning", "first_solution_strategy", "solve_ortools"]
