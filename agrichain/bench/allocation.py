"""Allocation benchmark: does the inventory planner allocate what the fleet can carry?

Per case, the day is planned with the inventory allocator and the default routing
engine (:func:`agrichain.pipeline.plan_day`): the kg allocated for today (today's
pickup tasks), the kg routing drops (tasks left unserved) and the orders the
allocation refuses (shortfalls).

**ATP check.** The forecast of every upcoming session (the kg ATP covers: boxes ×
box weight less the session's confirmed orders, shipping on the session's date + 1)
becomes orders in a copy of the scenario, if its product keeps from today until that
ship day. The copy is planned with the nearest-farm rule (it allocates by harvest and
storage room, not by the fleet) and routed like the case: whatever routing serves of it
could be sold. Per logistics point and product, the kg routed beyond the confirmed
orders count as routable forecast, shared out among the sessions in ATP's order
(session start, then id), less the kg routing leaves unserved in the copy (scaled down
as if every unserved kg had been a confirmed order's). A session's **refused but
routable** kg are the routable kg above its ATP: what ATP refuses although routing the
forecast as orders serves it.
This credits routing only with kg beyond every confirmed order and with today's fleet
alone (ATP may also use later days). ATP, however, keeps the other products' planned
flows and earlier sessions' planned sales, which the copy does not: where the fleet
binds, a session's routable kg may exceed its ATP without ATP being wrong.

Cases (:data:`CASES`, the default): ``county`` (the preset of ``instances/county``) and
three generated counties whose fleet the generator sizes to their demand (its default).
:data:`STRESS_CASES` (run when named) have a fleet short of their demand: the county
benchmark's ``f120-tight`` and two of the generated counties with every other vehicle.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from agrichain.bench.county_cases import CASES as COUNTY_CASES
from agrichain.bench.county_cases import tighten_transit
from agrichain.bench.table import cell, markdown_table
from agrichain.generate import PRESETS, GeneratorConfig, generate_scenario, make_config
from agrichain.inventory import InventoryAllocator, InventoryOptions, NearestFarmAllocator
from agrichain.model import Order, Scenario
from agrichain.pipeline import plan_day
from agrichain.plan import Plan

#: Share of a kg figure below which it counts as nothing.
KG_TOLERANCE = 1e-6

ProgressFn = Callable[[int, int, dict[str, Any]], None]


@dataclass(frozen=True)
class AllocationCase:
    """One benchmark scenario: generator settings, the share of the fleet kept, and what
    they stand for."""

    name: str
    config: GeneratorConfig
    note: str
    fleet_share: float = 1.0
    """Share of the generated vehicles kept (evenly spread over the fleet list)."""
    max_transit_min: tuple[tuple[str, float], ...] = ()
    """(product id, limit) pairs lowering products' transit limits."""


def _generated(
    name: str, county: str, seed: int, farms: int, orders: int, fleet_share: float = 1.0
) -> AllocationCase:
    config = make_config(county=county, name=name, seed=seed, farms=farms, orders=orders)
    note = f"{county}, {farms} farms, {orders} orders, seed {seed}"
    if fleet_share < 1.0:
        note += f", {fleet_share:.0%} of the sized fleet"
    return AllocationCase(name, config, note, fleet_share)


#: The benchmark cases (the default; ``--cases`` takes these names).
CASES: dict[str, AllocationCase] = {
    c.name: c
    for c in (
        AllocationCase("county", PRESETS["county"], "instances/county (its preset)"),
        _generated("suichang-300", "suichang", 7, 300, 3000),
        _generated("lanxi-150", "lanxi", 11, 150, 3000),
        _generated("anji-200", "anji", 12, 200, 2500),
    )
}

#: Cases with a fleet short of the demand (run when named).
STRESS_CASES: dict[str, AllocationCase] = {
    c.name: c
    for c in (
        AllocationCase(
            "f120-tight",
            COUNTY_CASES["f120-tight"].config,
            "county benchmark f120-tight: fleet short, cold-heavy, tight cold transit",
            max_transit_min=COUNTY_CASES["f120-tight"].max_transit_min,
        ),
        _generated("suichang-300-half", "suichang", 7, 300, 3000, fleet_share=0.5),
        _generated("anji-200-half", "anji", 12, 200, 2500, fleet_share=0.5),
    )
}


def case_scenario(case: AllocationCase) -> Scenario:
    """The scenario of a case: generated, transit limits lowered, the fleet thinned."""
    scenario = tighten_transit(generate_scenario(case.config), dict(case.max_transit_min))
    vehicles = list(scenario.vehicles)
    keep = max(1, round(len(vehicles) * case.fleet_share))
    if keep >= len(vehicles):
        return scenario
    chosen = sorted({int(i * len(vehicles) / keep) for i in range(keep)})
    return scenario.with_tables(vehicles=[vehicles[i] for i in chosen])


