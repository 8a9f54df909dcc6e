"""Seeded synthetic scenarios: a county of village farms, packing hubs, live sessions and a fleet.

:func:`generate_scenario` turns a :class:`GeneratorConfig` into a validated
:class:`~agrichain.model.Scenario`; the result depends only on the config (its
``seed`` drives :class:`numpy.random.Generator` streams, no global random state).

What is generated:

* villages spread over a disc of ``radius_km`` around the county seat, several
  farms per village; every coordinate lies inside the disc;
* logistics points: a county logistics hub at the seat and express stations in
  towns around it;
* products from :data:`CATALOGUE` (real box weights and shelf lives; costs in
  CNY per kg); each farm grows 1–3 of them, villages specialise;
* supply per farm, product and day of the horizon (seasonal products only
  within each farm's harvest window);
* ``n_sessions`` live sessions held the evening before the planning date and
  their orders (``n_orders`` in total); orders ship by the cut-off of the
  session's logistics point on the planning date, long-keeping products partly
  on the next day;
* when ``horizon_days > 1``, the same sessions on each later evening, with a
  forecast of their sales instead of orders;
* an optional stock table of long-keeping products at the logistics points;
* time at a place: farms stop 8-12 min and load 8-16 min/t; the hub stops 15 min and
  unloads 8 min/t, the stations 10 min and 12 min/t;
* a mixed fleet of 1.5 t vans and 3 t trucks, some refrigerated: ``n_vehicles`` of
  them, or by default the smallest fleet that plausibly carries the day (below).

Fleet sizing (``n_vehicles`` None). Today's kg per logistics point are the orders
due today plus :data:`LATER_COLLECTED_TODAY_SHARE` of those due later. A vehicle
brings in ``load × trips`` per day (:func:`estimate_trips`): the load is
:data:`FLEET_FILL_FACTOR` × capacity, spread over ``ceil(load / kg per farm
visit)`` farms (fewer if the first pickup would otherwise stay on board longer than
the tightest transit limit of what the vehicle carries); a trip drives two legs of
:data:`FARM_DISTANCE_SHARE` × radius and a hop between farms (both × circuity ÷
speed), stops at each farm, loads, stops at the point and unloads; the trips fit
the farms' pickup windows and the shift up to the cut-off. Cold-chain trips and
other trips each have their own kg per visit and hop, from their products' kg and
the farms harvesting those products (:func:`collection_day`). Each point gets
refrigerated vehicles until they carry its cold-chain kg, then others until its
vehicles (the refrigerated ones with the rest of their day) carry all its kg; each
vehicle is a truck with probability :data:`TRUCK_SHARE`. Points with nothing to
receive get no vehicle.

Supply is scaled so that each product's ordered kg (whatever the ship day: the
goods keep) is 70–95 % of its harvest on the planning date, and each later day's
forecast 70–95 % of that day's harvest, so the default plan is feasible but tight.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, model_validator

from agrichain.io import save_scenario
from agrichain.model import (
    Farm,
    Forecast,
    LiveSession,
    LogisticsPoint,
    Order,
    Product,
    RoutingSettings,
    Scenario,
    Settings,
    Stock,
    Supply,
    TravelSettings,
    Vehicle,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LON_EQUATOR = 111.320


@dataclass(frozen=True)
class CatalogueItem:
    """A product the generator can sell, with realistic weights, shelf life and costs (CNY)."""

    product_id: str
    name: str
    box_weight_kg: float
    shelf_life_h: float
    max_transit_min: float
    needs_cold_chain: bool
    holding_cost_per_kg_day: float
    spoilage_cost_per_kg: float
    lost_sales_cost_per_kg: float
    typical_farm_kg_day: float
    """Median daily harvest of a farm growing it (before scaling to the orders)."""
    season_days: int | None
    """Length of one farm's harvest window in days; None: harvested every day."""
    grow_weight: float
    """How common growers of it are in the county (relative)."""

    def product(self) -> Product:
        """The scenario record of this item."""
        return Product(
            product_id=self.product_id,
            name=self.name,
            box_weight_kg=self.box_weight_kg,
            shelf_life_h=self.shelf_life_h,
            max_transit_min=self.max_transit_min,
            needs_cold_chain=self.needs_cold_chain,
            holding_cost_per_kg_day=self.holding_cost_per_kg_day,
            spoilage_cost_per_kg=self.spoilage_cost_per_kg,
            lost_sales_cost_per_kg=self.lost_sales_cost_per_kg,
        )


