"""The planner's view of a scenario: index sets, demand buckets, arcs and capacities.

Everything here is plain Python/numpy (no solver); :mod:`agrichain.inventory.milp`
turns an :class:`InventoryData` into a PuLP MILP.

Conventions (see ``docs/inventory.md``):

* day ``d`` is the planning date + ``d``; goods harvested on day ``d`` have age 0
  on day ``d`` and age ``a`` on day ``d + a``; a product with ``L`` shelf-life days
  may be shipped at ages ``0 … L-1`` and is spoiled at age ``L``;
* stock given in ``stock.csv`` has its age on day 0;
* a demand bucket is kg of one product at one logistics point that may ship on
  any day from ``release_day`` to ``due_day`` (its ship-by day).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from agrichain.geo import GreatCircleTravel, TravelModel
from agrichain.inventory.fleet import MIN_FLEET_KG, Fleet, estimate_fleet
from agrichain.model import Scenario, Settings, minutes_of_day

#: Quantities below this many kg are solver noise.
KG_EPS = 1e-6

SolverName = Literal["highs", "cbc"]


@dataclass(frozen=True)
class InventoryOptions:
    """Knobs of the perishable allocation planner.

    Build it with :meth:`from_settings` to start from ``scenario.toml``; every
    field also works as an API option.
    """

    solver: SolverName = "highs"
    time_limit_s: float = 60.0
    mip_gap: float = 0.01
    threads: int = 2
    transport_cost_per_kg_km: float = 0.002
    link_fixed_cost: float = 0.0
    """Cost per farm–logistics point link used per day; > 0 adds binaries (a MILP)."""
    integer_days: int = 1
    """Days (from the planning date) whose link decisions are binary; later days charge a
    link's fixed cost per kg (its LP relaxation). ``>= horizon_days``: the exact MILP;
    0: no binaries at all."""
    trips_per_shift: float | None = None
    """Loads each vehicle carries per shift; None: estimated from the map (see docs)."""
    forecast_ship_lag_days: int = 1
    """Forecast sales of a session ship this many days after the session's date."""
    forecast_weight: float = 0.9
    """Lost forecast kg cost this share of the lost-sales cost (confirmed orders come first)."""
    rens_share: float = 0.5
    """Share of the time limit for finding a start: per-kg LP, LP relaxation and the sub-MIP
    on the links they use (MILP only; 0: solve the MILP directly)."""
    watchdog_grace_s: float = 15.0
    """CBC is interrupted this long after its own time limit, then killed 10 s later."""
    highs_options: Mapping[str, object] = field(default_factory=dict)
    """Extra HiGHS options passed as they are (e.g. ``{"mip_heuristic_effort": 0.3}``)."""

    def __post_init__(self) -> None:
        if self.solver not in ("highs", "cbc"):
            raise ValueError(f"unknown inventory solver '{self.solver}'; choose highs or cbc")
        if not self.time_limit_s > 0:
            raise ValueError("time_limit_s must be > 0")
        if not 0.0 <= self.mip_gap <= 1.0:
            raise ValueError("mip_gap must be within [0, 1]")
        if self.threads < 1:
            raise ValueError("threads must be >= 1")
        if self.transport_cost_per_kg_km < 0 or self.link_fixed_cost < 0:
            raise ValueError("costs must be >= 0")
        if self.integer_days < 0:
            raise ValueError("integer_days must be >= 0")
        if self.trips_per_shift is not None and not self.trips_per_shift > 0:
            raise ValueError("trips_per_shift must be > 0")
        if self.forecast_ship_lag_days < 0:
            raise ValueError("forecast_ship_lag_days must be >= 0")
        if not 0.0 < self.forecast_weight <= 1.0:
            raise ValueError("forecast_weight must be within (0, 1]")
        if not 0.0 <= self.rens_share < 1.0:
            raise ValueError("rens_share must be within [0, 1)")

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: object) -> InventoryOptions:
        """Options of ``scenario.toml``; keyword arguments that are not None override them."""
        inv = settings.inventory
        base = cls(
            solver=inv.solver,
            time_limit_s=inv.time_limit_s,
            mip_gap=inv.mip_gap,
            threads=inv.threads,
            transport_cost_per_kg_km=inv.transport_cost_per_kg_km,
            link_fixed_cost=inv.link_fixed_cost,
        )
        given = {k: v for k, v in overrides.items() if v is not None}
        unknown = set(given) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"unknown inventory options: {', '.join(sorted(unknown))}")
        return dataclasses.replace(base, **given)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Bucket:
    """Demand of one product at one logistics point, shippable on release..due day."""

    index: int
    kind: Literal["order", "forecast"]
    lp: int
    product: int
    release_day: int
    due_day: int
    kg: float
    order_ids: tuple[str, ...] = ()
    session_id: str = ""
    """The forecast's session (empty for order buckets)."""

    @property
    def ship_days(self) -> range:
        return range(self.release_day, self.due_day + 1)


