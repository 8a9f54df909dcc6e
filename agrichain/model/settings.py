"""The parameters of ``scenario.toml``."""

from __future__ import annotations

import typing
from typing import Annotated, Literal

from pydantic import Field

from agrichain.model.records import NOT_TRUE_FALSE, Date, NonNegative, Positive, Record, Text

#: Routing engines by name: the keys of ``agrichain.routing.engine.ENGINES`` (a test keeps
#: them equal; the model may not import routing). ``auto`` is the default design.
EngineName = Literal["auto", "lns", "portfolio", "ortools", "pyvrp"]
ENGINE_NAMES: tuple[str, ...] = typing.get_args(EngineName)
#: Solvers of the inventory MILP.
InventorySolver = Literal["highs", "cbc"]
#: The longest time limit accepted (a day): a nightly plan must come back the same night.
MAX_TIME_LIMIT_S = 86_400.0
#: The largest seed, solution limit, worker or thread count accepted (fits every solver).
MAX_COUNT = 2**31 - 1

Seconds = Annotated[float, Field(gt=0.0, le=MAX_TIME_LIMIT_S, allow_inf_nan=False), NOT_TRUE_FALSE]
Count = Annotated[int, Field(ge=1, le=MAX_COUNT), NOT_TRUE_FALSE]


class TravelSettings(Record):
    """Parameters of the default great-circle travel model."""

    speed_kmh: Positive = 40.0
    circuity: Annotated[float, Field(ge=1.0, le=3.0), NOT_TRUE_FALSE] = 1.3


class RoutingSettings(Record):
    """Collection routing knobs."""

    time_limit_s: Seconds = 30.0
    solution_limit: Count | None = None
    seed: Annotated[int, Field(ge=0, le=MAX_COUNT), NOT_TRUE_FALSE] = 0
    engine: EngineName = "auto"
    workers: Count = 2
    """Processes the routing search may use (at most the machine's CPUs): the default
    engine searches that many parts or seeds at once."""
    drop_penalty_per_kg: NonNegative = 50.0
    """Objective cost (currency) of leaving one kg uncollected."""
    drop_penalty_per_task: NonNegative = 1000.0
    """Objective cost (currency) of leaving a pickup task uncollected, whatever its kg."""


class InventorySettings(Record):
    """Multi-day allocation planner knobs."""

    solver: InventorySolver = "highs"
    time_limit_s: Seconds = 60.0
    mip_gap: Annotated[float, Field(ge=0.0, le=1.0), NOT_TRUE_FALSE] = 0.01
    threads: Count = 2
    transport_cost_per_kg_km: NonNegative = 0.002
    link_fixed_cost: NonNegative = 0.0
    """Cost per farm–logistics point link used per day (> 0 makes the model a MILP)."""


class Settings(Record):
    """The parameters of ``scenario.toml``."""

    name: Text = "scenario"
    planning_date: Date
    horizon_days: Annotated[int, Field(ge=1, le=60), NOT_TRUE_FALSE] = 1
    currency: Text = "CNY"
    travel: TravelSettings = TravelSettings()
    routing: RoutingSettings = RoutingSettings()
    inventory: InventorySettings = InventorySettings()