#: Products the generator chooses from (the first is always chosen when ``product_ids`` is empty).
CATALOGUE: tuple[CatalogueItem, ...] = (
    CatalogueItem("bayberry", "杨梅 bayberries", 2.5, 48, 180, True, 3.0, 40, 90, 250, 8, 3.0),
    CatalogueItem(
        "shiitake", "鲜香菇 fresh shiitake", 2.0, 120, 240, True, 1.5, 12, 30, 120, None, 1.0
    ),
    CatalogueItem("loquat", "枇杷 loquats", 2.5, 96, 240, False, 1.0, 16, 36, 150, 10, 1.0),
    CatalogueItem("peach", "水蜜桃 honey peaches", 5.0, 120, 300, False, 0.6, 8, 20, 400, 14, 2.0),
    CatalogueItem("grape", "葡萄 grapes", 5.0, 168, 360, False, 0.4, 10, 24, 300, 20, 1.5),
    CatalogueItem(
        "kiwifruit", "猕猴桃 kiwifruit", 5.0, 336, 480, False, 0.2, 6, 16, 300, None, 1.0
    ),
    CatalogueItem(
        "egg", "土鸡蛋 free-range eggs (60)", 3.0, 504, 480, False, 0.1, 12, 26, 60, None, 1.5
    ),
    CatalogueItem(
        "sweet_potato", "红薯 sweet potatoes", 5.0, 720, 600, False, 0.03, 2, 6, 500, None, 1.5
    ),
    CatalogueItem(
        "tea", "高山云雾茶 mountain green tea", 0.5, 4320, 720, False, 0.05, 120, 300, 8, None, 1.0
    ),
    CatalogueItem(
        "honey", "土蜂蜜 wild honey (jars)", 1.0, 8760, 720, False, 0.02, 20, 80, 15, None, 0.8
    ),
)
CATALOGUE_BY_ID: dict[str, CatalogueItem] = {c.product_id: c for c in CATALOGUE}

#: County seats of Zhejiang whose surroundings (35 km) are all land: name -> (lat, lon).
COUNTY_SEATS: dict[str, tuple[float, float]] = {
    "xianju": (28.85, 120.73),
    "lanxi": (29.21, 119.46),
    "anji": (30.64, 119.68),
    "suichang": (28.59, 119.27),
}

_VILLAGE_FIRST = "上下东西南北大小新高前后中石"
_VILLAGE_SECOND = "溪岙坑岭塘山湖坦洋桥湾垟坪岩田"
_TOWN_NAMES = ("白塔", "横溪", "田市", "官路", "下各", "朱溪", "埠头", "皤滩", "安岭", "溪港")
_SURNAMES = "王李张陈林吴周朱应郑徐何"

#: Share of the day's harvest that is sold, drawn per product.
SOLD_SHARE_RANGE = (0.70, 0.95)
#: Share of orders of long-keeping products (shelf life >= 5 days) that ship a day later.
LATER_SHIPPING_SHARE = 0.3
_BOX_COUNTS = np.array([1, 2, 3, 4, 5])
_BOX_PROBS = np.array([0.42, 0.28, 0.15, 0.08, 0.07])
_FARMS_PER_VILLAGE = 5.0
VAN_CAPACITY_KG = 1500.0
TRUCK_CAPACITY_KG = 3000.0
#: Fixed minutes per visit at the county hub (a busy dock) and at an express station.
HUB_STOP_MIN = 15.0
STATION_STOP_MIN = 10.0
#: Unloading minutes per tonne at the hub (dock, trolleys) and at a station (by hand).
HUB_UNLOADING_MIN_PER_T = 8.0
STATION_UNLOADING_MIN_PER_T = 12.0
_SERVICE_STREAM = 1
#: Share of vehicles that are 3 t trucks (the others are 1.5 t vans).
TRUCK_SHARE = 0.4
#: Refrigerated share of a fleet of given size when none is asked for.
DEFAULT_REFRIGERATED_SHARE = 0.3
#: Driver shifts: start at 06:00 plus a delay drawn with these probabilities; 12 h long.
SHIFT_START_MIN = 360
SHIFT_START_DELAY_MIN = (0, 30, 60)
SHIFT_START_PROBS = (0.5, 0.3, 0.2)
SHIFT_MIN = 12 * 60

# ----- fleet sizing (used when ``n_vehicles`` is None) -----------------------------------

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


def _refrigerated_count(share: float, n_vehicles: int, cold: BoolArray) -> int:
    n_ref = round(share * n_vehicles)
    return max(1, n_ref) if cold.any() else n_ref


@dataclass(frozen=True)
class _Depot:
    """A logistics point as the fleet sizing sees it."""

    index: int
    stop_min: float
    unloading_min_per_t: float
    shift_min: float
    """Usable shift: 12 h, ending at the cut-off at the latest."""


def _vehicle_kg_per_day(
    day: CollectionDay, depot: _Depot, truck: bool, transit_min: float
) -> float:
    return estimate_trips(
        TRUCK_CAPACITY_KG if truck else VAN_CAPACITY_KG,
        day,
        lp_stop_min=depot.stop_min,
        unloading_min_per_t=depot.unloading_min_per_t,
        max_transit_min=transit_min,
        shift_min=depot.shift_min,
    ).kg_per_day


