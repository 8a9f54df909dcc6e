"""What the fleet can bring to the logistics points in a day, as the collection routing runs it.

Routing lets every vehicle deliver to every logistics point it can reach within its
shift (it starts and ends at its home point), cold-chain goods only on refrigerated
vehicles. So the planner's transport capacity belongs to the fleet, shared among
the points: a vehicle's day is spent once. Per vehicle and point this module
estimates the kg the vehicle brings in if it spends its whole day on that point
(0 if it cannot reach it), and the share of them that may need the cold chain;
:mod:`agrichain.inventory.milp.fleet` splits each vehicle's day among the points.

A collection trip, from the point's own farms (those that can supply it in time,
weighted by their harvest): drive a leg from the point (the mean drive to those
farms), visit ``ceil(load / kg per visit)`` farms (each: the farm's ``stop_min``,
then loading at ``loading_min_per_t``; between farms the mean drive to the nearest
other farm), drive back, the point's ``stop_min`` and unloading at its
``unloading_min_per_t``. The load is the vehicle's capacity, or fewer visits if the
first pickup would otherwise exceed the tightest transit limit (for the cold share:
of the cold-chain products). kg per visit: the day's demand over the farms
harvesting that day, at most a farm's mean harvest. The first trip leaves the
vehicle's home point at the start of its shift (within the home point's opening
hours), pickups start within the farms' mean pickup window, deliveries before the
point's cut-off, and the vehicle is home again by the end of its shift; trips per
shift are the whole trips that fit plus a last, shorter one (fewer visits, both legs
in full) as its share of a load. A vehicle that cannot even do a one-farm trip cannot
reach the point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from agrichain.model import KG_PER_T, Scenario, minutes_of_day

#: kg below which a vehicle is taken not to reach a point.
MIN_FLEET_KG = 1e-6


@dataclass(frozen=True)
class FleetClass:
    """Vehicles that bring the same kg per day to every logistics point."""

    vehicle_ids: tuple[str, ...]
    refrigerated: bool
    kg_per_day: np.ndarray
    """(H,) kg one vehicle brings to each point if its whole day goes there (0: out of reach)."""
    cold_share: np.ndarray
    """(H,) share of those kg that may be cold-chain goods (0 unless refrigerated)."""

    @property
    def count(self) -> int:
        """Vehicles in the class."""
        return len(self.vehicle_ids)


@dataclass(frozen=True)
class Fleet:
    """The fleet as the planner sees it: vehicle classes and the trips estimated."""

    classes: tuple[FleetClass, ...]
    trips: dict[str, float]
    """Per vehicle: loads per shift to its home point (as estimated, or as given)."""
    collectable: np.ndarray
    """(H,) whether some farm's harvest can reach the point in time (else no vehicle
    has anything to bring there)."""

    def point_kg(self) -> np.ndarray:
        """(H, 2) kg per day each point could receive if every vehicle able to reach it went
        there: all goods, cold-chain goods."""
        if not self.classes:
            return np.zeros((0, 2))
        total = sum(c.count * c.kg_per_day for c in self.classes)
        cold = sum(c.count * c.kg_per_day * c.cold_share for c in self.classes)
        return np.stack([np.asarray(total, float), np.asarray(cold, float)], axis=1)

    def reaching(self, h: int, cold: bool) -> list[int]:
        """Indices of the classes that can bring (cold-chain, if ``cold``) goods to point ``h``."""
        return [
            g
            for g, c in enumerate(self.classes)
            if c.kg_per_day[h] > MIN_FLEET_KG and (not cold or c.cold_share[h] > 0)
        ]


@dataclass(frozen=True)
class _Collection:
    """The collection around one logistics point (minutes, kg), for one kind of goods."""

    leg_min: float
    """Mean drive between the point and its farms."""
    hop_min: float
    """Mean drive from one of its farms to the nearest other."""
    farm_stop_min: float
    loading_min_per_t: float
    pickup_open_min: float
    pickup_close_min: float
    transit_min: float
    """Tightest transit limit of the goods."""
    out_min: np.ndarray
    """(H,) mean drive from each logistics point to these farms (a first leg from home)."""


@dataclass(frozen=True)
class _Day:
    """How much a farm visit collects and how many farms a trip may visit."""

    kg_per_visit: float
    max_visits: int


@dataclass(frozen=True)
class _Shift:
    """A vehicle's working window and its way out and home (minutes)."""

    start_min: float
    end_min: float
    out_min: float
    """Mean drive from the home point to the farms of the point served."""
    home_min: float
    """Drive (and stop) from the point served back home."""


