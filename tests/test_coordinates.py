"""Chinese map coordinates: WGS-84 ↔ GCJ-02 ↔ BD-09 against published reference pairs,
exact inverses, round trips over China and no offset outside it."""

from __future__ import annotations

import typing

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from agrichain.coordinates import (
    INVERSION_TOLERANCE_DEG,
    CoordinateSystem,
    bd09_to_gcj02,
    bd09_to_wgs84,
    convert,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    in_china,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from agrichain.geo import haversine_km
from agrichain.model.settings import CoordinateName

LatLon = tuple[float, float]

#: (WGS-84, GCJ-02) pairs, (lat, lon), computed by the published formula in the test suites
#: of two open libraries: Beijing from coordtransform (wandergis/coordtransform,
#: test/app.js, ``wgs84togcj02(116.404, 39.915)``); Shanghai, Shenzhen and Beijing from
#: eviltransform (googollee/eviltransform, python/test.py, ``TESTS``).
WGS_GCJ: list[tuple[LatLon, LatLon]] = [
    ((39.915, 116.404), (39.91640428150164, 116.41024449916938)),
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),
]
#: (GCJ-02, BD-09): coordtransform's ``gcj02tobd09(116.404, 39.915)`` (test/app.js).
GCJ_BD: list[tuple[LatLon, LatLon]] = [
    ((39.915, 116.404), (39.92133699351021, 116.41036949371029)),
]
#: (WGS-84, BD-09): hutool's CoordinateUtilTest (dromara/hutool, "测试参考 coordtransform"):
#: ``wgs84ToBd09(116.404, 39.915)``, and a point it checked against tool.lu/coordinate.
WGS_BD: list[tuple[LatLon, LatLon]] = [
    ((39.915, 116.404), (39.922699552216216, 116.41662724378733)),
    ((44.99804071, 122.99395597), (45.0063690918959, 123.00636516028885)),
]
#: Pinghu, Jiaxing (Zhejiang, on Hangzhou Bay) in all three systems, from the tests of
#: pyxis (Glatzel/pyxis, python/tests/test_crypto.py); its WGS-84 is rounded to 7
#: decimals, so it agrees to about 1e-7 degrees.
PINGHU_WGS, PINGHU_GCJ, PINGHU_BD = (
    (30.6107779, 121.0917077),
    (30.608604331756705, 121.09626935575027),
    (30.61484572185035, 121.10271732371203),
)
#: coordtransform's published one-step inverses of the point (39.915, 116.404)
#: (test/app.js: ``gcj02towgs84``, ``bd09togcj02``), approximate by design.
PUBLISHED_APPROXIMATE_INVERSES = [
    (gcj02_to_wgs84, wgs84_to_gcj02, (39.91359571849836, 116.39775550083061)),
    (bd09_to_gcj02, gcj02_to_bd09, (39.90865673957631, 116.39762729119315)),
]

#: Mainland China's bounding box (degrees), well inside the box the formula shifts.
CHINA_LAT = st.floats(18.0, 53.6)
CHINA_LON = st.floats(73.5, 135.1)
EXACT = 1e-9


def close(a: LatLon, b: LatLon, tolerance: float) -> bool:
    return abs(a[0] - b[0]) <= tolerance and abs(a[1] - b[1]) <= tolerance


@pytest.mark.parametrize(("wgs", "gcj"), WGS_GCJ)
def test_wgs84_to_gcj02_matches_the_published_pairs(wgs: LatLon, gcj: LatLon) -> None:
    assert close(wgs84_to_gcj02(*wgs), gcj, EXACT)
    assert close(gcj02_to_wgs84(*gcj), wgs, EXACT)  # the exact inverse, well under 1e-7


@pytest.mark.parametrize(("gcj", "bd"), GCJ_BD)
def test_gcj02_to_bd09_matches_the_published_pair(gcj: LatLon, bd: LatLon) -> None:
    assert close(gcj02_to_bd09(*gcj), bd, EXACT)
    assert close(bd09_to_gcj02(*bd), gcj, EXACT)


