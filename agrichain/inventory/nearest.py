"""The nearest-farm rule: a simple, documented allocator without a solver."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from agrichain.allocation import KG_TOLERANCE, Allocation, OrderSource, PickupTask, Shortfall
from agrichain.geo import haversine_km
from agrichain.model import Order, Scenario
from agrichain.plan import Fate

FlowKey = tuple[str, str, str]
"""(farm, product, logistics point) of a pickup task."""


def _storage_room(scenario: Scenario) -> dict[tuple[str, bool], float]:
    room: dict[tuple[str, bool], float] = {}
    for lp in scenario.logistics_points:
        room[(lp.logistics_point_id, False)] = lp.ambient_capacity_kg
        room[(lp.logistics_point_id, True)] = lp.cold_capacity_kg
    return room


class NearestFarmAllocator:
    """Greedy rule: each order, earliest ship-by first, takes today's harvest from the
    farms nearest (great-circle) to its logistics point, respecting farm supply and the
    logistics point's ambient or cold storage capacity. Whatever remains is a shortfall.
    Every kg it allocates is collected today; it ignores stock and later days.

    Ties are broken by ids, so the result is deterministic.
    """

    def allocate(self, scenario: Scenario) -> Allocation:
        supply = dict(scenario.supply_on(0))
        room = _storage_room(scenario)
        farm_ids = [f.farm_id for f in scenario.farms]
        lp_ids = [p.logistics_point_id for p in scenario.logistics_points]
        lat = [f.lat for f in scenario.farms] + [p.lat for p in scenario.logistics_points]
        lon = [f.lon for f in scenario.farms] + [p.lon for p in scenario.logistics_points]
        dist = haversine_km(lat, lon)[len(farm_ids) :, : len(farm_ids)]
        nearest = {
            lp: [farm_ids[j] for j in np.lexsort((farm_ids, dist[i]))]
            for i, lp in enumerate(lp_ids)
        }
        # kg per (farm, product, lp), and per order the kg it takes from each
        flows: dict[FlowKey, float] = defaultdict(float)
        served_by: dict[FlowKey, dict[str, float]] = defaultdict(dict)
        shortfalls: list[Shortfall] = []
        orders: list[Order] = sorted(scenario.orders, key=lambda o: (o.ship_by, o.order_id))
        for order in orders:
            product = scenario.product[order.product_id]
            lp = scenario.order_logistics_point(order)
            need = scenario.order_kg(order)
            cold = product.needs_cold_chain
            for farm in nearest[lp]:
                if need <= KG_TOLERANCE:
                    break
                avail = supply.get((farm, order.product_id), 0.0)
                take = min(need, avail, room[(lp, cold)])
                if take <= KG_TOLERANCE:
                    if room[(lp, cold)] <= KG_TOLERANCE:
                        break
                    continue
                supply[(farm, order.product_id)] = avail - take
                room[(lp, cold)] -= take
                key = (farm, order.product_id, lp)
                flows[key] += take
                served_by[key][order.order_id] = take
                need -= take
            if need > KG_TOLERANCE:
                if room[(lp, cold)] <= KG_TOLERANCE:
                    store = "cold" if cold else "ambient"
                    reason = f"{store} storage at {lp} is full"
                else:
                    reason = f"not enough harvest of {order.product_id} on the planning date"
                shortfalls.append(Shortfall(order.order_id, order.product_id, lp, need, reason))
        tasks = tuple(
            PickupTask(
                task_id=f"T{n:05d}",
                farm_id=farm,
                product_id=product,
                kg=round(kg, 6),
                logistics_point_id=lp,
                order_ids=tuple(served_by[(farm, product, lp)]),
            )
            for n, ((farm, product, lp), kg) in enumerate(sorted(flows.items()), start=1)
        )
        sources = tuple(
            OrderSource(order_id=oid, fate=Fate.COLLECTED, kg=kg, task_id=task.task_id)
            for task in tasks
            for oid, kg in served_by[
                (task.farm_id, task.product_id, task.logistics_point_id)
            ].items()
        )
        return Allocation(
            tasks=tasks,
            shortfalls=tuple(shortfalls),
            method="nearest-farm",
            status="heuristic",
            order_sources=sources,
        )
