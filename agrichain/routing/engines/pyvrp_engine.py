"""PyVRP (iterated local search) as a routing engine for :class:`RoutingProblem`.

The problem is translated by :mod:`agrichain.routing.engines.pyvrp_problem`; what PyVRP
cannot express (:func:`~agrichain.routing.engines.pyvrp_problem.pyvrp_coverage`) is not
enforced, and callers must check the result (see :mod:`agrichain.routing.engines.portfolio`).

Reproducibility: PyVRP is deterministic for a given seed and iteration count.
``SolveParams.solution_limit`` is mapped to ``solution_limit *``
:data:`ITERATIONS_PER_SOLUTION` ILS iterations; the wall-clock limit applies as
well (whichever comes first), measured from the call, translation included.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace

from pyvrp import SolveParams as PyVRPSolveParams
from pyvrp import solve as pyvrp_solve
from pyvrp.stop import MaxIterations, MultipleCriteria, StoppingCriterion

from agrichain.routing.check import check_solution
from agrichain.routing.engines.pyvrp_problem import (
    build_pyvrp_problem,
    decode_solution,
    encode_routes,
)
from agrichain.routing.problem import (
    MANDATORY,
    RoutingProblem,
    RoutingSolution,
    SolveParams,
    SolveStatus,
    VehicleRoute,
    schedule_route,
)

ENGINE_NAME = "pyvrp"
#: ILS iterations granted per unit of ``SolveParams.solution_limit``.
ITERATIONS_PER_SOLUTION = 200
#: Seconds kept back from the time limit for result conversion.
TIME_MARGIN_S = 0.05


def assemble_solution(
    problem: RoutingProblem,
    routes: Sequence[tuple[int, Sequence[int]]],
    wall_time_s: float,
    engine: str,
    stats: dict[str, float | int | str] | None = None,
    violated: bool = False,
) -> RoutingSolution:
    """A :class:`RoutingSolution` from (vehicle, customer nodes) routes; unrouted visits dropped.

    ``violated`` marks routes known to break a constraint: the status is then
    :attr:`SolveStatus.NO_SOLUTION` (the routes are kept, e.g. as a warm start).
    """
    out: list[VehicleRoute] = []
    routed: set[int] = set()
    for vehicle, customers in routes:
        if not customers:
            continue
        nodes = [
            int(problem.vehicle_start_node[vehicle]),
            *(int(c) for c in customers),
            int(problem.vehicle_end_node[vehicle]),
        ]
        out.append(schedule_route(problem, vehicle, nodes))
        routed.update(int(c) for c in customers)
    out.sort(key=lambda r: r.vehicle)
    dropped = tuple(int(i) for i in problem.visit_nodes() if int(i) not in routed)
    penalties = 0
    mandatory_dropped = False
    for i in dropped:
        pen = int(problem.node_drop_penalty[i])
        if pen == MANDATORY:
            mandatory_dropped = True
        else:
            penalties += pen
    if not problem.visit_nodes().size:
        status = SolveStatus.EMPTY
    elif mandatory_dropped or violated:
        status = SolveStatus.NO_SOLUTION
    elif dropped:
        status = SolveStatus.PARTIAL
    else:
        status = SolveStatus.FEASIBLE
    solution = RoutingSolution(
        routes=tuple(out),
        dropped=dropped,
        status=status,
        objective=0,
        wall_time_s=wall_time_s,
        engine=engine,
        stats=dict(stats or {}),
    )
    objective = solution.cost(problem) + penalties
    return RoutingSolution(
        routes=solution.routes,
        dropped=solution.dropped,
        status=status,
        objective=objective,
        wall_time_s=wall_time_s,
        engine=engine,
        stats=solution.stats,
    )


class _Deadline(StoppingCriterion):
    """Stops once ``time.monotonic()`` passes an absolute deadline."""

    def __init__(self, deadline: float) -> None:
        self._deadline = deadline

    def __call__(self, best_cost: float) -> bool:
        return time.monotonic() >= self._deadline


def iteration_budget(params: SolveParams) -> int | None:
    """ILS iterations for ``params`` (None: only the clock stops the search)."""
    if params.solution_limit is None:
        return None
    return max(1, int(params.solution_limit)) * ITERATIONS_PER_SOLUTION


def solve_pyvrp(
    problem: RoutingProblem,
    params: SolveParams,
    initial_routes: Sequence[tuple[int, Sequence[int]]] | None = None,
    *,
    max_iterations: int | None = None,
) -> RoutingSolution:
    """Solve ``problem`` with PyVRP within ``params.time_limit_s`` (total wall time).

    Constraints PyVRP cannot express (see :func:`pyvrp_coverage`) are not
    enforced; ``stats["omitted"]`` lists them and a result that breaks one gets
    status :attr:`SolveStatus.NO_SOLUTION` (its routes are kept). So does a
    result PyVRP itself deems infeasible. ``initial_routes`` ((vehicle, visit
    nodes) pairs) warm-start the search; ``max_iterations`` overrides the
    iteration budget derived from ``params.solution_limit``.
    """
    t0 = time.monotonic()
    deadline = t0 + max(0.0, params.time_limit_s - TIME_MARGIN_S)
    if not problem.visit_nodes().size:
        return assemble_solution(problem, [], time.monotonic() - t0, ENGINE_NAME)
    pyvrp = build_pyvrp_problem(problem)
    criteria: list[StoppingCriterion] = [_Deadline(deadline)]
    iters = max_iterations if max_iterations is not None else iteration_budget(params)
    if iters is not None:
        criteria.append(MaxIterations(iters))
    init = encode_routes(pyvrp, initial_routes) if initial_routes else None
    result = pyvrp_solve(
        pyvrp.data,
        MultipleCriteria(criteria),
        seed=int(params.seed),
        collect_stats=False,
        display=False,
        params=PyVRPSolveParams(),
        initial_solution=init,
    )
    best = result.best
    routes = decode_solution(pyvrp, best)
    stats: dict[str, float | int | str] = {
        "pyvrp_iterations": int(result.num_iterations),
        "pyvrp_feasible": int(best.is_feasible()),
        "pyvrp_cost": int(best.distance_cost() + best.fixed_vehicle_cost()),
        "omitted": ",".join(pyvrp.omitted),
    }
    solution = assemble_solution(
        problem,
        routes,
        time.monotonic() - t0,
        ENGINE_NAME,
        stats,
        violated=not best.is_feasible(),
    )
    if pyvrp.omitted and solution.status is not SolveStatus.NO_SOLUTION:
        # Feasible for PyVRP, but PyVRP did not see every constraint: check them all.
        violations = check_solution(problem, solution)
        if violations:
            stats["violations"] = len(violations)
            solution = replace(solution, status=SolveStatus.NO_SOLUTION, stats=stats)
    return solution


__all__ = [
    "ENGINE_NAME",
    "ITERATIONS_PER_SOLUTION",
    "assemble_solution",
    "iteration_budget",
    "solve_pyvrp",
]
