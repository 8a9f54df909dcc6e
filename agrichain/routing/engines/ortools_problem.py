"""A :class:`~agrichain.routing.problem.RoutingProblem` stated for OR-Tools routing.

Conventions (shared with :func:`agrichain.routing.check.check_solution`):

* every vehicle leaves its start node empty; the load after each node is the
  running sum of ``node_demand`` and must stay within ``[0, capacity]``;
* the service start at a node is the time-dimension cumul; travel from node i
  to node j takes ``node_service[i] + duration[loc i, loc j]``; waiting is free;
* optional nodes carry a drop penalty; a pickup-delivery pair is dropped as a
  whole, its penalty being the sum of both nodes' penalties;
* arc costs are ``round(distance * vehicle_distance_cost)`` per vehicle.

Only the given (usable) vehicles and (servable) visits are stated; the maps of
:class:`OrToolsProblem` lead back to problem nodes and vehicles.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.constraint_solver import pywrapcp

from agrichain.routing.problem import MANDATORY, IntArray, RoutingProblem


@dataclass
class OrToolsProblem:
    """OR-Tools' ``RoutingModel`` built from a problem, plus the maps back to it."""

    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    time_dim: pywrapcp.RoutingDimension
    nodes: IntArray
    """OR-Tools node -> problem node."""
    node_index: IntArray
    """Problem node -> OR-Tools node, or -1 when the node is left out."""
    vehicles: IntArray
    """OR-Tools vehicle -> problem vehicle."""
    time_offset: int
    """Problem time = OR-Tools cumul + time_offset."""
    callbacks: list[Callable[[int, int], int]]
    """Python callbacks the C++ side calls: kept alive as long as ``routing``."""

    def index(self, node: int) -> int:
        """The OR-Tools routing index of problem node ``node`` (which must be stated)."""
        return int(self.manager.NodeToIndex(int(self.node_index[node])))


def _constant_limit(value: int) -> Callable[[int, int], int]:
    def limit(pickup_alternative: int, delivery_alternative: int) -> int:
        return value

    return limit


def _set_costs(
    problem: RoutingProblem, routing: pywrapcp.RoutingModel, vehicles: IntArray, loc: IntArray
) -> None:
    """Arc costs (one transit matrix per distinct cost coefficient) and fixed vehicle costs."""
    loc_grid = np.ix_(loc, loc)
    # Round on the (smaller) location matrix, then expand to node x node.
    coefs = problem.vehicle_distance_cost[vehicles]
    for coef in np.unique(coefs):
        if coef == 0.0:
            continue
        loc_cost = problem.distance
        if coef != 1.0:
            loc_cost = np.round(problem.distance * coef).astype(np.int64)
        cb = routing.RegisterTransitMatrix(loc_cost[loc_grid].tolist())
        for mv in np.flatnonzero(coefs == coef).tolist():
            routing.SetArcCostEvaluatorOfVehicle(cb, mv)
    for mv, v in enumerate(vehicles.tolist()):
        fixed = int(problem.vehicle_fixed_cost[v])
        if fixed:
            routing.SetFixedCostOfVehicle(fixed, mv)


def _add_capacity(
    problem: RoutingProblem, routing: pywrapcp.RoutingModel, vehicles: IntArray, nodes: IntArray
) -> None:
    """Capacity: start empty, load within [0, capacity] everywhere."""
    demand_cb = routing.RegisterUnaryTransitVector(problem.node_demand[nodes].tolist())
    routing.AddDimensionWithVehicleCapacity(
        demand_cb, 0, problem.vehicle_capacity[vehicles].tolist(), True, "Capacity"
    )


def _add_time(
    problem: RoutingProblem,
    routing: pywrapcp.RoutingModel,
    nodes: IntArray,
    loc: IntArray,
    offset: int,
) -> pywrapcp.RoutingDimension:
    """Time: cumul = service start; transit = service at the from-node + travel."""
    horizon = max(int(problem.node_tw_end.max()), int(problem.vehicle_tw_end.max())) - offset
    transit = problem.node_service[nodes][:, None] + problem.duration[np.ix_(loc, loc)]
    time_cb = routing.RegisterTransitMatrix(transit.tolist())
    routing.AddDimension(time_cb, horizon, horizon, False, "Time")
    return routing.GetDimensionOrDie("Time")


def _set_windows(problem: RoutingProblem, built: OrToolsProblem, visits: IntArray) -> None:
    """Visit windows; each vehicle's start and end within its shift and its depots' windows."""
    offset = built.time_offset
    tw_start = problem.node_tw_start - offset
    tw_end = problem.node_tw_end - offset
    for node in visits.tolist():
        built.time_dim.CumulVar(built.index(node)).SetRange(int(tw_start[node]), int(tw_end[node]))
    v_start = problem.vehicle_tw_start - offset
    v_end = problem.vehicle_tw_end - offset
    for mv, v in enumerate(built.vehicles.tolist()):
        s = int(problem.vehicle_start_node[v])
        e = int(problem.vehicle_end_node[v])
        built.time_dim.CumulVar(built.routing.Start(mv)).SetRange(
            max(int(v_start[v]), int(tw_start[s])), min(int(v_end[v]), int(tw_end[s]))
        )
        built.time_dim.CumulVar(built.routing.End(mv)).SetRange(
            max(int(v_start[v]), int(tw_start[e])), min(int(v_end[v]), int(tw_end[e]))
        )