@dataclass(frozen=True)
class _Point:
    """The logistics point served: its stop, unloading and cut-off."""

    stop_min: float
    unloading_min_per_t: float
    cutoff_min: float


def _weighted(values: np.ndarray, weights: np.ndarray) -> float:
    return float(np.sum(values * weights) / np.sum(weights))


def _collection(
    scenario: Scenario,
    duration_min: np.ndarray,
    weights: np.ndarray,
    h: int,
    transit_min: float,
) -> _Collection | None:
    """The collection around point ``h`` from the farms with ``weights`` (kg) > 0 (None:
    no farm)."""
    n_f = len(scenario.farms)
    mask = weights > 0
    if not mask.any():
        return None
    w = weights[mask]
    farms = [f for f, m in zip(scenario.farms, mask, strict=True) if m]
    between = duration_min[:n_f, :n_f][np.ix_(mask, mask)].copy()
    np.fill_diagonal(between, np.inf)
    hop = _weighted(np.min(between, axis=1), w) if len(farms) > 1 else 0.0
    return _Collection(
        leg_min=_weighted(duration_min[:n_f, n_f + h][mask], w),
        hop_min=hop,
        farm_stop_min=_weighted(np.array([f.stop_min for f in farms]), w),
        loading_min_per_t=_weighted(np.array([f.loading_min_per_t for f in farms]), w),
        pickup_open_min=_weighted(np.array([minutes_of_day(f.pickup_open) for f in farms]), w),
        pickup_close_min=_weighted(np.array([minutes_of_day(f.pickup_close) for f in farms]), w),
        transit_min=transit_min,
        out_min=(duration_min[n_f:, :n_f][:, mask] @ w) / w.sum(),
    )


def _trip_load(capacity_kg: float, col: _Collection, day: _Day, point: _Point) -> tuple[float, int]:
    """kg and farm visits of a trip: full, or fewer visits within the transit limit."""
    visits = min(day.max_visits, max(1, math.ceil(capacity_kg / day.kg_per_visit - 1e-9)))
    load = min(capacity_kg, visits * day.kg_per_visit)
    handling = col.loading_min_per_t * (load / visits) / KG_PER_T
    # first pickup's loading starts → delivery starts
    fixed = col.leg_min + point.stop_min - col.hop_min - col.farm_stop_min
    per_visit = handling + col.hop_min + col.farm_stop_min
    if fixed + visits * per_visit > col.transit_min:
        visits = max(1, math.floor((col.transit_min - fixed) / per_visit))
        load = min(load, visits * day.kg_per_visit)
    return load, visits


def _trips(load_kg: float, visits: int, col: _Collection, point: _Point, shift: _Shift) -> float:
    """Trips of ``visits`` farms and ``load_kg`` that fit the windows: whole trips and the
    share of a full load a last, shorter trip brings (>= 0)."""
    handling = col.loading_min_per_t * (load_kg / visits) / KG_PER_T
    span = visits * handling + (visits - 1) * (col.hop_min + col.farm_stop_min)
    unload = point.unloading_min_per_t * load_kg / KG_PER_T
    cycle = 2 * col.leg_min + span + col.farm_stop_min + point.stop_min + unload
    first = max(shift.start_min + shift.out_min + col.farm_stop_min, col.pickup_open_min)
    delivered = first + span + col.leg_min + point.stop_min
    room = min(
        col.pickup_close_min - (first + span - handling),
        point.cutoff_min - delivered,
        shift.end_min - (delivered + unload + shift.home_min),
    )
    if room < 0 and visits == 1:
        return 0.0
    # whole trips, then a last one with fewer visits: it still drives both legs
    full = max(0.0, 1.0 + room / cycle)
    whole = math.floor(full)
    fixed = 2 * col.leg_min - col.hop_min + point.stop_min
    partial = max(0.0, (full - whole) * cycle - fixed) / max(cycle - fixed, 1e-9)
    return whole + min(1.0, partial)


