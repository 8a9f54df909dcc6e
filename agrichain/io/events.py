"""What happened during the day that the plan must now follow: ``events.csv`` (or an Excel
sheet named ``events``), read by ``agrichain replan``.

Columns ``kind,id,time,product_id,kg,session_id,boxes,logistics_point_id,ship_by,
capacity_kg,refrigerated``; one row per event:

* ``breakdown``: ``id`` a vehicle, ``time`` when it stopped (it does nothing after; what it
  carried then is lost);
* ``shortfall``: ``id`` a farm, ``product_id``, ``kg`` harvested less than planned today;
* ``new_order``: ``id`` a new order id, ``session_id``, ``product_id``, ``boxes``,
  ``ship_by``, and optionally ``logistics_point_id`` (default: the session's);
* ``cancel_order``: ``id`` an order of the scenario;
* ``add_vehicle``: ``id`` a new vehicle id, ``logistics_point_id`` its home, ``capacity_kg``,
  ``refrigerated`` (default false), ``time`` from when it is available (default: now).

``time`` is ``HH:MM`` on the planning date or ``YYYY-MM-DD HH:MM``.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from agrichain.errors import InputIssue, ScenarioError
from agrichain.io.record_files import read_record_file
from agrichain.model import Order, Record, Scenario, Vehicle
from agrichain.model.records import Id, NonNegative, PositiveKg, Timestamp

EVENT_KINDS = ("breakdown", "shortfall", "new_order", "cancel_order", "add_vehicle")
EVENTS_COLUMNS = ("kind", "id", "time", "product_id", "kg", "session_id", "boxes",
                  "logistics_point_id", "ship_by", "capacity_kg", "refrigerated")  # fmt: skip
REQUIRED_EVENTS_COLUMNS = ("kind", "id")
EVENTS_SHEET = "events"
#: The cells each kind needs (besides kind and id).
NEEDED: dict[str, tuple[str, ...]] = {
    "breakdown": ("time",),
    "shortfall": ("product_id", "kg"),
    "new_order": ("session_id", "product_id", "boxes", "ship_by"),
    "cancel_order": (),
    "add_vehicle": ("logistics_point_id", "capacity_kg"),
}


class EventRow(Record):
    """One row of the events file, as parsed."""

    kind: Literal["breakdown", "shortfall", "new_order", "cancel_order", "add_vehicle"]
    id: Id
    time: str | None = None
    product_id: Id | None = None
    kg: NonNegative | None = None
    session_id: Id | None = None
    boxes: int | None = None
    logistics_point_id: Id | None = None
    ship_by: Timestamp | None = None
    capacity_kg: PositiveKg | None = None
    refrigerated: bool = False


@dataclass(frozen=True)
class Events:
    """The day's events (see the module notes)."""

    breakdowns: Mapping[str, dt.datetime] = field(default_factory=dict)
    """Vehicle id → when it broke down."""
    shortfalls_kg: Mapping[tuple[str, str], float] = field(default_factory=dict)
    """(farm id, product id) → kg harvested less than planned."""
    new_orders: tuple[Order, ...] = ()
    cancelled: frozenset[str] = frozenset()
    """Ids of cancelled orders."""
    added_vehicles: tuple[tuple[Vehicle, dt.datetime | None], ...] = ()
    """New vehicles, each with the moment from which it is available (None: now)."""


def moment(text: str, day: dt.date) -> dt.datetime:
    """``HH:MM`` on ``day``, or a full ``YYYY-MM-DD HH:MM``."""
    text = text.strip()
    if len(text) <= len("HH:MM"):
        return dt.datetime.combine(day, dt.time.fromisoformat(text))
    return dt.datetime.fromisoformat(text)


