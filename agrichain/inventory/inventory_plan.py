"""The solved multi-day plan (plain data, picklable, no solver imports)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from agrichain.allocation import OrderSource, PickupTask, Shortfall
from agrichain.inventory.data import InventoryData, InventoryOptions
from agrichain.inventory.report import SolveReport
from agrichain.model import Scenario
from agrichain.plan import Fate


@dataclass
class InventoryPlan:
    """The solved multi-day plan of :func:`agrichain.inventory.plan_inventory`."""

    scenario: Scenario
    options: InventoryOptions
    report: SolveReport
    build_s: float
    tables: dict[str, pd.DataFrame]
    """flows, inventory, spoilage, lost_sales (columns: :mod:`agrichain.inventory.tables`)."""
    tasks: tuple[PickupTask, ...]
    """Day 0's flows as pickup tasks."""
    shortfalls: tuple[Shortfall, ...]
    """Order kg lost, per order, with the reason."""
    order_sources: tuple[OrderSource, ...]
    """Where the kg of each order not lost come from: stock, today's tasks, later days."""
    summary: dict[str, Any]
    data: InventoryData = field(repr=False)
    bucket_lost_kg: dict[int, float] = field(default_factory=dict, repr=False)
    """Planned lost kg per demand bucket (index into ``data.buckets``)."""
    usage: dict[str, dict[Any, float]] = field(default_factory=dict, repr=False)
    """kg used per resource: supply (d,f,p), transport (d,h,class), storage (d,h,class),
    on_hand and received (d,h,p)."""

    @property
    def covered_otherwise_kg(self) -> dict[str, float]:
        """Ordered kg per product shipped from stock on hand or a later day's harvest."""
        product_of = {o.order_id: o.product_id for o in self.scenario.orders}
        out = {p.product_id: 0.0 for p in self.scenario.products}
        for s in self.order_sources:
            if s.fate in (Fate.FROM_STOCK, Fate.LATER_DAY):
                out[product_of[s.order_id]] += s.kg
        return out

    @property
    def status(self) -> str:
        """ "optimal" or "feasible" (a limit was hit; see ``summary['gap']``)."""
        return "optimal" if self.report.status == "optimal" else "feasible"
