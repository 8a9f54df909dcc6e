"""From solver values to the plan: tables, today's pickup tasks, shortfalls with reasons,
and where each order's kg come from (:mod:`agrichain.inventory.fates`)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from agrichain.allocation import PickupTask, Shortfall
from agrichain.inventory.data import KG_EPS, Bucket, InventoryData
from agrichain.inventory.fates import AgeRows, OrderShipments, split_bucket, trace_orders
from agrichain.inventory.fifo import stock_by_age
from agrichain.inventory.inventory_plan import InventoryPlan
from agrichain.inventory.milp import BuiltMilp
from agrichain.inventory.milp.fleet import fleet_full_reason, no_vehicle_reason
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
        return no_vehicle_reason(data, h, p) or (
            f"no harvest of {pid} can reach {hub} fresh by its ship-by day {due}"
        )
    if all(
        usage["supply"].get((d, f, p), 0.0) >= data.supply[(d, f, p)] - 1e-4 for d, f in sources
    ):
        return f"not enough supply of {pid} for {hub} by its ship-by day {due}"
    fleet_full = fleet_full_reason(data, milp, h, p, days)
    if fleet_full:
        return fleet_full
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
    inventory, spoilage, ages = _stock(solved)
    lost_sales, shortfalls, shipments = _demand(solved)
    need_kg = _order_kg(sc)
    for sf in shortfalls:
        need_kg[sf.order_id] -= sf.kg
    tasks, sources = trace_orders(data, _tasks(data, flows), ages, shipments, need_kg)
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
        order_sources=sources,
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


def _stock(solved: _Solved) -> tuple[pd.DataFrame, pd.DataFrame, AgeRows]:
    """Inventory and spoilage tables (stock by age, FIFO) and the kg by age behind them;
    books storage and on-hand kg in ``usage``."""
    data, milp = solved.data, solved.milp
    inv_rows: list[tuple[Any, ...]] = []
    spoil_rows: list[tuple[Any, ...]] = []
    ages: AgeRows = {}
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
            ages[key] = _stock_rows(solved, key, rows, (inv_rows, spoil_rows))
    inventory = pd.DataFrame(inv_rows, columns=INVENTORY_COLUMNS)
    spoilage = pd.DataFrame(spoil_rows, columns=SPOILAGE_COLUMNS)
    return inventory, spoilage, ages


def _stock_rows(
    solved: _Solved,
    key: Key3,
    by_age: dict[int, list[float]],
    out: tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]],
) -> dict[int, tuple[float, float, float, float, float]]:
    """Inventory and spoilage rows of one (day, lp, product); its kg by age, rounded."""
    data, usage = solved.data, solved.usage
    d, h, p = key
    inv_rows, spoil_rows = out
    life = data.life_days[p]
    c = int(data.cold[p])
    where = (d, solved.dates[d], data.lp_ids[h], data.product_ids[p])
    rounded = {}
    for a in sorted(by_age):
        o, r, s_kg, w, k = (_kg(x) for x in by_age[a])
        rounded[a] = (o, r, s_kg, w, k)
        usage["storage"][(d, h, c)] += o + r
        usage["on_hand"][key] += o + r
        if o or r or s_kg or w or k:
            inv_rows.append((*where, a, o, r, s_kg, w, k))
        if w:
            reason = "shelf life ends" if a >= life - 1 else "not needed before it expires"
            spoil_rows.append((*where, a, w, reason))
    return rounded


def _demand(solved: _Solved) -> tuple[pd.DataFrame, list[Shortfall], OrderShipments]:
    """The lost_sales table, order shortfalls with reasons and each day's kg per order."""
    data, milp = solved.data, solved.milp
    order_kg = _order_kg(data.scenario)
    ship_by = {o.order_id: o.ship_by for o in data.scenario.orders}
    lost_rows = []
    shortfalls: list[Shortfall] = []
    shipments: OrderShipments = defaultdict(list)
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
        by_day = (
            {bk.due_day: shipped}
            if bk.release_day == bk.due_day
            else {d: _clean(solved.val(milp.serve.get((bk.index, d)))) for d in bk.ship_days}
        )
        need = {oid: order_kg[oid] - lost_by_order.get(oid, 0.0) for oid in bk.order_ids}
        for d, rows in split_bucket(bk, by_day, need, ship_by).items():
            shipments[(d, bk.lp, bk.product)] += rows
    return pd.DataFrame(lost_rows, columns=LOST_SALES_COLUMNS), shortfalls, shipments


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


def _tasks(data: InventoryData, flows: pd.DataFrame) -> list[PickupTask]:
    """Day-0 flows as tasks, in logistics point, product and farm order (the orders they
    carry follow from :func:`~agrichain.inventory.fates.trace_orders`)."""
    today = flows[flows["day"] == 0].sort_values(["logistics_point_id", "product_id", "farm_id"])
    return [
        PickupTask(
            task_id=f"T{n:05d}",
            farm_id=str(farm_id),
            product_id=str(pid),
            kg=float(kg),
            logistics_point_id=str(lp_id),
        )
        for n, (lp_id, pid, farm_id, kg) in enumerate(
            zip(
                today["logistics_point_id"],
                today["product_id"],
                today["farm_id"],
                today["kg"],
                strict=True,
            ),
            start=1,
        )
    ]
