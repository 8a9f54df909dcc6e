"""Where each order's kg come from in the multi-day plan: stock, today's tasks, later days.

The planner ships demand from stock first-in-first-out (:mod:`agrichain.inventory.fifo`
rebuilds the kg shipped per age and day). This module follows the lots through that
FIFO stock, per logistics point and product:

* a lot is the initial stock of one age (``from_stock``), one of today's pickup tasks
  (``collected``: today's harvest, shipped today or kept and shipped later), or the
  receipts of a later day (``later_day``);
* on each day the kg shipped of each age, oldest first, go to the orders shipping that
  day, earliest ship-by first (then order id), and only then to forecast sales; the
  lots of one age leave in lot order (initial stock, then today's tasks in task order);
  the kg spoiled leave after the kg shipped;
* an order bucket's kg shipped on a day go to its orders earliest ship-by first; its
  lost kg fall on its latest orders (:mod:`agrichain.inventory.result` decides those).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace

from agrichain.allocation import OrderSource, PickupTask
from agrichain.inventory.data import KG_EPS, Bucket, InventoryData
from agrichain.plan import Fate

#: Largest gap (kg) between an order's traced kg and its kg not lost that is rounding noise.
SETTLE_TOLERANCE_KG = 1e-3

Key3 = tuple[int, int, int]
AgeRows = dict[Key3, dict[int, tuple[float, float, float, float, float]]]
"""Per (day, lp, product) and age: opening, received, shipped, spoiled and closing kg."""
OrderShipments = dict[Key3, list[tuple[str, float]]]
"""Per (day, lp, product): (order id, kg) the orders ship that day."""


@dataclass
class _Lot:
    """kg of one origin in stock: a template source and the kg left of it."""

    origin: OrderSource
    kg: float


@dataclass
class _Need:
    """An order shipping on a day and the kg it still has to get that day."""

    order_id: str
    kg: float


@dataclass
class _Demand:
    """The orders shipping on one day, earliest ship-by first."""

    orders: list[_Need]
    at: int = 0

    def give(self, lot: _Lot, kg: float, out: dict[tuple[str, OrderSource], float]) -> None:
        """Give ``kg`` of ``lot`` to the orders in turn; what is left goes to forecasts."""
        while kg > KG_EPS and self.at < len(self.orders):
            need = self.orders[self.at]
            given = min(kg, need.kg)
            key = (need.order_id, lot.origin)
            out[key] = out.get(key, 0.0) + given
            kg -= given
            need.kg -= given
            if need.kg <= KG_EPS:
                self.at += 1


def split_bucket(
    bk: Bucket,
    day_kg: dict[int, float],
    need_kg: dict[str, float],
    ship_by: dict[str, dt.datetime],
) -> dict[int, list[tuple[str, float]]]:
    """Per ship day: (order id, kg) of an order bucket, the day's kg going to its orders
    earliest ship-by first (then order id); ``need_kg`` is each order's kg not lost."""
    left = {oid: need_kg.get(oid, 0.0) for oid in bk.order_ids}
    queue = sorted(bk.order_ids, key=lambda o: (ship_by[o], o))
    out: dict[int, list[tuple[str, float]]] = {}
    for day in sorted(day_kg):
        kg = day_kg[day]
        for oid in queue:
            if kg <= KG_EPS:
                break
            take = min(kg, left[oid])
            if take > KG_EPS:
                out.setdefault(day, []).append((oid, take))
                left[oid] -= take
                kg -= take
    return out


def _take(queue: list[_Lot], kg: float) -> list[tuple[_Lot, float]]:
    """Remove ``kg`` from the front of ``queue``: the (lot, kg) pieces taken."""
    pieces = []
    for lot in queue:
        if kg <= KG_EPS:
            break
        piece = min(kg, lot.kg)
        if piece > 0:
            pieces.append((lot, piece))
            lot.kg -= piece
            kg -= piece
    queue[:] = [lot for lot in queue if lot.kg > KG_EPS]
    return pieces


def _initial_lots(data: InventoryData, h: int, p: int) -> dict[int, list[_Lot]]:
    lots: dict[int, list[_Lot]] = defaultdict(list)
    for (hh, pp, age), kg in sorted(data.initial.items()):
        if (hh, pp) == (h, p) and kg > KG_EPS:
            origin = OrderSource("", Fate.FROM_STOCK, 0.0, stock_age_days=age)
            lots[age].append(_Lot(origin, kg))
    return lots


