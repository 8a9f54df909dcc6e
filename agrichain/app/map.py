"""The map of places and routes: layer records with tooltips, the view, the pydeck deck,
the legend; one vehicle can be highlighted (the others dimmed).

Vehicles take the hand-over map's colours (:func:`agrichain.handover.vehicle_colour`, by
position in the plan's routes), so a vehicle has the same colour on both maps.
"""

from __future__ import annotations

import colorsys
import datetime as dt
import html
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pydeck as pdk

from agrichain.app.labels import hhmm
from agrichain.handover import vehicle_colour
from agrichain.model import Scenario
from agrichain.plan import Plan, Route, TaskOutcome

#: Environment variable: basemap style URL (MapLibre style JSON); unset = no basemap.
MAP_STYLE_ENV = "AGRICHAIN_MAP_STYLE"
#: The ``mapStyle`` that st.pydeck_chart draws without a basemap (pydeck's own default when
#: ``map_provider=None``); a missing or null style makes Streamlit fetch a CARTO basemap.
NO_BASEMAP_STYLE = "__MAP_STYLE__"
#: Size of the map drawn by the app, used to fit the view.
MAP_WIDTH_PX = 560
MAP_HEIGHT_PX = 560
#: Width in pixels of the whole world at zoom 0 in deck.gl / MapLibre (512-pixel tiles).
WORLD_PX = 512.0
#: Task lines listed in one stop's tooltip.
TIP_TASKS = 8

#: Opacity (0–255) of the vehicles not chosen when one is highlighted.
DIM_ALPHA = 40

RGB = list[int]
_HSL = re.compile(r"hsl\(\s*([\d.]+)\s*,\s*([\d.]+)%\s*,\s*([\d.]+)%\s*\)")


