"""The post-live review: per live session and product, kg sold, shipped on time, late, spoiled
and lost (with reasons), and the revenue at risk.

Without actuals, what happened is the plan: an order's collected kg are on time when the
task carrying them is delivered at or before the order's ship-by (an order's collected kg
are shared among its tasks in proportion to the tasks' kg), kg from stock are on time,
later-day kg are late when collected on a date after the ship-by date, unserved kg are lost
with the order's causes (shared evenly among its causes). Actuals
(:class:`agrichain.io.actuals.Actuals`) change this: a task's delivered time replaces its
planned delivery time and kg delivered short are lost (cause ``delivered_short``); an
order's shipped kg and time replace everything planned for it (a shipment without a time
keeps the plan's on-time share; kg above the order's are not counted; kg not shipped are
lost, first with the plan's causes, the rest with cause ``not_shipped``); the actual harvest
is not reviewed (it acts through deliveries and shipments). Spoiled kg of the planning date
come from the plan's ``spoilage`` table (day 0) or, per logistics point and product, from
the actuals; they are attributed to the session × product rows shipping that product from
that point in proportion to their kg sold, and are kept unattributed where no session sells
it there. Revenue at risk = (kg late + kg lost) × the product's ``price_per_kg``, or its
``lost_sales_cost_per_kg`` when no price is given (the ``price_source`` column says which).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from agrichain.errors import InputIssue, ScenarioError
from agrichain.inventory.tables import (
    DAY_COLUMN,
    KG_COLUMN,
    LOGISTICS_POINT_COLUMN,
    PRODUCT_COLUMN,
    SPOILAGE_TABLE,
)
from agrichain.model import Product, Scenario
from agrichain.plan import OrderFate, Plan, TaskOutcome

if TYPE_CHECKING:
    from agrichain.io.actuals import Actuals

#: Cause of kg a task delivered short of its planned kg (actuals).
DELIVERED_SHORT = "delivered_short"
#: Cause of kg an order shipped short of its ordered kg, beyond the plan's own causes (actuals).
NOT_SHIPPED = "not_shipped"
#: Cause of unserved kg whose order names no cause.
UNKNOWN_CAUSE = "unknown"
PRICE_COLUMN = "price_per_kg"
FALLBACK_PRICE_COLUMN = "lost_sales_cost_per_kg"
Lost = tuple[tuple[str, str, float], ...]
"""Lost kg as (cause, reason, kg) parts."""


@dataclass(frozen=True)
class OrderOutcome:
    """What happened to one order: ``kg_sold`` = ``kg_on_time + kg_late + kg_lost``."""

    order_id: str
    session_id: str
    product_id: str
    logistics_point_id: str
    ship_by: dt.datetime
    kg_sold: float
    kg_on_time: float
    kg_late: float
    kg_lost: float
    lost: Lost = ()
    """The lost kg by (cause, reason)."""
    from_actuals: bool = False
    """True when actual deliveries or shipments changed the plan's outcome."""


@dataclass(frozen=True)
class SessionReview:
    """One live session × product: kg sold, on time, late, lost, spoiled, revenue at risk."""

    session_id: str
    session_name: str
    session_start: dt.datetime | None
    product_id: str
    orders: int
    kg_sold: float
    kg_on_time: float
    kg_late: float
    kg_lost: float
    kg_spoiled: float
    """Spoiled kg at the logistics points it ships from, in proportion to its kg sold there."""
    lost_kg_by_cause: tuple[tuple[str, float], ...]
    price_per_kg: float
    price_source: str
    """``price_per_kg`` or ``lost_sales_cost_per_kg``: where the price comes from."""

    @property
    def revenue_at_risk(self) -> float:
        """kg not shipped on time × price per kg."""
        return (self.kg_late + self.kg_lost) * self.price_per_kg


@dataclass(frozen=True)
class Spoilage:
    """Spoiled kg of a product at a logistics point on the planning date."""

    logistics_point_id: str
    product_id: str
    kg: float
    source: str
    """``plan`` (the inventory planner's spoilage table) or ``actuals``."""
    kg_attributed: float
    """The part attributed to sessions (the rest sells in no session at that point)."""


