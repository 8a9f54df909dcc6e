"""Fleet sizing: how much a vehicle collects in a day, and the smallest fleet that carries it.

Used when ``n_vehicles`` is None. Today's kg per logistics point are the orders due
today plus :data:`LATER_COLLECTED_TODAY_SHARE` of those due later. A vehicle brings in
``load × trips`` per day (:func:`estimate_trips`): the load is
:data:`FLEET_FILL_FACTOR` × capacity, spread over ``ceil(load / kg per farm visit)``
farms (fewer if the first pickup would otherwise stay on board longer than the
tightest transit limit of what the vehicle carries); a trip drives two legs of
:data:`FARM_DISTANCE_SHARE` × radius and a hop between farms (both × circuity ÷
speed), stops at each farm, loads, stops at the point and unloads; the trips fit the
farms' pickup windows and the shift up to the cut-off. Cold-chain trips and other
trips each have their own kg per visit and hop, from their products' kg and the farms
harvesting those products (:func:`collection_day`). Each point gets refrigerated
vehicles until they carry its cold-chain kg, then others until its vehicles (the
refrigerated ones with the rest of their day) carry all its kg; each vehicle is a
truck with probability :data:`TRUCK_SHARE`. Points with nothing to receive get no
vehicle.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from agrichain.generate.values import BoolArray, FloatArray, IntArray
from agrichain.model import TravelSettings

VAN_CAPACITY_KG = 1500.0
TRUCK_CAPACITY_KG = 3000.0
#: Share of vehicles that are 3 t trucks (the others are 1.5 t vans).
TRUCK_SHARE = 0.4
#: Share of a vehicle's capacity that an average collection trip fills.
FLEET_FILL_FACTOR = 0.8
#: Share of the kg of orders due after the planning date that is collected on it (the
#: inventory planner collected 56-72 % of it on generated counties; the goods keep).
LATER_COLLECTED_TODAY_SHARE = 0.6
#: Mean drive between a logistics point and the farms it collects from, as a share of the
#: county radius (farms lie 0.12-0.9 radii from the seat; the stations 0.35-0.65 out).
FARM_DISTANCE_SHARE = 0.6


@dataclass(frozen=True)
class CollectionDay:
    """What the fleet sizing assumes about a day of collection (minutes, kg)."""

    leg_min: float
    """Drive between a logistics point and a farm."""
    hop_min: float
    """Drive from one farm to the next on a trip."""
    kg_per_visit: float
    """kg picked up per farm visit: today's kg over the farms harvesting today."""
    farm_stop_min: float
    """Mean fixed stop time at a farm."""
    loading_min_per_t: float
    """Mean loading minutes per tonne."""
    pickup_span_min: float
    """Mean length of the farms' pickup windows."""


@dataclass(frozen=True)
class TripEstimate:
    """One vehicle's collection day as the fleet sizing estimates it."""

    load_kg: float
    """kg carried per trip."""
    farm_visits: int
    """Farms visited per trip."""
    trip_min: float
    """Minutes from leaving the logistics point to having unloaded there again."""
    trips: float
    """Trips per shift, on average over a fleet of such vehicles (at least 1)."""

    @property
    def kg_per_day(self) -> float:
        """kg the vehicle brings in over its shift."""
        return self.load_kg * self.trips


def collection_day(
    *,
    radius_km: float,
    n_farms: int,
    kg_today: float,
    farm_stop_min: float,
    loading_min_per_t: float,
    pickup_span_min: float,
    travel: TravelSettings | None = None,
) -> CollectionDay:
    """The day's shape from the county radius and the farms harvesting today
    (``n_farms`` of them, ``kg_today`` to collect: for one kind of trip, the farms and kg
    of the products those trips carry).

    Legs are :data:`FARM_DISTANCE_SHARE` of the radius; hops between farms are the
    mean nearest-neighbour distance of ``n_farms`` points spread over the county disc,
    ``0.5 × sqrt(π radius² / n_farms)``; both × circuity ÷ speed.
    """
    t = travel or TravelSettings()
    min_per_km = t.circuity / t.speed_kmh * 60.0
    return CollectionDay(
        leg_min=FARM_DISTANCE_SHARE * radius_km * min_per_km,
        hop_min=0.5 * math.sqrt(math.pi * radius_km**2 / n_farms) * min_per_km,
        kg_per_visit=max(1.0, kg_today / n_farms),
        farm_stop_min=farm_stop_min,
        loading_min_per_t=loading_min_per_t,
        pickup_span_min=pickup_span_min,
    )


