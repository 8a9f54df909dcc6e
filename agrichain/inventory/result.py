"""From solver values to the plan: tables, today's pickup tasks, shortfalls with reasons."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import numpy as np
import pandas as pd

from agrichain.allocation import PickupTask, Shortfall
from agrichain.inventory.data import KG_EPS, Bucket, InventoryData
from agrichain.inventory.fifo import stock_by_age
from agrichain.inventory.model import BuiltModel
from agrichain.inventory.report import InventoryPlan, SolveReport
from agrichain.model import Scenario

#: Decimals kept for kg in tables and tasks.
KG_DECIMALS = 6

FLOW_COLUMNS = ["day", "date", "farm_id", "logistics_point_id", "product_id", "kg"]
INVENTORY_COLUMNS = [
    "day",
    "date",
    "logistics_point_id",
    "product_id",
    "age_days",
    "opening_kg",
    "received_kg",
    "shipped_kg",
    "spoiled_kg",
    "kg",
]
SPOILAGE_COLUMNS = [
    "day",
    "date",
    "logistics_point_id",
    "product_id",
    "age_days",
    "kg",
    "reason",
]
LOST_SALES_COLUMNS = [
    "day",
    "date",
    "logistics_point_id",
    "product_id",
    "kind",
    "session_id",
    "first_ship_day",
    "n_orders",
    "demand_kg",
    "shipped_kg",
    "lost_kg",
    "reason",
]


def _clean(x: float) -> float:
    return 0.0 if abs(x) < KG_EPS else x


def _kg(x: float) -> float:
    return round(_clean(x), KG_DECIMALS)


class _Values:
    """Solver values by variable, cleaned of noise."""

    def __init__(self, model: BuiltModel, values: np.ndarray) -> None:
        self.values = np.where(np.abs(values) < 1e-9, 0.0, values)
        self.index = {id(v): i for i, v in enumerate(model.columns)}

    def __call__(self, var: Any) -> float:
        if var is None:
            return 0.0
        return float(self.values[self.index[id(var)]])


def _day_text(data: InventoryData, day: int) -> str:
    return (data.scenario.settings.planning_date + dt.timedelta(days=day)).isoformat()


def _reason(
    data: InventoryData, model: BuiltModel, usage: dict[str, dict[Any, float]], bk: Bucket
) -> str:
    """Why kg of bucket ``bk`` are lost: the first binding limit, checked in the order
    supply, transport, storage; if none binds, supplying it costs more than losing it."""
    h, p = bk.lp, bk.product
    hub, pid, cold = data.lp_ids[h], data.product_ids[p], int(data.cold[p])
    due = _day_text(data, bk.due_day)
    days = range(max(0, bk.release_day - data.life_days[p] + 1), bk.due_day + 1)
    sources = [
        (d, f) for (d, f, pp) in data.supply if pp == p and d in days and data.arc_ok[f, h, p]
    ]
    if not sources:
        if data.transport_kg[h, cold] <= 0:
            kind = "refrigerated vehicle" if cold else "vehicle"
            return f"no {kind} based at {hub} to collect {pid}"
        return f"no harvest of {pid} can reach {hub} fresh by its ship-by day {due}"
    if all(
        usage["supply"].get((d, f, p), 0.0) >= data.supply[(d, f, p)] - 1e-4 for d, f in sources
    ):
        return f"not enough supply of {pid} for {hub} by its ship-by day {due}"
    for d in days:
        for c in sorted({0, cold}):
            if usage["transport"].get((d, h, c), 0.0) >= model.transport_cap[(d, h, c)] - 1e-4:
                fleet = "refrigerated transport" if c else "transport"
                return f"{fleet} capacity of {hub} exhausted on {_day_text(data, d)}"
    for d in days:
        if usage["storage"].get((d, h, cold), 0.0) >= model.storage_cap[(d, h, cold)] - 1e-4:
            return f"{'cold' if cold else 'ambient'} storage at {hub} full on {_day_text(data, d)}"
    return f"supplying {pid} to {hub} costs more than the lost sale"


def _order_kg(scenario: Scenario) -> dict[str, float]:
    return {o.order_id: scenario.order_kg(o) for o in scenario.orders}


def extract_plan(
    data: InventoryData, model: BuiltModel, report: SolveReport, build_s: float
) -> InventoryPlan:
    """Tables, tasks, shortfalls and summary of a solved model."""
    sc = data.scenario
    val = _Values(model, model.values())
    D = data.horizon
    dates = [sc.settings.planning_date + dt.timedelta(days=d) for d in range(D)]

    # --- flows and usage ---------------------------------------------------------------------
    flow_rows = []
    received: dict[tuple[int, int, int], float] = defaultdict(float)
    usage: dict[str, dict[Any, float]] = {
        "supply": defaultdict(float),
        "transport": defaultdict(float),
        "storage": defaultdict(float),
        "on_hand": defaultdict(float),
        "received": received,
    }
    for (d, f, h, p), v in sorted(model.x.items()):
        kg = _kg(val(v))
        if kg <= 0:
            continue
        flow_rows.append((d, dates[d], data.farm_ids[f], data.lp_ids[h], data.product_ids[p], kg))
        received[(d, h, p)] += kg
        usage["supply"][(d, f, p)] += kg
        usage["transport"][(d, h, 0)] += kg
        if data.cold[p]:
            usage["transport"][(d, h, 1)] += kg
    flows = pd.DataFrame(flow_rows, columns=FLOW_COLUMNS)

    # --- stock by age (FIFO) ----------------------------------------------------------------------
    inv_rows, spoil_rows = [], []
    shipped_fresh: dict[tuple[int, int, int], float] = defaultdict(float)
    shipped_old: dict[tuple[int, int, int], float] = defaultdict(float)
    pairs = sorted({(h, p) for (_, h, p) in model.waste} | {(h, p) for (h, p, _) in data.initial})
    for h, p in pairs:
        life = data.life_days[p]
        opening: dict[int, float] = {
            a: kg for (hh, pp, a), kg in data.initial.items() if (hh, pp) == (h, p)
        }
        for d in range(D):
            key = (d, h, p)
            rcv = received.get(key, 0.0)
            if not opening and rcv <= 0 and key not in model.waste:
                continue
            closing = _clean(val(model.stock.get(key)))
            waste = _clean(val(model.waste.get(key)))
            rows, opening = stock_by_age(life, opening, rcv, closing, waste)
            c = int(data.cold[p])
            for a in sorted(rows):
                o, r, s_kg, w, k = (_kg(x) for x in rows[a])
                usage["storage"][(d, h, c)] += o + r
                usage["on_hand"][key] += o + r
                if a == 0:
                    shipped_fresh[key] += s_kg
                else:
                    shipped_old[key] += s_kg
                if o or r or s_kg or w or k:
                    inv_rows.append(
                        (d, dates[d], data.lp_ids[h], data.product_ids[p], a, o, r, s_kg, w, k)
                    )
                if w:
                    reason = "shelf life ends" if a >= life - 1 else "not needed before it expires"
                    spoil_rows.append(
                        (d, dates[d], data.lp_ids[h], data.product_ids[p], a, w, reason)
                    )
    inventory = pd.DataFrame(inv_rows, columns=INVENTORY_COLUMNS)
    spoilage = pd.DataFrame(spoil_rows, columns=SPOILAGE_COLUMNS)

    # --- demand, lost sales, shortfalls -----------------------------------------------------------
    order_kg = _order_kg(sc)
    order = {o.order_id: o for o in sc.orders}
    lost_rows = []
    shortfalls: list[Shortfall] = []
    shipped_today: dict[tuple[int, int], list[tuple[str, float]]] = defaultdict(list)
    for bk in data.buckets:
        lost = _clean(val(model.lost.get(bk.index)))
        shipped = bk.kg - lost
        reason = _reason(data, model, usage, bk) if lost > KG_EPS else ""
        lost_rows.append(
            (
                bk.due_day,
                dates[bk.due_day],
                data.lp_ids[bk.lp],
                data.product_ids[bk.product],
                bk.kind,
                bk.session_id,
                bk.release_day,
                len(bk.order_ids),
                _kg(bk.kg),
                _kg(shipped),
                _kg(lost),
                reason,
            )
        )
        if bk.kind != "order":
            continue
        # lost kg fall on the latest ship-by orders first (then the highest order id)
        remaining = lost
        lost_by_order: dict[str, float] = {}
        for oid in sorted(bk.order_ids, key=lambda o: (order[o].ship_by, o), reverse=True):
            if remaining <= KG_EPS:
                break
            take = min(remaining, order_kg[oid])
            lost_by_order[oid] = take
            remaining -= take
        for oid in sorted(lost_by_order):
            shortfalls.append(
                Shortfall(
                    order_id=oid,
                    product_id=data.product_ids[bk.product],
                    logistics_point_id=data.lp_ids[bk.lp],
                    kg=_kg(lost_by_order[oid]),
                    reason=reason,
                )
            )
        # kg of each order shipped on day 0, earliest ship-by first
        today = (
            shipped
            if bk.release_day == bk.due_day == 0
            else _clean(val(model.serve.get((bk.index, 0))))
        )
        for oid in sorted(bk.order_ids, key=lambda o: (order[o].ship_by, o)):
            if today <= KG_EPS:
                break
            take = min(today, order_kg[oid] - lost_by_order.get(oid, 0.0))
            if take > KG_EPS:
                shipped_today[(bk.lp, bk.product)].append((oid, take))
                today -= take
    lost_sales = pd.DataFrame(lost_rows, columns=LOST_SALES_COLUMNS)

    # --- today's pickup tasks, with the orders they serve ---------------------------------------
    tasks = _tasks(data, flows, shipped_today, shipped_old)
    ordered: dict[str, float] = defaultdict(float)
    for oid, kg in order_kg.items():
        ordered[order[oid].product_id] += kg
    short_kg: dict[str, float] = defaultdict(float)
    for sf in shortfalls:
        short_kg[sf.product_id] += sf.kg
    task_kg: dict[str, float] = defaultdict(float)
    for t in tasks:
        task_kg[t.product_id] += t.kg
    covered = {
        pid: round(ordered[pid] - short_kg[pid] - task_kg[pid], KG_DECIMALS)
        for pid in data.product_ids
    }

    summary = _summary(data, model, report, build_s, lost_sales, spoilage, val)
    plan = InventoryPlan(
        scenario=sc,
        options=data.options,
        report=report,
        build_s=build_s,
        tables={
            "flows": flows,
            "inventory": inventory,
            "spoilage": spoilage,
            "lost_sales": lost_sales,
        },
        tasks=tuple(tasks),
        shortfalls=tuple(shortfalls),
        covered_otherwise_kg=covered,
        summary=summary,
        data=data,
        bucket_lost_kg={k: _clean(val(v)) for k, v in model.lost.items()},
        usage=usage,
    )
    return plan


def _tasks(
    data: InventoryData,
    flows: pd.DataFrame,
    shipped_today: dict[tuple[int, int], list[tuple[str, float]]],
    shipped_old: dict[tuple[int, int, int], float],
) -> list[PickupTask]:
    """Day-0 flows as tasks. Orders shipped today take the older stock first (FIFO), then
    today's receipts in task order (farm id); a task lists the orders its kg overlap."""
    lp_ix = {h: i for i, h in enumerate(data.lp_ids)}
    prod_ix = {p: i for i, p in enumerate(data.product_ids)}
    today = flows[flows["day"] == 0].sort_values(["logistics_point_id", "product_id", "farm_id"])
    tasks: list[PickupTask] = []
    for (lp_id, pid), group in today.groupby(["logistics_point_id", "product_id"], sort=True):
        h, p = lp_ix[str(lp_id)], prod_ix[str(pid)]
        # order intervals on the axis of fresh kg (after the old stock is used up)
        old = shipped_old.get((0, h, p), 0.0)
        intervals = []
        pos = -old
        for oid, kg in shipped_today.get((h, p), []):
            intervals.append((oid, pos, pos + kg))
            pos += kg
        start = 0.0
        for farm_id, kg_value in zip(group["farm_id"], group["kg"], strict=True):
            kg = float(kg_value)
            end = start + kg
            served = tuple(oid for oid, a, b in intervals if min(b, end) - max(a, start) > KG_EPS)
            tasks.append(
                PickupTask(
                    task_id=f"T{len(tasks) + 1:05d}",
                    farm_id=str(farm_id),
                    product_id=str(pid),
                    kg=kg,
                    logistics_point_id=str(lp_id),
                    order_ids=served,
                )
            )
            start = end
    return tasks


