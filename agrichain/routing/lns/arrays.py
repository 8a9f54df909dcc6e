"""The problem as flat arrays for the compiled kernels (:mod:`agrichain.routing.lns.kernels`)."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np

from agrichain.routing.lns.kernels import route_feasible
from agrichain.routing.problem import IntArray, RoutingProblem


@dataclass
class ProblemArrays:
    """The problem as flat arrays for the kernels (one copy per solve)."""

    loc: IntArray
    dist: IntArray
    dur: IntArray
    twa: IntArray
    twb: IntArray
    svc: IntArray
    dem: IntArray
    deliv_of: IntArray
    pick_of: IntArray
    lim: IntArray
    allowed: np.ndarray
    cap: IntArray
    va: IntArray
    vb: IntArray
    coef: np.ndarray
    fixed: IntArray
    first_rule: bool
    pos: IntArray

    @classmethod
    def cached(cls, problem: RoutingProblem) -> ProblemArrays:
        """:meth:`of`, built once per problem object."""
        found = _CACHE.get(problem)
        if found is None:
            found = _CACHE[problem] = cls.of(problem)
        return found

    @classmethod
    def of(cls, problem: RoutingProblem) -> ProblemArrays:
        n, nv = problem.num_nodes, problem.num_vehicles
        deliv_of = np.full(n, -1, dtype=np.int64)
        pick_of = np.full(n, -1, dtype=np.int64)
        lim = np.full(n, -1, dtype=np.int64)
        if problem.pairs.size:
            deliv_of[problem.pairs[:, 0]] = problem.pairs[:, 1]
            pick_of[problem.pairs[:, 1]] = problem.pairs[:, 0]
            lim[problem.pairs[:, 0]] = problem.pair_max_transit
        allowed = np.ones((nv, n), dtype=np.bool_)
        if problem.node_allowed_vehicles:
            for node, ok in enumerate(problem.node_allowed_vehicles):
                if ok is not None:
                    allowed[:, node] = False
                    allowed[sorted(ok), node] = True
        return cls(
            loc=problem.node_location,
            dist=problem.distance,
            dur=problem.duration,
            twa=problem.node_tw_start,
            twb=problem.node_tw_end,
            svc=problem.node_service,
            dem=problem.node_demand,
            deliv_of=deliv_of,
            pick_of=pick_of,
            lim=lim,
            allowed=allowed,
            cap=problem.vehicle_capacity,
            va=problem.vehicle_tw_start,
            vb=problem.vehicle_tw_end,
            coef=problem.vehicle_distance_cost,
            fixed=problem.vehicle_fixed_cost,
            first_rule=problem.deliver_at_first_visit,
            pos=np.zeros(n, dtype=np.int64),
        )

    def feasible(self, seq: np.ndarray, vehicle: int, lo: np.ndarray, hi: np.ndarray) -> bool:
        """:func:`route_feasible` of the whole route ``seq`` on ``vehicle``."""
        return bool(
            route_feasible(
                seq,
                seq.size,
                vehicle,
                self.loc,
                self.dur,
                self.twa,
                self.twb,
                self.svc,
                self.dem,
                self.deliv_of,
                self.pick_of,
                self.lim,
                self.allowed,
                self.cap,
                self.va,
                self.vb,
                self.first_rule,
                self.pos,
                lo,
                hi,
            )
        )

    def route_cost(self, seq: np.ndarray, vehicle: int) -> int:
        """Fixed cost plus arc costs of route ``seq`` on ``vehicle``, as the engines count them."""
        loc = self.loc[seq]
        arcs = np.rint(self.dist[loc[:-1], loc[1:]] * self.coef[vehicle])
        return int(self.fixed[vehicle]) + int(arcs.sum())

    def kernel_args(self) -> tuple[Any, ...]:
        return (
            self.loc, self.dist, self.dur, self.twa, self.twb, self.svc, self.dem,
            self.deliv_of, self.pick_of, self.lim, self.allowed, self.cap, self.va,
            self.vb, self.coef, self.fixed, self.first_rule, self.pos,
        )  # fmt: skip


#: Arrays of the problems in use (dropped with their problem).
_CACHE: weakref.WeakKeyDictionary[RoutingProblem, ProblemArrays] = weakref.WeakKeyDictionary()

__all__ = ["ProblemArrays"]