@dataclass(frozen=True)
class Review:
    """The post-live review of a plan (and of what really happened, with actuals)."""

    scenario_name: str
    planning_date: dt.date
    currency: str
    with_actuals: bool
    orders: tuple[OrderOutcome, ...]
    sessions: tuple[SessionReview, ...]
    spoilage: tuple[Spoilage, ...]


def price_of(product: Product) -> tuple[float, str]:
    """The product's price per kg and the column it comes from."""
    if product.price_per_kg is not None:
        return product.price_per_kg, PRICE_COLUMN
    return product.lost_sales_cost_per_kg, FALLBACK_PRICE_COLUMN


# ----- the review ---------------------------------------------------------------------


def review_plan(scenario: Scenario, plan: Plan, actuals: Actuals | None = None) -> Review:
    """The post-live review of ``plan`` for ``scenario``: per live session and product, kg
    sold, on time, late, spoiled and lost, and the revenue at risk (see the module notes).

    With ``actuals``, actual deliveries, shipments and spoilage replace the plan's where
    given. :class:`~agrichain.errors.ScenarioError` when the plan or the actuals name ids
    the scenario or the plan does not know.
    """
    check_ids(scenario, plan, actuals)
    tasks = {t.task_id: t for t in plan.tasks}
    delivered = actuals.delivered if actuals is not None else {}
    shipped = actuals.shipped if actuals is not None else {}
    outcomes: list[OrderOutcome] = []
    for order in plan.orders:
        outcome = planned_outcome(order, tasks, delivered)
        if order.order_id in shipped:
            kg, when = shipped[order.order_id]
            outcome = shipped_outcome(outcome, kg, when)
        outcomes.append(outcome)
    spoiled = spoiled_kg(plan, actuals)
    sessions, spoilage = session_reviews(scenario, outcomes, spoiled)
    return Review(
        scenario_name=plan.scenario_name,
        planning_date=plan.planning_date,
        currency=scenario.settings.currency,
        with_actuals=actuals is not None,
        orders=tuple(outcomes),
        sessions=sessions,
        spoilage=spoilage,
    )


def check_ids(scenario: Scenario, plan: Plan, actuals: Actuals | None) -> None:
    """Refuse orders of unknown sessions or products, and actuals of unknown orders or tasks."""
    sessions = {s.session_id for s in scenario.sessions}
    products = {p.product_id for p in scenario.products}
    issues = [
        InputIssue("orders.csv", None, column, f"order {o.order_id}: unknown {what} {value!r}")
        for o in plan.orders
        for column, what, value, known in (
            ("session_id", "live session", o.session_id, sessions),
            ("product_id", "product", o.product_id, products),
        )
        if value not in known
    ]
    if actuals is not None:
        orders = {o.order_id for o in plan.orders}
        tasks = {t.task_id for t in plan.tasks}
        issues += [
            InputIssue("actuals", None, column, f"{what} {key!r} is not in the plan")
            for column, what, keys, known in (
                ("order_id", "order", actuals.shipped, orders),
                ("task_id", "task", actuals.delivered, tasks),
            )
            for key in keys
            if key not in known
        ]
    if issues:
        raise ScenarioError(issues)


def planned_outcome(
    order: OrderFate,
    tasks: Mapping[str, TaskOutcome],
    delivered: Mapping[str, tuple[float, dt.datetime | None]],
) -> OrderOutcome:
    """The order's outcome as planned, with actual deliveries of its tasks where given."""
    on_time, late, lost, changed = collected_parts(order, tasks, delivered)
    on_time += order.kg_from_stock
    last = max(order.later_dates, default=None)
    if last is not None and last > order.ship_by.date():
        late += order.kg_later_day
    else:
        on_time += order.kg_later_day
    if order.kg_unserved > 0:
        causes = order.causes or (UNKNOWN_CAUSE,)
        share = order.kg_unserved / len(causes)
        reasons = [*order.reasons, *([""] * len(causes))]
        lost += [(cause, reasons[i], share) for i, cause in enumerate(causes)]
    return OrderOutcome(
        order_id=order.order_id,
        session_id=order.session_id,
        product_id=order.product_id,
        logistics_point_id=order.logistics_point_id,
        ship_by=order.ship_by,
        kg_sold=order.kg,
        kg_on_time=on_time,
        kg_late=late,
        kg_lost=sum((kg for _, _, kg in lost), 0.0),
        lost=tuple(lost),
        from_actuals=changed,
    )