def _summary(
    data: InventoryData,
    model: BuiltModel,
    report: SolveReport,
    build_s: float,
    lost_sales: pd.DataFrame,
    spoilage: pd.DataFrame,
    val: _Values,
) -> dict[str, Any]:
    demand = float(lost_sales["demand_kg"].sum())
    lost = float(lost_sales["lost_kg"].sum())
    orders = lost_sales[lost_sales["kind"] == "order"]
    order_demand = float(orders["demand_kg"].sum())
    order_lost = float(orders["lost_kg"].sum())
    costs = model.cost_by_component(val.values)
    opt = data.options
    return {
        "solver": report.solver,
        "solver_status": report.solver_status,
        "status": report.status,
        "objective": None if report.objective is None else round(report.objective, 6),
        "bound": None if report.bound is None else round(report.bound, 6),
        "gap": None if report.gap is None else round(report.gap, 6),
        "build_s": round(build_s, 3),
        "transfer_s": round(report.transfer_s, 3),
        "solve_s": round(report.solve_s, 3),
        "time_limit_s": opt.time_limit_s,
        "mip_gap": opt.mip_gap,
        "threads": opt.threads,
        "watchdog": report.watchdog,
        "fallback": report.fallback,
        "lp_bound": None if report.lp_bound is None else round(report.lp_bound, 6),
        "start_objective": (
            None if report.start_objective is None else round(report.start_objective, 6)
        ),
        "horizon_days": data.horizon,
        "variables": len(model.columns),
        "constraints": model.n_rows,
        "binaries": len(model.y),
        "integer_days": opt.integer_days,
        "link_fixed_cost": opt.link_fixed_cost,
        "demand_kg": round(demand, 3),
        "order_kg": round(order_demand, 3),
        "forecast_kg": round(demand - order_demand, 3),
        "forecast_ignored_kg": round(data.forecast_ignored_kg, 3),
        "lost_sales_kg": round(lost, 3),
        "lost_order_kg": round(order_lost, 3),
        "spoiled_kg": round(float(spoilage["kg"].sum()), 3),
        "fill_rate": round(1.0 - lost / demand, 6) if demand > 0 else 1.0,
        "order_fill_rate": round(1.0 - order_lost / order_demand, 6) if order_demand > 0 else 1.0,
        "cost": {k: round(v, 2) for k, v in costs.items()},
        "trips_per_shift": {k: v for k, v in sorted(data.trips.items())},
    }
