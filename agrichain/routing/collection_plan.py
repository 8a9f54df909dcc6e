"""A solved collection problem back in the domain's terms: plan routes, task outcomes, causes.

The inverse of :mod:`agrichain.routing.collection`: visits become stops of
:class:`~agrichain.plan.Route` (consecutive visits at one place merged), task pieces
become :class:`~agrichain.plan.TaskOutcome`, and a routing
:class:`~agrichain.routing.rules.Cause` is worded for an unserved task.
"""

from __future__ import annotations

from agrichain.model import Scenario
from agrichain.plan import Route, Stop, TaskOutcome
from agrichain.routing.collection import LOAD_UNITS_PER_KG, CollectionProblem
from agrichain.routing.problem import RoutingSolution, VehicleRoute, Visit
from agrichain.routing.rules import Cause


def _stop_kind(collection: CollectionProblem, node: int) -> str:
    if node in collection.depot_node.values():
        return "depot"
    return "farm" if collection.problem.node_demand[node] > 0 else "logistics_point"


def routes_from_solution(collection: CollectionProblem, solution: RoutingSolution) -> list[Route]:
    """Domain routes: consecutive visits at the same place merge into one stop.

    A stop's arrival is when the truck arrives (before the stop time), its departure
    when the last handling there ends (at the final depot: after the stop time).
    """
    task_of_node: dict[int, str] = {}
    for t, p, d in zip(
        collection.tasks, collection.pickup_node, collection.delivery_node, strict=True
    ):
        task_of_node[p] = t.task_id
        task_of_node[d] = t.task_id
    return [_route(collection, vr, task_of_node) for vr in solution.routes if len(vr.visits) > 2]


def _place_groups(collection: CollectionProblem, vr: VehicleRoute) -> list[list[Visit]]:
    """The route's visits, consecutive visits of one kind at one place in one group."""
    prob = collection.problem
    groups: list[list[Visit]] = []
    for i, visit in enumerate(vr.visits):
        kind = "depot" if i in (0, len(vr.visits) - 1) else _stop_kind(collection, visit.node)
        same = (
            groups
            and kind != "depot"
            and _stop_kind(collection, groups[-1][0].node) == kind
            and prob.node_location[groups[-1][0].node] == prob.node_location[visit.node]
        )
        if same:
            groups[-1].append(visit)
        else:
            groups.append([visit])
    return groups


def _stop_times_s(
    collection: CollectionProblem, vr: VehicleRoute, groups: list[list[Visit]], seq: int, leave: int
) -> tuple[int, int]:
    """Arrival and departure at stop ``seq``; the vehicle leaves its depot at ``leave``."""
    if seq == 0:
        return leave, leave
    prob = collection.problem
    first, last = groups[seq][0], groups[seq][-1]
    # the visit's arrival includes the stop time unless it follows a visit here
    reached = first.arrival
    if seq == 1:
        reached = leave + prob.node_duration(vr.visits[0].node, first.node)
    loc = int(prob.node_location[first.node])
    prev_loc = int(prob.node_location[groups[seq - 1][-1].node])
    arrival = reached - (collection.location_stop_s[loc] if prev_loc != loc else 0)
    # back at the depot: after its stop time; elsewhere after the last handling
    is_end = seq == len(groups) - 1
    departure = reached if is_end else last.start + int(prob.node_service[last.node])
    return arrival, departure


def _route(collection: CollectionProblem, vr: VehicleRoute, task_of_node: dict[int, str]) -> Route:
    """The domain route of one vehicle route (with at least one visit)."""
    sc = collection.scenario
    prob = collection.problem
    vehicle = sc.vehicles[vr.vehicle]
    groups = _place_groups(collection, vr)
    # Leave the depot as late as the first stop allows: no waiting at the first farm.
    v0, v1 = vr.visits[0], vr.visits[1]
    leave = max(v0.start, v1.start - prob.node_duration(v0.node, v1.node))
    stops: list[Stop] = []
    trip = 1
    prev_kind = "depot"
    for seq, group in enumerate(groups):
        is_end = seq == len(groups) - 1
        kind = "depot" if seq == 0 or is_end else _stop_kind(collection, group[0].node)
        if kind == "farm" and prev_kind == "logistics_point":
            trip += 1
        place_id = collection.location_ids[int(prob.node_location[group[0].node])]
        lat, lon = _coords(sc, place_id)
        arrival, departure = _stop_times_s(collection, vr, groups, seq, leave)
        stops.append(
            Stop(
                vehicle_id=vehicle.vehicle_id,
                trip=trip,
                seq=seq,
                stop_id=place_id,
                stop_kind=kind,
                lat=lat,
                lon=lon,
                arrival=sc.datetime_at(arrival / 60),
                departure=sc.datetime_at(departure / 60),
                load_kg=group[-1].load_after / LOAD_UNITS_PER_KG,
                cum_km=group[-1].distance_from_start / 1000.0,
                task_ids=tuple(task_of_node[v.node] for v in group if v.node in task_of_node),
            )
        )
        prev_kind = kind
    distance_km = vr.distance / 1000.0
    return Route(
        vehicle_id=vehicle.vehicle_id,
        home_logistics_point_id=vehicle.home_logistics_point_id,
        refrigerated=vehicle.refrigerated,
        stops=tuple(stops),
        distance_km=distance_km,
        cost=vehicle.fixed_cost + vehicle.cost_per_km * distance_km,
    )


