"""Daily collection routing: pickup tasks of a scenario ⇄ a solver-neutral routing problem.

Each task becomes a pickup node at its farm and a delivery node at its logistics
point (a pickup-and-delivery pair), so a vehicle may unload and go out again
(several trips) and may deliver to any logistics point, not only its home.

Time at a place: the fixed stop time of a location (``stop_min`` of the farm or
logistics point: arriving, parking, paperwork) is part of the duration matrix,
``duration[a, b] = travel(a, b) + stop(b)`` for a != b and 0 on the diagonal, so
consecutive visits at the same place pay it once in every engine and in the
checker. A node's service time is the handling of its task's kg
(``loading_min_per_t`` / ``unloading_min_per_t``). A visit's ``arrival`` therefore
lies after the stop time; :func:`routes_from_solution` shows the moment the truck
arrives.

Units inside the routing problem: metres, seconds after midnight of the
planning date, 0.1 kg of load, and cents of cost.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from agrichain.allocation import PickupTask
from agrichain.geo import GreatCircleTravel, TravelMatrix, TravelModel
from agrichain.model import Scenario, minutes_of_day
from agrichain.plan import Route, Stop, TaskOutcome
from agrichain.routing.check import Cause
from agrichain.routing.problem import (
    RoutingProblem,
    RoutingSolution,
    Visit,
)

LOAD_UNITS_PER_KG = 10
COST_UNITS_PER_CURRENCY = 100
SECONDS_PER_MIN = 60


@dataclass(frozen=True)
class CollectionTask:
    """A task as routed: the allocation task, or one piece of it if it was split."""

    task_id: str
    parent_id: str
    farm_id: str
    product_id: str
    kg: float
    logistics_point_id: str
    order_ids: tuple[str, ...]


@dataclass(frozen=True)
class CollectionModel:
    """A routing problem built from a scenario, with the mapping back to the domain."""

    scenario: Scenario
    problem: RoutingProblem
    tasks: tuple[CollectionTask, ...]
    pickup_node: tuple[int, ...]
    delivery_node: tuple[int, ...]
    depot_node: dict[str, int]
    """Logistics point id → its start/end node."""
    location_ids: tuple[str, ...]
    """Farm and logistics point ids, in location (matrix) order."""
    travel: TravelMatrix
    location_stop_s: tuple[int, ...]
    """Fixed stop seconds of each location (included in the problem's duration matrix)."""


def default_travel(scenario: Scenario) -> GreatCircleTravel:
    t = scenario.settings.travel
    return GreatCircleTravel(speed_kmh=t.speed_kmh, circuity=t.circuity)


def _whole_seconds(minutes: float) -> int:
    """``minutes`` in seconds, rounded up (float noise aside)."""
    return math.ceil(minutes * SECONDS_PER_MIN - 1e-9)


def split_tasks(scenario: Scenario, tasks: Sequence[PickupTask]) -> list[CollectionTask]:
    """Split each task larger than every vehicle able to carry it into equal pieces."""
    cap_any = max(v.capacity_kg for v in scenario.vehicles)
    cap_cold = max((v.capacity_kg for v in scenario.vehicles if v.refrigerated), default=0.0)
    out: list[CollectionTask] = []
    for t in tasks:
        cap = cap_cold if scenario.product[t.product_id].needs_cold_chain else cap_any
        pieces = max(1, math.ceil(t.kg / cap - 1e-9)) if cap > 0 else 1
        for k in range(pieces):
            out.append(
                CollectionTask(
                    task_id=t.task_id if pieces == 1 else f"{t.task_id}-{k + 1}",
                    parent_id=t.task_id,
                    farm_id=t.farm_id,
                    product_id=t.product_id,
                    kg=t.kg / pieces,
                    logistics_point_id=t.logistics_point_id,
                    order_ids=t.order_ids,
                )
            )
    return out


def build_collection_model(
    scenario: Scenario,
    tasks: Sequence[PickupTask],
    travel: TravelModel | None = None,
) -> CollectionModel:
    """Translate today's pickup tasks into a :class:`RoutingProblem`."""
    travel = travel or default_travel(scenario)
    farms = scenario.farms
    lps = scenario.logistics_points
    location_ids = tuple([f.farm_id for f in farms] + [p.logistics_point_id for p in lps])
    loc_of_farm = {f.farm_id: i for i, f in enumerate(farms)}
    loc_of_lp = {p.logistics_point_id: len(farms) + i for i, p in enumerate(lps)}
    tm = travel.matrix(
        [f.lat for f in farms] + [p.lat for p in lps], [f.lon for f in farms] + [p.lon for p in lps]
    )
    distance_m = np.rint(tm.distance_km * 1000.0).astype(np.int64)
    travel_s = np.ceil(tm.duration_min * SECONDS_PER_MIN - 1e-9).astype(np.int64)
    stop_s = np.asarray(
        [_whole_seconds(f.stop_min) for f in farms] + [_whole_seconds(p.stop_min) for p in lps],
        dtype=np.int64,
    )
    duration_s = travel_s + stop_s[None, :]
    np.fill_diagonal(duration_s, 0)

    pieces = split_tasks(scenario, tasks)
    settings = scenario.settings.routing

    node_loc: list[int] = []
    demand: list[int] = []
    tw_start: list[int] = []
    tw_end: list[int] = []
    service: list[int] = []
    penalty: list[int] = []
    allowed: list[frozenset[int] | None] = []
    refrigerated = frozenset(i for i, v in enumerate(scenario.vehicles) if v.refrigerated)

    def add(
        loc: int, dem: int, a: int, b: int, serv: int, pen: int, ok: frozenset[int] | None
    ) -> int:
        node_loc.append(loc)
        demand.append(dem)
        tw_start.append(a)
        tw_end.append(b)
        service.append(serv)
        penalty.append(pen)
        allowed.append(ok)
        return len(node_loc) - 1

    depot_node: dict[str, int] = {}
    for p in lps:
        depot_node[p.logistics_point_id] = add(
            loc_of_lp[p.logistics_point_id],
            0,
            minutes_of_day(p.open) * 60,
            minutes_of_day(p.close) * 60,
            0,
            -1,
            None,
        )
    pickup_node: list[int] = []
    delivery_node: list[int] = []
    pair_max: list[int] = []
    for t in pieces:
        farm = scenario.farm[t.farm_id]
        lp = scenario.logistics_point[t.logistics_point_id]
        product = scenario.product[t.product_id]
        load = max(1, round(t.kg * LOAD_UNITS_PER_KG))
        ok = refrigerated if product.needs_cold_chain else None
        pen = round(
            (settings.drop_penalty_per_task + settings.drop_penalty_per_kg * t.kg)
            * COST_UNITS_PER_CURRENCY
        )
        pickup_node.append(
            add(
                loc_of_farm[t.farm_id],
                load,
                minutes_of_day(farm.pickup_open) * 60,
                minutes_of_day(farm.pickup_close) * 60,
                _whole_seconds(farm.handling_min(t.kg)),
                pen,
                ok,
            )
        )
        delivery_node.append(
            add(
                loc_of_lp[t.logistics_point_id],
                -load,
                minutes_of_day(lp.open) * 60,
                minutes_of_day(lp.cutoff) * 60,
                _whole_seconds(lp.handling_min(t.kg)),
                0,
                ok,
            )
        )
        pair_max.append(round(product.max_transit_min * 60))

    vehicles = scenario.vehicles
    v_start, v_end = [], []
    for v in vehicles:
        lp = scenario.logistics_point[v.home_logistics_point_id]
        v_start.append(max(minutes_of_day(v.shift_start), minutes_of_day(lp.open)) * 60)
        v_end.append(min(minutes_of_day(v.shift_end), minutes_of_day(lp.close)) * 60)
    v_start_arr = np.asarray(v_start)
    v_end_arr = np.maximum(np.asarray(v_end), v_start_arr)
    problem = RoutingProblem(
        distance=distance_m,
        duration=duration_s,
        node_location=np.asarray(node_loc),
        node_demand=np.asarray(demand),
        node_tw_start=np.asarray(tw_start),
        node_tw_end=np.asarray(tw_end),
        node_service=np.asarray(service),
        node_drop_penalty=np.asarray(penalty),
        vehicle_start_node=np.asarray([depot_node[v.home_logistics_point_id] for v in vehicles]),
        vehicle_end_node=np.asarray([depot_node[v.home_logistics_point_id] for v in vehicles]),
        vehicle_capacity=np.asarray(
            [math.floor(v.capacity_kg * LOAD_UNITS_PER_KG) for v in vehicles]
        ),
        vehicle_tw_start=v_start_arr,
        vehicle_tw_end=v_end_arr,
        vehicle_fixed_cost=np.asarray(
            [round(v.fixed_cost * COST_UNITS_PER_CURRENCY) for v in vehicles]
        ),
        vehicle_distance_cost=np.asarray(
            [v.cost_per_km * COST_UNITS_PER_CURRENCY / 1000.0 for v in vehicles]
        ),
        pairs=np.asarray(
            list(zip(pickup_node, delivery_node, strict=True)), dtype=np.int64
        ).reshape(-1, 2),
        pair_max_transit=np.asarray(pair_max, dtype=np.int64),
        node_allowed_vehicles=tuple(allowed),
        deliver_at_first_visit=True,
        name=scenario.settings.name,
    )
    return CollectionModel(
        scenario=scenario,
        problem=problem,
        tasks=tuple(pieces),
        pickup_node=tuple(pickup_node),
        delivery_node=tuple(delivery_node),
        depot_node=depot_node,
        location_ids=location_ids,
        travel=tm,
        location_stop_s=tuple(int(x) for x in stop_s),
    )


# ----- back to the domain -------------------------------------------------------


def _stop_kind(model: CollectionModel, node: int) -> str:
    if node in model.depot_node.values():
        return "depot"
    return "farm" if model.problem.node_demand[node] > 0 else "logistics_point"


def routes_from_solution(model: CollectionModel, solution: RoutingSolution) -> list[Route]:
    """Domain routes: consecutive visits at the same place merge into one stop.

    A stop's arrival is when the truck arrives (before the stop time), its departure
    when the last handling there ends (at the final depot: after the stop time).
    """
    sc = model.scenario
    prob = model.problem
    task_of_node: dict[int, str] = {}
    for t, p, d in zip(model.tasks, model.pickup_node, model.delivery_node, strict=True):
        task_of_node[p] = t.task_id
        task_of_node[d] = t.task_id
    routes: list[Route] = []
    for vr in solution.routes:
        if len(vr.visits) <= 2:
            continue
        vehicle = sc.vehicles[vr.vehicle]
        groups: list[list[Visit]] = []
        for i, visit in enumerate(vr.visits):
            kind = "depot" if i in (0, len(vr.visits) - 1) else _stop_kind(model, visit.node)
            same = (
                groups
                and kind != "depot"
                and _stop_kind(model, groups[-1][0].node) == kind
                and prob.node_location[groups[-1][0].node] == prob.node_location[visit.node]
            )
            if same:
                groups[-1].append(visit)
            else:
                groups.append([visit])
        stops: list[Stop] = []
        trip = 1
        prev_kind = "depot"
        # Leave the depot as late as the first stop allows: no waiting at the first farm.
        v0, v1 = vr.visits[0], vr.visits[1]
        leave = max(v0.start, v1.start - prob.node_duration(v0.node, v1.node))
        for seq, group in enumerate(groups):
            first, last = group[0], group[-1]
            is_end = seq == len(groups) - 1
            kind = "depot" if seq == 0 or is_end else _stop_kind(model, first.node)
            if kind == "farm" and prev_kind == "logistics_point":
                trip += 1
            loc = int(prob.node_location[first.node])
            place_id = model.location_ids[loc]
            lat, lon = _coords(sc, place_id)
            if seq == 0:  # leaving the depot
                arrival = departure = leave
            else:
                # the visit's arrival includes the stop time unless it follows a visit here
                reached = first.arrival
                if seq == 1:
                    reached = leave + prob.node_duration(v0.node, first.node)
                prev_loc = int(prob.node_location[groups[seq - 1][-1].node])
                arrival = reached - (model.location_stop_s[loc] if prev_loc != loc else 0)
                # back at the depot: after its stop time; elsewhere after the last handling
                departure = reached if is_end else last.start + int(prob.node_service[last.node])
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
                    load_kg=last.load_after / LOAD_UNITS_PER_KG,
                    cum_km=last.distance_from_start / 1000.0,
                    task_ids=tuple(task_of_node[v.node] for v in group if v.node in task_of_node),
                )
            )
            prev_kind = kind
        distance_km = vr.distance / 1000.0
        cost = vehicle.fixed_cost + vehicle.cost_per_km * distance_km
        routes.append(
            Route(
                vehicle_id=vehicle.vehicle_id,
                home_logistics_point_id=vehicle.home_logistics_point_id,
                refrigerated=vehicle.refrigerated,
                stops=tuple(stops),
                distance_km=distance_km,
                cost=cost,
            )
        )
    return routes


