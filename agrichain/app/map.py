"""The map of places and routes: layer records with tooltips, the view, the pydeck deck."""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pydeck as pdk

from agrichain.app.labels import hhmm
from agrichain.model import Scenario
from agrichain.plan import Plan, Route, TaskOutcome

#: Environment variable: basemap style URL (MapLibre style JSON); unset = no basemap.
MAP_STYLE_ENV = "AGRICHAIN_MAP_STYLE"
#: Size of the map drawn by the app, used to fit the view.
MAP_WIDTH_PX = 560
MAP_HEIGHT_PX = 560
#: Width in pixels of the whole world at zoom 0 in deck.gl / MapLibre (512-pixel tiles).
WORLD_PX = 512.0
#: Task lines listed in one stop's tooltip.
TIP_TASKS = 8

RGB = list[int]

PALETTE: tuple[tuple[int, int, int], ...] = (
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
    (140, 86, 75), (227, 119, 194), (23, 190, 207), (188, 189, 34), (127, 127, 127),
    (57, 59, 121), (173, 73, 74), (82, 84, 163), (140, 162, 82), (189, 158, 57),
    (132, 60, 57), (123, 65, 115), (99, 121, 57), (206, 109, 189), (107, 110, 207),
)  # fmt: skip
FARM_RGB: RGB = [96, 160, 72]
IDLE_FARM_RGB: RGB = [150, 170, 150]
POINT_RGB: RGB = [33, 33, 33]
BOUNDARY_RGB: RGB = [120, 144, 156]
WHITE_RGB: RGB = [255, 255, 255]


def vehicle_colours(scenario: Scenario) -> dict[str, RGB]:
    """A stable colour per vehicle (its position in the vehicles table)."""
    return {v.vehicle_id: list(PALETTE[i % len(PALETTE)]) for i, v in enumerate(scenario.vehicles)}


def hex_colour(rgb: Sequence[int]) -> str:
    """``#rrggbb`` of an RGB triple."""
    return "#" + "".join(f"{int(c):02x}" for c in rgb[:3])


def _mercator_y(lat: float) -> float:
    lat = max(-85.0, min(85.0, lat))
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def fit_view(
    lats: Sequence[float],
    lons: Sequence[float],
    width_px: int = MAP_WIDTH_PX,
    height_px: int = MAP_HEIGHT_PX,
    margin: float = 0.12,
) -> dict[str, float]:
    """Centre and zoom that show every point (web-mercator), with a margin on each side."""
    if not lats:
        return {"latitude": 0.0, "longitude": 0.0, "zoom": 1.0}
    lat0, lat1, lon0, lon1 = min(lats), max(lats), min(lons), max(lons)
    usable_w = width_px * (1 - 2 * margin)
    usable_h = height_px * (1 - 2 * margin)
    zooms = [18.0]
    if lon1 > lon0:
        zooms.append(math.log2(usable_w * 360.0 / (WORLD_PX * (lon1 - lon0))))
    dy = _mercator_y(lat1) - _mercator_y(lat0)
    if dy > 0:
        zooms.append(math.log2(usable_h * 2 * math.pi / (WORLD_PX * dy)))
    y_mid = (_mercator_y(lat0) + _mercator_y(lat1)) / 2
    lat_mid = math.degrees(2 * math.atan(math.exp(y_mid)) - math.pi / 2)
    return {
        "latitude": round(lat_mid, 6),
        "longitude": round((lon0 + lon1) / 2, 6),
        "zoom": max(1.0, math.floor(min(zooms) * 1000) / 1000),
    }


def boundary_geojson(lats: Sequence[float], lons: Sequence[float]) -> dict[str, Any] | None:
    """The convex hull of the places, buffered by 5 % of their extent, as GeoJSON."""
    from shapely.geometry import MultiPoint, mapping

    if not lats:
        return None
    hull = MultiPoint(list(zip(lons, lats, strict=True))).convex_hull
    span = max(max(lats) - min(lats), max(lons) - min(lons))
    shape = hull.buffer(max(0.05 * span, 0.005))
    return {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {}, "geometry": mapping(shape)}],
    }


