"""The PuLP model of the multi-day perishable allocation (see ``docs/inventory.md``).

Decisions per day ``d``, farm ``f``, logistics point ``h`` and product ``p``:

* ``x[d,f,h,p]`` kg harvested at ``f`` and brought to ``h`` (age 0 on arrival), and
  ``recv[d,h,p]`` their sum;
* ``issue[d,h,p]`` kg shipped to customers, ``stock[d,h,p]`` kg kept overnight,
  ``waste[d,h,p]`` kg thrown away (spoiled);
* ``lost[k]`` kg of demand bucket ``k`` not shipped, ``serve[k,d]`` kg of a bucket
  with several possible ship days shipped on day ``d``;
* ``y[d,f,h]`` 1 if the link ``f → h`` is used on day ``d`` (only when
  ``link_fixed_cost > 0``).

Stock leaves first-in-first-out, so the stock by age follows from these flows
(:func:`agrichain.inventory.result.stock_by_age` rebuilds it) and the shelf life
is one row per day: what is kept overnight must have been received within the
last ``L - 1`` days. FIFO loses nothing: whatever an issuing order keeps fresh,
FIFO keeps fresh too (it always leaves the youngest kg), and no cost depends on
the age of the kg shipped.

Expressions are built from ``(variable, coefficient)`` lists with
``LpAffineExpression`` (linear time), never with ``+`` in loops.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pulp

from agrichain.inventory.data import KG_EPS, InventoryData

Key3 = tuple[int, int, int]
Key4 = tuple[int, int, int, int]
Term = tuple[pulp.LpVariable, float]

#: Names of the cost components, in reporting order.
COMPONENTS = ("transport", "link", "holding", "spoilage", "lost_sales")


@dataclass
class Restriction:
    """An ATP model: one product only, capacities net of the other products' plan."""

    product: int
    storage_used_kg: dict[Key3, float]
    """kg of other products on hand per (day, lp, class 0 = ambient / 1 = cold)."""
    transport_used_kg: dict[Key3, float]
    """kg of other products brought in per (day, lp, class 0 = all / 1 = cold)."""
    extra: dict[int, tuple[int, int]] = field(default_factory=dict)
    """Extra-sales variables to create: key → (lp, ship day)."""


@dataclass
class BuiltModel:
    """A PuLP problem with its variables indexed by meaning."""

    prob: pulp.LpProblem
    data: InventoryData
    x: dict[Key4, pulp.LpVariable] = field(default_factory=dict)
    recv: dict[Key3, pulp.LpVariable] = field(default_factory=dict)
    y: dict[Key3, pulp.LpVariable] = field(default_factory=dict)
    stock: dict[Key3, pulp.LpVariable] = field(default_factory=dict)
    """Closing stock (kept overnight) per (day, lp, product)."""
    waste: dict[Key3, pulp.LpVariable] = field(default_factory=dict)
    issue: dict[Key3, pulp.LpVariable] = field(default_factory=dict)
    serve: dict[tuple[int, int], pulp.LpVariable] = field(default_factory=dict)
    lost: dict[int, pulp.LpVariable] = field(default_factory=dict)
    extra: dict[int, pulp.LpVariable] = field(default_factory=dict)
    """ATP only: extra kg sold, by the key given in the restriction."""
    columns: list[pulp.LpVariable] = field(default_factory=list)
    """Every variable, in creation order (the solver's column order)."""
    cost: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """Objective coefficient per column."""
    cost_parts: tuple[np.ndarray, np.ndarray, np.ndarray] = field(
        default_factory=lambda: (np.zeros(0, int), np.zeros(0, int), np.zeros(0))
    )
    """(column, index into :data:`COMPONENTS`, coefficient) of every cost term."""
    storage_cap: dict[Key3, float] = field(default_factory=dict)
    """(day, lp, class) → storage capacity used in the model."""
    transport_cap: dict[Key3, float] = field(default_factory=dict)
    """(day, lp, class 0 = all / 1 = cold) → kg per day."""
    n_rows: int = 0
    build_s: float = 0.0

    def values(self) -> np.ndarray:
        """Column values of the last solve (0 where unset)."""
        return np.array([v.varValue or 0.0 for v in self.columns], dtype=float)

    def cost_by_component(self, values: np.ndarray | None = None) -> dict[str, float]:
        """Objective split into :data:`COMPONENTS`."""
        vals = self.values() if values is None else values
        col, comp, coef = self.cost_parts
        total = np.zeros(len(COMPONENTS))
        np.add.at(total, comp, coef * vals[col])
        return {name: float(total[i]) for i, name in enumerate(COMPONENTS)}


