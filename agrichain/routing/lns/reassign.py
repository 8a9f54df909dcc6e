"""Route-to-vehicle reassignment: the cheapest vehicle for every route at once.

On a mixed fleet (vehicles with different fixed costs, per-km costs, capacities,
shifts, depots and refrigeration) a local search that moves visits one at a time
seldom moves a whole route to another vehicle, although that alone can save the
difference in fixed cost plus a cheaper rate per km. With the visit sequences
fixed, the cost of running each route on each vehicle is known exactly wherever
the sequence is feasible on that vehicle, so the cheapest assignment of routes to
vehicles (each vehicle at most one route, unused vehicles included) is a linear
assignment problem, solved exactly by :func:`scipy.optimize.linear_sum_assignment`.

Feasibility of a sequence on a vehicle is decided by the compiled kernel
(:mod:`agrichain.routing.lns.kernels`), which follows the checker's conventions; the
schedule returned is the earliest one that meets every rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

from agrichain.routing.lns.arrays import ProblemArrays
from agrichain.routing.problem import RoutingProblem, VehicleRoute, Visit

#: Cost standing for "this route cannot run on this vehicle" in the assignment matrix.
_INFEASIBLE = 10**15


def schedule(
    problem: RoutingProblem, vehicle: int, nodes: Sequence[int]
) -> tuple[Visit, ...] | None:
    """The visits of ``nodes`` (customer nodes, in order) driven by ``vehicle``, or None.

    None when the sequence breaks a rule on that vehicle (capacity, allowed vehicle,
    windows, shift, pair order, maximum transit, delivery at the first visit). Service
    starts are the earliest that meet every rule (the compiled kernel's fixed point).
    """
    arrays = ProblemArrays.cached(problem)
    seq = np.array(
        [problem.vehicle_start_node[vehicle], *nodes, problem.vehicle_end_node[vehicle]],
        dtype=np.int64,
    )
    lo = np.empty(seq.size, dtype=np.int64)
    hi = np.empty(seq.size, dtype=np.int64)
    if not arrays.feasible(seq, vehicle, lo, hi):
        return None
    loc = problem.node_location[seq]
    gap = problem.node_service[seq[:-1]] + problem.duration[loc[:-1], loc[1:]]
    load = np.cumsum(problem.node_demand[seq])
    distance = np.concatenate([[0], np.cumsum(problem.distance[loc[:-1], loc[1:]])])
    arrival = np.concatenate([[lo[0]], lo[:-1] + gap])
    return tuple(
        Visit(int(n), int(a), int(s), int(q), int(d))
        for n, a, s, q, d in zip(seq, arrival, lo, load, distance, strict=True)
    )


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
    arrays = ProblemArrays.cached(problem)
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