#: Table columns: (column, header, decimals; None: as it is), kg with thousands separators.
_TABLE = [
    ("case", "case", None),
    ("farms", "farms", None),
    ("orders", "orders", None),
    ("vehicles", "vehicles", None),
    ("kg_today", "kg today", 0),
    ("kg_dropped", "kg dropped", 0),
    ("dropped_pct", "% dropped", 2),
    ("orders_refused", "orders refused", None),
    ("kg_refused", "kg refused", 0),
    ("atp_rows", "ATP rows", None),
    ("forecast_kg", "forecast kg", 0),
    ("atp_kg", "ATP kg", 0),
    ("routable_kg", "routable kg", 0),
    ("refused_routable_kg", "refused routable kg", 0),
    ("wall_s", "wall s", 0),
]
#: Columns of the benchmark frame.
COLUMNS = [col for col, _, _ in _TABLE]


def resolve_cases(names: Sequence[str] | None) -> list[AllocationCase]:
    """Cases by name from :data:`CASES` and :data:`STRESS_CASES` (None or empty: all of
    :data:`CASES`); ValueError for an unknown one."""
    if not names:
        return list(CASES.values())
    known = {**CASES, **STRESS_CASES}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"unknown allocation case(s) {unknown}; choose from {', '.join(known)}")
    return [known[n] for n in names]


# ----- the forecast as orders ---------------------------------------------------------------


@dataclass(frozen=True)
class ForecastSale:
    """The forecast kg ATP covers for one upcoming session and product."""

    session_id: str
    product_id: str
    logistics_point_id: str
    session_start: dt.datetime
    ship_day: int
    kg: float


def forecast_sales(scenario: Scenario, ship_lag_days: int | None = None) -> list[ForecastSale]:
    """Forecast kg beyond the confirmed orders of every session starting on or after the
    planning date and shipping within the horizon (as ATP counts them)."""
    lag = InventoryOptions().forecast_ship_lag_days if ship_lag_days is None else ship_lag_days
    confirmed: dict[tuple[str, str], float] = defaultdict(float)
    for o in scenario.orders:
        confirmed[(o.session_id, o.product_id)] += scenario.order_kg(o)
    out = []
    for fc in scenario.forecast:
        session = scenario.session[fc.session_id]
        kg = fc.boxes * scenario.product[fc.product_id].box_weight_kg
        kg -= confirmed[(fc.session_id, fc.product_id)]
        ship_day = scenario.day_of(session.start) + lag
        if kg <= KG_TOLERANCE or session.start < scenario.datetime_at(0):
            continue
        if ship_day >= scenario.settings.horizon_days:
            continue
        out.append(
            ForecastSale(
                fc.session_id,
                fc.product_id,
                session.logistics_point_id,
                session.start,
                ship_day,
                kg,
            )
        )
    return sorted(out, key=lambda s: (s.session_start, s.session_id, s.product_id))


def keeps_until(scenario: Scenario, sale: ForecastSale) -> bool:
    """Whether goods collected today are still fresh on the sale's ship day."""
    return scenario.product[sale.product_id].shelf_life_days - 1 >= sale.ship_day


def with_forecast_orders(scenario: Scenario, sales: Sequence[ForecastSale]) -> Scenario:
    """``scenario`` with each sale as one more order (whole boxes, shipping by its point's
    cut-off on its ship day)."""
    added = []
    for n, s in enumerate(sales, start=1):
        box = scenario.product[s.product_id].box_weight_kg
        boxes = math.floor(s.kg / box + 1e-9)
        if boxes < 1:
            continue
        cutoff = scenario.logistics_point[s.logistics_point_id].cutoff
        ship_by = dt.datetime.combine(
            scenario.settings.planning_date + dt.timedelta(days=s.ship_day), cutoff
        )
        added.append(
            Order(
                order_id=f"FORECAST{n:05d}",
                session_id=s.session_id,
                product_id=s.product_id,
                quantity_boxes=boxes,
                ship_by=ship_by,
            )
        )
    return scenario.with_tables(orders=[*scenario.orders, *added])


def routable_forecast(
    scenario: Scenario, plan: Plan, sales: Sequence[ForecastSale]
) -> dict[tuple[str, str], float]:
    """Per (session, product): the forecast kg the plan of the forecast-as-orders copy
    routes beyond the confirmed orders of its point and product, earlier sessions first;
    all of them scaled down by the kg routing left unserved (as if every unserved kg had
    been a confirmed order's)."""
    routed: dict[tuple[str, str], float] = defaultdict(float)
    for t in plan.tasks:
        if t.served:
            routed[(t.logistics_point_id, t.product_id)] += t.kg
    for o in scenario.orders:
        routed[(scenario.order_logistics_point(o), o.product_id)] -= scenario.order_kg(o)
    out: dict[tuple[str, str], float] = {}
    for s in sales:  # in ATP's session order
        key = (s.logistics_point_id, s.product_id)
        take = min(s.kg, max(0.0, routed[key]))
        routed[key] -= take
        out[(s.session_id, s.product_id)] = take
    total = sum(out.values())
    dropped = sum(u.kg for u in plan.unserved if u.kind == "task")
    keep = max(0.0, total - dropped) / total if total > KG_TOLERANCE else 0.0
    return {k: kg * keep for k, kg in out.items()}