@dataclass(frozen=True)
class MapData:
    """Records of each map layer (plain dicts, ready for pydeck) and the view."""

    farms: list[dict[str, Any]]
    logistics_points: list[dict[str, Any]]
    paths: list[dict[str, Any]]
    stops: list[dict[str, Any]]
    boundary: dict[str, Any] | None
    view: dict[str, float]


def _place_records(scenario: Scenario, plan: Plan | None) -> tuple[list[dict[str, Any]], ...]:
    """Farms (grey when a plan leaves them unvisited) and logistics points."""
    visited = set() if plan is None else {s.stop_id for r in plan.routes for s in r.stops}
    farms = [
        {
            "id": f.farm_id,
            "lon": f.lon,
            "lat": f.lat,
            "color": FARM_RGB if f.farm_id in visited or plan is None else IDLE_FARM_RGB,
            "tip": f"Farm {f.farm_id} {f.name}".rstrip()
            + f"\npickup {f.pickup_open:%H:%M}–{f.pickup_close:%H:%M}",
        }
        for f in scenario.farms
    ]
    points = [
        {
            "id": p.logistics_point_id,
            "lon": p.lon,
            "lat": p.lat,
            "color": POINT_RGB,
            "tip": f"Logistics point {p.logistics_point_id} {p.name}".rstrip()
            + f"\nopen {p.open:%H:%M}–{p.close:%H:%M}, cut-off {p.cutoff:%H:%M}",
        }
        for p in scenario.logistics_points
    ]
    return farms, points


def _path_record(route: Route, colour: RGB, day: dt.date) -> dict[str, Any]:
    cold = " (refrigerated)" if route.refrigerated else ""
    return {
        "vehicle_id": route.vehicle_id,
        "path": [[s.lon, s.lat] for s in route.stops],
        "color": colour,
        "tip": f"Vehicle {route.vehicle_id}{cold}\n{route.distance_km:,.1f} km, "
        f"{len(route.stops) - 2} stops, {route.trips} trip(s), {route.kg_collected:,.1f} kg"
        f"\n{hhmm(route.start, day)}–{hhmm(route.end, day)}",
    }


def _stop_records(
    route: Route, tasks: dict[str, TaskOutcome], colour: RGB, day: dt.date
) -> list[dict[str, Any]]:
    """The route's stops between its depot visits, with what is loaded or unloaded."""
    records = []
    for s in route.stops[1:-1]:
        verb = "load" if s.stop_kind == "farm" else "unload"
        lines = [
            f"{verb} {tasks[t].kg:,.1f} kg {tasks[t].product_id}" for t in s.task_ids if t in tasks
        ]
        records.append(
            {
                "vehicle_id": route.vehicle_id,
                "lon": s.lon,
                "lat": s.lat,
                "color": colour,
                "tip": f"{route.vehicle_id} trip {s.trip}, stop {s.seq}: {s.stop_id} "
                f"({s.stop_kind.replace('_', ' ')})\narrival {hhmm(s.arrival, day)}, "
                f"departure {hhmm(s.departure, day)}\nload after stop: {s.load_kg:,.1f} kg"
                + ("\n" + "\n".join(lines[:TIP_TASKS]) if lines else "")
                + (f"\n… {len(lines) - TIP_TASKS} more" if len(lines) > TIP_TASKS else ""),
            }
        )
    return records


def map_data(
    scenario: Scenario,
    plan: Plan | None = None,
    width_px: int = MAP_WIDTH_PX,
    height_px: int = MAP_HEIGHT_PX,
) -> MapData:
    """Farms, logistics points, route paths and stops with tooltips (``tip``)."""
    day = scenario.settings.planning_date
    colours = vehicle_colours(scenario)
    farms, points = _place_records(scenario, plan)
    paths: list[dict[str, Any]] = []
    stops: list[dict[str, Any]] = []
    if plan is not None:
        tasks = {t.task_id: t for t in plan.tasks}
        for r in plan.routes:
            colour = colours.get(r.vehicle_id, list(PALETTE[0]))
            paths.append(_path_record(r, colour, day))
            stops += _stop_records(r, tasks, colour, day)
    lats = [float(f.lat) for f in scenario.farms] + [p.lat for p in scenario.logistics_points]
    lons = [float(f.lon) for f in scenario.farms] + [p.lon for p in scenario.logistics_points]
    return MapData(
        farms=farms,
        logistics_points=points,
        paths=paths,
        stops=stops,
        boundary=boundary_geojson(lats, lons),
        view=fit_view(lats, lons, width_px, height_px),
    )