@dataclass
class InventoryData:
    """Index sets and parameters of the planning MILP."""

    scenario: Scenario
    options: InventoryOptions
    horizon: int
    farm_ids: list[str]
    lp_ids: list[str]
    product_ids: list[str]
    life_days: list[int]
    """Shelf-life days L per product (ages 0..L-1 may ship)."""
    cold: list[bool]
    max_age: list[int]
    """Oldest age tracked per product (min(L-1, horizon-1 + oldest initial stock))."""
    supply: dict[tuple[int, int, int], float]
    """kg per (day, farm, product)."""
    initial: dict[tuple[int, int, int], float]
    """kg per (lp, product, age) on day 0."""
    distance_km: np.ndarray
    """(farms, lps) road distance."""
    arc_ok: np.ndarray
    """(farms, lps, products) whether goods may travel farm → lp (transit, cut-off, fleet)."""
    storage_kg: np.ndarray
    """(lps, 2) ambient, cold capacity."""
    fleet: Fleet
    """Each vehicle's kg per day at each lp it can reach (see :mod:`agrichain.inventory.fleet`)."""
    transport_kg: np.ndarray
    """(lps, 2) kg per day all / cold-chain goods an lp could receive if every vehicle able
    to reach it spent its day there (an upper bound: the fleet's day is shared)."""
    trips: dict[str, float]
    """Loads per shift of each vehicle to its home point."""
    buckets: list[Bucket]
    by_lp_product: dict[tuple[int, int], list[int]] = field(default_factory=dict)
    forecast_ignored_kg: float = 0.0
    """Forecast kg of sessions already held or shipping after the horizon."""


def _travel(scenario: Scenario, travel: TravelModel | None) -> TravelModel:
    if travel is not None:
        return travel
    t = scenario.settings.travel
    return GreatCircleTravel(speed_kmh=t.speed_kmh, circuity=t.circuity)


def _order_buckets(
    scenario: Scenario, lp_ix: dict[str, int], prod_ix: dict[str, int]
) -> tuple[list[Bucket], dict[tuple[str, str], float]]:
    """Orders grouped by (lp, product, release day, ship-by day); kg confirmed per
    (session, product)."""
    grouped: dict[tuple[int, int, int, int], list[tuple[str, float]]] = defaultdict(list)
    confirmed: dict[tuple[str, str], float] = defaultdict(float)
    for o in scenario.orders:
        due = max(0, scenario.day_of(o.ship_by))  # a late order is due today
        session = scenario.session[o.session_id]
        release = min(due, max(0, scenario.day_of(session.start)))
        key = (lp_ix[scenario.order_logistics_point(o)], prod_ix[o.product_id], release, due)
        grouped[key].append((o.order_id, scenario.order_kg(o)))
        confirmed[(o.session_id, o.product_id)] += scenario.order_kg(o)
    buckets: list[Bucket] = []
    for (lp, p, r, t), rows in sorted(grouped.items()):
        buckets.append(
            Bucket(
                index=len(buckets),
                kind="order",
                lp=lp,
                product=p,
                release_day=r,
                due_day=t,
                kg=sum(kg for _, kg in rows),
                order_ids=tuple(oid for oid, _ in rows),
            )
        )
    return buckets, confirmed


def _forecast_buckets(
    scenario: Scenario,
    options: InventoryOptions,
    confirmed: dict[tuple[str, str], float],
    lp_ix: dict[str, int],
    prod_ix: dict[str, int],
    first_index: int,
) -> tuple[list[Bucket], float]:
    """Forecast kg beyond the confirmed orders of upcoming sessions shipping within the
    horizon, one bucket each; the forecast kg left out."""
    horizon = scenario.settings.horizon_days
    buckets: list[Bucket] = []
    ignored = 0.0
    start = scenario.datetime_at(0)
    for fc in sorted(scenario.forecast, key=lambda f: (f.session_id, f.product_id)):
        session = scenario.session[fc.session_id]
        kg = fc.boxes * scenario.product[fc.product_id].box_weight_kg
        kg -= confirmed.get((fc.session_id, fc.product_id), 0.0)
        if kg <= KG_EPS:
            continue
        due = scenario.day_of(session.start) + options.forecast_ship_lag_days
        if session.start < start or due >= horizon:
            ignored += kg
            continue
        buckets.append(
            Bucket(
                index=first_index + len(buckets),
                kind="forecast",
                lp=lp_ix[session.logistics_point_id],
                product=prod_ix[fc.product_id],
                release_day=due,
                due_day=due,
                kg=kg,
                session_id=fc.session_id,
            )
        )
    return buckets, ignored