def _coords(sc: Scenario, place_id: str) -> tuple[float, float]:
    if place_id in sc.farm:
        f = sc.farm[place_id]
        return f.lat, f.lon
    p = sc.logistics_point[place_id]
    return p.lat, p.lon


def task_outcomes(collection: CollectionProblem, solution: RoutingSolution) -> list[TaskOutcome]:
    """One outcome per routed task piece: vehicle and times, or unassigned."""
    sc = collection.scenario
    where: dict[int, tuple[int, int]] = {}
    for vr in solution.routes:
        for visit in vr.visits:
            where[visit.node] = (vr.vehicle, visit.start)
    out = []
    for t, p, d in zip(
        collection.tasks, collection.pickup_node, collection.delivery_node, strict=True
    ):
        served = p in where and d in where
        veh, t_pick = where[p] if served else (None, 0)
        t_drop = where[d][1] if served else 0
        out.append(
            TaskOutcome(
                task_id=t.task_id,
                farm_id=t.farm_id,
                product_id=t.product_id,
                kg=t.kg,
                logistics_point_id=t.logistics_point_id,
                vehicle_id=sc.vehicles[veh].vehicle_id if veh is not None else None,
                pickup_time=sc.datetime_at(t_pick / 60) if served else None,
                delivery_time=sc.datetime_at(t_drop / 60) if served else None,
                transit_min=(t_drop - t_pick) / 60.0 if served else None,
                max_transit_min=sc.product[t.product_id].max_transit_min,
                order_ids=t.order_ids,
            )
        )
    return out


def explain_unserved(collection: CollectionProblem, task_index: int, cause: Cause) -> str:
    """Why a task piece was not routed, in the domain's words, from its routing ``cause``.

    For causes that hold for the task alone the direct trip depot → farm →
    logistics point → depot is examined, for every vehicle allowed to carry it,
    against the farm's window, the point's cut-off, the maximum transit and the
    shift, and the first rule that stops it is named.
    """
    sc = collection.scenario
    prob = collection.problem
    t = collection.tasks[task_index]
    p = collection.pickup_node[task_index]
    d = collection.delivery_node[task_index]
    product = sc.product[t.product_id]
    cold = product.needs_cold_chain
    if cause is Cause.FLEET_FULL:
        return "the fleet is full: every vehicle's capacity and shift are used by other tasks"
    if cause is Cause.RESTRICTED_FLEET_FULL:
        what = "refrigerated vehicle" if cold else "vehicle allowed to carry it"
        return f"every {what} is full or out of shift time (used by other tasks)"
    if cause is Cause.UNPROFITABLE:
        return "collecting it would cost more than its drop penalty"
    if cause is Cause.SEARCH_STOPPED:
        return (
            "a vehicle could still take it: the search stopped (time or solution limit) "
            "before placing it"
        )
    if cause is Cause.NO_VEHICLE_ON_SHIFT:
        return "no vehicle can work: every shift is outside its home point's opening hours"
    candidates = [i for i in range(prob.num_vehicles) if prob.allowed(p, i)]
    if cause is Cause.NOT_ALLOWED or not candidates:
        if cold:
            return f"no refrigerated vehicle for cold-chain product {t.product_id}"
        return "no vehicle may collect it"
    if cause is Cause.OVER_CAPACITY:
        return f"{t.kg:.1f} kg exceeds the capacity of every suitable vehicle"
    farm_to_lp = prob.node_duration(p, d)
    loading = int(prob.node_service[p])
    if cause is Cause.TRANSIT_TOO_LONG:
        return (
            f"the direct drive {t.farm_id} → {t.logistics_point_id} "
            f"({(loading + farm_to_lp) / 60:.0f} min with loading) exceeds the "
            f"{product.max_transit_min:.0f} min maximum transit of {t.product_id}"
        )
    reasons = set()
    for i in candidates:
        depot = int(prob.vehicle_start_node[i])
        leave = max(int(prob.vehicle_tw_start[i]), int(prob.node_tw_start[depot]))
        arrive = leave + prob.node_duration(depot, p)
        start = max(arrive, int(prob.node_tw_start[p]))
        if start > prob.node_tw_end[p]:
            reasons.add("window")
            continue
        at_lp = start + loading + farm_to_lp
        drop = max(at_lp, int(prob.node_tw_start[d]))
        if drop > prob.node_tw_end[d]:
            reasons.add("cutoff")
            continue
        reasons.add("shift")
    farm = sc.farm[t.farm_id]
    lp = sc.logistics_point[t.logistics_point_id]
    if "window" in reasons and not reasons - {"window"}:
        return (
            f"no vehicle can reach farm {t.farm_id} within its pickup window "
            f"{farm.pickup_open:%H:%M}–{farm.pickup_close:%H:%M}"
        )
    if "cutoff" in reasons and "shift" not in reasons:
        return f"cannot reach {t.logistics_point_id} before its cut-off {lp.cutoff:%H:%M}"
    return "no vehicle can collect it and deliver it within the windows, transit and its shift"


__all__ = ["explain_unserved", "routes_from_solution", "task_outcomes"]
