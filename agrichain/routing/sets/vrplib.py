"""Classic VRP benchmark instances (Solomon VRPTW, CVRPLIB X) as :class:`RoutingProblem`.

Conventions (they make best-known solutions comparable):

* Solomon, DIMACS convention: arc distance and travel time are
  ``floor(10 * euclid) / 10``, so the problem is built in integer tenths
  (:data:`SOLOMON_SCALE`); time windows and service times are scaled by 10 too.
  The objective is total distance; the fleet is the file's vehicle count
  (``max_vehicles``) and vehicles have no fixed cost.
* CVRPLIB (TSPLIB ``EUC_2D``): arc = ``nint(euclid)``, objective total distance,
  unlimited fleet. The problem gets ``2 * ceil(total demand / capacity)``
  vehicles (capped at the number of clients), which is always enough: first-fit
  packing never needs more bins than that.

Node 0 is the depot (start and end of every vehicle); node ``i`` is the ``i``-th
customer, so the customer numbers of a CVRPLIB ``.sol`` file are node indices.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from agrichain.routing.problem import MANDATORY, IntArray, RoutingProblem

#: Solomon instances are built in integer tenths of a distance/time unit.
SOLOMON_SCALE = 10
#: CVRPLIB instances use integer distances as they are.
CVRPLIB_SCALE = 1


def _euclid(xy: np.ndarray) -> np.ndarray:
    diff = xy[:, None, :] - xy[None, :, :]
    return np.sqrt((diff**2).sum(axis=2))


def solomon_distance(xy: np.ndarray) -> IntArray:
    """DIMACS arc lengths in tenths: ``floor(10 * euclid)`` for (n, 2) coordinates."""
    return np.floor(10.0 * _euclid(np.asarray(xy, dtype=np.float64))).astype(np.int64)


def tsplib_distance(xy: np.ndarray) -> IntArray:
    """TSPLIB ``EUC_2D`` arc lengths: ``nint(euclid)`` for (n, 2) coordinates."""
    return np.floor(_euclid(np.asarray(xy, dtype=np.float64)) + 0.5).astype(np.int64)


def load_solomon(path: str | Path, num_customers: int | None = None) -> RoutingProblem:
    """Read a Solomon VRPTW file (DIMACS convention, units of 0.1).

    ``num_customers`` keeps only the first customers (for small test problems).
    """
    path = Path(path)
    lines = [ln.strip() for ln in path.read_text().splitlines()]
    name = next((ln for ln in lines if ln), path.stem)
    fleet_idx = next(i for i, ln in enumerate(lines) if ln.upper().startswith("NUMBER"))
    num_vehicles, capacity = (int(tok) for tok in lines[fleet_idx + 1].split()[:2])
    rows: list[list[float]] = []
    cust_idx = next(i for i, ln in enumerate(lines) if ln.upper().startswith("CUST"))
    for ln in lines[cust_idx + 1 :]:
        toks = ln.split()
        if len(toks) >= 7 and re.fullmatch(r"-?\d+", toks[0]):
            rows.append([float(t) for t in toks[:7]])
    data = np.asarray(rows, dtype=np.float64)
    if num_customers is not None:
        data = data[: num_customers + 1]
    xy = data[:, 1:3]
    dist = solomon_distance(xy)
    n = data.shape[0]
    s = SOLOMON_SCALE
    tw_start = np.round(data[:, 4] * s).astype(np.int64)
    tw_end = np.round(data[:, 5] * s).astype(np.int64)
    service = np.round(data[:, 6] * s).astype(np.int64)
    drop = np.full(n, MANDATORY, dtype=np.int64)
    return RoutingProblem(
        distance=dist,
        duration=dist,
        node_location=np.arange(n),
        node_demand=np.round(data[:, 3]).astype(np.int64),
        node_tw_start=tw_start,
        node_tw_end=tw_end,
        node_service=service,
        node_drop_penalty=drop,
        vehicle_start_node=np.zeros(num_vehicles, dtype=np.int64),
        vehicle_end_node=np.zeros(num_vehicles, dtype=np.int64),
        vehicle_capacity=np.full(num_vehicles, capacity, dtype=np.int64),
        vehicle_tw_start=np.full(num_vehicles, tw_start[0], dtype=np.int64),
        vehicle_tw_end=np.full(num_vehicles, tw_end[0], dtype=np.int64),
        vehicle_fixed_cost=np.zeros(num_vehicles, dtype=np.int64),
        vehicle_distance_cost=np.ones(num_vehicles),
        max_vehicles=num_vehicles,
        name=name,
    )


def _vrplib_sections(text: str) -> tuple[dict[str, str], dict[str, list[list[str]]]]:
    specs: dict[str, str] = {}
    sections: dict[str, list[list[str]]] = {}
    current: str | None = None
    for raw in text.splitlines():
        ln = raw.strip()
        if not ln or ln == "EOF":
            continue
        head = ln.split()[0]
        if head.endswith("_SECTION"):
            current = head
            sections[current] = []
            continue
        if ":" in ln and not re.match(r"^-?\d", ln):
            key, _, value = ln.partition(":")
            specs[key.strip().upper()] = value.strip()
            current = None
            continue
        if current is not None:
            sections[current].append(ln.split())
    return specs, sections


def load_cvrplib(path: str | Path) -> RoutingProblem:
    """Read a CVRPLIB/TSPLIB ``EUC_2D`` CVRP file (arc = nint(euclid), unlimited fleet)."""
    path = Path(path)
    specs, sections = _vrplib_sections(path.read_text())
    weight_type = specs.get("EDGE_WEIGHT_TYPE", "EUC_2D").upper()
    if weight_type != "EUC_2D":
        raise ValueError(f"{path.name}: EDGE_WEIGHT_TYPE {weight_type} is not supported")
    capacity = int(float(specs["CAPACITY"]))
    coords = {int(r[0]): (float(r[1]), float(r[2])) for r in sections["NODE_COORD_SECTION"]}
    demand = {int(r[0]): int(float(r[1])) for r in sections["DEMAND_SECTION"]}
    depots = [
        int(tok) for r in sections.get("DEPOT_SECTION", [["1"]]) for tok in r if int(tok) >= 0
    ]
    if len(depots) != 1:
        raise ValueError(f"{path.name}: exactly one depot is supported, got {len(depots)}")
    depot = depots[0]
    ids = [depot, *sorted(i for i in coords if i != depot)]
    xy = np.asarray([coords[i] for i in ids], dtype=np.float64)
    dem = np.asarray([0] + [demand.get(i, 0) for i in ids[1:]], dtype=np.int64)
    dist = tsplib_distance(xy)
    n = len(ids)
    n_clients = n - 1
    lower = max(1, math.ceil(int(dem.sum()) / capacity)) if capacity > 0 else n_clients
    num_vehicles = max(1, min(n_clients, 2 * lower))
    # No time windows: any horizon above the longest conceivable route works.
    horizon = int(dist.max(axis=1).sum()) + 1
    return RoutingProblem(
        distance=dist,
        duration=dist,
        node_location=np.arange(n),
        node_demand=dem,
        node_tw_start=np.zeros(n, dtype=np.int64),
        node_tw_end=np.full(n, horizon, dtype=np.int64),
        node_service=np.zeros(n, dtype=np.int64),
        node_drop_penalty=np.full(n, MANDATORY, dtype=np.int64),
        vehicle_start_node=np.zeros(num_vehicles, dtype=np.int64),
        vehicle_end_node=np.zeros(num_vehicles, dtype=np.int64),
        vehicle_capacity=np.full(num_vehicles, capacity, dtype=np.int64),
        vehicle_tw_start=np.zeros(num_vehicles, dtype=np.int64),
        vehicle_tw_end=np.full(num_vehicles, horizon, dtype=np.int64),
        vehicle_fixed_cost=np.zeros(num_vehicles, dtype=np.int64),
        vehicle_distance_cost=np.ones(num_vehicles),
        max_vehicles=None,
        name=specs.get("NAME", path.stem),
    )


def read_bks(path: str | Path) -> float | None:
    """Best-known cost from a VRPLIB ``.sol`` file (its ``Cost`` line), or None."""
    for ln in Path(path).read_text().splitlines():
        toks = ln.strip().split()
        if len(toks) >= 2 and toks[0].lower() == "cost":
            return float(toks[1])
    return None


def read_sol_routes(path: str | Path) -> list[list[int]]:
    """Routes of a VRPLIB ``.sol`` file as lists of customer numbers (= node indices here)."""
    routes: list[list[int]] = []
    for ln in Path(path).read_text().splitlines():
        if ln.strip().lower().startswith("route"):
            _, _, rest = ln.partition(":")
            routes.append([int(tok) for tok in rest.split()])
    return routes


def lookup_bks(instance: str, bks_csv: str | Path) -> float | None:
    """Best-known distance of ``instance`` in a ``bks.csv`` table, or None."""
    path = Path(bks_csv)
    if not path.is_file():
        return None
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            if row.get("instance", "").lower() == instance.lower():
                value = row.get("bks_distance", "")
                return float(value) if value else None
    return None


def is_solomon_file(path: str | Path) -> bool:
    """True if the file looks like a Solomon VRPTW file (VEHICLE / CUSTOMER blocks)."""
    head = Path(path).read_text()[:2000].upper()
    return "VEHICLE" in head and "CUSTOMER" in head and "NODE_COORD_SECTION" not in head


@dataclass(frozen=True)
class BenchmarkInstance:
    """A benchmark problem with what is needed to compare against its best-known solution."""

    name: str
    path: Path
    kind: str
    """"solomon" or "cvrplib"."""
    problem: RoutingProblem
    cost_scale: int
    """Problem distance units per benchmark distance unit (10 for Solomon)."""
    bks: float | None
    """Best-known cost in benchmark units (None if unknown)."""


def load_instance(
    path: str | Path, bks_csv: str | Path | None = None, num_customers: int | None = None
) -> BenchmarkInstance:
    """Load a Solomon or CVRPLIB file; BKS from a ``.sol`` beside it, else from ``bks_csv``."""
    path = Path(path)
    if is_solomon_file(path):
        problem = load_solomon(path, num_customers=num_customers)
        kind, scale = "solomon", SOLOMON_SCALE
    else:
        if num_customers is not None:
            raise ValueError("num_customers is only supported for Solomon files")
        problem = load_cvrplib(path)
        kind, scale = "cvrplib", CVRPLIB_SCALE
    bks: float | None = None
    if num_customers is None:
        sol = path.with_suffix(".sol")
        if sol.is_file():
            bks = read_bks(sol)
        if bks is None and bks_csv is not None:
            bks = lookup_bks(path.stem, bks_csv)
    return BenchmarkInstance(
        name=path.stem, path=path, kind=kind, problem=problem, cost_scale=scale, bks=bks
    )
