"""Navigation links: WGS84 → GCJ-02 for Amap, and the geo: URI."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agrichain.geo import haversine_km
from agrichain.handover import amap_navigation_uri, geo_uri, wgs84_to_gcj02

#: (WGS84 lat, lon) → GCJ-02 (lat, lon), published test points of two open implementations.
REFERENCE = [
    ((39.915, 116.404), (39.91640428150164, 116.41024449916938)),  # coordtransform
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),  # eviltransform
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),
]


@pytest.mark.parametrize(("wgs", "gcj"), REFERENCE)
def test_gcj02_matches_the_reference_points(
    wgs: tuple[float, float], gcj: tuple[float, float]
) -> None:
    assert wgs84_to_gcj02(*wgs) == pytest.approx(gcj, abs=1e-9)


@given(st.floats(22.0, 45.0), st.floats(100.0, 125.0))
def test_gcj02_moves_a_point_in_china_by_at_most_a_kilometre(lat: float, lon: float) -> None:
    g_lat, g_lon = wgs84_to_gcj02(lat, lon)
    km = float(haversine_km([lat, g_lat], [lon, g_lon])[0, 1])
    assert 0.0 < km < 1.0


def test_points_outside_china_are_not_moved() -> None:
    assert wgs84_to_gcj02(48.85, 2.35) == (48.85, 2.35)
    assert wgs84_to_gcj02(-33.9, 151.2) == (-33.9, 151.2)


def test_amap_link_names_the_place_and_drives_there() -> None:
    uri = amap_navigation_uri(28.7639, 120.737, "大坪村, Li & Sons")
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "uri.amap.com", "/navigation")
    query = parse_qs(parts.query)
    lon, lat, name = query["to"][0].split(",")
    assert (float(lat), float(lon)) == pytest.approx(wgs84_to_gcj02(28.7639, 120.737), abs=1e-6)
    assert name == "大坪村  Li & Sons"  # a comma would split lon,lat,name
    assert query["mode"] == ["car"] and query["coordinate"] == ["gaode"]
    assert query["callnative"] == ["1"] and "from" not in query  # from where the phone is
    assert parse_qs(urlsplit(amap_navigation_uri(28.0, 120.0)).query)["to"][0].count(",") == 1


def test_geo_uri_keeps_wgs84() -> None:
    assert geo_uri(28.7639, 120.737, "F1") == "geo:28.763900,120.737000?q=28.763900,120.737000(F1)"
    assert geo_uri(-1.5, 2.25) == "geo:-1.500000,2.250000?q=-1.500000,2.250000"
