"""The drawn arrays as scenario records: ids, names, clock times, rounded values."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from agrichain.generate.config import GeneratorConfig
from agrichain.generate.contacts import Contacts, draw_contacts
from agrichain.generate.demand import Demand, Orders, Sessions, StockRow, point_capacities
from agrichain.generate.harvest import Harvest
from agrichain.generate.places import (
    FarmSites,
    PointSites,
    point_stop_min,
    point_unloading_min_per_t,
)
from agrichain.generate.values import clock_time, sig6
from agrichain.generate.vehicles import Fleet
from agrichain.model import (
    Farm,
    Forecast,
    InventorySettings,
    LiveSession,
    LogisticsPoint,
    Order,
    RoutingSettings,
    Scenario,
    Settings,
    Stock,
    Supply,
    Vehicle,
)


@dataclass(frozen=True)
class Drawn:
    """Everything drawn for one scenario."""

    config: GeneratorConfig
    farms: FarmSites
    points: PointSites
    harvest: Harvest
    sessions: Sessions
    orders: Orders
    demand: Demand
    stock: list[StockRow]
    fleet: Fleet

    @cached_property
    def contacts(self) -> Contacts:
        """Farm contacts, drivers and plates (their own random stream)."""
        return draw_contacts(self.config.seed, self.config.n_farms, len(self.fleet.home))

    @cached_property
    def farm_ids(self) -> list[str]:
        """F1… (zero-padded to the count's width)."""
        n_f = self.config.n_farms
        return [f"F{i + 1:0{len(str(n_f))}d}" for i in range(n_f)]

    @cached_property
    def point_ids(self) -> list[str]:
        """LP1, LP2, …"""
        return [f"LP{i + 1}" for i in range(self.config.n_logistics_points)]

    @cached_property
    def session_ids(self) -> list[str]:
        """Held sessions first, then those of each later evening."""
        n = self.config.n_sessions * self.config.horizon_days
        return [f"S{i + 1:0{len(str(n))}d}" for i in range(n)]

    @cached_property
    def product_ids(self) -> list[str]:
        """In the order of the harvest arrays."""
        return [c.product_id for c in self.harvest.items]

    @cached_property
    def dates(self) -> list[dt.date]:
        """The days of the horizon."""
        day0 = self.config.planning_date
        return [day0 + dt.timedelta(days=d) for d in range(self.config.horizon_days)]


def farm_records(d: Drawn) -> tuple[Farm, ...]:
    """The farms."""
    f = d.farms
    return tuple(
        Farm(
            farm_id=d.farm_ids[i],
            name=f.names[i],
            lat=f.lat[i],
            lon=f.lon[i],
            pickup_open=clock_time(f.open_min[i]),
            pickup_close=clock_time(f.close_min[i]),
            stop_min=float(f.stop_min[i]),
            loading_min_per_t=float(f.loading_min_per_t[i]),
            contact_name=d.contacts.farm_names[i],
            contact_phone=d.contacts.farm_phones[i],
        )
        for i in range(len(d.farm_ids))
    )


def point_records(d: Drawn) -> tuple[LogisticsPoint, ...]:
    """The logistics points, their storage sized to twice the peak day."""
    p = d.points
    ambient_cap, cold_cap = point_capacities(d.demand.inflow_kg, d.stock, d.harvest.cold)
    return tuple(
        LogisticsPoint(
            logistics_point_id=d.point_ids[i],
            name=p.names[i],
            lat=p.lat[i],
            lon=p.lon[i],
            open=dt.time(6, 0),
            close=dt.time(21, 0),
            cutoff=clock_time(p.cutoff_min[i]),
            ambient_capacity_kg=float(ambient_cap[i]),
            cold_capacity_kg=float(cold_cap[i]),
            stop_min=point_stop_min(i),
            unloading_min_per_t=point_unloading_min_per_t(i),
        )
        for i in range(len(d.point_ids))
    )


def supply_records(d: Drawn) -> tuple[Supply, ...]:
    """Harvest per farm, product and day (non-zero only)."""
    supply_kg = d.demand.supply_kg
    f_idx, p_idx, d_idx = np.nonzero(supply_kg)
    values = sig6(supply_kg[f_idx, p_idx, d_idx])
    return tuple(
        Supply(farm_id=d.farm_ids[f], product_id=d.product_ids[p], date=d.dates[day], kg=kg)
        for f, p, day, kg in zip(f_idx, p_idx, d_idx, values, strict=True)
    )


def session_records(d: Drawn) -> tuple[LiveSession, ...]:
    """The held sessions and the same sessions on each later evening."""
    n_s, day0 = d.config.n_sessions, d.config.planning_date
    sessions = []
    for evening in range(-1, d.config.horizon_days - 1):
        day = day0 + dt.timedelta(days=evening)
        for s in range(n_s):
            sessions.append(
                LiveSession(
                    session_id=d.session_ids[(evening + 1) * n_s + s],
                    name=f"合作社直播间 {s + 1} live room, {day:%m-%d} evening",
                    start=dt.datetime.combine(day, clock_time(d.sessions.start_min[s])),
                    logistics_point_id=d.point_ids[d.sessions.point[s]],
                )
            )
    return tuple(sessions)


def order_records(d: Drawn) -> tuple[Order, ...]:
    """The orders, due by the cut-off of their session's point on their ship day."""
    o, point = d.orders, d.sessions.point
    ship_by = [
        [dt.datetime.combine(day, clock_time(cutoff)) for day in d.dates]
        for cutoff in d.points.cutoff_min
    ]
    width = len(str(d.config.n_orders))
    return tuple(
        Order(
            order_id=f"O{i + 1:0{width}d}",
            session_id=d.session_ids[s],
            product_id=d.product_ids[p],
            quantity_boxes=int(q),
            ship_by=ship_by[point[s]][day],
        )
        for i, (s, p, q, day) in enumerate(zip(o.session, o.product, o.boxes, o.day, strict=True))
    )


def forecast_records(d: Drawn) -> tuple[Forecast, ...]:
    """Boxes each later session is expected to sell, per product it sells."""
    n_s, box_kg = d.config.n_sessions, d.harvest.box_kg
    product_share, forecast_kg = d.sessions.product_share, d.demand.forecast_kg
    forecast = []
    for day in range(1, d.config.horizon_days):
        for s in range(n_s):
            boxes = np.round(product_share[s] * forecast_kg[:, day] / box_kg, 1)
            for sold in np.flatnonzero(d.sessions.sells[s] & (boxes > 0)):
                forecast.append(
                    Forecast(
                        session_id=d.session_ids[day * n_s + s],
                        product_id=d.product_ids[sold],
                        boxes=sig6(boxes[sold])[0],
                    )
                )
    return tuple(forecast)


def vehicle_records(d: Drawn) -> tuple[Vehicle, ...]:
    """The vehicles."""
    v = d.fleet
    n_v = len(v.home)
    ids = [f"V{i + 1:0{max(2, len(str(n_v)))}d}" for i in range(n_v)]
    capacity, end = v.capacity_kg, v.end_min
    return tuple(
        Vehicle(
            vehicle_id=ids[i],
            home_logistics_point_id=d.point_ids[v.home[i]],
            capacity_kg=float(capacity[i]),
            refrigerated=bool(v.refrigerated[i]),
            shift_start=clock_time(v.start_min[i]),
            shift_end=clock_time(end[i]),
            cost_per_km=sig6(round(float(v.cost_per_km[i]), 2))[0],
            fixed_cost=float(v.fixed_cost[i]),
            driver_name=d.contacts.driver_names[i],
            driver_phone=d.contacts.driver_phones[i],
            plate=d.contacts.plates[i],
        )
        for i in range(n_v)
    )


def scenario_of(d: Drawn) -> Scenario:
    """The validated scenario of everything drawn."""
    config = d.config
    settings = Settings(
        name=config.name,
        planning_date=config.planning_date,
        horizon_days=config.horizon_days,
        routing=RoutingSettings(
            time_limit_s=config.routing_time_limit_s,
            solution_limit=config.routing_solution_limit,
        ),
        inventory=InventorySettings(link_fixed_cost=config.link_fixed_cost),
    )
    return Scenario(
        settings=settings,
        farms=farm_records(d),
        logistics_points=point_records(d),
        products=tuple(c.product() for c in d.harvest.items),
        supply=supply_records(d),
        sessions=session_records(d),
        orders=order_records(d),
        vehicles=vehicle_records(d),
        forecast=forecast_records(d),
        stock=tuple(
            Stock(
                logistics_point_id=d.point_ids[row.point],
                product_id=d.product_ids[row.product],
                age_days=row.age_days,
                kg=row.kg,
            )
            for row in d.stock
        ),
    )


__all__ = [
    "Drawn",
    "farm_records",
    "forecast_records",
    "order_records",
    "point_records",
    "scenario_of",
    "session_records",
    "supply_records",
    "vehicle_records",
]
