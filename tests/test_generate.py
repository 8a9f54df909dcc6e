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

from agrichain.generate import (
    CATALOGUE_BY_ID,
    COUNTY_SEATS,
    PRESETS,
    GeneratorConfig,
    generate_scenario,
    generate_to_folder,
    make_config,
)
from agrichain.geo import EARTH_RADIUS_KM
from agrichain.io import load_scenario, save_scenario
from agrichain.model import Scenario

INSTANCES = Path(__file__).resolve().parent.parent / "instances"

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
    wanted = round(config.refrigerated_share * config.n_vehicles)
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
