"""A MILP under construction and built: variables indexed by meaning, costs by component.

Expressions are built from ``(variable, coefficient)`` lists with
``LpAffineExpression`` (linear time), never with ``+`` in loops.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pulp

from agrichain.inventory.data import InventoryData

Key3 = tuple[int, int, int]
Key4 = tuple[int, int, int, int]
Term = tuple[pulp.LpVariable, float]

#: Names of the cost components, in reporting order.
COMPONENTS = ("transport", "link", "holding", "spoilage", "lost_sales")


@dataclass
class Restriction:
    """An ATP MILP: one product only, capacities net of the other products' plan."""

    product: int
    storage_used_kg: dict[Key3, float]
    """kg of other products on hand per (day, lp, class 0 = ambient / 1 = cold)."""
    transport_used_kg: dict[Key3, float]
    """kg of other products brought in per (day, lp, class 0 = all / 1 = cold): constants in
    the fleet rows (the fleet's day is re-split among the points)."""
    extra: dict[int, tuple[int, int]] = field(default_factory=dict)
    """Extra-sales variables to create: key → (lp, ship day)."""


@dataclass
class BuiltMilp:
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
    """(day, lp, class) → storage capacity used in the MILP."""
    transport_cap: dict[Key3, float] = field(default_factory=dict)
    """(day, lp, class 0 = all / 1 = cold) → kg per day the lp could receive at most."""
    fleet_days: dict[Key3, pulp.LpVariable] = field(default_factory=dict)
    """(day, vehicle class, lp) → vehicle-days the class spends on the lp (days with
    fleet rows only; see :mod:`agrichain.inventory.milp.fleet`)."""
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


class MilpBuilder:
    """Collects variables, their costs and rows; one instance builds one MILP."""

    def __init__(self, name: str) -> None:
        self.prob = pulp.LpProblem(name, pulp.LpMinimize)
        self.columns: list[pulp.LpVariable] = []
        self.cost: list[float] = []
        self.parts: list[tuple[int, int, float]] = []
        self.n_rows = 0

    def var(
        self, ub: float | None = None, cost: float = 0.0, comp: str = "", binary: bool = False
    ) -> pulp.LpVariable:
        """A new column in [0, ``ub``] costing ``cost`` per unit, booked under ``comp``."""
        cat = pulp.LpBinary if binary else pulp.LpContinuous
        v: pulp.LpVariable = self.prob.add_variable(f"v{len(self.columns)}", 0.0, ub, cat)
        self.columns.append(v)
        self.cost.append(cost)
        if cost:
            self.parts.append((len(self.columns) - 1, COMPONENTS.index(comp), cost))
        return v

    def add_cost(self, column: int, comp: str, cost: float) -> None:
        """Add ``cost`` per unit to an existing column, booked under ``comp``."""
        self.cost[column] += cost
        self.parts.append((column, COMPONENTS.index(comp), cost))

    def row(self, terms: list[Term], sense: int, rhs: float) -> None:
        """Add the row ``sum(coefficient * variable) <sense> rhs``."""
        self.n_rows += 1
        expr = pulp.LpAffineExpression(terms)
        self.prob.addConstraint(pulp.LpConstraint(expr, sense, f"c{self.n_rows}", rhs))
