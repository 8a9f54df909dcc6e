"""Plain PyVRP at default parameters and a wall-clock limit: the benchmarks' reference."""

from __future__ import annotations

import time

from pyvrp import solve as pyvrp_solve
from pyvrp.stop import MaxRuntime

from agrichain.routing.engines.pyvrp_engine import assemble_solution
from agrichain.routing.engines.pyvrp_problem import build_pyvrp_problem, decode_solution
from agrichain.routing.problem import RoutingProblem, RoutingSolution


def run_pyvrp_reference(problem: RoutingProblem, time_limit_s: float, seed: int) -> RoutingSolution:
    """Plain PyVRP (default parameters, ``MaxRuntime(time_limit_s)``) on ``problem``."""
    t0 = time.perf_counter()
    pyvrp = build_pyvrp_problem(problem)
    result = pyvrp_solve(
        pyvrp.data, MaxRuntime(time_limit_s), seed=seed, collect_stats=False, display=False
    )
    routes = decode_solution(pyvrp, result.best)
    return assemble_solution(
        problem,
        routes,
        time.perf_counter() - t0,
        "pyvrp-reference",
        {"pyvrp_iterations": int(result.num_iterations)},
        violated=not result.best.is_feasible(),
    )


__all__ = ["run_pyvrp_reference"]
