"""Routing benchmark: agrichain's engine on Solomon, CVRPLIB X, Cordeau DARP and Li & Lim instances.

For every instance: solve with :func:`agrichain.routing.solve`, recompute the
distance from the returned routes, check feasibility independently
(:func:`agrichain.routing.check.check_solution`: capacity, windows, fleet, every
visit routed) and compare with the best-known solution (BKS, from a ``.sol``
file beside the instance or from ``bks.csv``). Optionally run plain PyVRP
(:func:`agrichain.routing.engines.reference.run_pyvrp_reference`) with the same time
limit on the same instance for a cost ratio.

The pickup-and-delivery sets (``darp``, ``pdptw``; :mod:`agrichain.routing.sets.pdp_readers`)
are verified and costed in real numbers from the routes' node sequences
(:func:`~agrichain.routing.sets.pdp_verify.verify_real`,
:func:`~agrichain.routing.sets.pdp_verify.real_distance`); a solution that drops a
visit counts as infeasible. ``--set all`` stays Solomon + X (runtime); the
DARP and Li & Lim sets run with ``--set darp`` / ``--set pdptw`` or by name.
The sets live in :mod:`agrichain.bench.routing_sets`, the tables in
:mod:`agrichain.bench.routing_tables`.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from agrichain.bench.routing_sets import (
    PDP_SET_OF_KIND,
    benchmarks_dir,
    instance_group,
    pdp_group,
    resolve_instances,
)
from agrichain.bench.routing_tables import format_routing_table
from agrichain.routing.check import check_solution
from agrichain.routing.engine import solve
from agrichain.routing.engines.reference import run_pyvrp_reference
from agrichain.routing.problem import RoutingProblem, RoutingSolution, SolveParams, SolveStatus
from agrichain.routing.sets.pdp_readers import load_pdp_instance
from agrichain.routing.sets.pdp_sets import PdpInstance, pdp_kind
from agrichain.routing.sets.pdp_verify import real_distance, verify_real
from agrichain.routing.sets.vrplib import BenchmarkInstance, load_instance

ProgressFn = Callable[[int, int, dict[str, Any]], None]

COLUMNS = [
    "instance",
    "set",
    "group",
    "clients",
    "bks",
    "cost",
    "gap_pct",
    "vehicles",
    "feasible",
    "violations",
    "wall_s",
    "engine",
    "winner",
]
#: Columns of the pickup-and-delivery sets' rows (cost = real distance, bks = BKS distance).
PDP_COLUMNS = [
    "instance",
    "set",
    "group",
    "requests",
    "bks_vehicles",
    "bks",
    "vehicles",
    "cost",
    "gap_pct",
    "dropped",
    "feasible",
    "violations",
    "contract_violations",
    "wall_s",
    "engine",
    "winner",
]
COMPARE_COLUMNS = [
    "pyvrp_cost",
    "pyvrp_gap_pct",
    "pyvrp_vehicles",
    "pyvrp_feasible",
    "pyvrp_wall_s",
    "ratio",
]


def routes_distance(problem: RoutingProblem, solution: RoutingSolution) -> int:
    """Total distance of the solution recomputed from its node sequences."""
    total = 0
    for route in solution.routes:
        nodes = [v.node for v in route.visits]
        for a, b in itertools.pairwise(nodes):
            total += int(problem.distance[problem.node_location[a], problem.node_location[b]])
    return total


def _gap(cost: float, bks: float | None) -> float:
    return float("nan") if bks is None or not bks else 100.0 * (cost - bks) / bks


def _evaluate(inst: BenchmarkInstance, solution: RoutingSolution, wall_s: float) -> dict[str, Any]:
    problem = inst.problem
    violations = check_solution(problem, solution)
    feasible = not violations and solution.status is SolveStatus.FEASIBLE and not solution.dropped
    cost = routes_distance(problem, solution) / inst.cost_scale
    return {
        "cost": cost,
        "gap_pct": _gap(cost, inst.bks),
        "vehicles": solution.num_vehicles_used(),
        "feasible": bool(feasible),
        "violations": len(violations),
        "wall_s": wall_s,
    }


def _evaluate_pdp(inst: PdpInstance, solution: RoutingSolution, wall_s: float) -> dict[str, Any]:
    """Real-valued verification and distance; the gap only for a feasible solution."""
    violations = verify_real(inst, solution)
    feasible = not violations and not solution.dropped
    cost = real_distance(inst, solution)
    return {
        "bks_vehicles": inst.bks_vehicles if inst.bks_vehicles is not None else float("nan"),
        "bks": inst.bks if inst.bks is not None else float("nan"),
        "vehicles": solution.num_vehicles_used(),
        "cost": cost,
        "gap_pct": _gap(cost, inst.bks) if feasible else float("nan"),
        "dropped": len(solution.dropped),
        "feasible": bool(feasible),
        "violations": len(violations),
        "contract_violations": len(check_solution(inst.problem, solution)),
        "wall_s": wall_s,
    }


def _warm_up_problem() -> RoutingProblem:
    """A one-visit problem, solved once to load the engine modules."""
    dist = np.array([[0, 1], [1, 0]], dtype=np.int64)
    one = np.ones(1, dtype=np.int64)
    zero = np.zeros(1, dtype=np.int64)
    return RoutingProblem(
        distance=dist,
        duration=dist,
        node_location=np.array([0, 1]),
        node_demand=np.array([0, 1]),
        node_tw_start=np.array([0, 0]),
        node_tw_end=np.array([100, 100]),
        node_service=np.array([0, 0]),
        node_drop_penalty=np.array([-1, -1]),
        vehicle_start_node=zero,
        vehicle_end_node=zero,
        vehicle_capacity=one,
        vehicle_tw_start=zero,
        vehicle_tw_end=one * 100,
        vehicle_fixed_cost=zero,
        vehicle_distance_cost=np.ones(1),
    )


def _timed_solve(problem: RoutingProblem, params: SolveParams) -> tuple[RoutingSolution, float]:
    """The engine's solution and its wall time in seconds."""
    t0 = time.perf_counter()
    solution = solve(problem, params)
    return solution, time.perf_counter() - t0


