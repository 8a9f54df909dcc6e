"""Pickup-and-delivery benchmark sets as :class:`RoutingProblem`, with an exact real-valued checker.

Two sets live in ``../shared/benchmarks`` (their READMEs give the file formats):
Cordeau's dial-a-ride instances (``darp/instances/<name>.txt``, proven optima in
``darp/bks.csv``) and Li & Lim's PDPTW instances (``pdptw/<name>.txt``, best known
vehicles and distance in ``pdptw/bks.csv``). Both use unrounded Euclidean
distances, so the integer :class:`RoutingProblem` is a scaled, conservative
approximation, and every result is re-verified and re-costed in real numbers
from its node sequences by :func:`verify_real` and :func:`real_distance`.

Node numbering: problem node ``i`` is line ``i`` of the file (DARP: 0 = start
depot, 1..n pickups, n+1..2n deliveries, 2n+1 = end depot; Li & Lim: 0 = depot,
then the tasks in file order), so ``node_location`` is the identity.

DARP conversion (:func:`read_darp`), scale :data:`SCALE` = 1000:

* distance = travel time = ``ceil(1000 * euclid)`` (one matrix for both);
  windows and service times are integers in the files and are scaled exactly.
  Rounding travel times *up* makes every integer-feasible schedule
  real-feasible (divide it by 1000: each ``B_j >= B_i + s_i + t_ij`` still
  holds); the converse can fail by up to 0.001 per arc, so a real optimum with
  a tight constraint may be integer-infeasible.
* ride time ``B(n+i) - (B(i) + s_i) <= L`` is measured from the *end* of the
  pickup service, while ``pair_max_transit`` bounds delivery start minus pickup
  start, so ``pair_max_transit = ceil(1000 * (L + s_i))`` (exact: L and s are
  integers).
* route duration ``B(2n+1) - B(0) <= T``: both depot windows are ``[0, T]`` in
  every file, so ``B(0) >= 0`` and ``B(2n+1) <= T`` already imply it, and the
  vehicle shift ``[0, 1000 T]`` with the depot windows ``[0, 1000 T]`` encodes
  it exactly. The contract has no duration limit of its own, so for a file
  whose depot windows were not ``[0, T]`` the reader would use the shift
  ``[e0, min(l_end, e0 + T)]`` (start depot window start ``e0``): conservative,
  it never accepts a duration above T but may reject schedules that start
  late. :func:`verify_real` checks the duration exactly either way.
* K homogeneous vehicles of capacity Q, every one starting at node 0 and
  ending at node 2n+1 (zero-demand nodes that are never visited otherwise);
  ``max_vehicles = K``.
* visits are optional with drop penalty :func:`prohibitive_penalty` per node
  (more than the cost of any complete solution), so an engine returns a
  partial solution rather than nothing; the bench counts a solution with drops
  as infeasible.
* objective = distance only: fixed cost 0, distance cost 1 per 1/1000 unit.

Li & Lim conversion (:func:`read_lilim`), scale 1000:

* travel time = ``ceil(1000 * euclid)`` (feasibility is safe as above);
  distance for the objective = ``round(1000 * euclid)``; the reported distance is
  always recomputed real-valued (:func:`real_distance`). Windows and service
  times are integers, scaled exactly; the depot window ``[0, l0]`` is both depot
  window and vehicle shift.
* pairs from the p/d columns (pickup has ``p = 0``, ``d`` = its delivery), no
  transit limit (:data:`NO_LIMIT`).
* K = 25 vehicles (from the file) of capacity Q, start and end at node 0,
  ``max_vehicles = K``.
* hierarchical objective, vehicles first: each used vehicle costs
  :data:`LILIM_VEHICLE_COST` = 10^8 (in 1/1000 distance units, i.e. 100,000
  distance units), more than any total distance (coordinates lie in
  [0, 100]^2, so at most (tasks + K) arcs of at most 141.5 each, < 2·10^4);
  distance cost 1.
* visits optional at :func:`prohibitive_penalty` per node (more than any
  complete solution including its fixed costs).
"""

from __future__ import annotations

import csv
import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from agrichain.routing.problem import (
    NO_LIMIT,
    FloatArray,
    IntArray,
    RoutingProblem,
    RoutingSolution,
)

#: Problem units (distance and time) per benchmark unit, for both sets.
SCALE = 1000
#: Fixed cost per used vehicle in Li & Lim problems (problem units): vehicles first.
LILIM_VEHICLE_COST = 10**8
#: Absolute tolerance of :func:`verify_real` (benchmark time units).
EPS = 1e-9


