"""Inventory planner benchmark: generated scenarios of three sizes, HiGHS and CBC side by side.

The scenarios are generated here (:func:`bench_scenario`), not with
:func:`agrichain.generate.generate_scenario`: the large size needs 20 products
and the generator's catalogue has 10, and the benchmark wants demand spikes on
session days and a link cost (a MILP). Products are the generator's catalogue
items, repeated as variants (``peach-2`` …) with jittered costs when more are
needed.

For every size and solver: build the model, solve it, and record build and
solve seconds, objective, bound, gap, status and the peak memory of the run
(the largest maximum resident set of the worker process and of its children —
HiGHS runs inside the worker, CBC as its child process).
"""

from __future__ import annotations

import datetime as dt
import math
import resource
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from agrichain.generate import CATALOGUE, COUNTY_SEATS, KM_PER_DEG_LAT, KM_PER_DEG_LON_EQUATOR
from agrichain.model import (
    Farm,
    Forecast,
    InventorySettings,
    LiveSession,
    LogisticsPoint,
    Order,
    Product,
    Scenario,
    Settings,
    Stock,
    Supply,
    Vehicle,
)


@dataclass(frozen=True)
class BenchSize:
    """Dimensions of a benchmark scenario."""

    name: str
    n_farms: int
    n_logistics_points: int
    n_products: int
    horizon_days: int


#: The three benchmark sizes of the issue.
SIZES: dict[str, BenchSize] = {
    "small": BenchSize("small", 10, 3, 5, 7),
    "medium": BenchSize("medium", 50, 10, 10, 14),
    "large": BenchSize("large", 200, 20, 20, 14),
}

#: Cost per farm–logistics point link used per day in the benchmark scenarios (CNY).
BENCH_LINK_FIXED_COST = 20.0
#: Planning date of the benchmark scenarios (a Monday; sessions spike on Fri/Sat).
BENCH_PLANNING_DATE = dt.date(2025, 6, 16)
RADIUS_KM = 30.0
SPIKE_WEEKDAYS = (4, 5)
SPIKE_FACTOR = 1.8


def _xy_to_lat_lon(x: np.ndarray, y: np.ndarray) -> tuple[list[float], list[float]]:
    lat0, lon0 = COUNTY_SEATS["xianju"]
    lat = lat0 + y / KM_PER_DEG_LAT
    lon = lon0 + x / (KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat0)))
    return [round(float(v), 5) for v in lat], [round(float(v), 5) for v in lon]


def _disc(rng: np.random.Generator, n: int, r_min: float, r_max: float) -> tuple[Any, Any]:
    r = np.sqrt(rng.uniform(r_min**2, r_max**2, size=n))
    a = rng.uniform(0, 2 * np.pi, size=n)
    return r * np.cos(a), r * np.sin(a)


def _products(rng: np.random.Generator, n: int) -> list[tuple[Product, float, int | None]]:
    """(product, typical farm kg per day, season length) for ``n`` products."""
    out = []
    for i in range(n):
        item = CATALOGUE[i % len(CATALOGUE)]
        k = i // len(CATALOGUE)
        jitter = 1.0 if k == 0 else float(rng.uniform(0.8, 1.2))
        out.append(
            (
                Product(
                    product_id=item.product_id if k == 0 else f"{item.product_id}-{k + 1}",
                    name=item.name,
                    box_weight_kg=item.box_weight_kg,
                    shelf_life_h=item.shelf_life_h,
                    max_transit_min=item.max_transit_min,
                    needs_cold_chain=item.needs_cold_chain,
                    holding_cost_per_kg_day=round(item.holding_cost_per_kg_day * jitter, 4),
                    spoilage_cost_per_kg=round(item.spoilage_cost_per_kg * jitter, 3),
                    lost_sales_cost_per_kg=round(item.lost_sales_cost_per_kg * jitter, 3),
                ),
                item.typical_farm_kg_day,
                item.season_days,
            )
        )
    return out


