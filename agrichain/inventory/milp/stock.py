"""Demand (lost sales, ship days) and FIFO stock (balance, shelf life, storage room)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pulp

from agrichain.inventory.data import KG_EPS, Bucket
from agrichain.inventory.milp.problem import BuiltMilp, Key3, MilpBuilder, Term
from agrichain.inventory.milp.scope import MilpScope
from agrichain.model import Product


@dataclass
class Shipments:
    """Per (day, lp, product): the terms and constant of what must ship that day."""

    terms: dict[Key3, list[Term]] = field(default_factory=lambda: defaultdict(list))
    kg: dict[Key3, float] = field(default_factory=lambda: defaultdict(float))


@dataclass
class _StorageUse:
    """Per (day, lp, class): the inflow terms and constant kg that occupy storage."""

    terms: dict[Key3, list[Term]] = field(default_factory=lambda: defaultdict(list))
    kg: dict[Key3, float] = field(default_factory=lambda: defaultdict(float))


# --- demand ------------------------------------------------------------------------------------


def _lost_sales_cost(scope: MilpScope, bk: Bucket) -> float:
    """Cost per lost kg of ``bk`` (none in an ATP MILP)."""
    weight = 1.0 if bk.kind == "order" else scope.data.options.forecast_weight
    cost = scope.data.scenario.products[bk.product].lost_sales_cost_per_kg * weight
    return cost if scope.restriction is None else 0.0


def add_demand(b: MilpBuilder, m: BuiltMilp, scope: MilpScope) -> Shipments:
    """``lost``, ``serve`` (and for ATP ``extra``) per demand bucket; what each day must ship."""
    shipments = Shipments()
    for bk in scope.data.buckets:
        if bk.product not in scope.products:
            continue
        lost = b.var(ub=bk.kg, cost=_lost_sales_cost(scope, bk), comp="lost_sales")
        m.lost[bk.index] = lost
        if bk.release_day == bk.due_day:
            key = (bk.due_day, bk.lp, bk.product)
            shipments.terms[key].append((lost, 1.0))
            shipments.kg[key] += bk.kg
        else:
            row: list[Term] = [(lost, 1.0)]
            for d in bk.ship_days:
                s = b.var(ub=bk.kg)
                m.serve[(bk.index, d)] = s
                row.append((s, 1.0))
                shipments.terms[(d, bk.lp, bk.product)].append((s, -1.0))
            b.row(row, pulp.LpConstraintEQ, bk.kg)
    if scope.restriction is not None:
        product = scope.restriction.product
        for key_x, (h, day) in scope.restriction.extra.items():
            e = b.var(ub=0.0)
            m.extra[key_x] = e
            shipments.terms[(day, h, product)].append((e, -1.0))
    return shipments


# --- stock, issued FIFO ------------------------------------------------------------------------


def add_stock(b: MilpBuilder, m: BuiltMilp, scope: MilpScope, shipments: Shipments) -> None:
    """``issue``, ``waste`` and ``stock`` per (day, lp, product) with anything to hold: their
    balance, shipping, shelf-life and storage rows."""
    use = _StorageUse()
    init_by_hp: dict[tuple[int, int], dict[int, float]] = defaultdict(dict)
    for (h, p, a), kg in scope.data.initial.items():
        if p in scope.products:
            init_by_hp[(h, p)][a] = kg
    pairs = sorted(
        {(h, p) for (_, h, p) in m.recv}
        | set(init_by_hp)
        | {(h, p) for (_, h, p) in shipments.terms}
    )
    for h, p in pairs:
        _add_stock_of(b, m, scope, shipments, use, (h, p), init_by_hp.get((h, p), {}))
    _add_storage_rows(b, m, use)


def _add_stock_of(
    b: MilpBuilder,
    m: BuiltMilp,
    scope: MilpScope,
    shipments: Shipments,
    use: _StorageUse,
    pair: tuple[int, int],
    init: dict[int, float],
) -> None:
    """Day by day: inflow (opening stock, receipts) = issued + spoiled + kept overnight."""
    h, p = pair
    prod = scope.data.scenario.products[p]
    c = int(scope.cold[p])
    opening: list[Term] = []
    opening_kg = sum(init.values())
    for d in range(scope.data.horizon):
        key = (d, h, p)
        received = m.recv.get(key)
        shippable = key in shipments.terms
        if received is None and not opening and opening_kg <= KG_EPS and not shippable:
            continue
        inflow: list[Term] = list(opening)
        if received is not None:
            inflow.append((received, 1.0))
        out = _add_outflows(b, m, shipments, prod, key)
        closing = _add_closing_stock(b, m, scope, prod, key, init)
        b.row([*out, *closing, *((v, -k) for v, k in inflow)], pulp.LpConstraintEQ, opening_kg)
        use.terms[(d, h, c)] += inflow
        use.kg[(d, h, c)] += opening_kg
        opening, opening_kg = closing, 0.0


def _add_outflows(
    b: MilpBuilder, m: BuiltMilp, shipments: Shipments, prod: Product, key: Key3
) -> list[Term]:
    """``issue`` (if anything may ship) and ``waste`` of (day, lp, product)."""
    out: list[Term] = []
    if key in shipments.terms:
        v = b.var()
        m.issue[key] = v
        out.append((v, 1.0))
        b.row([(v, 1.0), *shipments.terms[key]], pulp.LpConstraintEQ, shipments.kg[key])
    w = b.var(cost=prod.spoilage_cost_per_kg, comp="spoilage")
    m.waste[key] = w
    out.append((w, 1.0))
    return out


def _add_closing_stock(
    b: MilpBuilder, m: BuiltMilp, scope: MilpScope, prod: Product, key: Key3, init: dict[int, float]
) -> list[Term]:
    """``stock`` kept overnight (none if the product lasts one day) and its shelf-life row."""
    d, h, p = key
    life = scope.data.life_days[p]
    if life < 2:
        return []
    st = b.var(cost=prod.holding_cost_per_kg_day, comp="holding")
    m.stock[key] = st
    # kept overnight <= received on days d-L+2 .. d (initial stock: on day -age)
    first = d - life + 2
    if first > -max(init, default=0):
        window = [
            (m.recv[(dd, h, p)], -1.0) for dd in range(max(first, 0), d + 1) if (dd, h, p) in m.recv
        ]
        young = sum(kg for a, kg in init.items() if -a >= first)
        b.row([(st, 1.0), *window], pulp.LpConstraintLE, young)
    return [(st, 1.0)]


def _add_storage_rows(b: MilpBuilder, m: BuiltMilp, use: _StorageUse) -> None:
    for key, terms in use.terms.items():
        if terms:
            room = m.storage_cap[key] - use.kg[key]
            b.row(terms, pulp.LpConstraintLE, max(room, 0.0))
