"""Checking a given plan: ETAs, loads, km, cost and every violation, with a code.

The plan's routes (``routes.csv``, perhaps edited by hand: stops moved, reordered,
given to another vehicle) are recomputed against the scenario with the travel and
service model the planner uses; ``orders.csv`` is checked against the scenario's
orders and the recomputed routes (code ``order_fate``).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from agrichain.allocation import BREAKDOWN, PickupTask, fate_of
from agrichain.geo import TravelModel
from agrichain.io import StopLine, read_plan, stop_lines
from agrichain.io.plan_files import ROUTES_CSV, SUMMARY_JSON, TASKS_CSV, csv_bytes, json_value
from agrichain.model import Scenario
from agrichain.plan import OrderFate, Plan, Route, TaskOutcome, stops_frame, tasks_frame
from agrichain.routing.collection import build_collection_problem
from agrichain.routing.plan_check import CheckCode, PlanViolation, check_stops

VIOLATIONS_CSV = "violations.csv"
VIOLATION_COLUMNS = ["code", "vehicle_id", "stop_id", "task_id", "message"]
#: kg two figures of one order may differ by and still agree.
KG_TOLERANCE = 1e-6


@dataclass(frozen=True)
class PlanCheck:
    """A plan checked: its routes recomputed, its tasks' outcomes, every violation."""

    scenario_name: str
    routes: tuple[Route, ...]
    tasks: tuple[TaskOutcome, ...]
    violations: tuple[PlanViolation, ...]

    def is_clean(self) -> bool:
        """True when the plan breaks no rule."""
        return not self.violations

    def cost(self) -> float:
        """Fixed and distance cost of the recomputed routes."""
        return float(sum(r.cost for r in self.routes))

    def distance_km(self) -> float:
        return float(sum(r.distance_km for r in self.routes))

    def counts(self) -> dict[str, int]:
        """Violations per code."""
        return dict(sorted(Counter(v.code.value for v in self.violations).items()))

    def summary(self) -> dict[str, Any]:
        """The check in figures (the content of its ``summary.json``)."""
        return {
            "scenario": self.scenario_name,
            "checked": "clean" if self.is_clean() else "violations",
            "violations": len(self.violations),
            "violations_by_code": self.counts(),
            "vehicles_used": len(self.routes),
            "distance_km": round(self.distance_km(), 3),
            "cost_total": round(self.cost(), 2),
            "tasks_routed": sum(1 for t in self.tasks if t.vehicle_id is not None),
            "tasks_not_routed": sum(1 for t in self.tasks if t.vehicle_id is None),
        }

    def violations_frame(self) -> pd.DataFrame:
        """One row per violation: code, vehicle, stop, task, what is wrong."""
        rows = [
            [v.code.value, v.vehicle_id, v.stop_id, v.task_id, v.message] for v in self.violations
        ]
        return pd.DataFrame(rows, columns=VIOLATION_COLUMNS)

    def files(self) -> dict[str, bytes]:
        """``routes.csv`` and ``tasks.csv`` recomputed, ``violations.csv``, ``summary.json``."""
        summary = json.dumps(self.summary(), indent=2, default=json_value, ensure_ascii=False)
        return {
            ROUTES_CSV: csv_bytes(stops_frame(self.routes)),
            TASKS_CSV: csv_bytes(tasks_frame(self.tasks)),
            VIOLATIONS_CSV: csv_bytes(self.violations_frame()),
            SUMMARY_JSON: (summary + "\n").encode("utf-8"),
        }


def plan_stop_lines(plan: Plan) -> list[StopLine]:
    """The stops of ``plan`` as the lines a ``routes.csv`` would hold (for edits in memory)."""
    lines, number = [], 2
    for route in plan.routes:
        for s in route.stops:
            lines.append(
                StopLine(
                    number,
                    s.vehicle_id,
                    s.trip,
                    s.seq,
                    s.stop_id,
                    s.stop_kind,
                    s.task_ids,
                    route.locked,
                )
            )
            number += 1
    return lines


