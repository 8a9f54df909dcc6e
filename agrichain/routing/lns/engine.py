"""The default routing design for agrichain's own problems: insertion, then LNS on parts.

1. **Construction** (:mod:`agrichain.routing.lns.insertion`): every servable unit (a
   pickup→delivery pair, or a single visit) is inserted where it is cheapest and
   every hard rule still holds (exact check, transit limits included). A
   solution exists from the first second; what fits nowhere is left out because
   the fleet is full.
2. **Large neighbourhood search** (:mod:`agrichain.routing.lns.search`): ruin and
   regret-recreate under simulated annealing. A problem of up to
   :data:`PART_UNITS` units is searched whole, by one search per process (each
   with its own seed; the cheapest wins). A larger one is cut into parts of
   about :data:`PART_UNITS` units — groups of neighbouring routes, the unplaced
   units nearest to them and a share of the unused vehicles — searched in
   parallel and stitched back; parts are cut anew each epoch, around other seed
   routes, so that no border stays fixed.
3. **Reassignment** (:mod:`agrichain.routing.lns.reassign`): routes move to the
   cheapest vehicles that can run them.

Routes of different vehicles share no rule (problems with ``max_vehicles`` are
searched whole), so stitched parts stay feasible. With a ``solution_limit`` the
search runs ``solution_limit ×`` :data:`ITERATIONS_PER_SOLUTION` iterations per
search (and :data:`EPOCHS_WITH_LIMIT` epochs on large problems) and is
deterministic for a given seed and number of processes.
"""

from __future__ import annotations

import time
from concurrent.futures import Future

import numpy as np

