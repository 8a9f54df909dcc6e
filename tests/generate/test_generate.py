"""The seeded scenario generator and the bundled instances."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from agrichain.cli import app
from agrichain.generate import (
    CATALOGUE_BY_ID,
    COUNTY_SEATS,
    DEFAULT_REFRIGERATED_SHARE,
    HUB_STOP_MIN,
    HUB_UNLOADING_MIN_PER_T,
    LATER_COLLECTED_TODAY_SHARE,
    PRESETS,
    SHIFT_MIN,
    SHIFT_START_DELAY_MIN,
    SHIFT_START_MIN,
    SHIFT_START_PROBS,
    STATION_STOP_MIN,
    STATION_UNLOADING_MIN_PER_T,
    GeneratorConfig,
    collection_day,
    estimate_trips,
    generate_scenario,
    generate_to_folder,
    make_config,
)
from agrichain.geo import EARTH_RADIUS_KM
from agrichain.io import load_scenario, save_scenario
from agrichain.model import Scenario, minutes_of_day

INSTANCES = Path(__file__).resolve().parents[2] / "instances"

MID = GeneratorConfig(
    seed=11,
    n_farms=40,
    n_logistics_points=3,
    n_products=6,
    n_sessions=3,
    n_orders=600,
    n_vehicles=7,
    horizon_days=3,
)


def _km_from(lat0: float, lon0: float, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    p0, p = np.radians(lat0), np.radians(lat)
    dl = np.radians(lon - lon0)
    a = np.sin((p - p0) / 2) ** 2 + np.cos(p0) * np.cos(p) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


def _kg_by_product_day(
    s: Scenario,
) -> tuple[dict[tuple[str, int], float], dict[tuple[str, int], float]]:
    """kg sold (orders all on day 0, when they are collected; forecasts on their day) and
    kg harvested, per product and day."""
    sold: dict[tuple[str, int], float] = defaultdict(float)
    supply: dict[tuple[str, int], float] = defaultdict(float)
    for o in s.orders:
        sold[(o.product_id, 0)] += s.order_kg(o)
    for f in s.forecast:
        day = s.day_of(s.session[f.session_id].start) + 1
        sold[(f.product_id, day)] += f.boxes * s.product[f.product_id].box_weight_kg
    for x in s.supply:
        supply[(x.product_id, s.day_of(x.date))] += x.kg
    return sold, supply


def test_same_seed_gives_identical_scenario() -> None:
    assert generate_scenario(MID) == generate_scenario(MID.model_copy())


def test_different_seed_gives_different_scenario() -> None:
    a = generate_scenario(MID)
    b = generate_scenario(MID.model_copy(update={"seed": 12}))
    assert a != b
    assert [f.lat for f in a.farms] != [f.lat for f in b.farms]


@pytest.mark.parametrize(
    "config",
    [
        MID,
        GeneratorConfig(
            seed=5,
            n_farms=1,
            n_logistics_points=1,
            n_products=1,
            n_sessions=1,
            n_orders=3,
            n_vehicles=1,
            refrigerated_share=0.0,
            horizon_days=1,
        ),
        GeneratorConfig(
            seed=6,
            n_farms=25,
            n_logistics_points=12,
            n_products=10,
            n_sessions=5,
            n_orders=250,
            n_vehicles=4,
            refrigerated_share=0.5,
            horizon_days=5,
        ),
    ],
)
def test_sizes_as_requested(config: GeneratorConfig) -> None:
    s = generate_scenario(config)
    assert len(s.farms) == config.n_farms
    assert len(s.logistics_points) == config.n_logistics_points
    assert len(s.products) == config.n_products
    assert len(s.orders) == config.n_orders
    assert len(s.vehicles) == config.n_vehicles
    held = {o.session_id for o in s.orders}
    assert len(held) <= config.n_sessions
    assert len(s.sessions) == config.n_sessions * config.horizon_days
    before = dt.datetime.combine(config.planning_date, dt.time())
    assert sum(x.start < before for x in s.sessions) == config.n_sessions
    assert all(s.session[h].start < before for h in held)
    assert s.settings.horizon_days == config.horizon_days
    assert s.settings.planning_date == config.planning_date
    # a cold-chain product always has a refrigerated vehicle
    n_ref = sum(v.refrigerated for v in s.vehicles)
    share = (
        DEFAULT_REFRIGERATED_SHARE
        if config.refrigerated_share is None
        else config.refrigerated_share
    )
    wanted = round(share * config.n_vehicles)
    cold = any(p.needs_cold_chain for p in s.products)
    assert n_ref == (max(1, wanted) if cold else wanted)
    # forecast only for sessions not yet held
    assert all(s.session[f.session_id].start >= before for f in s.forecast)
    assert bool(s.forecast) == (config.horizon_days > 1)


@pytest.mark.parametrize("county", sorted(COUNTY_SEATS))
def test_coordinates_within_radius(county: str) -> None:
    lat0, lon0 = COUNTY_SEATS[county]
    config = MID.model_copy(update={"center_lat": lat0, "center_lon": lon0, "radius_km": 25.0})
    s = generate_scenario(config)
    lat = np.array([f.lat for f in s.farms] + [p.lat for p in s.logistics_points])
    lon = np.array([f.lon for f in s.farms] + [p.lon for p in s.logistics_points])
    km = _km_from(lat0, lon0, lat, lon)
    assert km.max() <= 25.0
    assert km.max() > 10.0  # spread over the county, not piled at the seat


def test_sales_are_mostly_covered_by_supply() -> None:
    s = generate_scenario(MID)
    sold, supply = _kg_by_product_day(s)
    for p in s.products:
        for day in range(s.settings.horizon_days):
            ratio = sold[(p.product_id, day)] / supply[(p.product_id, day)]
            assert 0.6 <= ratio <= 0.951, (p.product_id, day, ratio)
    grown: dict[str, set[str]] = defaultdict(set)
    for x in s.supply:
        grown[x.farm_id].add(x.product_id)
    assert all(1 <= len(grown[f.farm_id]) <= 3 for f in s.farms)


def test_orders_ship_by_cutoff_and_keep_fresh() -> None:
    s = generate_scenario(MID)
    for o in s.orders:
        lp = s.logistics_point[s.order_logistics_point(o)]
        assert o.ship_by.time() == lp.cutoff
        if s.day_of(o.ship_by) > 0:
            assert s.product[o.product_id].shelf_life_h >= 5 * 24
    for st_ in s.stock:
        assert not s.product[st_.product_id].needs_cold_chain


def test_named_products_and_bad_options() -> None:
    config = GeneratorConfig(product_ids=("tea", "egg"), n_farms=3, n_orders=20)
    assert config.n_products == 2
    s = generate_scenario(config)
    assert [p.product_id for p in s.products] == ["egg", "tea"]
    assert not any(p.needs_cold_chain for p in s.products)
    with pytest.raises(ValueError, match="unknown product"):
        GeneratorConfig(product_ids=("durian",))
    with pytest.raises(ValueError):
        GeneratorConfig(n_farms=0)
    with pytest.raises(ValueError, match="preset"):
        make_config(preset="nope")
    with pytest.raises(ValueError, match="county"):
        make_config(county="atlantis")
    with pytest.raises(ValueError):
        make_config(lorries=3)


def test_make_config_options_override_preset() -> None:
    c = make_config(preset="small", orders=50, seed=9)
    assert (c.n_orders, c.seed, c.n_farms, c.product_ids) == (
        50,
        9,
        8,
        PRESETS["small"].product_ids,
    )
    c = make_config(preset="small", products=4)
    assert c.n_products == 4 and c.product_ids == ()
    c = make_config(county="Lanxi", farms=12)
    assert (c.center_lat, c.center_lon, c.n_farms) == (*COUNTY_SEATS["lanxi"], 12)


def test_generate_to_folder_writes_a_loadable_scenario(tmp_path: Path) -> None:
    out = generate_to_folder(
        tmp_path / "gen", farms=6, orders=40, sessions=2, seed=4, horizon_days=2
    )
    s = load_scenario(out)
    assert len(s.farms) == 6 and len(s.orders) == 40
    assert s == generate_scenario(
        make_config(farms=6, orders=40, sessions=2, seed=4, horizon_days=2)
    )


# ----- fleet sizing -----------------------------------------------------------------------

SIZED = GeneratorConfig(seed=21, n_farms=60, n_logistics_points=3, n_sessions=3, n_orders=1500)


def _today_kg(s: Scenario) -> tuple[dict[str, float], dict[str, float]]:
    """kg and cold-chain kg each logistics point receives today, as the sizing counts them."""
    kg: dict[str, float] = defaultdict(float)
    cold: dict[str, float] = defaultdict(float)
    for o in s.orders:
        share = 1.0 if s.day_of(o.ship_by) == 0 else LATER_COLLECTED_TODAY_SHARE
        lp = s.order_logistics_point(o)
        kg[lp] += share * s.order_kg(o)
        if s.product[o.product_id].needs_cold_chain:
            cold[lp] += share * s.order_kg(o)
    return kg, cold


def test_sized_fleet_grows_with_orders() -> None:
    fleets = [
        generate_scenario(SIZED.model_copy(update={"n_orders": n})).vehicles
        for n in (300, 1500, 6000)
    ]
    sizes = [len(f) for f in fleets]
    assert sizes[0] < sizes[1] < sizes[2], sizes
    capacity = [sum(v.capacity_kg for v in f) for f in fleets]
    assert capacity[0] < capacity[1] < capacity[2]
    # the generator used to make 14 vehicles whatever the orders
    many = generate_scenario(make_config(farms=1000, orders=10_000, horizon_days=1))
    kg = sum(many.order_kg(o) for o in many.orders)
    assert len(many.vehicles) > 14
    assert len(many.vehicles) > kg / 2 / 3000  # more than trucks doing two full trips


def test_vehicles_option_overrides_the_sized_fleet(tmp_path: Path) -> None:
    args = ["--farms", "30", "--orders", "800", "--logistics-points", "2", "--seed", "3"]
    runner = CliRunner()
    assert runner.invoke(app, ["generate", str(tmp_path / "sized"), *args]).exit_code == 0
    assert (
        runner.invoke(app, ["generate", str(tmp_path / "five"), *args, "--vehicles", "5"]).exit_code
        == 0
    )
    sized = load_scenario(tmp_path / "sized")
    five = load_scenario(tmp_path / "five")
    assert len(five.vehicles) == 5
    assert sum(v.refrigerated for v in five.vehicles) == round(DEFAULT_REFRIGERATED_SHARE * 5)
    config = make_config(farms=30, orders=800, logistics_points=2, seed=3)
    assert config.n_vehicles is None
    assert sized == generate_scenario(config)
    assert len(sized.vehicles) != 5
    # everything but the fleet is the same scenario
    assert sized.with_tables(vehicles=five.vehicles) == five


COLD_HEAVY = SIZED.model_copy(
    update={
        "n_orders": 4000,
        "product_ids": ("bayberry", "shiitake", "peach", "egg"),
        "n_products": 4,
    }
)


def test_refrigerated_vehicles_carry_the_cold_chain_kg() -> None:
    s = generate_scenario(COLD_HEAVY)
    radius = COLD_HEAVY.radius_km
    kg, cold = _today_kg(s)
    assert sum(cold.values()) > 0
    # the day of cold-chain trips: the farms harvesting cold-chain products today
    cold_products = {p.product_id for p in s.products if p.needs_cold_chain}
    harvesting = {
        x.farm_id
        for x in s.supply
        if s.day_of(x.date) == 0 and x.product_id in cold_products and x.kg > 0
    }
    day = collection_day(
        radius_km=radius,
        n_farms=len(harvesting),
        kg_today=sum(cold.values()),
        farm_stop_min=float(np.mean([f.stop_min for f in s.farms])),
        loading_min_per_t=float(np.mean([f.loading_min_per_t for f in s.farms])),
        pickup_span_min=float(
            np.mean(
                [minutes_of_day(f.pickup_close) - minutes_of_day(f.pickup_open) for f in s.farms]
            )
        ),
    )
    start = SHIFT_START_MIN + float(np.dot(SHIFT_START_DELAY_MIN, SHIFT_START_PROBS))
    cold_transit = min(p.max_transit_min for p in s.products if p.needs_cold_chain)
    for lp in s.logistics_points:
        hub = lp.logistics_point_id == "LP1"
        assert lp.stop_min == (HUB_STOP_MIN if hub else STATION_STOP_MIN)
        assert lp.unloading_min_per_t == (
            HUB_UNLOADING_MIN_PER_T if hub else STATION_UNLOADING_MIN_PER_T
        )
        shift = min(SHIFT_MIN, minutes_of_day(lp.cutoff) - start)
        carries = [
            estimate_trips(
                v.capacity_kg,
                day,
                lp_stop_min=lp.stop_min,
                unloading_min_per_t=lp.unloading_min_per_t,
                max_transit_min=cold_transit,
                shift_min=shift,
            ).kg_per_day
            for v in s.vehicles
            if v.refrigerated and v.home_logistics_point_id == lp.logistics_point_id
        ]
        assert sum(carries) >= cold[lp.logistics_point_id] - 1e-6, lp.logistics_point_id
        # and one refrigerated vehicle fewer would not (the smallest such fleet)
        assert sum(carries) - carries[-1] < cold[lp.logistics_point_id]
        # no point gets vehicles it does not need
        home = [v for v in s.vehicles if v.home_logistics_point_id == lp.logistics_point_id]
        assert bool(home) == (kg[lp.logistics_point_id] > 0)
    # the refrigerated trips are shorter: the first pickup must reach the hub in time
    for capacity in (1500.0, 3000.0):
        trip = estimate_trips(
            capacity,
            day,
            lp_stop_min=HUB_STOP_MIN,
            unloading_min_per_t=HUB_UNLOADING_MIN_PER_T,
            max_transit_min=cold_transit,
            shift_min=SHIFT_MIN,
        )
        # from the first loading (after the first stop) to the delivery (before unloading)
        first_pickup_to_delivery = (
            trip.trip_min
            - day.leg_min
            - day.farm_stop_min
            - HUB_UNLOADING_MIN_PER_T * trip.load_kg / 1000
        )
        assert trip.farm_visits == 1 or first_pickup_to_delivery <= cold_transit


def test_sized_fleet_same_seed_same_scenario() -> None:
    assert SIZED.n_vehicles is None
    a = generate_scenario(SIZED)
    assert a == generate_scenario(SIZED.model_copy())
    b = generate_scenario(SIZED.model_copy(update={"seed": 22}))
    assert a != b


# ----- bundled instances ----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_bundled_instance_is_its_preset(name: str) -> None:
    assert load_scenario(INSTANCES / name) == generate_scenario(PRESETS[name])


def test_small_instance_is_hand_checkable() -> None:
    s = load_scenario(INSTANCES / "small")
    assert len(s.farms) <= 10 and len(s.logistics_points) == 2 and len(s.products) == 3
    assert len(s.vehicles) == 3 and sum(v.refrigerated for v in s.vehicles) == 1
    assert len(s.sessions) == 1 and 20 <= len(s.orders) <= 60
    assert any(p.needs_cold_chain for p in s.products)
    assert s.settings.routing.solution_limit is not None
    assert s.settings.routing.time_limit_s <= 10
    sold, supply = _kg_by_product_day(s)
    assert all(sold[k] <= supply[k] for k in sold)
    assert sum(sold.values()) <= min(v.capacity_kg for v in s.vehicles)


def test_county_instance_sizes() -> None:
    s = load_scenario(INSTANCES / "county")
    assert len(s.farms) >= 60
    assert len(s.logistics_points) >= 4
    assert len(s.products) >= 6
    assert len({p.shelf_life_h for p in s.products}) >= 6
    assert len(s.sessions) >= 3 and len({o.session_id for o in s.orders}) >= 3
    assert len(s.orders) >= 1500
    assert any(v.refrigerated for v in s.vehicles) and not all(v.refrigerated for v in s.vehicles)
    assert any(p.needs_cold_chain and 36 <= p.shelf_life_h <= 60 for p in s.products)
    assert s.settings.routing.time_limit_s == 30
    # the fleet carries each day's sales in one trip per vehicle, the cold chain included
    sold, supply = _kg_by_product_day(s)
    cold = {p.product_id for p in s.products if p.needs_cold_chain}
    for day in range(s.settings.horizon_days):
        kg = sum(v for (p, d), v in sold.items() if d == day)
        cold_kg = sum(v for (p, d), v in sold.items() if d == day and p in cold)
        assert kg <= sum(v.capacity_kg for v in s.vehicles)
        assert cold_kg <= sum(v.capacity_kg for v in s.vehicles if v.refrigerated)
        assert all(sold[(p.product_id, day)] <= supply[(p.product_id, day)] for p in s.products)


# ----- round trip -----------------------------------------------------------------------


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    n_farms=st.integers(1, 12),
    n_lps=st.integers(1, 4),
    n_products=st.integers(1, 4),
    n_sessions=st.integers(1, 3),
    n_orders=st.integers(1, 60),
    n_vehicles=st.integers(1, 5),
    horizon=st.integers(1, 4),
    share=st.floats(0.0, 1.0),
    stock=st.booleans(),
    county=st.sampled_from(sorted(COUNTY_SEATS)),
)
def test_round_trip_through_files(
    seed: int,
    n_farms: int,
    n_lps: int,
    n_products: int,
    n_sessions: int,
    n_orders: int,
    n_vehicles: int,
    horizon: int,
    share: float,
    stock: bool,
    county: str,
) -> None:
    lat, lon = COUNTY_SEATS[county]
    config = GeneratorConfig(
        seed=seed,
        n_farms=n_farms,
        n_logistics_points=n_lps,
        n_products=min(n_products, 3 * n_farms),
        n_sessions=n_sessions,
        n_orders=n_orders,
        n_vehicles=n_vehicles,
        horizon_days=horizon,
        refrigerated_share=share,
        with_stock=stock,
        center_lat=lat,
        center_lon=lon,
    )
    s = generate_scenario(config)
    assert all(p.product_id in CATALOGUE_BY_ID for p in s.products)
    with tempfile.TemporaryDirectory() as tmp:
        save_scenario(s, tmp)
        assert load_scenario(tmp) == s
