"""The parameters of ``scenario.toml``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field

from agrichain.model.records import NonNegative, Positive, Record


class TravelSettings(Record):
    """Parameters of the default great-circle travel model."""

    speed_kmh: Positive = 40.0
    circuity: Annotated[float, Field(ge=1.0, le=3.0)] = 1.3


class RoutingSettings(Record):
    """Collection routing knobs."""

    time_limit_s: Positive = 30.0
    solution_limit: Annotated[int, Field(gt=0)] | None = None
    seed: int = 0
    engine: str = "auto"
    workers: Annotated[int, Field(ge=1)] = 2
    """Processes the routing search may use (at most the machine's CPUs): the default
    engine searches that many parts or seeds at once."""
    drop_penalty_per_kg: NonNegative = 50.0
    """Objective cost (currency) of leaving one kg uncollected."""
    drop_penalty_per_task: NonNegative = 1000.0
    """Objective cost (currency) of leaving a pickup task uncollected, whatever its kg."""


class InventorySettings(Record):
    """Multi-day allocation planner knobs."""

    solver: Literal["highs", "cbc"] = "highs"
    time_limit_s: Positive = 60.0
    mip_gap: Annotated[float, Field(ge=0.0, le=1.0)] = 0.01
    threads: Annotated[int, Field(ge=1)] = 2
    transport_cost_per_kg_km: NonNegative = 0.002
    link_fixed_cost: NonNegative = 0.0
    """Cost per farm–logistics point link used per day (> 0 makes the model a MILP)."""


class Settings(Record):
    """The parameters of ``scenario.toml``."""

    name: str = "scenario"
    planning_date: dt.date
    horizon_days: Annotated[int, Field(ge=1, le=60)] = 1
    currency: str = "CNY"
    travel: TravelSettings = TravelSettings()
    routing: RoutingSettings = RoutingSettings()
    inventory: InventorySettings = InventorySettings()
