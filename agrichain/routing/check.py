"""Independent feasibility check of a :class:`RoutingSolution` (no solver involved).

Conventions (the same as every engine's): a vehicle leaves its start node
empty and ``load_after`` is the running sum of ``node_demand``; a vehicle
reaches node j at ``start[i] + node_service[i] + duration[i, j]`` and may wait,
so ``start[j] >= max(arrival[j], node_tw_start[j])``; the first visit of a
route is its start node, where ``arrival == start``.
"""

from __future__ import annotations

import enum
import itertools

import numpy as np

from agrichain.routing.problem import (
    MANDATORY,
    IntArray,
    RoutingProblem,
    RoutingSolution,
    SolveStatus,
    VehicleRoute,
)


class Cause(enum.StrEnum):
    """Why a visit is not served: the closed set of causes, worded generically.

    The first six hold for the visit on its own (no vehicle could serve it even on
    an otherwise empty route); the last four depend on the rest of the plan.
    :mod:`agrichain.routing.collection` words each in the domain's terms.
    """

    NO_VEHICLE_ON_SHIFT = "no vehicle can work within its shift"
    NOT_ALLOWED = "no usable vehicle is allowed to visit it"
    OVER_CAPACITY = "its load exceeds the capacity of every allowed vehicle"
    OUT_OF_WINDOW = "no allowed vehicle can reach it within its time window and its shift"
    TRANSIT_TOO_LONG = "even the direct trip from pickup to delivery exceeds its transit limit"
    PAIR_TIMING = (
        "no single vehicle can do pickup then delivery within the windows and the transit limit"
    )
    FLEET_FULL = "every vehicle is full or out of time (capacity and shifts used by others)"
    RESTRICTED_FLEET_FULL = "every vehicle allowed to carry it is full or out of time"
    UNPROFITABLE = "serving it would cost more than leaving it (its drop penalty)"
    SEARCH_STOPPED = "it fits in the plan, but the search stopped before placing it"

    @property
    def code(self) -> str:
        """Short stable identifier, e.g. ``fleet_full``."""
        return self.name.lower()

    @property
    def alone(self) -> bool:
        """True when the visit cannot be served even on a route of its own."""
        return self not in (
            Cause.FLEET_FULL,
            Cause.RESTRICTED_FLEET_FULL,
            Cause.UNPROFITABLE,
            Cause.SEARCH_STOPPED,
        )


class Rule(enum.StrEnum):
    """The hard rules a routing solution can break: the closed set of violation codes."""

    ROUTE_ENDS = "route_ends"
    """A route does not start and end at its vehicle's nodes, or a vehicle has two."""
    UNKNOWN = "unknown"
    """A node or vehicle that does not exist."""
    DEPOT_VISIT = "depot_visit"
    """A start/end node visited in the middle of a route."""
    NOT_ALLOWED = "not_allowed"
    """A vehicle at a node it may not visit (cold chain)."""
    REPORT = "report"
    """Reported arrival, load or distance disagree with the recomputed ones."""
    WINDOW = "window"
    """Service outside the node's time window (or before the vehicle can arrive)."""
    CAPACITY = "capacity"
    """Load outside [0, capacity]."""
    SHIFT = "shift"
    """Departure before the shift starts or return after it ends."""
    COVERAGE = "coverage"
    """A visit served twice, neither served nor dropped, or a mandatory visit dropped."""
    PAIRING = "pairing"
    """A pickup and its delivery on different vehicles, alone, or in the wrong order."""
    TRANSIT = "transit"
    """A delivery later after its pickup than the pair's transit limit."""
    FIRST_VISIT = "first_visit"
    """A vehicle leaves a delivery's place still carrying the cargo for it."""
    FLEET_SIZE = "fleet_size"
    """More vehicles used than the problem allows."""
    STATUS = "status"
    """The solution's status contradicts its routes."""


class Violation(str):
    """A broken rule: a readable sentence (the string itself) and its :class:`Rule`."""

    rule: Rule

    def __new__(cls, rule: Rule, text: str) -> Violation:
        made = super().__new__(cls, text)
        made.rule = rule
        return made

    def __reduce__(self) -> tuple[type[Violation], tuple[Rule, str]]:
        return (Violation, (self.rule, str(self)))


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


def first_visit_breach(
    problem: RoutingProblem, route: VehicleRoute, pickup_at: int, delivery_at: int
) -> int | None:
    """Position where ``route`` leaves the delivery's place before unloading, else None.

    The pair's pickup is at position ``pickup_at`` and its delivery at
    ``delivery_at``; the delivery must happen during the first stop at its
    location after the pickup (:attr:`RoutingProblem.deliver_at_first_visit`).
    """
    loc = problem.node_location
    place = loc[route.visits[delivery_at].node]
    at_place = False
    for k in range(pickup_at + 1, delivery_at):
        here = loc[route.visits[k].node] == place
        if at_place and not here:
            return k - 1
        at_place = at_place or here
    return None


