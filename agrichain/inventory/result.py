"""From solver values to the plan: tables, today's pickup tasks, shortfalls with reasons."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from agrichain.allocation import PickupTask, Shortfall
from agrichain.inventory.data import KG_EPS, Bucket, InventoryData
from agrichain.inventory.fifo import stock_by_age
from agrichain.inventory.inventory_plan import InventoryPlan
from agrichain.inventory.milp import BuiltMilp
from agrichain.inventory.report import SolveReport
from agrichain.inventory.summary import plan_summary
from agrichain.inventory.tables import (
    FLOW_COLUMNS,
    FLOWS_TABLE,
    INVENTORY_COLUMNS,
    INVENTORY_TABLE,
    LOST_SALES_COLUMNS,
    LOST_SALES_TABLE,
    SPOILAGE_COLUMNS,
    SPOILAGE_TABLE,
)
from agrichain.model import Scenario

#: Decimals kept for kg in tables and tasks.
KG_DECIMALS = 6

Key3 = tuple[int, int, int]
Usage = dict[str, dict[Any, float]]
"""kg used per resource: supply (d,f,p), transport (d,h,class), storage (d,h,class),
on_hand and received (d,h,p)."""
ShippedToday = dict[tuple[int, int], list[tuple[str, float]]]
"""Per (lp, product): (order id, kg) shipped on day 0, earliest ship-by first."""


def _clean(x: float) -> float:
    return 0.0 if abs(x) < KG_EPS else x


def _kg(x: float) -> float:
    return round(_clean(x), KG_DECIMALS)


class _Values:
    """Solver values by variable, cleaned of noise."""

    def __init__(self, milp: BuiltMilp, values: np.ndarray) -> None:
        self.values = np.where(np.abs(values) < 1e-9, 0.0, values)
        self.index = {id(v): i for i, v in enumerate(milp.columns)}

    def __call__(self, var: Any) -> float:
        if var is None:
            return 0.0
        return float(self.values[self.index[id(var)]])


@dataclass
class _Solved:
    """A solved MILP with what extraction needs at hand."""

    data: InventoryData
    milp: BuiltMilp
    val: _Values
    dates: list[dt.date]
    usage: Usage


def _day_text(data: InventoryData, day: int) -> str:
    return (data.scenario.settings.planning_date + dt.timedelta(days=day)).isoformat()


def _reason(data: InventoryData, milp: BuiltMilp, usage: Usage, bk: Bucket) -> str:
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
            if usage["transport"].get((d, h, c), 0.0) >= milp.transport_cap[(d, h, c)] - 1e-4:
                fleet = "refrigerated transport" if c else "transport"
                return f"{fleet} capacity of {hub} exhausted on {_day_text(data, d)}"
    for d in days:
        if usage["storage"].get((d, h, cold), 0.0) >= milp.storage_cap[(d, h, cold)] - 1e-4:
            return f"{'cold' if cold else 'ambient'} storage at {hub} full on {_day_text(data, d)}"
    return f"supplying {pid} to {hub} costs more than the lost sale"


def _order_kg(scenario: Scenario) -> dict[str, float]:
    return {o.order_id: scenario.order_kg(o) for o in scenario.orders}


def extract_plan(
    data: InventoryData, milp: BuiltMilp, report: SolveReport, build_s: float
) -> InventoryPlan:
    """Tables, tasks, shortfalls and summary of a solved MILP."""
    sc = data.scenario
    solved = _Solved(
        data=data,
        milp=milp,
        val=_Values(milp, milp.values()),
        dates=[sc.settings.planning_date + dt.timedelta(days=d) for d in range(data.horizon)],
        usage={
            name: defaultdict(float)
            for name in ("supply", "transport", "storage", "on_hand", "received")
        },
    )
    flows = _flows(solved)
    inventory, spoilage, shipped_old = _stock(solved)
    lost_sales, shortfalls, shipped_today = _demand(solved)
    tasks = _tasks(data, flows, shipped_today, shipped_old)
    return InventoryPlan(
        scenario=sc,
        options=data.options,
        report=report,
        build_s=build_s,
        tables={
            FLOWS_TABLE: flows,
            INVENTORY_TABLE: inventory,
            SPOILAGE_TABLE: spoilage,
            LOST_SALES_TABLE: lost_sales,
        },
        tasks=tuple(tasks),
        shortfalls=tuple(shortfalls),
        covered_otherwise_kg=_covered_otherwise(data, shortfalls, tasks),
        summary=plan_summary(data, milp, report, build_s, lost_sales, spoilage, solved.val.values),
        data=data,
        bucket_lost_kg={k: _clean(solved.val(v)) for k, v in milp.lost.items()},
        usage=solved.usage,
    )


def _flows(solved: _Solved) -> pd.DataFrame:
    """The flows table; books supply, transport and received kg in ``usage``."""
    data, usage = solved.data, solved.usage
    rows = []
    for (d, f, h, p), v in sorted(solved.milp.x.items()):
        kg = _kg(solved.val(v))
        if kg <= 0:
            continue
        rows.append((d, solved.dates[d], data.farm_ids[f], data.lp_ids[h], data.product_ids[p], kg))
        usage["received"][(d, h, p)] += kg
        usage["supply"][(d, f, p)] += kg
        usage["transport"][(d, h, 0)] += kg
        if data.cold[p]:
            usage["transport"][(d, h, 1)] += kg
    return pd.DataFrame(rows, columns=FLOW_COLUMNS)


def _stock(solved: _Solved) -> tuple[pd.DataFrame, pd.DataFrame, dict[Key3, float]]:
    """Inventory and spoilage tables (stock by age, FIFO) and the kg shipped from stock
    older than a day; books storage and on-hand kg in ``usage``."""
    data, milp = solved.data, solved.milp
    inv_rows: list[tuple[Any, ...]] = []
    spoil_rows: list[tuple[Any, ...]] = []
    shipped_old: dict[Key3, float] = defaultdict(float)
    pairs = sorted({(h, p) for (_, h, p) in milp.waste} | {(h, p) for (h, p, _) in data.initial})
    for h, p in pairs:
        opening: dict[int, float] = {
            a: kg for (hh, pp, a), kg in data.initial.items() if (hh, pp) == (h, p)
        }
        for d in range(data.horizon):
            key = (d, h, p)
            rcv = solved.usage["received"].get(key, 0.0)
            if not opening and rcv <= 0 and key not in milp.waste:
                continue
            closing = _clean(solved.val(milp.stock.get(key)))
            waste = _clean(solved.val(milp.waste.get(key)))
            rows, opening = stock_by_age(data.life_days[p], opening, rcv, closing, waste)
            _stock_rows(solved, key, rows, (inv_rows, spoil_rows), shipped_old)
    inventory = pd.DataFrame(inv_rows, columns=INVENTORY_COLUMNS)
    spoilage = pd.DataFrame(spoil_rows, columns=SPOILAGE_COLUMNS)
    return inventory, spoilage, shipped_old


def _stock_rows(
    solved: _Solved,
    key: Key3,
    by_age: dict[int, list[float]],
    out: tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]],
    shipped_old: dict[Key3, float],
) -> None:
    """Inventory and spoilage rows of one (day, lp, product), by age."""
    data, usage = solved.data, solved.usage
    d, h, p = key
    inv_rows, spoil_rows = out
    life = data.life_days[p]
    c = int(data.cold[p])
    where = (d, solved.dates[d], data.lp_ids[h], data.product_ids[p])
    for a in sorted(by_age):
        o, r, s_kg, w, k = (_kg(x) for x in by_age[a])
        usage["storage"][(d, h, c)] += o + r
        usage["on_hand"][key] += o + r
        if a != 0:
            shipped_old[key] += s_kg
        if o or r or s_kg or w or k:
            inv_rows.append((*where, a, o, r, s_kg, w, k))
        if w:
            reason = "shelf life ends" if a >= life - 1 else "not needed before it expires"
            spoil_rows.append((*where, a, w, reason))


def _demand(solved: _Solved) -> tuple[pd.DataFrame, list[Shortfall], ShippedToday]:
    """The lost_sales table, order shortfalls with reasons and day 0's kg per order."""
    data, milp = solved.data, solved.milp
    order_kg = _order_kg(data.scenario)
    ship_by = {o.order_id: o.ship_by for o in data.scenario.orders}
    lost_rows = []
    shortfalls: list[Shortfall] = []
    shipped_today: ShippedToday = defaultdict(list)
    for bk in data.buckets:
        lost = _clean(solved.val(milp.lost.get(bk.index)))
        shipped = bk.kg - lost
        reason = _reason(data, milp, solved.usage, bk) if lost > KG_EPS else ""
        lost_rows.append(
            (
                bk.due_day,
                solved.dates[bk.due_day],
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
        lost_by_order = _lost_by_order(bk, lost, order_kg, ship_by)
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
        today = (
            shipped
            if bk.release_day == bk.due_day == 0
            else _clean(solved.val(milp.serve.get((bk.index, 0))))
        )
        shipped_today[(bk.lp, bk.product)] += _today_by_order(
            bk, today, order_kg, ship_by, lost_by_order
        )
    return pd.DataFrame(lost_rows, columns=LOST_SALES_COLUMNS), shortfalls, shipped_today


def _lost_by_order(
    bk: Bucket, lost_kg: float, order_kg: dict[str, float], ship_by: dict[str, dt.datetime]
) -> dict[str, float]:
    """Lost kg of an order bucket per order: the latest ship-by orders first (then the
    highest order id)."""
    remaining = lost_kg
    out: dict[str, float] = {}
    for oid in sorted(bk.order_ids, key=lambda o: (ship_by[o], o), reverse=True):
        if remaining <= KG_EPS:
            break
        take = min(remaining, order_kg[oid])
        out[oid] = take
        remaining -= take
    return out


def _today_by_order(
    bk: Bucket,
    today_kg: float,
    order_kg: dict[str, float],
    ship_by: dict[str, dt.datetime],
    lost_by_order: dict[str, float],
) -> list[tuple[str, float]]:
    """(order id, kg) of an order bucket shipped on day 0, earliest ship-by first."""
    out: list[tuple[str, float]] = []
    for oid in sorted(bk.order_ids, key=lambda o: (ship_by[o], o)):
        if today_kg <= KG_EPS:
            break
        take = min(today_kg, order_kg[oid] - lost_by_order.get(oid, 0.0))
        if take > KG_EPS:
            out.append((oid, take))
            today_kg -= take
    return out


def _covered_otherwise(
    data: InventoryData, shortfalls: list[Shortfall], tasks: list[PickupTask]
) -> dict[str, float]:
    """Per product: ordered − shortfall − today's task kg."""
    product_of = {o.order_id: o.product_id for o in data.scenario.orders}
    ordered: dict[str, float] = defaultdict(float)
    for oid, kg in _order_kg(data.scenario).items():
        ordered[product_of[oid]] += kg
    short_kg: dict[str, float] = defaultdict(float)
    for sf in shortfalls:
        short_kg[sf.product_id] += sf.kg
    task_kg: dict[str, float] = defaultdict(float)
    for t in tasks:
        task_kg[t.product_id] += t.kg
    return {
        pid: round(ordered[pid] - short_kg[pid] - task_kg[pid], KG_DECIMALS)
        for pid in data.product_ids
    }


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
