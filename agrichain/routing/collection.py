"""Daily collection routing: the pickup tasks of a scenario as a solver-neutral routing problem.

Each task becomes a pickup node at its farm and a delivery node at its logistics
point (a pickup-and-delivery pair), so a vehicle may unload and go out again
(several trips) and may deliver to any logistics point, not only its home.

Time at a place: the fixed stop time of a location (``stop_min`` of the farm or
logistics point: arriving, parking, paperwork) is part of the duration matrix,
``duration[a, b] = travel(a, b) + stop(b)`` for a != b and 0 on the diagonal, so
consecutive visits at the same place pay it once in every engine and in the
checker. A node's service time is the handling of its task's kg
(``loading_min_per_t`` / ``unloading_min_per_t``). A visit's ``arrival`` therefore
lies after the stop time; :func:`agrichain.routing.collection_plan.routes_from_solution`
shows the moment the truck arrives.

Units inside the routing problem: metres, seconds after midnight of the
planning date, 0.1 kg of load, and cents of cost.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import astuple, dataclass, field

import numpy as np

from agrichain.allocation import PickupTask
from agrichain.geo import GreatCircleTravel, TravelMatrix, TravelModel
from agrichain.model import Scenario, minutes_of_day
from agrichain.routing.problem import IntArray, RoutingProblem

LOAD_UNITS_PER_KG = 10
#: Cost (currency) of leaving undelivered a task already on board: it is dropped only
#: when it cannot be delivered at all.
ON_BOARD_PENALTY = 1_000_000
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
class OnBoard:
    """A task a vehicle already picked up (when the day is re-planned): it must deliver it."""

    task: PickupTask
    picked_up_s: int
    """When it was picked up, in seconds after midnight of the planning date."""


@dataclass(frozen=True)
class VehicleStart:
    """Where and when a vehicle starts when the rest of the day is re-planned, and what it
    carries; it still ends at its home point."""

    place_id: str
    """The farm or logistics point it is at."""
    at_s: int
    """Seconds after midnight of the planning date."""
    on_board: tuple[OnBoard, ...] = ()


@dataclass(frozen=True)
class CollectionProblem:
    """A scenario's pickup tasks as a routing problem, with the mapping back to the domain."""

    scenario: Scenario
    problem: RoutingProblem
    tasks: tuple[CollectionTask, ...]
    pickup_node: tuple[int, ...]
    delivery_node: tuple[int, ...]
    depot_node: dict[str, int]
    """Logistics point id → its start/end node, for the points that are a vehicle's home."""
    location_ids: tuple[str, ...]
    """Farm and logistics point ids, in location (matrix) order."""
    travel: TravelMatrix
    location_stop_s: tuple[int, ...]
    """Fixed stop seconds of each location (included in the problem's duration matrix)."""
    on_board: frozenset[int] = frozenset()
    """Indices into :attr:`tasks` of the pieces already on board (their pickup node is a
    formality at the vehicle's start)."""


@dataclass(frozen=True)
class _Places:
    """The farms and logistics points as locations: ids, travel, matrices in problem units."""

    location_ids: tuple[str, ...]
    farm_location: dict[str, int]
    point_location: dict[str, int]
    """Logistics point id → its location."""
    travel: TravelMatrix
    distance_m: IntArray
    duration_s: IntArray
    """Travel plus the stop time at the destination; 0 on the diagonal."""
    stop_s: IntArray


@dataclass
class _Nodes:
    """The problem's node columns, filled one node at a time."""

    location: list[int] = field(default_factory=list)
    demand: list[int] = field(default_factory=list)
    tw_start: list[int] = field(default_factory=list)
    tw_end: list[int] = field(default_factory=list)
    service: list[int] = field(default_factory=list)
    penalty: list[int] = field(default_factory=list)
    allowed: list[frozenset[int] | None] = field(default_factory=list)

    def add(
        self,
        location: int,
        demand: int,
        window_s: tuple[int, int],
        service_s: int,
        penalty: int,
        allowed: frozenset[int] | None,
    ) -> int:
        """Append a node; its index."""
        self.location.append(location)
        self.demand.append(demand)
        self.tw_start.append(window_s[0])
        self.tw_end.append(window_s[1])
        self.service.append(service_s)
        self.penalty.append(penalty)
        self.allowed.append(allowed)
        return len(self.location) - 1


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