def _kg_per_day(
    capacity_kg: float, col: _Collection, day: _Day, point: _Point, shift: _Shift
) -> tuple[float, float]:
    """kg a vehicle brings to the point in its shift (0: it cannot reach the point), and
    its trips (in full loads)."""
    load, visits = _trip_load(capacity_kg, col, day, point)
    single = min(load, day.kg_per_visit)
    single_trips = _trips(single, 1, col, point, shift)
    if single_trips <= 0:
        return 0.0, 0.0  # not even a one-farm trip fits: out of reach
    trips = _trips(load, visits, col, point, shift)
    if trips < 1.0:
        kg = max(load * trips, single * min(1.0, single_trips))
        return kg, kg / load
    return load * trips, trips


def _around(
    scenario: Scenario, duration_min: np.ndarray, harvest: np.ndarray
) -> list[tuple[_Collection | None, _Collection | None]]:
    """Per point: its collection of all goods (the transit limit of the ambient ones) and of
    the cold-chain goods (None: no farm of that kind can supply it in time)."""
    cold = np.array([p.needs_cold_chain for p in scenario.products])
    transit = np.array([p.max_transit_min for p in scenario.products])
    out = []
    for h in range(len(scenario.logistics_points)):
        reached = harvest[:, h, :].sum(axis=0) > 0
        ambient = reached & ~cold
        limit = float(transit[ambient if ambient.any() else reached].min(initial=np.inf))
        cold_limit = float(transit[reached & cold].min(initial=np.inf))
        out.append(
            (
                _collection(scenario, duration_min, harvest[:, h, :].sum(axis=1), h, limit),
                _collection(scenario, duration_min, harvest[:, h, cold].sum(axis=1), h, cold_limit),
            )
        )
    return out