def _coords(sc: Scenario, place_id: str) -> tuple[float, float]:
    if place_id in sc.farm:
        f = sc.farm[place_id]
        return f.lat, f.lon
    p = sc.logistics_point[place_id]
    return p.lat, p.lon


def task_outcomes(model: CollectionModel, solution: RoutingSolution) -> list[TaskOutcome]:
    """One outcome per routed task piece: vehicle and times, or unassigned."""
    sc = model.scenario
    where: dict[int, tuple[int, int]] = {}
    for vr in solution.routes:
        for visit in vr.visits:
            where[visit.node] = (vr.vehicle, visit.start)
    out = []
    for t, p, d in zip(model.tasks, model.pickup_node, model.delivery_node, strict=True):
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


def explain_unserved(model: CollectionModel, task_index: int, cause: Cause) -> str:
    """Why a task piece was not routed, in the domain's words, from its routing ``cause``.

    For causes that hold for the task alone the direct trip depot → farm →
    logistics point → depot is examined, for every vehicle allowed to carry it,
    against the farm's window, the point's cut-off, the maximum transit and the
    shift, and the first rule that stops it is named.
    """
    sc = model.scenario
    prob = model.problem
    t = model.tasks[task_index]
    p = model.pickup_node[task_index]
    d = model.delivery_node[task_index]
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
