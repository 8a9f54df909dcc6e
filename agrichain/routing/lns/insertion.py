"""Pair insertion: a complete, feasible first solution for any routing problem, at any size.

OR-Tools' first-solution strategies are unreliable where pickup→delivery pairs
carry transit limits (no solution on dial-a-ride instances of 16 requests; every
pair dropped at 1,325 pairs). This construction never depends on them: visits
are inserted one unit (a pair, or a single node) at a time at the cheapest
position whose route stays feasible, checked exactly (capacity, allowed
vehicles, windows, shifts, pair order, transit limits by a fixed point of the
difference constraints, and :attr:`RoutingProblem.deliver_at_first_visit`).

* **Regret insertion** for problems of up to :data:`REGRET_MAX_UNITS` units: the
  unit whose best insertion would cost most more on its second-best route is
  placed first (heavier units first on ties).
* **Sequential cheapest insertion** above that: units in order of decreasing
  load (most kg first), each into the cheapest of the :data:`NEAR_ROUTES` routes
  nearest to it or onto a fresh vehicle; a second pass offers every route to the
  units still unplaced.

A unit that fits nowhere stays unplaced (the fleet is full); one not reached
before the deadline stays unplaced too, and :class:`Construction` says which.
The inner loops are compiled with numba; the result is deterministic.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from agrichain.routing.lns.arrays import ProblemArrays
from agrichain.routing.lns.route_set import RouteSet
from agrichain.routing.problem import IntArray, RoutingProblem, VehicleRoute

#: Problems with at most this many units use regret insertion; larger ones sequential insertion.
REGRET_MAX_UNITS = 300
#: Routes (nearest to a unit's pickup place) a unit is offered to in sequential insertion.
NEAR_ROUTES = 12
_INF = np.iinfo(np.int64).max // 4


@dataclass
class Construction:
    """Routes built by insertion, and the units left out (with why)."""

    routes: list[VehicleRoute]
    unplaced_full: list[int] = field(default_factory=list)
    """Visit nodes of units that fit on no route and no free vehicle (the fleet is full)."""
    unplaced_stopped: list[int] = field(default_factory=list)
    """Visit nodes of units not tried before the deadline."""
    method: str = ""


def units_of(problem: RoutingProblem, nodes: IntArray) -> list[tuple[int, int]]:
    """``nodes`` as insertion units: ``(pickup, delivery)`` per pair, ``(node, -1)`` otherwise."""
    wanted = {int(n) for n in nodes.tolist()}
    units: list[tuple[int, int]] = []
    paired: set[int] = set()
    for p, d in problem.pairs.tolist():
        paired.update((p, d))
        if p in wanted and d in wanted:
            units.append((p, d))
    units.extend((n, -1) for n in sorted(wanted) if n not in paired)
    return units


def _fresh_vehicles(problem: RoutingProblem, routes: RouteSet) -> list[int]:
    """One unused usable vehicle of each kind (depots, capacity, shift, costs, allowed nodes)."""
    seen: set[tuple[object, ...]] = set()
    out = []
    allowed = routes.arrays.allowed
    for v in range(problem.num_vehicles):
        if routes.used(v) or not routes.usable[v]:
            continue
        key = (
            int(problem.vehicle_start_node[v]),
            int(problem.vehicle_end_node[v]),
            int(problem.vehicle_capacity[v]),
            int(problem.vehicle_tw_start[v]),
            int(problem.vehicle_tw_end[v]),
            int(problem.vehicle_fixed_cost[v]),
            float(problem.vehicle_distance_cost[v]),
            allowed[v].tobytes(),
        )
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out


def unit_nodes(unit: tuple[int, int]) -> list[int]:
    return [unit[0]] if unit[1] < 0 else [unit[0], unit[1]]


class Inserter:
    """Inserts units into a :class:`RouteSet` until ``deadline`` (``time.monotonic()``)."""

    def __init__(self, problem: RoutingProblem, deadline: float):
        self.problem = problem
        self.deadline = deadline
        self.arrays = ProblemArrays.cached(problem)
        self.routes = RouteSet(problem, self.arrays)
        self.max_vehicles = (
            problem.num_vehicles if problem.max_vehicles is None else problem.max_vehicles
        )
        #: Per node: only some vehicles may visit it (cold chain); such units go first.
        self.restricted = np.asarray(~self.arrays.allowed.all(axis=0), dtype=bool)

    def out_of_time(self) -> bool:
        return time.monotonic() >= self.deadline

    def can_open(self) -> bool:
        return sum(1 for v in range(self.problem.num_vehicles) if self.routes.used(v)) < (
            self.max_vehicles
        )

    def options(
        self, unit: tuple[int, int], vehicles: list[int], bound: int = _INF
    ) -> list[tuple[int, int, int, int]]:
        """Feasible ``(delta, vehicle, i, j)`` of ``unit`` per vehicle, cheapest first."""
        out = []
        for v in vehicles:
            delta, i, j = self.routes.best(unit, v, bound)
            if i >= 0:
                out.append((int(delta), v, int(i), int(j)))
        out.sort()
        return out

    def candidates(self) -> list[int]:
        used = [v for v in range(self.problem.num_vehicles) if self.routes.used(v)]
        fresh = _fresh_vehicles(self.problem, self.routes) if self.can_open() else []
        return used + [v for v in fresh if v not in used]

    def near_routes(self, unit: tuple[int, int], limit: int) -> list[int]:
        used = [v for v in range(self.problem.num_vehicles) if self.routes.used(v)]
        if len(used) <= limit:
            return used
        here = int(self.arrays.loc[unit[0]])
        row = self.problem.distance[here]
        gap = [
            (int(row[np.fromiter(self.routes.places[v], dtype=np.int64)].min()), v) for v in used
        ]
        gap.sort()
        return [v for _, v in gap[:limit]]

    def regret(self, units: list[tuple[int, int]]) -> Construction:
        """Regret-2 insertion of ``units`` into the current routes."""
        full, stopped = self.insert_regret(units)
        return self._result(full, stopped, "regret")

    def insert_regret(
        self, units: list[tuple[int, int]], near: int | None = None
    ) -> tuple[list[int], list[int]]:
        """Regret-2 insertion: the unit with the largest regret goes first.

        With ``near``, a unit is offered only to the ``near`` used routes nearest to
        it and to fresh vehicles (every route when none of those takes it).
        Returns the visit nodes of units that fit nowhere and of units not tried
        before the deadline.
        """
        pending = list(units)
        cache: dict[tuple[int, int], dict[int, tuple[int, int, int]]] = {}
        stopped: list[int] = []
        full: list[int] = []
        while pending:
            if self.out_of_time():
                stopped = [n for u in pending for n in unit_nodes(u)]
                break
            everyone = self.candidates()
            fresh = [v for v in everyone if not self.routes.used(v)]
            restrict = near is not None and len(everyone) - len(fresh) > near
            best_key: tuple[int, int, int] | None = None
            chosen: tuple[tuple[int, int], tuple[int, int, int, int]] | None = None
            still: list[tuple[int, int]] = []
            for unit in pending:
                known = cache.setdefault(unit, {})
                opts: list[tuple[int, int, int, int]] = []
                tries = (
                    [self.near_routes(unit, near) + fresh, everyone]
                    if restrict and near is not None
                    else [everyone]
                )
                for vehicles in tries:
                    for v in vehicles:
                        if v not in known:
                            known[v] = self.routes.best(unit, v, _INF)
                    opts = sorted(
                        (int(known[v][0]), v, int(known[v][1]), int(known[v][2]))
                        for v in vehicles
                        if known[v][1] >= 0
                    )
                    if opts:
                        break
                if not opts:
                    full.extend(unit_nodes(unit))
                    continue
                still.append(unit)
                regret = (opts[1][0] - opts[0][0]) if len(opts) > 1 else _INF
                key = (regret, int(self.problem.node_demand[unit[0]]), -opts[0][0])
                if best_key is None or key > best_key:
                    best_key, chosen = key, (unit, opts[0])
            pending = still
            if chosen is None:
                break
            unit, (_, v, i, j) = chosen
            self.routes.insert(unit, v, i, j)
            pending.remove(unit)
            for known in cache.values():
                known.pop(v, None)
        return full, stopped

    def sequential(self, units: list[tuple[int, int]]) -> Construction:
        """Most load first (units only some vehicles may carry before all others), each
        into the cheapest nearby route or a fresh vehicle."""
        dem = self.problem.node_demand
        order = sorted(units, key=lambda u: (not self.restricted[u[0]], -int(dem[u[0]]), u))
        left: list[tuple[int, int]] = []
        stopped: list[int] = []
        for k, unit in enumerate(order):
            if self.out_of_time():
                stopped = [n for u in order[k:] for n in unit_nodes(u)]
                break
            vehicles = self.near_routes(unit, NEAR_ROUTES)
            if self.can_open():
                vehicles += _fresh_vehicles(self.problem, self.routes)
            opts = self.options(unit, vehicles)
            if opts:
                _, v, i, j = opts[0]
                self.routes.insert(unit, v, i, j)
            else:
                left.append(unit)
        full: list[int] = []
        for k, unit in enumerate(left):  # second chance: every route
            if self.out_of_time():
                stopped += [n for u in left[k:] for n in unit_nodes(u)]
                break
            opts = self.options(unit, self.candidates())
            if opts:
                _, v, i, j = opts[0]
                self.routes.insert(unit, v, i, j)
            else:
                full.extend(unit_nodes(unit))
        return self._result(full, stopped, "sequential")

    def _result(self, full: list[int], stopped: list[int], method: str) -> Construction:
        return Construction(
            routes=self.routes.vehicle_routes(),
            unplaced_full=sorted(full),
            unplaced_stopped=sorted(stopped),
            method=method,
        )


def construct(problem: RoutingProblem, visits: IntArray, deadline: float) -> Construction:
    """Routes serving as many of ``visits`` as fit, built by insertion before ``deadline``.

    ``visits`` are the visit nodes to place (both nodes of a pair, or neither);
    ``deadline`` is a ``time.monotonic()`` instant. Every returned route is
    feasible. Deterministic for a given problem when the deadline is not reached.
    """
    units = units_of(problem, np.asarray(visits, dtype=np.int64))
    builder = Inserter(problem, deadline)
    if len(units) <= REGRET_MAX_UNITS:
        return builder.regret(units)
    return builder.sequential(units)


def warm_up() -> None:
    """Compile the kernels (cached on disk after the first run) on a two-node problem."""
    problem = RoutingProblem(
        distance=np.array([[0, 1], [1, 0]]),
        duration=np.array([[0, 1], [1, 0]]),
        node_location=np.array([0, 1, 1]),
        node_demand=np.array([0, 1, -1]),
        node_tw_start=np.zeros(3, dtype=np.int64),
        node_tw_end=np.full(3, 100),
        node_service=np.zeros(3, dtype=np.int64),
        node_drop_penalty=np.array([-1, 10, 0]),
        vehicle_start_node=np.array([0]),
        vehicle_end_node=np.array([0]),
        vehicle_capacity=np.array([5]),
        vehicle_tw_start=np.array([0]),
        vehicle_tw_end=np.array([100]),
        vehicle_fixed_cost=np.array([0]),
        vehicle_distance_cost=np.array([1.0]),
        pairs=np.array([[1, 2]]),
        pair_max_transit=np.array([50]),
    )
    construct(problem, np.array([1, 2]), time.monotonic() + 60.0)


__all__ = ["NEAR_ROUTES", "REGRET_MAX_UNITS", "Construction", "construct", "warm_up"]