def _places(scenario: Scenario, travel: TravelModel) -> _Places:
    """Farms then logistics points as locations, with their matrices in metres and seconds."""
    farms = scenario.farms
    lps = scenario.logistics_points
    tm = travel.matrix(
        [f.lat for f in farms] + [p.lat for p in lps], [f.lon for f in farms] + [p.lon for p in lps]
    )
    travel_s = np.ceil(tm.duration_min * SECONDS_PER_MIN - 1e-9).astype(np.int64)
    stop_s = np.asarray(
        [_whole_seconds(f.stop_min) for f in farms] + [_whole_seconds(p.stop_min) for p in lps],
        dtype=np.int64,
    )
    duration_s = travel_s + stop_s[None, :]
    np.fill_diagonal(duration_s, 0)
    return _Places(
        location_ids=tuple([f.farm_id for f in farms] + [p.logistics_point_id for p in lps]),
        farm_location={f.farm_id: i for i, f in enumerate(farms)},
        point_location={p.logistics_point_id: len(farms) + i for i, p in enumerate(lps)},
        travel=tm,
        distance_m=np.rint(tm.distance_km * 1000.0).astype(np.int64),
        duration_s=duration_s,
        stop_s=stop_s,
    )


def _window_s(open_at: dt.time, close_at: dt.time) -> tuple[int, int]:
    return minutes_of_day(open_at) * 60, minutes_of_day(close_at) * 60


def _task_nodes(
    scenario: Scenario,
    pieces: Sequence[CollectionTask],
    nodes: _Nodes,
    places: _Places,
    idle: Collection[str] = (),
) -> tuple[list[int], list[int], list[int]]:
    """A pickup and a delivery node per task piece: (pickups, deliveries, max transit s)."""
    settings = scenario.settings.routing
    working = frozenset(i for i, v in enumerate(scenario.vehicles) if v.vehicle_id not in idle)
    refrigerated = frozenset(i for i in working if scenario.vehicles[i].refrigerated)
    anyone = None if len(working) == len(scenario.vehicles) else working
    pickup_node: list[int] = []
    delivery_node: list[int] = []
    pair_max: list[int] = []
    for t in pieces:
        farm = scenario.farm[t.farm_id]
        lp = scenario.logistics_point[t.logistics_point_id]
        product = scenario.product[t.product_id]
        load = max(1, round(t.kg * LOAD_UNITS_PER_KG))
        ok = refrigerated if product.needs_cold_chain else anyone
        pen = round(
            (settings.drop_penalty_per_task + settings.drop_penalty_per_kg * t.kg)
            * COST_UNITS_PER_CURRENCY
        )
        pickup_node.append(
            nodes.add(
                places.farm_location[t.farm_id],
                load,
                _window_s(farm.pickup_open, farm.pickup_close),
                _whole_seconds(farm.handling_min(t.kg)),
                pen,
                ok,
            )
        )
        delivery_node.append(
            nodes.add(
                places.point_location[t.logistics_point_id],
                -load,
                _window_s(lp.open, lp.cutoff),
                _whole_seconds(lp.handling_min(t.kg)),
                0,
                ok,
            )
        )
        pair_max.append(round(product.max_transit_min * 60))
    return pickup_node, delivery_node, pair_max


def _shifts_s(scenario: Scenario) -> tuple[IntArray, IntArray]:
    """Each vehicle's working window: its shift within its home point's opening hours."""
    v_start, v_end = [], []
    for v in scenario.vehicles:
        lp = scenario.logistics_point[v.home_logistics_point_id]
        v_start.append(max(minutes_of_day(v.shift_start), minutes_of_day(lp.open)) * 60)
        v_end.append(min(minutes_of_day(v.shift_end), minutes_of_day(lp.close)) * 60)
    v_start_arr = np.asarray(v_start)
    return v_start_arr, np.maximum(np.asarray(v_end), v_start_arr)


def _starts(
    scenario: Scenario,
    starts: Mapping[str, VehicleStart],
    nodes: _Nodes,
    places: _Places,
    home: list[int],
    shift_start: IntArray,
) -> None:
    """A start node per vehicle that starts elsewhere; its shift starts there and then."""
    for v, vehicle in enumerate(scenario.vehicles):
        start = starts.get(vehicle.vehicle_id)
        if start is None:
            continue
        at = places.farm_location.get(start.place_id, places.point_location.get(start.place_id))
        if at is None:
            raise ValueError(
                f"vehicle {vehicle.vehicle_id} starts at unknown place {start.place_id!r}"
            )
        home[v] = nodes.add(at, 0, (start.at_s, start.at_s), 0, -1, None)
        shift_start[v] = start.at_s


