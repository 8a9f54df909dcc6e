"""Readers of the Cordeau DARP and Li & Lim PDPTW files into :class:`PdpInstance`.

The files use unrounded Euclidean distances; the integer :class:`RoutingProblem`
built here is a scaled, conservative approximation, and results are re-verified
in real numbers by :mod:`agrichain.routing.sets.pdp_verify`.

DARP conversion (:func:`read_darp`), scale :data:`~agrichain.routing.sets.pdp_sets.SCALE` = 1000:

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
  late. :func:`~agrichain.routing.sets.pdp_verify.verify_real` checks the duration
  exactly either way.
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
  always recomputed real-valued (:func:`~agrichain.routing.sets.pdp_verify.real_distance`).
  Windows and service times are integers, scaled exactly; the depot window
  ``[0, l0]`` is both depot window and vehicle shift.
* pairs from the p/d columns (pickup has ``p = 0``, ``d`` = its delivery), no
  transit limit (:data:`~agrichain.routing.problem.NO_LIMIT`).
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
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from agrichain.routing.problem import NO_LIMIT, FloatArray, IntArray, RoutingProblem
from agrichain.routing.sets.pdp_sets import SCALE, PdpInstance, pdp_kind

#: Fixed cost per used vehicle in Li & Lim problems (problem units): vehicles first.
LILIM_VEHICLE_COST = 10**8


@dataclass(frozen=True)
class _FileNodes:
    """The per-node columns of a file, in benchmark units (node = file line)."""

    xy: FloatArray
    demand: IntArray
    service: FloatArray
    tw_start: FloatArray
    tw_end: FloatArray


@dataclass(frozen=True)
class _FileFleet:
    """The vehicles of a file and the integer costs they are given."""

    num_vehicles: int
    capacity: int
    end_node: int
    distance: IntArray
    duration: IntArray
    fixed_cost: int
    max_ride: float | None = None
    """DARP L (None: no ride-time limit)."""
    max_duration: float | None = None
    """DARP T (None: no route-duration limit)."""


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


def _bks_row(path: Path, bks_csv: str | Path | None, column: str) -> dict[str, str]:
    """The row of ``path``'s instance in ``bks_csv`` (default: one found with ``column``), or {}."""
    csv_path = Path(bks_csv) if bks_csv is not None else _find_bks_csv(path, column)
    if csv_path is None or not csv_path.is_file():
        return {}
    with csv_path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            if row.get("instance", "").lower() == path.stem.lower():
                return row
    return {}


def _pdp_instance(
    path: Path,
    kind: str,
    nodes: _FileNodes,
    pairs: IntArray,
    fleet: _FileFleet,
    *,
    bks: float | None,
    bks_vehicles: int | None = None,
    proven_optimal: bool = False,
) -> PdpInstance:
    """The scaled problem of a read file and the instance around it (start depot = node 0)."""
    start, end = 0, fleet.end_node
    num_nodes = nodes.xy.shape[0]
    node_tw_start = np.ceil(SCALE * nodes.tw_start).astype(np.int64)
    node_tw_end = np.floor(SCALE * nodes.tw_end).astype(np.int64)
    # Route duration: exact when both depot windows are [0, T] (see the module doc);
    # otherwise a conservative shift that keeps end - start <= T for any start >= e0.
    shift_start, shift_end = int(node_tw_start[start]), int(node_tw_end[end])
    if fleet.max_duration is not None:
        shift_end = min(shift_end, shift_start + math.floor(SCALE * fleet.max_duration))
    transit = np.full(pairs.shape[0], NO_LIMIT, dtype=np.int64)
    if fleet.max_ride is not None:
        transit = np.ceil(SCALE * (fleet.max_ride + nodes.service[pairs[:, 0]])).astype(np.int64)
    penalty = prohibitive_penalty(fleet.distance, num_nodes, fleet.num_vehicles, fleet.fixed_cost)
    drop = np.full(num_nodes, penalty, dtype=np.int64)
    drop[[start, end]] = 0
    k = fleet.num_vehicles
    problem = RoutingProblem(
        distance=fleet.distance,
        duration=fleet.duration,
        node_location=np.arange(num_nodes),
        node_demand=nodes.demand,
        node_tw_start=node_tw_start,
        node_tw_end=node_tw_end,
        node_service=np.ceil(SCALE * nodes.service).astype(np.int64),
        node_drop_penalty=drop,
        vehicle_start_node=np.full(k, start, dtype=np.int64),
        vehicle_end_node=np.full(k, end, dtype=np.int64),
        vehicle_capacity=np.full(k, fleet.capacity, dtype=np.int64),
        vehicle_tw_start=np.full(k, shift_start, dtype=np.int64),
        vehicle_tw_end=np.full(k, shift_end, dtype=np.int64),
        vehicle_fixed_cost=np.full(k, fleet.fixed_cost, dtype=np.int64),
        vehicle_distance_cost=np.ones(k),
        pairs=pairs,
        pair_max_transit=transit,
        max_vehicles=k,
        name=path.stem,
    )
    return PdpInstance(
        name=path.stem,
        path=path,
        kind=kind,
        problem=problem,
        xy=nodes.xy,
        demand=nodes.demand,
        service=nodes.service,
        tw_start=nodes.tw_start,
        tw_end=nodes.tw_end,
        pairs=pairs,
        capacity=fleet.capacity,
        num_vehicles=k,
        start_node=start,
        end_node=end,
        max_ride=fleet.max_ride,
        max_duration=fleet.max_duration,
        bks=bks,
        bks_vehicles=bks_vehicles,
        proven_optimal=proven_optimal,
    )