def bench_scenario(
    size: BenchSize | str, seed: int = 0, link_fixed_cost: float = BENCH_LINK_FIXED_COST
) -> Scenario:
    """A seeded multi-day scenario of the given size (see the module docstring)."""
    sz = SIZES[size] if isinstance(size, str) else size
    rng = np.random.default_rng(seed)
    n_f, n_l, n_p, horizon = sz.n_farms, sz.n_logistics_points, sz.n_products, sz.horizon_days
    day0 = BENCH_PLANNING_DATE
    dates = [day0 + dt.timedelta(days=d) for d in range(horizon)]

    # places
    fx, fy = _disc(rng, n_f, 0.1 * RADIUS_KM, RADIUS_KM)
    hx, hy = _disc(rng, n_l - 1, 0.3 * RADIUS_KM, 0.8 * RADIUS_KM)
    hx, hy = np.concatenate([[0.0], hx]), np.concatenate([[0.0], hy])
    farm_lat, farm_lon = _xy_to_lat_lon(fx, fy)
    lp_lat, lp_lon = _xy_to_lat_lon(hx, hy)
    farm_ids = [f"F{i + 1:03d}" for i in range(n_f)]
    lp_ids = [f"LP{i + 1:02d}" for i in range(n_l)]

    # products, growers, harvest (F, P, D)
    catalogue = _products(rng, n_p)
    products = [c[0] for c in catalogue]
    typical = np.array([c[1] for c in catalogue])
    grows = np.zeros((n_f, n_p), dtype=bool)
    for f in range(n_f):
        k = int(rng.choice([1, 2, 3], p=[0.4, 0.4, 0.2]))
        grows[f, rng.choice(n_p, size=min(k, n_p), replace=False)] = True
    for p in range(n_p):
        if not grows[:, p].any():
            grows[int(rng.integers(n_f)), p] = True
    harvest = np.zeros((n_f, n_p, horizon))
    for p, (_, _, season) in enumerate(catalogue):
        for f in np.flatnonzero(grows[:, p]).tolist():
            base = typical[p] * float(np.clip(rng.lognormal(0.0, 0.5), 0.3, 3.0))
            daily = base * np.clip(rng.lognormal(0.0, 0.15, size=horizon), 0.6, 1.5)
            if season is not None and season < horizon:
                start = int(rng.integers(-(season - 1), horizon))
                days = np.arange(horizon)
                daily = daily * ((days >= start) & (days < start + season))
            harvest[f, p] = np.ceil(daily)

    # demand per (lp, product, day): sold share of the harvest, spikes on Fri/Sat sessions
    sells = rng.random((n_l, n_p)) < 0.6
    for p in range(n_p):
        if not sells[:, p].any():
            sells[int(rng.integers(n_l)), p] = True
    weight = sells * rng.gamma(2.0, 1.0, size=(n_l, n_p))
    weight = weight / weight.sum(axis=0, keepdims=True)
    mean_supply = harvest.sum(axis=(0, 2)) / horizon  # (P,)
    spike = np.array([SPIKE_FACTOR if d.weekday() in SPIKE_WEEKDAYS else 1.0 for d in dates])
    level = 0.8 * mean_supply[:, None] * spike[None, :] / spike.mean()
    level = level * np.clip(rng.lognormal(0.0, 0.15, size=(n_p, horizon)), 0.6, 1.5)
    demand = weight[:, :, None] * level[None, :, :]  # (L, P, D) kg

    # sessions: every lp holds one each evening from day -1 (held) to day horizon-2
    sessions: list[LiveSession] = []
    session_of: dict[tuple[int, int], str] = {}
    for d in range(-1, horizon - 1):
        for h in range(n_l):
            sid = f"S{h + 1:02d}-{d + 1:02d}"
            session_of[(h, d)] = sid
            held = dt.datetime.combine(day0 + dt.timedelta(days=d), dt.time(19, 30))
            sessions.append(LiveSession(session_id=sid, start=held, logistics_point_id=lp_ids[h]))

    # orders of the held sessions (day 0, and 30 % of day 1 for long-keeping products)
    orders: list[Order] = []
    forecast: list[Forecast] = []
    for h in range(n_l):
        for p, prod in enumerate(products):
            if not sells[h, p]:
                continue
            parts = [(0, demand[h, p, 0])]
            if horizon > 1 and prod.shelf_life_h >= 5 * 24:
                parts.append((1, 0.3 * demand[h, p, 1]))
            for day, kg in parts:
                boxes = round(kg / prod.box_weight_kg)
                if boxes <= 0:
                    continue
                n_orders = min(12, boxes)
                split = rng.multinomial(boxes - n_orders, np.full(n_orders, 1.0 / n_orders)) + 1
                cutoff = dt.datetime.combine(dates[day], dt.time(17, 0))
                for q in split:
                    orders.append(
                        Order(
                            order_id=f"O{len(orders) + 1:05d}",
                            session_id=session_of[(h, -1)],
                            product_id=prod.product_id,
                            quantity_boxes=int(q),
                            ship_by=cutoff,
                        )
                    )
            for d in range(1, horizon):
                kg = demand[h, p, d] * (0.7 if d == 1 and len(parts) > 1 else 1.0)
                boxes = round(kg / prod.box_weight_kg, 1)
                if boxes > 0:
                    forecast.append(
                        Forecast(
                            session_id=session_of[(h, d - 1)],
                            product_id=prod.product_id,
                            boxes=boxes,
                        )
                    )

    # stock of long-keeping ambient products
    stock: list[Stock] = []
    for h in range(n_l):
        for p, prod in enumerate(products):
            long_keeping = not prod.needs_cold_chain and prod.shelf_life_days >= 5
            if sells[h, p] and long_keeping and rng.random() < 0.5:
                stock.append(
                    Stock(
                        logistics_point_id=lp_ids[h],
                        product_id=prod.product_id,
                        age_days=int(rng.integers(1, 3)),
                        kg=float(np.ceil(0.5 * demand[h, p, 0])),
                    )
                )

    # logistics points: storage 1.0-2.0 x the peak day's volume; fleet for the peak day
    cold = np.array([p.needs_cold_chain for p in products])
    peak_amb = demand[:, ~cold, :].sum(axis=1).max(axis=1)
    peak_cold = demand[:, cold, :].sum(axis=1).max(axis=1)
    lps = []
    vehicles: list[Vehicle] = []
    for h in range(n_l):
        amb = max(500.0, 100.0 * math.ceil(rng.uniform(1.0, 2.0) * peak_amb[h] / 100.0))
        cld = max(200.0, 100.0 * math.ceil(rng.uniform(1.0, 2.0) * peak_cold[h] / 100.0))
        lps.append(
            LogisticsPoint(
                logistics_point_id=lp_ids[h],
                lat=lp_lat[h],
                lon=lp_lon[h],
                open=dt.time(6, 0),
                close=dt.time(21, 0),
                cutoff=dt.time(17, 0),
                ambient_capacity_kg=amb,
                cold_capacity_kg=cld,
            )
        )
        n_ref = max(1, math.ceil(peak_cold[h] / 3000.0)) if peak_cold[h] > 0 else 0
        n_amb = max(1, math.ceil(peak_amb[h] / 4500.0))
        for k in range(n_ref + n_amb):
            vehicles.append(
                Vehicle(
                    vehicle_id=f"V{h + 1:02d}-{k + 1}",
                    home_logistics_point_id=lp_ids[h],
                    capacity_kg=3000.0 if k < n_ref else 1500.0,
                    refrigerated=k < n_ref,
                    shift_start=dt.time(6, 0),
                    shift_end=dt.time(18, 0),
                )
            )

    f_idx, p_idx, d_idx = np.nonzero(harvest)
    supply = [
        Supply(
            farm_id=farm_ids[f],
            product_id=products[p].product_id,
            date=dates[d],
            kg=float(harvest[f, p, d]),
        )
        for f, p, d in zip(f_idx, p_idx, d_idx, strict=True)
    ]
    farms = [
        Farm(
            farm_id=farm_ids[i],
            lat=farm_lat[i],
            lon=farm_lon[i],
            pickup_open=dt.time(7, 0),
            pickup_close=dt.time(14, 0),
        )
        for i in range(n_f)
    ]
    settings = Settings(
        name=f"bench-{sz.name}-{seed}",
        planning_date=day0,
        horizon_days=horizon,
        inventory=InventorySettings(link_fixed_cost=link_fixed_cost),
    )
    return Scenario(
        settings=settings,
        farms=tuple(farms),
        logistics_points=tuple(lps),
        products=tuple(products),
        supply=tuple(supply),
        sessions=tuple(sessions),
        orders=tuple(orders),
        vehicles=tuple(vehicles),
        forecast=tuple(forecast),
        stock=tuple(stock),
    )


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
    from agrichain.inventory.model import build_model
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
    model = build_model(data)
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


def _cell(value: Any, digits: int) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


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
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    keys = df[["size", "mode"]].drop_duplicates().itertuples(index=False)
    for size, mode in keys:
        part = df[(df["size"] == size) & (df["mode"] == mode)]
        first = part.iloc[0]
        cells = [str(size), str(mode), str(first["variables"]), str(first["binaries"])]
        for s in solvers:
            r = part[part["solver"] == s]
            if r.empty:
                cells += ["-"] * 6
                continue
            x = r.iloc[0]
            cells += [
                _cell(float(x["build_s"]) + float(x["transfer_s"]), 2),
                _cell(float(x["solve_s"]), 2),
                _cell(x["objective"], 1),
                _cell(x["gap_pct"], 2),
                str(x["status"]),
                _cell(float(x["peak_mb"]), 0),
            ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
