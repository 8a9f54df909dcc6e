"""Independent feasibility check of a :class:`RoutingSolution` (no solver involved).

Conventions (the same as every engine's): a vehicle leaves its start node
empty and ``load_after`` is the running sum of ``node_demand``; a vehicle
reaches node j at ``start[i] + node_service[i] + duration[i, j]`` and may wait,
so ``start[j] >= max(arrival[j], node_tw_start[j])``; the first visit of a
route is its start node, where ``arrival == start``. Broken rules are named by
:class:`~agrichain.routing.rules.Rule`.
"""

from __future__ import annotations

import itertools

import numpy as np

from agrichain.routing.problem import (
    MANDATORY,
    BoolArray,
    RoutingProblem,
    RoutingSolution,
    SolveStatus,
    VehicleRoute,
    Visit,
)
from agrichain.routing.rules import Rule, Violation

#: Where a routed visit node is: (vehicle, position on its route, route index).
Position = tuple[int, int, int]


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


def recompute_distance(problem: RoutingProblem, solution: RoutingSolution) -> int:
    """Total distance of all routes, recomputed from the problem's matrix."""
    total = 0
    for route in solution.routes:
        nodes = [v.node for v in route.visits]
        total += sum(problem.node_distance(a, b) for a, b in itertools.pairwise(nodes))
    return total


def _route_end_violations(problem: RoutingProblem, route: VehicleRoute) -> list[Violation]:
    """The route does not start or end at its vehicle's nodes."""
    out: list[Violation] = []
    v = route.vehicle
    first, last = route.visits[0].node, route.visits[-1].node
    if first != problem.vehicle_start_node[v]:
        out.append(
            Violation(
                Rule.ROUTE_ENDS,
                f"vehicle {v}: starts at node {first}, "
                f"not at its start node {problem.vehicle_start_node[v]}",
                vehicle=v,
            )
        )
    if last != problem.vehicle_end_node[v]:
        out.append(
            Violation(
                Rule.ROUTE_ENDS,
                f"vehicle {v}: ends at node {last}, "
                f"not at its end node {problem.vehicle_end_node[v]}",
                vehicle=v,
            )
        )
    return out


def _placement_violations(
    problem: RoutingProblem, route: VehicleRoute, k: int, depot: BoolArray
) -> list[Violation]:
    """A start/end node, or a node the vehicle may not visit, in the middle of the route."""
    node = route.visits[k].node
    if not 0 < k < len(route.visits) - 1:
        return []
    at = f"vehicle {route.vehicle}, node {node} (position {k})"
    if depot[node]:
        return [
            Violation(
                Rule.DEPOT_VISIT,
                f"{at}: a start/end node visited in the middle of a route",
                route.vehicle,
                node,
            )
        ]
    if not problem.allowed(node, route.vehicle):
        return [
            Violation(
                Rule.NOT_ALLOWED, f"{at}: vehicle not allowed at this node", route.vehicle, node
            )
        ]
    return []


def _visit_violations(
    problem: RoutingProblem,
    vehicle: int,
    at: str,
    visit: Visit,
    arrival: int,
    load: int,
    dist: int,
    cap: int,
) -> list[Violation]:
    """The visit against its recomputed arrival, load and distance, its window and ``cap``."""
    out: list[Violation] = []
    node = visit.node
    if visit.arrival != arrival:
        out.append(
            Violation(
                Rule.REPORT,
                f"{at}: reported arrival {visit.arrival}, recomputed {arrival}",
                vehicle,
                node,
            )
        )
    earliest = max(arrival, int(problem.node_tw_start[node]))
    if visit.start < earliest:
        out.append(
            Violation(
                Rule.WINDOW,
                f"{at}: service starts at {visit.start}, "
                f"before {earliest} (arrival or window start)",
                vehicle,
                node,
            )
        )
    if visit.start > problem.node_tw_end[node]:
        out.append(
            Violation(
                Rule.WINDOW,
                f"{at}: service starts at {visit.start}, "
                f"after the window end {problem.node_tw_end[node]}",
                vehicle,
                node,
            )
        )
    if not 0 <= load <= cap:
        out.append(Violation(Rule.CAPACITY, f"{at}: load {load} outside [0, {cap}]", vehicle, node))
    if visit.load_after != load:
        out.append(
            Violation(
                Rule.REPORT,
                f"{at}: reported load {visit.load_after}, recomputed {load}",
                vehicle,
                node,
            )
        )
    if visit.distance_from_start != dist:
        out.append(
            Violation(
                Rule.REPORT,
                f"{at}: reported distance {visit.distance_from_start}, recomputed {dist}",
                vehicle,
                node,
            )
        )
    return out


def _shift_violations(problem: RoutingProblem, route: VehicleRoute) -> list[Violation]:
    """The route departs before or returns after its vehicle's shift."""
    out: list[Violation] = []
    v = route.vehicle
    shift_start = int(problem.vehicle_tw_start[v])
    shift_end = int(problem.vehicle_tw_end[v])
    if route.visits[0].start < shift_start:
        out.append(
            Violation(
                Rule.SHIFT,
                f"vehicle {v}: departs at {route.visits[0].start}, "
                f"before its shift start {shift_start}",
                v,
                route.visits[0].node,
            )
        )
    if route.visits[-1].start > shift_end:
        out.append(
            Violation(
                Rule.SHIFT,
                f"vehicle {v}: returns at {route.visits[-1].start}, "
                f"after its shift end {shift_end}",
                v,
                route.visits[-1].node,
            )
        )
    return out