def read_darp(path: str | Path, bks_csv: str | Path | None = None) -> PdpInstance:
    """Read a Cordeau DARP file (``K n T Q L`` header, 2n+2 node lines); see the module doc.

    The optimum comes from ``bks_csv`` (default: a ``bks.csv`` with a ``bks_cost``
    column beside the file or one folder up).
    """
    path = Path(path)
    rows = _rows(path)
    k_str, n_str, t_str, q_str, l_str = rows[0][:5]
    n = int(n_str)
    data = np.asarray([[float(t) for t in r[:7]] for r in rows[1:]], dtype=np.float64)
    if data.shape[0] != 2 * n + 2:
        raise ValueError(f"{path.name}: {data.shape[0]} node lines, expected 2n+2 = {2 * n + 2}")
    if not np.array_equal(data[:, 0], np.arange(2 * n + 2)):
        raise ValueError(f"{path.name}: node ids are not 0..2n+1 in order")
    nodes = _FileNodes(
        xy=data[:, 1:3],
        demand=np.round(data[:, 4]).astype(np.int64),
        service=data[:, 3],
        tw_start=data[:, 5],
        tw_end=data[:, 6],
    )
    pairs = np.stack([np.arange(1, n + 1), np.arange(n + 1, 2 * n + 1)], axis=1).astype(np.int64)
    if np.any(nodes.demand[pairs[:, 0]] != -nodes.demand[pairs[:, 1]]):
        raise ValueError(f"{path.name}: a delivery's load is not minus its pickup's")
    dist = np.ceil(SCALE * euclid_matrix(nodes.xy)).astype(np.int64)
    fleet = _FileFleet(
        num_vehicles=int(k_str),
        capacity=int(q_str),
        end_node=2 * n + 1,
        distance=dist,
        duration=dist,
        fixed_cost=0,
        max_ride=float(l_str),
        max_duration=float(t_str),
    )
    row = _bks_row(path, bks_csv, "bks_cost")
    return _pdp_instance(
        path,
        "darp",
        nodes,
        pairs,
        fleet,
        bks=float(row["bks_cost"]) if row.get("bks_cost") else None,
        proven_optimal=row.get("proven_optimal", "").strip().lower() == "yes",
    )


def _lilim_pairs(path: Path, sib_p: IntArray, sib_d: IntArray) -> IntArray:
    """(P, 2) pickup and delivery nodes from the sibling columns (pickup: p = 0, d = delivery)."""
    num_nodes = sib_p.shape[0]
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
    return pairs


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
    nodes = _FileNodes(
        xy=data[:, 1:3],
        demand=np.round(data[:, 3]).astype(np.int64),
        service=data[:, 6],
        tw_start=data[:, 4],
        tw_end=data[:, 5],
    )
    pairs = _lilim_pairs(path, data[:, 7].astype(np.int64), data[:, 8].astype(np.int64))
    euclid = euclid_matrix(nodes.xy)
    dist = np.round(SCALE * euclid).astype(np.int64)
    fixed = LILIM_VEHICLE_COST
    max_total = (num_nodes + num_vehicles) * int(dist.max())
    if max_total >= fixed:  # never on the Li & Lim files; keep vehicles first anyway
        fixed = 10 ** len(str(max_total))
    fleet = _FileFleet(
        num_vehicles=num_vehicles,
        capacity=capacity,
        end_node=0,
        distance=dist,
        duration=np.ceil(SCALE * euclid).astype(np.int64),
        fixed_cost=fixed,
    )
    row = _bks_row(path, bks_csv, "bks_distance")
    return _pdp_instance(
        path,
        "lilim",
        nodes,
        pairs,
        fleet,
        bks=float(row["bks_distance"]) if row.get("bks_distance") else None,
        bks_vehicles=int(row["bks_vehicles"]) if row.get("bks_vehicles") else None,
    )


def load_pdp_instance(path: str | Path, bks_csv: str | Path | None = None) -> PdpInstance:
    """Read a DARP or Li & Lim file, whichever layout it has (ValueError for neither)."""
    kind = pdp_kind(path)
    if kind == "darp":
        return read_darp(path, bks_csv)
    if kind == "lilim":
        return read_lilim(path, bks_csv)
    raise ValueError(f"{Path(path).name} is neither a Cordeau DARP nor a Li & Lim PDPTW file")


__all__ = [
    "LILIM_VEHICLE_COST",
    "euclid_matrix",
    "load_pdp_instance",
    "prohibitive_penalty",
    "read_darp",
    "read_lilim",
]
