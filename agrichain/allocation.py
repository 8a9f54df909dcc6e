"""The allocation contract: which farm supplies what to which logistics point today.

An :class:`Allocator` turns a scenario into today's :class:`PickupTask` list
(the routing input) plus the order kg it could not cover (:class:`Shortfall`).
The allocators themselves live in :mod:`agrichain.inventory` (the multi-day
PuLP planner and the nearest-farm rule); routing reads only these types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import pandas as pd

from agrichain.model import Scenario

#: Shortfalls below this many kg are rounding noise, not unserved work.
KG_TOLERANCE = 1e-6


@dataclass(frozen=True)
class PickupTask:
    """Collect ``kg`` of a product at a farm today and deliver it to a logistics point."""

    task_id: str
    farm_id: str
    product_id: str
    kg: float
    logistics_point_id: str
    order_ids: tuple[str, ...] = ()
    """Orders this task serves (empty when it builds stock for later days)."""


@dataclass(frozen=True)
class Shortfall:
    """Order kg that the allocation could not cover, and why."""

    order_id: str
    product_id: str
    logistics_point_id: str
    kg: float
    reason: str


@dataclass(frozen=True)
class Allocation:
    """The result of an allocator."""

    tasks: tuple[PickupTask, ...]
    shortfalls: tuple[Shortfall, ...]
    method: str
    status: str = "optimal"
    """"optimal", "feasible" (limit reached with a solution) or "heuristic"."""
    covered_otherwise_kg: dict[str, float] = field(default_factory=dict)
    """Ordered kg per product met without today's collection (stock on hand, later days)."""
    summary: dict[str, object] = field(default_factory=dict)
    """Extra totals for ``summary.json`` (costs, solver status, build/solve time …)."""
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    """Extra output tables, written as ``<name>.csv`` next to the plan."""


class Allocator(Protocol):
    """Anything that decides today's pickups for a scenario."""

    def allocate(self, scenario: Scenario) -> Allocation:
        """Today's pickup tasks and the order kg left uncovered."""
        ...


@runtime_checkable
class BoundedAllocator(Allocator, Protocol):
    """An allocator whose running time can be capped."""

    def within(self, seconds: float) -> Allocator:
        """The same allocator, taking at most about ``seconds``."""
        ...
