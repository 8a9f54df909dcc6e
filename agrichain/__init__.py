"""agrichain: plan the harvest, allocation and collection of fresh produce sold live.

The library API in one place::

    import agrichain as ac

    scenario = ac.load_scenario("instances/small")
    plan = ac.plan_day(scenario, time_limit_s=10, seed=0)
    plan.summary["kg_collected"], plan.unserved_frame()
    ac.write_plan(plan, "plan")

Submodules: :mod:`agrichain.model` (scenario objects), :mod:`agrichain.io` (files),
:mod:`agrichain.routing` (OR-Tools collection routing), :mod:`agrichain.pipeline`.
"""

from agrichain.allocation import Allocation, Allocator, PickupTask
from agrichain.errors import AgrichainError, InputIssue, ScenarioError, SolverError
from agrichain.inventory import NearestFarmAllocator
from agrichain.io import load_scenario, save_scenario, scenario_from_frames, write_plan
from agrichain.model import (
    Farm,
    Forecast,
    LiveSession,
    LogisticsPoint,
    Order,
    Product,
    Scenario,
    Settings,
    Stock,
    Supply,
    Vehicle,
)
from agrichain.pipeline import plan_day
from agrichain.plan import Plan, PlanStatus, Route, Stop, TaskOutcome, Unserved

__version__ = "0.1.0"

__all__ = [
    "AgrichainError",
    "Allocation",
    "Allocator",
    "Farm",
    "Forecast",
    "InputIssue",
    "LiveSession",
    "LogisticsPoint",
    "NearestFarmAllocator",
    "Order",
    "PickupTask",
    "Plan",
    "PlanStatus",
    "Product",
    "Route",
    "Scenario",
    "ScenarioError",
    "Settings",
    "SolverError",
    "Stock",
    "Stop",
    "Supply",
    "TaskOutcome",
    "Unserved",
    "Vehicle",
    "load_scenario",
    "plan_day",
    "save_scenario",
    "scenario_from_frames",
    "write_plan",
]
