"""Inventory planner benchmark: generated scenarios of three sizes, HiGHS and CBC side by side.

The sizes (:data:`SIZES`) are :class:`~agrichain.generate.GeneratorConfig` presets
for the one generator: a multi-day horizon starting on a Monday, every logistics
point holding a session each evening, demand spikes on Friday and Saturday
(:data:`SPIKE_FACTOR` × the other days), a cost per farm–logistics point link (a
MILP) and, on the large size, more products than the catalogue has (its items
repeat as variants, ``peach-2`` …, with jittered costs).

For every size and solver: build the model, solve it, and record build and
solve seconds, objective, bound, gap, status and the peak memory of the run
(the largest maximum resident set of the worker process and of its children —
HiGHS runs inside the worker, CBC as its child process).
"""

from __future__ import annotations

import datetime as dt
import resource
import time
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from agrichain.bench.table import cell, markdown_table
from agrichain.generate import GeneratorConfig, generate_scenario
from agrichain.model import Scenario

#: Cost per farm–logistics point link used per day in the benchmark scenarios (CNY).
BENCH_LINK_FIXED_COST = 20.0
#: Planning date of the benchmark scenarios (a Monday; sessions spike on Fri/Sat).
BENCH_PLANNING_DATE = dt.date(2025, 6, 16)
#: Weekdays (Monday 0) on which the sessions sell more, and how much more.
SPIKE_WEEKDAYS = (4, 5)
SPIKE_FACTOR = 1.8
#: Orders of the held sessions per farm.
ORDERS_PER_FARM = 25


def bench_size(
    name: str, n_farms: int, n_logistics_points: int, n_products: int, horizon_days: int
) -> GeneratorConfig:
    """The generator settings of a benchmark size (seed 0; one session per point)."""
    return GeneratorConfig(
        name=f"bench-{name}",
        n_farms=n_farms,
        n_logistics_points=n_logistics_points,
        n_products=n_products,
        n_sessions=n_logistics_points,
        n_orders=ORDERS_PER_FARM * n_farms,
        horizon_days=horizon_days,
        planning_date=BENCH_PLANNING_DATE,
        spike_weekdays=SPIKE_WEEKDAYS,
        spike_factor=SPIKE_FACTOR,
        link_fixed_cost=BENCH_LINK_FIXED_COST,
    )


#: The three benchmark sizes of the issue: farms, logistics points, products, days.
SIZES: dict[str, GeneratorConfig] = {
    "small": bench_size("small", 10, 3, 5, 7),
    "medium": bench_size("medium", 50, 10, 10, 14),
    "large": bench_size("large", 200, 20, 20, 14),
}


def bench_config(
    size: GeneratorConfig | str, seed: int = 0, link_fixed_cost: float = BENCH_LINK_FIXED_COST
) -> GeneratorConfig:
    """The generator settings of ``size`` (a key of :data:`SIZES` or a config) with this
    seed and link cost; named ``<size name>-<seed>``."""
    base = SIZES[size] if isinstance(size, str) else size
    update = {"seed": seed, "name": f"{base.name}-{seed}", "link_fixed_cost": link_fixed_cost}
    return GeneratorConfig.model_validate({**base.model_dump(), **update})


def bench_scenario(
    size: GeneratorConfig | str, seed: int = 0, link_fixed_cost: float = BENCH_LINK_FIXED_COST
) -> Scenario:
    """A seeded multi-day scenario of the given size (see the module docstring)."""
    return generate_scenario(bench_config(size, seed, link_fixed_cost))


# ----- the benchmark ------------------------------------------------------------------------

#: Benchmark modes: name → (link fixed cost, integer days; None = the whole horizon).
MODES: dict[str, tuple[float, int | None]] = {
    "lp": (0.0, 1),
    "milp": (BENCH_LINK_FIXED_COST, 1),
    "milp-exact": (BENCH_LINK_FIXED_COST, None),
}

COLUMNS = [
    "size",
    "mode",
    "solver",
    "farms",
    "logistics_points",
    "products",
    "days",
    "variables",
    "constraints",
    "binaries",
    "build_s",
    "transfer_s",
    "solve_s",
    "total_s",
    "build_share",
    "objective",
    "bound",
    "gap_pct",
    "status",
    "solver_status",
    "peak_mb",
]

ProgressFn = Callable[[int, int, dict[str, Any]], None]


