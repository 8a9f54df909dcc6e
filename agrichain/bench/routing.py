"""Routing benchmark: agrichain's engine on Solomon, CVRPLIB X, Cordeau DARP and Li & Lim instances.

For every instance: solve with :func:`agrichain.routing.solve`, recompute the
distance from the returned routes, check feasibility independently
(:func:`agrichain.routing.check.check_solution`: capacity, windows, fleet, every
visit routed) and compare with the best-known solution (BKS, from a ``.sol``
file beside the instance or from ``bks.csv``). Optionally run plain PyVRP with
the same time limit on the same instance for a cost ratio.

The pickup-and-delivery sets (``darp``, ``pdptw``; :mod:`agrichain.routing.pdp_sets`)
are verified and costed in real numbers from the routes' node sequences
(:func:`~agrichain.routing.pdp_sets.verify_real`,
:func:`~agrichain.routing.pdp_sets.real_distance`); a solution that drops a
visit counts as infeasible. ``--set all`` stays Solomon + X (runtime); the
DARP and Li & Lim sets run with ``--set darp`` / ``--set pdptw`` or by name.
"""

from __future__ import annotations

import itertools
import os
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from agrichain.routing.check import check_solution
from agrichain.routing.engine import solve
from agrichain.routing.pdp_sets import (
    PdpInstance,
    load_pdp_instance,
    pdp_kind,
    real_distance,
    verify_real,
)
from agrichain.routing.problem import RoutingProblem, RoutingSolution, SolveParams, SolveStatus
from agrichain.routing.vrplib import BenchmarkInstance, load_instance

#: Benchmark sets: name -> (sub-directory of the benchmarks directory, file pattern).
SETS: dict[str, tuple[str, str]] = {
    "solomon": ("solomon", "*.txt"),
    "x": ("cvrplib-x", "*.vrp"),
    "darp": ("darp/instances", "*.txt"),
    "pdptw": ("pdptw", "*.txt"),
}
#: The sets ``--set all`` runs (DARP and Li & Lim are left out to keep its runtime).
ALL_SETS = ("solomon", "x")
#: Set name of each pickup-and-delivery file kind (:func:`agrichain.routing.pdp_sets.pdp_kind`).
PDP_SET_OF_KIND = {"darp": "darp", "lilim": "pdptw"}
#: Environment variable that overrides the benchmarks directory.
BENCHMARKS_ENV = "AGRICHAIN_BENCHMARKS"

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


def benchmarks_dir() -> Path:
    """The shared benchmarks directory (``$AGRICHAIN_BENCHMARKS`` or ``../shared/benchmarks``)."""
    env = os.environ.get(BENCHMARKS_ENV)
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parents[2]
    for base in (repo.parent, Path.cwd().parent, Path.cwd()):
        cand = base / "shared" / "benchmarks"
        if cand.is_dir():
            return cand
    return repo.parent / "shared" / "benchmarks"


def resolve_instances(
    set_name: str, instances: Sequence[str] | None, root: Path | None = None
) -> list[Path]:
    """Instance files: explicit names/paths if given, else every file of ``set_name``.

    A name (``C101``, ``X-n101-k25``) is looked up in the benchmark sets;
    anything else must be the path of an instance file. An item may hold several
    comma-separated names.
    """
    root = benchmarks_dir() if root is None else root
    if not instances:
        names = list(ALL_SETS) if set_name == "all" else [set_name]
        paths: list[Path] = []
        for name in names:
            if name not in SETS:
                known = ", ".join([*SETS, "all"])
                raise ValueError(f"unknown benchmark set {name!r} ({known})")
            sub, pattern = SETS[name]
            found = sorted((root / sub).glob(pattern))
            if not found:
                raise FileNotFoundError(f"no {pattern} files in {root / sub}")
            paths.extend(found)
        return paths
    items = [
        part.strip()
        for item in instances
        for part in ([item] if Path(item).is_file() else item.split(","))
        if part.strip()
    ]
    out = []
    for item in items:
        path = Path(item)
        if path.is_file():
            out.append(path)
            continue
        matches = [
            cand
            for sub, pattern in SETS.values()
            for cand in (root / sub).glob(pattern)
            if cand.stem.lower() == item.lower()
        ]
        if not matches:
            raise FileNotFoundError(f"instance {item!r} is neither a file nor a name in {root}")
        out.append(matches[0])
    return out


def instance_group(inst: BenchmarkInstance) -> str:
    """Reporting group: Solomon class (C, R, RC), ``X`` for Uchoa X, else the file kind."""
    if inst.kind == "solomon":
        m = re.match(r"^(RC|R|C)\d", inst.name.upper())
        return m.group(1) if m else "solomon"
    if inst.name.upper().startswith("X-"):
        return "X"
    return inst.kind


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