def _vehicle_kg(
    scenario: Scenario,
    duration_min: np.ndarray,
    around: list[tuple[_Collection | None, _Collection | None]],
    days: tuple[_Day, _Day],
    v: int,
    trips_per_shift: float | None,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Vehicle ``v``'s kg per day and cold-chain share at each point; its trips at home."""
    vehicle = scenario.vehicles[v]
    n_h = len(scenario.logistics_points)
    kg, share = np.zeros(n_h), np.zeros(n_h)
    home_trips = 0.0
    for h, lp in enumerate(scenario.logistics_points):
        point = _Point(lp.stop_min, lp.unloading_min_per_t, minutes_of_day(lp.cutoff))
        col, cold_col = around[h]
        if col is None:
            continue
        shift = _shift(scenario, duration_min, col, v, h)
        kg[h], trips = _kg_per_day(vehicle.capacity_kg, col, days[0], point, shift)
        if kg[h] <= MIN_FLEET_KG:
            continue
        if trips_per_shift is not None:
            kg[h], trips = vehicle.capacity_kg * trips_per_shift, trips_per_shift
        if lp.logistics_point_id == vehicle.home_logistics_point_id:
            home_trips = trips
        if not vehicle.refrigerated:
            continue
        share[h] = 1.0
        if cold_col is not None and trips_per_shift is None:
            cold_shift = _shift(scenario, duration_min, cold_col, v, h)
            cold_kg, _ = _kg_per_day(vehicle.capacity_kg, cold_col, days[1], point, cold_shift)
            share[h] = min(1.0, cold_kg / kg[h])
    return kg, share, home_trips


def _day(
    supply: dict[tuple[int, int, int], float], products: set[int], demand_kg: float, horizon: int
) -> _Day:
    """kg per farm visit (the day's demand over the farms harvesting, at most a farm's mean
    harvest) and the farms harvesting on a day, for the goods ``products``."""
    by_farm_day: dict[tuple[int, int], float] = {}
    for (d, f, p), kg in supply.items():
        if p in products and kg > 0:
            by_farm_day[(d, f)] = by_farm_day.get((d, f), 0.0) + kg
    if not by_farm_day:
        return _Day(kg_per_visit=1.0, max_visits=1)
    days = max(1, len({d for d, _ in by_farm_day}))
    farms_per_day = len(by_farm_day) / days
    harvest = sum(by_farm_day.values()) / len(by_farm_day)
    demand = demand_kg / max(1, horizon) / farms_per_day
    return _Day(
        kg_per_visit=max(1.0, min(harvest, demand if demand > 0 else harvest)),
        max_visits=max(1, math.ceil(farms_per_day)),
    )


def _shift(
    scenario: Scenario, duration_min: np.ndarray, col: _Collection, v: int, h: int
) -> _Shift:
    """Vehicle ``v``'s window within its home point's hours, its way out to the farms of
    ``col`` and home from point ``h``."""
    n_f = len(scenario.farms)
    vehicle = scenario.vehicles[v]
    home = scenario.logistics_point[vehicle.home_logistics_point_id]
    o = [p.logistics_point_id for p in scenario.logistics_points].index(home.logistics_point_id)
    back = 0.0 if o == h else float(duration_min[n_f + h, n_f + o]) + home.stop_min
    return _Shift(
        start_min=max(minutes_of_day(vehicle.shift_start), minutes_of_day(home.open)),
        end_min=min(minutes_of_day(vehicle.shift_end), minutes_of_day(home.close)),
        out_min=float(col.out_min[o]),
        home_min=back,
    )


def estimate_fleet(
    scenario: Scenario,
    duration_min: np.ndarray,
    supply: dict[tuple[int, int, int], float],
    arc_ok: np.ndarray,
    demand_kg: tuple[float, float],
    trips_per_shift: float | None = None,
) -> Fleet:
    """Each vehicle's kg per day at each point, grouped into classes (see the module).

    ``duration_min``: travel minutes between the farms then the points; ``supply``: kg
    per (day, farm, product); ``arc_ok``: (farms, points, products) whether goods may
    travel farm → point in time; ``demand_kg``: the horizon's demand, all and
    cold-chain kg. ``trips_per_shift`` replaces the estimated trips (a full load each)
    wherever a vehicle can reach the point.
    """
    products = scenario.products
    horizon = scenario.settings.horizon_days
    cold_p = {i for i, p in enumerate(products) if p.needs_cold_chain}
    all_p = set(range(len(products)))
    harvest = np.zeros(arc_ok.shape)
    for (_, f, p), kg in supply.items():
        harvest[f, :, p] += kg
    harvest *= arc_ok
    days = (_day(supply, all_p, demand_kg[0], horizon), _day(supply, cold_p, demand_kg[1], horizon))
    around = _around(scenario, duration_min, harvest)
    rows: dict[tuple[object, ...], list[str]] = {}
    found: dict[tuple[object, ...], tuple[np.ndarray, np.ndarray, bool]] = {}
    trips: dict[str, float] = {}
    for v, vehicle in enumerate(scenario.vehicles):
        day_kg, share, home_trips = _vehicle_kg(
            scenario, duration_min, around, days, v, trips_per_shift
        )
        key = (vehicle.refrigerated, *np.round(day_kg, 6), *np.round(share, 6))
        rows.setdefault(key, []).append(vehicle.vehicle_id)
        found[key] = (day_kg, share, vehicle.refrigerated)
        trips[vehicle.vehicle_id] = home_trips
    classes = tuple(
        FleetClass(
            vehicle_ids=tuple(ids),
            refrigerated=found[k][2],
            kg_per_day=found[k][0],
            cold_share=found[k][1],
        )
        for k, ids in rows.items()
    )
    return Fleet(classes=classes, trips=trips, collectable=harvest.sum(axis=(0, 2)) > 0)


__all__ = ["MIN_FLEET_KG", "Fleet", "FleetClass", "estimate_fleet"]