def _on_board_nodes(
    scenario: Scenario,
    starts: Mapping[str, VehicleStart],
    nodes: _Nodes,
    places: _Places,
    start_node: list[int],
) -> tuple[list[CollectionTask], list[int], list[int], list[int]]:
    """Each task on board as a pair: a pickup at the vehicle's start (that vehicle only,
    no handling) and its delivery; transit left = its limit less the time already on board."""
    pieces, pickups, deliveries, pair_max = [], [], [], []
    penalty = ON_BOARD_PENALTY * COST_UNITS_PER_CURRENCY
    for v, vehicle in enumerate(scenario.vehicles):
        start = starts.get(vehicle.vehicle_id)
        for item in () if start is None else start.on_board:
            assert start is not None
            t, only = item.task, frozenset({v})
            lp = scenario.logistics_point[t.logistics_point_id]
            load = max(1, round(t.kg * LOAD_UNITS_PER_KG))
            at = nodes.location[start_node[v]]
            pickups.append(nodes.add(at, load, (start.at_s, start.at_s), 0, penalty, only))
            handling_s = _whole_seconds(lp.handling_min(t.kg))
            window = _window_s(lp.open, lp.cutoff)
            lp_at = places.point_location[t.logistics_point_id]
            deliveries.append(nodes.add(lp_at, -load, window, handling_s, 0, only))
            limit_s = round(scenario.product[t.product_id].max_transit_min * 60)
            pair_max.append(max(0, limit_s - (start.at_s - item.picked_up_s)))
            pieces.append(CollectionTask(t.task_id, t.task_id, *astuple(t)[1:]))
    return pieces, pickups, deliveries, pair_max


def build_collection_problem(
    scenario: Scenario,
    tasks: Sequence[PickupTask],
    travel: TravelModel | None = None,
    starts: Mapping[str, VehicleStart] | None = None,
    idle: Collection[str] = (),
) -> CollectionProblem:
    """Translate today's pickup tasks into a :class:`RoutingProblem`.

    ``starts`` (vehicle id → :class:`VehicleStart`) re-plans the rest of a day: those
    vehicles start where and when they are, and must deliver what they carry. ``idle``
    vehicles (broken down, or kept on a locked route) may visit no task.
    """
    places = _places(scenario, travel or default_travel(scenario))
    nodes = _Nodes()
    # Only the vehicles' homes are depots: a point no vehicle is based at is a
    # destination, never a node a route must pass through.
    homes = {v.home_logistics_point_id for v in scenario.vehicles}
    depot_node = {
        p.logistics_point_id: nodes.add(
            places.point_location[p.logistics_point_id], 0, _window_s(p.open, p.close), 0, -1, None
        )
        for p in scenario.logistics_points
        if p.logistics_point_id in homes
    }
    vehicles = scenario.vehicles
    home = [depot_node[v.home_logistics_point_id] for v in vehicles]
    start_node = list(home)
    shift_start, shift_end = _shifts_s(scenario)
    _starts(scenario, starts or {}, nodes, places, start_node, shift_start)
    pieces = split_tasks(scenario, tasks)
    pickup_node, delivery_node, pair_max = _task_nodes(scenario, pieces, nodes, places, idle)
    carried, carried_p, carried_d, carried_max = _on_board_nodes(
        scenario, starts or {}, nodes, places, start_node
    )
    on_board = frozenset(range(len(pieces), len(pieces) + len(carried)))
    pieces += carried
    pickup_node += carried_p
    delivery_node += carried_d
    pair_max += carried_max
    problem = RoutingProblem(
        distance=places.distance_m,
        duration=places.duration_s,
        node_location=np.asarray(nodes.location),
        node_demand=np.asarray(nodes.demand),
        node_tw_start=np.asarray(nodes.tw_start),
        node_tw_end=np.asarray(nodes.tw_end),
        node_service=np.asarray(nodes.service),
        node_drop_penalty=np.asarray(nodes.penalty),
        vehicle_start_node=np.asarray(start_node),
        vehicle_end_node=np.asarray(home),
        vehicle_capacity=np.asarray(
            [math.floor(v.capacity_kg * LOAD_UNITS_PER_KG) for v in vehicles]
        ),
        vehicle_tw_start=shift_start,
        vehicle_tw_end=shift_end,
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
        node_allowed_vehicles=tuple(nodes.allowed),
        deliver_at_first_visit=True,
        name=scenario.settings.name,
    )
    return CollectionProblem(
        scenario=scenario,
        problem=problem,
        tasks=tuple(pieces),
        pickup_node=tuple(pickup_node),
        delivery_node=tuple(delivery_node),
        depot_node=depot_node,
        location_ids=places.location_ids,
        travel=places.travel,
        location_stop_s=tuple(int(x) for x in places.stop_s),
        on_board=on_board,
    )
