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
from typing import Any

import numba as nb
import numpy as np

from agrichain.routing.problem import IntArray, RoutingProblem, VehicleRoute
from agrichain.routing.reassign import schedule

#: Problems with at most this many units use regret insertion; larger ones sequential insertion.
REGRET_MAX_UNITS = 300
#: Routes (nearest to a unit's pickup place) a unit is offered to in sequential insertion.
NEAR_ROUTES = 12
_INF = np.iinfo(np.int64).max // 4


# ----- compiled kernels ------------------------------------------------------------


@nb.njit(cache=True)
def _arc(dist: np.ndarray, loc: np.ndarray, coef: float, a: int, b: int) -> int:
    return int(np.rint(dist[loc[a], loc[b]] * coef))


@nb.njit(cache=True)
def _feasible(
    seq: np.ndarray,
    m: int,
    v: int,
    loc: np.ndarray,
    dur: np.ndarray,
    twa: np.ndarray,
    twb: np.ndarray,
    svc: np.ndarray,
    dem: np.ndarray,
    deliv_of: np.ndarray,
    pick_of: np.ndarray,
    lim: np.ndarray,
    allowed: np.ndarray,
    cap: np.ndarray,
    va: np.ndarray,
    vb: np.ndarray,
    first_rule: bool,
    pos: np.ndarray,
    lo: np.ndarray,
) -> bool:
    """True if ``seq[:m]`` (start node … end node) is feasible on vehicle ``v``.

    On success ``lo[:m]`` holds the earliest feasible service starts.
    """
    load = 0
    for k in range(m):
        n = seq[k]
        if 0 < k < m - 1 and not allowed[v, n]:
            return False
        load += dem[n]
        if load < 0 or load > cap[v]:
            return False
        pos[n] = k
    hi = np.empty(m, dtype=np.int64)
    gap = np.empty(m, dtype=np.int64)
    for k in range(m):
        lo[k] = twa[seq[k]]
        hi[k] = twb[seq[k]]
    lo[0] = max(lo[0], va[v])
    hi[0] = min(hi[0], vb[v])
    lo[m - 1] = max(lo[m - 1], va[v])
    hi[m - 1] = min(hi[m - 1], vb[v])
    for k in range(m - 1):
        gap[k] = svc[seq[k]] + dur[loc[seq[k]], loc[seq[k + 1]]]
    lag_a = np.empty(m, dtype=np.int64)
    lag_b = np.empty(m, dtype=np.int64)
    lag_l = np.empty(m, dtype=np.int64)
    n_lags = 0
    for k in range(1, m - 1):
        n = seq[k]
        d = deliv_of[n]
        if d >= 0:
            b = pos[d]
            if b <= k or b >= m or seq[b] != d:
                return False
            if first_rule:
                ld = loc[d]
                t = k + 1
                while t < b and loc[seq[t]] != ld:
                    t += 1
                while t < b:
                    if loc[seq[t]] != ld:
                        return False
                    t += 1
            if lim[n] >= 0:
                lag_a[n_lags] = k
                lag_b[n_lags] = b
                lag_l[n_lags] = lim[n]
                n_lags += 1
        else:
            p = pick_of[n]
            if p >= 0:
                a = pos[p]
                if a >= k or a < 0 or seq[a] != p:
                    return False
    for _ in range(2 * m + 2):
        changed = False
        for k in range(m - 1):
            if lo[k] + gap[k] > lo[k + 1]:
                lo[k + 1] = lo[k] + gap[k]
                changed = True
        for k in range(m - 2, -1, -1):
            if hi[k + 1] - gap[k] < hi[k]:
                hi[k] = hi[k + 1] - gap[k]
                changed = True
        for t in range(n_lags):
            a = lag_a[t]
            b = lag_b[t]
            if lo[b] - lag_l[t] > lo[a]:
                lo[a] = lo[b] - lag_l[t]
                changed = True
            if hi[a] + lag_l[t] < hi[b]:
                hi[b] = hi[a] + lag_l[t]
                changed = True
        for k in range(m):
            if lo[k] > hi[k]:
                return False
        if not changed:
            return True
    return False


