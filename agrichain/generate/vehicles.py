"""The fleet: which vehicles, where they are based, their costs and shifts.

A mixed fleet of 1.5 t vans and 3 t trucks, some refrigerated: ``n_vehicles`` of
them, or by default the smallest fleet that plausibly carries the day
(:mod:`agrichain.generate.fleet`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agrichain.generate.config import GeneratorConfig
from agrichain.generate.demand import Demand, Orders, Sessions
from agrichain.generate.fleet import (
    LATER_COLLECTED_TODAY_SHARE,
    TRUCK_CAPACITY_KG,
    TRUCK_SHARE,
    VAN_CAPACITY_KG,
    CollectionDay,
    Depot,
    collection_day,
    sized_fleet,
)
from agrichain.generate.harvest import Harvest
from agrichain.generate.places import (
    FarmSites,
    PointSites,
    point_stop_min,
    point_unloading_min_per_t,
)
from agrichain.generate.values import BoolArray, FloatArray, IntArray

#: Refrigerated share of a fleet of given size when none is asked for.
DEFAULT_REFRIGERATED_SHARE = 0.3
#: Driver shifts: start at 06:00 plus a delay drawn with these probabilities; 12 h long.
SHIFT_START_MIN = 360
SHIFT_START_DELAY_MIN = (0, 30, 60)
SHIFT_START_PROBS = (0.5, 0.3, 0.2)
SHIFT_MIN = 12 * 60


@dataclass(frozen=True)
class Fleet:
    """The vehicles, one array entry each."""

    home: IntArray
    """Home logistics point."""
    refrigerated: BoolArray
    truck: BoolArray
    cost_per_km: FloatArray
    fixed_cost: FloatArray
    start_min: IntArray
    """Shift start, minutes after midnight."""

    @property
    def capacity_kg(self) -> FloatArray:
        """Capacity of each vehicle."""
        return np.where(self.truck, TRUCK_CAPACITY_KG, VAN_CAPACITY_KG)

    @property
    def end_min(self) -> IntArray:
        """Shift end, minutes after midnight."""
        return self.start_min + SHIFT_MIN


def refrigerated_count(share: float, n_vehicles: int, cold: BoolArray) -> int:
    """Refrigerated vehicles in a fleet of ``n_vehicles``: ``share`` of it, at least one
    when a product (``cold``, per product) needs a cold chain."""
    n_ref = round(share * n_vehicles)
    return max(1, n_ref) if cold.any() else n_ref


@dataclass(frozen=True)
class _Day:
    """What the sizing needs to know about the day's collection."""

    config: GeneratorConfig
    farms: FarmSites
    supply_kg: FloatArray
    today_kg: FloatArray
    """(L, P) kg each logistics point receives today."""

    def of(self, products: BoolArray) -> CollectionDay:
        """The collection day of the vehicles carrying ``products``."""
        harvesting = np.count_nonzero(self.supply_kg[:, products, 0].sum(axis=1))
        return collection_day(
            radius_km=self.config.radius_km,
            n_farms=max(1, int(harvesting)),
            kg_today=float(self.today_kg[:, products].sum()),
            farm_stop_min=float(self.farms.stop_min.mean()),
            loading_min_per_t=float(self.farms.loading_min_per_t.mean()),
            pickup_span_min=float(self.farms.pickup_span_min.mean()),
        )


def _sized(
    config: GeneratorConfig,
    rng: np.random.Generator,
    day: _Day,
    depots: list[Depot],
    harvest: Harvest,
) -> tuple[IntArray, BoolArray, BoolArray]:
    """(home, refrigerated, truck) of the smallest fleet that carries the day."""
    cold = harvest.cold
    transit = [c.max_transit_min for c in harvest.items if not c.needs_cold_chain]
    cold_transit = [c.max_transit_min for c in harvest.items if c.needs_cold_chain]
    home, refrigerated, truck = sized_fleet(
        rng,
        depots,
        need_kg=day.today_kg.sum(axis=1),
        cold_kg=day.today_kg[:, cold].sum(axis=1),
        ambient=(day.of(~cold), min(transit, default=0.0)),
        cold=(day.of(cold), min(cold_transit)) if cold_transit else None,
    )
    if config.refrigerated_share is not None:  # the asked share instead of the sized one
        n_v = len(home)
        order = np.argsort(~refrigerated, kind="stable")
        home, truck = home[order], truck[order]
        refrigerated = np.arange(n_v) < refrigerated_count(config.refrigerated_share, n_v, cold)
    return home, refrigerated, truck


