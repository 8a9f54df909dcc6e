"""The nightly plan: routes with their stops, task outcomes, unserved work, totals.

A :class:`Plan` is plain immutable data. It converts itself to DataFrames and
GeoDataFrames; :func:`agrichain.io.write_plan` writes the documented output files.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


class Fate(enum.StrEnum):
    """Where an order's kg come from (the ``fate`` column of ``orders.csv``): ``unserved``
    if any of its kg are, else its one source, else ``mixed``
    (:func:`agrichain.allocation.fate_of`)."""

    COLLECTED = "collected"
    """Today's pickup tasks carry its kg (they may ship today or later from stock)."""
    FROM_STOCK = "from_stock"
    """Its kg ship from stock already at its logistics point on the planning date."""
    LATER_DAY = "later_day"
    """Its kg are harvested and collected on a later day of the horizon, before its ship-by."""
    UNSERVED = "unserved"
    """Some of its kg are not planned: not allocated, or their task is not routed."""
    MIXED = "mixed"
    """Its kg come from more than one of collected, from_stock and later_day."""


class PlanStatus(enum.StrEnum):
    """Whether everything ordered is planned."""

    COMPLETE = "complete"
    """Every ordered kg is collected or otherwise covered."""
    PARTIAL = "partial"
    """Some orders or tasks are unserved; see :attr:`Plan.unserved`."""


@dataclass(frozen=True)
class Stop:
    """One stop of a vehicle: its depot, a farm pickup, or a delivery to a logistics point."""

    vehicle_id: str
    trip: int
    seq: int
    stop_id: str
    stop_kind: str
    """"depot", "farm" or "logistics_point"."""
    lat: float
    lon: float
    arrival: dt.datetime
    departure: dt.datetime
    load_kg: float
    """Load on board after the stop."""
    cum_km: float
    """Distance driven from the start of the shift to this stop."""
    task_ids: tuple[str, ...] = ()
    """Tasks picked up (farm) or delivered (logistics point) here."""


@dataclass(frozen=True)
class Route:
    """A vehicle's day: its stops from leaving the depot to coming back."""

    vehicle_id: str
    home_logistics_point_id: str
    refrigerated: bool
    stops: tuple[Stop, ...]
    distance_km: float
    cost: float
    """Fixed cost plus distance cost."""
    locked: bool = False
    """Kept as it is when the day is re-planned (the ``locked`` column of ``routes.csv``)."""
    path: tuple[tuple[float, float], ...] = ()
    """The (lat, lon) points driven, stop to stop along the roads, when the travel model
    knows the roads (``[travel] mode = "osm"``); empty: straight lines between the stops."""

    @property
    def trips(self) -> int:
        return max((s.trip for s in self.stops), default=0)

    @property
    def start(self) -> dt.datetime:
        return self.stops[0].departure

    @property
    def end(self) -> dt.datetime:
        return self.stops[-1].arrival

    @property
    def kg_collected(self) -> float:
        return sum(
            s.load_kg - (self.stops[i - 1].load_kg if i else 0.0)
            for i, s in enumerate(self.stops)
            if s.stop_kind == "farm"
        )


@dataclass(frozen=True)
class TaskOutcome:
    """A pickup task (farm, product, kg → logistics point) and what happened to it."""

    task_id: str
    farm_id: str
    product_id: str
    kg: float
    logistics_point_id: str
    vehicle_id: str | None
    pickup_time: dt.datetime | None
    delivery_time: dt.datetime | None
    transit_min: float | None
    max_transit_min: float
    order_ids: tuple[str, ...] = ()

    @property
    def served(self) -> bool:
        return self.vehicle_id is not None


@dataclass(frozen=True)
class Unserved:
    """Work that could not be planned, and the reason."""

    kind: str
    """"order" (no supply or storage for it) or "task" (no vehicle could collect it)."""
    item_id: str
    product_id: str
    logistics_point_id: str
    kg: float
    reason: str
    order_ids: tuple[str, ...] = ()
    cause: str = ""
    """Stable code of the reason: a routing cause (``fleet_full``, ``search_stopped``, …;
    see :class:`agrichain.routing.rules.Cause`) or ``not_allocated`` for an order."""