from agrichain.clock import RETURN_MARGIN_S, Deadline
from agrichain.routing import helper
from agrichain.routing.lns.insertion import construct, units_of, warm_up
from agrichain.routing.lns.parts import Part, partition, search_parts
from agrichain.routing.lns.reassign import reassign_routes
from agrichain.routing.lns.search import SearchResult, improve
from agrichain.routing.problem import (
    IntArray,
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

ENGINE_NAME = "lns"
#: Share of the time limit the construction may take at most.
CONSTRUCTION_SHARE = 0.6
#: The construction always gets this long once the kernels are compiled, even when
#: compiling them (the first run after installing) used up the time limit: a plan is
#: better than none, at the cost of overrunning the limit by at most this much.
CONSTRUCTION_FLOOR_S = 0.5
#: Units (pairs or single visits) per part of a large problem; up to 1.5× this, whole.
PART_UNITS = 150
#: Problems with fewer units are searched in this process alone (a helper's start-up
#: would cost more than it finds).
PARALLEL_MIN_UNITS = 20
#: LNS iterations per unit of ``SolveParams.solution_limit``.
ITERATIONS_PER_SOLUTION = 20
#: Epochs of a large problem's search under a solution limit.
EPOCHS_WITH_LIMIT = 2
#: An epoch lasts this share of the time limit, within [EPOCH_MIN_S, EPOCH_MAX_S].
EPOCH_SHARE = 0.15
EPOCH_MIN_S = 2.0
EPOCH_MAX_S = 60.0
#: Seconds a helper's answer may come after its deadline before the search goes on without it.
HELPER_GRACE_S = 1.0


def _empty(t0: float, stats: dict[str, float | int | str]) -> RoutingSolution:
    return RoutingSolution((), (), SolveStatus.EMPTY, 0, time.monotonic() - t0, ENGINE_NAME, stats)


def _routes_cost(problem: RoutingProblem, routes: list[VehicleRoute]) -> int:
    return sum(r.cost(problem) for r in routes)


def _penalty(problem: RoutingProblem, nodes: list[int] | tuple[int, ...]) -> int:
    return sum(max(0, int(problem.node_drop_penalty[n])) for n in nodes)


def improve_whole(
    problem: RoutingProblem,
    visits: IntArray,
    routes: list[VehicleRoute],
    end: float,
    iterations: int | None,
    seed: int,
) -> SearchResult:
    """LNS on the whole problem (a module-level function, so a helper process can run it)."""
    return improve(problem, visits, routes, end, iterations=iterations, seed=seed)


class _Pool:
    """This process plus the helper processes; a late or failed helper is stopped."""

    def __init__(self, num_workers: int):
        self.helpers = helper.helper_count(num_workers)
        self.note = "off"
        if self.helpers:
            helper.reserve(self.helpers)
            self.note = "ok"

    @property
    def processes(self) -> int:
        return 1 + (self.helpers if self.note == "ok" else 0)

    def collect(self, future: Future[object], end: float) -> object | None:
        try:
            return future.result(timeout=max(0.0, end - time.monotonic()) + HELPER_GRACE_S)
        except Exception as exc:  # late or failed: go on with what this process found
            self.note = "late" if isinstance(exc, TimeoutError) else f"failed: {exc}"[:200]
            helper.shutdown_helper()
            return None


def _search_small(
    problem: RoutingProblem,
    visits: IntArray,
    routes: list[VehicleRoute],
    end: float,
    iterations: int | None,
    params: SolveParams,
    pool: _Pool,
    stats: dict[str, float | int | str],
) -> list[VehicleRoute]:
    futures = [
        helper.submit(improve_whole, problem, visits, routes, end, iterations, params.seed + k)
        for k in range(1, pool.processes)
    ]
    results: list[SearchResult] = [
        improve(problem, visits, routes, end, iterations=iterations, seed=params.seed)
    ]
    for future in futures:
        other = pool.collect(future, end)  # type: ignore[arg-type]
        if isinstance(other, SearchResult):
            results.append(other)
    best = min(range(len(results)), key=lambda k: (results[k].cost, k))
    stats["iterations"] = sum(r.iterations for r in results)
    stats["improvements"] = sum(r.improvements for r in results)
    stats["best_search"] = best
    return results[best].routes


def _search_large(
    problem: RoutingProblem,
    visits: IntArray,
    routes: list[VehicleRoute],
    deadline: Deadline,
    end: float,
    iterations: int | None,
    params: SolveParams,
    pool: _Pool,
    stats: dict[str, float | int | str],
) -> list[VehicleRoute]:
    vehicles = usable_vehicles(problem)
    current = {r.vehicle: r for r in routes}
    epoch_s = min(EPOCH_MAX_S, max(EPOCH_MIN_S, EPOCH_SHARE * deadline.limit_s))
    epochs = 0
    while time.monotonic() < end - 0.05:
        if iterations is not None and epochs >= EPOCHS_WITH_LIMIT:
            break
        routed = {n for r in current.values() for n in r.customer_nodes()}
        unplaced = [int(n) for n in visits.tolist() if int(n) not in routed]
        parts = partition(
            problem,
            [current[v] for v in sorted(current)],
            unplaced,
            vehicles,
            PART_UNITS,
            rotation=epochs * 7,
        )
        epoch_end = end if iterations is not None else min(end, time.monotonic() + epoch_s)
        jobs: list[list[Part]] = [parts[k :: pool.processes] for k in range(pool.processes)]
        futures = [
            helper.submit(search_parts, problem, job, epoch_end, iterations, params.seed + 101 * k)
            for k, job in enumerate(jobs[1:], start=1)
            if job
        ]
        found = search_parts(problem, jobs[0], epoch_end, iterations, params.seed)
        answers: list[tuple[list[Part], list[list[VehicleRoute]]]] = [(jobs[0], found)]
        for k, future in enumerate(futures, start=1):
            other = pool.collect(future, epoch_end)  # type: ignore[arg-type]
            if isinstance(other, list):
                answers.append((jobs[k], other))
        for job, results in answers:
            for part, new_routes in zip(job, results, strict=True):
                before = _routes_cost(problem, list(part.routes)) + _penalty(
                    problem, [n for n in part.visits if n not in routed]
                )
                placed = {n for r in new_routes for n in r.customer_nodes()}
                after = _routes_cost(problem, new_routes) + _penalty(
                    problem, [n for n in part.visits if n not in placed]
                )
                if after <= before:
                    for v in part.vehicles:
                        current.pop(v, None)
                    current.update({r.vehicle: r for r in new_routes})
        epochs += 1
        stats["parts"] = len(parts)
    stats["epochs"] = epochs
    return [current[v] for v in sorted(current)]


def solve_lns(problem: RoutingProblem, params: SolveParams) -> RoutingSolution:
    """Solve ``problem`` within ``params.time_limit_s`` (see the module doc)."""
    deadline = Deadline(params.time_limit_s)
    t0 = deadline.started
    end = deadline.at - RETURN_MARGIN_S
    validate_pairs(problem)
    stats: dict[str, float | int | str] = {}
    if problem.visit_nodes().size == 0:
        return _empty(t0, stats)
    unservable = unservable_reasons(problem)
    reason = mandatory_unservable(problem, unservable)
    if reason is not None:
        stats["reason"] = reason
        dropped = tuple(int(n) for n in problem.visit_nodes())
        return RoutingSolution(
            (), dropped, SolveStatus.NO_SOLUTION, 0, time.monotonic() - t0, ENGINE_NAME, stats
        )
    visits = np.array(
        [n for n in problem.visit_nodes().tolist() if n not in unservable], dtype=np.int64
    )
    warm_up()
    stats["kernels_ready_s"] = round(time.monotonic() - t0, 3)
    construction_end = max(
        t0 + CONSTRUCTION_SHARE * params.time_limit_s, time.monotonic() + CONSTRUCTION_FLOOR_S
    )
    built = construct(problem, visits, construction_end)
    stats["construction"] = built.method
    stats["construction_s"] = round(time.monotonic() - t0, 3)
    stats["first_objective"] = _routes_cost(problem, built.routes) + _penalty(
        problem, [*built.unplaced_full, *built.unplaced_stopped, *unservable]
    )
    stats["unplaced_full"] = len(built.unplaced_full)
    stats["unplaced_stopped"] = len(built.unplaced_stopped)
    iterations = (
        None if params.solution_limit is None else params.solution_limit * ITERATIONS_PER_SOLUTION
    )
    routes = built.routes
    n_units = len(units_of(problem, visits))
    pool = _Pool(params.num_workers if n_units >= PARALLEL_MIN_UNITS else 1)
    whole = n_units <= 1.5 * PART_UNITS or problem.max_vehicles is not None
    if time.monotonic() < end:
        if whole:
            routes = _search_small(problem, visits, routes, end, iterations, params, pool, stats)
        else:
            routes = _search_large(
                problem, visits, routes, deadline, end, iterations, params, pool, stats
            )
    stats["stopped_by"] = (
        "solution_limit" if iterations is not None and time.monotonic() < end else "time_limit"
    )
    routes = reassign_routes(problem, routes, usable_vehicles(problem).tolist())
    stats["processes"] = pool.processes
    stats["helper"] = pool.note
    routes = sorted(routes, key=lambda r: r.vehicle)
    routed = {n for r in routes for n in r.customer_nodes()}
    dropped = tuple(int(n) for n in problem.visit_nodes() if int(n) not in routed)
    return RoutingSolution(
        routes=tuple(routes),
        dropped=dropped,
        status=SolveStatus.PARTIAL if dropped else SolveStatus.FEASIBLE,
        objective=_routes_cost(problem, routes) + _penalty(problem, dropped),
        wall_time_s=time.monotonic() - t0,
        engine=ENGINE_NAME,
        stats=stats,
    )


__all__ = [
    "ENGINE_NAME",
    "PART_UNITS",
    "improve_whole",
    "solve_lns",
]
