"""Shared fixtures: a tiny hand-made scenario and paths to bundled and shared data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from agrichain.model import (
    Farm,
    LiveSession,
    LogisticsPoint,
    Order,
    Product,
    Scenario,
    Settings,
    Supply,
    Vehicle,
)

REPO = Path(__file__).resolve().parents[1]
INSTANCES = REPO / "instances"
SHARED = REPO.parent / "shared"
DAY = dt.date(2026, 6, 15)


def tiny_scenario(**overrides: object) -> Scenario:
    """Three farms around one hub (~5–10 km apart), two products, two vans.

    Hand-checkable: every order can be met from supply and one van suffices.
    """
    farms = [
        Farm(farm_id="F1", lat=28.90, lon=120.70, pickup_open="07:00", pickup_close="12:00"),
        Farm(farm_id="F2", lat=28.85, lon=120.80, pickup_open="07:00", pickup_close="12:00"),
        Farm(farm_id="F3", lat=28.80, lon=120.70, pickup_open="08:00", pickup_close="11:00"),
    ]
    lps = [
        LogisticsPoint(
            logistics_point_id="HUB",
            lat=28.85,
            lon=120.72,
            open="06:00",
            close="20:00",
            cutoff="17:00",
            ambient_capacity_kg=5000,
            cold_capacity_kg=2000,
        )
    ]
    products = [
        Product(product_id="peach", box_weight_kg=5, shelf_life_h=120, max_transit_min=240),
        Product(
            product_id="bayberry",
            box_weight_kg=2.5,
            shelf_life_h=48,
            max_transit_min=120,
            needs_cold_chain=True,
        ),
    ]
    supply = [
        Supply(farm_id="F1", product_id="peach", date=DAY, kg=300),
        Supply(farm_id="F2", product_id="peach", date=DAY, kg=300),
        Supply(farm_id="F3", product_id="bayberry", date=DAY, kg=200),
    ]
    sessions = [LiveSession(session_id="S1", start="2026-06-14 20:00", logistics_point_id="HUB")]
    orders = [
        Order(
            order_id=f"O{i}",
            session_id="S1",
            product_id="peach",
            quantity_boxes=10,
            ship_by="2026-06-15 17:00",
        )
        for i in range(1, 5)
    ] + [
        Order(
            order_id="O5",
            session_id="S1",
            product_id="bayberry",
            quantity_boxes=20,
            ship_by="2026-06-15 17:00",
        )
    ]
    vehicles = [
        Vehicle(
            vehicle_id="V1",
            home_logistics_point_id="HUB",
            capacity_kg=1000,
            shift_start="06:00",
            shift_end="18:00",
        ),
        Vehicle(
            vehicle_id="V2",
            home_logistics_point_id="HUB",
            capacity_kg=500,
            refrigerated=True,
            shift_start="06:00",
            shift_end="18:00",
        ),
    ]
    data: dict[str, object] = {
        "settings": Settings(name="tiny", planning_date=DAY),
        "farms": farms,
        "logistics_points": lps,
        "products": products,
        "supply": supply,
        "sessions": sessions,
        "orders": orders,
        "vehicles": vehicles,
    }
    data.update(overrides)
    return Scenario(**data)  # type: ignore[arg-type]


@pytest.fixture
def tiny() -> Scenario:
    return tiny_scenario()