@dataclass(frozen=True)
class OrderFate:
    """One input order and where its kg come from: a row of ``orders.csv``.

    ``kg`` = ``kg_collected + kg_from_stock + kg_later_day + kg_unserved``; ``fate``
    follows from those columns (:func:`agrichain.allocation.fate_of`).
    """

    order_id: str
    session_id: str
    product_id: str
    logistics_point_id: str
    ship_by: dt.datetime
    kg: float
    """Ordered: boxes × box weight."""
    fate: Fate
    kg_collected: float = 0.0
    """kg carried by today's served pickup tasks."""
    kg_from_stock: float = 0.0
    """kg shipped from stock on hand at the logistics point on the planning date."""
    kg_later_day: float = 0.0
    """kg harvested and collected on a later day of the horizon."""
    kg_unserved: float = 0.0
    """kg not planned: not allocated, or carried by a task routing leaves unserved."""
    task_ids: tuple[str, ...] = ()
    """Served tasks carrying its collected kg."""
    stock_age_days: tuple[int, ...] = ()
    """Ages on the planning date of the stock lots it ships from."""
    later_dates: tuple[dt.date, ...] = ()
    """Dates its later-day kg are collected on."""
    causes: tuple[str, ...] = ()
    """Cause codes of its unserved kg (``not_allocated`` or a routing cause)."""
    reasons: tuple[str, ...] = ()
    """Reasons of its unserved kg, in the order of ``causes``."""


@dataclass(frozen=True)
class Plan:
    """Everything agrichain decided for the planning day."""

    scenario_name: str
    planning_date: dt.date
    status: PlanStatus
    routes: tuple[Route, ...]
    tasks: tuple[TaskOutcome, ...]
    unserved: tuple[Unserved, ...]
    summary: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    """Extra tables from the allocation step (e.g. flows, inventory), by file stem."""
    orders: tuple[OrderFate, ...] = ()
    """Every input order once, with its fate (the content of ``orders.csv``)."""

    # ----- queries -----------------------------------------------------------
    def is_complete(self) -> bool:
        return self.status is PlanStatus.COMPLETE

    def cost(self) -> float:
        return float(sum(r.cost for r in self.routes))

    def kg_collected(self) -> float:
        return float(sum(t.kg for t in self.tasks if t.served))

    def kg_unserved(self) -> float:
        return float(sum(u.kg for u in self.unserved))

    # ----- tables --------------------------------------------------------------
    def stops_frame(self) -> pd.DataFrame:
        """One row per stop (the content of ``routes.csv``)."""
        return stops_frame(self.routes)

    def routes_frame(self) -> pd.DataFrame:
        """One row per used vehicle: stops, trips, km, cost, kg, start and end."""
        rows = [
            {
                "vehicle_id": r.vehicle_id,
                "home_logistics_point_id": r.home_logistics_point_id,
                "refrigerated": r.refrigerated,
                "stops": len(r.stops) - 2,
                "trips": r.trips,
                "distance_km": round(r.distance_km, 3),
                "cost": round(r.cost, 2),
                "kg_collected": round(r.kg_collected, 3),
                "start": r.start,
                "end": r.end,
            }
            for r in self.routes
        ]
        return pd.DataFrame(rows, columns=ROUTE_COLUMNS)

    def tasks_frame(self) -> pd.DataFrame:
        """One row per pickup task (the content of ``tasks.csv``)."""
        return tasks_frame(self.tasks)

    def unserved_frame(self) -> pd.DataFrame:
        """What could not be planned and why (the content of ``unserved.csv``)."""
        rows = [
            {
                "kind": u.kind,
                "id": u.item_id,
                "product_id": u.product_id,
                "logistics_point_id": u.logistics_point_id,
                "kg": round(u.kg, 6),
                "cause": u.cause,
                "reason": u.reason,
                "order_ids": " ".join(u.order_ids),
            }
            for u in self.unserved
        ]
        return pd.DataFrame(rows, columns=UNSERVED_COLUMNS)

    def orders_frame(self) -> pd.DataFrame:
        """One row per input order with its fate (the content of ``orders.csv``)."""
        rows = [
            {
                "order_id": o.order_id,
                "session_id": o.session_id,
                "product_id": o.product_id,
                "logistics_point_id": o.logistics_point_id,
                "ship_by": o.ship_by,
                "kg": round(o.kg, 6),
                "fate": o.fate.value,
                "kg_collected": round(o.kg_collected, 6),
                "kg_from_stock": round(o.kg_from_stock, 6),
                "kg_later_day": round(o.kg_later_day, 6),
                "kg_unserved": round(o.kg_unserved, 6),
                "task_ids": " ".join(o.task_ids),
                "stock_age_days": " ".join(str(a) for a in o.stock_age_days),
                "later_dates": " ".join(d.isoformat() for d in o.later_dates),
                "cause": " ".join(o.causes),
                "reason": "; ".join(o.reasons),
            }
            for o in self.orders
        ]
        return pd.DataFrame(rows, columns=ORDER_COLUMNS)

    def stops_gdf(self) -> Any:
        """Stops as a GeoDataFrame of points (EPSG:4326)."""
        import geopandas as gpd

        frame = self.stops_frame()
        geometry = gpd.points_from_xy(frame["lon"], frame["lat"], crs="EPSG:4326")
        return gpd.GeoDataFrame(frame, geometry=geometry)

    def routes_gdf(self) -> Any:
        """Routes as a GeoDataFrame of lines (EPSG:4326), one per vehicle: along the roads
        driven where :attr:`Route.path` is known, else straight from stop to stop."""
        import geopandas as gpd
        from shapely.geometry import LineString

        frame = self.routes_frame()
        lines = [
            LineString([(lon, lat) for lat, lon in r.path] or [(s.lon, s.lat) for s in r.stops])
            for r in self.routes
        ]
        return gpd.GeoDataFrame(frame, geometry=lines, crs="EPSG:4326")


