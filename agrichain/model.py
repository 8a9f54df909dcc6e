"""The scenario model: farms, logistics points, products, supply, live sessions, orders, vehicles.

Every object is immutable and validated on construction (pydantic). A
:class:`Scenario` also checks the references between tables; any problem is
raised as :class:`agrichain.errors.ScenarioError` naming table, row and column.

Clock times (``pickup_open``, ``cutoff``, ``shift_start`` …) are times of day,
the same every day. Timestamps (``LiveSession.start``, ``Order.ship_by``) are
local date-times. Internally solvers count minutes from midnight of
``Settings.planning_date`` (see :meth:`Scenario.minutes`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from agrichain.errors import InputIssue, ScenarioError

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^\s,;]+$")]
Latitude = Annotated[float, Field(ge=-90.0, le=90.0, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180.0, le=180.0, allow_inf_nan=False)]
PositiveKg = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]

#: kg in a tonne (handling rates are per tonne).
KG_PER_T = 1000.0


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


def minutes_of_day(t: dt.time) -> int:
    """Minutes after midnight of a clock time."""
    return t.hour * 60 + t.minute


class Farm(_Record):
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


class LogisticsPoint(_Record):
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


class Product(_Record):
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


class Supply(_Record):
    """Harvestable kg of a product at a farm on a date."""

    farm_id: Id
    product_id: Id
    date: dt.date
    kg: NonNegative


class LiveSession(_Record):
    """A live-streaming sales session; its orders ship from one logistics point."""

    session_id: Id
    name: str = ""
    start: dt.datetime
    logistics_point_id: Id


class Order(_Record):
    """Boxes of one product sold in a live session, to ship by a deadline."""

    order_id: Id
    session_id: Id
    product_id: Id
    quantity_boxes: Annotated[int, Field(gt=0)]
    logistics_point_id: Id | None = Field(
        default=None, description="fulfilling logistics point; default: the session's"
    )
    ship_by: dt.datetime


class Forecast(_Record):
    """Expected boxes of a product in a session not yet held (inventory planning)."""

    session_id: Id
    product_id: Id
    boxes: NonNegative


class Stock(_Record):
    """Stock on hand at a logistics point at the start of the planning date."""

    logistics_point_id: Id
    product_id: Id
    age_days: Annotated[int, Field(ge=0)]
    kg: NonNegative


class Vehicle(_Record):
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


class TravelSettings(_Record):
    """Parameters of the default great-circle travel model."""

    speed_kmh: Positive = 40.0
    circuity: Annotated[float, Field(ge=1.0, le=3.0)] = 1.3


class RoutingSettings(_Record):
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


class InventorySettings(_Record):
    """Multi-day allocation planner knobs."""

    solver: Literal["highs", "cbc"] = "highs"
    time_limit_s: Positive = 60.0
    mip_gap: Annotated[float, Field(ge=0.0, le=1.0)] = 0.01
    threads: Annotated[int, Field(ge=1)] = 2
    transport_cost_per_kg_km: NonNegative = 0.002
    link_fixed_cost: NonNegative = 0.0
    """Cost per farm–logistics point link used per day (> 0 makes the model a MILP)."""


class Settings(_Record):
    """The parameters of ``scenario.toml``."""

    name: str = "scenario"
    planning_date: dt.date
    horizon_days: Annotated[int, Field(ge=1, le=60)] = 1
    currency: str = "CNY"
    travel: TravelSettings = TravelSettings()
    routing: RoutingSettings = RoutingSettings()
    inventory: InventorySettings = InventorySettings()


#: Tables of a scenario, in load order, with their id column (None: no single id).
TABLES: dict[str, str | None] = {
    "farms": "farm_id",
    "logistics_points": "logistics_point_id",
    "products": "product_id",
    "supply": None,
    "sessions": "session_id",
    "orders": "order_id",
    "vehicles": "vehicle_id",
    "forecast": None,
    "stock": None,
}


class Scenario(_Record):
    """A complete, cross-checked planning scenario.

    Build it from objects (``Scenario(settings=..., farms=[...], ...)``), from
    DataFrames (:func:`agrichain.io.scenario_from_frames`) or from a folder
    (:func:`agrichain.io.load_scenario`).
    """

    settings: Settings
    farms: tuple[Farm, ...]
    logistics_points: tuple[LogisticsPoint, ...]
    products: tuple[Product, ...]
    supply: tuple[Supply, ...] = ()
    sessions: tuple[LiveSession, ...] = ()
    orders: tuple[Order, ...] = ()
    vehicles: tuple[Vehicle, ...]
    forecast: tuple[Forecast, ...] = ()
    stock: tuple[Stock, ...] = ()

    @model_validator(mode="after")
    def _cross_check(self) -> Scenario:
        issues = cross_check(self)
        if issues:
            raise ScenarioError(issues)
        return self

    # ----- look-ups -------------------------------------------------------
    @cached_property
    def farm(self) -> dict[str, Farm]:
        return {f.farm_id: f for f in self.farms}

    @cached_property
    def logistics_point(self) -> dict[str, LogisticsPoint]:
        return {p.logistics_point_id: p for p in self.logistics_points}

    @cached_property
    def product(self) -> dict[str, Product]:
        return {p.product_id: p for p in self.products}

    @cached_property
    def session(self) -> dict[str, LiveSession]:
        return {s.session_id: s for s in self.sessions}

    @cached_property
    def vehicle(self) -> dict[str, Vehicle]:
        return {v.vehicle_id: v for v in self.vehicles}

    # ----- derived quantities ---------------------------------------------
    def order_kg(self, order: Order) -> float:
        """Weight of an order in kg."""
        return order.quantity_boxes * self.product[order.product_id].box_weight_kg

    def order_logistics_point(self, order: Order) -> str:
        """The logistics point that fulfils an order."""
        if order.logistics_point_id is not None:
            return order.logistics_point_id
        return self.session[order.session_id].logistics_point_id

    def day_of(self, when: dt.date | dt.datetime) -> int:
        """Day index of a date (0 = planning date)."""
        day = when.date() if isinstance(when, dt.datetime) else when
        return (day - self.settings.planning_date).days

    def minutes(self, when: dt.datetime) -> int:
        """Minutes from midnight of the planning date to ``when``."""
        start = dt.datetime.combine(self.settings.planning_date, dt.time())
        return int((when - start).total_seconds() // 60)

    def datetime_at(self, minutes: float) -> dt.datetime:
        """The timestamp ``minutes`` after midnight of the planning date."""
        start = dt.datetime.combine(self.settings.planning_date, dt.time())
        return start + dt.timedelta(minutes=float(minutes))

    def supply_on(self, day: int) -> dict[tuple[str, str], float]:
        """kg harvestable per (farm_id, product_id) on day index ``day``."""
        out: dict[tuple[str, str], float] = {}
        for s in self.supply:
            if self.day_of(s.date) == day:
                out[(s.farm_id, s.product_id)] = out.get((s.farm_id, s.product_id), 0.0) + s.kg
        return out

    def with_tables(self, **tables: Sequence[BaseModel]) -> Scenario:
        """A copy with some tables replaced (re-validated)."""
        data = {name: getattr(self, name) for name in ("settings", *TABLES)}
        data.update({k: tuple(v) for k, v in tables.items()})
        return Scenario(**data)

    def with_settings(self, settings: Settings) -> Scenario:
        """A copy with other settings (re-validated)."""
        data = {name: getattr(self, name) for name in TABLES}
        return Scenario(settings=settings, **data)


def _dupes(table: str, rows: Iterable[BaseModel], key: tuple[str, ...]) -> list[InputIssue]:
    seen: dict[tuple[object, ...], int] = {}
    issues = []
    for i, row in enumerate(rows):
        k = tuple(getattr(row, c) for c in key)
        if k in seen:
            what = ", ".join(f"{c}={getattr(row, c)}" for c in key)
            issues.append(
                InputIssue(f"<{table}>", i, key[-1], f"duplicate {what} (first at index {seen[k]})")
            )
        else:
            seen[k] = i
    return issues


def _refs(
    table: str, rows: Iterable[BaseModel], column: str, known: set[str], target: str
) -> list[InputIssue]:
    issues = []
    for i, row in enumerate(rows):
        value = getattr(row, column)
        if value is not None and value not in known:
            issues.append(InputIssue(f"<{table}>", i, column, f"unknown {target} '{value}'"))
    return issues


def cross_check(s: Scenario) -> list[InputIssue]:
    """Problems between tables: duplicates, unknown ids, impossible combinations.

    Issues name the table as ``<table>`` and the 0-based record index as the row;
    :mod:`agrichain.io` rewrites them to file names and line numbers.
    """
    issues: list[InputIssue] = []
    for table, key in TABLES.items():
        if key is not None:
            issues += _dupes(table, getattr(s, table), (key,))
    issues += _dupes("supply", s.supply, ("farm_id", "product_id", "date"))
    issues += _dupes("forecast", s.forecast, ("session_id", "product_id"))
    issues += _dupes("stock", s.stock, ("logistics_point_id", "product_id", "age_days"))
    for table in ("farms", "logistics_points", "products", "vehicles"):
        if not getattr(s, table):
            issues.append(InputIssue(f"<{table}>", None, None, f"no {table} given"))
    farms = {f.farm_id for f in s.farms}
    lps = {p.logistics_point_id for p in s.logistics_points}
    products = {p.product_id for p in s.products}
    sessions = {x.session_id for x in s.sessions}
    issues += _refs("supply", s.supply, "farm_id", farms, "farm")
    issues += _refs("supply", s.supply, "product_id", products, "product")
    issues += _refs("sessions", s.sessions, "logistics_point_id", lps, "logistics point")
    issues += _refs("orders", s.orders, "session_id", sessions, "session")
    issues += _refs("orders", s.orders, "product_id", products, "product")
    issues += _refs("orders", s.orders, "logistics_point_id", lps, "logistics point")
    issues += _refs("vehicles", s.vehicles, "home_logistics_point_id", lps, "logistics point")
    issues += _refs("forecast", s.forecast, "session_id", sessions, "session")
    issues += _refs("forecast", s.forecast, "product_id", products, "product")
    issues += _refs("stock", s.stock, "logistics_point_id", lps, "logistics point")
    issues += _refs("stock", s.stock, "product_id", products, "product")

    if s.vehicles and not any(v.refrigerated for v in s.vehicles):
        for i, p in enumerate(s.products):
            if p.needs_cold_chain:
                issues.append(
                    InputIssue(
                        "<products>",
                        i,
                        "needs_cold_chain",
                        f"product '{p.product_id}' needs a cold chain "
                        "but no vehicle is refrigerated",
                    )
                )
    start = s.settings.planning_date
    last = start + dt.timedelta(days=s.settings.horizon_days - 1)
    for i, o in enumerate(s.orders):
        if o.ship_by.date() < start:
            issues.append(
                InputIssue(
                    "<orders>",
                    i,
                    "ship_by",
                    f"ship_by {o.ship_by} is before the planning date {start}",
                )
            )
        elif o.ship_by.date() > last:
            issues.append(
                InputIssue(
                    "<orders>",
                    i,
                    "ship_by",
                    f"ship_by {o.ship_by} is after the planning horizon, which ends {last} "
                    f"(horizon_days={s.settings.horizon_days} in scenario.toml)",
                )
            )
    for i, x in enumerate(s.supply):
        if not (start <= x.date <= last):
            issues.append(
                InputIssue(
                    "<supply>", i, "date", f"date {x.date} is outside the horizon {start}..{last}"
                )
            )
    life_days = {p.product_id: p.shelf_life_days for p in s.products}
    for i, st in enumerate(s.stock):
        if st.product_id in life_days:
            life = life_days[st.product_id]
            if st.age_days >= life:
                issues.append(
                    InputIssue(
                        "<stock>",
                        i,
                        "age_days",
                        f"stock aged {st.age_days} days is already past the shelf life "
                        f"({life} days) of '{st.product_id}'",
                    )
                )
    return issues


def validation_issues(exc: ValidationError, file: str | None, row: int | None) -> list[InputIssue]:
    """Turn a pydantic error on one record into located issues."""
    out = []
    for err in exc.errors():
        loc = [str(x) for x in err.get("loc", ())]
        column = loc[0] if loc else None
        msg = err.get("msg", "invalid value")
        msg = msg.removeprefix("Value error, ")
        value = err.get("input")
        if column is not None and not isinstance(value, dict):
            msg = f"{msg} (got {value!r})"
        out.append(InputIssue(file, row, column, msg))
    return out