def _fixed(
    n_v: int,
    config: GeneratorConfig,
    rng: np.random.Generator,
    harvest: Harvest,
    inflow_kg: FloatArray,
) -> tuple[BoolArray, BoolArray]:
    """(refrigerated, truck) of a fleet of ``n_v`` vehicles; refrigerated vans become trucks
    until two trips carry the peak day's cold-chain kg."""
    cold = harvest.cold
    ref_share = (
        DEFAULT_REFRIGERATED_SHARE
        if config.refrigerated_share is None
        else config.refrigerated_share
    )
    refrigerated = np.arange(n_v) < refrigerated_count(ref_share, n_v, cold)
    truck = rng.random(n_v) < TRUCK_SHARE
    cold_day_kg = float(inflow_kg[:, cold, :].sum(axis=(0, 1)).max()) if cold.any() else 0.0
    ref_idx = np.flatnonzero(refrigerated)
    for i in ref_idx:
        ref_cap = np.where(truck[ref_idx], TRUCK_CAPACITY_KG, VAN_CAPACITY_KG).sum()
        if 2.0 * ref_cap >= cold_day_kg:
            break
        truck[i] = True
    return refrigerated, truck


def _depots(points: PointSites, by_volume: IntArray) -> list[Depot]:
    """The logistics points as the sizing sees them, in the order given."""
    expected_start = SHIFT_START_MIN + float(np.dot(SHIFT_START_DELAY_MIN, SHIFT_START_PROBS))
    return [
        Depot(
            index=int(i),
            stop_min=point_stop_min(int(i)),
            unloading_min_per_t=point_unloading_min_per_t(int(i)),
            shift_min=min(float(SHIFT_MIN), float(points.cutoff_min[i]) - expected_start),
        )
        for i in by_volume
    ]


def _today_kg(config: GeneratorConfig, sessions: Sessions, orders: Orders) -> FloatArray:
    """(L, P) kg each logistics point receives today: orders due today, a share of later ones."""
    today_kg = np.zeros((config.n_logistics_points, sessions.sells.shape[1]))
    collected = np.where(orders.day == 0, 1.0, LATER_COLLECTED_TODAY_SHARE)
    np.add.at(today_kg, (sessions.point[orders.session], orders.product), orders.kg * collected)
    return today_kg


def make_fleet(
    config: GeneratorConfig,
    rng: np.random.Generator,
    *,
    farms: FarmSites,
    points: PointSites,
    harvest: Harvest,
    sessions: Sessions,
    orders: Orders,
    demand: Demand,
) -> Fleet:
    """The fleet: sized to the day (``n_vehicles`` None) or as asked; busiest points first."""
    by_volume = np.argsort(-demand.inflow_kg.sum(axis=(1, 2)), kind="stable")
    if config.n_vehicles is None:
        day = _Day(config, farms, demand.supply_kg, _today_kg(config, sessions, orders))
        home, refrigerated, truck = _sized(config, rng, day, _depots(points, by_volume), harvest)
        n_v = len(home)
    else:
        n_v = config.n_vehicles
        refrigerated, truck = _fixed(n_v, config, rng, harvest, demand.inflow_kg)
        home = by_volume[np.arange(n_v) % config.n_logistics_points]
    cost_km = np.where(truck, rng.uniform(3.0, 3.6, n_v), rng.uniform(2.0, 2.6, n_v))
    fixed = np.where(truck, rng.uniform(250, 330, n_v), rng.uniform(150, 230, n_v))
    start = SHIFT_START_MIN + rng.choice(SHIFT_START_DELAY_MIN, p=SHIFT_START_PROBS, size=n_v)
    return Fleet(
        home=home,
        refrigerated=refrigerated,
        truck=truck,
        cost_per_km=cost_km + 0.4 * refrigerated,
        fixed_cost=np.round(fixed + 60.0 * refrigerated),
        start_min=start,
    )


__all__ = [
    "DEFAULT_REFRIGERATED_SHARE",
    "SHIFT_MIN",
    "SHIFT_START_DELAY_MIN",
    "SHIFT_START_MIN",
    "SHIFT_START_PROBS",
    "Fleet",
    "make_fleet",
    "refrigerated_count",
]