def stops_frame(routes: Sequence[Route]) -> pd.DataFrame:
    """One row per stop (the content of ``routes.csv``)."""
    rows = [
        {
            "vehicle_id": s.vehicle_id,
            "trip": s.trip,
            "seq": s.seq,
            "stop_id": s.stop_id,
            "stop_kind": s.stop_kind,
            "lat": s.lat,
            "lon": s.lon,
            "arrival": s.arrival,
            "departure": s.departure,
            "load_kg": round(s.load_kg, 3),
            "cum_km": round(s.cum_km, 3),
            "task_ids": " ".join(s.task_ids),
            "locked": r.locked,
        }
        for r in routes
        for s in r.stops
    ]
    return pd.DataFrame(rows, columns=STOP_COLUMNS)


def tasks_frame(tasks: Sequence[TaskOutcome]) -> pd.DataFrame:
    """One row per pickup task (the content of ``tasks.csv``)."""
    rows = [
        {
            "task_id": t.task_id,
            "farm_id": t.farm_id,
            "product_id": t.product_id,
            "kg": round(t.kg, 6),
            "logistics_point_id": t.logistics_point_id,
            "vehicle_id": t.vehicle_id,
            "pickup_time": t.pickup_time,
            "delivery_time": t.delivery_time,
            "transit_min": None if t.transit_min is None else round(t.transit_min, 2),
            "max_transit_min": t.max_transit_min,
            "order_ids": " ".join(t.order_ids),
        }
        for t in tasks
    ]
    return pd.DataFrame(rows, columns=TASK_COLUMNS)


STOP_COLUMNS = [
    "vehicle_id", "trip", "seq", "stop_id", "stop_kind", "lat", "lon", "arrival", "departure",
    "load_kg", "cum_km", "task_ids", "locked",
]  # fmt: skip
ROUTE_COLUMNS = [
    "vehicle_id", "home_logistics_point_id", "refrigerated", "stops", "trips", "distance_km",
    "cost", "kg_collected", "start", "end",
]  # fmt: skip
TASK_COLUMNS = [
    "task_id", "farm_id", "product_id", "kg", "logistics_point_id", "vehicle_id",
    "pickup_time", "delivery_time", "transit_min", "max_transit_min", "order_ids",
]  # fmt: skip
UNSERVED_COLUMNS = [
    "kind", "id", "product_id", "logistics_point_id", "kg", "cause", "reason", "order_ids",
]  # fmt: skip
#: Columns of ``orders.csv`` (see :meth:`Plan.orders_frame`).
ORDER_COLUMNS = [
    "order_id", "session_id", "product_id", "logistics_point_id", "ship_by", "kg", "fate",
    "kg_collected", "kg_from_stock", "kg_later_day", "kg_unserved", "task_ids",
    "stock_age_days", "later_dates", "cause", "reason",
]  # fmt: skip
