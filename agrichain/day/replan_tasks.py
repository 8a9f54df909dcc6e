"""The work left at ``now`` after the day's events, as an allocation: what every order's
kg rest on, which task pieces are still to route, which are on board, and which are lost.

``orders.csv`` keeps each order's collected kg and the tasks carrying them, not the kg of
each task; an order's collected kg are shared over its tasks by the tasks' kg (exact for
an order on one task).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from agrichain.allocation import (
    BREAKDOWN,
    FARM_SHORTFALL,
    KG_TOLERANCE,
    OrderSource,
    PickupTask,
    Shortfall,
)
from agrichain.inventory import NearestFarmAllocator
from agrichain.io.events import Events
from agrichain.model import Scenario
from agrichain.plan import Fate, Plan, TaskOutcome, Unserved

#: Prefix of the ids of tasks made for new orders (``N<task id>``).
NEW_TASK_PREFIX = "N"
#: Suffix of the piece of a task a farm shortfall takes away (``T00012~short``).
SHORT_SUFFIX = "~short"


@dataclass
class WorkLeft:
    """Order sources, shortfalls and task pieces of the re-planned day."""

    sources: list[OrderSource] = field(default_factory=list)
    shortfalls: list[Shortfall] = field(default_factory=list)
    to_route: list[PickupTask] = field(default_factory=list)
    """Task pieces not yet picked up, as the re-planned day will route them."""
    kept: list[TaskOutcome] = field(default_factory=list)
    """Task pieces done, or on a locked route, as the plan had them."""
    lost: list[Unserved] = field(default_factory=list)
    """Kg the events took away (cargo of a broken-down vehicle, farm shortfalls)."""
    lost_tasks: list[TaskOutcome] = field(default_factory=list)
    """The task pieces of :attr:`lost`, on no vehicle."""
    new_tasks: list[PickupTask] = field(default_factory=list)


def sources_from_plan(
    plan: Plan, cancelled: frozenset[str]
) -> tuple[list[OrderSource], list[Shortfall]]:
    """Each order's sources as the plan decided them (cancelled orders left out)."""
    task_kg = {t.task_id: t.kg for t in plan.tasks}
    on_unrouted: dict[str, list[str]] = defaultdict(list)
    for t in plan.tasks:
        if t.vehicle_id is None:
            for order_id in t.order_ids:
                on_unrouted[order_id].append(t.task_id)
    short_kg: dict[str, float] = defaultdict(float)
    shortfalls = []
    for u in plan.unserved:
        if u.kind == "order" and u.item_id not in cancelled:
            short_kg[u.item_id] += u.kg
            shortfalls.append(
                Shortfall(u.item_id, u.product_id, u.logistics_point_id, u.kg, u.reason)
            )
    sources = []
    for o in plan.orders:
        if o.order_id in cancelled:
            continue
        routed_kg = o.kg_collected
        unrouted_kg = max(0.0, o.kg_unserved - short_kg[o.order_id])
        for kg, tasks in ((routed_kg, o.task_ids), (unrouted_kg, on_unrouted[o.order_id])):
            sources += shared(o.order_id, kg, tasks, task_kg)
        if o.kg_from_stock > KG_TOLERANCE:
            age = o.stock_age_days[0] if o.stock_age_days else 0
            sources.append(
                OrderSource(o.order_id, Fate.FROM_STOCK, o.kg_from_stock, stock_age_days=age)
            )
        if o.kg_later_day > KG_TOLERANCE:
            day = (o.later_dates[0] - plan.planning_date).days if o.later_dates else 1
            sources.append(OrderSource(o.order_id, Fate.LATER_DAY, o.kg_later_day, collect_day=day))
    return sources, shortfalls


def shared(
    order_id: str, kg: float, tasks: Iterable[str], task_kg: dict[str, float]
) -> list[OrderSource]:
    """``kg`` of an order shared over ``tasks`` by their kg."""
    tasks = [t for t in tasks if t in task_kg]
    total = sum(task_kg[t] for t in tasks)
    if kg <= KG_TOLERANCE or total <= 0:
        return []
    return [
        OrderSource(order_id, Fate.COLLECTED, kg * task_kg[t] / total, task_id=t) for t in tasks
    ]


def lose(work: WorkLeft, t: TaskOutcome, kg: float, cause: str, reason: str, piece_id: str) -> None:
    """Book ``kg`` of task ``t`` as lost (as piece ``piece_id``) for ``reason``."""
    work.lost.append(
        Unserved(
            "task", piece_id, t.product_id, t.logistics_point_id, kg, reason, t.order_ids, cause
        )
    )
    work.lost_tasks.append(
        replace(
            t,
            task_id=piece_id,
            kg=kg,
            vehicle_id=None,
            pickup_time=None,
            delivery_time=None,
            transit_min=None,
        )
    )