@dataclass(frozen=True, eq=False)
class PdpInstance:
    """A DARP or Li & Lim instance: the integer problem plus the real data to verify results."""

    name: str
    path: Path
    kind: str
    """"darp" or "lilim"."""
    problem: RoutingProblem
    xy: FloatArray
    """(N, 2) real coordinates per node (node = file line)."""
    demand: IntArray
    """(N,) load change per node."""
    service: FloatArray
    """(N,) service duration."""
    tw_start: FloatArray
    """(N,) earliest start of service."""
    tw_end: FloatArray
    """(N,) latest start of service."""
    pairs: IntArray
    """(P, 2) pickup node, delivery node."""
    capacity: int
    num_vehicles: int
    """K: at most this many routes."""
    start_node: int
    end_node: int
    max_ride: float | None = None
    """DARP L: delivery start minus pickup service end (None: no limit)."""
    max_duration: float | None = None
    """DARP T: end-depot start minus start-depot start (None: no limit)."""
    bks: float | None = None
    """Best-known (DARP: proven optimal) total distance in benchmark units."""
    bks_vehicles: int | None = None
    """Li & Lim: vehicles of the best-known solution."""
    proven_optimal: bool = False

    @property
    def cost_scale(self) -> int:
        """Problem distance units per benchmark distance unit."""
        return SCALE

    @property
    def num_requests(self) -> int:
        return int(self.pairs.shape[0])


def euclid_matrix(xy: np.ndarray) -> FloatArray:
    """Unrounded Euclidean distances between (n, 2) points."""
    xy = np.asarray(xy, dtype=np.float64)
    diff = xy[:, None, :] - xy[None, :, :]
    return np.sqrt((diff**2).sum(axis=2))


def prohibitive_penalty(distance: IntArray, num_nodes: int, num_vehicles: int, fixed: int) -> int:
    """A drop penalty above the cost of any complete solution.

    A complete solution has at most ``num_nodes + num_vehicles`` arcs and pays at
    most ``num_vehicles`` fixed costs, so one dropped node costs more than all of it.
    """
    max_arc = int(distance.max()) if distance.size else 0
    return (num_nodes + num_vehicles) * max_arc + num_vehicles * fixed + 1


def _rows(path: Path) -> list[list[str]]:
    return [ln.split() for ln in path.read_text().splitlines() if ln.strip()]


def _numeric(tokens: Sequence[str]) -> bool:
    return all(re.fullmatch(r"-?\d+(\.\d*)?", t) for t in tokens)


def pdp_kind(path: str | Path) -> str | None:
    """ "darp" or "lilim" if the file has that layout, else None (e.g. Solomon, VRPLIB)."""
    path = Path(path)
    try:
        head = [ln.split() for ln in path.read_text().splitlines()[:4] if ln.strip()]
    except (OSError, UnicodeDecodeError):
        return None
    if len(head) < 2 or not all(_numeric(r) for r in head):
        return None
    if len(head[0]) == 5 and all(len(r) == 7 for r in head[1:]):
        return "darp"
    if len(head[0]) == 3 and all(len(r) == 9 for r in head[1:]):
        return "lilim"
    return None


def _bks_row(name: str, bks_csv: Path | None) -> dict[str, str] | None:
    if bks_csv is None or not bks_csv.is_file():
        return None
    with bks_csv.open(newline="") as fh:
        for row in csv.DictReader(fh):
            if row.get("instance", "").lower() == name.lower():
                return row
    return None


def _find_bks_csv(path: Path, column: str) -> Path | None:
    """A ``bks.csv`` beside the file or one folder up that has ``column``."""
    for folder in (path.parent, path.parent.parent):
        cand = folder / "bks.csv"
        if cand.is_file():
            with cand.open(newline="") as fh:
                header = next(csv.reader(fh), [])
            if column in header:
                return cand
    return None