def _check_route(problem: RoutingProblem, route: VehicleRoute, depot: BoolArray) -> list[Violation]:
    """Every rule ``route`` breaks on its own; ``depot`` marks the start/end nodes."""
    v = route.vehicle
    visits = route.visits
    if len(visits) < 2:
        return [
            Violation(
                Rule.ROUTE_ENDS, f"vehicle {v}: a route needs at least its start and end node"
            )
        ]
    out = _route_end_violations(problem, route)
    cap = int(problem.vehicle_capacity[v])
    load = 0
    dist = 0
    for k, visit in enumerate(visits):
        node = visit.node
        if not 0 <= node < problem.num_nodes:
            out.append(Violation(Rule.UNKNOWN, f"vehicle {v}: node {node} does not exist"))
            return out
        out.extend(_placement_violations(problem, route, k, depot))
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
        at = f"vehicle {v}, node {node} (position {k})"
        out.extend(_visit_violations(problem, v, at, visit, arrival, load, dist, cap))
    return out + _shift_violations(problem, route)


def _route_violations(
    problem: RoutingProblem, solution: RoutingSolution, visit_set: set[int]
) -> tuple[list[Violation], dict[int, Position]]:
    """Every route on its own, vehicles used twice and visits served twice; where each visit is."""
    out: list[Violation] = []
    depot = np.zeros(problem.num_nodes, dtype=bool)
    depot[problem.depot_nodes()] = True
    position: dict[int, Position] = {}
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
                out.append(
                    Violation(Rule.COVERAGE, f"node {node} is visited more than once", v, node)
                )
            else:
                position[node] = (v, k, r)
    return out, position


def _coverage_violations(
    problem: RoutingProblem,
    solution: RoutingSolution,
    visit_set: set[int],
    position: dict[int, Position],
) -> list[Violation]:
    """Dropped nodes that are no visits, dropped twice, also routed or mandatory; nodes missing."""
    out: list[Violation] = []
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
    return out


def _pair_violations(
    problem: RoutingProblem,
    solution: RoutingSolution,
    p: int,
    d: int,
    max_transit: int,
    position: dict[int, Position],
) -> list[Violation]:
    """Pickup ``p`` and delivery ``d``: same vehicle, order, first visit, transit."""
    pp, dp = position.get(p), position.get(d)
    if pp is None or dp is None:
        alone = pp or dp
        text = f"pair ({p}, {d}): only one of pickup and delivery is routed"
        return [] if alone is None else [Violation(Rule.PAIRING, text, alone[0], p if pp else d)]
    if pp[0] != dp[0]:
        return [
            Violation(
                Rule.PAIRING,
                f"pair ({p}, {d}): pickup on vehicle {pp[0]}, delivery on vehicle {dp[0]}",
                dp[0],
                d,
            )
        ]
    out: list[Violation] = []
    route = solution.routes[pp[2]]
    if pp[1] >= dp[1]:
        out.append(
            Violation(
                Rule.PAIRING,
                f"pair ({p}, {d}): delivery before pickup on vehicle {pp[0]}",
                pp[0],
                d,
            )
        )
    elif problem.deliver_at_first_visit:
        passed = first_visit_breach(problem, route, pp[1], dp[1])
        if passed is not None:
            out.append(
                Violation(
                    Rule.FIRST_VISIT,
                    f"pair ({p}, {d}): vehicle {pp[0]} leaves the delivery's place at "
                    f"position {passed} still carrying the cargo",
                    pp[0],
                    d,
                )
            )
    if max_transit >= 0:  # NO_LIMIT (-1) means unbounded
        transit = route.visits[dp[1]].start - route.visits[pp[1]].start
        if transit > max_transit:
            out.append(
                Violation(
                    Rule.TRANSIT,
                    f"pair ({p}, {d}): {transit} between pickup and delivery, limit {max_transit}",
                    pp[0],
                    d,
                )
            )
    return out


def _fleet_and_status_violations(
    problem: RoutingProblem, solution: RoutingSolution, visit_set: set[int]
) -> list[Violation]:
    """Too many vehicles used; a status that contradicts the routes."""
    out: list[Violation] = []
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


def check_solution(problem: RoutingProblem, solution: RoutingSolution) -> list[Violation]:
    """Every rule the solution breaks (empty list: feasible); each a sentence with its code."""
    visit_set = {int(n) for n in problem.visit_nodes()}
    out, position = _route_violations(problem, solution, visit_set)
    out += _coverage_violations(problem, solution, visit_set, position)
    for (p, d), max_transit in zip(
        problem.pairs.tolist(), problem.pair_max_transit.tolist(), strict=True
    ):
        out += _pair_violations(problem, solution, p, d, max_transit, position)
    return out + _fleet_and_status_violations(problem, solution, visit_set)


__all__ = ["check_solution", "first_visit_breach", "recompute_distance"]