class _Builder:
    """Collects variables, their costs and rows; one instance builds one model."""

    def __init__(self, name: str) -> None:
        self.prob = pulp.LpProblem(name, pulp.LpMinimize)
        self.columns: list[pulp.LpVariable] = []
        self.cost: list[float] = []
        self.parts: list[tuple[int, int, float]] = []
        self.n_rows = 0

    def var(
        self, ub: float | None = None, cost: float = 0.0, comp: str = "", binary: bool = False
    ) -> pulp.LpVariable:
        cat = pulp.LpBinary if binary else pulp.LpContinuous
        v: pulp.LpVariable = self.prob.add_variable(f"v{len(self.columns)}", 0.0, ub, cat)
        self.columns.append(v)
        self.cost.append(cost)
        if cost:
            self.parts.append((len(self.columns) - 1, COMPONENTS.index(comp), cost))
        return v

    def add_cost(self, column: int, comp: str, cost: float) -> None:
        self.cost[column] += cost
        self.parts.append((column, COMPONENTS.index(comp), cost))

    def row(self, terms: list[Term], sense: int, rhs: float) -> None:
        self.n_rows += 1
        expr = pulp.LpAffineExpression(terms)
        self.prob.addConstraint(pulp.LpConstraint(expr, sense, f"c{self.n_rows}", rhs))


def _capacities(
    data: InventoryData, restriction: Restriction | None
) -> tuple[np.ndarray, np.ndarray]:
    """(D, H, 2) storage and transport kg per day (net of other products for ATP)."""
    D, H = data.horizon, len(data.lp_ids)
    storage = np.repeat(data.storage_kg[None, :, :], D, axis=0).astype(float)
    transport = np.repeat(data.transport_kg[None, :, :], D, axis=0).astype(float)
    init_class = np.zeros((H, 2))
    for (h, p, _), kg in data.initial.items():
        init_class[h, int(data.cold[p])] += kg
    storage[0] = np.maximum(storage[0], init_class)  # stock on hand may exceed the room
    if restriction is not None:
        for (d, h, c), kg in restriction.storage_used_kg.items():
            storage[d, h, c] -= kg
        for (d, h, c), kg in restriction.transport_used_kg.items():
            transport[d, h, c] -= kg
        transport[:, :, 1] = np.minimum(transport[:, :, 1], transport[:, :, 0])
    return np.maximum(storage, 0.0), np.maximum(transport, 0.0)


def _reach(data: InventoryData, products: list[int], restriction: Restriction | None) -> np.ndarray:
    """(D, H, P) demand kg that goods received on a day could still serve fresh."""
    D, H, P = data.horizon, len(data.lp_ids), len(data.product_ids)
    reach = np.zeros((D, H, P))
    for (h, p), ks in data.by_lp_product.items():
        if p not in products:
            continue
        life = data.life_days[p]
        for k in ks:
            bk = data.buckets[k]
            lo = max(0, bk.release_day - life + 1)
            reach[lo : bk.due_day + 1, h, p] += bk.kg
    if restriction is not None:
        p = restriction.product
        life = data.life_days[p]
        for h, day in restriction.extra.values():
            reach[max(0, day - life + 1) : day + 1, h, p] = np.inf
    return reach


