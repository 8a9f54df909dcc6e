"""The rows of a scenario: farms, logistics points, products, supply, sessions, orders,
vehicles, forecasts and stock. Every row is immutable and validated on construction."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^\s,;]+$")]
Latitude = Annotated[float, Field(ge=-90.0, le=90.0, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180.0, le=180.0, allow_inf_nan=False)]
PositiveKg = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]

#: kg in a tonne (handling rates are per tonne).
KG_PER_T = 1000.0


class Record(BaseModel):
    """Base of every scenario row and settings block: immutable, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


def minutes_of_day(t: dt.time) -> int:
    """Minutes after midnight of a clock time."""
    return t.hour * 60 + t.minute


class Farm(Record):
    """A smallholder farm where goods are picked up."""

    farm_id: Id
    name: str = ""
    lat: Latitude
    lon: Longitude
    pickup_open: dt.time = Field(description="earliest pickup, every day")
    pickup_close: dt.time = Field(description="latest pickup start, every day")
    stop_min: NonNegative = 10.0
    """Fixed minutes per visit (arriving, parking, paperwork), shared by consecutive tasks."""
    loading_min_per_t: NonNegative = 12.0
    """Minutes of loading per tonne picked up."""

    @model_validator(mode="after")
    def _window(self) -> Farm:
        if self.pickup_close <= self.pickup_open:
            raise ValueError("pickup_close must be after pickup_open")
        return self

    def handling_min(self, kg: float) -> float:
        """Minutes of loading ``kg`` (without the fixed stop time)."""
        return self.loading_min_per_t * kg / KG_PER_T


class LogisticsPoint(Record):
    """A packing hub or express-delivery station: the fleet's depots and destinations."""

    logistics_point_id: Id
    name: str = ""
    lat: Latitude
    lon: Longitude
    open: dt.time
    close: dt.time
    cutoff: dt.time = Field(description="carrier cut-off: goods must arrive before it")
    ambient_capacity_kg: NonNegative
    cold_capacity_kg: NonNegative
    stop_min: NonNegative = 10.0
    """Fixed minutes per visit (arriving, parking, paperwork), shared by consecutive tasks."""
    unloading_min_per_t: NonNegative = 10.0
    """Minutes of unloading per tonne delivered."""

    @model_validator(mode="after")
    def _hours(self) -> LogisticsPoint:
        if self.close <= self.open:
            raise ValueError("close must be after open")
        if not (self.open < self.cutoff <= self.close):
            raise ValueError("cutoff must lie within the opening hours (open < cutoff <= close)")
        return self

    def handling_min(self, kg: float) -> float:
        """Minutes of unloading ``kg`` (without the fixed stop time)."""
        return self.unloading_min_per_t * kg / KG_PER_T


class Product(Record):
    """A product sold in boxes."""

    product_id: Id
    name: str = ""
    box_weight_kg: PositiveKg
    shelf_life_h: Positive = Field(description="hours from harvest until it spoils")
    max_transit_min: Positive = Field(description="longest time on a vehicle, pickup to delivery")
    needs_cold_chain: bool = False
    holding_cost_per_kg_day: NonNegative = 0.05
    spoilage_cost_per_kg: NonNegative = 2.0
    lost_sales_cost_per_kg: NonNegative = 10.0

    @property
    def shelf_life_days(self) -> int:
        """Whole days of storage the product survives (at least 1)."""
        return max(1, int(self.shelf_life_h // 24))


class Supply(Record):
    """Harvestable kg of a product at a farm on a date."""

    farm_id: Id
    product_id: Id
    date: dt.date
    kg: NonNegative


class LiveSession(Record):
    """A live-streaming sales session; its orders ship from one logistics point."""

    session_id: Id
    name: str = ""
    start: dt.datetime
    logistics_point_id: Id


class Order(Record):
    """Boxes of one product sold in a live session, to ship by a deadline."""

    order_id: Id
    session_id: Id
    product_id: Id
    quantity_boxes: Annotated[int, Field(gt=0)]
    logistics_point_id: Id | None = Field(
        default=None, description="fulfilling logistics point; default: the session's"
    )
    ship_by: dt.datetime


class Forecast(Record):
    """Expected boxes of a product in a session not yet held (inventory planning)."""

    session_id: Id
    product_id: Id
    boxes: NonNegative


class Stock(Record):
    """Stock on hand at a logistics point at the start of the planning date."""

    logistics_point_id: Id
    product_id: Id
    age_days: Annotated[int, Field(ge=0)]
    kg: NonNegative


class Vehicle(Record):
    """A collection vehicle based at a logistics point."""

    vehicle_id: Id
    home_logistics_point_id: Id
    capacity_kg: PositiveKg
    refrigerated: bool = False
    shift_start: dt.time
    shift_end: dt.time
    cost_per_km: NonNegative = 2.0
    fixed_cost: NonNegative = 100.0

    @model_validator(mode="after")
    def _shift(self) -> Vehicle:
        if self.shift_end <= self.shift_start:
            raise ValueError("shift_end must be after shift_start")
        return self
