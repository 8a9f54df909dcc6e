"""Portfolio routing engine: PyVRP searches, OR-Tools enforces and polishes.

Strategy (one call, one time limit):

1. PyVRP (iterated local search) solves the part of the problem it can express
   (see :func:`agrichain.routing.engines.pyvrp_problem.pyvrp_coverage`). When that is the
   whole problem it gets most of the time (:data:`EXACT_PYVRP_SHARE`), otherwise
   :data:`RELAXED_PYVRP_SHARE`.
2. Its routes are handed to OR-Tools as the initial assignment; OR-Tools enforces
   everything (maximum transit per pair, fleet bound, ...) and polishes with
   guided local search for the rest of the time. If OR-Tools rejects the routes
   it builds its own first solution.
3. Every candidate is checked with :func:`agrichain.routing.check.check_solution`;
   the best valid one (fewest violations, then lowest objective) is returned.

With ``SolveParams.num_workers >= 2`` a second process runs a hedge at the same
time: PyVRP with another seed when PyVRP expresses the whole problem, otherwise
OR-Tools from scratch. The process is started once and reused (its start-up,
about 0.3 s, counts against the first call's time limit).

Reproducibility: with ``solution_limit`` set, PyVRP runs
``solution_limit * ITERATIONS_PER_SOLUTION`` iterations and OR-Tools stops after
``solution_limit`` solutions; same seed and limits give the same routes as long
as the limits, not the clock, end the search.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace

import numpy as np

from agrichain.clock import RETURN_MARGIN_S
from agrichain.routing import helper
from agrichain.routing.check import check_solution
from agrichain.routing.engines.ortools_engine import solve_ortools
from agrichain.routing.engines.pyvrp_engine import assemble_solution, iteration_budget, solve_pyvrp
from agrichain.routing.engines.pyvrp_problem import pyvrp_coverage
from agrichain.routing.problem import (
    MANDATORY,
    RoutingProblem,
    RoutingSolution,
    SolveParams,
    SolveStatus,
)
from agrichain.routing.servable import unservable_reasons

ENGINE_NAME = "portfolio"
#: Share of the time limit PyVRP gets when it expresses the whole problem.
EXACT_PYVRP_SHARE = 0.85
#: Share of the time limit PyVRP gets when OR-Tools must enforce what it omits.
RELAXED_PYVRP_SHARE = 0.25
#: Seed offset of the second worker's PyVRP run.
HEDGE_SEED_OFFSET = 7919


@dataclass(frozen=True)
class _Job:
    kind: str
    """"pyvrp+ortools" (PyVRP, then OR-Tools from its routes) or "ortools"."""
    problem: RoutingProblem
    params: SolveParams
    deadline: float
    """Absolute ``time.monotonic()`` by which the job must have returned."""
    pyvrp_share: float


def _remaining(deadline: float) -> float:
    return deadline - time.monotonic()


def _penalty_cost(problem: RoutingProblem, solution: RoutingSolution) -> int:
    return sum(
        int(problem.node_drop_penalty[n])
        for n in solution.dropped
        if int(problem.node_drop_penalty[n]) != MANDATORY
    )


def _rank(problem: RoutingProblem, solution: RoutingSolution) -> tuple[int, int, int]:
    """Sort key: (broken, number of violations, objective); smaller is better."""
    violations = check_solution(problem, solution)
    broken = int(bool(violations) or solution.status is SolveStatus.NO_SOLUTION)
    objective = solution.cost(problem) + _penalty_cost(problem, solution)
    return broken, len(violations), objective


def _as_initial_routes(problem: RoutingProblem, solution: RoutingSolution) -> list[list[int]]:
    routes: list[list[int]] = [[] for _ in range(problem.num_vehicles)]
    for route in solution.routes:
        routes[route.vehicle] = route.customer_nodes()
    return routes


def _route_ok(
    problem: RoutingProblem, vehicle: int, customers: Sequence[int], closed: bool
) -> bool:
    """Earliest-start schedule of ``customers`` on ``vehicle`` meets every constraint.

    ``closed`` also requires the return to the end node. Transit limits are
    checked for pairs whose both nodes are in ``customers``; the earliest
    schedule is conservative for them (a later pickup could shorten a transit).
    """
    nodes = [int(problem.vehicle_start_node[vehicle]), *customers]
    if closed:
        nodes.append(int(problem.vehicle_end_node[vehicle]))
    cap = int(problem.vehicle_capacity[vehicle])
    t = max(int(problem.vehicle_tw_start[vehicle]), int(problem.node_tw_start[nodes[0]]))
    if t > problem.node_tw_end[nodes[0]]:
        return False
    load = 0
    start_at: dict[int, int] = {nodes[0]: t}
    for prev, node in itertools.pairwise(nodes):
        arrival = t + int(problem.node_service[prev]) + problem.node_duration(prev, node)
        t = max(arrival, int(problem.node_tw_start[node]))
        if t > problem.node_tw_end[node]:
            return False
        load += int(problem.node_demand[node])
        if not 0 <= load <= cap or not problem.allowed(node, vehicle):
            return False
        start_at[node] = t
    if closed and t > problem.vehicle_tw_end[vehicle]:
        return False
    for (p, d), limit in zip(
        problem.pairs.tolist(), problem.pair_max_transit.tolist(), strict=True
    ):
        if p in start_at and d in start_at and limit >= 0 and start_at[d] - start_at[p] > limit:
            return False
    return True


def repair_routes(problem: RoutingProblem, solution: RoutingSolution) -> list[list[int]]:
    """Per vehicle, the longest-prefix-greedy feasible sub-sequence of its route.

    Visits whose insertion would break a constraint are left out (a pair as a
    whole); the result is a feasible partial solution for an engine that can
    re-insert dropped visits.
    """
    partner: dict[int, int] = {}
    for p, d in problem.pairs.tolist():
        partner[p], partner[d] = d, p
    deliveries = {int(d) for d in problem.pairs[:, 1]} if problem.pairs.size else set()
    out: list[list[int]] = [[] for _ in range(problem.num_vehicles)]
    for route in solution.routes:
        v = route.vehicle
        kept: list[int] = []
        for node in route.customer_nodes():
            if node in deliveries and partner[node] not in kept:
                continue
            if _route_ok(problem, v, [*kept, node], closed=False):
                kept.append(node)
        # Pickups whose delivery was left out go too; then trim until the route closes.
        kept_set = set(kept)
        kept = [n for n in kept if n not in partner or partner[n] in kept_set]
        while kept and not _route_ok(problem, v, kept, closed=True):
            last = kept.pop()
            if last in partner and partner[last] in kept:
                kept.remove(partner[last])
        out[v] = kept
    return out


def soft_problem(problem: RoutingProblem) -> RoutingProblem:
    """``problem`` with every mandatory visit made optional at a prohibitive drop penalty."""
    pen = problem.node_drop_penalty
    mandatory = pen == MANDATORY
    if not mandatory.any():
        return problem
    max_arc = float(problem.distance.max()) * float(problem.vehicle_distance_cost.max())
    big = int(10 * (4 * max_arc + float(problem.vehicle_fixed_cost.max()) + 1)) + 1
    big = max(big, 10 * int(pen.max()) + 1)
    return replace(problem, node_drop_penalty=np.where(mandatory, big, pen))


def _as_original(problem: RoutingProblem, solution: RoutingSolution) -> RoutingSolution:
    """A solution of :func:`soft_problem` re-stated for the original problem."""
    routes = [(r.vehicle, r.customer_nodes()) for r in solution.routes]
    base = assemble_solution(problem, routes, solution.wall_time_s, solution.engine, solution.stats)
    # Keep the engine's own schedule (it may delay pickups to meet transit limits).
    return replace(base, routes=solution.routes)


def _solve_ortools_soft(problem: RoutingProblem, params: SolveParams) -> RoutingSolution:
    """OR-Tools from scratch on :func:`soft_problem` (a first solution always exists)."""
    return _as_original(problem, solve_ortools(soft_problem(problem), params))


def _ortools_for(params: SolveParams, seconds: float) -> SolveParams:
    return replace(params, time_limit_s=max(0.01, seconds), engine="ortools", num_workers=1)


def _run_job(job: _Job) -> list[tuple[str, RoutingSolution]]:
    """Run one portfolio branch; returns the labelled candidates it produced."""
    problem, params = job.problem, job.params
    if job.kind == "ortools":
        budget = _remaining(job.deadline)
        return [("ortools", _solve_ortools_soft(problem, _ortools_for(params, budget)))]
    out: list[tuple[str, RoutingSolution]] = []
    budget = _remaining(job.deadline)
    pyvrp_s = budget * job.pyvrp_share
    first = solve_pyvrp(problem, replace(params, time_limit_s=max(0.01, pyvrp_s)))
    out.append(("pyvrp", first))
    rest = _remaining(job.deadline)
    if rest <= 0.05 or job.pyvrp_share >= 1.0:
        return out
    if not check_solution(problem, first):
        initial = _as_initial_routes(problem, first)
        polished = solve_ortools(problem, _ortools_for(params, rest), initial_routes=initial)
    else:
        # PyVRP broke a constraint it cannot see: keep the feasible part of its
        # routes and let OR-Tools re-insert the rest (mandatory visits made
        # optional at a prohibitive penalty, so a partial start is accepted).
        soft = soft_problem(problem)
        initial = repair_routes(problem, first)
        ort = _ortools_for(params, rest)
        if ort.solution_limit is not None:
            # Each re-insertion is one more improving solution for OR-Tools.
            left_out = problem.visit_nodes().size - sum(len(r) for r in initial)
            ort = replace(ort, solution_limit=ort.solution_limit + int(left_out))
        polished = _as_original(problem, solve_ortools(soft, ort, initial_routes=initial))
    out.append(("pyvrp+ortools", polished))
    rest = _remaining(job.deadline)
    if check_solution(problem, polished) and rest > 0.05:
        out.append(("ortools", _solve_ortools_soft(problem, _ortools_for(params, rest))))
    return out


def _relabel(
    solution: RoutingSolution, t0: float, stats: dict[str, float | int | str]
) -> RoutingSolution:
    return replace(
        solution,
        wall_time_s=time.monotonic() - t0,
        engine=ENGINE_NAME,
        stats={**solution.stats, **stats},
    )


def solve_portfolio(problem: RoutingProblem, params: SolveParams) -> RoutingSolution:
    """Solve ``problem`` with PyVRP then OR-Tools within ``params.time_limit_s`` in total.

    Returns the best candidate that passes :func:`check_solution`; if none does,
    a :attr:`SolveStatus.NO_SOLUTION` result without routes whose
    ``stats["reason"]`` says why.
    """
    t0 = time.monotonic()
    deadline = t0 + max(0.05, params.time_limit_s - RETURN_MARGIN_S)
    visits = problem.visit_nodes()
    if not visits.size:
        return RoutingSolution((), (), SolveStatus.EMPTY, 0, time.monotonic() - t0, ENGINE_NAME)
    mandatory = problem.node_drop_penalty == MANDATORY
    if any(mandatory[n] for n in unservable_reasons(problem)):
        # Provably no solution: OR-Tools' engine reports which visit and why, at once.
        sol = solve_ortools(problem, _ortools_for(params, _remaining(deadline)))
        return _relabel(sol, t0, {"winner": "ortools"})
    omitted = pyvrp_coverage(problem)
    exact = not omitted
    share = EXACT_PYVRP_SHARE if exact else RELAXED_PYVRP_SHARE

    hedge: Future[list[tuple[str, RoutingSolution]]] | None = None
    hedge_note = "off"
    if helper.helper_available(params.num_workers):
        if exact:
            hedge_params = replace(params, seed=params.seed + HEDGE_SEED_OFFSET)
            job = _Job("pyvrp+ortools", problem, hedge_params, deadline, 1.0)
        else:
            job = _Job("ortools", problem, params, deadline, 0.0)
        hedge = helper.submit(_run_job, job)

    candidates = _run_job(_Job("pyvrp+ortools", problem, params, deadline, share))
    if hedge is not None:
        try:
            # The hedge stops at the same deadline; never wait much past it.
            wait_s = max(0.0, _remaining(deadline)) + 0.5 * RETURN_MARGIN_S
            candidates += [(f"hedge:{label}", sol) for label, sol in hedge.result(wait_s)]
            hedge_note = "ok"
        except TimeoutError:  # late (e.g. slow process start): skip it this time
            hedge_note = "late"
        except Exception as exc:  # a failed hedge only loses a candidate
            hedge_note = f"failed: {type(exc).__name__}: {exc}"[:200]
            helper.shutdown_helper()

    ranked = sorted(
        ((_rank(problem, sol), k, label, sol) for k, (label, sol) in enumerate(candidates)),
        key=lambda item: (item[0], item[1]),
    )
    (broken, _, objective), _, label, best = ranked[0]
    stats: dict[str, float | int | str] = {
        "winner": label,
        "omitted_by_pyvrp": ",".join(omitted),
        "hedge": hedge_note,
        "processes": 1 if hedge is None else 2,
    }
    for rank, _, cand_label, _sol in ranked:
        stats[f"{cand_label}_objective"] = rank[2] if not rank[0] else -1
    if params.solution_limit is not None:
        stats["pyvrp_iteration_budget"] = int(iteration_budget(params) or 0)
    if broken:
        reasons = [str(sol.stats["reason"]) for _, sol in candidates if "reason" in sol.stats]
        violations = check_solution(problem, best)
        stats["reason"] = reasons[0] if reasons else "; ".join(violations[:3])
        return RoutingSolution(
            routes=(),
            dropped=tuple(int(n) for n in visits),
            status=SolveStatus.NO_SOLUTION,
            objective=0,
            wall_time_s=time.monotonic() - t0,
            engine=ENGINE_NAME,
            stats=stats,
        )
    return replace(
        _relabel(best, t0, stats),
        objective=objective,
    )
