"""Solver-neutral routing problem and solution (the contract between the domain and engines).

A :class:`RoutingProblem` is a small, immutable, integer description of a vehicle
routing problem with time windows, capacities, pickup-and-delivery pairs,
vehicle-node compatibility and a maximum time between a pickup and its delivery.
agrichain scenarios (see :mod:`agrichain.routing.collection`) and the classic
benchmarks (see :mod:`agrichain.routing.sets.vrplib`) are both translated into it, so
one engine serves both.

Units are whatever the producer chooses, as long as they are consistent:
agrichain uses metres for distance, seconds for time and cents for cost;
Solomon instances use tenths of a distance unit for both distance and time.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]

#: ``node_drop_penalty`` value of a node that must be visited.
MANDATORY = -1
#: ``pair_max_transit`` value of a pair without a transit limit.
NO_LIMIT = -1


def _as_int(a: object, name: str, shape: tuple[int, ...] | None = None) -> IntArray:
    arr = np.asarray(a)
    if arr.dtype.kind not in "iu":
        if arr.size and not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must be finite")
        if arr.size and not np.array_equal(arr, np.round(arr)):
            raise ValueError(f"{name} must hold integers")
    out = np.ascontiguousarray(arr, dtype=np.int64)
    if shape is not None and out.shape != shape:
        raise ValueError(f"{name} has shape {out.shape}, expected {shape}")
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False)
class RoutingProblem:
    """An immutable VRP instance in integer units.

    Nodes are visits; several nodes may share a location (a depot used by many
    vehicles, or several tasks delivered to the same logistics point). Vehicle
    start/end nodes are ordinary nodes with zero demand that are never visited
    otherwise.
    """

    distance: IntArray
    """(L, L) distance between locations."""
    duration: IntArray
    """(L, L) travel time between locations."""
    node_location: IntArray
    """(N,) location index of each node."""
    node_demand: IntArray
    """(N,) load change at the node: + for a pickup, - for a delivery."""
    node_tw_start: IntArray
    """(N,) earliest service start."""
    node_tw_end: IntArray
    """(N,) latest service start."""
    node_service: IntArray
    """(N,) service duration at the node."""
    node_drop_penalty: IntArray
    """(N,) cost of leaving the node unvisited, or :data:`MANDATORY`."""
    vehicle_start_node: IntArray
    """(V,) node where each vehicle starts."""
    vehicle_end_node: IntArray
    """(V,) node where each vehicle ends."""
    vehicle_capacity: IntArray
    """(V,) capacity in load units."""
    vehicle_tw_start: IntArray
    """(V,) earliest departure from the start node (shift start)."""
    vehicle_tw_end: IntArray
    """(V,) latest arrival at the end node (shift end)."""
    vehicle_fixed_cost: IntArray
    """(V,) cost of using the vehicle at all."""
    vehicle_distance_cost: FloatArray
    """(V,) cost per distance unit; arc costs are ``round(distance * coef)``."""
    pairs: IntArray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    """(P, 2) pickup node, delivery node: same vehicle, pickup first."""
    pair_max_transit: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """(P,) latest delivery start minus pickup start, or :data:`NO_LIMIT`."""
    node_allowed_vehicles: tuple[frozenset[int] | None, ...] = ()
    """Per node: the vehicles that may visit it, or None for all. Empty tuple: all."""
    max_vehicles: int | None = None
    """Upper bound on the number of vehicles used (None: no bound)."""
    deliver_at_first_visit: bool = False
    """A vehicle unloads a pair's delivery at its first stop at the delivery's location
    after the pickup: it never leaves that location still carrying the cargo for it."""
    name: str = ""

    def __post_init__(self) -> None:
        dist = _as_int(self.distance, "distance")
        if dist.ndim != 2 or dist.shape[0] != dist.shape[1]:
            raise ValueError("distance must be a square matrix")
        n_loc = dist.shape[0]
        object.__setattr__(self, "distance", dist)
        object.__setattr__(self, "duration", _as_int(self.duration, "duration", (n_loc, n_loc)))
        n = np.asarray(self.node_location).shape[0]
        for name in (
            "node_location",
            "node_demand",
            "node_tw_start",
            "node_tw_end",
            "node_service",
            "node_drop_penalty",
        ):
            object.__setattr__(self, name, _as_int(getattr(self, name), name, (n,)))
        v = np.asarray(self.vehicle_start_node).shape[0]
        for name in (
            "vehicle_start_node",
            "vehicle_end_node",
            "vehicle_capacity",
            "vehicle_tw_start",
            "vehicle_tw_end",
            "vehicle_fixed_cost",
        ):
            object.__setattr__(self, name, _as_int(getattr(self, name), name, (v,)))
        coef = np.ascontiguousarray(self.vehicle_distance_cost, dtype=np.float64)
        if coef.shape != (v,) or np.any(coef < 0) or not np.all(np.isfinite(coef)):
            raise ValueError("vehicle_distance_cost must be (V,) finite and >= 0")
        coef.setflags(write=False)
        object.__setattr__(self, "vehicle_distance_cost", coef)
        pairs = _as_int(np.asarray(self.pairs).reshape(-1, 2), "pairs")
        object.__setattr__(self, "pairs", pairs)
        object.__setattr__(
            self,
            "pair_max_transit",
            _as_int(self.pair_max_transit, "pair_max_transit", (pairs.shape[0],)),
        )
        allowed = tuple(self.node_allowed_vehicles)
        if allowed and len(allowed) != n:
            raise ValueError("node_allowed_vehicles must be empty or have one entry per node")
        object.__setattr__(self, "node_allowed_vehicles", allowed)
        self._check()

    def _check(self) -> None:
        n, v = self.num_nodes, self.num_vehicles
        if v == 0:
            raise ValueError("a routing problem needs at least one vehicle")
        if np.any(self.distance < 0) or np.any(self.duration < 0):
            raise ValueError("distance and duration must be >= 0")
        loc = self.node_location
        if n and (loc.min() < 0 or loc.max() >= self.distance.shape[0]):
            raise ValueError("node_location refers to a location outside the matrix")
        if np.any(self.node_tw_end < self.node_tw_start):
            raise ValueError("a node time window ends before it starts")
        if np.any(self.vehicle_tw_end < self.vehicle_tw_start):
            raise ValueError("a vehicle shift ends before it starts")
        if np.any(self.node_service < 0) or np.any(self.vehicle_capacity < 0):
            raise ValueError("service times and capacities must be >= 0")
        for arr in (self.vehicle_start_node, self.vehicle_end_node):
            if arr.min() < 0 or arr.max() >= n:
                raise ValueError("vehicle start/end node out of range")
        if self.pairs.size and (self.pairs.min() < 0 or self.pairs.max() >= n):
            raise ValueError("pair refers to a node out of range")
        if np.any(self.node_demand[self.depot_nodes()] != 0):
            raise ValueError("vehicle start/end nodes must have zero demand")

    @property
    def num_nodes(self) -> int:
        return int(self.node_location.shape[0])

    @property
    def num_vehicles(self) -> int:
        return int(self.vehicle_start_node.shape[0])

    def depot_nodes(self) -> IntArray:
        """Sorted node indices used as a start or an end of some vehicle."""
        return np.unique(np.concatenate([self.vehicle_start_node, self.vehicle_end_node]))

    def visit_nodes(self) -> IntArray:
        """Sorted node indices that are visits (not vehicle starts/ends)."""
        mask = np.ones(self.num_nodes, dtype=bool)
        mask[self.depot_nodes()] = False
        return np.flatnonzero(mask).astype(np.int64)

    def allowed(self, node: int, vehicle: int) -> bool:
        """True if ``vehicle`` may visit ``node``."""
        if not self.node_allowed_vehicles:
            return True
        allowed = self.node_allowed_vehicles[node]
        return allowed is None or vehicle in allowed

    def node_distance(self, a: int, b: int) -> int:
        return int(self.distance[self.node_location[a], self.node_location[b]])

    def node_duration(self, a: int, b: int) -> int:
        return int(self.duration[self.node_location[a], self.node_location[b]])

    def arc_cost(self, vehicle: int, a: int, b: int) -> int:
        """Objective cost of arc a→b for ``vehicle`` (as the engines count it)."""
        return round(self.node_distance(a, b) * float(self.vehicle_distance_cost[vehicle]))


class SolveStatus(enum.StrEnum):
    """Outcome of a routing solve."""

    FEASIBLE = "feasible"
    """Every visit routed and every constraint met (optimality not proven)."""
    PARTIAL = "partial"
    """A solution exists, but some optional visits were dropped."""
    NO_SOLUTION = "no_solution"
    """No solution was found within the limits."""
    EMPTY = "empty"
    """There was nothing to route."""


@dataclass(frozen=True)
class Visit:
    """One node on a route, with its service start time and load after service."""

    node: int
    arrival: int
    """Time the vehicle reaches the node (before any waiting)."""
    start: int
    """Service start (>= arrival, inside the node's window)."""
    load_after: int
    distance_from_start: int


@dataclass(frozen=True)
class VehicleRoute:
    """The ordered visits of one vehicle, including its start and end nodes."""

    vehicle: int
    visits: tuple[Visit, ...]

    @property
    def distance(self) -> int:
        return self.visits[-1].distance_from_start if self.visits else 0

    def customer_nodes(self) -> list[int]:
        """Visited nodes without the start and end node."""
        return [v.node for v in self.visits[1:-1]]

    def cost(self, problem: RoutingProblem) -> int:
        """Fixed cost (if the route visits anything) plus arc costs, as the engines count them."""
        nodes = [v.node for v in self.visits]
        if len(nodes) <= 2:
            return 0
        return int(problem.vehicle_fixed_cost[self.vehicle]) + sum(
            problem.arc_cost(self.vehicle, a, b) for a, b in itertools.pairwise(nodes)
        )


@dataclass(frozen=True)
class RoutingSolution:
    """Result of :func:`agrichain.routing.solve`: routes of used vehicles and dropped nodes."""

    routes: tuple[VehicleRoute, ...]
    dropped: tuple[int, ...]
    status: SolveStatus
    objective: int
    """Engine objective: arc costs + fixed costs + drop penalties."""
    wall_time_s: float
    engine: str = ""
    stats: dict[str, float | int | str] = field(default_factory=dict)

    def is_feasible(self) -> bool:
        """True when every visit is routed."""
        return self.status in (SolveStatus.FEASIBLE, SolveStatus.EMPTY)

    def num_vehicles_used(self) -> int:
        return sum(1 for r in self.routes if len(r.visits) > 2)

    def total_distance(self) -> int:
        return sum(r.distance for r in self.routes)

    def cost(self, problem: RoutingProblem) -> int:
        """Arc costs plus fixed costs of used vehicles, recomputed from the routes."""
        return sum(route.cost(problem) for route in self.routes)

    def summary(self) -> str:
        return (
            f"{self.engine or 'routing'}: {self.status.value}, "
            f"{self.num_vehicles_used()} vehicles, distance {self.total_distance()}, "
            f"objective {self.objective}, dropped {len(self.dropped)}, "
            f"{self.wall_time_s:.2f} s"
        )


@dataclass(frozen=True)
class SolveParams:
    """Limits and knobs of a routing solve.

    ``time_limit_s`` is always honoured. For reproducible results give a
    ``solution_limit`` (and the same ``seed``): the engines are then deterministic.
    """

    time_limit_s: float = 10.0
    solution_limit: int | None = None
    seed: int = 0
    engine: str = "auto"
    """"auto" (best available), "ortools", or another registered engine."""
    num_workers: int = 1


def schedule_route(problem: RoutingProblem, vehicle: int, nodes: Sequence[int]) -> VehicleRoute:
    """Visits of ``vehicle`` along ``nodes`` (start..end) with earliest service start times.

    The vehicle leaves empty and the load is the running sum of ``node_demand``
    (the convention of :func:`agrichain.routing.check.check_solution`).
    """
    load = 0
    visits: list[Visit] = []
    t = max(int(problem.vehicle_tw_start[vehicle]), int(problem.node_tw_start[nodes[0]]))
    dist = 0
    prev: int | None = None
    for node in nodes:
        if prev is None:
            arrival = t
        else:
            arrival = t + int(problem.node_service[prev]) + problem.node_duration(prev, node)
            dist += problem.node_distance(prev, node)
        start = max(arrival, int(problem.node_tw_start[node]))
        load += int(problem.node_demand[node])
        visits.append(
            Visit(
                node=node, arrival=arrival, start=start, load_after=load, distance_from_start=dist
            )
        )
        t = start
        prev = node
    return VehicleRoute(vehicle=vehicle, visits=tuple(visits))