def _pdp_row(path: Path, kind: str, params: SolveParams) -> dict[str, Any]:
    """Solve one DARP or Li & Lim file; its :data:`PDP_COLUMNS` row."""
    pdp = load_pdp_instance(path)
    solution, wall = _timed_solve(pdp.problem, params)
    return {
        "instance": pdp.name,
        "set": PDP_SET_OF_KIND[kind],
        "group": pdp_group(pdp),
        "requests": pdp.num_requests,
        **_evaluate_pdp(pdp, solution, wall),
        "engine": solution.engine,
        "winner": str(solution.stats.get("winner", "")),
    }


def _compare_row(inst: BenchmarkInstance, cost: float, params: SolveParams) -> dict[str, Any]:
    """The :data:`COMPARE_COLUMNS` of plain PyVRP at the same time limit and seed."""
    ref = run_pyvrp_reference(inst.problem, params.time_limit_s, params.seed)
    ev = _evaluate(inst, ref, ref.wall_time_s)
    return {
        "pyvrp_cost": ev["cost"],
        "pyvrp_gap_pct": ev["gap_pct"],
        "pyvrp_vehicles": ev["vehicles"],
        "pyvrp_feasible": ev["feasible"],
        "pyvrp_wall_s": ev["wall_s"],
        "ratio": cost / ev["cost"] if ev["feasible"] and ev["cost"] else float("nan"),
    }


def _classic_set(inst: BenchmarkInstance) -> str:
    """Set name of a classic instance: ``solomon``, ``x`` for Uchoa X, else the file kind."""
    if inst.kind == "solomon":
        return "solomon"
    return "x" if inst.name.startswith("X-") else inst.kind


