"""Result types of the planner (plain data, picklable, no solver imports)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from agrichain.allocation import PickupTask, Shortfall
from agrichain.inventory.data import InventoryData, InventoryOptions
from agrichain.model import Scenario


@dataclass(frozen=True)
class SolveReport:
    """What the solver said, in its own terms and ours."""

    solver: str
    status: str
    """"optimal" (within the requested gap), "feasible" (a limit hit, a solution kept),
    "no_solution", "infeasible" or "error"."""
    solver_status: str
    """The solver's own status text."""
    objective: float | None
    bound: float | None
    """Best bound on the optimum (the objective for a solved LP)."""
    gap: float | None
    """Relative gap (objective - bound) / |objective| as the solver computes it."""
    transfer_s: float
    """Handing the model to the solver (writing MPS for CBC)."""
    solve_s: float
    nodes: int | None = None
    watchdog: str = ""
    """"interrupted" / "killed" when the CBC watchdog had to act."""
    fallback: str = ""
    """"start" when the full MILP found no solution of its own and the plan is its start
    (the sub-MIP's solution, or the LP relaxation with every link it uses opened)."""
    start_objective: float | None = None
    """Objective of the sub-MIP solution handed to the MILP as its start."""
    lp_bound: float | None = None
    """Objective of the LP relaxation (a lower bound)."""

    @property
    def has_solution(self) -> bool:
        return self.status in ("optimal", "feasible")


@dataclass
class InventoryPlan:
    """The solved multi-day plan of :func:`agrichain.inventory.plan_inventory`."""

    scenario: Scenario
    options: InventoryOptions
    report: SolveReport
    build_s: float
    tables: dict[str, pd.DataFrame]
    """flows, inventory, spoilage, lost_sales (see ``docs/inventory.md``)."""
    tasks: tuple[PickupTask, ...]
    """Day 0's flows as pickup tasks."""
    shortfalls: tuple[Shortfall, ...]
    """Order kg lost, per order, with the reason."""
    covered_otherwise_kg: dict[str, float]
    """Per product: ordered − shortfall − today's task kg."""
    summary: dict[str, Any]
    data: InventoryData = field(repr=False)
    bucket_lost_kg: dict[int, float] = field(default_factory=dict, repr=False)
    """Planned lost kg per demand bucket (index into ``data.buckets``)."""
    usage: dict[str, dict[Any, float]] = field(default_factory=dict, repr=False)
    """kg used per resource: supply (d,f,p), transport (d,h,class), storage (d,h,class),
    on_hand and received (d,h,p)."""

    @property
    def status(self) -> str:
        """ "optimal" or "feasible" (a limit was hit; see ``summary['gap']``)."""
        return "optimal" if self.report.status == "optimal" else "feasible"
