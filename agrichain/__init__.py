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

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

#: Public name → the module that defines it; each is imported on first use, so that
#: ``import agrichain.cli`` stays quick and the command can start its clock first.
_HOMES: dict[str, str] = {
    "AgrichainError": "agrichain.errors",
    "Allocation": "agrichain.allocation",
    "Allocator": "agrichain.allocation",
    "Farm": "agrichain.model",
    "Forecast": "agrichain.model",
    "InputIssue": "agrichain.errors",
    "LiveSession": "agrichain.model",
    "LogisticsPoint": "agrichain.model",
    "NearestFarmAllocator": "agrichain.inventory",
    "Order": "agrichain.model",
    "PickupTask": "agrichain.allocation",
    "Plan": "agrichain.plan",
    "PlanStatus": "agrichain.plan",
    "Product": "agrichain.model",
    "Route": "agrichain.plan",
    "Scenario": "agrichain.model",
    "ScenarioError": "agrichain.errors",
    "Settings": "agrichain.model",
    "SolverError": "agrichain.errors",
    "Stock": "agrichain.model",
    "Stop": "agrichain.plan",
    "Supply": "agrichain.model",
    "TaskOutcome": "agrichain.plan",
    "Unserved": "agrichain.plan",
    "Vehicle": "agrichain.model",
    "load_scenario": "agrichain.io",
    "plan_day": "agrichain.pipeline",
    "save_scenario": "agrichain.io",
    "scenario_from_frames": "agrichain.io",
    "write_plan": "agrichain.io",
}

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


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'agrichain' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])
