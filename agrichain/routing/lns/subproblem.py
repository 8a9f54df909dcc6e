"""A routing problem restricted to some vehicles and visits, with the maps back."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agrichain.routing.problem import IntArray, RoutingProblem


@dataclass(frozen=True)
class Subproblem:
    """A restriction of a problem to some vehicles and visits, with the maps back."""

    problem: RoutingProblem
    nodes: IntArray
    """Sub node -> original node."""
    vehicles: IntArray
    """Sub vehicle -> original vehicle."""


def restrict(problem: RoutingProblem, visits: IntArray, vehicles: IntArray) -> Subproblem:
    """``problem`` with only ``vehicles`` and the visit nodes ``visits`` (pairs kept whole).

    A pair is kept when both its nodes are among ``visits``; ValueError when only
    one of them is.
    """
    vehicles = np.asarray(vehicles, dtype=np.int64)
    depots = np.unique(
        np.concatenate([problem.vehicle_start_node[vehicles], problem.vehicle_end_node[vehicles]])
    )
    nodes = np.concatenate([depots, np.sort(np.asarray(visits, dtype=np.int64))])
    remap = np.full(problem.num_nodes, -1, dtype=np.int64)
    remap[nodes] = np.arange(nodes.size)
    pairs = problem.pairs
    kept = np.zeros(0, dtype=bool)
    if pairs.size:
        inside = remap[pairs] >= 0
        if np.any(inside[:, 0] != inside[:, 1]):
            raise ValueError("a subproblem must hold both nodes of a pair or neither")
        kept = inside[:, 0]
    vehicle_pos = {int(v): k for k, v in enumerate(vehicles.tolist())}
    allowed: tuple[frozenset[int] | None, ...] = ()
    if problem.node_allowed_vehicles:
        allowed = tuple(
            None
            if (ok := problem.node_allowed_vehicles[n]) is None
            else frozenset(vehicle_pos[v] for v in ok if v in vehicle_pos)
            for n in nodes.tolist()
        )
    sub = RoutingProblem(
        distance=problem.distance,
        duration=problem.duration,
        node_location=problem.node_location[nodes],
        node_demand=problem.node_demand[nodes],
        node_tw_start=problem.node_tw_start[nodes],
        node_tw_end=problem.node_tw_end[nodes],
        node_service=problem.node_service[nodes],
        node_drop_penalty=problem.node_drop_penalty[nodes],
        vehicle_start_node=remap[problem.vehicle_start_node[vehicles]],
        vehicle_end_node=remap[problem.vehicle_end_node[vehicles]],
        vehicle_capacity=problem.vehicle_capacity[vehicles],
        vehicle_tw_start=problem.vehicle_tw_start[vehicles],
        vehicle_tw_end=problem.vehicle_tw_end[vehicles],
        vehicle_fixed_cost=problem.vehicle_fixed_cost[vehicles],
        vehicle_distance_cost=problem.vehicle_distance_cost[vehicles],
        pairs=remap[pairs[kept]] if pairs.size else pairs,
        pair_max_transit=problem.pair_max_transit[kept] if pairs.size else problem.pair_max_transit,
        node_allowed_vehicles=allowed,
        deliver_at_first_visit=problem.deliver_at_first_visit,
        name=f"{problem.name}[sub]",
    )
    return Subproblem(problem=sub, nodes=nodes, vehicles=vehicles)


__all__ = ["Subproblem", "restrict"]