def _sized_fleet(
    rng: np.random.Generator,
    depots: list[_Depot],
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

    def add(depot: _Depot, cold_chain: bool) -> tuple[float, float]:
        """kg per day of a new vehicle on cold-chain trips and on other trips."""
        is_truck = bool(rng.random() < TRUCK_SHARE)
        home.append(depot.index)
        refrigerated.append(cold_chain)
        truck.append(is_truck)
        other = _vehicle_kg_per_day(ambient[0], depot, is_truck, ambient[1])
        if not cold_chain or cold is None:
            return 0.0, other
        return _vehicle_kg_per_day(cold[0], depot, is_truck, cold[1]), other

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


class GeneratorConfig(BaseModel):
    """What to generate; the result depends on these fields only."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = "generated"
    seed: int = 0
    n_farms: Annotated[int, Field(ge=1, le=100_000)] = 80
    n_logistics_points: Annotated[int, Field(ge=1, le=1_000)] = 5
    n_products: Annotated[int, Field(ge=1, le=len(CATALOGUE))] = 8
    product_ids: tuple[str, ...] = ()
    """Catalogue products to use; empty: bayberries plus ``n_products - 1`` chosen at random."""
    n_sessions: Annotated[int, Field(ge=1, le=1_000)] = 4
    """Sessions held the evening before the planning date (the ones with orders)."""
    n_orders: Annotated[int, Field(ge=1, le=2_000_000)] = 2000
    n_vehicles: Annotated[int, Field(ge=1, le=10_000)] | None = None
    """Fleet size; None: the smallest fleet that plausibly carries the day (see
    :func:`collection_day` and :func:`estimate_trips`)."""
    refrigerated_share: Annotated[float, Field(ge=0.0, le=1.0)] | None = None
    """Share of refrigerated vehicles (at least one when a product needs a cold chain);
    None: as many as the cold-chain kg need in a sized fleet, else
    :data:`DEFAULT_REFRIGERATED_SHARE`."""
    horizon_days: Annotated[int, Field(ge=1, le=60)] = 3
    planning_date: dt.date = dt.date(2025, 6, 20)
    center_lat: Annotated[float, Field(ge=-80.0, le=80.0)] = COUNTY_SEATS["xianju"][0]
    center_lon: Annotated[float, Field(ge=-180.0, le=180.0)] = COUNTY_SEATS["xianju"][1]
    radius_km: Annotated[float, Field(ge=2.0, le=200.0)] = 30.0
    with_stock: bool = True
    """Add stock of long-keeping products at the logistics points."""
    routing_time_limit_s: Annotated[float, Field(gt=0.0)] = 30.0
    routing_solution_limit: Annotated[int, Field(gt=0)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _count_named_products(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("product_ids") and "n_products" not in data:
            data = {**data, "n_products": len(data["product_ids"])}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> GeneratorConfig:
        if self.product_ids:
            unknown = [p for p in self.product_ids if p not in CATALOGUE_BY_ID]
            if unknown:
                known = ", ".join(CATALOGUE_BY_ID)
                raise ValueError(f"unknown product ids {unknown}; the catalogue has {known}")
            if len(set(self.product_ids)) != len(self.product_ids):
                raise ValueError("product_ids repeats a product")
            if len(self.product_ids) != self.n_products:
                raise ValueError("n_products must equal the number of product_ids")
        if self.n_products > 3 * self.n_farms:
            raise ValueError("n_products may be at most 3 * n_farms (a farm grows 1-3 products)")
        return self


#: Configurations of the bundled instances (``instances/<name>/``).
PRESETS: dict[str, GeneratorConfig] = {
    "small": GeneratorConfig(
        name="small",
        seed=28,
        n_farms=8,
        n_logistics_points=2,
        product_ids=("bayberry", "peach", "egg"),
        n_sessions=1,
        n_orders=36,
        n_vehicles=3,
        refrigerated_share=0.34,
        horizon_days=1,
        radius_km=12.0,
        with_stock=False,
        routing_time_limit_s=5.0,
        routing_solution_limit=50,
    ),
    "county": GeneratorConfig(
        name="county",
        seed=20250620,
        n_farms=80,
        n_logistics_points=5,
        n_products=8,
        n_sessions=4,
        n_orders=2400,
        n_vehicles=14,
        refrigerated_share=0.3,
        horizon_days=3,
        radius_km=30.0,
        with_stock=True,
        routing_time_limit_s=30.0,
    ),
}


# ----- helpers -----------------------------------------------------------------


def _sig6(values: npt.ArrayLike) -> list[float]:
    """Round to 6 significant digits (what the scenario files keep)."""
    return [float(f"{float(v):.6g}") for v in np.ravel(np.asarray(values, dtype=np.float64))]


def _clock(minutes: int) -> dt.time:
    return dt.time(int(minutes) // 60, int(minutes) % 60)


def _disc_points(
    rng: np.random.Generator, n: int, r_min_km: float, r_max_km: float
) -> tuple[FloatArray, FloatArray]:
    """Points spread uniformly (by area) over an annulus; x east, y north, km."""
    u = rng.uniform(r_min_km**2, r_max_km**2, size=n)
    r = np.sqrt(u)
    a = rng.uniform(0.0, 2.0 * np.pi, size=n)
    return r * np.cos(a), r * np.sin(a)


def _clip_to_disc(x: FloatArray, y: FloatArray, r_max_km: float) -> tuple[FloatArray, FloatArray]:
    r = np.hypot(x, y)
    scale = np.where(r > r_max_km, r_max_km / np.maximum(r, 1e-12), 1.0)
    return x * scale, y * scale


def _to_lat_lon(
    config: GeneratorConfig, x: FloatArray, y: FloatArray
) -> tuple[list[float], list[float]]:
    lat = config.center_lat + y / KM_PER_DEG_LAT
    lon = config.center_lon + x / (
        KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(config.center_lat))
    )
    return _sig6(lat), _sig6(lon)


def _choose_products(config: GeneratorConfig, rng: np.random.Generator) -> list[CatalogueItem]:
    if config.product_ids:
        chosen = set(config.product_ids)
    else:
        others = rng.choice(np.arange(1, len(CATALOGUE)), size=config.n_products - 1, replace=False)
        chosen = {CATALOGUE[0].product_id, *(CATALOGUE[int(i)].product_id for i in others)}
    return [c for c in CATALOGUE if c.product_id in chosen]


def _grown(
    rng: np.random.Generator, n_farms: int, village: IntArray, n_villages: int, weights: FloatArray
) -> BoolArray:
    """(F, P) which products each farm grows: 1-3 each, villages specialise, all grown somewhere."""
    n_products = len(weights)
    main = rng.integers(n_products, size=n_villages)
    pref = np.tile(weights, (n_villages, 1))
    pref[np.arange(n_villages), main] *= 5.0
    k = np.minimum(rng.choice([1, 2, 3], p=[0.45, 0.35, 0.20], size=n_farms), n_products)
    keys = np.log(pref[village]) + rng.gumbel(size=(n_farms, n_products))
    rank = np.argsort(np.argsort(-keys, axis=1), axis=1)
    grows = rank < k[:, None]
    for p in range(n_products):
        if grows[:, p].any():
            continue
        counts = grows.sum(axis=1)
        open_farms = np.flatnonzero(counts < 3)
        if open_farms.size:
            grows[int(rng.choice(open_farms)), p] = True
            continue
        growers = grows.sum(axis=0)
        shared = np.flatnonzero((grows & (growers > 1)[None, :]).any(axis=1))
        f = int(rng.choice(shared))
        q = int(rng.choice(np.flatnonzero(grows[f] & (growers > 1))))
        grows[f, q] = False
        grows[f, p] = True
    return grows


def _harvest_mask(
    rng: np.random.Generator, items: list[CatalogueItem], grows: BoolArray, horizon: int
) -> BoolArray:
    """(F, P, D) whether a farm harvests a product on a day; each product has day-0 harvest."""
    n_farms = grows.shape[0]
    days = np.arange(horizon)
    mask = np.repeat(grows[:, :, None], horizon, axis=2)
    for p, item in enumerate(items):
        if item.season_days is None:
            continue
        length = item.season_days
        start = np.asarray(rng.integers(-(length - 1), horizon, size=n_farms), dtype=np.int64)
        growers = np.flatnonzero(grows[:, p])
        if not ((start[growers] <= 0) & (start[growers] + length > 0)).any():
            start[growers[0]] = 0
        in_season = (days[None, :] >= start[:, None]) & (days[None, :] < start[:, None] + length)
        mask[:, p, :] &= in_season
    return mask


# ----- the generator -----------------------------------------------------------------


def generate_scenario(config: GeneratorConfig) -> Scenario:
    """A validated synthetic scenario, fully determined by ``config``."""
    rng = np.random.default_rng(config.seed)
    horizon = config.horizon_days
    plan_day = config.planning_date
    n_f, n_l, n_s = config.n_farms, config.n_logistics_points, config.n_sessions
    radius = config.radius_km
    margin = 0.97 * radius

    # --- places ---------------------------------------------------------------
    n_villages = max(1, math.ceil(n_f / _FARMS_PER_VILLAGE))
    vx, vy = _disc_points(rng, n_villages, 0.12 * radius, 0.9 * radius)
    village_size = rng.gamma(2.0, 1.0, size=n_villages)
    village = rng.choice(n_villages, size=n_f, p=village_size / village_size.sum())
    spread = min(0.8, 0.05 * radius)
    fx = vx[village] + np.clip(rng.normal(0.0, spread, size=n_f), -3 * spread, 3 * spread)
    fy = vy[village] + np.clip(rng.normal(0.0, spread, size=n_f), -3 * spread, 3 * spread)
    fx, fy = _clip_to_disc(fx, fy, margin)
    farm_lat, farm_lon = _to_lat_lon(config, fx, fy)
    n_names = len(_VILLAGE_FIRST) * len(_VILLAGE_SECOND)
    name_pick = rng.permutation(n_names)
    village_names = [
        _VILLAGE_FIRST[int(name_pick[i % n_names]) // len(_VILLAGE_SECOND)]
        + _VILLAGE_SECOND[int(name_pick[i % n_names]) % len(_VILLAGE_SECOND)]
        + (str(i // n_names + 1) if i >= n_names else "")
        + "村"
        for i in range(n_villages)
    ]
    surname = rng.integers(len(_SURNAMES), size=n_f)
    open_min = 360 + 30 * rng.integers(0, 5, size=n_f)
    close_min = open_min + 30 * rng.integers(11, 17, size=n_f)
    farm_stop_min = 2.0 * rng.integers(2, 5, size=n_f) + 4.0  # 8, 10 or 12 min
    # handling rates come from a second stream, so adding them left the rest unchanged
    service_rng = np.random.default_rng([config.seed, _SERVICE_STREAM])
    farm_loading_per_t = service_rng.integers(8, 17, size=n_f).astype(np.float64)

    # logistics points: the hub at the seat, stations in towns on a ring around it
    ang = 2 * np.pi * np.arange(n_l - 1) / max(1, n_l - 1) + rng.uniform(0, 2 * np.pi)
    ang = ang + rng.normal(0.0, 0.25, size=n_l - 1)
    ring = rng.uniform(0.35, 0.65, size=n_l - 1) * radius
    hub_x, hub_y = _disc_points(rng, 1, 0.0, min(1.5, 0.1 * radius))
    lx = np.concatenate([hub_x, ring * np.cos(ang)])
    ly = np.concatenate([hub_y, ring * np.sin(ang)])
    lx, ly = _clip_to_disc(lx, ly, margin)
    lp_lat, lp_lon = _to_lat_lon(config, lx, ly)
    lp_cutoff_min = np.where(rng.random(n_l) < 0.5, 17 * 60, 18 * 60)
    lp_cutoff_min[0] = 18 * 60
    town_order = rng.permutation(len(_TOWN_NAMES))
    lp_names = ["县城电商物流中心 county e-commerce hub"] + [
        f"{_TOWN_NAMES[town_order[(i - 1) % len(_TOWN_NAMES)]]}镇快递站 express station"
        + (f" {(i - 1) // len(_TOWN_NAMES) + 1}" if i > len(_TOWN_NAMES) else "")
        for i in range(1, n_l)
    ]

    # --- products, growers, harvest ------------------------------------------------------
    items = _choose_products(config, rng)
    n_p = len(items)
    box_kg = np.array([c.box_weight_kg for c in items])
    grows = _grown(rng, n_f, village, n_villages, np.array([c.grow_weight for c in items]))
    mask = _harvest_mask(rng, items, grows, horizon)
    median_kg = np.array([c.typical_farm_kg_day for c in items])
    capacity = median_kg[None, :] * np.clip(rng.lognormal(0.0, 0.5, size=(n_f, n_p)), 0.25, 3.0)
    daily = np.clip(rng.lognormal(0.0, 0.12, size=(n_f, n_p, horizon)), 0.7, 1.4)
    raw = capacity[:, :, None] * daily * mask  # (F, P, D)
    raw_day = raw.sum(axis=0)  # (P, D)
    share = rng.uniform(*SOLD_SHARE_RANGE, size=(n_p, horizon))
    later = np.array(
        [LATER_SHIPPING_SHARE if horizon > 1 and c.shelf_life_h >= 5 * 24 else 0.0 for c in items]
    )

    # --- held sessions and their orders ------------------------------------------------
    # session 1 (the biggest) ships from the hub, the others from the stations in turn
    session_lp = np.arange(n_s) % n_l
    session_weight = np.sort(rng.gamma(3.0, 1.0, size=n_s))[::-1]
    session_start_min = 18 * 60 + 30 * rng.integers(0, 7, size=n_s)  # 18:00-21:00
    sells = rng.random((n_s, n_p)) < rng.uniform(0.5, 1.0, size=(n_s, 1))
    sells[np.arange(n_s), rng.integers(n_p, size=n_s)] = True
    sells[0] = True  # the hub's flagship session sells everything
    for unsold in np.flatnonzero(~sells.any(axis=0)):
        sells[int(rng.integers(n_s)), unsold] = True
    # orders per product in proportion to the sellable day-0 harvest (in boxes)
    mean_boxes = float((_BOX_COUNTS * _BOX_PROBS).sum())
    product_orders = share[:, 0] * raw_day[:, 0] / (box_kg * mean_boxes)
    reach = (session_weight[:, None] * sells).sum(axis=0)
    joint = session_weight[:, None] * sells * (product_orders / reach)[None, :]
    pick = rng.choice(n_s * n_p, size=config.n_orders, p=(joint / joint.sum()).ravel())
    pick = pick[np.argsort(pick // n_p, kind="stable")]  # orders grouped by session
    o_session, o_product = np.divmod(pick, n_p)
    o_boxes = rng.choice(_BOX_COUNTS, size=config.n_orders, p=_BOX_PROBS)
    o_day = (rng.random(config.n_orders) < later[o_product]).astype(np.int64)
    o_kg = o_boxes * box_kg[o_product]
    ordered = np.zeros((n_p, horizon))
    np.add.at(ordered, (o_product, o_day), o_kg)

    # --- scale the harvest so each product's orders are `share` of the day-0 harvest ----
    # (orders shipping later are collected today too: the goods keep)
    held_kg = ordered.sum(axis=1)
    base = share[:, 0] * raw_day[:, 0]
    total_scale = held_kg.sum() / base.sum()
    scale = np.where(held_kg > 0, held_kg / np.maximum(base, 1e-9), total_scale)
    supply_kg = np.where(raw > 0, np.maximum(1.0, np.ceil(raw * scale[None, :, None])), 0.0)
    supply_day = supply_kg.sum(axis=0)  # (P, D)

    # --- future sessions (one per held session and later evening) and their forecast --------
    # the sessions on the evening of day d-1 sell `share` of day d's harvest
    forecast_kg = share * supply_day  # (P, D)
    forecast_kg[:, 0] = 0.0
    sold_weight = session_weight[:, None] * sells  # (S, P)
    sold_share = sold_weight / np.maximum(sold_weight.sum(axis=0, keepdims=True), 1e-12)

    # --- what each logistics point receives per day (orders: all on day 0) --------------
    cold = np.array([c.needs_cold_chain for c in items])
    inflow = np.zeros((n_l, n_p, horizon))  # kg per LP, product, day
    np.add.at(inflow[:, :, 0], (session_lp[o_session], o_product), o_kg)
    for s in range(n_s):
        inflow[session_lp[s]] += sold_share[s][:, None] * forecast_kg

    # --- stock of long-keeping products where they are sold ----------------------------
    stock_rows: list[tuple[int, int, int, float]] = []
    if config.with_stock:
        for p, item in enumerate(items):
            life_days = max(1, int(item.shelf_life_h // 24))
            if item.needs_cold_chain or life_days < 3:
                continue
            for lp in range(n_l):
                if rng.random() < 0.5:
                    age = int(rng.integers(1, min(3, life_days - 1) + 1))
                    kg = float(np.ceil(rng.uniform(0.05, 0.2) * inflow[lp, p, 0]))
                    if kg > 0:
                        stock_rows.append((lp, p, age, kg))

    # --- logistics point capacities from their daily inflow ------------------------------
    stock_kg = np.zeros((n_l, n_p))
    for lp, p, _, kg in stock_rows:
        stock_kg[lp, p] += kg
    amb_need = (inflow[:, ~cold, :].sum(axis=1).max(axis=1)) + stock_kg[:, ~cold].sum(axis=1)
    cold_need = inflow[:, cold, :].sum(axis=1).max(axis=1)
    ambient_cap = np.maximum(2000.0, np.ceil(2.0 * amb_need / 500.0) * 500.0)
    cold_cap = np.maximum(500.0, np.ceil(2.0 * cold_need / 500.0) * 500.0)

    # --- fleet ---------------------------------------------------------------------------
    lp_by_volume = np.argsort(-inflow.sum(axis=(1, 2)), kind="stable")
    n_v: int
    if config.n_vehicles is None:
        # kg each logistics point receives today: orders due today, a share of later ones
        today_kg = np.zeros((n_l, n_p))
        collected = np.where(o_day == 0, 1.0, LATER_COLLECTED_TODAY_SHARE)
        np.add.at(today_kg, (session_lp[o_session], o_product), o_kg * collected)

        def day_of(products: BoolArray) -> CollectionDay:
            """The collection day of the vehicles carrying ``products``."""
            harvesting = np.count_nonzero(supply_kg[:, products, 0].sum(axis=1))
            return collection_day(
                radius_km=radius,
                n_farms=max(1, int(harvesting)),
                kg_today=float(today_kg[:, products].sum()),
                farm_stop_min=float(farm_stop_min.mean()),
                loading_min_per_t=float(farm_loading_per_t.mean()),
                pickup_span_min=float((close_min - open_min).mean()),
            )

        expected_start = SHIFT_START_MIN + float(np.dot(SHIFT_START_DELAY_MIN, SHIFT_START_PROBS))
        depots = [
            _Depot(
                index=int(i),
                stop_min=HUB_STOP_MIN if i == 0 else STATION_STOP_MIN,
                unloading_min_per_t=(
                    HUB_UNLOADING_MIN_PER_T if i == 0 else STATION_UNLOADING_MIN_PER_T
                ),
                shift_min=min(float(SHIFT_MIN), float(lp_cutoff_min[i]) - expected_start),
            )
            for i in lp_by_volume
        ]
        transit = [c.max_transit_min for c in items if not c.needs_cold_chain]
        cold_transit = [c.max_transit_min for c in items if c.needs_cold_chain]
        v_home, refrigerated, truck = _sized_fleet(
            rng,
            depots,
            need_kg=today_kg.sum(axis=1),
            cold_kg=today_kg[:, cold].sum(axis=1),
            ambient=(day_of(~cold), min(transit, default=0.0)),
            cold=(day_of(cold), min(cold_transit)) if cold_transit else None,
        )
        n_v = len(v_home)
        if config.refrigerated_share is not None:  # the asked share instead of the sized one
            order = np.argsort(~refrigerated, kind="stable")
            v_home, truck = v_home[order], truck[order]
            refrigerated = np.arange(n_v) < _refrigerated_count(
                config.refrigerated_share, n_v, cold
            )
    else:
        n_v = config.n_vehicles
        ref_share = (
            DEFAULT_REFRIGERATED_SHARE
            if config.refrigerated_share is None
            else config.refrigerated_share
        )
        refrigerated = np.arange(n_v) < _refrigerated_count(ref_share, n_v, cold)
        truck = rng.random(n_v) < TRUCK_SHARE
        cold_day_kg = float(inflow[:, cold, :].sum(axis=(0, 1)).max()) if cold.any() else 0.0
        ref_idx = np.flatnonzero(refrigerated)
        for i in ref_idx:  # refrigerated vans become trucks until two trips carry the cold volume
            ref_cap = np.where(truck[ref_idx], TRUCK_CAPACITY_KG, VAN_CAPACITY_KG).sum()
            if 2.0 * ref_cap >= cold_day_kg:
                break
            truck[i] = True
        v_home = lp_by_volume[np.arange(n_v) % n_l]
    v_capacity = np.where(truck, TRUCK_CAPACITY_KG, VAN_CAPACITY_KG)
    v_cost_km = np.where(truck, rng.uniform(3.0, 3.6, n_v), rng.uniform(2.0, 2.6, n_v))
    v_cost_km = v_cost_km + 0.4 * refrigerated
    v_fixed = np.where(truck, rng.uniform(250, 330, n_v), rng.uniform(150, 230, n_v))
    v_fixed = np.round(v_fixed + 60.0 * refrigerated)
    v_start = SHIFT_START_MIN + rng.choice(SHIFT_START_DELAY_MIN, p=SHIFT_START_PROBS, size=n_v)
    v_end = v_start + SHIFT_MIN

    # --- records -----------------------------------------------------------------------
    farm_ids = [f"F{i + 1:0{len(str(n_f))}d}" for i in range(n_f)]
    lp_ids = [f"LP{i + 1}" for i in range(n_l)]
    session_ids = [f"S{i + 1:0{len(str(n_s * horizon))}d}" for i in range(n_s * horizon)]
    vehicle_ids = [f"V{i + 1:0{max(2, len(str(n_v)))}d}" for i in range(n_v)]
    product_ids = [c.product_id for c in items]

    farms = tuple(
        Farm(
            farm_id=farm_ids[i],
            name=f"{village_names[village[i]]}{_SURNAMES[surname[i]]}家农场",
            lat=farm_lat[i],
            lon=farm_lon[i],
            pickup_open=_clock(open_min[i]),
            pickup_close=_clock(close_min[i]),
            stop_min=float(farm_stop_min[i]),
            loading_min_per_t=float(farm_loading_per_t[i]),
        )
        for i in range(n_f)
    )
    lps = tuple(
        LogisticsPoint(
            logistics_point_id=lp_ids[i],
            name=lp_names[i],
            lat=lp_lat[i],
            lon=lp_lon[i],
            open=dt.time(6, 0),
            close=dt.time(21, 0),
            cutoff=_clock(lp_cutoff_min[i]),
            ambient_capacity_kg=float(ambient_cap[i]),
            cold_capacity_kg=float(cold_cap[i]),
            stop_min=HUB_STOP_MIN if i == 0 else STATION_STOP_MIN,
            unloading_min_per_t=HUB_UNLOADING_MIN_PER_T if i == 0 else STATION_UNLOADING_MIN_PER_T,
        )
        for i in range(n_l)
    )
    products = tuple(c.product() for c in items)
    f_idx, p_idx, d_idx = np.nonzero(supply_kg)
    supply_values = _sig6(supply_kg[f_idx, p_idx, d_idx])
    dates = [plan_day + dt.timedelta(days=d) for d in range(horizon)]
    supply = tuple(
        Supply(
            farm_id=farm_ids[f],
            product_id=product_ids[p],
            date=dates[d],
            kg=kg,
        )
        for f, p, d, kg in zip(f_idx, p_idx, d_idx, supply_values, strict=True)
    )
    sessions = []
    for evening in range(-1, horizon - 1):
        day = plan_day + dt.timedelta(days=evening)
        for s in range(n_s):
            k = (evening + 1) * n_s + s
            sessions.append(
                LiveSession(
                    session_id=session_ids[k],
                    name=f"合作社直播间 {s + 1} live room, {day:%m-%d} evening",
                    start=dt.datetime.combine(day, _clock(session_start_min[s])),
                    logistics_point_id=lp_ids[session_lp[s]],
                )
            )
    ship_by = [
        [dt.datetime.combine(dates[d], lps[i].cutoff) for d in range(horizon)] for i in range(n_l)
    ]
    order_width = len(str(config.n_orders))
    orders = tuple(
        Order(
            order_id=f"O{i + 1:0{order_width}d}",
            session_id=session_ids[s],
            product_id=product_ids[p],
            quantity_boxes=int(q),
            ship_by=ship_by[session_lp[s]][d],
        )
        for i, (s, p, q, d) in enumerate(zip(o_session, o_product, o_boxes, o_day, strict=True))
    )
    forecast = []
    for d in range(1, horizon):
        for s in range(n_s):
            boxes = np.round(sold_share[s] * forecast_kg[:, d] / box_kg, 1)
            for sold in np.flatnonzero(sells[s] & (boxes > 0)):
                forecast.append(
                    Forecast(
                        session_id=session_ids[d * n_s + s],
                        product_id=product_ids[sold],
                        boxes=_sig6(boxes[sold])[0],
                    )
                )
    stock = tuple(
        Stock(logistics_point_id=lp_ids[lp], product_id=product_ids[p], age_days=age, kg=kg)
        for lp, p, age, kg in stock_rows
    )
    vehicles = tuple(
        Vehicle(
            vehicle_id=vehicle_ids[i],
            home_logistics_point_id=lp_ids[v_home[i]],
            capacity_kg=float(v_capacity[i]),
            refrigerated=bool(refrigerated[i]),
            shift_start=_clock(v_start[i]),
            shift_end=_clock(v_end[i]),
            cost_per_km=_sig6(round(float(v_cost_km[i]), 2))[0],
            fixed_cost=float(v_fixed[i]),
        )
        for i in range(n_v)
    )
    settings = Settings(
        name=config.name,
        planning_date=plan_day,
        horizon_days=horizon,
        routing=RoutingSettings(
            time_limit_s=config.routing_time_limit_s,
            solution_limit=config.routing_solution_limit,
        ),
    )
    return Scenario(
        settings=settings,
        farms=farms,
        logistics_points=lps,
        products=products,
        supply=supply,
        sessions=tuple(sessions),
        orders=orders,
        vehicles=vehicles,
        forecast=tuple(forecast),
        stock=stock,
    )


def write_generated(config: GeneratorConfig, folder: str | os.PathLike[str]) -> Path:
    """Generate a scenario and write it as a scenario folder; returns the folder."""
    return save_scenario(generate_scenario(config), folder)


def generate_to_folder(
    out_dir: str | os.PathLike[str],
    *,
    preset: str | None = None,
    farms: int | None = None,
    logistics_points: int | None = None,
    products: int | None = None,
    product_ids: tuple[str, ...] | None = None,
    sessions: int | None = None,
    orders: int | None = None,
    vehicles: int | None = None,
    refrigerated_share: float | None = None,
    horizon_days: int | None = None,
    planning_date: dt.date | None = None,
    county: str | None = None,
    center_lat: float | None = None,
    center_lon: float | None = None,
    radius_km: float | None = None,
    seed: int | None = None,
    name: str | None = None,
    with_stock: bool | None = None,
    routing_time_limit_s: float | None = None,
    routing_solution_limit: int | None = None,
) -> Path:
    """Generate a scenario into ``out_dir`` (the CLI's ``agrichain generate``).

    Options left as None keep the value of ``preset`` (a key of :data:`PRESETS`)
    or, without a preset, the :class:`GeneratorConfig` default. ``county`` (a key
    of :data:`COUNTY_SEATS`) sets the centre unless ``center_lat``/``center_lon``
    are given. Without ``vehicles`` (and without a preset that fixes the fleet) the
    fleet is sized to the day (see the module docstring). Invalid options raise
    :class:`ValueError`.
    """
    return write_generated(
        make_config(
            preset=preset,
            farms=farms,
            logistics_points=logistics_points,
            products=products,
            product_ids=product_ids,
            sessions=sessions,
            orders=orders,
            vehicles=vehicles,
            refrigerated_share=refrigerated_share,
            horizon_days=horizon_days,
            planning_date=planning_date,
            county=county,
            center_lat=center_lat,
            center_lon=center_lon,
            radius_km=radius_km,
            seed=seed,
            name=name,
            with_stock=with_stock,
            routing_time_limit_s=routing_time_limit_s,
            routing_solution_limit=routing_solution_limit,
        ),
        out_dir,
    )


_OPTION_FIELDS = {
    "farms": "n_farms",
    "logistics_points": "n_logistics_points",
    "products": "n_products",
    "sessions": "n_sessions",
    "orders": "n_orders",
    "vehicles": "n_vehicles",
}


def make_config(
    *, preset: str | None = None, county: str | None = None, **options: Any
) -> GeneratorConfig:
    """A :class:`GeneratorConfig` from CLI-style options (None = keep the preset/default).

    Option names are the config's field names, or the short forms ``farms``,
    ``logistics_points``, ``products``, ``sessions``, ``orders``, ``vehicles``.
    """
    if preset is not None and preset not in PRESETS:
        raise ValueError(f"unknown preset '{preset}'; choose one of {', '.join(PRESETS)}")
    data: dict[str, Any] = PRESETS[preset].model_dump() if preset is not None else {}
    if county is not None:
        key = county.strip().lower()
        if key not in COUNTY_SEATS:
            raise ValueError(f"unknown county '{county}'; choose one of {', '.join(COUNTY_SEATS)}")
        data["center_lat"], data["center_lon"] = COUNTY_SEATS[key]
    given = {_OPTION_FIELDS.get(k, k): v for k, v in options.items() if v is not None}
    if "product_ids" in given:
        given["product_ids"] = tuple(given["product_ids"])
        if "n_products" not in given:
            data.pop("n_products", None)
    elif "n_products" in given:
        data.pop("product_ids", None)
    data.update(given)
    return GeneratorConfig(**data)
