"""Why each dropped visit of a solution is not served: one cause each (see ``Cause``)."""

from __future__ import annotations

import math

import numpy as np

from agrichain.routing.lns.insertion import Inserter, unit_nodes, units_of
from agrichain.routing.problem import MANDATORY, RoutingProblem, RoutingSolution
from agrichain.routing.rules import Cause
from agrichain.routing.servable import unservable_reasons


def unserved_causes(problem: RoutingProblem, solution: RoutingSolution) -> dict[int, Cause]:
    """The cause of every dropped visit node of ``solution`` (a feasible solution).

    Visits no vehicle could serve even alone get their own cause. For the others
    the final routes are asked, exactly: if the visit (with its pair partner)
    still fits somewhere — on a route or a free vehicle — the search stopped
    before placing it (or, when its drop penalty is below the cheapest insertion,
    leaving it was cheaper); otherwise the vehicles that may carry it are full.
    """
    causes: dict[int, Cause] = {}
    alone = unservable_reasons(problem)
    rest: list[int] = []
    for node in solution.dropped:
        if node in alone:
            causes[node] = alone[node]
        else:
            rest.append(node)
    if not rest:
        return causes
    inserter = Inserter(problem, math.inf)
    try:
        inserter.routes.load(solution.routes)
    except ValueError:  # a route the kernels cannot take over: no exact answer
        loaded = False
    else:
        loaded = True
    restricted = bool(problem.node_allowed_vehicles)
    for unit in units_of(problem, np.asarray(rest, dtype=np.int64)):
        nodes = unit_nodes(unit)
        limited = restricted and problem.node_allowed_vehicles[unit[0]] is not None
        cause = Cause.RESTRICTED_FLEET_FULL if limited else Cause.FLEET_FULL
        if loaded:
            options = inserter.options(unit, inserter.candidates())
            if options:
                penalty = problem.node_drop_penalty[nodes]
                mandatory = bool(np.any(penalty == MANDATORY))
                worth = mandatory or options[0][0] <= int(penalty.sum())
                cause = Cause.SEARCH_STOPPED if worth else Cause.UNPROFITABLE
        for node in nodes:
            causes[node] = cause
    return causes


__all__ = ["unserved_causes"]
