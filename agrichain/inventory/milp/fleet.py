"""Fleet rows: what reaches a logistics point is carried by vehicles able to reach it, and
each vehicle's day is spent once.

Per day ``d``, vehicle class ``g`` (:class:`~agrichain.inventory.fleet.FleetClass`) and
point ``h`` it can reach, ``t[d,g,h]`` is the vehicle-days the class spends on ``h``
(one vehicle's whole day brings ``K[g,h]`` kg, of which a share ``s[g,h]`` may be
cold-chain goods):

* fleet: ``Σ_h t[d,g,h] <= vehicles in g``;
* point: ``Σ_p recv[d,h,p] <= Σ_g K[g,h] · t[d,g,h]``;
* cold chain: ``Σ_{p cold} recv[d,h,p] <= Σ_g K[g,h] · s[g,h] · t[d,g,h]`` (refrigerated
  classes only).

An ATP MILP keeps the other products' receipts as constants in the point rows. A day
whose receipts the fleet can carry even at their upper bounds (each class splitting
its day among the points in proportion to their need) gets no rows.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pulp

from agrichain.inventory.data import KG_EPS, InventoryData
from agrichain.inventory.fleet import MIN_FLEET_KG
from agrichain.inventory.milp.problem import BuiltMilp, Key3, MilpBuilder, Term
from agrichain.inventory.milp.scope import MilpScope

#: Vehicle-days left below which a vehicle class counts as fully used.
FULL_TOLERANCE = 1e-6


def _day_carried(scope: MilpScope, inflow_ub: dict[Key3, float], d: int) -> bool:
    """Whether the fleet carries day ``d``'s receipts at their bounds (plus the other
    products' receipts of an ATP MILP), every vehicle spending on each point the share
    of its day the point needs (all goods or cold-chain, the larger): then the day needs
    no fleet rows."""
    reach = scope.data.transport_kg
    total = 0.0
    for h in range(len(scope.data.lp_ids)):
        share = 0.0
        for c in (0, 1):
            kg = inflow_ub.get((d, h, c), 0.0) + float(scope.transport_used[d, h, c])
            if kg <= KG_EPS:
                continue
            if reach[h, c] <= MIN_FLEET_KG:
                return False
            share = max(share, kg / reach[h, c])
        total += share
    return total <= 1.0 + KG_EPS


def add_fleet_rows(
    b: MilpBuilder,
    m: BuiltMilp,
    scope: MilpScope,
    transport_terms: dict[Key3, list[Term]],
    inflow_ub: dict[Key3, float],
) -> None:
    """The fleet, point and cold-chain rows of every day the fleet may not carry at once."""
    fleet = scope.data.fleet
    used = scope.transport_used
    days = sorted(
        {d for d, _, _ in transport_terms} | {int(x) for x in np.flatnonzero(used.sum(axis=(1, 2)))}
    )
    for d in days:
        if _day_carried(scope, inflow_ub, d):
            continue
        points = sorted(
            {h for dd, h, _ in transport_terms if dd == d}
            | {int(x) for x in np.flatnonzero(used[d, :, 0])}
        )
        carried: dict[tuple[int, int], list[Term]] = {(h, c): [] for h in points for c in (0, 1)}
        for g, cls in enumerate(fleet.classes):
            row: list[Term] = []
            for h in points:
                if cls.kg_per_day[h] <= MIN_FLEET_KG:
                    continue
                t = b.var(ub=float(cls.count))
                m.fleet_days[(d, g, h)] = t
                row.append((t, 1.0))
                carried[(h, 0)].append((t, -float(cls.kg_per_day[h])))
                cold_kg = float(cls.kg_per_day[h] * cls.cold_share[h])
                if cold_kg > MIN_FLEET_KG:
                    carried[(h, 1)].append((t, -cold_kg))
            if len(row) > 1:
                b.row(row, pulp.LpConstraintLE, float(cls.count))
        for (h, c), vehicles in carried.items():
            terms = transport_terms.get((d, h, c), [])
            if terms or used[d, h, c] > KG_EPS:
                b.row([*terms, *vehicles], pulp.LpConstraintLE, -float(used[d, h, c]))


def _class_days_used(data: InventoryData, m: BuiltMilp, d: int, g: int) -> float:
    keys = ((d, g, h) for h in range(len(data.lp_ids)))
    return sum(m.fleet_days[k].varValue or 0.0 for k in keys if k in m.fleet_days)


def no_vehicle_reason(data: InventoryData, h: int, p: int) -> str | None:
    """Why nothing of product ``p`` can come to point ``h`` if no vehicle can reach it."""
    cold = int(data.cold[p])
    if data.transport_kg[h, cold] > MIN_FLEET_KG or not data.fleet.collectable[h]:
        return None
    kind = "refrigerated vehicle" if cold else "vehicle"
    hub, pid = data.lp_ids[h], data.product_ids[p]
    return f"no {kind} can reach {hub} within its shift to collect {pid}"


def _received_kg(data: InventoryData, m: BuiltMilp, d: int, h: int, cold: bool) -> float:
    keys = ((d, h, p) for p in range(len(data.product_ids)) if data.cold[p] or not cold)
    return sum(m.recv[k].varValue or 0.0 for k in keys if k in m.recv)


def _fleet_full(data: InventoryData, m: BuiltMilp, d: int, h: int, cold: bool) -> bool:
    """Whether every vehicle able to bring (cold-chain) goods to ``h`` is used all day ``d``:
    its class has no vehicle-day left or, on a day without fleet rows, ``h`` receives what
    all of them could bring (the arcs' bounds held it)."""
    classes = data.fleet.reaching(h, cold)
    if not classes:
        return False
    if any((d, g, hh) in m.fleet_days for g in classes for hh in range(len(data.lp_ids))):
        return all(
            _class_days_used(data, m, d, g) >= data.fleet.classes[g].count - FULL_TOLERANCE
            for g in classes
        )
    cap = m.transport_cap.get((d, h, int(cold)), 0.0)
    return cap > MIN_FLEET_KG and _received_kg(data, m, d, h, cold) >= cap - 1e-4


def fleet_full_reason(data: InventoryData, m: BuiltMilp, h: int, p: int, days: range) -> str | None:
    """The first day of ``days`` on which every vehicle able to bring product ``p`` to point
    ``h`` is used all day (as the solved MILP has it), worded as a shortfall reason."""
    cold = bool(data.cold[p])
    for d in days:
        if _fleet_full(data, m, d, h, cold):
            date = data.scenario.settings.planning_date + dt.timedelta(days=d)
            kind = "refrigerated vehicles" if cold else "vehicles"
            return f"the {kind} able to reach {data.lp_ids[h]} are fully used on {date.isoformat()}"
    return None


__all__ = ["FULL_TOLERANCE", "add_fleet_rows", "fleet_full_reason", "no_vehicle_reason"]