def read_darp(path: str | Path, bks_csv: str | Path | None = None) -> PdpInstance:
    """Read a Cordeau DARP file (``K n T Q L`` header, 2n+2 node lines); see the module doc.

    The optimum comes from ``bks_csv`` (default: a ``bks.csv`` with a ``bks_cost``
    column beside the file or one folder up).
    """
    path = Path(path)
    rows = _rows(path)
    k_str, n_str, t_str, q_str, l_str = rows[0][:5]
    num_vehicles, n = int(k_str), int(n_str)
    max_duration, capacity, max_ride = float(t_str), int(q_str), float(l_str)
    data = np.asarray([[float(t) for t in r[:7]] for r in rows[1:]], dtype=np.float64)
    if data.shape[0] != 2 * n + 2:
        raise ValueError(f"{path.name}: {data.shape[0]} node lines, expected 2n+2 = {2 * n + 2}")
    if not np.array_equal(data[:, 0], np.arange(2 * n + 2)):
        raise ValueError(f"{path.name}: node ids are not 0..2n+1 in order")
    xy = data[:, 1:3]
    service, demand = data[:, 3], np.round(data[:, 4]).astype(np.int64)
    tw_start, tw_end = data[:, 5], data[:, 6]
    num_nodes = 2 * n + 2
    start, end = 0, 2 * n + 1
    pairs = np.stack([np.arange(1, n + 1), np.arange(n + 1, 2 * n + 1)], axis=1).astype(np.int64)
    if np.any(demand[pairs[:, 0]] != -demand[pairs[:, 1]]):
        raise ValueError(f"{path.name}: a delivery's load is not minus its pickup's")

    dist = np.ceil(SCALE * euclid_matrix(xy)).astype(np.int64)
    s = SCALE
    node_tw_start = np.ceil(s * tw_start).astype(np.int64)
    node_tw_end = np.floor(s * tw_end).astype(np.int64)
    node_service = np.ceil(s * service).astype(np.int64)
    # Route duration: exact when both depot windows are [0, T] (see the module doc);
    # otherwise a conservative shift that keeps end - start <= T for any start >= e0.
    shift_start = int(node_tw_start[start])
    shift_end = min(int(node_tw_end[end]), shift_start + math.floor(s * max_duration))
    transit = np.ceil(s * (max_ride + service[pairs[:, 0]])).astype(np.int64)
    penalty = prohibitive_penalty(dist, num_nodes, num_vehicles, 0)
    drop = np.full(num_nodes, penalty, dtype=np.int64)
    drop[[start, end]] = 0
    problem = RoutingProblem(
        distance=dist,
        duration=dist,
        node_location=np.arange(num_nodes),
        node_demand=demand,
        node_tw_start=node_tw_start,
        node_tw_end=node_tw_end,
        node_service=node_service,
        node_drop_penalty=drop,
        vehicle_start_node=np.full(num_vehicles, start, dtype=np.int64),
        vehicle_end_node=np.full(num_vehicles, end, dtype=np.int64),
        vehicle_capacity=np.full(num_vehicles, capacity, dtype=np.int64),
        vehicle_tw_start=np.full(num_vehicles, shift_start, dtype=np.int64),
        vehicle_tw_end=np.full(num_vehicles, shift_end, dtype=np.int64),
        vehicle_fixed_cost=np.zeros(num_vehicles, dtype=np.int64),
        vehicle_distance_cost=np.ones(num_vehicles),
        pairs=pairs,
        pair_max_transit=transit,
        max_vehicles=num_vehicles,
        name=path.stem,
    )
    csv_path = Path(bks_csv) if bks_csv is not None else _find_bks_csv(path, "bks_cost")
    row = _bks_row(path.stem, csv_path)
    bks = float(row["bks_cost"]) if row and row.get("bks_cost") else None
    proven = bool(row) and (row or {}).get("proven_optimal", "").strip().lower() == "yes"
    return PdpInstance(
        name=path.stem,
        path=path,
        kind="darp",
        problem=problem,
        xy=xy,
        demand=demand,
        service=service,
        tw_start=tw_start,
        tw_end=tw_end,
        pairs=pairs,
        capacity=capacity,
        num_vehicles=num_vehicles,
        start_node=start,
        end_node=end,
        max_ride=max_ride,
        max_duration=max_duration,
        bks=bks,
        proven_optimal=proven,
    )