@nb.njit(cache=True)
def _best_insertion(
    p: int,
    d: int,
    seq: np.ndarray,
    m: int,
    v: int,
    start: np.ndarray,
    bound: int,
    loc: np.ndarray,
    dist: np.ndarray,
    dur: np.ndarray,
    twa: np.ndarray,
    twb: np.ndarray,
    svc: np.ndarray,
    dem: np.ndarray,
    deliv_of: np.ndarray,
    pick_of: np.ndarray,
    lim: np.ndarray,
    allowed: np.ndarray,
    cap: np.ndarray,
    va: np.ndarray,
    vb: np.ndarray,
    coef: np.ndarray,
    fixed: np.ndarray,
    first_rule: bool,
    pos: np.ndarray,
) -> tuple[int, int, int]:
    """Cheapest feasible insertion of unit ``(p, d)`` (``d < 0``: a single node) into a route.

    ``seq[:m]`` is the route (start … end) with earliest service starts ``start``.
    ``p`` goes after position ``i`` and ``d`` after position ``j >= i`` of the
    original route (``j == i``: right after ``p``). Returns ``(delta, i, j)``;
    ``delta >= bound`` (nothing cheaper than ``bound`` fits) when ``delta == _INF``.
    """
    inf = np.iinfo(np.int64).max // 4
    if not allowed[v, p] or (d >= 0 and not allowed[v, d]):
        return inf, -1, -1
    q = dem[p]
    if q > cap[v]:
        return inf, -1, -1
    c = coef[v]
    extra = fixed[v] if m == 2 else 0
    loads = np.empty(m, dtype=np.int64)
    elapsed = np.empty(m, dtype=np.int64)  # travel + service from position 0, no waiting
    acc = 0
    acc_t = 0
    for k in range(m):
        acc += dem[seq[k]]
        loads[k] = acc
        if k:
            acc_t += svc[seq[k - 1]] + dur[loc[seq[k - 1]], loc[seq[k]]]
        elapsed[k] = acc_t
    limit = lim[p] if d >= 0 else -1
    ld = loc[d] if d >= 0 else -1
    n_cand = 0
    cap_cand = max(4, m * m)
    deltas = np.empty(cap_cand, dtype=np.int64)
    cand_i = np.empty(cap_cand, dtype=np.int64)
    cand_j = np.empty(cap_cand, dtype=np.int64)
    for i in range(m - 1):
        a = seq[i]
        if start[i] + svc[a] > twb[p]:
            break  # every later position starts later still
        if start[i] + svc[a] + dur[loc[a], loc[p]] > twb[p]:
            continue
        if loads[i] + q > cap[v]:
            continue
        b = seq[i + 1]
        base_i = _arc(dist, loc, c, a, p) - _arc(dist, loc, c, a, b)
        if d < 0:
            delta = base_i + _arc(dist, loc, c, p, b) + extra
            if delta < bound and n_cand < cap_cand:
                deltas[n_cand] = delta
                cand_i[n_cand] = i
                cand_j[n_cand] = i
                n_cand += 1
            continue
        delta = base_i + _arc(dist, loc, c, p, d) + _arc(dist, loc, c, d, b) + extra
        if delta < bound and n_cand < cap_cand:
            deltas[n_cand] = delta
            cand_i[n_cand] = i
            cand_j[n_cand] = i
            n_cand += 1
        lead = svc[p] + dur[loc[p], loc[b]]  # p → the node after it
        seen_ld = False
        for j in range(i + 1, m - 1):
            if loads[j] + q > cap[v]:
                break
            node_j = seq[j]
            if limit >= 0 and lead + elapsed[j] - elapsed[i + 1] > limit:
                break
            if first_rule:
                if loc[node_j] == ld:
                    seen_ld = True
                elif seen_ld:
                    break  # the vehicle would leave d's place still carrying d's cargo
            nxt = seq[j + 1]
            delta_j = (
                base_i
                + _arc(dist, loc, c, p, b)
                + _arc(dist, loc, c, node_j, d)
                + _arc(dist, loc, c, d, nxt)
                - _arc(dist, loc, c, node_j, nxt)
                + extra
            )
            if delta_j < bound and n_cand < cap_cand:
                deltas[n_cand] = delta_j
                cand_i[n_cand] = i
                cand_j[n_cand] = j
                n_cand += 1
    if n_cand == 0:
        return inf, -1, -1
    order = np.argsort(deltas[:n_cand], kind="mergesort")
    trial = np.empty(m + 2, dtype=np.int64)
    lo = np.empty(m + 2, dtype=np.int64)
    for t in range(n_cand):
        k = order[t]
        i = cand_i[k]
        j = cand_j[k]
        size = _spliced(seq, m, p, d, i, j, trial)
        if _feasible(
            trial, size, v, loc, dur, twa, twb, svc, dem, deliv_of, pick_of, lim,
            allowed, cap, va, vb, first_rule, pos, lo,
        ):  # fmt: skip
            return deltas[k], i, j
    return inf, -1, -1


