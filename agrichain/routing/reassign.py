"""Route-to-vehicle reassignment: the cheapest vehicle for every route at once.

On a mixed fleet (vehicles with different fixed costs, per-km costs, capacities,
shifts, depots and refrigeration) a local search that moves visits one at a time
seldom moves a whole route to another vehicle, although that alone can save the
difference in fixed cost plus a cheaper rate per km. With the visit sequences
fixed, the cost of running each route on each vehicle is known exactly wherever
the sequence is feasible on that vehicle, so the cheapest assignment of routes to
vehicles (each vehicle at most one route, unused vehicles included) is a linear
assignment problem, solved exactly by :func:`scipy.optimize.linear_sum_assignment`.

Feasibility of a sequence on a vehicle follows the engines' conventions (see
:mod:`agrichain.routing.check`): load within capacity, the vehicle allowed at
every node, service starts inside the node windows and the vehicle's shift,
waiting allowed, and every pair's delivery within its maximum transit of the
pickup. The schedule returned is the earliest one that meets all of these.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from agrichain.routing.kernels import ProblemArrays
from agrichain.routing.problem import RoutingProblem, VehicleRoute, Visit

#: Cost standing for "this route cannot run on this vehicle" in the assignment matrix.
_INFEASIBLE = 10**15


@dataclass(frozen=True)
class _Pairs:
    """Each pickup node's delivery node and maximum transit (-1: no limit)."""

    delivery: dict[int, int]
    max_transit: dict[int, int]

    @classmethod
    def of(cls, problem: RoutingProblem) -> _Pairs:
        pairs = problem.pairs.tolist()
        limits = problem.pair_max_transit.tolist()
        return cls(
            {p: d for p, d in pairs}, {p: lim for (p, _), lim in zip(pairs, limits, strict=True)}
        )


def schedule(
    problem: RoutingProblem, vehicle: int, nodes: Sequence[int]
) -> tuple[Visit, ...] | None:
    """The visits of ``nodes`` (customer nodes, in order) driven by ``vehicle``, or None.

    None when the sequence breaks a rule on that vehicle (capacity, allowed vehicle,
    windows, shift, pair order or maximum transit). Service starts are the earliest
    that meet every rule.
    """
    return _schedule(problem, vehicle, nodes, _Pairs.of(problem))


def _schedule(
    problem: RoutingProblem, vehicle: int, nodes: Sequence[int], pairs: _Pairs
) -> tuple[Visit, ...] | None:
    route = [
        int(problem.vehicle_start_node[vehicle]),
        *map(int, nodes),
        int(problem.vehicle_end_node[vehicle]),
    ]
    if any(not problem.allowed(n, vehicle) for n in route[1:-1]):
        return None
    load = np.cumsum(problem.node_demand[route])
    if load.min() < 0 or load.max() > problem.vehicle_capacity[vehicle]:
        return None
    n = len(route)
    lo = problem.node_tw_start[route].tolist()
    hi = problem.node_tw_end[route].tolist()
    for k in (0, n - 1):
        lo[k] = max(lo[k], int(problem.vehicle_tw_start[vehicle]))
        hi[k] = min(hi[k], int(problem.vehicle_tw_end[vehicle]))
    loc = problem.node_location[route]
    gap = (problem.node_service[route[:-1]] + problem.duration[loc[:-1], loc[1:]]).tolist()
    position = {node: k for k, node in enumerate(route)}
    lags: list[tuple[int, int, int]] = []  # start[b] - start[a] <= limit
    for k, node in enumerate(route[1:-1], start=1):
        delivery = pairs.delivery.get(node)
        if delivery is None:
            continue
        at = position.get(delivery)
        if at is None or at < k:
            return None
        if pairs.max_transit[node] >= 0:
            lags.append((k, at, pairs.max_transit[node]))
    # Tighten the windows to a fixed point (difference constraints, Bellman-Ford style);
    # the earliest starts ``lo`` then satisfy every constraint.
    for _ in range(2 * n + 2):
        changed = False
        for k in range(n - 1):
            if lo[k] + gap[k] > lo[k + 1]:
                lo[k + 1] = lo[k] + gap[k]
                changed = True
        for k in range(n - 2, -1, -1):
            if hi[k + 1] - gap[k] < hi[k]:
                hi[k] = hi[k + 1] - gap[k]
                changed = True
        for a, b, limit in lags:
            if lo[b] - limit > lo[a]:
                lo[a] = lo[b] - limit
                changed = True
            if hi[a] + limit < hi[b]:
                hi[b] = hi[a] + limit
                changed = True
        if any(lo[k] > hi[k] for k in range(n)):
            return None
        if not changed:
            break
    else:
        return None
    visits = []
    distance = 0
    for k, node in enumerate(route):
        if k:
            distance += problem.node_distance(route[k - 1], node)
        arrival = lo[k] if k == 0 else lo[k - 1] + gap[k - 1]
        visits.append(Visit(node, arrival, lo[k], int(load[k]), distance))
    return tuple(visits)


def reassign_routes(
    problem: RoutingProblem, routes: Iterable[VehicleRoute], vehicles: Sequence[int] | None = None
) -> list[VehicleRoute]:
    """``routes`` (with their visit sequences kept) on the cheapest vehicles.

    ``vehicles`` limits the vehicles that may receive a route (default: all; a
    route's own vehicle is always allowed). Returns the routes unchanged unless
    the assignment is strictly cheaper; every moved route gets a fresh schedule.
    Feasibility of each route on each vehicle is checked by the compiled kernel.
    """
    used = [r for r in routes if len(r.visits) > 2]
    if not used:
        return list(used)
    pool = sorted(
        set(range(problem.num_vehicles) if vehicles is None else vehicles)
        | {r.vehicle for r in used}
    )
    arrays = ProblemArrays.of(problem)
    cost = np.full((len(used), len(pool)), _INFEASIBLE, dtype=np.int64)
    current = 0
    for i, route in enumerate(used):
        own = route.cost(problem)
        current += own
        nodes = route.customer_nodes()
        lo = np.empty(len(nodes) + 2, dtype=np.int64)
        hi = np.empty(len(nodes) + 2, dtype=np.int64)
        for j, vehicle in enumerate(pool):
            if vehicle == route.vehicle:
                cost[i, j] = own
                continue
            seq = np.array(
                [problem.vehicle_start_node[vehicle], *nodes, problem.vehicle_end_node[vehicle]],
                dtype=np.int64,
            )
            if arrays.feasible(seq, vehicle, lo, hi):
                cost[i, j] = arrays.route_cost(seq, vehicle)
    rows, cols = linear_sum_assignment(cost)
    if int(cost[rows, cols].sum()) >= current:
        return list(used)
    out = []
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
        vehicle = pool[j]
        route = used[i]
        if vehicle == route.vehicle:
            out.append(route)
            continue
        visits = schedule(problem, vehicle, route.customer_nodes())
        if visits is None:  # pragma: no cover - the kernel and the schedule agree
            raise AssertionError(f"route moved to vehicle {vehicle} has no schedule")
        out.append(VehicleRoute(vehicle, visits))
    return out


__all__ = ["reassign_routes", "schedule"]