def atp_check(
    scenario: Scenario,
    atp: pd.DataFrame,
    *,
    time_limit_s: float,
    seed: int = 0,
    solution_limit: int | None = None,
) -> pd.DataFrame:
    """Per upcoming session and product kept fresh until its ship day: forecast kg, ATP kg,
    routable kg (see the module) and the refused-but-routable kg."""
    sales = [s for s in forecast_sales(scenario) if keeps_until(scenario, s)]
    columns = ["session_id", "product_id", "forecast_kg", "atp_kg", "routable_kg", "refused_kg"]
    if not sales:
        return pd.DataFrame(columns=columns)
    copy = with_forecast_orders(scenario, sales)
    plan = plan_day(
        copy,
        time_limit_s=time_limit_s,
        seed=seed,
        solution_limit=solution_limit,
        allocator=NearestFarmAllocator(),
    )
    routable = routable_forecast(scenario, plan, sales)
    atp_kg = {
        (str(r.session_id), str(r.product_id)): float(str(r.atp_kg))
        for r in atp.itertuples(index=False)
    }
    rows = []
    for s in sales:
        key = (s.session_id, s.product_id)
        promised = atp_kg.get(key, 0.0)
        rows.append((*key, s.kg, promised, routable[key], max(0.0, routable[key] - promised)))
    return pd.DataFrame(rows, columns=columns)


# ----- one case ----------------------------------------------------------------------------------


def run_case(
    name: str,
    scenario: Scenario,
    *,
    time_limit_s: float = 60.0,
    seed: int = 0,
    solution_limit: int | None = None,
) -> dict[str, Any]:
    """One row of the benchmark: plan the day (inventory allocator, default engine), then
    the ATP check."""
    t0 = time.perf_counter()
    plan = plan_day(
        scenario,
        time_limit_s=time_limit_s,
        seed=seed,
        solution_limit=solution_limit,
        allocator=InventoryAllocator(),
    )
    today = sum(t.kg for t in plan.tasks)
    dropped = sum(u.kg for u in plan.unserved if u.kind == "task")
    refused = [u for u in plan.unserved if u.kind == "order"]
    atp = plan.tables.get("atp", pd.DataFrame(columns=["session_id", "product_id", "atp_kg"]))
    check = atp_check(
        scenario, atp, time_limit_s=time_limit_s, seed=seed, solution_limit=solution_limit
    )
    return {
        "case": name,
        "farms": len(scenario.farms),
        "orders": len(scenario.orders),
        "vehicles": len(scenario.vehicles),
        "kg_today": today,
        "kg_dropped": dropped,
        "dropped_pct": 100.0 * dropped / today if today > 0 else 0.0,
        "orders_refused": len({u.item_id for u in refused}),
        "kg_refused": sum(u.kg for u in refused),
        "atp_rows": len(check),
        "forecast_kg": float(check["forecast_kg"].sum()),
        "atp_kg": float(check["atp_kg"].sum()),
        "routable_kg": float(check["routable_kg"].sum()),
        "refused_routable_kg": float(check["refused_kg"].sum()),
        "wall_s": time.perf_counter() - t0,
    }


def run_allocation_bench(
    cases: Sequence[str] | None = None,
    time_limit_s: float = 60.0,
    seed: int = 0,
    solution_limit: int | None = None,
    progress: ProgressFn | None = None,
) -> pd.DataFrame:
    """Every case of ``cases`` (names of :data:`CASES` or :data:`STRESS_CASES`; None: all
    of :data:`CASES`), one row each."""
    chosen = resolve_cases(cases)
    rows = []
    for i, case in enumerate(chosen):
        row = run_case(
            case.name,
            case_scenario(case),
            time_limit_s=time_limit_s,
            seed=seed,
            solution_limit=solution_limit,
        )
        rows.append(row)
        if progress is not None:
            progress(i + 1, len(chosen), row)
    return pd.DataFrame(rows, columns=COLUMNS)


def format_allocation_table(df: pd.DataFrame) -> str:
    """The benchmark as a Markdown table."""
    rows = [
        [
            str(r[col]) if digits is None else cell(float(r[col]), digits, thousands=True)
            for col, _, digits in _TABLE
        ]
        for _, r in df.iterrows()
    ]
    return "\n".join(markdown_table([h for _, h, _ in _TABLE], rows))


__all__ = [
    "CASES",
    "COLUMNS",
    "STRESS_CASES",
    "AllocationCase",
    "ForecastSale",
    "atp_check",
    "case_scenario",
    "forecast_sales",
    "format_allocation_table",
    "keeps_until",
    "resolve_cases",
    "routable_forecast",
    "run_allocation_bench",
    "run_case",
    "with_forecast_orders",
]
