"""A :class:`~agrichain.routing.problem.RoutingProblem` translated to PyVRP, and routes back.

PyVRP expresses capacities, node and shift time windows, several depots,
optional visits (prizes), fixed and per-distance vehicle costs and
pickup-delivery pairs (as shipments). Vehicle-node compatibility is expressed
with one routing profile per vehicle group in which arcs into forbidden nodes
take longer than any horizon (so using them is a time-window violation, which
PyVRP treats as infeasible). It cannot express a maximum transit time per pair,
nor a fleet bound across vehicle groups; :func:`pyvrp_coverage` says what was
left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pyvrp import (
    Activity,
    ActivityType,
    Client,
    Depot,
    Location,
    ProblemData,
    Route,
    Shipment,
    Solution,
    VehicleType,
)

from agrichain.routing.problem import MANDATORY, NO_LIMIT, IntArray, RoutingProblem


@dataclass(frozen=True)
class PyVRPProblem:
    """A :class:`RoutingProblem` translated to PyVRP, with the maps back."""

    data: ProblemData
    client_node: tuple[int, ...]
    """PyVRP client index -> problem node."""
    depot_node: tuple[int, ...]
    """PyVRP depot index -> problem node."""
    shipment_nodes: tuple[tuple[int, int], ...]
    """PyVRP shipment index -> (pickup node, delivery node)."""
    type_vehicles: tuple[tuple[int, ...], ...]
    """PyVRP vehicle type -> problem vehicles of that type, in order."""
    node_activity: dict[int, tuple[ActivityType, int]]
    """Problem visit node -> PyVRP activity (type, index)."""
    vehicle_type: tuple[int, ...]
    """Problem vehicle -> PyVRP vehicle type."""
    omitted: tuple[str, ...]
    """Constraints of the problem that the PyVRP translation does not enforce."""


def pyvrp_coverage(problem: RoutingProblem) -> tuple[str, ...]:
    """Constraints of ``problem`` PyVRP cannot express (empty: the translation is exact)."""
    omitted: list[str] = []
    paired = {int(x) for x in problem.pairs.ravel()}
    visits = [int(i) for i in problem.visit_nodes() if int(i) not in paired]
    if any(int(problem.node_demand[i]) < 0 for i in visits):
        # The contract starts every vehicle empty; PyVRP would load deliveries at the depot.
        omitted.append("unpaired_delivery")
    if any(
        int(problem.node_demand[p]) != -int(problem.node_demand[d])
        or int(problem.node_demand[p]) < 0
        for p, d in problem.pairs.tolist()
    ):
        omitted.append("unbalanced_pair_demand")
    if problem.pair_max_transit.size and np.any(problem.pair_max_transit != NO_LIMIT):
        omitted.append("pair_max_transit")
    if problem.deliver_at_first_visit and problem.pairs.size:
        omitted.append("deliver_at_first_visit")
    bounded = problem.max_vehicles is not None and problem.max_vehicles < problem.num_vehicles
    if bounded and len(set(_vehicle_keys(problem, _profile_index(problem)[0]))) > 1:
        # One PyVRP vehicle type can be capped; a bound across several types cannot.
        omitted.append("max_vehicles")
    return tuple(omitted)


def _profile_index(problem: RoutingProblem) -> tuple[list[int], list[tuple[float, frozenset[int]]]]:
    """Per vehicle a profile index; profiles = distinct (cost coefficient, forbidden nodes)."""
    n = problem.num_nodes
    forbidden_of: list[frozenset[int]] = []
    for v in range(problem.num_vehicles):
        if problem.node_allowed_vehicles:
            forb = frozenset(i for i in range(n) if not problem.allowed(i, v))
        else:
            forb = frozenset()
        forbidden_of.append(forb)
    profiles: list[tuple[float, frozenset[int]]] = []
    index: list[int] = []
    for v in range(problem.num_vehicles):
        key = (float(problem.vehicle_distance_cost[v]), forbidden_of[v])
        if key not in profiles:
            profiles.append(key)
        index.append(profiles.index(key))
    return index, profiles


def _vehicle_keys(problem: RoutingProblem, profile_of: Sequence[int]) -> list[tuple[int, ...]]:
    keys: list[tuple[int, ...]] = []
    for v in range(problem.num_vehicles):
        s, e = int(problem.vehicle_start_node[v]), int(problem.vehicle_end_node[v])
        keys.append(
            (
                s,
                e,
                int(problem.vehicle_capacity[v]),
                int(problem.vehicle_tw_start[v]),
                int(problem.vehicle_tw_end[v]),
                int(problem.vehicle_fixed_cost[v]),
                int(profile_of[v]),
            )
        )
    return keys


def _matrices(
    problem: RoutingProblem,
    order: list[int],
    profiles: list[tuple[float, frozenset[int]]],
) -> tuple[list[IntArray], list[IntArray]]:
    """Distance and duration matrix per profile over the PyVRP locations (``order``'s nodes)."""
    loc_of_node = {node: k for k, node in enumerate(order)}
    depots = {int(d) for d in problem.depot_nodes()}
    node_loc = problem.node_location[np.asarray(order, dtype=np.int64)]
    base_dist = problem.distance[np.ix_(node_loc, node_loc)]
    base_dur = problem.duration[np.ix_(node_loc, node_loc)]
    horizon_lo = min(int(problem.node_tw_start.min()), int(problem.vehicle_tw_start.min()))
    horizon_hi = max(int(problem.node_tw_end.max()), int(problem.vehicle_tw_end.max()))
    unreachable = horizon_hi - min(horizon_lo, 0) + 1
    dist_mats: list[IntArray] = []
    dur_mats: list[IntArray] = []
    for coef, forbidden in profiles:
        dist = base_dist.copy() if coef == 1.0 else np.round(base_dist * coef).astype(np.int64)
        dur = base_dur.copy()
        cols = [loc_of_node[i] for i in forbidden if i in loc_of_node and i not in depots]
        if cols:
            dur[:, cols] = unreachable
            dur[cols, cols] = 0
        np.fill_diagonal(dist, 0)
        np.fill_diagonal(dur, 0)
        dist_mats.append(np.ascontiguousarray(dist, dtype=np.int64))
        dur_mats.append(np.ascontiguousarray(dur, dtype=np.int64))
    return dist_mats, dur_mats


def _prize(problem: RoutingProblem, node: int) -> tuple[int, bool]:
    """PyVRP (prize, required) of a visit node."""
    pen = int(problem.node_drop_penalty[node])
    return (0, True) if pen == MANDATORY else (pen, False)


def _client(problem: RoutingProblem, node: int, location: int) -> Client:
    dem = int(problem.node_demand[node])
    prize, required = _prize(problem, node)
    return Client(
        location,
        delivery=[max(-dem, 0)],
        pickup=[max(dem, 0)],
        service_duration=int(problem.node_service[node]),
        tw_early=int(problem.node_tw_start[node]),
        tw_late=int(problem.node_tw_end[node]),
        prize=prize,
        required=required,
    )


def _shipment(problem: RoutingProblem, pair: int, locations: tuple[int, int]) -> Shipment:
    p, d = (int(x) for x in problem.pairs[pair])
    pz_p, req_p = _prize(problem, p)
    pz_d, req_d = _prize(problem, d)
    p_early, p_late = int(problem.node_tw_start[p]), int(problem.node_tw_end[p])
    d_early, d_late = int(problem.node_tw_start[d]), int(problem.node_tw_end[d])
    max_transit = int(problem.pair_max_transit[pair])
    if max_transit != NO_LIMIT:
        # Implied by the transit limit (PyVRP cannot state it directly): every
        # feasible schedule already satisfies these tighter windows.
        d_late = max(d_early, min(d_late, p_late + max_transit))
        p_early = min(p_late, max(p_early, d_early - max_transit))
    return Shipment(
        locations[0],
        locations[1],
        pickup_tw_early=p_early,
        pickup_tw_late=p_late,
        pickup_service_duration=int(problem.node_service[p]),
        delivery_tw_early=d_early,
        delivery_tw_late=d_late,
        delivery_service_duration=int(problem.node_service[d]),
        amount=[max(int(problem.node_demand[p]), 0)],
        prize=pz_p + pz_d,
        required=req_p or req_d,
    )


def _vehicle_types(
    problem: RoutingProblem, profile_of: Sequence[int], depot_index: dict[int, int]
) -> tuple[list[VehicleType], list[list[int]], list[int]]:
    """PyVRP vehicle types (vehicles alike in everything), their vehicles, each vehicle's type."""
    type_keys: list[tuple[int, ...]] = []
    members: list[list[int]] = []
    for v, key in enumerate(_vehicle_keys(problem, profile_of)):
        if key not in type_keys:
            type_keys.append(key)
            members.append([])
        members[type_keys.index(key)].append(v)
    cap_all = problem.max_vehicles
    pv_types = []
    vehicle_type = [0] * problem.num_vehicles
    for t, (key, vs) in enumerate(zip(type_keys, members, strict=True)):
        s, e, cap, tw_s, tw_e, fixed, prof = key
        early = max(tw_s, int(problem.node_tw_start[s]))
        late_start = max(early, min(tw_e, int(problem.node_tw_end[s])))
        late = min(tw_e, int(problem.node_tw_end[e]))
        num = len(vs) if cap_all is None else max(1, min(len(vs), cap_all))
        pv_types.append(
            VehicleType(
                num_available=num,
                capacity=[cap],
                start_depot=depot_index[s],
                end_depot=depot_index[e],
                fixed_cost=fixed,
                tw_early=early,
                tw_late=max(late, early),
                start_late=late_start,
                unit_distance_cost=1,
                profile=prof,
            )
        )
        for v in vs:
            vehicle_type[v] = t
    return pv_types, members, vehicle_type


def build_pyvrp_problem(problem: RoutingProblem) -> PyVRPProblem:
    """Translate ``problem`` to PyVRP ``ProblemData`` (one PyVRP location per node)."""
    depots = [int(d) for d in problem.depot_nodes()]
    paired = {int(x) for x in problem.pairs.ravel()}
    clients = [int(i) for i in problem.visit_nodes() if int(i) not in paired]
    pairs = [(int(p), int(d)) for p, d in problem.pairs]
    # PyVRP location order: depots, clients, then pickup/delivery nodes of shipments.
    order = depots + clients + [x for pd in pairs for x in pd]
    loc_of_node = {node: k for k, node in enumerate(order)}
    profile_of, profiles = _profile_index(problem)
    dist_mats, dur_mats = _matrices(problem, order, profiles)
    node_activity: dict[int, tuple[ActivityType, int]] = {}
    for k, i in enumerate(clients):
        node_activity[i] = (ActivityType.CLIENT, k)
    for k, (p, d) in enumerate(pairs):
        node_activity[p] = (ActivityType.PICKUP, k)
        node_activity[d] = (ActivityType.DELIVERY, k)
    depot_index = {d: k for k, d in enumerate(depots)}
    pv_types, members, vehicle_type = _vehicle_types(problem, profile_of, depot_index)
    data = ProblemData(
        locations=[Location(0, 0) for _ in order],
        clients=[_client(problem, i, loc_of_node[i]) for i in clients],
        depots=[
            Depot(loc_of_node[d], service_duration=int(problem.node_service[d])) for d in depots
        ],
        vehicle_types=pv_types,
        distance_matrices=dist_mats,  # type: ignore[arg-type]  # PyVRP's stub is too narrow
        duration_matrices=dur_mats,  # type: ignore[arg-type]
        shipments=[
            _shipment(problem, k, (loc_of_node[p], loc_of_node[d]))
            for k, (p, d) in enumerate(pairs)
        ],
    )
    return PyVRPProblem(
        data=data,
        client_node=tuple(clients),
        depot_node=tuple(depots),
        shipment_nodes=tuple(pairs),
        type_vehicles=tuple(tuple(vs) for vs in members),
        node_activity=node_activity,
        vehicle_type=tuple(vehicle_type),
        omitted=pyvrp_coverage(problem),
    )


def decode_solution(pyvrp: PyVRPProblem, solution: Solution) -> list[tuple[int, list[int]]]:
    """(problem vehicle, customer nodes) routes of a PyVRP solution of ``pyvrp``."""
    free = [list(vs) for vs in pyvrp.type_vehicles]
    routes: list[tuple[int, list[int]]] = []
    for route in solution.routes():
        nodes: list[int] = []
        for act in route.schedule():
            if act.type == ActivityType.CLIENT:
                nodes.append(pyvrp.client_node[act.idx])
            elif act.type == ActivityType.PICKUP:
                nodes.append(pyvrp.shipment_nodes[act.idx][0])
            elif act.type == ActivityType.DELIVERY:
                nodes.append(pyvrp.shipment_nodes[act.idx][1])
        if not nodes:
            continue
        pool = free[route.vehicle_type()]
        if not pool:
            raise RuntimeError("PyVRP used more vehicles of a type than exist")
        routes.append((pool.pop(0), nodes))
    return routes


def encode_routes(pyvrp: PyVRPProblem, routes: Sequence[tuple[int, Sequence[int]]]) -> Solution:
    """PyVRP ``Solution`` for (vehicle, customer nodes) routes of the same problem."""
    pv_routes = []
    for vehicle, customers in routes:
        if not customers:
            continue
        acts = [Activity(*pyvrp.node_activity[int(c)]) for c in customers]
        pv_routes.append(Route(pyvrp.data, acts, pyvrp.vehicle_type[vehicle]))
    return Solution(pyvrp.data, pv_routes)


__all__ = [
    "PyVRPProblem",
    "build_pyvrp_problem",
    "decode_solution",
    "encode_routes",
    "pyvrp_coverage",
]
