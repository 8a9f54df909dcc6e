"""Navigation links for a stop: the Amap (高德) URI, and a ``geo:`` URI any map app opens.

Scenario coordinates are WGS84. Amap's web navigation URI takes GCJ-02 ("gaode")
coordinates — its documented parameters are ``from``, ``to`` (``lon,lat[,name]``),
``via``, ``mode``, ``policy``, ``src`` and ``callnative``; ``coordinate`` is documented
for its other URIs, where ``gaode`` is the default — so the link carries coordinates
converted by :mod:`agrichain.coordinates` and says ``coordinate=gaode``. Outside
mainland China GCJ-02 equals WGS84. The ``geo:`` URI (RFC 5870) keeps WGS84.
"""

from __future__ import annotations

from urllib.parse import quote

from agrichain.coordinates import wgs84_to_gcj02

#: Amap's navigation page (opens the Amap app on a phone when ``callnative=1``).
AMAP_NAVIGATION = "https://uri.amap.com/navigation"
#: ``src`` of the Amap links: who made them.
AMAP_SOURCE = "agrichain"


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
    "wgs84_to_gcj02",
]
