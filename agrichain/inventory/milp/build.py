"""Assemble the MILP: scope, flows, links, demand, stock, objective."""

from __future__ import annotations

import time

import numpy as np
import pulp

from agrichain.inventory.data import InventoryData
from agrichain.inventory.milp.flows import add_flows, add_links
from agrichain.inventory.milp.problem import BuiltMilp, MilpBuilder, Restriction
from agrichain.inventory.milp.scope import MilpScope, milp_scope
from agrichain.inventory.milp.stock import add_demand, add_stock


def build_milp(
    data: InventoryData, restriction: Restriction | None = None, name: str = "inventory"
) -> BuiltMilp:
    """The cost-minimising planning MILP (or, with ``restriction``, an ATP MILP)."""
    t0 = time.perf_counter()
    b = MilpBuilder(name)
    m = BuiltMilp(prob=b.prob, data=data)
    scope = milp_scope(data, restriction)
    _record_capacities(m, scope)
    add_links(b, m, scope, add_flows(b, m, scope))
    add_stock(b, m, scope, add_demand(b, m, scope))
    _set_objective(b, m, restriction)
    m.n_rows = b.n_rows
    m.build_s = time.perf_counter() - t0
    return m


def _record_capacities(m: BuiltMilp, scope: MilpScope) -> None:
    D, H = scope.data.horizon, len(scope.data.lp_ids)
    for d in range(D):
        for h in range(H):
            for c in (0, 1):
                m.storage_cap[(d, h, c)] = float(scope.storage[d, h, c])
                m.transport_cap[(d, h, c)] = float(scope.transport[d, h, c])


def _set_objective(b: MilpBuilder, m: BuiltMilp, restriction: Restriction | None) -> None:
    """Minimise cost; an ATP MILP maximises its extra sales instead."""
    m.columns = b.columns
    m.cost = np.asarray(b.cost, dtype=float)
    if b.parts:
        cols, comps, coefs = zip(*b.parts, strict=True)
        m.cost_parts = (np.asarray(cols), np.asarray(comps), np.asarray(coefs, dtype=float))
    if restriction is None:
        nz = np.flatnonzero(m.cost)
        b.prob.setObjective(
            pulp.LpAffineExpression([(b.columns[i], float(m.cost[i])) for i in nz.tolist()])
        )
    else:
        b.prob.sense = pulp.LpMaximize
        b.prob.setObjective(pulp.LpAffineExpression([(e, 1.0) for e in m.extra.values()]))
