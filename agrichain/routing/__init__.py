"""Vehicle routing: the solver-neutral problem/solution contract, engines and a checker.

Importing this package does not import OR-Tools; the engine is loaded on the
first :func:`solve`. Scenario translation lives in :mod:`agrichain.routing.collection`
and benchmark readers in :mod:`agrichain.routing.vrplib` (import them directly).
"""

from agrichain.routing.check import check_solution, recompute_distance
from agrichain.routing.engine import ENGINES, register_engine, solve
from agrichain.routing.problem import (
    MANDATORY,
    NO_LIMIT,
    RoutingProblem,
    RoutingSolution,
    SolveParams,
    SolveStatus,
    VehicleRoute,
    Visit,
)
from agrichain.routing.rules import Cause, Rule, Violation

__all__ = [
    "ENGINES",
    "MANDATORY",
    "NO_LIMIT",
    "Cause",
    "RoutingProblem",
    "RoutingSolution",
    "Rule",
    "SolveParams",
    "SolveStatus",
    "VehicleRoute",
    "Violation",
    "Visit",
    "check_solution",
    "recompute_distance",
    "register_engine",
    "solve",
]
