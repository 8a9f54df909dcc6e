"""Large neighbourhood search over pair insertion: ruin part of the solution, rebuild it by regret.

Each iteration removes some units (pairs, or single visits) — at random, a group
of related ones (near each other in place and time, after Shaw), one whole
route, or, while a unit that only some vehicles may carry (cold chain) is
unplaced, the units any vehicle could carry from one of those vehicles' routes —
and re-inserts every unplaced unit with regret-2 insertion
(:mod:`agrichain.routing.lns.insertion`), which checks every hard rule exactly. A
new solution is accepted by simulated annealing on its cost (routes plus the
drop penalties of unplaced units); the best one found is returned. Removing a
whole route is how the search cuts vehicles.

Deterministic for a given seed and iteration count; under a deadline alone the
number of iterations depends on the machine.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from agrichain.routing.lns.insertion import Inserter, unit_nodes, units_of
from agrichain.routing.problem import MANDATORY, IntArray, RoutingProblem, VehicleRoute

#: Units removed per iteration: a share of all units, within [MIN_REMOVED, MAX_REMOVED].
REMOVE_SHARE = (0.05, 0.3)
MIN_REMOVED = 2
MAX_REMOVED = 40
#: Start temperature: a solution this much dearer (relative) is accepted with probability 1/2 ...
START_WORSE = 0.02
#: ... falling geometrically to this share of it at the end of the search.
END_TEMPERATURE_SHARE = 0.01
#: Penalty standing for an unplaced mandatory visit.
MANDATORY_PENALTY = 10**12


@dataclass(frozen=True)
class SearchResult:
    """The best routes found and how the search went."""

    routes: list[VehicleRoute]
    unplaced: list[int]
    """Visit nodes left unplaced in the best solution."""
    cost: int
    """Route costs plus drop penalties of the unplaced visits."""
    iterations: int
    improvements: int


def _penalty(problem: RoutingProblem, nodes: list[int]) -> int:
    pen = problem.node_drop_penalty
    return sum(MANDATORY_PENALTY if pen[n] == MANDATORY else int(pen[n]) for n in nodes)


class _Search:
    def __init__(self, problem: RoutingProblem, visits: IntArray, deadline: float, seed: int):
        self.problem = problem
        self.inserter = Inserter(problem, deadline)
        self.routes = self.inserter.routes
        self.units = units_of(problem, visits)
        self.unit_of = {n: u for u in self.units for n in unit_nodes(u)}
        self.index = {u: k for k, u in enumerate(self.units)}
        self.rng = np.random.default_rng(seed)
        loc = problem.node_location
        p = np.array([u[0] for u in self.units], dtype=np.int64)
        d = np.array([u[1] if u[1] >= 0 else u[0] for u in self.units], dtype=np.int64)
        dist = problem.distance
        # Relatedness (Shaw): distance between pickups plus between deliveries, plus
        # the gap between pickup windows (in time units, treated like distance).
        self.related = (
            dist[np.ix_(loc[p], loc[p])]
            + dist[np.ix_(loc[d], loc[d])]
            + np.abs(problem.node_tw_start[p][:, None] - problem.node_tw_start[p][None, :])
        )

    def placed(self) -> list[tuple[int, int]]:
        on_route = {
            int(n) for v in range(self.problem.num_vehicles) for n in self.routes.seq[v][1:-1]
        }
        return [u for u in self.units if u[0] in on_route]

    def cost(self, unplaced: list[int]) -> int:
        return sum(self.routes.route_cost(v) for v in range(self.problem.num_vehicles)) + _penalty(
            self.problem, unplaced
        )

    def room_for(self, unplaced: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Units that any vehicle may carry, taken off a route that an unplaced unit
        restricted to some vehicles (cold chain) could use: room for it."""
        allowed = self.routes.arrays.allowed
        restricted = [u for u in unplaced if not allowed[:, u[0]].all()]
        if not restricted:
            return []
        unit = restricted[int(self.rng.integers(len(restricted)))]
        hosts = [
            v
            for v in range(self.problem.num_vehicles)
            if self.routes.used(v) and allowed[v, unit[0]]
        ]
        if not hosts:
            return []
        v = hosts[int(self.rng.integers(len(hosts)))]
        on_route = list(dict.fromkeys(self.unit_of[int(n)] for n in self.routes.seq[v][1:-1]))
        return [u for u in on_route if allowed[:, u[0]].all()]

    def ruin(self, count: int, unplaced: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Remove about ``count`` units by one of the operators; the units removed."""
        placed = self.placed()
        if not placed:
            return []
        used = [v for v in range(self.problem.num_vehicles) if self.routes.used(v)]
        kind = int(self.rng.integers(4))
        removed = self.room_for(unplaced) if kind == 3 else []
        if kind == 3 and not removed:
            kind = 0  # nothing to make room for: remove at random instead
        if kind == 2 and used:  # a whole route
            v = used[int(self.rng.integers(len(used)))]
            removed = [self.unit_of[int(n)] for n in self.routes.seq[v][1:-1]]
            removed = list(dict.fromkeys(removed))
        elif kind == 1:  # related to a random seed unit
            index = self.index
            seed = placed[int(self.rng.integers(len(placed)))]
            ks = np.array([index[u] for u in placed])
            order = np.argsort(self.related[index[seed], ks], kind="stable")
            removed = [placed[k] for k in order[:count]]
        elif kind == 0:
            picks = self.rng.choice(len(placed), size=min(count, len(placed)), replace=False)
            removed = [placed[k] for k in sorted(picks.tolist())]
        nodes = {n for u in removed for n in unit_nodes(u)}
        for v in used:
            if any(int(n) in nodes for n in self.routes.seq[v][1:-1]):
                self.routes.remove(v, nodes)
        return removed


def improve(
    problem: RoutingProblem,
    visits: IntArray,
    routes: list[VehicleRoute],
    deadline: float,
    *,
    iterations: int | None = None,
    seed: int = 0,
    near: int | None = None,
) -> SearchResult:
    """Improve ``routes`` (feasible, over ``visits``) until ``deadline`` or ``iterations``.

    ``visits`` are every visit node the search may place (servable ones);
    those not on ``routes`` start unplaced. ``deadline`` is a ``time.monotonic()``
    instant. ``near`` limits each unit's re-insertion to the routes nearest to it
    (see :meth:`~agrichain.routing.lns.insertion.Inserter.insert_regret`).
    """
    search = _Search(problem, visits, deadline, seed)
    search.routes.load(routes)
    on_route = {n for r in routes for n in r.customer_nodes()}
    unplaced = [u for u in search.units if u[0] not in on_route]
    full, _ = search.inserter.insert_regret(unplaced, near)
    current = search.cost(full)
    current_unplaced = full
    best_state = search.routes.snapshot()
    best, best_unplaced = current, list(full)
    n_units = max(1, len(search.units))
    low = max(MIN_REMOVED, round(REMOVE_SHARE[0] * n_units))
    high = max(low, min(MAX_REMOVED, round(REMOVE_SHARE[1] * n_units)))
    t0 = time.monotonic()
    span = max(1e-6, deadline - t0)
    start_temp = max(1.0, START_WORSE * current / math.log(2))
    done = improvements = 0
    while (iterations is None or done < iterations) and time.monotonic() < deadline:
        progress = done / iterations if iterations else (time.monotonic() - t0) / span
        temp = start_temp * END_TEMPERATURE_SHARE ** min(1.0, progress)
        before = search.routes.snapshot()
        count = int(search.rng.integers(low, high + 1))
        pending = [search.unit_of[n] for n in current_unplaced if search.unit_of[n][0] == n]
        removed = search.ruin(count, pending)
        full, stopped = search.inserter.insert_regret(removed + pending, near)
        if stopped:  # the deadline struck mid-repair: keep the last complete solution
            search.routes.restore(before)
            break
        cost = search.cost(full)
        done += 1
        accept = cost <= current or search.rng.random() < math.exp((current - cost) / temp)
        if accept:
            current, current_unplaced = cost, full
            if cost < best:
                best, best_unplaced = cost, list(full)
                best_state = search.routes.snapshot()
                improvements += 1
        else:
            search.routes.restore(before)
    search.routes.restore(best_state)
    return SearchResult(
        routes=search.routes.vehicle_routes(),
        unplaced=sorted(best_unplaced),
        cost=best,
        iterations=done,
        improvements=improvements,
    )


__all__ = ["SearchResult", "improve"]