def mandatory_unservable(problem: RoutingProblem, unservable: dict[int, Cause]) -> str | None:
    """Why the first mandatory visit among ``unservable`` cannot be served, or None."""
    for node, cause in unservable.items():
        if problem.node_drop_penalty[node] == MANDATORY:
            return f"mandatory node {node} cannot be served: {cause}"
    return None


def recompute_distance(problem: RoutingProblem, solution: RoutingSolution) -> int:
    """Total distance of all routes, recomputed from the problem's matrix."""
    total = 0
    for route in solution.routes:
        nodes = [v.node for v in route.visits]
        total += sum(problem.node_distance(a, b) for a, b in itertools.pairwise(nodes))
    return total


def _check_route(
    problem: RoutingProblem, route: VehicleRoute, depot: np.ndarray
) -> list[Violation]:
    out: list[Violation] = []
    v = route.vehicle
    where = f"vehicle {v}"
    visits = route.visits
    if len(visits) < 2:
        return [
            Violation(Rule.ROUTE_ENDS, f"{where}: a route needs at least its start and end node")
        ]
    if visits[0].node != problem.vehicle_start_node[v]:
        out.append(
            Violation(
                Rule.ROUTE_ENDS,
                f"{where}: starts at node {visits[0].node}, "
                f"not at its start node {problem.vehicle_start_node[v]}",
            )
        )
    if visits[-1].node != problem.vehicle_end_node[v]:
        out.append(
            Violation(
                Rule.ROUTE_ENDS,
                f"{where}: ends at node {visits[-1].node}, "
                f"not at its end node {problem.vehicle_end_node[v]}",
            )
        )
    cap = int(problem.vehicle_capacity[v])
    shift_start, shift_end = (
        int(problem.vehicle_tw_start[v]),
        int(problem.vehicle_tw_end[v]),
    )
    load = 0
    dist = 0
    for k, visit in enumerate(visits):
        node = visit.node
        if not 0 <= node < problem.num_nodes:
            out.append(Violation(Rule.UNKNOWN, f"{where}: node {node} does not exist"))
            return out
        at = f"{where}, node {node} (position {k})"
        if 0 < k < len(visits) - 1:
            if depot[node]:
                out.append(
                    Violation(
                        Rule.DEPOT_VISIT, f"{at}: a start/end node visited in the middle of a route"
                    )
                )
            elif not problem.allowed(node, v):
                out.append(Violation(Rule.NOT_ALLOWED, f"{at}: vehicle not allowed at this node"))
        if k == 0:
            arrival = visit.start
        else:
            prev = visits[k - 1]
            arrival = (
                prev.start
                + int(problem.node_service[prev.node])
                + problem.node_duration(prev.node, node)
            )
            dist += problem.node_distance(prev.node, node)
        load += int(problem.node_demand[node])
        if visit.arrival != arrival:
            out.append(
                Violation(
                    Rule.REPORT, f"{at}: reported arrival {visit.arrival}, recomputed {arrival}"
                )
            )
        earliest = max(arrival, int(problem.node_tw_start[node]))
        if visit.start < earliest:
            out.append(
                Violation(
                    Rule.WINDOW,
                    f"{at}: service starts at {visit.start}, "
                    f"before {earliest} (arrival or window start)",
                )
            )
        if visit.start > problem.node_tw_end[node]:
            out.append(
                Violation(
                    Rule.WINDOW,
                    f"{at}: service starts at {visit.start}, "
                    f"after the window end {problem.node_tw_end[node]}",
                )
            )
        if not 0 <= load <= cap:
            out.append(Violation(Rule.CAPACITY, f"{at}: load {load} outside [0, {cap}]"))
        if visit.load_after != load:
            out.append(
                Violation(Rule.REPORT, f"{at}: reported load {visit.load_after}, recomputed {load}")
            )
        if visit.distance_from_start != dist:
            out.append(
                Violation(
                    Rule.REPORT,
                    f"{at}: reported distance {visit.distance_from_start}, recomputed {dist}",
                )
            )
    if visits[0].start < shift_start:
        out.append(
            Violation(
                Rule.SHIFT,
                f"{where}: departs at {visits[0].start}, before its shift start {shift_start}",
            )
        )
    if visits[-1].start > shift_end:
        out.append(
            Violation(
                Rule.SHIFT,
                f"{where}: returns at {visits[-1].start}, after its shift end {shift_end}",
            )
        )
    return out


