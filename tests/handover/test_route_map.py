"""map.html: offline, every vehicle drawn in a colour of its own, places marked, fitted."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

from hypothesis import given
from hypothesis import strategies as st

from agrichain.handover import MAP_HTML, route_map_html, sheet_files, vehicle_colour
from agrichain.handover.route_map import HEIGHT_PX, MARGIN_PX, PALETTE, WIDTH_PX, fit_frame
from agrichain.model import Scenario
from agrichain.plan import Plan, PlanStatus, Route, Stop

WEB = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)


class Tags(HTMLParser):
    """Every start tag with its attributes."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def attrs(self, tag: str, name: str) -> list[str]:
        return [a[name] for t, a in self.tags if t == tag and name in a]


def web_links(text: str) -> list[str]:
    """src and href values that would fetch something from the network."""
    tags = Tags(text).tags
    return [a[k] for _, a in tags for k in ("src", "href") if k in a and WEB.match(a[k])]


def assert_offline(text: str) -> None:
    tags = Tags(text)
    assert web_links(text) == []
    assert not {"link", "img", "iframe", "object", "embed"} & {t for t, _ in tags.tags}
    assert tags.attrs("script", "src") == []
    assert "http" not in text.lower() and "@import" not in text and "url(" not in text


def many_routes(scenario: Scenario, n: int) -> Plan:
    """A plan whose ``n`` routes each go from a logistics point to one farm and back."""
    day = scenario.settings.planning_date
    home = scenario.logistics_points[0]

    def stop(vid: str, seq: int, place: str, kind: str, lat: float, lon: float) -> Stop:
        at = dt.datetime.combine(day, dt.time(8 + seq))
        return Stop(vid, 1, seq, place, kind, lat, lon, at, at, 0.0, 0.0)

    routes = []
    for i in range(n):
        vid, farm = f"W{i:02d}", scenario.farms[i % len(scenario.farms)]
        stops = (
            stop(vid, 0, home.logistics_point_id, "depot", home.lat, home.lon),
            stop(vid, 1, farm.farm_id, "farm", farm.lat, farm.lon),
            stop(vid, 2, home.logistics_point_id, "depot", home.lat, home.lon),
        )
        routes.append(Route(vid, home.logistics_point_id, False, stops, 10.0, 100.0))
    return Plan("many", day, PlanStatus.COMPLETE, tuple(routes), (), (), {"status": "complete"})


def test_map_is_offline_and_sheets_link_out_only_to_navigation(
    planned: tuple[Scenario, Plan],
) -> None:
    scenario, plan = planned
    files = sheet_files(plan, scenario)
    assert_offline(files[MAP_HTML].decode("utf-8"))
    for name, data in files.items():
        if name.endswith(".html"):
            text = data.decode("utf-8")
            assert all(
                link.startswith("https://uri.amap.com/navigation?") for link in web_links(text)
            )
            assert Tags(text).attrs("script", "src") == [] and "<link" not in text


def test_each_vehicle_appears_with_its_own_colour(planned: tuple[Scenario, Plan]) -> None:
    scenario, plan = planned
    for n_routes, current in ((len(plan.routes), plan), (25, many_routes(scenario, 25))):
        tags = Tags(route_map_html(current, scenario)).tags
        groups = [a["data-vehicle"] for t, a in tags if t == "g" and a.get("class") == "route"]
        legend = [a["data-vehicle"] for t, a in tags if t == "li" and "data-vehicle" in a]
        assert groups == legend == [r.vehicle_id for r in current.routes]
        strokes = [a["stroke"] for t, a in tags if t == "polyline"]
        assert len(strokes) == n_routes and len(set(strokes)) == n_routes


def test_farms_and_points_are_marked_with_titles(planned: tuple[Scenario, Plan]) -> None:
    scenario, plan = planned
    text = route_map_html(plan, scenario)
    tags = Tags(text).tags
    farms = {a["data-farm"]: a["class"] for t, a in tags if t == "circle"}
    visited = {s.stop_id for r in plan.routes for s in r.stops if s.stop_kind == "farm"}
    kinds = {f.farm_id: "farm" if f.farm_id in visited else "farm idle" for f in scenario.farms}
    assert farms == kinds
    points = [a["data-point"] for t, a in tags if t == "g" and "data-point" in a]
    assert points == [p.logistics_point_id for p in scenario.logistics_points]
    marks = sum(t in {"circle", "rect", "polyline"} for t, _ in tags)
    assert text.count("<title>") == marks + 1  # and the page's title
    for f in scenario.farms:
        if f.farm_id in visited:
            assert f.contact_phone in text


def test_colours_are_distinct_for_many_vehicles() -> None:
    colours = [vehicle_colour(i) for i in range(200)]
    assert len(set(colours)) == len(colours)
    assert colours[:20] == list(PALETTE) and len(set(PALETTE)) == 20


points = st.lists(st.tuples(st.floats(-60.0, 60.0), st.floats(-170.0, 170.0)), min_size=1)


@given(points)
def test_the_frame_shows_every_point_inside_the_margins(places: list[tuple[float, float]]) -> None:
    frame = fit_frame(places)
    for lat, lon in places:
        x, y = frame.px(lat, lon)
        assert MARGIN_PX - 1e-6 <= x <= WIDTH_PX - MARGIN_PX + 1e-6
        assert MARGIN_PX - 1e-6 <= y <= HEIGHT_PX - MARGIN_PX + 1e-6
