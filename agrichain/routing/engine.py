"""Engine dispatch: :func:`solve` runs the engine named in :class:`SolveParams`."""

from __future__ import annotations

from collections.abc import Callable

from agrichain.clock import raise_if_stopped
from agrichain.routing import helper
from agrichain.routing.finalize import finalize
from agrichain.routing.problem import RoutingProblem, RoutingSolution, SolveParams

Engine = Callable[[RoutingProblem, SolveParams], RoutingSolution]

#: Parameters used when :func:`solve` is given none.
DEFAULT_PARAMS = SolveParams()


def _ortools(problem: RoutingProblem, params: SolveParams) -> RoutingSolution:
    # Imported on first use so that importing agrichain.routing stays cheap.
    from agrichain.routing.engines.ortools_engine import solve_ortools

    return solve_ortools(problem, params)


def _pyvrp(problem: RoutingProblem, params: SolveParams) -> RoutingSolution:
    from agrichain.routing.engines.pyvrp_engine import solve_pyvrp

    return solve_pyvrp(problem, params)


def _portfolio(problem: RoutingProblem, params: SolveParams) -> RoutingSolution:
    from agrichain.routing.engines.portfolio import solve_portfolio

    return solve_portfolio(problem, params)


def _lns(problem: RoutingProblem, params: SolveParams) -> RoutingSolution:
    from agrichain.routing.lns.engine import solve_lns

    return solve_lns(problem, params)


def _auto(problem: RoutingProblem, params: SolveParams) -> RoutingSolution:
    """The default design: one engine per problem shape, as measured by ``agrichain bench``.

    Where PyVRP can express the whole problem (capacities, windows, depots, pairs
    without a transit limit) the PyVRP → OR-Tools portfolio wins (Solomon, CVRPLIB X,
    Li & Lim); with maximum transit times or deliveries at the first visit
    (agrichain's collection problems, dial-a-ride) insertion + LNS on parts is used
    (:mod:`agrichain.routing.lns.engine`; benchmarks/README.md).
    """
    from agrichain.routing.engines.pyvrp_problem import pyvrp_coverage

    if pyvrp_coverage(problem):
        return _lns(problem, params)
    return _portfolio(problem, params)


#: Engine name -> callable. "auto" is the default design (see ``_auto``); "lns" and
#: "portfolio" are its two stages; "ortools" and "pyvrp" are the plain references.
ENGINES: dict[str, Engine] = {
    "auto": _auto,
    "lns": _lns,
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
        raise_if_stopped()  # a stop signal that a native search (OR-Tools) dropped
    except BaseException:  # an interrupt (KeyboardInterrupt) or a failure
        helper.stop_helper()  # at once: no helper's answer is wanted any more
        raise
    helper.shutdown_helper(wait=True)  # no helper process outlives the call
    return finalize(problem, found)