def css_rgb(colour: str) -> RGB:
    """The RGB triple of a ``#rrggbb`` or ``hsl(h, s%, l%)`` colour."""
    if colour.startswith("#") and len(colour) == 7:
        return [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    match = _HSL.fullmatch(colour.strip())
    if match is None:
        raise ValueError(f"not a #rrggbb or hsl() colour: {colour!r}")
    h, s, lightness = (float(x) for x in match.groups())
    channels = colorsys.hls_to_rgb(h / 360.0, lightness / 100.0, s / 100.0)
    return [round(c * 255) for c in channels]


#: The first 20 vehicles' colours (Kelly's colours of maximum contrast), as RGB.
PALETTE: tuple[tuple[int, int, int], ...] = tuple(
    (r, g, b) for r, g, b in (css_rgb(vehicle_colour(i)) for i in range(20))
)
FARM_RGB: RGB = [96, 160, 72]
IDLE_FARM_RGB: RGB = [150, 170, 150]
POINT_RGB: RGB = [33, 33, 33]
BOUNDARY_RGB: RGB = [120, 144, 156]
WHITE_RGB: RGB = [255, 255, 255]


def vehicle_colours(plan: Plan) -> dict[str, RGB]:
    """A colour per vehicle of the plan, by its route's position (as in the hand-over map)."""
    return {r.vehicle_id: css_rgb(vehicle_colour(i)) for i, r in enumerate(plan.routes)}


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


def route_line(route: Route) -> list[list[float]]:
    """The [lon, lat] points drawn: the roads driven if known, else straight between stops."""
    if route.path:
        return [[lon, lat] for lat, lon in route.path]
    return [[s.lon, s.lat] for s in route.stops]


def _path_record(route: Route, colour: RGB, day: dt.date, dimmed: bool) -> dict[str, Any]:
    cold = " (refrigerated)" if route.refrigerated else ""
    return {
        "vehicle_id": route.vehicle_id,
        "path": route_line(route),
        "on_roads": bool(route.path),
        "dimmed": dimmed,
        "color": [*colour[:3], DIM_ALPHA] if dimmed else colour,
        "tip": f"Vehicle {route.vehicle_id}{cold}\n{route.distance_km:,.1f} km, "
        f"{len(route.stops) - 2} stops, {route.trips} trip(s), {route.kg_collected:,.1f} kg"
        f"\n{hhmm(route.start, day)}–{hhmm(route.end, day)}",
    }


def _stop_records(
    route: Route, tasks: dict[str, TaskOutcome], colour: RGB, day: dt.date, dimmed: bool
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
                "dimmed": dimmed,
                "color": [*colour[:3], DIM_ALPHA] if dimmed else colour,
                "line": [*WHITE_RGB, DIM_ALPHA] if dimmed else WHITE_RGB,
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
    vehicle_id: str | None = None,
) -> MapData:
    """Farms, logistics points, route paths and stops with tooltips (``tip``).

    With ``vehicle_id`` that vehicle's route and stops are drawn last (on top) and every
    other vehicle's are dimmed (``dimmed``, opacity ``DIM_ALPHA``).
    """
    day = scenario.settings.planning_date
    farms, points = _place_records(scenario, plan)
    paths: list[dict[str, Any]] = []
    stops: list[dict[str, Any]] = []
    if plan is not None:
        colours = vehicle_colours(plan)
        tasks = {t.task_id: t for t in plan.tasks}
        chosen = [r for r in plan.routes if r.vehicle_id == vehicle_id]
        for r in [r for r in plan.routes if r.vehicle_id != vehicle_id] + chosen:
            dimmed = bool(chosen) and r.vehicle_id != vehicle_id
            paths.append(_path_record(r, colours[r.vehicle_id], day, dimmed))
            stops += _stop_records(r, tasks, colours[r.vehicle_id], day, dimmed)
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
    layers.append(_points_layer(data.stops, "stops", "color", "line", 7, 21, 1.5))
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

    Without ``map_style`` the deck has no map provider and the style ``NO_BASEMAP_STYLE``:
    no basemap, no style and no tile is requested, so the map works offline.
    """
    return pdk.Deck(
        layers=_layers(data),
        initial_view_state=pdk.ViewState(**data.view),
        map_style=map_style or NO_BASEMAP_STYLE,
        map_provider="carto" if map_style else None,
        tooltip={"text": "{tip}"},
        height=height_px,
    )


def legend_html(plan: Plan, colours: dict[str, RGB], vehicle_id: str | None = None) -> str:
    """The map's legend: a row per vehicle (swatch, id, ❄ refrigerated, stops, km), the
    chosen vehicle in bold and the others faded when one is chosen; then the symbols."""
    rows = []
    for r in plan.routes:
        style = "font-weight:bold" if r.vehicle_id == vehicle_id else ""
        style = "opacity:0.45" if vehicle_id is not None and not style else style
        rows.append(
            f"<tr data-vehicle='{html.escape(r.vehicle_id, quote=True)}' style='{style}'>"
            f"<td><span style='display:inline-block;width:0.9em;height:0.9em;border-radius:2px;"
            f"background:{hex_colour(colours[r.vehicle_id])}'></span></td>"
            f"<td>{html.escape(r.vehicle_id)}{' ❄' if r.refrigerated else ''}</td>"
            f"<td style='text-align:right'>{len(r.stops) - 2}</td>"
            f"<td style='text-align:right'>{r.distance_km:,.1f}</td></tr>"
        )
    lines = (
        "routes along the roads"
        if any(r.path for r in plan.routes)
        else "lines: straight between stops"
    )
    return (
        "<table style='font-size:0.85em;border-collapse:collapse'><thead><tr><th></th>"
        "<th>vehicle</th><th>stops</th><th>km</th></tr></thead><tbody>"
        + "".join(rows)
        + f"</tbody></table><small>● farms &nbsp; ○ logistics points &nbsp; {lines} "
        "&nbsp; ❄ refrigerated</small>"
    )


__all__ = [
    "BOUNDARY_RGB", "DIM_ALPHA", "FARM_RGB", "MAP_HEIGHT_PX", "MAP_STYLE_ENV", "MAP_WIDTH_PX",
    "NO_BASEMAP_STYLE", "PALETTE", "POINT_RGB", "RGB", "WORLD_PX", "MapData", "boundary_geojson",
    "build_deck", "css_rgb", "fit_view", "hex_colour", "legend_html", "map_data", "route_line",
    "vehicle_colours",
]  # fmt: skip
