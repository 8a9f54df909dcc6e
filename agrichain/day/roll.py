"""Roll forward: tomorrow's scenario from today's scenario, its plan and what happened.

The day's balance per logistics point and product, by age (first in, first out):

* **in**: the opening stock (``stock``) and today's deliveries: a served task's planned
  kg, or its ``delivered`` kg in the actuals, or — where a farm's actual ``harvested`` kg
  fall short of what the served tasks of that farm and product planned to collect — the
  planned kg cut in the same proportion;
* **out**, oldest first: ``spoiled`` kg of the actuals, then the shipments: an order's
  ``shipped`` kg in the actuals, else what the plan ships today (its collected and
  from-stock kg, ``orders.csv``), earliest ship-by first, as far as the stock reaches;
* **overnight**: what is left is one day older; kg that reach the product's shelf life
  (``shelf_life_days``) are thrown away and counted as spoiled.

Without actuals this is the plan's own day, so the inventory planner's day-0 closing
stock (``inventory.csv``) comes out one day older, except where the planner keeps an
order's collected or from-stock kg in store for a later day: the roll ships every order's
collected and from-stock kg on the planning date.

Tomorrow's scenario: ``planning_date`` + 1; the stock above; orders shipped in full are
gone, an order with kg left is carried with the boxes those kg fill (rounded up) and its
original ship-by, flagged ``late`` once its ship-by date is past (``cancel_late_after_days``
cancels it that many days after its ship-by date, its kg lost); orders whose kg come on a
later day stay as they are. Sessions held before the planning date drop unless a carried
order names them (sessions held on the planning date stay: tonight's orders name them);
forecasts of sessions held by tomorrow drop; supply of dates before tomorrow drops.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass

from agrichain.day.roll_stock import (
    KG_EPS,
    Lots,
    delivered_kg,
    opening_lots,
    overnight,
    receive,
    stock_rows,
    take_oldest,
)
from agrichain.errors import InputIssue, ScenarioError
from agrichain.io.actuals import Actuals
from agrichain.model import TABLES, Order, Scenario
from agrichain.plan import Plan


@dataclass(frozen=True)
class RollReport:
    """What the rolled day did with goods and orders (kg of the planning date)."""

    date: dt.date
    """The day rolled (the plan's planning date)."""
    kg_delivered: float
    """Brought to the logistics points by today's tasks."""
    kg_on_time: float
    """Shipped to buyers by their ship-by (its date; its time where the actuals give one)."""
    kg_late: float
    """Shipped to buyers after their ship-by."""
    kg_spoiled: float
    """Discarded (actuals) plus stock that reached its shelf life overnight."""
    kg_expired: float
    """Of ``kg_spoiled``, what reached its shelf life overnight."""
    kg_lost: float
    """Open kg of orders cancelled for being late too long (``cancel_late_after_days``)."""
    kg_carried: float
    """Open kg of the orders carried to tomorrow."""
    kg_carried_late: float
    """Of ``kg_carried``, the kg of orders past their ship-by."""
    orders_done: int
    """Orders shipped in full (gone tomorrow)."""
    orders_carried: int
    orders_cancelled: int


@dataclass(frozen=True)
class Roll:
    """Tomorrow's scenario and the report of the rolled day."""

    scenario: Scenario
    report: RollReport


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


def _check_plan(scenario: Scenario, plan: Plan) -> None:
    if plan.planning_date != scenario.settings.planning_date:
        raise ScenarioError(
            f"the plan is for {plan.planning_date}, the scenario's planning date is "
            f"{scenario.settings.planning_date}"
        )
    ordered = {o.order_id for o in scenario.orders}
    stray = [f.order_id for f in plan.orders if f.order_id not in ordered]
    if stray:
        raise ScenarioError(f"the plan holds order '{stray[0]}', which the scenario does not")


def _check_actuals(scenario: Scenario, actuals: Actuals) -> None:
    ordered = {o.order_id for o in scenario.orders}
    stray = sorted(set(actuals.shipped) - ordered)
    if stray:
        raise ScenarioError(
            [InputIssue("actuals", None, "id", f"unknown order '{oid}'") for oid in stray]
        )


def _shipments(
    scenario: Scenario, plan: Plan, actuals: Actuals, lots: Lots
) -> dict[str, tuple[float, dt.datetime | None]]:
    """kg (and time, where known) each order ships today, taken from the lots."""
    planned = {f.order_id: f.kg_collected + f.kg_from_stock for f in plan.orders}
    out: dict[str, tuple[float, dt.datetime | None]] = {}
    for o in scenario.orders:
        if o.order_id in actuals.shipped:
            kg, time = actuals.shipped[o.order_id]
            take_oldest(lots, (scenario.order_logistics_point(o), o.product_id), kg)
            out[o.order_id] = (kg, time)
    for o in sorted(scenario.orders, key=lambda o: (o.ship_by, o.order_id)):
        want = min(planned.get(o.order_id, 0.0), scenario.order_kg(o))
        if o.order_id in out or want <= KG_EPS:
            continue
        pair = (scenario.order_logistics_point(o), o.product_id)
        out[o.order_id] = (take_oldest(lots, pair, want), None)
    return out


def _on_time(order: Order, day: dt.date, time: dt.datetime | None) -> bool:
    if order.late or order.ship_by.date() < day:
        return False
    return time is None or time <= order.ship_by


@dataclass
class _OrderTally:
    on_time: float = 0.0
    late: float = 0.0
    lost: float = 0.0
    carried: float = 0.0
    carried_late: float = 0.0
    done: int = 0
    cancelled: int = 0


def _next_orders(
    scenario: Scenario,
    shipped: Mapping[str, tuple[float, dt.datetime | None]],
    cancel_late_after_days: int | None,
) -> tuple[list[Order], _OrderTally]:
    """Tomorrow's orders (the open ones), and the tally of today's."""
    today = scenario.settings.planning_date
    tomorrow = today + dt.timedelta(days=1)
    tally = _OrderTally()
    carried = []
    for o in scenario.orders:
        kg, time = shipped.get(o.order_id, (0.0, None))
        if _on_time(o, today, time):
            tally.on_time += kg
        else:
            tally.late += kg
        left = scenario.order_kg(o) - kg
        box_kg = scenario.product[o.product_id].box_weight_kg
        boxes = math.ceil(left / box_kg - 1e-9) if left > KG_EPS else 0
        if boxes <= 0:
            tally.done += 1
            continue
        overdue_days = (tomorrow - o.ship_by.date()).days
        if cancel_late_after_days is not None and overdue_days > cancel_late_after_days:
            tally.lost += left
            tally.cancelled += 1
            continue
        late = o.late or overdue_days > 0
        carried.append(o.model_copy(update={"quantity_boxes": boxes, "late": late}))
        tally.carried += left
        tally.carried_late += left if late else 0.0
    return carried, tally


def roll_day(
    scenario: Scenario,
    plan: Plan,
    actuals: Actuals | None = None,
    *,
    cancel_late_after_days: int | None = None,
) -> Roll:
    """Tomorrow's scenario and what the day did (see the module notes).

    ``plan`` is the plan of ``scenario``'s planning date; ``actuals`` what really happened
    (None: the plan happened as planned). Raises :class:`ScenarioError` when the plan is
    not the scenario's or the actuals name a task or an order that plan and scenario lack.
    """
    _check_plan(scenario, plan)
    actuals = actuals or Actuals()
    _check_actuals(scenario, actuals)
    today = scenario.settings.planning_date
    tomorrow = today + dt.timedelta(days=1)
    lots = opening_lots(scenario)
    kg_delivered = receive(lots, plan, delivered_kg(plan, actuals))
    kg_discarded = 0.0
    for pair, kg in actuals.spoiled_kg.items():
        take_oldest(lots, pair, kg)
        kg_discarded += kg
    shipped = _shipments(scenario, plan, actuals, lots)
    life = {p.product_id: p.shelf_life_days for p in scenario.products}
    lots, expired = overnight(lots, life)
    orders, tally = _next_orders(scenario, shipped, cancel_late_after_days)
    named = {o.session_id for o in orders}
    since = _midnight(today)
    sessions = [s for s in scenario.sessions if s.start >= since or s.session_id in named]
    held = {s.session_id for s in scenario.sessions if s.start < _midnight(tomorrow)}
    tables = {name: getattr(scenario, name) for name in TABLES}
    tables.update(
        orders=tuple(orders),
        sessions=tuple(sessions),
        forecast=tuple(f for f in scenario.forecast if f.session_id not in held),
        supply=tuple(s for s in scenario.supply if s.date >= tomorrow),
        stock=tuple(stock_rows(lots)),
    )
    settings = scenario.settings.model_copy(update={"planning_date": tomorrow})
    kg_expired = float(sum(expired.values()))
    report = RollReport(
        date=today,
        kg_delivered=kg_delivered,
        kg_on_time=tally.on_time,
        kg_late=tally.late,
        kg_spoiled=kg_discarded + kg_expired,
        kg_expired=kg_expired,
        kg_lost=tally.lost,
        kg_carried=tally.carried,
        kg_carried_late=tally.carried_late,
        orders_done=tally.done,
        orders_carried=len(orders),
        orders_cancelled=tally.cancelled,
    )
    return Roll(Scenario(settings=settings, **tables), report)


def roll_forward(scenario: Scenario, plan: Plan, actuals: Actuals | None = None) -> Scenario:
    """Tomorrow's scenario: stock aged a day, open orders carried (late ones flagged),
    past sessions, forecasts and supply dropped (see :func:`roll_day`)."""
    return roll_day(scenario, plan, actuals).scenario


__all__ = ["Roll", "RollReport", "roll_day", "roll_forward"]