def build_model(
    data: InventoryData, restriction: Restriction | None = None, name: str = "inventory"
) -> BuiltModel:
    """The cost-minimising planning model (or, with ``restriction``, an ATP model)."""
    t0 = time.perf_counter()
    opt = data.options
    b = _Builder(name)
    m = BuiltModel(prob=b.prob, data=data)
    D, H = data.horizon, len(data.lp_ids)
    products = (
        [restriction.product] if restriction is not None else list(range(len(data.product_ids)))
    )
    pset = set(products)
    storage, transport = _capacities(data, restriction)
    reach = _reach(data, products, restriction)
    for d in range(D):
        for h in range(H):
            for c in (0, 1):
                m.storage_cap[(d, h, c)] = float(storage[d, h, c])
                m.transport_cap[(d, h, c)] = float(transport[d, h, c])
    with_links = opt.link_fixed_cost > 0 and restriction is None
    cold = np.asarray(data.cold, dtype=int)

    # --- flows farm -> logistics point -----------------------------------------------------
    # An arc exists if the goods can get there in time and still meet some demand fresh;
    # its bound is min(supply, reachable demand, fleet kg, storage room): with costs >= 0,
    # some optimal plan never brings more than that, and a tight bound is a tight big-M.
    recv_terms: dict[Key3, list[Term]] = defaultdict(list)
    supply_terms: dict[Key3, list[Term]] = defaultdict(list)
    transport_terms: dict[Key3, list[Term]] = defaultdict(list)
    inflow_ub: dict[Key3, float] = defaultdict(float)
    link_flows: dict[Key3, list[tuple[pulp.LpVariable, float, int]]] = defaultdict(list)
    km_cost = opt.transport_cost_per_kg_km
    for (d, f, p), s_kg in sorted(data.supply.items()):
        if p not in pset:
            continue
        c = int(cold[p])
        ub = np.minimum.reduce(
            [
                np.full(H, s_kg),
                reach[d, :, p],
                transport[d, :, c],
                transport[d, :, 0],
                storage[d, :, c],
            ]
        )
        ub[~data.arc_ok[f, :, p]] = 0.0
        for h in np.flatnonzero(ub > KG_EPS).tolist():
            bound = float(ub[h])
            v = b.var(ub=bound, cost=km_cost * float(data.distance_km[f, h]), comp="transport")
            m.x[(d, f, h, p)] = v
            supply_terms[(d, f, p)].append((v, 1.0))
            recv_terms[(d, h, p)].append((v, -1.0))
            inflow_ub[(d, h, 0)] += bound
            inflow_ub[(d, h, 1)] += bound if c else 0.0
            if with_links:
                link_flows[(d, f, h)].append((v, bound, len(b.columns) - 1))
    for (d, f, p), terms in supply_terms.items():
        if len(terms) > 1:
            b.row(terms, pulp.LpConstraintLE, data.supply[(d, f, p)])
    for (d, h, p), terms in sorted(recv_terms.items()):
        r = b.var()
        m.recv[(d, h, p)] = r
        b.row([(r, 1.0), *terms], pulp.LpConstraintEQ, 0.0)
        transport_terms[(d, h, 0)].append((r, 1.0))
        if cold[p]:
            transport_terms[(d, h, 1)].append((r, 1.0))
    for (d, h, c), terms in transport_terms.items():
        cap = m.transport_cap[(d, h, c)]
        if c == 1 and cap >= m.transport_cap[(d, h, 0)]:
            continue  # implied by the all-vehicle row
        if inflow_ub[(d, h, c)] > cap + KG_EPS:
            b.row(terms, pulp.LpConstraintLE, cap)

    # --- links -------------------------------------------------------------------------------
    # On the first ``integer_days`` days (day 0 by default) a used link costs its fixed cost:
    # a binary y with one big-M row per product (the arc's bound) and, if the fleet is the
    # tighter limit, one on the sum. On later days the fixed cost is charged per kg at F / M,
    # M = what the link can carry that day (the LP relaxation of the aggregated big-M).
    n_int = min(opt.integer_days, D)
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

    # --- demand --------------------------------------------------------------------------------
    ship_terms: dict[Key3, list[Term]] = defaultdict(list)
    ship_rhs: dict[Key3, float] = defaultdict(float)
    for bk in data.buckets:
        if bk.product not in pset:
            continue
        weight = 1.0 if bk.kind == "order" else opt.forecast_weight
        lost_cost = data.scenario.products[bk.product].lost_sales_cost_per_kg * weight
        lost = b.var(ub=bk.kg, cost=lost_cost if restriction is None else 0.0, comp="lost_sales")
        m.lost[bk.index] = lost
        if bk.release_day == bk.due_day:
            key = (bk.due_day, bk.lp, bk.product)
            ship_terms[key].append((lost, 1.0))
            ship_rhs[key] += bk.kg
        else:
            row: list[Term] = [(lost, 1.0)]
            for d in bk.ship_days:
                s = b.var(ub=bk.kg)
                m.serve[(bk.index, d)] = s
                row.append((s, 1.0))
                ship_terms[(d, bk.lp, bk.product)].append((s, -1.0))
            b.row(row, pulp.LpConstraintEQ, bk.kg)
    if restriction is not None:
        for key_x, (h, day) in restriction.extra.items():
            e = b.var(ub=0.0)
            m.extra[key_x] = e
            ship_terms[(day, h, restriction.product)].append((e, -1.0))

    # --- stock, issued FIFO --------------------------------------------------------------------
    storage_terms: dict[Key3, list[Term]] = defaultdict(list)
    storage_const: dict[Key3, float] = defaultdict(float)
    init_by_hp: dict[tuple[int, int], dict[int, float]] = defaultdict(dict)
    for (h, p, a), kg in data.initial.items():
        if p in pset:
            init_by_hp[(h, p)][a] = kg
    pairs = sorted(
        {(h, p) for (_, h, p) in m.recv} | set(init_by_hp) | {(h, p) for (_, h, p) in ship_terms}
    )
    for h, p in pairs:
        prod = data.scenario.products[p]
        life = data.life_days[p]
        c = int(cold[p])
        init = init_by_hp.get((h, p), {})
        oldest = max(init, default=0)
        opening: list[Term] = []
        opening_kg = sum(init.values())
        for d in range(D):
            key = (d, h, p)
            received = m.recv.get(key)
            shippable = key in ship_terms
            if received is None and not opening and opening_kg <= KG_EPS and not shippable:
                continue
            inflow: list[Term] = list(opening)
            if received is not None:
                inflow.append((received, 1.0))
            out: list[Term] = []
            if shippable:
                v = b.var()
                m.issue[key] = v
                out.append((v, 1.0))
                b.row([(v, 1.0), *ship_terms[key]], pulp.LpConstraintEQ, ship_rhs[key])
            w = b.var(cost=prod.spoilage_cost_per_kg, comp="spoilage")
            m.waste[key] = w
            out.append((w, 1.0))
            closing: list[Term] = []
            if life >= 2:
                st = b.var(cost=prod.holding_cost_per_kg_day, comp="holding")
                m.stock[key] = st
                closing = [(st, 1.0)]
                # kept overnight <= received on days d-L+2 .. d (initial stock: on day -age)
                first = d - life + 2
                if first > -oldest:
                    window = [
                        (m.recv[(dd, h, p)], -1.0)
                        for dd in range(max(first, 0), d + 1)
                        if (dd, h, p) in m.recv
                    ]
                    young = sum(kg for a, kg in init.items() if -a >= first)
                    b.row([(st, 1.0), *window], pulp.LpConstraintLE, young)
            b.row([*out, *closing, *((v, -k) for v, k in inflow)], pulp.LpConstraintEQ, opening_kg)
            storage_terms[(d, h, c)] += inflow
            storage_const[(d, h, c)] += opening_kg
            opening, opening_kg = closing, 0.0
    for key3, terms in storage_terms.items():
        if terms:
            room = m.storage_cap[key3] - storage_const[key3]
            b.row(terms, pulp.LpConstraintLE, max(room, 0.0))

    # --- objective -----------------------------------------------------------------------------
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
    m.n_rows = b.n_rows
    m.build_s = time.perf_counter() - t0
    return m
