"""An offline map of the day's routes: one HTML page with an inline SVG.

Places are drawn in the Web Mercator projection, fitted to the page: farms as circles
(grey when no vehicle visits them), logistics points as squares, each route as a line in
its vehicle's colour. Hovering shows a place's visits or a route's figures; the legend
lists every vehicle with a box that shows or hides its route. Nothing is loaded from
elsewhere: no scripts, tiles, fonts or images beyond the page itself.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

from agrichain.geo import EARTH_RADIUS_KM
from agrichain.handover.sheets import page
from agrichain.handover.text import hhmm
from agrichain.model import Scenario
from agrichain.plan import Plan, Route

#: Kelly's colours of maximum contrast (without white and black): the first 20 vehicles.
PALETTE = (
    "#be0032",
    "#0067a5",
    "#008856",
    "#f38400",
    "#875692",
    "#f3c300",
    "#a1caf1",
    "#882d17",
    "#8db600",
    "#e68fac",
    "#604e97",
    "#f6a600",
    "#b3446c",
    "#2b3d26",
    "#e25822",
    "#654522",
    "#f99379",
    "#c2b280",
    "#848482",
    "#dcd300",
)
_GOLDEN_ANGLE = 137.50776405
WIDTH_PX = 1000.0
HEIGHT_PX = 700.0
MARGIN_PX = 40.0

MAP_CSS = """
body { font-family: system-ui, "Noto Sans", "Noto Sans CJK SC", sans-serif; margin: 1em; }
h1 { font-size: 1.3em; margin: 0 0 0.3em; }
.layout { display: flex; gap: 1em; align-items: flex-start; flex-wrap: wrap; }
svg { border: 1px solid #999; background: #f7f7f2; max-width: 100%; height: auto; }
.legend { min-width: 16em; font-size: 0.9em; }
.legend ul { list-style: none; padding: 0; margin: 0.3em 0; }
.legend li { margin: 0.15em 0; }
.swatch { display: inline-block; width: 1.6em; height: 0.35em; vertical-align: middle;
          margin: 0 0.4em; }
polyline { fill: none; stroke-width: 3; stroke-linejoin: round; stroke-linecap: round;
           opacity: 0.85; }
polyline:hover { stroke-width: 6; opacity: 1; }
.farm { fill: #fff; stroke: #333; stroke-width: 1.5; }
.farm.idle { fill: #ddd; stroke: #999; }
.point { fill: #222; stroke: #fff; stroke-width: 1.5; }
text { font-size: 11px; fill: #222; }
text.label { font-size: 9px; fill: #555; pointer-events: none; }
@media print { .legend input, .legend button { display: none; } }
"""

_SCRIPT = """
document.querySelectorAll('input[data-route]').forEach(function (box) {
  box.addEventListener('change', function () {
    var g = document.getElementById('route-' + box.dataset.route);
    if (g) { g.style.display = box.checked ? '' : 'none'; }
  });
});
function showAll(on) {
  document.querySelectorAll('input[data-route]').forEach(function (box) {
    box.checked = on; box.dispatchEvent(new Event('change'));
  });
}
"""


def vehicle_colour(index: int) -> str:
    """The colour of the ``index``-th vehicle: Kelly's colours, then spread hues."""
    if index < len(PALETTE):
        return PALETTE[index]
    k = index - len(PALETTE)
    lightness = (32, 45, 58)[k % 3]
    return f"hsl({(k * _GOLDEN_ANGLE) % 360:.3f}, 70%, {lightness}%)"


def _mercator(lat: float, lon: float) -> tuple[float, float]:
    """Web Mercator in radians (y grows northwards)."""
    phi = math.radians(max(-85.0, min(85.0, lat)))
    return math.radians(lon), math.log(math.tan(math.pi / 4 + phi / 2))


@dataclass(frozen=True)
class Frame:
    """Where the map's Mercator box lands on the page."""

    x0: float
    y0: float
    scale: float
    """Pixels per radian."""
    mid_lat: float

    def px(self, lat: float, lon: float) -> tuple[float, float]:
        x, y = _mercator(lat, lon)
        return MARGIN_PX + (x - self.x0) * self.scale, HEIGHT_PX - MARGIN_PX - (
            y - self.y0
        ) * self.scale


def fit_frame(points: Sequence[tuple[float, float]]) -> Frame:
    """The frame that shows every (lat, lon) of ``points`` centred with a margin."""
    if not points:
        return Frame(0.0, 0.0, 1.0, 0.0)
    xy = [_mercator(lat, lon) for lat, lon in points]
    xs, ys = [p[0] for p in xy], [p[1] for p in xy]
    span_x = max(max(xs) - min(xs), 1e-4)  # 1e-4 rad ≈ 600 m: one place still fits
    span_y = max(max(ys) - min(ys), 1e-4)
    inner_w, inner_h = WIDTH_PX - 2 * MARGIN_PX, HEIGHT_PX - 2 * MARGIN_PX
    scale = min(inner_w / span_x, inner_h / span_y)
    x0 = (min(xs) + max(xs)) / 2 - inner_w / 2 / scale
    y0 = (min(ys) + max(ys)) / 2 - inner_h / 2 / scale
    mid_lat = (min(p[0] for p in points) + max(p[0] for p in points)) / 2
    return Frame(x0, y0, scale, mid_lat)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _scale_bar(frame: Frame) -> str:
    """A bar of a round number of km, about a sixth of the page wide."""
    px_per_km = frame.scale / (EARTH_RADIUS_KM * math.cos(math.radians(frame.mid_lat)))
    steps = [d * 10**k for k in range(-2, 5) for d in (1, 2, 5)]
    km = max((s for s in steps if s * px_per_km <= WIDTH_PX / 6), default=steps[0])
    length = km * px_per_km
    x, y = MARGIN_PX, HEIGHT_PX - 12
    return (
        f"<g class='scale'><line x1='{x:.1f}' y1='{y:.1f}' x2='{x + length:.1f}' y2='{y:.1f}' "
        f"stroke='#222' stroke-width='3'/><text x='{x + length + 6:.1f}' y='{y + 4:.1f}'>"
        f"{km:g} km</text><text x='{WIDTH_PX - 30:.1f}' y='24'>N ↑</text></g>"
    )


def _visits(plan: Plan) -> dict[str, list[str]]:
    """Per place, one line per vehicle stop there (vehicle, stop number, arrival)."""
    out: dict[str, list[str]] = {}
    for r in plan.routes:
        for s in r.stops:
            if s.stop_kind != "depot":
                line = f"{r.vehicle_id} stop {s.seq}: arrive {hhmm(s.arrival, plan.planning_date)}"
                out.setdefault(s.stop_id, []).append(line)
    return out


def _route_svg(plan: Plan, scenario: Scenario, route: Route, index: int, frame: Frame) -> str:
    vehicle = scenario.vehicle.get(route.vehicle_id)
    driver = f" ({vehicle.driver_name})" if vehicle and vehicle.driver_name else ""
    day = plan.planning_date
    title = (
        f"{route.vehicle_id}{driver}: {len(route.stops) - 2} stops, {route.distance_km:,.1f} km, "
        f"{route.kg_collected:,.1f} kg, {hhmm(route.start, day)}–{hhmm(route.end, day)}"
    )
    pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (frame.px(s.lat, s.lon) for s in route.stops))
    return (
        f"<g class='route' id='route-{index}' data-vehicle='{_e(route.vehicle_id)}'>"
        f"<polyline points='{pts}' stroke='{vehicle_colour(index)}'><title>{_e(title)}</title>"
        "</polyline></g>"
    )


def _places_svg(plan: Plan, scenario: Scenario, frame: Frame) -> list[str]:
    visits = _visits(plan)
    out = []
    for f in scenario.farms:
        x, y = frame.px(f.lat, f.lon)
        lines = [
            f"{f.farm_id} {f.name}".strip(),
            f"pickup {f.pickup_open:%H:%M}–{f.pickup_close:%H:%M}",
        ]
        contact = " ".join(x for x in (f.contact_name, f.contact_phone) if x)
        lines += [f"contact {contact}"] if contact else []
        lines += visits.get(f.farm_id, ["no visit today"])
        idle = "" if f.farm_id in visits else " idle"
        out.append(
            f"<circle class='farm{idle}' data-farm='{_e(f.farm_id)}' cx='{x:.1f}' cy='{y:.1f}' "
            f"r='5'><title>{_e(chr(10).join(lines))}</title></circle>"
            f"<text class='label' x='{x + 7:.1f}' y='{y + 4:.1f}'>{_e(f.farm_id)}</text>"
        )
    for p in scenario.logistics_points:
        x, y = frame.px(p.lat, p.lon)
        lines = [f"{p.logistics_point_id} {p.name}".strip(), f"cut-off {p.cutoff:%H:%M}"]
        lines += visits.get(p.logistics_point_id, [])
        out.append(
            f"<g data-point='{_e(p.logistics_point_id)}'><rect class='point' x='{x - 7:.1f}' "
            f"y='{y - 7:.1f}' width='14' height='14'><title>{_e(chr(10).join(lines))}</title>"
            f"</rect><text x='{x + 10:.1f}' y='{y - 8:.1f}'>{_e(p.logistics_point_id)}</text></g>"
        )
    return out


def _legend(plan: Plan, scenario: Scenario) -> list[str]:
    items = []
    for i, r in enumerate(plan.routes):
        v = scenario.vehicle.get(r.vehicle_id)
        who = " · ".join(x for x in ((v.driver_name, v.plate) if v else ()) if x)
        items.append(
            f"<li data-vehicle='{_e(r.vehicle_id)}'><label><input type='checkbox' checked "
            f"data-route='{i}'><span class='swatch' style='background:{vehicle_colour(i)}'>"
            f"</span><b>{_e(r.vehicle_id)}</b> {_e(who)} <small>{len(r.stops) - 2} stops, "
            f"{r.distance_km:,.1f} km, {r.kg_collected:,.1f} kg</small></label></li>"
        )
    return [
        "<div class='legend'><b>Vehicles</b> <button type='button' onclick='showAll(true)'>all"
        "</button> <button type='button' onclick='showAll(false)'>none</button>",
        "<ul>",
        *items,
        "</ul>" if items else "</ul><p>No vehicle is used.</p>",
        "<b>Places</b><ul><li>○ farm (grey: not visited)</li><li>■ logistics point</li></ul>",
        "</div>",
    ]


def route_map_html(plan: Plan, scenario: Scenario) -> str:
    """The routes of ``plan`` on an offline map (an HTML page with an inline SVG)."""
    places = [(f.lat, f.lon) for f in scenario.farms]
    places += [(p.lat, p.lon) for p in scenario.logistics_points]
    places += [(s.lat, s.lon) for r in plan.routes for s in r.stops]
    frame = fit_frame(places)
    svg = [
        f"<svg viewBox='0 0 {WIDTH_PX:.0f} {HEIGHT_PX:.0f}' width='{WIDTH_PX:.0f}' "
        f"height='{HEIGHT_PX:.0f}' role='img' aria-label='map of the routes'>",
        *(_route_svg(plan, scenario, r, i, frame) for i, r in enumerate(plan.routes)),
        *_places_svg(plan, scenario, frame),
        _scale_bar(frame),
        "</svg>",
    ]
    s = plan.summary
    title = f"Routes of {plan.scenario_name} on {plan.planning_date.isoformat()}"
    caption = (
        f"{len(plan.routes)} vehicles · {sum(r.distance_km for r in plan.routes):,.1f} km · "
        f"{plan.kg_collected():,.1f} kg collected · status {s.get('status', plan.status.value)}"
    )
    body = [
        f"<h1>{_e(title)}</h1><p>{_e(caption)}</p><div class='layout'>",
        *svg,
        *_legend(plan, scenario),
        f"</div><script>{_SCRIPT}</script>",
    ]
    return page(title, MAP_CSS, body)


__all__ = ["PALETTE", "Frame", "fit_frame", "route_map_html", "vehicle_colour"]
