"""The bundled small instance with drivers, plates and farm contacts, and its plans."""

from __future__ import annotations

import pytest
from builders import INSTANCES

from agrichain.io import load_scenario
from agrichain.model import Farm, Scenario, Vehicle
from agrichain.pipeline import plan_day
from agrichain.plan import Plan

LIMITS = {"solution_limit": 20, "seed": 0}


def with_contacts(scenario: Scenario) -> Scenario:
    """``scenario`` with a driver, phone and plate per vehicle and a contact per farm."""
    vehicles = [
        Vehicle(
            **{
                **v.model_dump(),
                "driver_name": f"司机{i} Driver {i}",
                "driver_phone": f"+86 138 0576 {1000 + i}",
                "plate": f"浙J·C{3100 + i}",
            }
        )
        for i, v in enumerate(scenario.vehicles)
    ]
    farms = [
        Farm(
            **{
                **f.model_dump(),
                "contact_name": f"农户{i} & Co",
                "contact_phone": f"0576-8788 {2000 + i}",
            }
        )
        for i, f in enumerate(scenario.farms)
    ]
    return scenario.with_tables(vehicles=vehicles, farms=farms)


def tight(scenario: Scenario) -> Scenario:
    """Small vans on short shifts, so that the day needs more than one vehicle."""
    update = {"capacity_kg": 150.0, "shift_start": "07:00", "shift_end": "10:30"}
    vehicles = [Vehicle(**{**v.model_dump(), **update}) for v in scenario.vehicles]
    return scenario.with_tables(vehicles=vehicles)


@pytest.fixture(scope="session")
def small() -> Scenario:
    """instances/small with contacts."""
    return with_contacts(load_scenario(INSTANCES / "small"))


@pytest.fixture(scope="session")
def small_plan(small: Scenario) -> Plan:
    return plan_day(small, **LIMITS)  # type: ignore[arg-type]


@pytest.fixture(scope="session", params=["small", "tight"])
def planned(request: pytest.FixtureRequest, small: Scenario) -> tuple[Scenario, Plan]:
    """instances/small with contacts, as bundled and with a tight fleet, and its plan."""
    scenario = small if request.param == "small" else tight(small)
    return scenario, plan_day(scenario, **LIMITS)  # type: ignore[arg-type]