def check_solution(problem: RoutingProblem, solution: RoutingSolution) -> list[Violation]:
    """Every rule the solution breaks (empty list: feasible); each a sentence with its code."""
    out: list[Violation] = []
    depot = np.zeros(problem.num_nodes, dtype=bool)
    depot[problem.depot_nodes()] = True
    visit_set = {int(n) for n in problem.visit_nodes()}

    # Where is every visit node: (vehicle, position, route index).
    position: dict[int, tuple[int, int, int]] = {}
    seen_vehicles: set[int] = set()
    for r, route in enumerate(solution.routes):
        v = route.vehicle
        if not 0 <= v < problem.num_vehicles:
            out.append(Violation(Rule.UNKNOWN, f"route {r}: vehicle {v} does not exist"))
            continue
        if v in seen_vehicles:
            out.append(Violation(Rule.ROUTE_ENDS, f"vehicle {v} has more than one route"))
        seen_vehicles.add(v)
        out.extend(_check_route(problem, route, depot))
        for k, visit in enumerate(route.visits[1:-1], start=1):
            node = visit.node
            if node not in visit_set:
                continue
            if node in position:
                out.append(Violation(Rule.COVERAGE, f"node {node} is visited more than once"))
            else:
                position[node] = (v, k, r)

    dropped = set()
    for node in solution.dropped:
        if node not in visit_set:
            out.append(Violation(Rule.COVERAGE, f"dropped node {node} is not a visit node"))
        elif node in dropped:
            out.append(Violation(Rule.COVERAGE, f"node {node} is dropped twice"))
        elif node in position:
            out.append(Violation(Rule.COVERAGE, f"node {node} is both dropped and routed"))
        dropped.add(node)
        if 0 <= node < problem.num_nodes and problem.node_drop_penalty[node] == MANDATORY:
            out.append(Violation(Rule.COVERAGE, f"mandatory node {node} is dropped"))
    missing = visit_set - dropped - set(position)
    if missing:
        out.append(Violation(Rule.COVERAGE, f"nodes neither routed nor dropped: {sorted(missing)}"))

    for (p, d), max_transit in zip(
        problem.pairs.tolist(), problem.pair_max_transit.tolist(), strict=True
    ):
        pp, dp = position.get(p), position.get(d)
        if pp is None or dp is None:
            if (pp is None) != (dp is None):
                out.append(
                    Violation(
                        Rule.PAIRING, f"pair ({p}, {d}): only one of pickup and delivery is routed"
                    )
                )
            continue
        if pp[0] != dp[0]:
            out.append(
                Violation(
                    Rule.PAIRING,
                    f"pair ({p}, {d}): pickup on vehicle {pp[0]}, delivery on vehicle {dp[0]}",
                )
            )
            continue
        if pp[1] >= dp[1]:
            out.append(
                Violation(
                    Rule.PAIRING, f"pair ({p}, {d}): delivery before pickup on vehicle {pp[0]}"
                )
            )
        elif problem.deliver_at_first_visit:
            passed = first_visit_breach(problem, solution.routes[pp[2]], pp[1], dp[1])
            if passed is not None:
                out.append(
                    Violation(
                        Rule.FIRST_VISIT,
                        f"pair ({p}, {d}): vehicle {pp[0]} leaves the delivery's place at "
                        f"position {passed} still carrying the cargo",
                    )
                )
        if max_transit >= 0:  # NO_LIMIT (-1) means unbounded
            route = solution.routes[pp[2]]
            transit = route.visits[dp[1]].start - route.visits[pp[1]].start
            if transit > max_transit:
                out.append(
                    Violation(
                        Rule.TRANSIT,
                        f"pair ({p}, {d}): {transit} between pickup and delivery, "
                        f"limit {max_transit}",
                    )
                )

    used = solution.num_vehicles_used()
    if problem.max_vehicles is not None and used > problem.max_vehicles:
        out.append(
            Violation(
                Rule.FLEET_SIZE, f"{used} vehicles used, at most {problem.max_vehicles} allowed"
            )
        )

    status = solution.status
    if status is SolveStatus.FEASIBLE and solution.dropped:
        out.append(Violation(Rule.STATUS, "status is feasible although nodes are dropped"))
    if status is SolveStatus.PARTIAL and not solution.dropped:
        out.append(Violation(Rule.STATUS, "status is partial although nothing is dropped"))
    if status is SolveStatus.EMPTY and visit_set:
        out.append(Violation(Rule.STATUS, "status is empty although there are visit nodes"))
    return out