def prepare(
    scenario: Scenario, options: InventoryOptions, travel: TravelModel | None = None
) -> InventoryData:
    """Index sets, demand buckets, arcs and capacities of ``scenario``."""
    horizon = scenario.settings.horizon_days
    farms, lps, products = scenario.farms, scenario.logistics_points, scenario.products
    farm_ix = {f.farm_id: i for i, f in enumerate(farms)}
    lp_ix = {p.logistics_point_id: i for i, p in enumerate(lps)}
    prod_ix = {p.product_id: i for i, p in enumerate(products)}
    life = [p.shelf_life_days for p in products]

    # --- supply and stock -----------------------------------------------------
    supply: dict[tuple[int, int, int], float] = defaultdict(float)
    for s in scenario.supply:
        d = scenario.day_of(s.date)
        if s.kg > 0 and 0 <= d < horizon:
            supply[(d, farm_ix[s.farm_id], prod_ix[s.product_id])] += s.kg
    initial: dict[tuple[int, int, int], float] = defaultdict(float)
    for st in scenario.stock:
        if st.kg > 0:
            initial[(lp_ix[st.logistics_point_id], prod_ix[st.product_id], st.age_days)] += st.kg
    oldest = [0] * len(products)
    for _, p, a in initial:
        oldest[p] = max(oldest[p], a)
    max_age = [min(life[p] - 1, horizon - 1 + oldest[p]) for p in range(len(products))]

    # --- demand buckets ---------------------------------------------------------------
    buckets, confirmed = _order_buckets(scenario, lp_ix, prod_ix)
    forecast, ignored = _forecast_buckets(
        scenario, options, confirmed, lp_ix, prod_ix, first_index=len(buckets)
    )
    buckets += forecast
    by_lp_product: dict[tuple[int, int], list[int]] = defaultdict(list)
    for b in buckets:
        by_lp_product[(b.lp, b.product)].append(b.index)

    # --- travel, arcs, fleet -------------------------------------------------------------
    tm = _travel(scenario, travel).matrix(
        [f.lat for f in farms] + [p.lat for p in lps], [f.lon for f in farms] + [p.lon for p in lps]
    )
    n_f = len(farms)
    duration = np.asarray(tm.duration_min, dtype=float)
    dist = np.asarray(tm.distance_km, dtype=float)[:n_f, n_f:]
    cold = [p.needs_cold_chain for p in products]
    max_transit = np.array([p.max_transit_min for p in products])
    # the pickup window bounds the start of loading; the drive ends with the point's stop
    earliest = np.array([minutes_of_day(f.pickup_open) for f in farms], dtype=float)
    cutoff = np.array([minutes_of_day(p.cutoff) for p in lps])
    to_lp = duration[:n_f, n_f:] + np.array([p.stop_min for p in lps], dtype=float)[None, :]
    in_time = (earliest[:, None] + to_lp) <= cutoff[None, :]
    arc_ok = (to_lp[:, :, None] <= max_transit[None, None, :]) & in_time[:, :, None]
    demand = (sum(b.kg for b in buckets), sum(b.kg for b in buckets if cold[b.product]))
    fleet = estimate_fleet(scenario, duration, supply, arc_ok, demand, options.trips_per_shift)
    transport = fleet.point_kg()
    reach = np.stack([transport[:, 1] if c else transport[:, 0] for c in cold], axis=1)
    arc_ok &= (reach > MIN_FLEET_KG)[None, :, :]
    storage = np.array([[p.ambient_capacity_kg, p.cold_capacity_kg] for p in lps], dtype=float)

    return InventoryData(
        scenario=scenario,
        options=options,
        horizon=horizon,
        farm_ids=[f.farm_id for f in farms],
        lp_ids=[p.logistics_point_id for p in lps],
        product_ids=[p.product_id for p in products],
        life_days=life,
        cold=cold,
        max_age=max_age,
        supply=dict(supply),
        initial=dict(initial),
        distance_km=dist,
        arc_ok=arc_ok,
        storage_kg=storage,
        fleet=fleet,
        transport_kg=transport,
        trips=fleet.trips,
        buckets=buckets,
        by_lp_product=dict(by_lp_product),
        forecast_ignored_kg=ignored,
    )
