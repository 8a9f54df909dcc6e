"""Routing benchmark on generated county scenarios: the engine against plain OR-Tools GLS.

Every case is a scenario from :func:`agrichain.generate.generate_scenario`
(one day, no stock) whose cold-chain products get a tighter maximum transit so
that the transit limit binds (:mod:`agrichain.bench.county_cases`). Today's
pickup tasks come from the :class:`~agrichain.allocation.NearestFarmAllocator`;
each engine plans the day with :func:`agrichain.pipeline.plan_day` at the same
time limit, the plan is written to a folder and re-checked from its files with
:func:`agrichain.verify.verify_plan` (windows, cut-off, maximum transit, cold
chain, capacity, travel times) and :func:`agrichain.verify.verify_orders`.

The reference, :data:`PLAIN_GLS`, is the textbook OR-Tools setup on the same
routing problem: ``PATH_CHEAPEST_ARC`` first solution, then guided local
search. It is registered as an engine only while the benchmark runs.

Costs are compared on the engines' common objective, recomputed from the plan:
route costs (fixed + per km) plus the drop penalty of every pickup task left
unrouted (``drop_penalty_per_task + drop_penalty_per_kg * kg``).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from agrichain.bench.county_cases import CountyCase, case_scenario, resolve_cases
from agrichain.bench.table import cell, text_table
from agrichain.generate import PRESETS, generate_scenario
from agrichain.inventory import NearestFarmAllocator
from agrichain.io import save_scenario, write_plan
from agrichain.model import Scenario
from agrichain.pipeline import plan_day
from agrichain.plan import Plan
from agrichain.routing import engine as engine_registry
from agrichain.routing.engine import Engine
from agrichain.routing.problem import RoutingProblem, RoutingSolution, SolveParams
from agrichain.verify import verify_orders, verify_plan

#: Name under which the plain OR-Tools reference runs.
PLAIN_GLS = "plain-gls"
#: Its first-solution strategy (the metaheuristic is the engine's guided local search).
PLAIN_FIRST_SOLUTION = "PATH_CHEAPEST_ARC"
#: A served task whose transit is at least this share of its limit counts as "tight".
TIGHT_SHARE = 0.9

ProgressFn = Callable[[int, int, dict[str, Any]], None]


COLUMNS = [
    "scenario",
    "farms",
    "orders",
    "fleet",
    "tasks",
    "cold_tasks",
    "engine",
    "processes",
    "total_cost",
    "route_cost",
    "penalty",
    "objective",
    "kg_collected",
    "kg_unserved",
    "tasks_unserved",
    "vehicles",
    "km",
    "transit_checked",
    "cold_checked",
    "transit_tight",
    "violations",
    "solve_s",
    "wall_s",
    "ratio",
]


def solve_plain_gls(problem: RoutingProblem, params: SolveParams) -> RoutingSolution:
    """Plain OR-Tools: PATH_CHEAPEST_ARC first solution + guided local search, same limits."""
    from agrichain.routing.engines.ortools_engine import solve_ortools

    return solve_ortools(problem, params, first_solution=PLAIN_FIRST_SOLUTION)


@contextmanager
def registered_engine(name: str, engine: Engine) -> Iterator[None]:
    """Make ``engine`` selectable as ``name`` inside the block; the registry is restored after."""
    saved = dict(engine_registry.ENGINES)
    engine_registry.register_engine(name, engine)
    try:
        yield
    finally:
        engine_registry.ENGINES.clear()
        engine_registry.ENGINES.update(saved)


def drop_penalty(scenario: Scenario, plan: Plan) -> float:
    """Objective penalty (currency) of the pickup tasks the plan leaves unrouted."""
    r = scenario.settings.routing
    return float(
        sum(
            r.drop_penalty_per_task + r.drop_penalty_per_kg * u.kg
            for u in plan.unserved
            if u.kind == "task"
        )
    )


def check_written_plan(scenario_dir: Path, plan_dir: Path) -> dict[str, int]:
    """Counts from the written files: violations (:func:`~agrichain.verify.verify_plan` and
    :func:`~agrichain.verify.verify_orders`), served tasks whose transit and cold chain were
    checked, tight transits."""
    products = pd.read_csv(scenario_dir / "products.csv", dtype=str, keep_default_na=False)
    cold = set(products.loc[products["needs_cold_chain"].str.lower() == "true", "product_id"])
    violations = verify_plan(scenario_dir, plan_dir) + verify_orders(scenario_dir, plan_dir)
    tasks = pd.read_csv(plan_dir / "tasks.csv", dtype={"vehicle_id": str}, keep_default_na=False)
    served = tasks[tasks["vehicle_id"] != ""]
    transit = pd.to_numeric(served["transit_min"])
    limit = pd.to_numeric(served["max_transit_min"])
    return {
        "violations": len(violations),
        "transit_checked": len(served),
        "cold_checked": int(served["product_id"].isin(cold).sum()),
        "transit_tight": int((transit >= TIGHT_SHARE * limit).sum()),
    }


def run_case(
    case: CountyCase,
    engine: str,
    time_limit_s: float,
    seed: int,
    work_dir: Path,
    *,
    solution_limit: int | None = None,
    scenario: Scenario | None = None,
    workers: int | None = None,
) -> dict[str, Any]:
    """Plan ``case`` with ``engine``, write and verify the plan; one result row (no ratio)."""
    scenario = case_scenario(case) if scenario is None else scenario
    scenario_dir = work_dir / case.name / "scenario"
    if not (scenario_dir / "scenario.toml").exists():
        save_scenario(scenario, scenario_dir)
    plan_dir = work_dir / case.name / f"plan-{engine}"
    t0 = time.perf_counter()
    plan = plan_day(
        scenario,
        time_limit_s=time_limit_s,
        seed=seed,
        solution_limit=solution_limit,
        engine=engine,
        workers=workers,
        allocator=NearestFarmAllocator(),
    )
    wall = time.perf_counter() - t0
    if plan_dir.exists():
        shutil.rmtree(plan_dir)
    write_plan(plan, plan_dir)
    cold = {p.product_id for p in scenario.products if p.needs_cold_chain}
    checks = check_written_plan(scenario_dir, plan_dir)
    route_cost = plan.cost()
    penalty = drop_penalty(scenario, plan)
    unrouted = [u for u in plan.unserved if u.kind == "task"]
    s = plan.summary
    return {
        "scenario": case.name,
        "farms": len(scenario.farms),
        "orders": len(scenario.orders),
        "fleet": len(scenario.vehicles),
        "tasks": len(plan.tasks),
        "cold_tasks": sum(1 for t in plan.tasks if t.product_id in cold),
        "engine": engine,
        "processes": int(s["routing"]["processes"]),
        "total_cost": route_cost + penalty,
        "route_cost": route_cost,
        "penalty": penalty,
        "objective": s["routing"]["objective"] / 100.0,
        "kg_collected": plan.kg_collected(),
        "kg_unserved": float(sum(u.kg for u in unrouted)),
        "tasks_unserved": len(unrouted),
        "vehicles": len(plan.routes),
        "km": float(sum(r.distance_km for r in plan.routes)),
        **checks,
        "solve_s": float(s["timings_s"]["routing_solve_s"]),
        "wall_s": wall,
        "ratio": float("nan"),
    }


def _warm_up(engines: Sequence[str]) -> None:
    """Import every engine before the first timed run (imports are not solve time)."""
    small = generate_scenario(PRESETS["small"])
    for engine in engines:
        plan_day(small, time_limit_s=1.0, solution_limit=1, engine=engine)


def run_county_bench(
    sizes: list[str] | None,
    time_limit_s: float,
    seed: int,
    engines: tuple[str, ...] = ("auto", PLAIN_GLS),
    progress: ProgressFn | None = None,
    *,
    solution_limit: int | None = None,
    cases: Sequence[CountyCase] | None = None,
    work_dir: Path | None = None,
    csv_path: Path | None = None,
    workers: int | None = None,
) -> pd.DataFrame:
    """One row per case and engine (columns :data:`COLUMNS`); ``ratio`` = total cost / reference.

    The last of ``engines`` is the reference (by default :data:`PLAIN_GLS`, which
    is registered only for the duration of the call). ``seed`` is the solver
    seed; the scenarios are fixed by their cases. ``cases`` overrides ``sizes``.
    Scenario and plan folders go to ``work_dir`` (kept) or a temporary folder.
    ``workers`` (default: the scenario's ``routing.workers``) is passed to every
    engine; plain GLS uses one process whatever it is.
    ``progress(done, total, row)`` is called after each run.
    """
    if len(engines) < 2:
        raise ValueError("give at least one engine and the reference engine")
    chosen = list(cases) if cases is not None else resolve_cases(sizes)
    rows: list[dict[str, Any]] = []
    with registered_engine(PLAIN_GLS, solve_plain_gls), tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) if work_dir is None else Path(work_dir)
        _warm_up(engines)
        total = len(chosen) * len(engines)
        for case in chosen:
            scenario = case_scenario(case)
            case_rows = []
            for engine in engines:
                row = run_case(
                    case,
                    engine,
                    time_limit_s,
                    seed,
                    root,
                    solution_limit=solution_limit,
                    scenario=scenario,
                    workers=workers,
                )
                case_rows.append(row)
                rows.append(row)
                if progress is not None:
                    progress(len(rows), total, row)
            ref = case_rows[-1]["total_cost"]
            for row in case_rows:
                row["ratio"] = row["total_cost"] / ref if ref > 0 else float("nan")
    df = pd.DataFrame(rows, columns=COLUMNS)
    if csv_path is not None:
        Path(csv_path).parent.mkdir(parents=True, exist_ok=True)
        df.to_csv(csv_path, index=False, float_format="%.4f")
    return df


def engine_summary(df: pd.DataFrame) -> pd.DataFrame:
    """Per engine: cases, mean and geometric-mean ratio, cases cheaper than the reference,
    cases whose written plan verified without violations."""
    if df.empty:
        return pd.DataFrame()
    out = []
    for engine, d in df.groupby("engine", sort=False):
        ratio = d["ratio"].to_numpy(dtype=float)
        out.append(
            {
                "engine": str(engine),
                "cases": len(d),
                "mean_ratio": float(np.nanmean(ratio)),
                "geomean_ratio": float(np.exp(np.nanmean(np.log(ratio)))),
                "cheaper": int((ratio < 1.0).sum()),
                "verified": int((d["violations"] == 0).sum()),
                "kg_unserved": float(d["kg_unserved"].sum()),
            }
        )
    return pd.DataFrame(out)


def format_county_table(df: pd.DataFrame) -> str:
    """Plain-text table (one line per case and engine) and one mean-ratio line per engine."""
    headers = [
        "scenario",
        "engine",
        "tasks",
        "total cost",
        "route cost",
        "kg collected",
        "kg unserved",
        "dropped",
        "cold served",
        "veh",
        "km",
        "tight",
        "viol",
        "proc",
        "wall s",
        "ratio",
    ]
    rows = [
        [
            str(r["scenario"]),
            str(r["engine"]),
            f"{r['tasks']} ({r['cold_tasks']} cold)",
            cell(r["total_cost"], 0, thousands=True),
            cell(r["route_cost"], 0, thousands=True),
            cell(r["kg_collected"], 1, thousands=True),
            cell(r["kg_unserved"], 1, thousands=True),
            str(r["tasks_unserved"]),
            f"{r['cold_checked']}/{r['cold_tasks']}",
            str(r["vehicles"]),
            cell(r["km"], 0, thousands=True),
            str(r["transit_tight"]),
            str(r["violations"]),
            str(r["processes"]),
            cell(r["wall_s"], 1, thousands=True),
            cell(r["ratio"], 3, thousands=True),
        ]
        for r in df.to_dict("records")
    ]
    lines = text_table(headers, rows, left=2)
    summary = engine_summary(df)
    if not summary.empty:
        lines.append("")
        reference = str(df["engine"].iloc[-1]) if len(df) else ""
        for s in summary.to_dict("records"):
            lines.append(
                f"{s['engine']}: mean ratio {s['mean_ratio']:.3f} "
                f"(geometric {s['geomean_ratio']:.3f}) vs {reference}; "
                f"cheaper on {s['cheaper']}/{s['cases']}; "
                f"plans verified {s['verified']}/{s['cases']}; "
                f"kg unserved {s['kg_unserved']:,.1f}"
            )
    return "\n".join(lines)


__all__ = [
    "COLUMNS",
    "PLAIN_GLS",
    "check_written_plan",
    "engine_summary",
    "format_county_table",
    "registered_engine",
    "run_county_bench",
    "solve_plain_gls",
]