def collected_parts(
    order: OrderFate,
    tasks: Mapping[str, TaskOutcome],
    delivered: Mapping[str, tuple[float, dt.datetime | None]],
) -> tuple[float, float, list[tuple[str, str, float]], bool]:
    """The order's collected kg (shared among its tasks by the tasks' kg) on time, late and
    lost (delivered short), and whether actual deliveries changed them."""
    carriers = [tasks[t] for t in order.task_ids if t in tasks]
    if order.kg_collected <= 0 or not carriers:
        return order.kg_collected, 0.0, [], False  # no task known: as planned
    total_kg = sum(t.kg for t in carriers)
    on_time = late = short = 0.0
    changed = False
    for task in carriers:
        share = order.kg_collected * (task.kg / total_kg if total_kg > 0 else 1 / len(carriers))
        when, fraction = task.delivery_time, 1.0
        if task.task_id in delivered:
            kg, actual_when = delivered[task.task_id]
            fraction = min(1.0, max(0.0, kg) / task.kg) if task.kg > 0 else 1.0
            when = actual_when if actual_when is not None else when
            changed = True
        arrived = share * fraction
        short += share - arrived
        if when is None or when <= order.ship_by:
            on_time += arrived
        else:
            late += arrived
    lost = [(DELIVERED_SHORT, "delivered short of the plan (actuals)", short)] if short else []
    return on_time, late, lost, changed


def shipped_outcome(planned: OrderOutcome, kg: float, when: dt.datetime | None) -> OrderOutcome:
    """The order as actually shipped: ``kg`` at ``when`` (None: the plan's on-time share)."""
    kg_shipped = min(max(0.0, kg), planned.kg_sold)
    if when is not None:
        on_time = kg_shipped if when <= planned.ship_by else 0.0
    else:
        planned_shipped = planned.kg_on_time + planned.kg_late
        share = planned.kg_on_time / planned_shipped if planned_shipped > 0 else 1.0
        on_time = kg_shipped * share
    kg_lost = planned.kg_sold - kg_shipped
    as_planned = min(kg_lost, planned.kg_lost)
    scale = as_planned / planned.kg_lost if planned.kg_lost > 0 else 0.0
    lost = [(cause, reason, part * scale) for cause, reason, part in planned.lost if scale > 0]
    if kg_lost - as_planned > 1e-9:
        lost.append((NOT_SHIPPED, "shipped less than ordered (actuals)", kg_lost - as_planned))
    return OrderOutcome(
        order_id=planned.order_id,
        session_id=planned.session_id,
        product_id=planned.product_id,
        logistics_point_id=planned.logistics_point_id,
        ship_by=planned.ship_by,
        kg_sold=planned.kg_sold,
        kg_on_time=on_time,
        kg_late=kg_shipped - on_time,
        kg_lost=kg_lost,
        lost=tuple(lost),
        from_actuals=True,
    )