def _restrict_vehicles(problem: RoutingProblem, built: OrToolsProblem, visits: IntArray) -> None:
    """Vehicle-node compatibility (every visit here has at least one usable allowed vehicle)."""
    if not problem.node_allowed_vehicles:
        return
    prob_to_or_v = {int(v): mv for mv, v in enumerate(built.vehicles.tolist())}
    for node in visits.tolist():
        allowed = problem.node_allowed_vehicles[node]
        if allowed is None:
            continue
        banned = sorted(mv for v, mv in prob_to_or_v.items() if v not in allowed)
        if banned:
            # SetAllowedVehiclesForIndex rejects Python lists in 9.15 (its
            # absl::Span argument has no SWIG typemap): restrict VehicleVar.
            built.routing.VehicleVar(built.index(node)).RemoveValues(banned)


def _add_pairs_and_penalties(
    problem: RoutingProblem, built: OrToolsProblem, visits: IntArray
) -> None:
    """Pickup-delivery pairs (both nodes are stated or neither) and drop penalties."""
    routing, time_dim = built.routing, built.time_dim
    solver = routing.solver()
    penalty = problem.node_drop_penalty
    paired: set[int] = set()
    pair_index = 0
    for (p, d), max_transit in zip(
        problem.pairs.tolist(), problem.pair_max_transit.tolist(), strict=True
    ):
        if built.node_index[p] < 0:
            continue
        paired.update((p, d))
        pi, di = built.index(p), built.index(d)
        if penalty[p] != MANDATORY and penalty[d] != MANDATORY:
            routing.AddDisjunction([pi], int(penalty[p] + penalty[d]))
            routing.AddDisjunction([di], 0)
        routing.AddPickupAndDelivery(pi, di)
        solver.Add(routing.VehicleVar(pi) == routing.VehicleVar(di))
        solver.Add(time_dim.CumulVar(pi) <= time_dim.CumulVar(di))
        if max_transit >= 0:
            # The limit function lets the search filters see the limit (a 1,200-node
            # problem took minutes with the constraint alone); the constraint makes
            # the propagated (minimum) cumuls of a solution respect it too.
            limit = _constant_limit(int(max_transit))
            built.callbacks.append(limit)
            time_dim.SetPickupToDeliveryLimitFunctionForPair(limit, pair_index)
            solver.Add(time_dim.CumulVar(di) - time_dim.CumulVar(pi) <= int(max_transit))
        pair_index += 1
    for node in visits.tolist():
        if node not in paired and penalty[node] != MANDATORY:
            routing.AddDisjunction([built.index(node)], int(penalty[node]))


def build_ortools_problem(
    problem: RoutingProblem, vehicles: IntArray, visits: IntArray
) -> OrToolsProblem:
    """``problem`` for OR-Tools over the given usable vehicles and servable visit nodes."""
    depots = np.unique(
        np.concatenate([problem.vehicle_start_node[vehicles], problem.vehicle_end_node[vehicles]])
    )
    nodes = np.concatenate([depots, visits]).astype(np.int64)
    node_index = np.full(problem.num_nodes, -1, dtype=np.int64)
    node_index[nodes] = np.arange(nodes.size)
    starts = node_index[problem.vehicle_start_node[vehicles]]
    ends = node_index[problem.vehicle_end_node[vehicles]]
    manager = pywrapcp.RoutingIndexManager(
        int(nodes.size), int(vehicles.size), starts.tolist(), ends.tolist()
    )
    routing = pywrapcp.RoutingModel(manager)
    loc = problem.node_location[nodes]
    _set_costs(problem, routing, vehicles, loc)
    _add_capacity(problem, routing, vehicles, nodes)
    offset = min(0, int(problem.node_tw_start.min()), int(problem.vehicle_tw_start.min()))
    built = OrToolsProblem(
        manager=manager,
        routing=routing,
        time_dim=_add_time(problem, routing, nodes, loc, offset),
        nodes=nodes,
        node_index=node_index,
        vehicles=vehicles,
        time_offset=offset,
        callbacks=[],
    )
    _set_windows(problem, built, visits)
    _restrict_vehicles(problem, built, visits)
    _add_pairs_and_penalties(problem, built, visits)
    if problem.max_vehicles is not None and problem.max_vehicles < vehicles.size:
        routing.SetMaximumNumberOfActiveVehicles(int(problem.max_vehicles))
    return built


__all__ = ["OrToolsProblem", "build_ortools_problem"]