def read_lilim(path: str | Path, bks_csv: str | Path | None = None) -> PdpInstance:
    """Read a Li & Lim PDPTW file (``K Q S`` header, a 9-column line per task); see the module doc.

    The best-known vehicles and distance come from ``bks_csv`` (default: a
    ``bks.csv`` with a ``bks_distance`` column beside the file or one folder up).
    """
    path = Path(path)
    rows = _rows(path)
    num_vehicles, capacity = int(rows[0][0]), int(rows[0][1])
    data = np.asarray([[float(t) for t in r[:9]] for r in rows[1:]], dtype=np.float64)
    num_nodes = data.shape[0]
    if not np.array_equal(data[:, 0], np.arange(num_nodes)):
        raise ValueError(f"{path.name}: task ids are not 0..N in order")
    xy = data[:, 1:3]
    demand = np.round(data[:, 3]).astype(np.int64)
    tw_start, tw_end, service = data[:, 4], data[:, 5], data[:, 6]
    sib_p, sib_d = data[:, 7].astype(np.int64), data[:, 8].astype(np.int64)
    pair_list: list[tuple[int, int]] = []
    for i in range(1, num_nodes):
        if sib_p[i] == 0:  # a pickup: d is its delivery
            d = int(sib_d[i])
            if not 0 < d < num_nodes or sib_p[d] != i:
                raise ValueError(f"{path.name}: task {i} names delivery {d}, which does not match")
            pair_list.append((i, d))
        elif sib_d[i] != 0 or sib_d[sib_p[i]] != i:
            raise ValueError(f"{path.name}: task {i} has inconsistent sibling columns")
    pairs = np.asarray(pair_list, dtype=np.int64).reshape(-1, 2)
    if 2 * pairs.shape[0] != num_nodes - 1:
        raise ValueError(f"{path.name}: {num_nodes - 1} tasks but {pairs.shape[0]} pairs")

    euclid = euclid_matrix(xy)
    s = SCALE
    dist = np.round(s * euclid).astype(np.int64)
    duration = np.ceil(s * euclid).astype(np.int64)
    node_tw_start = np.ceil(s * tw_start).astype(np.int64)
    node_tw_end = np.floor(s * tw_end).astype(np.int64)
    fixed = LILIM_VEHICLE_COST
    max_total = (num_nodes + num_vehicles) * int(dist.max())
    if max_total >= fixed:  # never on the Li & Lim files; keep vehicles first anyway
        fixed = 10 ** len(str(max_total))
    penalty = prohibitive_penalty(dist, num_nodes, num_vehicles, fixed)
    drop = np.full(num_nodes, penalty, dtype=np.int64)
    drop[0] = 0
    zeros = np.zeros(num_vehicles, dtype=np.int64)
    problem = RoutingProblem(
        distance=dist,
        duration=duration,
        node_location=np.arange(num_nodes),
        node_demand=demand,
        node_tw_start=node_tw_start,
        node_tw_end=node_tw_end,
        node_service=np.ceil(s * service).astype(np.int64),
        node_drop_penalty=drop,
        vehicle_start_node=zeros,
        vehicle_end_node=zeros,
        vehicle_capacity=np.full(num_vehicles, capacity, dtype=np.int64),
        vehicle_tw_start=np.full(num_vehicles, node_tw_start[0], dtype=np.int64),
        vehicle_tw_end=np.full(num_vehicles, node_tw_end[0], dtype=np.int64),
        vehicle_fixed_cost=np.full(num_vehicles, fixed, dtype=np.int64),
        vehicle_distance_cost=np.ones(num_vehicles),
        pairs=pairs,
        pair_max_transit=np.full(pairs.shape[0], NO_LIMIT, dtype=np.int64),
        max_vehicles=num_vehicles,
        name=path.stem,
    )
    csv_path = Path(bks_csv) if bks_csv is not None else _find_bks_csv(path, "bks_distance")
    row = _bks_row(path.stem, csv_path)
    bks = float(row["bks_distance"]) if row and row.get("bks_distance") else None
    bks_veh = int(row["bks_vehicles"]) if row and row.get("bks_vehicles") else None
    return PdpInstance(
        name=path.stem,
        path=path,
        kind="lilim",
        problem=problem,
        xy=xy,
        demand=demand,
        service=service,
        tw_start=tw_start,
        tw_end=tw_end,
        pairs=pairs,
        capacity=capacity,
        num_vehicles=num_vehicles,
        start_node=0,
        end_node=0,
        bks=bks,
        bks_vehicles=bks_veh,
    )


def load_pdp_instance(path: str | Path, bks_csv: str | Path | None = None) -> PdpInstance:
    """Read a DARP or Li & Lim file, whichever layout it has (ValueError for neither)."""
    kind = pdp_kind(path)
    if kind == "darp":
        return read_darp(path, bks_csv)
    if kind == "lilim":
        return read_lilim(path, bks_csv)
    raise ValueError(f"{Path(path).name} is neither a Cordeau DARP nor a Li & Lim PDPTW file")


