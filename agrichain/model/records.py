"""The rows of a scenario: farms, logistics points, products, supply, sessions, orders,
vehicles, forecasts and stock. Every row is immutable and validated on construction."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

#: The most boxes one order may ask for (a larger number is a typing error).
MAX_ORDER_BOXES = 1_000_000

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"\d{1,2}:\d{2}(:\d{2}(\.\d{1,6})?)?")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}(:\d{2}(\.\d{1,6})?)?")
_ONE_DIGIT_HOUR = re.compile(r"(^|[ T])(\d:)")


def control_character(text: str, *, format_characters: bool = False) -> str | None:
    """The first control character in ``text`` as its code point (e.g. ``U+0000``), if any; with
    ``format_characters`` also invisible format characters (zero-width space, BOM …)."""
    refused = ("Cc", "Cs", "Cf") if format_characters else ("Cc", "Cs")
    for ch in text:
        if unicodedata.category(ch) in refused:
            return f"U+{ord(ch):04X}"
    return None


def _plain_text(text: str) -> str:
    found = control_character(text)
    if found is not None:
        raise ValueError(f"contains the control character {found}")
    return text


def _plain_id(text: str) -> str:
    found = control_character(text, format_characters=True)
    if found is not None:
        raise ValueError(f"contains the control character {found}")
    if any(ch.isspace() or ch in ",;" for ch in text):
        raise ValueError("an id may not contain spaces, ',' or ';'")
    return text


def _written_as(pattern: re.Pattern[str], form: str) -> Any:
    """A check that text cells are written as ``form`` (a one-digit hour is padded);
    numbers are refused (never read as seconds since 1970)."""

    def check(value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if not pattern.fullmatch(text):
                raise ValueError(f"expected {form}")
            return _ONE_DIGIT_HOUR.sub(r"\g<1>0\g<2>", text)
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise ValueError(f"expected {form}, not a number")
        return value

    return BeforeValidator(check)


def _not_true_false(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("expected a number, not true/false")
    return value


#: Numbers are never read from true/false (which would pass as 1 and 0).
NOT_TRUE_FALSE = BeforeValidator(_not_true_false)


def _local(value: dt.time | dt.datetime) -> dt.time | dt.datetime:
    if value.tzinfo is not None:
        raise ValueError("give a local time without a time zone")
    return value


Text = Annotated[str, AfterValidator(_plain_text)]
"""Free text (names): any characters but control characters."""
Id = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_plain_id)]
"""An identifier: 1–64 characters; no spaces, commas, semicolons, control or format characters."""
Date = Annotated[dt.date, _written_as(_DATE, "a date as YYYY-MM-DD")]
ClockTime = Annotated[dt.time, _written_as(_TIME, "a time of day as HH:MM"), AfterValidator(_local)]
Timestamp = Annotated[
    dt.datetime,
    _written_as(_DATETIME, "a date and time as YYYY-MM-DD HH:MM"),
    AfterValidator(_local),
]
Latitude = Annotated[float, Field(ge=-90.0, le=90.0, allow_inf_nan=False), NOT_TRUE_FALSE]
Longitude = Annotated[float, Field(ge=-180.0, le=180.0, allow_inf_nan=False), NOT_TRUE_FALSE]
PositiveKg = Annotated[float, Field(gt=0.0, allow_inf_nan=False), NOT_TRUE_FALSE]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False), NOT_TRUE_FALSE]
Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False), NOT_TRUE_FALSE]

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
    name: Text = ""
    lat: Latitude
    lon: Longitude
    pickup_open: ClockTime = Field(description="earliest pickup, every day")
    pickup_close: ClockTime = Field(description="latest pickup start, every day")
    stop_min: NonNegative = 10.0
    """Fixed minutes per visit (arriving, parking, paperwork), shared by consecutive tasks."""
    loading_min_per_t: NonNegative = 12.0
    """Minutes of loading per tonne picked up."""
    contact_name: Text = Field(default="", description="person to ask for at the farm")
    contact_phone: Text = Field(
        default="",
        max_length=32,
        pattern=r"^([0-9+()./ -]*[0-9][0-9+()./ -]*)?$",
        description="phone of the farm's contact: digits, spaces and + - ( ) . / (≤ 32)",
    )

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
    name: Text = ""
    lat: Latitude
    lon: Longitude
    open: ClockTime
    close: ClockTime
    cutoff: ClockTime = Field(description="carrier cut-off: goods must arrive before it")
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
    name: Text = ""
    box_weight_kg: PositiveKg
    shelf_life_h: Positive = Field(description="hours from harvest until it spoils")
    max_transit_min: Positive = Field(description="longest time on a vehicle, pickup to delivery")
    needs_cold_chain: bool = False
    holding_cost_per_kg_day: NonNegative = 0.05
    spoilage_cost_per_kg: NonNegative = 2.0
    lost_sales_cost_per_kg: NonNegative = 10.0
    price_per_kg: NonNegative | None = Field(
        default=None,
        description="selling price of 1 kg (post-live review); empty: lost_sales_cost_per_kg",
    )

    @property
    def shelf_life_days(self) -> int:
        """Whole days of storage the product survives (at least 1)."""
        return max(1, int(self.shelf_life_h // 24))


class Supply(Record):
    """Harvestable kg of a product at a farm on a date."""

    farm_id: Id
    product_id: Id
    date: Date
    kg: NonNegative


class LiveSession(Record):
    """A live-streaming sales session; its orders ship from one logistics point."""

    session_id: Id
    name: Text = ""
    start: Timestamp
    logistics_point_id: Id


class Order(Record):
    """Boxes of one product sold in a live session, to ship by a deadline."""

    order_id: Id
    session_id: Id
    product_id: Id
    quantity_boxes: Annotated[int, Field(gt=0, le=MAX_ORDER_BOXES), NOT_TRUE_FALSE]
    logistics_point_id: Id | None = Field(
        default=None, description="fulfilling logistics point; default: the session's"
    )
    ship_by: Timestamp
    late: bool = Field(
        default=False,
        description=(
            "carried past its ship_by (set by agrichain roll): only a late order's ship_by "
            "may be before the planning date"
        ),
    )


class Forecast(Record):
    """Expected boxes of a product in a session not yet held (inventory planning)."""

    session_id: Id
    product_id: Id
    boxes: NonNegative


class Stock(Record):
    """Stock on hand at a logistics point at the start of the planning date."""

    logistics_point_id: Id
    product_id: Id
    age_days: Annotated[int, Field(ge=0), NOT_TRUE_FALSE]
    kg: NonNegative


class Vehicle(Record):
    """A collection vehicle based at a logistics point."""

    vehicle_id: Id
    home_logistics_point_id: Id
    capacity_kg: PositiveKg
    refrigerated: bool = False
    shift_start: ClockTime
    shift_end: ClockTime
    cost_per_km: NonNegative = 2.0
    fixed_cost: NonNegative = 100.0
    driver_name: Text = Field(default="", description="who drives it on the planning date")
    driver_phone: Text = Field(
        default="",
        max_length=32,
        pattern=r"^([0-9+()./ -]*[0-9][0-9+()./ -]*)?$",
        description="the driver's phone: digits, spaces and + - ( ) . / (≤ 32)",
    )
    plate: Text = Field(default="", max_length=20, description="licence plate (≤ 20 characters)")

    @model_validator(mode="after")
    def _shift(self) -> Vehicle:
        if self.shift_end <= self.shift_start:
            raise ValueError("shift_end must be after shift_start")
        return self
