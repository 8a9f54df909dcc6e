"""The allocation contract: which farm supplies what to which logistics point today.

An :class:`Allocator` turns a scenario into today's :class:`PickupTask` list
(the routing input), the order kg it could not cover (:class:`Shortfall`) and
where every other ordered kg comes from (:class:`OrderSource`). The allocators
themselves live in :mod:`agrichain.inventory` (the multi-day PuLP planner and the
nearest-farm rule); routing reads only these types. :func:`order_fates` turns an
allocation and routing's unserved tasks into each order's one fate.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import pandas as pd

from agrichain.model import Scenario
from agrichain.plan import Fate, OrderFate, Unserved

#: Shortfalls below this many kg are rounding noise, not unserved work.
KG_TOLERANCE = 1e-6
#: The cause code of order kg the allocation could not cover.
NOT_ALLOCATED = "not_allocated"
#: The cause code of kg on board of a vehicle when it broke down (``agrichain replan``).
BREAKDOWN = "breakdown"
#: The cause code of kg a farm harvested less than planned (``agrichain replan``).
FARM_SHORTFALL = "farm_shortfall"


@dataclass(frozen=True)
class PickupTask:
    """Collect ``kg`` of a product at a farm today and deliver it to a logistics point."""

    task_id: str
    farm_id: str
    product_id: str
    kg: float
    logistics_point_id: str
    order_ids: tuple[str, ...] = ()
    """Orders whose kg this task carries, shipped today or later from stock (empty when
    it only builds stock for forecast sales)."""


@dataclass(frozen=True)
class Shortfall:
    """Order kg that the allocation could not cover, and why."""

    order_id: str
    product_id: str
    logistics_point_id: str
    kg: float
    reason: str


@dataclass(frozen=True)
class OrderSource:
    """Where ``kg`` of an order come from, as the allocation decided."""

    order_id: str
    fate: Fate
    """``collected``, ``from_stock`` or ``later_day`` (unallocated kg are shortfalls)."""
    kg: float
    task_id: str = ""
    """``collected``: today's pickup task that carries the kg."""
    stock_age_days: int | None = None
    """``from_stock``: the stock lot's age on the planning date."""
    collect_day: int | None = None
    """``later_day``: days after the planning date the kg are harvested and collected."""


@dataclass(frozen=True)
class Allocation:
    """The result of an allocator."""

    tasks: tuple[PickupTask, ...]
    shortfalls: tuple[Shortfall, ...]
    method: str
    status: str = "optimal"
    """"optimal", "feasible" (limit reached with a solution) or "heuristic"."""
    order_sources: tuple[OrderSource, ...] = ()
    """Where the allocated kg of each order come from; with the shortfalls they add up
    to every order's kg."""
    summary: dict[str, object] = field(default_factory=dict)
    """Extra totals for ``summary.json`` (costs, solver status, build/solve time …)."""
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    """Extra output tables, written as ``<name>.csv`` next to the plan."""


@dataclass
class _Kg:
    """An order's kg per source while its fate is put together."""

    collected: float = 0.0
    from_stock: float = 0.0
    later_day: float = 0.0
    unserved: float = 0.0
    task_ids: list[str] = field(default_factory=list)
    ages: set[int] = field(default_factory=set)
    later_days: set[int] = field(default_factory=set)
    why: dict[str, list[str]] = field(default_factory=dict)
    """Unserved reasons by cause code."""

    def add_unserved(self, kg: float, cause: str, reason: str) -> None:
        self.unserved += kg
        reasons = self.why.setdefault(cause, [])
        if reason not in reasons:
            reasons.append(reason)

    def add_collected(self, kg: float, piece_id: str, lost: Unserved | None) -> None:
        """Book kg carried by a routed task piece; unserved if routing left it out."""
        if lost is not None:
            self.add_unserved(kg, lost.cause, lost.reason)
            return
        self.collected += kg
        if piece_id not in self.task_ids:
            self.task_ids.append(piece_id)

    def add(self, source: OrderSource) -> None:
        """Book kg from stock or a later day."""
        if source.fate is Fate.FROM_STOCK:
            self.from_stock += source.kg
            self.ages.add(int(source.stock_age_days or 0))
        else:
            self.later_day += source.kg
            self.later_days.add(int(source.collect_day or 0))


def fate_of(
    kg_collected: float, kg_from_stock: float, kg_later_day: float, kg_unserved: float
) -> Fate:
    """The one fate of an order from its kg per source: ``unserved`` if any kg are
    unserved (the buyer's order is short), else the one source its kg come from, else
    ``mixed``. An order of no kg at all counts as ``collected``."""
    if kg_unserved > KG_TOLERANCE:
        return Fate.UNSERVED
    sources = [
        fate
        for fate, kg in (
            (Fate.COLLECTED, kg_collected),
            (Fate.FROM_STOCK, kg_from_stock),
            (Fate.LATER_DAY, kg_later_day),
        )
        if kg > KG_TOLERANCE
    ]
    if len(sources) > 1:
        return Fate.MIXED
    return sources[0] if sources else Fate.COLLECTED


def order_fates(
    scenario: Scenario,
    allocation: Allocation,
    unserved: Sequence[Unserved],
    task_pieces: Mapping[str, Sequence[tuple[str, float]]] | None = None,
) -> tuple[OrderFate, ...]:
    """Every order of ``scenario`` once, in input order, with its kg per source.

    Sources are the allocation's own decisions (:attr:`Allocation.order_sources`, and its
    shortfalls as unserved kg with cause ``not_allocated``). ``task_pieces`` gives the
    pieces (id, kg) routing split a task into (default: each task is one piece); an
    order's kg of a task are shared over its pieces by their kg, and the kg of a piece in
    ``unserved`` (routing could not serve it) are unserved with the routing cause.
    """
    lost = {u.item_id: u for u in unserved if u.kind == "task"}
    pieces = task_pieces or {}
    kg: dict[str, _Kg] = defaultdict(_Kg)
    for source in allocation.order_sources:
        if source.fate is not Fate.COLLECTED:
            kg[source.order_id].add(source)
            continue
        parts = pieces.get(source.task_id) or [(source.task_id, 1.0)]
        total = sum(piece_kg for _, piece_kg in parts)
        for piece_id, piece_kg in parts:
            share = source.kg * piece_kg / total
            kg[source.order_id].add_collected(share, piece_id, lost.get(piece_id))
    for short in allocation.shortfalls:
        kg[short.order_id].add_unserved(short.kg, NOT_ALLOCATED, short.reason)
    day0 = scenario.settings.planning_date
    out = []
    for order in scenario.orders:
        k = kg[order.order_id]
        causes = sorted(k.why, key=lambda c: (c != NOT_ALLOCATED, c))
        out.append(
            OrderFate(
                order_id=order.order_id,
                session_id=order.session_id,
                product_id=order.product_id,
                logistics_point_id=scenario.order_logistics_point(order),
                ship_by=order.ship_by,
                kg=scenario.order_kg(order),
                fate=fate_of(k.collected, k.from_stock, k.later_day, k.unserved),
                kg_collected=k.collected,
                kg_from_stock=k.from_stock,
                kg_later_day=k.later_day,
                kg_unserved=k.unserved,
                task_ids=tuple(sorted(k.task_ids)),
                stock_age_days=tuple(sorted(k.ages, reverse=True)),
                later_dates=tuple(day0 + dt.timedelta(days=d) for d in sorted(k.later_days)),
                causes=tuple(causes),
                reasons=tuple("; ".join(k.why[c]) for c in causes),
            )
        )
    return tuple(out)


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