# --------------------------------------------------------------------------- verification

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
    m = len(nodes)
    xy, svc, e, lt = instance.xy, instance.service, instance.tw_start, instance.tw_end
    travel = [
        svc[a] + math.hypot(xy[a, 0] - xy[b, 0], xy[a, 1] - xy[b, 1])
        for a, b in itertools.pairwise(nodes)
    ]
    # Earliest schedule: pointwise minimal under windows and travel, so a window it breaks
    # cannot be met by any schedule of this sequence.
    out: list[str] = []
    t = e[nodes[0]]
    for k, node in enumerate(nodes):
        if k:
            t = max(e[node], t + travel[k - 1])
        if t > lt[node] + EPS:
            where = "the end depot" if k == m - 1 else f"node {node} (position {k})"
            out.append(
                f"route {r}: service at {where} starts at {t:.4f} at the earliest, "
                f"after its window end {lt[node]:g}"
            )
            return out
    ride_pairs = []
    if instance.max_ride is not None:
        pos = {node: k for k, node in enumerate(nodes)}
        ride_pairs = [
            (pos[p], pos[d])
            for p, d in instance.pairs.tolist()
            if p in pos and d in pos and pos[p] < pos[d]  # else reported by verify_real
        ]
    if not ride_pairs and instance.max_duration is None:
        return out
    # Graph on B_0..B_{m-1} plus the time origin z = m; edge u -> v of weight w: B_v - B_u <= w.
    z = m
    w = np.full((m + 1, m + 1), np.inf)
    np.fill_diagonal(w, 0.0)
    for k, node in enumerate(nodes):
        w[z, k] = min(w[z, k], lt[node])
        w[k, z] = min(w[k, z], -e[node])
    for k in range(m - 1):
        w[k + 1, k] = min(w[k + 1, k], -travel[k])
    base = _floyd(w)  # windows and travel only: feasible (the earliest schedule passed)
    if instance.max_duration is not None:
        least = -base[m - 1, 0]
        if least > instance.max_duration + EPS:
            out.append(f"route {r}: duration at least {least:.4f}, limit {instance.max_duration:g}")
            return out
        w[0, m - 1] = min(w[0, m - 1], instance.max_duration)
        base = _floyd(w)
    limit = instance.max_ride
    if limit is None:
        return out
    for kp, kd in ride_pairs:
        p = nodes[kp]
        least = -base[kd, kp] - svc[p]
        if least > limit + EPS:
            out.append(
                f"route {r}: request {p}->{nodes[kd]} rides at least {least:.4f}, limit {limit:g}"
            )
    if out:
        return out
    for kp, kd in ride_pairs:
        w[kp, kd] = min(w[kp, kd], limit + svc[nodes[kp]])
    full = _floyd(w)
    if np.any(np.diag(full) < -EPS):
        out.append(
            f"route {r}: the ride-time limits of its {len(ride_pairs)} requests "
            "cannot all be met together with the windows"
        )
    return out


def verify_real(instance: PdpInstance, solution: RoutesLike) -> list[str]:
    """Violations of the original (real-valued) problem by the routes (empty: feasible).

    Only the node sequences are used; the schedule is recomputed. Checks: every
    request served exactly once, pickup and delivery on the same route with the
    pickup first, load within [0, Q], at most K routes, depots only at the ends,
    time windows, and for DARP the ride time ``B(delivery) - (B(pickup) + s) <= L``
    and the route duration ``B(end) - B(start) <= T``, the schedule being free
    (waiting allowed anywhere): exact by shortest paths on the difference
    constraints (see :func:`_schedule_violations`). Tolerance :data:`EPS`.
    """
    out: list[str] = []
    if isinstance(solution, RoutingSolution):
        for vehicle_route in solution.routes:
            seq = [v.node for v in vehicle_route.visits]
            if len(seq) > 2 and (seq[0] != instance.start_node or seq[-1] != instance.end_node):
                out.append(
                    f"vehicle {vehicle_route.vehicle}: does not run from the start to the end depot"
                )
    routes = customer_routes(instance, solution)
    num_nodes = instance.xy.shape[0]
    depots = {instance.start_node, instance.end_node}
    if len(routes) > instance.num_vehicles:
        out.append(f"{len(routes)} routes, at most {instance.num_vehicles} allowed")
    where: dict[int, tuple[int, int]] = {}
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
    missing = sorted(set(range(num_nodes)) - depots - set(where))
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
    for r, route in enumerate(routes):
        if all(0 <= n < num_nodes and n not in depots for n in route):
            out.extend(_schedule_violations(instance, r, route))
    return out