def order_violation(order_id: str, message: str, task_id: str = "") -> PlanViolation:
    return PlanViolation(CheckCode.ORDER_FATE, "", "", task_id, f"order {order_id}: {message}")


def one_order(order: OrderFate, kg: float, routed: set[str]) -> list[PlanViolation]:
    """One row of ``orders.csv`` against the order's kg and the routed tasks."""
    out = []
    if abs(order.kg - kg) > KG_TOLERANCE:
        out.append(
            order_violation(order.order_id, f"{order.kg:g} kg in orders.csv, {kg:g} ordered")
        )
    parts = order.kg_collected + order.kg_from_stock + order.kg_later_day + order.kg_unserved
    if abs(parts - order.kg) > KG_TOLERANCE:
        message = f"its sources add up to {parts:g} kg, not its {order.kg:g} kg"
        out.append(order_violation(order.order_id, message))
    fate = fate_of(order.kg_collected, order.kg_from_stock, order.kg_later_day, order.kg_unserved)
    if order.fate is not fate:
        message = f"fate {order.fate.value}, but its kg say {fate.value}"
        out.append(order_violation(order.order_id, message))
    if order.kg_collected > KG_TOLERANCE:
        for task_id in order.task_ids:
            if task_id not in routed:
                message = f"counted as collected by task {task_id}, which no route serves"
                out.append(order_violation(order.order_id, message, task_id))
    return out


def order_fate_violations(
    scenario: Scenario, orders: Sequence[OrderFate], tasks: Sequence[TaskOutcome]
) -> list[PlanViolation]:
    """Every scenario order exactly once in ``orders.csv``, with its kg, a fate its kg
    bear out, and its collected kg on routed tasks."""
    routed = {t.task_id for t in tasks if t.vehicle_id is not None}
    ordered = {o.order_id: scenario.order_kg(o) for o in scenario.orders}
    out, seen = [], Counter(o.order_id for o in orders)
    for order_id in ordered:
        if seen[order_id] != 1:
            out.append(order_violation(order_id, f"{seen[order_id]} rows in orders.csv, not 1"))
    for order in orders:
        if order.order_id not in ordered:
            out.append(order_violation(order.order_id, "in orders.csv but not in the scenario"))
        else:
            out += one_order(order, ordered[order.order_id], routed)
    return out


def check_routes(
    scenario: Scenario,
    plan: Plan,
    lines: Sequence[StopLine] | None = None,
    travel: TravelModel | None = None,
) -> PlanCheck:
    """Check ``plan`` with its routes given as ``lines`` (default: the plan's own routes)."""
    pieces = [
        PickupTask(t.task_id, t.farm_id, t.product_id, t.kg, t.logistics_point_id, t.order_ids)
        for t in plan.tasks
    ]
    collection = build_collection_problem(scenario, pieces, travel)
    lost = frozenset(u.item_id for u in plan.unserved if u.cause == BREAKDOWN)
    checked = check_stops(collection, plan_stop_lines(plan) if lines is None else lines, lost)
    fates = order_fate_violations(scenario, plan.orders, checked.tasks)
    return PlanCheck(
        scenario_name=scenario.settings.name,
        routes=checked.routes,
        tasks=checked.tasks,
        violations=checked.violations + tuple(fates),
    )


def check_plan(
    scenario: Scenario, plan_folder: str | os.PathLike[str], travel: TravelModel | None = None
) -> PlanCheck:
    """Check the plan written in ``plan_folder``: its ``routes.csv`` as it stands (edited or
    not; times, loads and km in it are ignored and recomputed), its tasks and order fates.

    :class:`~agrichain.errors.ScenarioError` (located) if a file cannot be read.
    """
    plan = read_plan(plan_folder, scenario, with_routes=False)
    return check_routes(scenario, plan, stop_lines(Path(plan_folder)), travel)


__all__ = ["VIOLATIONS_CSV", "PlanCheck", "check_plan", "check_routes", "plan_stop_lines"]