def as_pickup(t: TaskOutcome, kg: float | None = None) -> PickupTask:
    return PickupTask(t.task_id, t.farm_id, t.product_id, t.kg if kg is None else kg,
                      t.logistics_point_id, t.order_ids)  # fmt: skip


def orders_lose(work: WorkLeft, task_id: str, take: float, short_id: str) -> None:
    """The kg ``take`` of a task lost: first the kg no order is waiting for (stock for
    forecast sales), then the orders' kg on it, shared by their kg (moved to ``short_id``)."""
    on_task = [s for s in work.sources if s.fate is Fate.COLLECTED and s.task_id == task_id]
    orders_kg = sum(s.kg for s in on_task)
    surplus = max(0.0, next(t.kg for t in work.to_route if t.task_id == task_id) + take - orders_kg)
    loss = max(0.0, take - surplus)
    if loss <= KG_TOLERANCE or orders_kg <= 0:
        return
    kept = [s for s in work.sources if s not in on_task]
    for s in on_task:
        gone = loss * s.kg / orders_kg
        kept += [replace(s, kg=s.kg - gone), replace(s, kg=gone, task_id=short_id)]
    work.sources = [s for s in kept if s.kg > KG_TOLERANCE]


def take_shortfalls(work: WorkLeft, to_do: list[TaskOutcome], events: Events) -> None:
    """Farm shortfalls take kg from the farm's tasks not yet picked up, largest first."""
    left = dict(events.shortfalls_kg)
    for t in sorted(to_do, key=lambda t: (-t.kg, t.task_id)):
        key = (t.farm_id, t.product_id)
        take = min(t.kg, left.get(key, 0.0))
        if take <= KG_TOLERANCE:
            work.to_route.append(as_pickup(t))
            continue
        left[key] -= take
        short_id = t.task_id + SHORT_SUFFIX
        reason = f"{t.farm_id} harvested {take:,.1f} kg of {t.product_id} less than planned"
        lose(work, t, take, FARM_SHORTFALL, reason, short_id)
        work.to_route.append(as_pickup(t, t.kg - take))
        orders_lose(work, t.task_id, take, short_id)
        if t.kg - take <= KG_TOLERANCE:
            work.to_route.pop()
    work.to_route.sort(key=lambda p: p.task_id)


def new_order_work(scenario: Scenario, work: WorkLeft, events: Events) -> None:
    """Tasks for the new orders from today's harvest not yet taken (nearest farms)."""
    if not events.new_orders:
        return
    taken: dict[tuple[str, str], float] = defaultdict(float)
    for t in work.to_route:
        taken[(t.farm_id, t.product_id)] += t.kg
    for k in work.kept:
        taken[(k.farm_id, k.product_id)] += k.kg
    day = scenario.settings.planning_date
    supply = [
        s.model_copy(update={"kg": max(0.0, s.kg - taken[(s.farm_id, s.product_id)]
                                       - events.shortfalls_kg.get((s.farm_id, s.product_id), 0.0))})
        if s.date == day else s
        for s in scenario.supply
    ]  # fmt: skip
    mini = scenario.with_tables(orders=events.new_orders, supply=supply, stock=(), forecast=())
    allocation = NearestFarmAllocator().allocate(mini)
    rename = {t.task_id: NEW_TASK_PREFIX + t.task_id for t in allocation.tasks}
    for t in allocation.tasks:
        task = PickupTask(rename[t.task_id], t.farm_id, t.product_id, t.kg,
                          t.logistics_point_id, t.order_ids)  # fmt: skip
        work.new_tasks.append(task)
        work.to_route.append(task)
    for s in allocation.order_sources:
        work.sources.append(
            OrderSource(s.order_id, s.fate, s.kg, task_id=rename.get(s.task_id, ""))
        )
    work.shortfalls += allocation.shortfalls


def work_left(scenario: Scenario, plan: Plan, events: Events, picked_up: set[str],
              delivered: set[str], lost: dict[str, str], locked: set[str]) -> WorkLeft:  # fmt: skip
    """The re-planned day's allocation (``scenario`` has the events' orders and vehicles)."""
    work = WorkLeft()
    work.sources, work.shortfalls = sources_from_plan(plan, events.cancelled)
    to_do = []
    for t in plan.tasks:
        if t.task_id in lost:
            reason = f"on board of {lost[t.task_id]} when it broke down"
            lose(work, t, t.kg, BREAKDOWN, reason, t.task_id)
        elif t.task_id in delivered or t.vehicle_id in locked:
            work.kept.append(t)
        elif t.task_id in picked_up:
            continue  # on board: routed from the vehicle's start
        elif t.order_ids and set(t.order_ids) <= events.cancelled:
            continue  # every order it carries is cancelled
        else:
            to_do.append(t)
    take_shortfalls(work, to_do, events)
    new_order_work(scenario, work, events)
    return work


__all__ = ["WorkLeft", "as_pickup", "sources_from_plan", "work_left"]