def pdp_group(inst: PdpInstance) -> str:
    """Reporting group: DARP ``a``/``b`` set; Li & Lim class and series (``lc1`` ... ``lrc2``)."""
    if inst.kind == "darp":
        m = re.match(r"^([a-z]+)\d", inst.name.lower())
        return m.group(1) if m else "darp"
    m = re.match(r"^(lrc|lr|lc)(\d)", inst.name.lower())
    return m.group(1) + m.group(2) if m else "pdptw"


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


def run_pyvrp_reference(problem: RoutingProblem, time_limit_s: float, seed: int) -> RoutingSolution:
    """Plain PyVRP (default parameters, ``MaxRuntime(time_limit_s)``) on ``problem``."""
    from pyvrp import solve as pyvrp_solve
    from pyvrp.stop import MaxRuntime

    from agrichain.routing.pyvrp_engine import (
        assemble_solution,
        build_pyvrp_model,
        decode_solution,
    )

    t0 = time.perf_counter()
    model = build_pyvrp_model(problem)
    result = pyvrp_solve(
        model.data, MaxRuntime(time_limit_s), seed=seed, collect_stats=False, display=False
    )
    routes = decode_solution(model, result.best)
    return assemble_solution(
        problem,
        routes,
        time.perf_counter() - t0,
        "pyvrp-reference",
        {"pyvrp_iterations": int(result.num_iterations)},
        violated=not result.best.is_feasible(),
    )


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
    :func:`~agrichain.routing.pdp_sets.verify_real` (violations counts its
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
            pdp = load_pdp_instance(path)
            t0 = time.perf_counter()
            solution = solve(pdp.problem, params)
            wall = time.perf_counter() - t0
            pdp_row: dict[str, Any] = {
                "instance": pdp.name,
                "set": PDP_SET_OF_KIND[kind],
                "group": pdp_group(pdp),
                "requests": pdp.num_requests,
                **_evaluate_pdp(pdp, solution, wall),
                "engine": solution.engine,
                "winner": str(solution.stats.get("winner", "")),
            }
            rows.append(pdp_row)
            if progress is not None:
                progress(k + 1, len(paths), pdp_row)
            continue
        inst = load_instance(path, bks_csv=bks_csv if bks_csv.is_file() else None)
        t0 = time.perf_counter()
        solution = solve(inst.problem, params)
        wall = time.perf_counter() - t0
        row: dict[str, Any] = {
            "instance": inst.name,
            "set": "solomon"
            if inst.kind == "solomon"
            else "x"
            if inst.name.startswith("X-")
            else inst.kind,
            "group": instance_group(inst),
            "clients": int(inst.problem.visit_nodes().size),
            "bks": inst.bks if inst.bks is not None else float("nan"),
            **_evaluate(inst, solution, wall),
            "engine": solution.engine,
            "winner": str(solution.stats.get("winner", "")),
        }
        if compare == "pyvrp":
            ref = run_pyvrp_reference(inst.problem, time_limit_s, seed)
            ev = _evaluate(inst, ref, ref.wall_time_s)
            row.update(
                {
                    "pyvrp_cost": ev["cost"],
                    "pyvrp_gap_pct": ev["gap_pct"],
                    "pyvrp_vehicles": ev["vehicles"],
                    "pyvrp_feasible": ev["feasible"],
                    "pyvrp_wall_s": ev["wall_s"],
                    "ratio": row["cost"] / ev["cost"]
                    if ev["feasible"] and ev["cost"]
                    else float("nan"),
                }
            )
        rows.append(row)
        if progress is not None:
            progress(k + 1, len(paths), row)
    columns: list[str] = []
    if not all(kinds):
        columns += COLUMNS + (COMPARE_COLUMNS if compare == "pyvrp" else [])
    if any(kinds):
        columns += [c for c in PDP_COLUMNS if c not in columns]
    df = pd.DataFrame(rows, columns=columns)
    if csv_path is not None:
        Path(csv_path).parent.mkdir(parents=True, exist_ok=True)
        df.to_csv(csv_path, index=False, float_format="%.4f")
    return df


def group_summary(df: pd.DataFrame) -> pd.DataFrame:
    """Per group and per set: instances, feasible count, mean gap %, wall s (and mean ratio)."""
    if df.empty:
        return pd.DataFrame()
    parts = []
    keys: list[tuple[str, pd.DataFrame]] = [(str(g), d) for g, d in df.groupby("group", sort=False)]
    keys += [(f"all {s}", d) for s, d in df.groupby("set", sort=False)]
    if df["set"].nunique() > 1:
        keys.append(("all", df))
    for name, d in keys:
        rec: dict[str, Any] = {
            "group": name,
            "instances": len(d),
            "feasible": int(d["feasible"].sum()),
            "mean_gap_pct": d["gap_pct"].mean(),
            "mean_vehicles": d["vehicles"].mean(),
            "mean_wall_s": d["wall_s"].mean(),
        }
        if "ratio" in d:
            rec["pyvrp_feasible"] = int(d["pyvrp_feasible"].sum())
            rec["pyvrp_mean_gap_pct"] = d["pyvrp_gap_pct"].mean()
            rec["mean_ratio"] = d["ratio"].mean()
        parts.append(rec)
    return pd.DataFrame(parts)


def _fmt(value: Any, digits: int) -> str:
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "NO"
    if isinstance(value, float | np.floating):
        return "-" if np.isnan(value) else f"{value:.{digits}f}"
    return str(value)


def _render(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]
    line = "  ".join(
        h.rjust(w) if i else h.ljust(w)
        for i, (h, w) in enumerate(zip(headers, widths, strict=True))
    )
    out = [line, "-" * len(line)]
    for r in rows:
        out.append(
            "  ".join(
                c.rjust(w) if i else c.ljust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
        )
    return out


def format_routing_table(df: pd.DataFrame) -> str:
    """Plain-text tables: Solomon/X rows (instance, BKS, cost, gap %, vehicles, wall s, ...)
    plus group means, then DARP rows and Li & Lim rows, each with its own summary."""
    if df.empty or "set" not in df.columns:
        return _format_classic_table(df)
    pdp = df["set"].isin(list(PDP_SET_OF_KIND.values()))
    parts = []
    if not pdp.all():
        parts.append(_format_classic_table(df[~pdp]))
    darp = df[df["set"] == "darp"]
    if not darp.empty:
        parts.append(format_darp_table(darp))
    lilim = df[df["set"] == "pdptw"]
    if not lilim.empty:
        parts.append(format_pdptw_table(lilim))
    return "\n\n".join(parts)


def darp_summary(df: pd.DataFrame) -> pd.DataFrame:
    """Per DARP group and overall: instances, solved (feasible), mean and max gap %, wall s."""
    parts = []
    keys = [(str(g), d) for g, d in df.groupby("group", sort=False)] + [("all darp", df)]
    for name, d in keys:
        parts.append(
            {
                "group": name,
                "instances": len(d),
                "solved": int(d["feasible"].sum()),
                "mean_gap_pct": d["gap_pct"].mean(),
                "max_gap_pct": d["gap_pct"].max(),
                "mean_wall_s": d["wall_s"].mean(),
            }
        )
    return pd.DataFrame(parts)


def pdptw_summary(df: pd.DataFrame) -> pd.DataFrame:
    """Per Li & Lim group and overall: feasible, BKS vehicle count reached, mean gap there.

    ``bks_vehicles_hit`` counts feasible solutions with exactly the BKS vehicle
    count (fewer would beat the best known); ``mean_gap_pct`` averages the
    distance gap over those only; ``mean_extra_vehicles`` is over feasible ones.
    """
    parts = []
    keys = [(str(g), d) for g, d in df.groupby("group", sort=False)] + [("all pdptw", df)]
    for name, d in keys:
        ok = d[d["feasible"].astype(bool)]
        same = ok[ok["vehicles"] == ok["bks_vehicles"]]
        parts.append(
            {
                "group": name,
                "instances": len(d),
                "feasible": len(ok),
                "bks_vehicles_hit": len(same),
                "fewer_vehicles": int((ok["vehicles"] < ok["bks_vehicles"]).sum()),
                "mean_extra_vehicles": (ok["vehicles"] - ok["bks_vehicles"]).mean(),
                "mean_gap_pct": same["gap_pct"].mean(),
                "mean_wall_s": d["wall_s"].mean(),
            }
        )
    return pd.DataFrame(parts)


def format_darp_table(df: pd.DataFrame) -> str:
    """DARP rows (optimum, real distance, gap %, feasible by real verification) and summary."""
    headers = ["instance", "optimum", "distance", "gap %", "veh", "dropped", "feasible", "wall s"]
    rows = [
        [
            str(rec["instance"]),
            _fmt(rec["bks"], 2),
            _fmt(rec["cost"], 2),
            _fmt(rec["gap_pct"], 2),
            str(rec["vehicles"]),
            str(rec["dropped"]),
            _fmt(bool(rec["feasible"]), 0),
            _fmt(rec["wall_s"], 1),
        ]
        for rec in df.to_dict("records")
    ]
    lines = _render(headers, rows)
    g_headers = ["group", "n", "solved", "mean gap %", "max gap %", "mean wall s"]
    g_rows = [
        [
            str(rec["group"]),
            str(rec["instances"]),
            f"{rec['solved']}/{rec['instances']}",
            _fmt(rec["mean_gap_pct"], 2),
            _fmt(rec["max_gap_pct"], 2),
            _fmt(rec["mean_wall_s"], 1),
        ]
        for rec in darp_summary(df).to_dict("records")
    ]
    lines += ["", *_render(g_headers, g_rows)]
    lines.append("gap % over solved instances only (real distance vs proven optimum)")
    return "\n".join(lines)


def format_pdptw_table(df: pd.DataFrame) -> str:
    """Li & Lim rows (vehicles and distance vs best known) and summary."""
    headers = [
        "instance",
        "BKS veh",
        "veh",
        "BKS distance",
        "distance",
        "gap %",
        "dropped",
        "feasible",
        "wall s",
    ]
    rows = [
        [
            str(rec["instance"]),
            _fmt(rec["bks_vehicles"], 0),
            str(rec["vehicles"]),
            _fmt(rec["bks"], 2),
            _fmt(rec["cost"], 2),
            _fmt(rec["gap_pct"], 2),
            str(rec["dropped"]),
            _fmt(bool(rec["feasible"]), 0),
            _fmt(rec["wall_s"], 1),
        ]
        for rec in df.to_dict("records")
    ]
    lines = _render(headers, rows)
    g_headers = [
        "group",
        "n",
        "feasible",
        "veh = BKS",
        "veh < BKS",
        "mean extra veh",
        "mean gap % (veh = BKS)",
        "mean wall s",
    ]
    g_rows = [
        [
            str(rec["group"]),
            str(rec["instances"]),
            f"{rec['feasible']}/{rec['instances']}",
            f"{rec['bks_vehicles_hit']}/{rec['instances']}",
            str(rec["fewer_vehicles"]),
            _fmt(rec["mean_extra_vehicles"], 2),
            _fmt(rec["mean_gap_pct"], 2),
            _fmt(rec["mean_wall_s"], 1),
        ]
        for rec in pdptw_summary(df).to_dict("records")
    ]
    lines += ["", *_render(g_headers, g_rows)]
    lines.append("gap % = distance gap; comparable only where veh = BKS veh (vehicles come first)")
    return "\n".join(lines)


def _format_classic_table(df: pd.DataFrame) -> str:
    """Solomon / CVRPLIB rows plus group means."""
    compare = "ratio" in df.columns
    headers = ["instance", "BKS", "cost", "gap %", "veh", "feasible", "wall s"]
    if compare:
        headers += ["PyVRP cost", "PyVRP gap %", "PyVRP wall s", "ratio"]
    rows = []
    for rec in df.to_dict("records"):
        row = [
            str(rec["instance"]),
            _fmt(rec["bks"], 1),
            _fmt(rec["cost"], 1),
            _fmt(rec["gap_pct"], 2),
            str(rec["vehicles"]),
            _fmt(bool(rec["feasible"]), 0),
            _fmt(rec["wall_s"], 1),
        ]
        if compare:
            row += [
                _fmt(rec["pyvrp_cost"], 1),
                _fmt(rec["pyvrp_gap_pct"], 2),
                _fmt(rec["pyvrp_wall_s"], 1),
                _fmt(rec["ratio"], 4),
            ]
        rows.append(row)
    lines = _render(headers, rows)
    summary = group_summary(df)
    if not summary.empty:
        g_headers = ["group", "n", "feasible", "mean gap %", "mean veh", "mean wall s"]
        if compare:
            g_headers += ["PyVRP feasible", "PyVRP mean gap %", "mean ratio"]
        g_rows = []
        for rec in summary.to_dict("records"):
            row = [
                str(rec["group"]),
                str(rec["instances"]),
                f"{rec['feasible']}/{rec['instances']}",
                _fmt(rec["mean_gap_pct"], 2),
                _fmt(rec["mean_vehicles"], 1),
                _fmt(rec["mean_wall_s"], 1),
            ]
            if compare:
                row += [
                    f"{rec['pyvrp_feasible']}/{rec['instances']}",
                    _fmt(rec["pyvrp_mean_gap_pct"], 2),
                    _fmt(rec["mean_ratio"], 4),
                ]
            g_rows.append(row)
        lines += ["", *_render(g_headers, g_rows)]
    return "\n".join(lines)