class EventReader:
    """Turns parsed rows into :class:`Events`, noting every problem with its line."""

    def __init__(self, file: str, scenario: Scenario) -> None:
        self.file, self.scenario = file, scenario
        self.issues: list[InputIssue] = []
        self.breakdowns: dict[str, dt.datetime] = {}
        self.shortfalls: dict[tuple[str, str], float] = {}
        self.orders: list[Order] = []
        self.cancelled: set[str] = set()
        self.vehicles: list[tuple[Vehicle, dt.datetime | None]] = []

    def bad(self, line: int, column: str, message: str) -> None:
        self.issues.append(InputIssue(self.file, line, column, message))

    def known(self, line: int, column: str, value: str | None, ids: object, what: str) -> bool:
        if value is not None and value not in ids:  # type: ignore[operator]
            self.bad(line, column, f"unknown {what} '{value}'")
            return False
        return True

    def when(self, line: int, row: EventRow) -> dt.datetime | None:
        if row.time is None:
            return None
        try:
            return moment(row.time, self.scenario.settings.planning_date)
        except ValueError:
            self.bad(line, "time", f"'{row.time}' is not HH:MM or YYYY-MM-DD HH:MM")
            return None

    def add(self, line: int, row: EventRow) -> None:
        missing = [c for c in NEEDED[row.kind] if getattr(row, c) is None]
        for c in missing:
            self.bad(line, c, f"a {row.kind} event needs {c}")
        if missing:
            return
        sc = self.scenario
        when = self.when(line, row)
        if row.kind == "breakdown":
            if row.id in self.breakdowns:
                self.bad(line, "id", f"vehicle '{row.id}' breaks down twice")
            elif self.known(line, "id", row.id, sc.vehicle, "vehicle") and when is not None:
                self.breakdowns[row.id] = when
        elif row.kind == "shortfall":
            ok = self.known(line, "id", row.id, sc.farm, "farm")
            if self.known(line, "product_id", row.product_id, sc.product, "product") and ok:
                key = (row.id, str(row.product_id))
                self.shortfalls[key] = self.shortfalls.get(key, 0.0) + float(row.kg or 0.0)
        elif row.kind == "cancel_order":
            if self.known(line, "id", row.id, {o.order_id for o in sc.orders}, "order"):
                self.cancelled.add(row.id)
        elif row.kind == "new_order":
            self.new_order(line, row)
        else:
            self.new_vehicle(line, row, when)

    def new_order(self, line: int, row: EventRow) -> None:
        if row.id in {o.order_id for o in self.scenario.orders}:
            self.bad(line, "id", f"order '{row.id}' already exists")
            return
        try:
            self.orders.append(
                Order(
                    order_id=row.id,
                    session_id=row.session_id,
                    product_id=row.product_id,
                    quantity_boxes=row.boxes,
                    logistics_point_id=row.logistics_point_id,
                    ship_by=row.ship_by,
                )
            )
        except ValueError as exc:
            self.bad(line, "boxes", str(exc).splitlines()[-1].strip())

    def new_vehicle(self, line: int, row: EventRow, when: dt.datetime | None) -> None:
        sc = self.scenario
        if row.id in sc.vehicle:
            self.bad(line, "id", f"vehicle '{row.id}' already exists")
            return
        point = row.logistics_point_id
        if not self.known(line, "logistics_point_id", point, sc.logistics_point, "point"):
            return
        home = sc.logistics_point[str(point)]
        vehicle = Vehicle(vehicle_id=row.id, home_logistics_point_id=str(point),
                          capacity_kg=float(row.capacity_kg or 0.0), refrigerated=row.refrigerated,
                          shift_start=home.open, shift_end=home.close)  # fmt: skip
        self.vehicles.append((vehicle, when))

    def events(self) -> Events:
        if self.issues:
            raise ScenarioError(self.issues)
        return Events(self.breakdowns, self.shortfalls, tuple(self.orders),
                      frozenset(self.cancelled), tuple(self.vehicles))  # fmt: skip


def read_events(path: str | os.PathLike[str], scenario: Scenario) -> Events:
    """Read ``events.csv`` (or ``.xlsx``) for ``scenario``; :class:`ScenarioError` listing
    every bad cell with file, line and column."""
    file, rows, issues = read_record_file(
        path, EventRow, EVENTS_COLUMNS, REQUIRED_EVENTS_COLUMNS, EVENTS_SHEET
    )
    reader = EventReader(file, scenario)
    reader.issues += issues
    for line, row in rows:
        reader.add(line, row)
    return reader.events()


__all__ = ["EVENTS_COLUMNS", "EVENT_KINDS", "EventRow", "Events", "read_events"]
