"""What can be served at all: usable vehicles, and visits no vehicle could serve alone.

Used by every engine before its search (unservable visits are set aside with their
:class:`~agrichain.routing.rules.Cause`) and by the checker's conventions: a vehicle
leaves its start node empty and may wait; see :mod:`agrichain.routing.check`.
"""

from __future__ import annotations

import numpy as np

from agrichain.routing.problem import MANDATORY, IntArray, RoutingProblem
from agrichain.routing.rules import Cause


def validate_pairs(problem: RoutingProblem) -> None:
    """ValueError when a node is in two pairs, pairs with itself, or is a vehicle start/end."""
    if not problem.pairs.size:
        return
    flat = problem.pairs.ravel()
    if np.unique(flat).size != flat.size:
        raise ValueError("a node appears in more than one pickup-delivery pair (or pairs itself)")
    if np.isin(flat, problem.depot_nodes()).any():
        raise ValueError("a vehicle start/end node appears in a pickup-delivery pair")


def usable_vehicles(problem: RoutingProblem) -> IntArray:
    """Vehicles whose shift and depot windows admit at least the empty trip start→end."""
    s = problem.vehicle_start_node
    e = problem.vehicle_end_node
    start_lo = np.maximum(problem.vehicle_tw_start, problem.node_tw_start[s])
    start_hi = np.minimum(problem.vehicle_tw_end, problem.node_tw_end[s])
    end_lo = np.maximum(problem.vehicle_tw_start, problem.node_tw_start[e])
    end_hi = np.minimum(problem.vehicle_tw_end, problem.node_tw_end[e])
    direct = (
        problem.node_service[s]
        + problem.duration[problem.node_location[s], problem.node_location[e]]
    )
    ok = (start_lo <= start_hi) & (end_lo <= end_hi) & (start_lo + direct <= end_hi)
    return np.flatnonzero(ok).astype(np.int64)


def unservable_reasons(problem: RoutingProblem) -> dict[int, Cause]:
    """Visit nodes that no single vehicle could serve even on a route of their own, with the cause.

    A node is servable if some usable vehicle may visit it, can carry its
    demand, and can drive start → node → end within the node's window and the
    vehicle's shift; a pickup-delivery pair additionally needs one vehicle that
    can do start → pickup → delivery → end within both windows and the pair's
    transit limit. Everything not listed here may still be unservable in
    combination with other visits; only a solver can tell.
    """
    visits = problem.visit_nodes()
    if visits.size == 0:
        return {}
    vehicles = usable_vehicles(problem)
    if vehicles.size == 0:
        return {int(n): Cause.NO_VEHICLE_ON_SHIFT for n in visits}
    n = problem.num_nodes
    loc = problem.node_location
    a, b, svc = problem.node_tw_start, problem.node_tw_end, problem.node_service
    s_node = problem.vehicle_start_node[vehicles]
    e_node = problem.vehicle_end_node[vehicles]
    depart = np.maximum(problem.vehicle_tw_start[vehicles], a[s_node])
    end_hi = np.minimum(problem.vehicle_tw_end[vehicles], b[e_node])
    end_col = end_hi[:, None]

    allowed = np.ones((vehicles.size, n), dtype=bool)
    if problem.node_allowed_vehicles:
        for node, ok in enumerate(problem.node_allowed_vehicles):
            if ok is not None:
                allowed[:, node] = np.isin(vehicles, np.fromiter(ok, dtype=np.int64, count=len(ok)))
    fits = allowed & (
        np.abs(problem.node_demand)[None, :] <= problem.vehicle_capacity[vehicles][:, None]
    )
    # Earliest service start at each node coming straight from the vehicle's start.
    arrival = (depart + svc[s_node])[:, None] + problem.duration[loc[s_node]][:, loc]
    start = np.maximum(arrival, a[None, :])
    back = start + svc[None, :] + problem.duration[loc][:, loc[e_node]].T
    timely = fits & (start <= b[None, :]) & (back <= end_col)

    reasons: dict[int, Cause] = {}
    for node in visits.tolist():
        if not allowed[:, node].any():
            reasons[node] = Cause.NOT_ALLOWED
        elif not fits[:, node].any():
            reasons[node] = Cause.OVER_CAPACITY
        elif not timely[:, node].any():
            reasons[node] = Cause.OUT_OF_WINDOW
    if problem.pairs.size:
        p, d = problem.pairs[:, 0], problem.pairs[:, 1]
        leg = svc[p] + problem.duration[loc[p], loc[d]]
        d_start = np.maximum(start[:, p] + leg[None, :], a[d][None, :])
        p_start = np.minimum(b[p][None, :], d_start - leg[None, :])  # wait at the pickup
        limit = problem.pair_max_transit
        short = (limit < 0)[None, :] | (d_start - p_start <= limit[None, :])
        d_back = d_start + svc[d][None, :] + problem.duration[loc[d]][:, loc[e_node]].T
        ok = timely[:, p] & timely[:, d] & (d_start <= b[d][None, :]) & short & (d_back <= end_col)
        direct_too_long = (limit >= 0) & (leg > limit)
        for k in np.flatnonzero(~ok.any(axis=0)).tolist():
            pk, dk = int(p[k]), int(d[k])
            why = reasons.get(pk) or reasons.get(dk)
            if why is None:
                why = Cause.TRANSIT_TOO_LONG if direct_too_long[k] else Cause.PAIR_TIMING
            for node in (pk, dk):
                reasons[node] = why
    return reasons


def mandatory_unservable(problem: RoutingProblem, unservable: dict[int, Cause]) -> str | None:
    """Why the first mandatory visit among ``unservable`` cannot be served, or None."""
    for node, cause in unservable.items():
        if problem.node_drop_penalty[node] == MANDATORY:
            return f"mandatory node {node} cannot be served: {cause}"
    return None


__all__ = ["mandatory_unservable", "unservable_reasons", "usable_vehicles", "validate_pairs"]
