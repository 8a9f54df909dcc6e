"""The gate every engine's result passes: repaired where needed, then verified.

No engine may hand back routes that break a hard constraint.
:func:`finalize` checks a solution with the independent checker; where a route
breaks a rule it is repaired: a delivery carried past its place
(:attr:`~agrichain.routing.problem.RoutingProblem.deliver_at_first_visit`) is
moved to the first stop there, and a route that still breaks a rule loses pairs,
last first, until it is feasible (those pairs are dropped). The result is
checked again and its status, dropped list and objective recomputed.
"""

from __future__ import annotations

from dataclasses import replace

from agrichain.routing.check import check_solution
from agrichain.routing.lns.reassign import schedule
from agrichain.routing.problem import (
    MANDATORY,
    RoutingProblem,
    RoutingSolution,
    SolveStatus,
    VehicleRoute,
)


def _deliver_early(problem: RoutingProblem, nodes: list[int]) -> list[int]:
    """``nodes`` with each delivery moved into the first stop at its place after its pickup."""
    loc = problem.node_location
    out = list(nodes)
    for p, d in problem.pairs.tolist():
        if p not in out or d not in out:
            continue
        a, b = out.index(p), out.index(d)
        place = loc[d]
        k = a + 1
        while k < b and loc[out[k]] != place:
            k += 1
        if k >= b:
            continue
        while k + 1 < b and loc[out[k + 1]] == place:
            k += 1
        if k + 1 < b:
            out.pop(b)
            out.insert(k + 1, d)
    return out


def _feasible_subset(problem: RoutingProblem, vehicle: int, nodes: list[int]) -> list[int]:
    """``nodes`` without halves of pairs, then pairs removed last first until feasible."""
    partner: dict[int, int] = {}
    for p, d in problem.pairs.tolist():
        partner[int(p)], partner[int(d)] = int(d), int(p)
    present = set(nodes)
    kept = [n for n in nodes if n not in partner or partner[n] in present]
    while kept and schedule(problem, vehicle, kept) is None:  # every rule, first visit too
        last = kept.pop()
        other = partner.get(last)
        if other is not None and other in kept:
            kept.remove(other)
    return kept


def finalize(problem: RoutingProblem, solution: RoutingSolution) -> RoutingSolution:
    """``solution`` if it is feasible, else its repaired, feasible version (see module doc)."""
    if solution.status in (SolveStatus.NO_SOLUTION, SolveStatus.EMPTY):
        return solution
    if not check_solution(problem, solution):
        return solution
    routes: list[VehicleRoute] = []
    removed = 0
    for route in solution.routes:
        nodes = route.customer_nodes()
        if problem.deliver_at_first_visit:
            nodes = _deliver_early(problem, nodes)
        kept = _feasible_subset(problem, route.vehicle, nodes)
        removed += len(nodes) - len(kept)
        visits = schedule(problem, route.vehicle, kept) if kept else None
        if visits is not None:
            routes.append(VehicleRoute(route.vehicle, visits))
    routed = {n for r in routes for n in r.customer_nodes()}
    dropped = tuple(int(n) for n in problem.visit_nodes() if int(n) not in routed)
    if any(problem.node_drop_penalty[n] == MANDATORY for n in dropped):
        status = SolveStatus.NO_SOLUTION
    else:
        status = SolveStatus.PARTIAL if dropped else SolveStatus.FEASIBLE
    penalty = sum(max(0, int(problem.node_drop_penalty[n])) for n in dropped)
    repaired = replace(
        solution,
        routes=tuple(routes),
        dropped=dropped,
        status=status,
        objective=sum(r.cost(problem) for r in routes) + penalty,
        stats={**solution.stats, "repaired_visits_dropped": removed},
    )
    left = check_solution(problem, repaired)
    if left:  # pragma: no cover - the repair only keeps schedules the checker accepts
        raise AssertionError(f"repaired solution still infeasible: {left[:3]}")
    return repaired


__all__ = ["finalize"]