def estimate_trips(
    capacity_kg: float,
    day: CollectionDay,
    *,
    lp_stop_min: float,
    unloading_min_per_t: float,
    max_transit_min: float,
    shift_min: float,
) -> TripEstimate:
    """Load, duration and number of a vehicle's trips from its logistics point.

    A trip fills :data:`FLEET_FILL_FACTOR` of the capacity in ``ceil(load / kg per
    visit)`` farm visits, fewer if the first pickup would otherwise exceed
    ``max_transit_min`` before its delivery. Its minutes: two legs + visits × farm stop
    + (visits - 1) hops + loading and unloading of the load + the point's stop. Trips
    per shift, on average: the first starts at the farms' opening, each later one
    ``trip_min`` after it, and the last one's pickups end within the pickup window
    (``1 + (window - pickup minutes) / trip_min``), all inside ``shift_min``; at
    least one.
    """
    per_t = day.loading_min_per_t / 1000.0
    load = capacity_kg * FLEET_FILL_FACTOR
    visits = max(1, math.ceil(load / day.kg_per_visit - 1e-9))
    # first handling start → delivery: each visit's loading, the later visits' stops and
    # hops, the leg back and the point's stop
    per_visit = day.farm_stop_min + day.hop_min + per_t * min(load, day.kg_per_visit)
    fixed = day.leg_min + lp_stop_min - day.farm_stop_min - day.hop_min
    if fixed + visits * per_visit > max_transit_min:
        visits = max(1, math.floor((max_transit_min - fixed) / per_visit))
        load = min(load, visits * day.kg_per_visit)
    pickup_min = visits * day.farm_stop_min + (visits - 1) * day.hop_min + per_t * load
    trip_min = 2.0 * day.leg_min + pickup_min + lp_stop_min + unloading_min_per_t * load / 1000.0
    by_window = 1.0 + max(0.0, day.pickup_span_min - pickup_min) / trip_min
    trips = max(1.0, min(by_window, shift_min / trip_min))
    return TripEstimate(load_kg=load, farm_visits=visits, trip_min=trip_min, trips=trips)


@dataclass(frozen=True)
class Depot:
    """A logistics point as the fleet sizing sees it."""

    index: int
    stop_min: float
    unloading_min_per_t: float
    shift_min: float
    """Usable shift: 12 h, ending at the cut-off at the latest."""


def vehicle_kg_per_day(day: CollectionDay, depot: Depot, truck: bool, transit_min: float) -> float:
    """kg a van (or truck) based at ``depot`` brings in over its shift."""
    return estimate_trips(
        TRUCK_CAPACITY_KG if truck else VAN_CAPACITY_KG,
        day,
        lp_stop_min=depot.stop_min,
        unloading_min_per_t=depot.unloading_min_per_t,
        max_transit_min=transit_min,
        shift_min=depot.shift_min,
    ).kg_per_day


def sized_fleet(
    rng: np.random.Generator,
    depots: list[Depot],
    *,
    need_kg: FloatArray,
    cold_kg: FloatArray,
    ambient: tuple[CollectionDay, float],
    cold: tuple[CollectionDay, float] | None,
) -> tuple[IntArray, BoolArray, BoolArray]:
    """(home, refrigerated, truck) per vehicle, depot by depot (in the given order).

    Refrigerated vehicles until their kg per day on cold-chain trips reach the depot's
    cold-chain kg; the share of their day this leaves carries other goods; then other
    vehicles until all reach the depot's kg. Each vehicle is a truck with probability
    :data:`TRUCK_SHARE`. ``ambient`` and ``cold``: the collection day and the tightest
    transit limit of each kind of trip; ``cold`` None: no cold-chain product.
    """
    home: list[int] = []
    refrigerated: list[bool] = []
    truck: list[bool] = []

    def add(depot: Depot, cold_chain: bool) -> tuple[float, float]:
        """kg per day of a new vehicle on cold-chain trips and on other trips."""
        is_truck = bool(rng.random() < TRUCK_SHARE)
        home.append(depot.index)
        refrigerated.append(cold_chain)
        truck.append(is_truck)
        other = vehicle_kg_per_day(ambient[0], depot, is_truck, ambient[1])
        if not cold_chain or cold is None:
            return 0.0, other
        return vehicle_kg_per_day(cold[0], depot, is_truck, cold[1]), other

    for depot in depots:
        cold_rate = ref_other_rate = 0.0
        if cold is not None:
            while cold_rate < cold_kg[depot.index] - 1e-9:
                c, o = add(depot, True)
                cold_rate += c
                ref_other_rate += o
        spare = 1.0 - cold_kg[depot.index] / cold_rate if cold_rate > 0 else 0.0
        carried = cold_kg[depot.index] + spare * ref_other_rate
        while carried < need_kg[depot.index] - 1e-9:
            carried += add(depot, False)[1]
    if cold is not None and not any(refrigerated):
        add(depots[0], True)  # the cold-chain product needs one
    if not home:
        add(depots[0], False)
    return (
        np.asarray(home, dtype=np.int64),
        np.asarray(refrigerated, dtype=np.bool_),
        np.asarray(truck, dtype=np.bool_),
    )


__all__ = [
    "FARM_DISTANCE_SHARE",
    "FLEET_FILL_FACTOR",
    "LATER_COLLECTED_TODAY_SHARE",
    "TRUCK_CAPACITY_KG",
    "TRUCK_SHARE",
    "VAN_CAPACITY_KG",
    "CollectionDay",
    "Depot",
    "TripEstimate",
    "collection_day",
    "estimate_trips",
    "sized_fleet",
    "vehicle_kg_per_day",
]
