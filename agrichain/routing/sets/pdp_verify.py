"""Exact real-valued verification and distance of pickup-and-delivery routes.

A result on a DARP or Li & Lim instance is judged from its node sequences only,
against the original (unscaled, unrounded) data of the file, so the integer
approximation of :mod:`agrichain.routing.sets.pdp_readers` cannot hide a violation.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np

from agrichain.routing.problem import RoutingSolution
from agrichain.routing.sets.pdp_sets import PdpInstance

#: Absolute tolerance of :func:`verify_real` (benchmark time units).
EPS = 1e-9

RoutesLike = RoutingSolution | Sequence[Sequence[int]]


def customer_routes(instance: PdpInstance, solution: RoutesLike) -> list[list[int]]:
    """Non-empty routes as visit-node lists without the depots.

    ``solution`` is a :class:`RoutingSolution` or node sequences (with or without
    the start/end depot at their ends).
    """
    if isinstance(solution, RoutingSolution):
        seqs: list[list[int]] = [[v.node for v in r.visits] for r in solution.routes]
    else:
        seqs = [[int(x) for x in seq] for seq in solution]
    depots = {instance.start_node, instance.end_node}
    out = []
    for seq in seqs:
        lo, hi = 0, len(seq)
        if lo < hi and seq[lo] in depots:
            lo += 1
        if lo < hi and seq[hi - 1] in depots:
            hi -= 1
        if hi > lo:
            out.append(seq[lo:hi])
    return out


def real_distance(instance: PdpInstance, solution: RoutesLike) -> float:
    """Total unrounded Euclidean length of the routes, depot to depot."""
    total = 0.0
    xy = instance.xy
    for route in customer_routes(instance, solution):
        nodes = [instance.start_node, *route, instance.end_node]
        for a, b in itertools.pairwise(nodes):
            total += math.hypot(xy[a, 0] - xy[b, 0], xy[a, 1] - xy[b, 1])
    return total


def _floyd(w: np.ndarray) -> np.ndarray:
    d = w.copy()
    for k in range(d.shape[0]):
        d = np.minimum(d, d[:, k, None] + d[None, k, :])
    return d


def _window_violation(
    instance: PdpInstance, r: int, nodes: list[int], travel: list[float]
) -> str | None:
    """The first window the earliest schedule misses, if any.

    The earliest schedule is pointwise minimal under windows and travel, so a
    window it breaks cannot be met by any schedule of this sequence.
    """
    e, lt = instance.tw_start, instance.tw_end
    t = e[nodes[0]]
    for k, node in enumerate(nodes):
        if k:
            t = max(e[node], t + travel[k - 1])
        if t > lt[node] + EPS:
            where = "the end depot" if k == len(nodes) - 1 else f"node {node} (position {k})"
            return (
                f"route {r}: service at {where} starts at {t:.4f} at the earliest, "
                f"after its window end {lt[node]:g}"
            )
    return None


def _ride_pairs(instance: PdpInstance, nodes: list[int]) -> list[tuple[int, int]]:
    """Positions (pickup, delivery) of the requests with a ride limit served in order here."""
    if instance.max_ride is None:
        return []
    pos = {node: k for k, node in enumerate(nodes)}
    return [
        (pos[p], pos[d])
        for p, d in instance.pairs.tolist()
        if p in pos and d in pos and pos[p] < pos[d]  # else reported by verify_real
    ]


def _time_graph(instance: PdpInstance, nodes: list[int], travel: list[float]) -> np.ndarray:
    """Difference constraints of windows and travel on B_0..B_{m-1} plus the time origin m.

    Edge u -> v of weight w means ``B_v - B_u <= w``.
    """
    m = len(nodes)
    e, lt = instance.tw_start, instance.tw_end
    w = np.full((m + 1, m + 1), np.inf)
    np.fill_diagonal(w, 0.0)
    for k, node in enumerate(nodes):
        w[m, k] = min(w[m, k], lt[node])
        w[k, m] = min(w[k, m], -e[node])
    for k in range(m - 1):
        w[k + 1, k] = min(w[k + 1, k], -travel[k])
    return w


def _ride_violations(
    r: int,
    nodes: list[int],
    service: np.ndarray,
    limit: float,
    ride_pairs: list[tuple[int, int]],
    graph: np.ndarray,
) -> list[str]:
    """Ride-time findings: a request that alone cannot meet ``limit``, else all together."""
    base = _floyd(graph)
    out = []
    for kp, kd in ride_pairs:
        p = nodes[kp]
        least = -base[kd, kp] - service[p]
        if least > limit + EPS:
            out.append(
                f"route {r}: request {p}->{nodes[kd]} rides at least {least:.4f}, limit {limit:g}"
            )
    if out:
        return out
    for kp, kd in ride_pairs:
        graph[kp, kd] = min(graph[kp, kd], limit + service[nodes[kp]])
    if np.any(np.diag(_floyd(graph)) < -EPS):
        out.append(
            f"route {r}: the ride-time limits of its {len(ride_pairs)} requests "
            "cannot all be met together with the windows"
        )
    return out


def _schedule_violations(instance: PdpInstance, r: int, route: list[int]) -> list[str]:
    """Timing violations of one route (depots added), exact in real arithmetic.

    Start-of-service times B satisfy the difference constraints
    ``B_j >= B_i + s_i + t_ij`` along the route, ``e_k <= B_k <= l_k``, for DARP
    ``B_d - B_p <= L + s_p`` per request on the route and ``B_end - B_start <= T``.
    The system is feasible iff its constraint graph has no negative cycle
    (all-pairs shortest paths: Floyd-Warshall, which also gives the least ride
    time each request could have).
    """
    nodes = [instance.start_node, *route, instance.end_node]
    xy, svc = instance.xy, instance.service
    travel = [
        svc[a] + math.hypot(xy[a, 0] - xy[b, 0], xy[a, 1] - xy[b, 1])
        for a, b in itertools.pairwise(nodes)
    ]
    late = _window_violation(instance, r, nodes, travel)
    if late is not None:
        return [late]
    ride_pairs = _ride_pairs(instance, nodes)
    if not ride_pairs and instance.max_duration is None:
        return []
    graph = _time_graph(instance, nodes, travel)  # feasible: the earliest schedule passed
    if instance.max_duration is not None:
        last = len(nodes) - 1
        least = -_floyd(graph)[last, 0]
        if least > instance.max_duration + EPS:
            return [f"route {r}: duration at least {least:.4f}, limit {instance.max_duration:g}"]
        graph[0, last] = min(graph[0, last], instance.max_duration)
    if instance.max_ride is None:
        return []
    return _ride_violations(r, nodes, svc, instance.max_ride, ride_pairs, graph)


def _depot_violations(instance: PdpInstance, solution: RoutesLike) -> list[str]:
    """Vehicles of a :class:`RoutingSolution` that do not run from the start to the end depot."""
    if not isinstance(solution, RoutingSolution):
        return []
    out = []
    for vehicle_route in solution.routes:
        seq = [v.node for v in vehicle_route.visits]
        if len(seq) > 2 and (seq[0] != instance.start_node or seq[-1] != instance.end_node):
            out.append(
                f"vehicle {vehicle_route.vehicle}: does not run from the start to the end depot"
            )
    return out


def _visit_violations(
    instance: PdpInstance, routes: list[list[int]]
) -> tuple[dict[int, tuple[int, int]], list[str]]:
    """(route, position) of each visited node, and the node and load findings of the routes."""
    num_nodes = instance.xy.shape[0]
    depots = {instance.start_node, instance.end_node}
    where: dict[int, tuple[int, int]] = {}
    out: list[str] = []
    for r, route in enumerate(routes):
        load, overloaded = 0, False
        for k, node in enumerate(route):
            if not 0 <= node < num_nodes:
                out.append(f"route {r}: node {node} does not exist")
                continue
            if node in depots:
                out.append(f"route {r}: depot node {node} in the middle of the route")
                continue
            if node in where:
                out.append(f"node {node} is visited more than once")
            else:
                where[node] = (r, k)
            load += int(instance.demand[node])
            if not overloaded and not 0 <= load <= instance.capacity:
                overloaded = True  # one finding per route
                out.append(
                    f"route {r}: load {load} after node {node} outside [0, {instance.capacity}]"
                )
    return where, out


def _request_violations(instance: PdpInstance, where: dict[int, tuple[int, int]]) -> list[str]:
    """Unserved nodes, and requests split over routes or delivered before their pickup."""
    out = []
    depots = {instance.start_node, instance.end_node}
    missing = sorted(set(range(instance.xy.shape[0])) - depots - set(where))
    if missing:
        shown = ", ".join(map(str, missing[:20])) + (" ..." if len(missing) > 20 else "")
        out.append(f"{len(missing)} nodes not served: {shown}")
    for p, d in instance.pairs.tolist():
        wp, wd = where.get(p), where.get(d)
        if wp is None or wd is None:
            continue
        if wp[0] != wd[0]:
            out.append(f"request {p}->{d}: pickup on route {wp[0]}, delivery on route {wd[0]}")
        elif wp[1] > wd[1]:
            out.append(f"request {p}->{d}: delivery before pickup on route {wp[0]}")
    return out


def verify_real(instance: PdpInstance, solution: RoutesLike) -> list[str]:
    """Violations of the original (real-valued) problem by the routes (empty: feasible).

    Only the node sequences are used; the schedule is recomputed. Checks: every
    request served exactly once, pickup and delivery on the same route with the
    pickup first, load within [0, Q], at most K routes, depots only at the ends,
    time windows, and for DARP the ride time ``B(delivery) - (B(pickup) + s) <= L``
    and the route duration ``B(end) - B(start) <= T``, the schedule being free
    (waiting allowed anywhere): exact by shortest paths on the difference
    constraints. Tolerance :data:`EPS`.
    """
    out = _depot_violations(instance, solution)
    routes = customer_routes(instance, solution)
    if len(routes) > instance.num_vehicles:
        out.append(f"{len(routes)} routes, at most {instance.num_vehicles} allowed")
    where, visit_findings = _visit_violations(instance, routes)
    out += visit_findings
    out += _request_violations(instance, where)
    num_nodes = instance.xy.shape[0]
    depots = {instance.start_node, instance.end_node}
    for r, route in enumerate(routes):
        if all(0 <= n < num_nodes and n not in depots for n in route):
            out.extend(_schedule_violations(instance, r, route))
    return out


__all__ = ["EPS", "RoutesLike", "customer_routes", "real_distance", "verify_real"]
