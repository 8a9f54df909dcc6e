"""Coordinates on load: the places of files given in GCJ-02 or BD-09 become WGS-84.

``coordinates`` in ``scenario.toml`` names the system of every table file's ``lat`` and
``lon``; ``[coordinates_of]`` overrides it per file where sources are mixed. The loader
converts the rows of those files to WGS-84 as they are read, so scenarios, plans and maps
only ever hold WGS-84, and the settings of a loaded scenario say ``coordinates = "wgs84"``
(what a saved scenario writes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from agrichain.coordinates import CoordinateSystem, convert
from agrichain.io.scenario_check import ParsedTable
from agrichain.model import GEO_TABLES, Farm, LogisticsPoint, Record, Settings
from agrichain.model.settings import CoordinateName, CoordinatesOf

WGS84: CoordinateName = "wgs84"


def file_coordinates(settings: Settings, table: str) -> CoordinateSystem:
    """The coordinate system of ``table``'s file: its ``[coordinates_of]`` entry, else
    ``coordinates`` (tables without places: WGS-84, nothing to convert)."""
    if table not in GEO_TABLES:
        return CoordinateSystem.WGS84
    own: CoordinateName | None = getattr(settings.coordinates_of, table)
    return CoordinateSystem(own or settings.coordinates)


def settings_in_wgs84(settings: Settings) -> Settings:
    """``settings`` describing data held in WGS-84 (no per-file systems)."""
    return settings.model_copy(update={"coordinates": WGS84, "coordinates_of": CoordinatesOf()})


def settings_reading(
    settings: Settings, tables: Sequence[str], coordinates: CoordinateName | str = WGS84
) -> Settings:
    """Settings under which ``tables`` are read in ``coordinates`` and every other table
    as WGS-84 (a scenario's kept tables, with some tables read anew)."""
    system: CoordinateName = CoordinateSystem(coordinates).value
    of = CoordinatesOf(**{t: system for t in tables if t in GEO_TABLES})
    return settings.model_copy(update={"coordinates": WGS84, "coordinates_of": of})


def places_in_wgs84(
    records: Sequence[Record], coordinates: CoordinateSystem | str
) -> tuple[Record, ...]:
    """Farms or logistics points given in ``coordinates``, moved to WGS-84 (other rows
    are kept as they are)."""
    system = CoordinateSystem(coordinates)
    places = [r for r in records if isinstance(r, Farm | LogisticsPoint)]
    if system is CoordinateSystem.WGS84 or not places:
        return tuple(records)
    lat, lon = convert([p.lat for p in places], [p.lon for p in places], system)
    moved: dict[int, Record] = {
        id(p): p.model_copy(update={"lat": float(a), "lon": float(b)})
        for p, a, b in zip(places, lat, lon, strict=True)
    }
    return tuple(moved.get(id(r), r) for r in records)


def tables_in_wgs84(
    settings: Settings | None, parsed: Mapping[str, ParsedTable]
) -> tuple[Settings | None, dict[str, ParsedTable]]:
    """The settings and tables of a scenario as read, with every place in WGS-84.

    Unreadable settings (None) leave the tables as they are: the scenario fails anyway.
    """
    if settings is None:
        return None, dict(parsed)
    out = dict(parsed)
    for table in GEO_TABLES:
        found = parsed.get(table)
        system = file_coordinates(settings, table)
        if found is not None and system is not CoordinateSystem.WGS84:
            out[table] = replace(found, records=places_in_wgs84(found.records, system))
    return settings_in_wgs84(settings), out


__all__ = [
    "file_coordinates",
    "places_in_wgs84",
    "settings_in_wgs84",
    "settings_reading",
    "tables_in_wgs84",
]