def _peak_mb() -> tuple[float, float]:
    """Peak resident set of this process and of its finished children (MB, Linux kB units)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    return own, kids


def bench_job(size: str, mode: str, solver: str, time_limit_s: float, seed: int) -> dict[str, Any]:
    """One benchmark run in this process (imports PuLP): generate, build, solve, measure."""
    from agrichain.inventory.data import InventoryOptions, prepare
    from agrichain.inventory.milp import build_milp
    from agrichain.inventory.solve import solve_with_fallback

    sz = SIZES[size]
    link, integer_days = MODES[mode]
    scenario = bench_scenario(sz, seed, link_fixed_cost=link)
    options = InventoryOptions.from_settings(
        scenario.settings,
        solver=solver,
        time_limit_s=time_limit_s,
        integer_days=sz.horizon_days if integer_days is None else integer_days,
    )
    t0 = time.perf_counter()
    data = prepare(scenario, options)
    model = build_milp(data)
    build_s = time.perf_counter() - t0
    report = solve_with_fallback(model, options)
    own, kids = _peak_mb()
    total = build_s + report.transfer_s + report.solve_s
    return {
        "size": size,
        "mode": mode,
        "solver": solver,
        "farms": sz.n_farms,
        "logistics_points": sz.n_logistics_points,
        "products": sz.n_products,
        "days": sz.horizon_days,
        "variables": len(model.columns),
        "constraints": model.n_rows,
        "binaries": len(model.y),
        "build_s": build_s,
        "transfer_s": report.transfer_s,
        "solve_s": report.solve_s,
        "total_s": total,
        "build_share": (build_s + report.transfer_s) / total if total > 0 else 0.0,
        "objective": report.objective,
        "bound": report.bound,
        "gap_pct": None if report.gap is None else 100.0 * report.gap,
        "status": report.status + (f" ({report.fallback})" if report.fallback else ""),
        "solver_status": report.solver_status,
        "peak_mb": max(own, kids),
    }


def run_inventory_bench(
    sizes: Sequence[str] = ("small", "medium", "large"),
    solvers: Sequence[str] = ("highs", "cbc"),
    time_limit_s: float = 60.0,
    seed: int = 0,
    modes: Sequence[str] = ("lp", "milp"),
    progress: ProgressFn | None = None,
) -> pd.DataFrame:
    """Benchmark the planner on generated scenarios; one row per size, mode and solver.

    Every run happens in a fresh worker process (PuLP/highspy never load here, and
    each run's peak memory is its own). ``modes``: keys of :data:`MODES` — "lp"
    (no link cost: a pure LP), "milp" (link cost, binaries on day 0), "milp-exact"
    (binaries on every day).
    """
    from agrichain.inventory.worker import run_job

    unknown = [s for s in sizes if s not in SIZES] + [m for m in modes if m not in MODES]
    unknown += [s for s in solvers if s not in ("highs", "cbc")]
    if unknown:
        raise ValueError(f"unknown benchmark sizes, modes or solvers: {', '.join(unknown)}")
    runs = [(sz, md, sv) for sz in sizes for md in modes for sv in solvers]
    rows = []
    for i, (sz, md, sv) in enumerate(runs):
        row = run_job(
            bench_job, sz, md, sv, time_limit_s, seed, timeout_s=4 * time_limit_s + 300, fresh=True
        )
        rows.append(row)
        if progress is not None:
            progress(i + 1, len(runs), row)
    return pd.DataFrame(rows, columns=COLUMNS)


def format_inventory_table(df: pd.DataFrame) -> str:
    """The benchmark as a Markdown table: HiGHS and CBC side by side per size and mode."""
    headers = ["size", "mode", "vars", "bins"]
    solvers = [s for s in ("highs", "cbc") if s in set(df["solver"])]
    for s in solvers:
        headers += [
            f"{s} build s",
            f"{s} solve s",
            f"{s} objective",
            f"{s} gap %",
            f"{s} status",
            f"{s} peak MB",
        ]
    rows = []
    for size, mode in df[["size", "mode"]].drop_duplicates().itertuples(index=False):
        part = df[(df["size"] == size) & (df["mode"] == mode)]
        first = part.iloc[0]
        cells = [str(size), str(mode), str(first["variables"]), str(first["binaries"])]
        for s in solvers:
            cells += _solver_cells(part[part["solver"] == s])
        rows.append(cells)
    return "\n".join(markdown_table(headers, rows))


def _solver_cells(runs: pd.DataFrame) -> list[str]:
    """One solver's cells of a table row (dashes without a run)."""
    if runs.empty:
        return ["-"] * 6
    x = runs.iloc[0]
    return [
        cell(float(x["build_s"]) + float(x["transfer_s"]), 2),
        cell(float(x["solve_s"]), 2),
        cell(x["objective"], 1),
        cell(x["gap_pct"], 2),
        str(x["status"]),
        cell(float(x["peak_mb"]), 0),
    ]


__all__ = [
    "BENCH_LINK_FIXED_COST",
    "BENCH_PLANNING_DATE",
    "COLUMNS",
    "MODES",
    "SIZES",
    "SPIKE_FACTOR",
    "SPIKE_WEEKDAYS",
    "bench_config",
    "bench_job",
    "bench_scenario",
    "bench_size",
    "format_inventory_table",
    "run_inventory_bench",
]