@nb.njit(cache=True)
def _spliced(seq: np.ndarray, m: int, p: int, d: int, i: int, j: int, out: np.ndarray) -> int:
    """``seq[:m]`` with ``p`` after position ``i`` and ``d`` (if >= 0) after position ``j``."""
    size = 0
    for k in range(m):
        out[size] = seq[k]
        size += 1
        if k == i:
            out[size] = p
            size += 1
            if d >= 0 and j == i:
                out[size] = d
                size += 1
        elif d >= 0 and k == j:
            out[size] = d
            size += 1
    return size


# ----- the construction ----------------------------------------------------------


@dataclass
class Construction:
    """Routes built by insertion, and the units left out (with why)."""

    routes: list[VehicleRoute]
    unplaced_full: list[int] = field(default_factory=list)
    """Visit nodes of units that fit on no route and no free vehicle (the fleet is full)."""
    unplaced_stopped: list[int] = field(default_factory=list)
    """Visit nodes of units not tried before the deadline."""
    method: str = ""


@dataclass
class _Arrays:
    """The problem as flat arrays for the kernels."""

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
    def of(cls, problem: RoutingProblem) -> _Arrays:
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

    def kernel_args(self) -> tuple[Any, ...]:
        return (
            self.loc, self.dist, self.dur, self.twa, self.twb, self.svc, self.dem,
            self.deliv_of, self.pick_of, self.lim, self.allowed, self.cap, self.va,
            self.vb, self.coef, self.fixed, self.first_rule, self.pos,
        )  # fmt: skip