@pytest.mark.parametrize(("wgs", "bd"), WGS_BD)
def test_wgs84_to_bd09_matches_the_published_pairs(wgs: LatLon, bd: LatLon) -> None:
    assert close(wgs84_to_bd09(*wgs), bd, EXACT)
    assert close(bd09_to_wgs84(*bd), wgs, EXACT)


def test_a_zhejiang_point_in_all_three_systems() -> None:
    systems = {
        CoordinateSystem.WGS84: PINGHU_WGS,
        CoordinateSystem.GCJ02: PINGHU_GCJ,
        CoordinateSystem.BD09: PINGHU_BD,
    }
    for source, given_point in systems.items():
        for target, want in systems.items():
            assert close(convert(*given_point, source, target), want, 2e-7), (source, target)


@pytest.mark.parametrize(("inverse", "forward", "published"), PUBLISHED_APPROXIMATE_INVERSES)
def test_the_inverse_is_exact_where_the_published_one_step_is_not(
    inverse: typing.Callable[[float, float], LatLon],
    forward: typing.Callable[[float, float], LatLon],
    published: LatLon,
) -> None:
    point = (39.915, 116.404)
    exact = inverse(*point)
    assert close(forward(*exact), point, 10 * INVERSION_TOLERANCE_DEG)
    assert not close(forward(*published), point, 1e-7)  # the one-step inverse misses…
    assert close(exact, published, 1e-5)  # …by a few centimetres


@given(CHINA_LAT, CHINA_LON)
def test_round_trips_come_back_within_a_millionth_of_a_degree(lat: float, lon: float) -> None:
    names = list(CoordinateSystem)
    for source in names:
        for target in names:
            there = convert(lat, lon, source, target)
            back = convert(*there, target, source)
            assert close(back, (lat, lon), 1e-6), (source, target)
            assert close(back, (lat, lon), EXACT), (source, target)


@given(CHINA_LAT, CHINA_LON)
@example(lat=43.0, lon=135.09765625)  # BD-09 moves this corner of the box 1.503 km
def test_the_offsets_in_china_are_a_few_hundred_metres(lat: float, lon: float) -> None:
    for moved, most_km in ((wgs84_to_gcj02(lat, lon), 1.0), (wgs84_to_bd09(lat, lon), 2.0)):
        km = float(haversine_km([lat, moved[0]], [lon, moved[1]])[0, 1])
        assert 0.001 < km < most_km


@pytest.mark.parametrize(
    "point", [(48.85, 2.35), (-33.9, 151.2), (40.71, -74.0), (0.5, 100.0), (60.0, 100.0)]
)
def test_outside_china_every_system_is_wgs84(point: LatLon) -> None:
    assert not in_china(*point)
    for source in CoordinateSystem:
        for target in CoordinateSystem:
            assert convert(*point, source, target) == point


def test_arrays_convert_point_by_point_and_keep_their_shape() -> None:
    lat = np.array([[39.915, 48.85], [31.1774276, 22.543847]])
    lon = np.array([[116.404, 2.35], [121.5272106, 113.912316]])
    for source in CoordinateSystem:
        for target in CoordinateSystem:
            out_lat, out_lon = convert(lat, lon, source, target)
            assert out_lat.shape == out_lon.shape == lat.shape
            for i in np.ndindex(lat.shape):
                one = convert(float(lat[i]), float(lon[i]), source, target)
                assert close((out_lat[i], out_lon[i]), one, 1e-12)
    assert in_china(lat, lon).tolist() == [[True, False], [True, True]]


def test_scalars_give_floats_and_lists_give_arrays() -> None:
    lat, lon = wgs84_to_gcj02(39.915, 116.404)
    assert type(lat) is float and type(lon) is float
    lats, lons = gcj02_to_wgs84([39.9], [116.4])
    assert isinstance(lats, np.ndarray) and lats.shape == (1,) and lons.shape == (1,)


def test_systems_are_named_as_scenario_toml_spells_them() -> None:
    assert [s.value for s in CoordinateSystem] == list(typing.get_args(CoordinateName))
    assert convert(39.9, 116.4, "gcj02", "gcj02") == (39.9, 116.4)
    assert convert(39.9, 116.4, "bd09") == bd09_to_wgs84(39.9, 116.4)
    with pytest.raises(ValueError, match="utm"):
        convert(39.9, 116.4, "utm")