def _trace_pair(
    data: InventoryData,
    pair: tuple[int, int],
    tasks: list[PickupTask],
    ages: AgeRows,
    demand: dict[int, _Demand],
    out: dict[tuple[str, OrderSource], float],
) -> None:
    """Follow the lots of one (lp, product) through the horizon; book what orders get."""
    h, p = pair
    life = data.life_days[p]
    lots = _initial_lots(data, h, p)
    for d in range(data.horizon):
        rows = ages.get((d, h, p), {})
        if d == 0:
            lots[0] += [
                _Lot(OrderSource("", Fate.COLLECTED, 0.0, task_id=t.task_id), t.kg) for t in tasks
            ]
        elif rows.get(0, (0.0, 0.0))[1] > KG_EPS:
            origin = OrderSource("", Fate.LATER_DAY, 0.0, collect_day=d)
            lots[0].append(_Lot(origin, rows[0][1]))
        today = demand.get(d, _Demand([]))
        for age in sorted(rows, reverse=True):
            _, _, shipped, spoiled, _ = rows[age]
            for lot, kg in _take(lots[age], shipped):
                today.give(lot, kg, out)
            _take(lots[age], spoiled)
        lots = defaultdict(list, {a + 1: q for a, q in lots.items() if q and a + 1 < life})


def trace_orders(
    data: InventoryData,
    tasks: list[PickupTask],
    ages: AgeRows,
    shipments: OrderShipments,
    need_kg: dict[str, float],
) -> tuple[list[PickupTask], tuple[OrderSource, ...]]:
    """Today's tasks with the orders whose kg they carry, and every order's sources.

    ``need_kg`` is each order's kg not lost; a gap up to :data:`SETTLE_TOLERANCE_KG`
    between it and the kg traced (rounding noise) is settled on the order's largest source.
    """
    ship_by = {o.order_id: o.ship_by for o in data.scenario.orders}
    by_pair: dict[tuple[int, int], dict[int, _Demand]] = defaultdict(dict)
    for (d, h, p), rows in shipments.items():
        ordered = sorted(rows, key=lambda r: (ship_by[r[0]], r[0]))
        by_pair[(h, p)][d] = _Demand([_Need(oid, kg) for oid, kg in ordered])
    lp_ix = {lp: i for i, lp in enumerate(data.lp_ids)}
    prod_ix = {pid: i for i, pid in enumerate(data.product_ids)}
    tasks_of: dict[tuple[int, int], list[PickupTask]] = defaultdict(list)
    for t in tasks:
        tasks_of[(lp_ix[t.logistics_point_id], prod_ix[t.product_id])].append(t)
    out: dict[tuple[str, OrderSource], float] = {}
    pairs = {(h, p) for (_, h, p) in ages} | set(tasks_of) | set(by_pair)
    for pair in sorted(pairs):
        _trace_pair(data, pair, tasks_of.get(pair, []), ages, by_pair.get(pair, {}), out)
    sources = _settled(out, need_kg)
    carried: dict[str, list[str]] = defaultdict(list)
    for s in sources:
        if s.fate is Fate.COLLECTED and s.order_id not in carried[s.task_id]:
            carried[s.task_id].append(s.order_id)
    with_orders = [replace(t, order_ids=tuple(carried.get(t.task_id, ()))) for t in tasks]
    return with_orders, sources


def _settled(
    traced: dict[tuple[str, OrderSource], float], need_kg: dict[str, float]
) -> tuple[OrderSource, ...]:
    """The traced kg as sources (in tracing order); an order's rounding gap to its need
    goes to its largest source."""
    kg_of: dict[str, float] = defaultdict(float)
    largest: dict[str, tuple[str, OrderSource]] = {}
    for key, kg in traced.items():
        oid = key[0]
        kg_of[oid] += kg
        if oid not in largest or kg > traced[largest[oid]]:
            largest[oid] = key
    for oid, key in largest.items():
        gap = need_kg.get(oid, kg_of[oid]) - kg_of[oid]
        if abs(gap) <= SETTLE_TOLERANCE_KG:
            traced[key] += gap
    return tuple(
        replace(origin, order_id=oid, kg=round(kg, 6))
        for (oid, origin), kg in traced.items()
        if kg > KG_EPS
    )
