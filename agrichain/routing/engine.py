"""Engine dispatch: :func:`solve` runs the engine named in :class:`SolveParams`."""

from __future__ import annotations

from collections.abc import Callable

from agrichain.routing import helper
from agrichain.routing.finalize import finalize
from agrichain.routing.problem import RoutingProblem, RoutingSolution, SolveParams

Engine = Callable[[RoutingProblem, SolveParams], RoutingSolution]

#: Parameters used when :func:`solve` is given none.
DEFAULT_PARAMS = SolveParams()


def _ortools(problem: RoutingProblem, params: SolveParams) -> RoutingSolution:
    # Imported on first use so that importing agrichain.routing stays cheap.
    from agrichain.routing.ortools_engine import solve_ortools

    return solve_ortools(problem, params)


def _pyvrp(problem: RoutingProblem, params: SolveParams) -> RoutingSolution:
    from agrichain.routing.pyvrp_engine import solve_pyvrp

    return solve_pyvrp(problem, params)


def _portfolio(problem: RoutingProblem, params: SolveParams) -> RoutingSolution:
    from agrichain.routing.portfolio import solve_portfolio

    return solve_portfolio(problem, params)


def _decomposition(problem: RoutingProblem, params: SolveParams) -> RoutingSolution:
    from agrichain.routing.decomposition import solve_decomposition

    return solve_decomposition(problem, params)


def _auto(problem: RoutingProblem, params: SolveParams) -> RoutingSolution:
    """The best engine for the problem's shape, as measured by ``agrichain bench``.

    Where PyVRP can express the whole problem (capacities, windows, depots, pairs
    without a transit limit) the PyVRP → OR-Tools portfolio wins (Solomon, CVRPLIB X);
    with maximum transit times (agrichain's collection problems) PyVRP's routes break
    too many limits; there route-based decomposition around OR-Tools is used
    (cheaper than plain OR-Tools GLS on every county case; benchmarks/README.md).
    """
    from agrichain.routing.pyvrp_engine import pyvrp_coverage

    if pyvrp_coverage(problem):
        return _decomposition(problem, params)
    return _portfolio(problem, params)


#: Engine name -> callable. "auto" picks by problem shape (see ``_auto``).
ENGINES: dict[str, Engine] = {
    "auto": _auto,
    "decomposition": _decomposition,
    "ortools": _ortools,
    "pyvrp": _pyvrp,
    "portfolio": _portfolio,
}


def register_engine(name: str, engine: Engine) -> None:
    """Make ``engine`` selectable as ``SolveParams(engine=name)`` (replaces an existing name)."""
    ENGINES[name] = engine


def solve(problem: RoutingProblem, params: SolveParams = DEFAULT_PARAMS) -> RoutingSolution:
    """Solve ``problem`` with engine ``params.engine``; ValueError for an unknown name.

    Whatever the engine returns passes :func:`~agrichain.routing.finalize.finalize`:
    the result never breaks a hard constraint.
    """
    try:
        engine = ENGINES[params.engine]
    except KeyError:
        known = ", ".join(sorted(ENGINES))
        raise ValueError(f"unknown routing engine {params.engine!r} (known: {known})") from None
    try:
        found = engine(problem, params)
    finally:
        helper.shutdown_helper(wait=True)  # no helper process outlives the call
    return finalize(problem, found)
