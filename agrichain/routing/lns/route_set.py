"""Mutable routes for insertion: each vehicle's node sequence with its feasible service starts.

Every change is checked by the compiled kernels (:mod:`agrichain.routing.lns.kernels`),
so a :class:`RouteSet` only ever holds feasible routes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from agrichain.routing.lns.arrays import ProblemArrays
from agrichain.routing.lns.kernels import best_insertion, splice
from agrichain.routing.lns.reassign import schedule
from agrichain.routing.problem import RoutingProblem, VehicleRoute


@dataclass(frozen=True)
class Snapshot:
    """A copy of a :class:`RouteSet`'s routes to return to."""

    seq: list[np.ndarray]
    start: list[np.ndarray]
    latest: list[np.ndarray]
    places: list[set[int]]


class RouteSet:
    """Mutable routes (start … end per vehicle) with their earliest service starts."""

    def __init__(self, problem: RoutingProblem, arrays: ProblemArrays):
        self.problem = problem
        self.arrays = arrays
        nv = problem.num_vehicles
        self.seq: list[np.ndarray] = [
            np.array([problem.vehicle_start_node[v], problem.vehicle_end_node[v]], dtype=np.int64)
            for v in range(nv)
        ]
        self.start: list[np.ndarray] = [np.zeros(2, dtype=np.int64) for _ in range(nv)]
        self.latest: list[np.ndarray] = [np.zeros(2, dtype=np.int64) for _ in range(nv)]
        self.usable = np.zeros(nv, dtype=bool)
        for v in range(nv):
            self.usable[v] = self._refresh(v)
        self.places: list[set[int]] = [set() for _ in range(nv)]

    def _refresh(self, v: int) -> bool:
        seq = self.seq[v]
        lo = np.empty(seq.size, dtype=np.int64)
        hi = np.empty(seq.size, dtype=np.int64)
        ok = self.arrays.feasible(seq, v, lo, hi)
        self.start[v] = lo
        self.latest[v] = hi
        return ok

    def used(self, v: int) -> bool:
        return self.seq[v].size > 2

    def best(self, unit: tuple[int, int], v: int, bound: int) -> tuple[int, int, int]:
        p, d = unit
        return best_insertion(
            p, d, self.seq[v], self.seq[v].size, v, self.start[v], self.latest[v], bound,
            *self.arrays.kernel_args(),
        )  # fmt: skip

    def insert(self, unit: tuple[int, int], v: int, i: int, j: int) -> None:
        p, d = unit
        seq = self.seq[v]
        out = np.empty(seq.size + 2, dtype=np.int64)
        size = splice(seq, seq.size, p, d, i, j, out)
        self.seq[v] = out[:size].copy()
        if not self._refresh(v):  # pragma: no cover - the kernel checked this insertion
            raise AssertionError("an insertion accepted by the kernel is infeasible")
        self.places[v].add(int(self.arrays.loc[p]))
        if d >= 0:
            self.places[v].add(int(self.arrays.loc[d]))

    def load(self, routes: Iterable[VehicleRoute]) -> None:
        """Take over the customer sequences of ``routes`` (each must be feasible)."""
        for route in routes:
            v = route.vehicle
            nodes = route.customer_nodes()
            self.seq[v] = np.array(
                [self.problem.vehicle_start_node[v], *nodes, self.problem.vehicle_end_node[v]],
                dtype=np.int64,
            )
            if not self._refresh(v):
                raise ValueError(f"route of vehicle {v} is not feasible")
            self.places[v] = {int(x) for x in self.arrays.loc[nodes]}

    def remove(self, v: int, nodes: set[int]) -> None:
        """Take ``nodes`` off vehicle ``v``'s route (removing visits keeps a route feasible)."""
        seq = self.seq[v]
        keep = np.array([n not in nodes for n in seq.tolist()], dtype=bool)
        self.seq[v] = seq[keep]
        if not self._refresh(v):  # pragma: no cover - fewer visits never break a rule
            raise AssertionError("removing visits made a route infeasible")
        self.places[v] = {int(x) for x in self.arrays.loc[self.seq[v][1:-1]]}

    def route_cost(self, v: int) -> int:
        """Fixed cost (if used) plus arc costs of vehicle ``v``'s route, as engines count them."""
        seq = self.seq[v]
        return self.arrays.route_cost(seq, v) if seq.size > 2 else 0

    def snapshot(self) -> Snapshot:
        return Snapshot(
            list(self.seq), list(self.start), list(self.latest), [set(p) for p in self.places]
        )

    def restore(self, state: Snapshot) -> None:
        self.seq, self.start = list(state.seq), list(state.start)
        self.latest, self.places = list(state.latest), [set(p) for p in state.places]

    def vehicle_routes(self) -> list[VehicleRoute]:
        out = []
        for v, seq in enumerate(self.seq):
            if seq.size <= 2:
                continue
            visits = schedule(self.problem, v, seq[1:-1].tolist())
            if visits is None:  # pragma: no cover - kernel and checker disagree
                raise AssertionError(f"constructed route of vehicle {v} is infeasible")
            out.append(VehicleRoute(v, visits))
        return out


__all__ = ["RouteSet", "Snapshot"]
