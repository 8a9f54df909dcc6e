"""Stock through one day for the roll forward: lots by age per logistics point and product,
today's deliveries in, shipments and discards out oldest first, then one night older."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from agrichain.errors import InputIssue, ScenarioError
from agrichain.io.actuals import Actuals
from agrichain.model import Scenario, Stock
from agrichain.plan import Plan, TaskOutcome

#: kg below this are rounding noise (stock rows and open orders are dropped below it).
KG_EPS = 1e-6

Pair = tuple[str, str]
"""(logistics_point_id, product_id)."""
Lots = dict[Pair, dict[int, float]]
"""kg on hand per (logistics point, product) and age in days."""


def opening_lots(scenario: Scenario) -> Lots:
    """The scenario's stock at the start of the planning date, by age."""
    lots: Lots = defaultdict(dict)
    for st in scenario.stock:
        ages = lots[(st.logistics_point_id, st.product_id)]
        ages[st.age_days] = ages.get(st.age_days, 0.0) + st.kg
    return lots


def _harvest_share(tasks: tuple[TaskOutcome, ...], actuals: Actuals) -> dict[Pair, float]:
    """Per (farm, product) with an actual harvest: the share of the planned kg of its served
    tasks (those without their own delivered kg) that the harvest left to collect."""
    planned: dict[Pair, float] = defaultdict(float)
    given: dict[Pair, float] = defaultdict(float)
    for t in tasks:
        key = (t.farm_id, t.product_id)
        if t.task_id in actuals.delivered:
            given[key] += actuals.delivered[t.task_id][0]
        elif t.served:
            planned[key] += t.kg
    share = {}
    for key, harvested in actuals.harvested_kg.items():
        if planned.get(key, 0.0) > KG_EPS:
            left = max(0.0, harvested - given.get(key, 0.0))
            share[key] = min(1.0, left / planned[key])
    return share


def delivered_kg(plan: Plan, actuals: Actuals) -> dict[str, float]:
    """kg each task of the plan brought to its logistics point today.

    A task's delivered kg in the actuals are taken as they are; otherwise a served task
    delivers its planned kg, cut in proportion where its farm harvested less than the
    served tasks of that farm and product planned to collect; an unserved task delivers
    nothing. A delivered task the plan does not hold is an input error.
    """
    known = {t.task_id for t in plan.tasks}
    unknown = sorted(set(actuals.delivered) - known)
    if unknown:
        raise ScenarioError(
            [InputIssue("actuals", None, "id", f"task '{t}' is not in the plan") for t in unknown]
        )
    share = _harvest_share(plan.tasks, actuals)
    out = {}
    for t in plan.tasks:
        if t.task_id in actuals.delivered:
            out[t.task_id] = actuals.delivered[t.task_id][0]
        elif t.served:
            out[t.task_id] = t.kg * share.get((t.farm_id, t.product_id), 1.0)
    return out


def receive(lots: Lots, plan: Plan, delivered: Mapping[str, float]) -> float:
    """Add today's deliveries to the lots (age 0); the kg received."""
    total = 0.0
    for t in plan.tasks:
        kg = delivered.get(t.task_id, 0.0)
        if kg > 0:
            ages = lots[(t.logistics_point_id, t.product_id)]
            ages[0] = ages.get(0, 0.0) + kg
            total += kg
    return total


def on_hand(lots: Lots, pair: Pair) -> float:
    return sum(lots.get(pair, {}).values())


def take_oldest(lots: Lots, pair: Pair, kg: float) -> float:
    """Remove ``kg`` of a pair's stock, oldest first; the kg there were to take."""
    ages = lots.get(pair, {})
    taken = 0.0
    for age in sorted(ages, reverse=True):
        if kg - taken <= KG_EPS:
            break
        piece = min(ages[age], kg - taken)
        ages[age] -= piece
        taken += piece
    for age in [a for a, left in ages.items() if left <= KG_EPS]:
        del ages[age]
    return taken


def overnight(lots: Lots, life_days: Mapping[str, int]) -> tuple[Lots, dict[Pair, float]]:
    """The lots one night older, and per pair the kg that reached the product's shelf life
    (``life_days``: a product may be kept at ages below it) and are thrown away."""
    aged: Lots = defaultdict(dict)
    expired: dict[Pair, float] = defaultdict(float)
    for pair, ages in lots.items():
        for age, kg in ages.items():
            if kg <= KG_EPS:
                continue
            if age + 1 >= life_days[pair[1]]:
                expired[pair] += kg
            else:
                aged[pair][age + 1] = kg
    return aged, dict(expired)


def stock_rows(lots: Lots) -> list[Stock]:
    """The lots as rows of ``stock.csv`` (kg rounded to the gram)."""
    rows = []
    for (point, product), ages in sorted(lots.items()):
        for age, kg in sorted(ages.items()):
            if round(kg, 3) > 0:
                rows.append(
                    Stock(
                        logistics_point_id=point,
                        product_id=product,
                        age_days=age,
                        kg=round(kg, 3),
                    )
                )
    return rows


__all__ = [
    "KG_EPS",
    "Lots",
    "Pair",
    "delivered_kg",
    "on_hand",
    "opening_lots",
    "overnight",
    "receive",
    "stock_rows",
    "take_oldest",
]
