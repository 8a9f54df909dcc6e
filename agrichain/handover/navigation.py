"""Navigation links for a stop: the Amap (高德) URI, and a ``geo:`` URI any map app opens.

Scenario coordinates are WGS84. Amap's web navigation URI takes GCJ-02 ("gaode")
coordinates — its documented parameters are ``from``, ``to`` (``lon,lat[,name]``),
``via``, ``mode``, ``policy``, ``src`` and ``callnative``; ``coordinate`` is documented
for its other URIs, where ``gaode`` is the default — so the link carries coordinates
converted with the public GCJ-02 formula and says ``coordinate=gaode``. Outside
mainland China GCJ-02 equals WGS84. The ``geo:`` URI (RFC 5870) keeps WGS84.
"""

from __future__ import annotations

import math
from urllib.parse import quote

#: Amap's navigation page (opens the Amap app on a phone when ``callnative=1``).
AMAP_NAVIGATION = "https://uri.amap.com/navigation"
#: ``src`` of the Amap links: who made them.
AMAP_SOURCE = "agrichain"

# The GCJ-02 formula: Krasovsky 1940 ellipsoid, offsets as polynomials and sines.
_A = 6378245.0
_EE = 0.00669342162296594323


def in_mainland_china(lat: float, lon: float) -> bool:
    """Whether GCJ-02 shifts the point (the formula's rough box around China)."""
    return 72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271


def _shift_lat(x: float, y: float) -> float:
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    r += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return r


def _shift_lon(x: float, y: float) -> float:
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    r += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return r


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """(lat, lon) in GCJ-02, the coordinates of Chinese map apps, of a WGS84 point."""
    if not in_mainland_china(lat, lon):
        return lat, lon
    d_lat = _shift_lat(lon - 105.0, lat - 35.0)
    d_lon = _shift_lon(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1.0 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = d_lat * 180.0 / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = d_lon * 180.0 / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return lat + d_lat, lon + d_lon


def _label(name: str) -> str:
    """A place name as a URI component (commas would split Amap's ``lon,lat,name``)."""
    return quote(name.replace(",", " ").strip(), safe="")


def amap_navigation_uri(lat: float, lon: float, name: str = "") -> str:
    """Amap driving navigation from where the phone is to a WGS84 point named ``name``."""
    g_lat, g_lon = wgs84_to_gcj02(lat, lon)
    to = f"{g_lon:.6f},{g_lat:.6f}" + (f",{_label(name)}" if name.strip() else "")
    return (
        f"{AMAP_NAVIGATION}?to={to}&mode=car&policy=0&src={AMAP_SOURCE}"
        "&coordinate=gaode&callnative=1"
    )


def geo_uri(lat: float, lon: float, name: str = "") -> str:
    """A ``geo:`` URI of a WGS84 point, with ``name`` as its label where apps show one."""
    point = f"{lat:.6f},{lon:.6f}"
    label = f"({_label(name)})" if name.strip() else ""
    return f"geo:{point}?q={point}{label}"


__all__ = [
    "AMAP_NAVIGATION",
    "AMAP_SOURCE",
    "amap_navigation_uri",
    "geo_uri",
    "in_mainland_china",
    "wgs84_to_gcj02",
]
