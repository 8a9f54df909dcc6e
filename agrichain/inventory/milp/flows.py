"""Harvest flows farm → logistics point, receipts (with their fleet rows) and links."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pulp

from agrichain.inventory.data import KG_EPS, InventoryData
from agrichain.inventory.milp.fleet import add_fleet_rows
from agrichain.inventory.milp.problem import BuiltMilp, Key3, MilpBuilder, Term
from agrichain.inventory.milp.scope import MilpScope

LinkFlow = tuple[pulp.LpVariable, float, int]
"""An arc of a link: (x variable, its bound in kg, its column)."""


@dataclass
class _Arcs:
    """The farm → logistics point flows created, by the rows they enter."""

    supply_terms: dict[Key3, list[Term]] = field(default_factory=lambda: defaultdict(list))
    recv_terms: dict[Key3, list[Term]] = field(default_factory=lambda: defaultdict(list))
    inflow_ub: dict[Key3, float] = field(default_factory=lambda: defaultdict(float))
    link_flows: dict[Key3, list[LinkFlow]] = field(default_factory=lambda: defaultdict(list))


# --- flows farm -> logistics point -----------------------------------------------------------
# An arc exists if the goods can get there in time and still meet some demand fresh; its
# bound is min(supply, reachable demand, fleet kg, storage room): with costs >= 0, some
# optimal plan never brings more than that, and a tight bound is a tight big-M.


def add_flows(b: MilpBuilder, m: BuiltMilp, scope: MilpScope) -> dict[Key3, list[LinkFlow]]:
    """``x`` and ``recv`` with their supply and fleet rows; returns the arcs of each link."""
    arcs = _add_arcs(b, m, scope)
    _add_supply_rows(b, scope.data, arcs)
    add_fleet_rows(b, m, scope, _add_receipts(b, m, scope, arcs), arcs.inflow_ub)
    return arcs.link_flows


def _arc_bounds(scope: MilpScope, d: int, f: int, p: int, supply_kg: float) -> np.ndarray:
    """kg per logistics point that farm ``f`` may bring of product ``p`` on day ``d``."""
    c = int(scope.cold[p])
    ub: np.ndarray = np.minimum.reduce(
        [
            np.full(len(scope.data.lp_ids), supply_kg),
            scope.reach[d, :, p],
            scope.transport[d, :, c],
            scope.transport[d, :, 0],
            scope.storage[d, :, c],
        ]
    )
    ub[~scope.data.arc_ok[f, :, p]] = 0.0
    return ub


def _add_arcs(b: MilpBuilder, m: BuiltMilp, scope: MilpScope) -> _Arcs:
    data = scope.data
    km_cost = data.options.transport_cost_per_kg_km
    arcs = _Arcs()
    for (d, f, p), s_kg in sorted(data.supply.items()):
        if p not in scope.products:
            continue
        c = int(scope.cold[p])
        ub = _arc_bounds(scope, d, f, p, s_kg)
        for h in np.flatnonzero(ub > KG_EPS).tolist():
            bound = float(ub[h])
            v = b.var(ub=bound, cost=km_cost * float(data.distance_km[f, h]), comp="transport")
            m.x[(d, f, h, p)] = v
            arcs.supply_terms[(d, f, p)].append((v, 1.0))
            arcs.recv_terms[(d, h, p)].append((v, -1.0))
            arcs.inflow_ub[(d, h, 0)] += bound
            arcs.inflow_ub[(d, h, 1)] += bound if c else 0.0
            if scope.with_links:
                arcs.link_flows[(d, f, h)].append((v, bound, len(b.columns) - 1))
    return arcs


def _add_supply_rows(b: MilpBuilder, data: InventoryData, arcs: _Arcs) -> None:
    for (d, f, p), terms in arcs.supply_terms.items():
        if len(terms) > 1:
            b.row(terms, pulp.LpConstraintLE, data.supply[(d, f, p)])


def _add_receipts(
    b: MilpBuilder, m: BuiltMilp, scope: MilpScope, arcs: _Arcs
) -> dict[Key3, list[Term]]:
    """``recv`` per (day, lp, product); returns the receipts per (day, lp, fleet class)."""
    transport_terms: dict[Key3, list[Term]] = defaultdict(list)
    for (d, h, p), terms in sorted(arcs.recv_terms.items()):
        r = b.var()
        m.recv[(d, h, p)] = r
        b.row([(r, 1.0), *terms], pulp.LpConstraintEQ, 0.0)
        transport_terms[(d, h, 0)].append((r, 1.0))
        if scope.cold[p]:
            transport_terms[(d, h, 1)].append((r, 1.0))
    return transport_terms


# --- links -------------------------------------------------------------------------------------
# On the first ``integer_days`` days (day 0 by default) a used link costs its fixed cost: a
# binary y with one big-M row per product (the arc's bound) and, if the fleet is the tighter
# limit, one on the sum. On later days the fixed cost is charged per kg at F / M, M = what the
# link can carry that day (the LP relaxation of the aggregated big-M).


def add_links(
    b: MilpBuilder, m: BuiltMilp, scope: MilpScope, link_flows: dict[Key3, list[LinkFlow]]
) -> None:
    """Per link and day: a binary ``y`` with its big-M rows, or the fixed cost per kg."""
    opt = scope.data.options
    n_int = min(opt.integer_days, scope.data.horizon)
    for (d, f, h), flows in sorted(link_flows.items()):
        total_ub = sum(ub for _, ub, _ in flows)
        agg = min(total_ub, m.transport_cap[(d, h, 0)])
        if d >= n_int:
            for _, _, i in flows:
                b.add_cost(i, "link", opt.link_fixed_cost / agg)
            continue
        yv = b.var(cost=opt.link_fixed_cost, comp="link", binary=True)
        m.y[(d, f, h)] = yv
        for v, ub, _ in flows:
            b.row([(v, 1.0), (yv, -ub)], pulp.LpConstraintLE, 0.0)
        if len(flows) > 1 and agg < total_ub - KG_EPS:
            b.row([*((v, 1.0) for v, _, _ in flows), (yv, -agg)], pulp.LpConstraintLE, 0.0)