def _points_layer(
    data: Any,
    layer_id: str,
    fill: str | list[int],
    line: str | list[int],
    min_px: float,
    max_px: float,
    line_px: float,
) -> pdk.Layer:
    """A pickable, outlined scatter layer; sizes in pixels (string props are data accessors)."""
    return pdk.Layer(
        "ScatterplotLayer",
        data,
        id=layer_id,
        get_position="[lon, lat]",
        get_fill_color=fill,
        get_line_color=line,
        get_radius=40,
        radius_min_pixels=min_px,
        radius_max_pixels=max_px,
        stroked=True,
        line_width_min_pixels=line_px,
        pickable=True,
    )


def _layers(data: MapData) -> list[pdk.Layer]:
    """Boundary, routes, farms, stops, logistics points and their labels, bottom up."""
    layers = []
    if data.boundary is not None:
        layers.append(
            pdk.Layer(
                "GeoJsonLayer",
                data.boundary,
                id="boundary",
                stroked=True,
                filled=True,
                get_fill_color=[*BOUNDARY_RGB, 22],
                get_line_color=[*BOUNDARY_RGB, 160],
                line_width_min_pixels=1,
                pickable=False,
            )
        )
    layers.append(
        pdk.Layer(
            "PathLayer",
            data.paths,
            id="routes",
            get_path="path",
            get_color="color",
            width_min_pixels=3,
            width_max_pixels=6,
            get_width=30,
            joint_rounded=True,
            cap_rounded=True,
            pickable=True,
            auto_highlight=True,
        )
    )
    layers.append(_points_layer(data.farms, "farms", "color", WHITE_RGB, 5, 15, 1))
    layers.append(_points_layer(data.stops, "stops", "color", WHITE_RGB, 7, 21, 1.5))
    layers.append(
        _points_layer(data.logistics_points, "logistics_points", WHITE_RGB, "color", 10, 30, 4)
    )
    layers.append(
        pdk.Layer(
            "TextLayer",
            data.logistics_points,
            id="logistics_point_labels",
            get_position="[lon, lat]",
            get_text="id",
            get_size=13,
            get_color=POINT_RGB,
            get_pixel_offset=[0, -20],
            font_weight=700,
            pickable=False,
        )
    )
    return layers


def build_deck(
    data: MapData, map_style: str | None = None, height_px: int = MAP_HEIGHT_PX
) -> pdk.Deck:
    """The pydeck map: boundary, routes, farms, logistics points, stops.

    pydeck turns every string property into an accessor expression, so sizes are
    given in metres with pixel bounds rather than with ``*_units="pixels"``.

    Without ``map_style`` no basemap is requested, so the map works offline.
    """
    return pdk.Deck(
        layers=_layers(data),
        initial_view_state=pdk.ViewState(**data.view),
        map_style=map_style or None,
        map_provider="carto" if map_style else None,
        tooltip={"text": "{tip}"},
        height=height_px,
    )


def legend_html(plan: Plan, colours: dict[str, RGB]) -> str:
    """The map's legend: the symbols, then a colour swatch per vehicle (❄ refrigerated)."""
    vehicles = " ".join(
        f"<span style='white-space:nowrap;margin-right:0.8em'>"
        f"<span style='display:inline-block;width:0.9em;height:0.9em;border-radius:2px;"
        f"background:{hex_colour(colours[r.vehicle_id])};margin-right:0.25em'></span>"
        f"{html.escape(r.vehicle_id)}{' ❄' if r.refrigerated else ''}</span>"
        for r in plan.routes
    )
    return (
        "<small>● farms &nbsp; ○ logistics points &nbsp; lines: routes by vehicle "
        f"(❄ refrigerated)</small><br>{vehicles}"
    )


__all__ = [
    "BOUNDARY_RGB",
    "FARM_RGB",
    "MAP_HEIGHT_PX",
    "MAP_STYLE_ENV",
    "MAP_WIDTH_PX",
    "PALETTE",
    "POINT_RGB",
    "RGB",
    "WORLD_PX",
    "MapData",
    "boundary_geojson",
    "build_deck",
    "fit_view",
    "hex_colour",
    "legend_html",
    "map_data",
    "vehicle_colours",
]
