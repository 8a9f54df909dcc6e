"""Vehicle routing: the solver-neutral problem/solution contract, engines and a checker.

The modules here are the core every engine shares (problem, rules, checker, causes,
the gate, the engine registry, helper processes, the collection mapping). The default
design lives in :mod:`agrichain.routing.lns`, the other engines in
:mod:`agrichain.routing.engines` and the benchmark instance formats in
:mod:`agrichain.routing.sets`. Those import the core; the core imports them only in
:mod:`~agrichain.routing.engine` (the registry, on first use) and, for the exact
kernels of the default design, in :mod:`~agrichain.routing.finalize` and
:mod:`~agrichain.routing.causes`.

Importing this package does not import OR-Tools; the engine is loaded on the
first :func:`solve`. Scenario translation lives in :mod:`agrichain.routing.collection`
and benchmark readers in :mod:`agrichain.routing.sets.vrplib` (import them directly).
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
