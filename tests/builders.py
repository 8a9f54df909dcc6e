"""Scenarios and problems for tests: the folders under ``tests/data``, their variants, paths.

Each fixed scenario is a small folder in the format of :func:`agrichain.io.save_scenario`,
loaded once (a :class:`Scenario` is immutable); the variants copy it with other tables or
settings. The pickup-delivery problems at the end feed the routing engine directly.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from agrichain.io import load_scenario
from agrichain.model import Farm, LogisticsPoint, Order, Product, Scenario, Supply, Vehicle
from agrichain.routing import MANDATORY, RoutingProblem, RoutingSolution, check_solution

REPO = Path(__file__).resolve().parents[1]
INSTANCES = REPO / "instances"
DATA = Path(__file__).resolve().parent / "data"
DAY = dt.date(2026, 6, 15)
"""The planning date of every scenario under ``tests/data``."""
HUB = (28.85, 120.72)
"""(lat, lon) of the logistics point ``HUB`` in every scenario under ``tests/data``."""


@functools.cache
def data_scenario(name: str) -> Scenario:
    """The scenario folder ``tests/data/<name>``, loaded once."""
    return load_scenario(DATA / name)


def at(day: int, hhmm: str = "17:00") -> dt.datetime:
    """The time ``hhmm`` on the planning date plus ``day`` days."""
    h, m = (int(x) for x in hhmm.split(":"))
    return dt.datetime.combine(DAY + dt.timedelta(days=day), dt.time(h, m))


# ----- fixed scenarios and their variants --------------------------------------------------


def tiny_scenario() -> Scenario:
    """Three farms around one hub (~5–10 km apart), two products, two vans.

    Hand-checkable: every order can be met from supply and one van suffices.
    """
    return data_scenario("tiny")


def tiny_app_scenario() -> Scenario:
    """The tiny scenario with routing limits in its settings (10 s, 10 solutions, seed 0),
    so the app plans it quickly."""
    base = tiny_scenario()
    limits = {"time_limit_s": 10.0, "solution_limit": 10, "seed": 0}
    routing = base.settings.routing.model_copy(update=limits)
    return base.with_settings(base.settings.model_copy(update={"routing": routing}))


def infeasible_tiny_scenario() -> Scenario:
    """The tiny scenario with demand above supply, and a farm no vehicle can reach within
    its window (grapes at FAR)."""
    base = tiny_scenario()
    far = Farm(farm_id="FAR", lat=30.5, lon=122.0, pickup_open="06:00", pickup_close="06:30")
    grape = Product(product_id="grape", box_weight_kg=5, shelf_life_h=168, max_transit_min=600)
    big_orders = [
        # 1,000 kg of peaches more than the 600 kg harvest
        Order(
            order_id="BIG", session_id="S1", product_id="peach", quantity_boxes=200, ship_by=at(0)
        ),
        Order(order_id="G1", session_id="S1", product_id="grape", quantity_boxes=10, ship_by=at(0)),
    ]
    return base.with_tables(
        farms=[*base.farms, far],
        supply=[*base.supply, Supply(farm_id="FAR", product_id="grape", date=DAY, kg=100)],
        products=[*base.products, grape],
        orders=[*base.orders, *big_orders],
    )


def mixed_scenario() -> Scenario:
    """Three days, two logistics points with tight storage, products of 1, 2 and 5 shelf-life
    days, initial stock and forecasts."""
    return data_scenario("mixed")


def service_time_scenario(
    *, second_farm: bool, peach_boxes: int = 40, egg_boxes: int = 30
) -> Scenario:
    """Peaches and eggs to collect for one hub by one truck; eggs at F1 or at F2, a second
    farm at the very same spot as F1 (so only the stop time tells the two apart)."""
    base = data_scenario("service_time")
    boxes = {"peach": peach_boxes, "egg": egg_boxes}
    orders = [o.model_copy(update={"quantity_boxes": boxes[o.product_id]}) for o in base.orders]
    if not second_farm:
        return base.with_tables(orders=orders)
    (f1,) = base.farms
    supply = [
        s.model_copy(update={"farm_id": "F2"}) if s.product_id == "egg" else s for s in base.supply
    ]
    return base.with_tables(
        farms=[f1, f1.model_copy(update={"farm_id": "F2"})], supply=supply, orders=orders
    )


# ----- inventory scenarios from short tuples (tests/data/one_hub) -----------------------------


def product(pid: str, life_h: float, box_kg: float = 1.0, cold: bool = False) -> Product:
    """A product that may travel 10 h."""
    return Product(
        product_id=pid,
        box_weight_kg=box_kg,
        shelf_life_h=life_h,
        max_transit_min=600,
        needs_cold_chain=cold,
    )


def farm(fid: str, lat: float, lon: float) -> Farm:
    """A farm open for pickups 07:00–14:00."""
    return Farm(farm_id=fid, lat=lat, lon=lon, pickup_open="07:00", pickup_close="14:00")


def hub(
    lid: str = "HUB",
    ambient: float = 10_000,
    cold: float = 10_000,
    where: tuple[float, float] = HUB,
) -> LogisticsPoint:
    """A logistics point open 06:00–20:00 with a 17:00 cutoff; storage in kg."""
    return LogisticsPoint(
        logistics_point_id=lid,
        lat=where[0],
        lon=where[1],
        open="06:00",
        close="20:00",
        cutoff="17:00",
        ambient_capacity_kg=ambient,
        cold_capacity_kg=cold,
    )


def van(vid: str = "V1", home: str = "HUB", kg: float = 10_000, cold: bool = True) -> Vehicle:
    """A vehicle on shift 06:00–18:00."""
    return Vehicle(
        vehicle_id=vid,
        home_logistics_point_id=home,
        capacity_kg=kg,
        refrigerated=cold,
        shift_start="06:00",
        shift_end="18:00",
    )


def inventory_scenario(
    *,
    products: Sequence[Product],
    supply: Sequence[tuple[str, str, int, float]],
    orders: Sequence[tuple[str, str, int, int, str]] = (),
    forecast: Sequence[tuple[str, str, float]] = (),
    sessions: Sequence[tuple[str, dt.datetime, str]] = (),
    farms: Sequence[Farm] = (),
    lps: Sequence[LogisticsPoint] = (),
    vehicles: Sequence[Vehicle] = (),
    stock: Sequence[tuple[str, str, int, float]] = (),
    horizon: int = 1,
    transport_cost: float = 0.002,
    link_cost: float = 0.0,
) -> Scenario:
    """``tests/data/one_hub`` (farm F1, HUB, van V1, session S0 the evening before the
    planning date) with other tables. Supply: (farm, product, day, kg); orders: (id,
    product, boxes, ship day, HH:MM), all from S0; sessions are added to S0."""
    base = data_scenario("one_hub")
    inventory = base.settings.inventory.model_copy(
        update={"transport_cost_per_kg_km": transport_cost, "link_fixed_cost": link_cost}
    )
    settings = base.settings.model_copy(update={"horizon_days": horizon, "inventory": inventory})
    more_sessions = [
        dict(session_id=s, start=start, logistics_point_id=lp) for s, start, lp in sessions
    ]
    return Scenario.model_validate(
        dict(
            settings=settings,
            farms=farms or base.farms,
            logistics_points=lps or base.logistics_points,
            products=products,
            supply=[
                dict(farm_id=f, product_id=p, date=DAY + dt.timedelta(days=d), kg=kg)
                for f, p, d, kg in supply
            ],
            sessions=[*base.sessions, *more_sessions],
            orders=[
                dict(order_id=o, session_id="S0", product_id=p, quantity_boxes=q, ship_by=at(d, t))
                for o, p, q, d, t in orders
            ],
            vehicles=vehicles or base.vehicles,
            forecast=[dict(session_id=s, product_id=p, boxes=b) for s, p, b in forecast],
            stock=[
                dict(logistics_point_id=h, product_id=p, age_days=a, kg=kg) for h, p, a, kg in stock
            ],
        )
    )


# ----- pickup-delivery problems for the routing engine -----------------------------------------

HORIZON = 2_000
"""The time horizon of :func:`cold_pdp` problems."""


def cold_pdp(
    n_pairs: int, seed: int, n_vehicles: int = 5, n_cold_vehicles: int = 2
) -> RoutingProblem:
    """Pickup-delivery pairs to two hubs with transit limits; a third of them cold-chain
    (only vehicles 0..n_cold_vehicles-1 may carry them); every pair optional."""
    rng = np.random.default_rng(seed)
    depot = np.array([[50.0, 50.0]])
    hubs = np.array([[20.0, 50.0], [80.0, 50.0]])
    farms = rng.uniform(0, 100, (n_pairs, 2))
    hub_of = rng.integers(0, 2, n_pairs)
    # Node 0 depot; pickups 1..P; deliveries P+1..2P (each its own node at a hub location).
    xy = np.vstack([depot, farms, hubs[hub_of]])
    dist = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))).astype(np.int64)
    n = 1 + 2 * n_pairs
    pickups = np.arange(1, n_pairs + 1)
    deliveries = pickups + n_pairs
    demand = np.zeros(n, dtype=np.int64)
    demand[pickups] = rng.integers(1, 8, n_pairs)
    demand[deliveries] = -demand[pickups]
    tw_start = np.zeros(n, dtype=np.int64)
    tw_end = np.full(n, HORIZON, dtype=np.int64)
    tw_start[pickups] = rng.integers(0, 400, n_pairs)
    tw_end[pickups] = tw_start[pickups] + 300
    cold = rng.random(n_pairs) < 0.35
    cold_vehicles = frozenset(range(n_cold_vehicles))
    allowed: list[frozenset[int] | None] = [None] * n
    for k in np.flatnonzero(cold):
        allowed[int(pickups[k])] = cold_vehicles
        allowed[int(deliveries[k])] = cold_vehicles
    max_transit = np.where(cold, 90, 200).astype(np.int64)
    penalty = np.full(n, 5_000, dtype=np.int64)
    penalty[0] = MANDATORY
    return RoutingProblem(
        distance=dist,
        duration=dist,
        node_location=np.arange(n),
        node_demand=demand,
        node_tw_start=tw_start,
        node_tw_end=tw_end,
        node_service=np.full(n, 5),
        node_drop_penalty=penalty,
        vehicle_start_node=np.zeros(n_vehicles, dtype=np.int64),
        vehicle_end_node=np.zeros(n_vehicles, dtype=np.int64),
        vehicle_capacity=np.full(n_vehicles, 20),
        vehicle_tw_start=np.zeros(n_vehicles, dtype=np.int64),
        vehicle_tw_end=np.full(n_vehicles, HORIZON),
        vehicle_fixed_cost=np.full(n_vehicles, 100),
        vehicle_distance_cost=np.ones(n_vehicles),
        pairs=np.column_stack([pickups, deliveries]),
        pair_max_transit=max_transit,
        node_allowed_vehicles=tuple(allowed),
    )


def routes(sol: RoutingSolution) -> list[tuple[int, tuple[int, ...], tuple[int, ...]]]:
    """(vehicle, nodes, start times) of every route."""
    return [
        (r.vehicle, tuple(v.node for v in r.visits), tuple(v.start for v in r.visits))
        for r in sol.routes
    ]


def assert_constraints_hold(problem: RoutingProblem, sol: RoutingSolution) -> None:
    """The checker finds nothing, and transit limits and vehicle restrictions hold."""
    assert check_solution(problem, sol) == []
    # Independently of the checker: transit limits and vehicle restrictions.
    start_of = {v.node: (r.vehicle, v.start) for r in sol.routes for v in r.visits}
    for (p, d), limit in zip(
        problem.pairs.tolist(), problem.pair_max_transit.tolist(), strict=True
    ):
        if p in start_of:
            (vp, tp), (vd, td) = start_of[p], start_of[d]
            assert vp == vd and 0 <= td - tp <= limit
            assert problem.allowed(p, vp) and problem.allowed(d, vd)
        else:
            assert d not in start_of and p in sol.dropped and d in sol.dropped