def spoiled_kg(plan: Plan, actuals: Actuals | None) -> dict[tuple[str, str], tuple[float, str]]:
    """Spoiled kg and their source per (logistics point, product) on the planning date:
    the plan's spoilage table (day 0), replaced by the actuals where they name the pair."""
    out: dict[tuple[str, str], tuple[float, str]] = {}
    table = plan.tables.get(SPOILAGE_TABLE)
    needed = {DAY_COLUMN, LOGISTICS_POINT_COLUMN, PRODUCT_COLUMN, KG_COLUMN}
    if table is not None and needed <= set(table.columns):  # else no spoilage per point
        today = table[pd.to_numeric(table[DAY_COLUMN], errors="coerce") == 0]
        kg = today.groupby([LOGISTICS_POINT_COLUMN, PRODUCT_COLUMN], as_index=False)[KG_COLUMN]
        summed = kg.sum()
        for point, product, value in zip(
            summed[LOGISTICS_POINT_COLUMN], summed[PRODUCT_COLUMN], summed[KG_COLUMN], strict=True
        ):
            if value > 0:
                out[str(point), str(product)] = (float(value), "plan")
    if actuals is not None:
        for key, value in actuals.spoiled_kg.items():
            out[key] = (float(value), "actuals")
    return out


def session_reviews(
    scenario: Scenario,
    outcomes: list[OrderOutcome],
    spoiled: Mapping[tuple[str, str], tuple[float, str]],
) -> tuple[tuple[SessionReview, ...], tuple[Spoilage, ...]]:
    """The session × product rows (sessions by start, then products) and the spoilage,
    each spoiled kg attributed in proportion to the kg sold at its point."""
    groups: dict[tuple[str, str], list[OrderOutcome]] = defaultdict(list)
    sold_at: dict[tuple[str, str], dict[tuple[str, str], float]] = defaultdict(dict)
    for o in outcomes:
        group = (o.session_id, o.product_id)
        groups[group].append(o)
        here = sold_at[o.logistics_point_id, o.product_id]
        here[group] = here.get(group, 0.0) + o.kg_sold
    spoiled_of: dict[tuple[str, str], float] = defaultdict(float)
    spoilage = []
    for (point, product), (kg, source) in sorted(spoiled.items()):
        sold = sold_at.get((point, product), {})
        total = sum(sold.values())
        for group, kg_sold in sold.items():
            spoiled_of[group] += kg * kg_sold / total
        attributed = kg if total > 0 else 0.0
        spoilage.append(Spoilage(point, product, kg, source, attributed))
    sessions = {s.session_id: s for s in scenario.sessions}
    products = {p.product_id: p for p in scenario.products}
    rank = {s.session_id: i for i, s in enumerate(sorted(scenario.sessions, key=lambda s: s.start))}
    rows = []
    for (session_id, product_id), orders in sorted(
        groups.items(), key=lambda item: (rank.get(item[0][0], len(rank)), item[0])
    ):
        session = sessions.get(session_id)
        price, source = price_of(products[product_id])
        rows.append(
            SessionReview(
                session_id=session_id,
                session_name=session.name if session is not None else "",
                session_start=session.start if session is not None else None,
                product_id=product_id,
                orders=len(orders),
                kg_sold=sum((o.kg_sold for o in orders), 0.0),
                kg_on_time=sum((o.kg_on_time for o in orders), 0.0),
                kg_late=sum((o.kg_late for o in orders), 0.0),
                kg_lost=sum((o.kg_lost for o in orders), 0.0),
                kg_spoiled=spoiled_of.get((session_id, product_id), 0.0),
                lost_kg_by_cause=lost_by_cause(orders),
                price_per_kg=price,
                price_source=source,
            )
        )
    return tuple(rows), tuple(spoilage)


def lost_by_cause(orders: Iterable[OrderOutcome]) -> tuple[tuple[str, float], ...]:
    """Lost kg of ``orders`` per cause, largest first."""
    kg: dict[str, float] = defaultdict(float)
    for o in orders:
        for cause, _, part in o.lost:
            kg[cause] += part
    return tuple(sorted(kg.items(), key=lambda item: (-item[1], item[0])))


__all__ = [
    "DELIVERED_SHORT",
    "NOT_SHIPPED",
    "UNKNOWN_CAUSE",
    "OrderOutcome",
    "Review",
    "SessionReview",
    "Spoilage",
    "lost_by_cause",
    "price_of",
    "review_plan",
]