class _Routes:
    """Mutable routes (start … end per vehicle) with their earliest service starts."""

    def __init__(self, problem: RoutingProblem, arrays: _Arrays):
        self.problem = problem
        self.arrays = arrays
        nv = problem.num_vehicles
        self.seq: list[np.ndarray] = [
            np.array([problem.vehicle_start_node[v], problem.vehicle_end_node[v]], dtype=np.int64)
            for v in range(nv)
        ]
        self.start: list[np.ndarray] = [np.zeros(2, dtype=np.int64) for _ in range(nv)]
        self.usable = np.zeros(nv, dtype=bool)
        for v in range(nv):
            self.usable[v] = self._refresh(v)
        self.places: list[set[int]] = [set() for _ in range(nv)]

    def _refresh(self, v: int) -> bool:
        a = self.arrays
        seq = self.seq[v]
        lo = np.empty(seq.size, dtype=np.int64)
        ok = _feasible(
            seq, seq.size, v, a.loc, a.dur, a.twa, a.twb, a.svc, a.dem, a.deliv_of,
            a.pick_of, a.lim, a.allowed, a.cap, a.va, a.vb, a.first_rule, a.pos, lo,
        )  # fmt: skip
        self.start[v] = lo
        return bool(ok)

    def used(self, v: int) -> bool:
        return self.seq[v].size > 2

    def best(self, unit: tuple[int, int], v: int, bound: int) -> tuple[int, int, int]:
        p, d = unit
        return _best_insertion(
            p, d, self.seq[v], self.seq[v].size, v, self.start[v], bound,
            *self.arrays.kernel_args(),
        )  # fmt: skip

    def insert(self, unit: tuple[int, int], v: int, i: int, j: int) -> None:
        p, d = unit
        seq = self.seq[v]
        out = np.empty(seq.size + 2, dtype=np.int64)
        size = _spliced(seq, seq.size, p, d, i, j, out)
        self.seq[v] = out[:size].copy()
        if not self._refresh(v):  # pragma: no cover - the kernel checked this insertion
            raise AssertionError("an insertion accepted by the kernel is infeasible")
        self.places[v].add(int(self.arrays.loc[p]))
        if d >= 0:
            self.places[v].add(int(self.arrays.loc[d]))

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


def _units(problem: RoutingProblem, nodes: IntArray) -> list[tuple[int, int]]:
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


def _fresh_vehicles(problem: RoutingProblem, routes: _Routes) -> list[int]:
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


def _unit_nodes(unit: tuple[int, int]) -> list[int]:
    return [unit[0]] if unit[1] < 0 else [unit[0], unit[1]]


class _Builder:
    def __init__(self, problem: RoutingProblem, deadline: float):
        self.problem = problem
        self.deadline = deadline
        self.arrays = _Arrays.of(problem)
        self.routes = _Routes(problem, self.arrays)
        self.max_vehicles = (
            problem.num_vehicles if problem.max_vehicles is None else problem.max_vehicles
        )

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
        """Regret-2 insertion: the unit with the largest regret goes first."""
        pending = list(units)
        cache: dict[tuple[int, int], dict[int, tuple[int, int, int]]] = {}
        stopped: list[int] = []
        full: list[int] = []
        while pending:
            if self.out_of_time():
                stopped = [n for u in pending for n in _unit_nodes(u)]
                break
            vehicles = self.candidates()
            best_key: tuple[int, int, int] | None = None
            chosen: tuple[tuple[int, int], tuple[int, int, int, int]] | None = None
            still: list[tuple[int, int]] = []
            for unit in pending:
                known = cache.setdefault(unit, {})
                for v in vehicles:
                    if v not in known:
                        known[v] = self.routes.best(unit, v, _INF)
                opts = sorted(
                    (int(r[0]), v, int(r[1]), int(r[2]))
                    for v, r in known.items()
                    if v in vehicles and r[1] >= 0
                )
                if not opts:
                    full.extend(_unit_nodes(unit))
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
        return self._result(full, stopped, "regret")

    def sequential(self, units: list[tuple[int, int]]) -> Construction:
        """Most load first, each unit into the cheapest nearby route or a fresh vehicle."""
        dem = self.problem.node_demand
        order = sorted(units, key=lambda u: (-int(dem[u[0]]), u))
        left: list[tuple[int, int]] = []
        stopped: list[int] = []
        for k, unit in enumerate(order):
            if self.out_of_time():
                stopped = [n for u in order[k:] for n in _unit_nodes(u)]
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
                stopped += [n for u in left[k:] for n in _unit_nodes(u)]
                break
            opts = self.options(unit, self.candidates())
            if opts:
                _, v, i, j = opts[0]
                self.routes.insert(unit, v, i, j)
            else:
                full.extend(_unit_nodes(unit))
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
    units = _units(problem, np.asarray(visits, dtype=np.int64))
    builder = _Builder(problem, deadline)
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
