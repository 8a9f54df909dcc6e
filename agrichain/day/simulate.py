"""The nightly loop for a week: plan, disrupt, roll forward — two policies on the same draws.

Each simulated day, for each policy in turn (every policy runs its own chain of days):

1. the day's scenario: the state so far (stock, open orders) with the calendar's supply,
   sessions and forecasts (:mod:`agrichain.day.simulate_calendar`); today's supply is the
   drawn harvest (supply × the farm's factor) when ``harvest_known`` (the farms report
   their pick before the routes go out), else the nominal supply, and the broken-down
   vehicle, if any, is left out;
2. the plan: ``default`` — the inventory planner and the default routing engine;
   ``nearest`` — the nearest-farm rule (every order from today's harvest of the farms
   nearest its point, no pre-stock) and the same routing; seeded, with the given limits;
3. the actuals: the farms harvested as drawn; the plan's served tasks arrive (cut where
   the harvest falls short of them); orders ship as far as the stock reaches;
4. the roll forward (:func:`agrichain.day.roll_day`), then the evening's drawn orders.

Late orders are planned as due on the planning date. A buyer waits at most
``cancel_late_after_days`` days past the ship-by; then the order is cancelled and its open
kg are lost sales.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from agrichain.day.roll import RollReport, roll_day
from agrichain.day.simulate_calendar import Calendar, DayDraw, DrawSettings, draw_days
from agrichain.geo import TravelModel
from agrichain.io.actuals import Actuals
from agrichain.model import Scenario, Supply
from agrichain.pipeline import make_allocator, plan_day
from agrichain.plan import Plan

#: The policies compared, in table order.
POLICIES = ("default", "nearest")
#: Allocation method of each policy.
POLICY_ALLOCATION = {"default": "inventory", "nearest": "nearest"}
#: Columns of :attr:`SimulationResult.table`.
SIMULATION_COLUMNS = [
    "day",
    "date",
    "policy",
    "status",
    "broken_vehicle",
    "vehicles_used",
    "cost",
    "kg_ordered",
    "kg_delivered",
    "kg_on_time",
    "kg_late",
    "kg_spoiled",
    "kg_lost",
    "kg_backlog_late",
]
#: Columns summed by :meth:`SimulationResult.totals`.
TOTAL_COLUMNS = ["cost", "kg_delivered", "kg_on_time", "kg_late", "kg_spoiled", "kg_lost"]

#: ``progress(policy, day)``, called before each planned day.
SimulationProgress = Callable[[str, int], None]


@dataclass(frozen=True)
class SimulationResult:
    """One row per simulated day and policy (:data:`SIMULATION_COLUMNS`).

    ``kg_ordered``: open order kg at the start of the day; ``kg_on_time`` / ``kg_late``:
    shipped that day by / after the ship-by; ``kg_spoiled``: discarded or past the shelf
    life overnight; ``kg_lost``: open kg of orders cancelled that night (lost sales);
    ``kg_backlog_late``: open kg past their ship-by carried into the next day.
    """

    table: pd.DataFrame
    seed: int
    days: int
    wall_time_s: dict[str, float] = field(default_factory=dict)
    """Seconds each policy's run took (not part of the table: it varies between runs)."""

    def totals(self) -> pd.DataFrame:
        """Per policy, the sums over the days of cost and kg (:data:`TOTAL_COLUMNS`)."""
        sums = self.table.groupby("policy", sort=False)[TOTAL_COLUMNS].sum()
        return sums.reindex([p for p in POLICIES if p in sums.index]).reset_index()


def _dates(day: int, calendar: Calendar) -> list[dt.date]:
    return [calendar.date(day + i) for i in range(calendar.horizon)]


def with_calendar(scenario: Scenario, calendar: Calendar, day: int) -> Scenario:
    """``scenario`` (planning day ``day`` of the calendar) with the calendar's supply for
    the horizon's dates that have none, and its sessions and forecasts of the horizon's
    evenings that are not there yet."""
    have_dates = {s.date for s in scenario.supply}
    supply = list(scenario.supply)
    for n, date in enumerate(_dates(day, calendar), start=day):
        if date not in have_dates:
            supply += calendar.supply(n)
    have = {s.session_id for s in scenario.sessions}
    sessions, forecast = list(scenario.sessions), list(scenario.forecast)
    for evening in range(day, day + calendar.horizon):
        new = [s for s in calendar.sessions(evening) if s.session_id not in have]
        sessions += new
        added = {s.session_id for s in new}
        forecast += [f for f in calendar.forecast(evening) if f.session_id in added]
    return scenario.with_tables(supply=supply, sessions=sessions, forecast=forecast)


def _drawn_supply(scenario: Scenario, draw: DayDraw) -> list[Supply]:
    today = scenario.settings.planning_date
    return [
        s.model_copy(update={"kg": round(s.kg * draw.harvest_factor[s.farm_id], 3)})
        if s.date == today
        else s
        for s in scenario.supply
    ]