def _classic_row(
    path: Path, bks_csv: Path | None, params: SolveParams, compare: bool
) -> dict[str, Any]:
    """Solve one Solomon or CVRPLIB file; its :data:`COLUMNS` row (and comparison)."""
    inst = load_instance(path, bks_csv=bks_csv)
    solution, wall = _timed_solve(inst.problem, params)
    row: dict[str, Any] = {
        "instance": inst.name,
        "set": _classic_set(inst),
        "group": instance_group(inst),
        "clients": int(inst.problem.visit_nodes().size),
        "bks": inst.bks if inst.bks is not None else float("nan"),
        **_evaluate(inst, solution, wall),
        "engine": solution.engine,
        "winner": str(solution.stats.get("winner", "")),
    }
    if compare:
        row.update(_compare_row(inst, row["cost"], params))
    return row


def _frame_columns(kinds: list[str | None], compare: bool) -> list[str]:
    """Columns of a run: classic, pickup-and-delivery, or the union for a mixed run."""
    columns: list[str] = []
    if not all(kinds):
        columns += COLUMNS + (COMPARE_COLUMNS if compare else [])
    if any(kinds):
        columns += [c for c in PDP_COLUMNS if c not in columns]
    return columns


def run_routing_bench(
    set_name: str = "solomon",
    time_limit_s: float = 10.0,
    instances: list[str] | None = None,
    compare: str | None = None,
    csv_path: Path | None = None,
    seed: int = 0,
    progress: ProgressFn | None = None,
    *,
    engine: str = "auto",
    num_workers: int = 1,
    root: Path | None = None,
    solution_limit: int | None = None,
) -> pd.DataFrame:
    """Solve each benchmark instance and return one row per instance.

    Columns: instance, set, group, clients, bks, cost, gap_pct (NaN without a
    BKS), vehicles, feasible, violations, wall_s, engine, winner and, with
    ``compare="pyvrp"``, pyvrp_cost, pyvrp_gap_pct, pyvrp_vehicles,
    pyvrp_feasible, pyvrp_wall_s and ratio (agrichain cost / PyVRP cost).
    Rows of the DARP and Li & Lim sets have :data:`PDP_COLUMNS` instead: cost is
    the real distance, gap_pct is NaN unless the solution is feasible by
    :func:`~agrichain.routing.sets.pdp_verify.verify_real` (violations counts its
    findings, contract_violations those of ``check_solution`` on the integer
    problem), bks_vehicles only for Li & Lim. A run mixing both kinds has the
    union of the columns.
    ``progress(done, total, row)`` is called after each instance. With
    ``csv_path`` the table is also written as CSV (empty cells for NaN).
    ``solution_limit`` is passed to the engine (reproducible, quick runs).
    """
    if compare not in (None, "pyvrp"):
        raise ValueError(f"unknown comparison {compare!r} (only 'pyvrp')")
    root = benchmarks_dir() if root is None else root
    paths = resolve_instances(set_name, instances, root)
    kinds = [pdp_kind(path) for path in paths]
    if compare is not None and any(kinds):
        raise ValueError("--compare pyvrp is only supported for the solomon and x sets")
    # Import the engines before the first timed solve (imports are not solve time).
    solve(_warm_up_problem(), SolveParams(time_limit_s=1.0, solution_limit=1, engine=engine))
    bks_csv = root / "bks.csv"
    params = SolveParams(
        time_limit_s=time_limit_s,
        solution_limit=solution_limit,
        seed=seed,
        engine=engine,
        num_workers=num_workers,
    )
    rows: list[dict[str, Any]] = []
    for k, (path, kind) in enumerate(zip(paths, kinds, strict=True)):
        if kind is not None:
            row = _pdp_row(path, kind, params)
        else:
            csv_file = bks_csv if bks_csv.is_file() else None
            row = _classic_row(path, csv_file, params, compare == "pyvrp")
        rows.append(row)
        if progress is not None:
            progress(k + 1, len(paths), row)
    df = pd.DataFrame(rows, columns=_frame_columns(kinds, compare == "pyvrp"))
    if csv_path is not None:
        Path(csv_path).parent.mkdir(parents=True, exist_ok=True)
        df.to_csv(csv_path, index=False, float_format="%.4f")
    return df


__all__ = [
    "COLUMNS",
    "COMPARE_COLUMNS",
    "PDP_COLUMNS",
    "format_routing_table",
    "routes_distance",
    "run_routing_bench",
]