def planning_view(scenario: Scenario, draw: DayDraw, harvest_known: bool) -> Scenario:
    """The scenario the planner sees: without the broken vehicle, today's harvest as drawn
    (if known), late orders due on the planning date."""
    vehicles = [v for v in scenario.vehicles if v.vehicle_id != draw.broken_vehicle]
    supply = _drawn_supply(scenario, draw) if harvest_known else scenario.supply
    return scenario.with_tables(vehicles=vehicles, supply=supply)


def _harvest(scenario: Scenario, draw: DayDraw) -> dict[tuple[str, str], float]:
    today = scenario.settings.planning_date
    out: dict[tuple[str, str], float] = {}
    for s in _drawn_supply(scenario, draw):
        if s.date == today:
            out[(s.farm_id, s.product_id)] = out.get((s.farm_id, s.product_id), 0.0) + s.kg
    return out


def _row(
    draw: DayDraw, policy: str, scenario: Scenario, plan: Plan, report: RollReport
) -> dict[str, Any]:
    return {
        "day": draw.day,
        "date": report.date.isoformat(),
        "policy": policy,
        "status": plan.status.value,
        "broken_vehicle": draw.broken_vehicle or "",
        "vehicles_used": len(plan.routes),
        "cost": round(plan.cost(), 2),
        "kg_ordered": round(sum(scenario.order_kg(o) for o in scenario.orders), 3),
        "kg_delivered": round(report.kg_delivered, 3),
        "kg_on_time": round(report.kg_on_time, 3),
        "kg_late": round(report.kg_late, 3),
        "kg_spoiled": round(report.kg_spoiled, 3),
        "kg_lost": round(report.kg_lost, 3),
        "kg_backlog_late": round(report.kg_carried_late, 3),
    }


@dataclass(frozen=True)
class SimulationLimits:
    """Limits of each day's plan (None keeps ``scenario.toml``)."""

    time_limit_s: float | None = None
    solution_limit: int | None = None
    inventory_time_limit_s: float | None = None
    engine: str | None = None
    workers: int | None = None


def simulate(
    scenario: Scenario,
    days: int = 7,
    seed: int = 0,
    *,
    limits: SimulationLimits | None = None,
    draws: DrawSettings | None = None,
    harvest_known: bool = True,
    cancel_late_after_days: int | None = 1,
    policies: tuple[str, ...] = POLICIES,
    progress: SimulationProgress | None = None,
    travel: TravelModel | None = None,
) -> SimulationResult:
    """Simulate ``days`` nights of planning for each policy on the same seeded draws
    (see the module notes), every night with ``travel`` (default: ``[travel]`` of the
    scenario, which then must be great circle). With a solution limit the result depends
    only on the input and the seed."""
    if days < 1:
        raise ValueError("days must be at least 1")
    unknown = [p for p in policies if p not in POLICY_ALLOCATION]
    if unknown:
        raise ValueError(f"unknown policy {unknown[0]!r}; choose from {', '.join(POLICIES)}")
    limits = limits or SimulationLimits()
    calendar = Calendar(scenario)
    day_draws = draw_days(scenario, calendar, days, seed, draws or DrawSettings())
    first = with_calendar(scenario, calendar, 0)
    rows: list[dict[str, Any]] = []
    wall: dict[str, float] = {}
    for policy in policies:
        started = time.monotonic()
        options = {"time_limit_s": limits.inventory_time_limit_s}
        method = POLICY_ALLOCATION[policy]
        allocator = make_allocator(method, **(options if method == "inventory" else {}))
        state = first
        for draw in day_draws:
            if progress is not None:
                progress(policy, draw.day)
            plan = plan_day(
                planning_view(state, draw, harvest_known),
                time_limit_s=limits.time_limit_s,
                seed=seed,
                solution_limit=limits.solution_limit,
                engine=limits.engine,
                workers=limits.workers,
                allocator=allocator,
                travel=travel,
            )
            actuals = Actuals(harvested_kg=_harvest(state, draw))
            rolled = roll_day(state, plan, actuals, cancel_late_after_days=cancel_late_after_days)
            rows.append(_row(draw, policy, state, plan, rolled.report))
            evening = [*rolled.scenario.orders, *draw.evening_orders]
            state = with_calendar(
                rolled.scenario.with_tables(orders=evening), calendar, draw.day + 1
            )
        wall[policy] = round(time.monotonic() - started, 3)
    table = pd.DataFrame(rows, columns=SIMULATION_COLUMNS)
    return SimulationResult(table, seed, days, wall)


__all__ = [
    "POLICIES",
    "SIMULATION_COLUMNS",
    "TOTAL_COLUMNS",
    "SimulationLimits",
    "SimulationProgress",
    "SimulationResult",
    "planning_view",
    "simulate",
    "with_calendar",
]
