"""The route map's logic (agrichain.app.map): a path and stops per vehicle in the hand-over
map's colours, distinct for 20 vehicles, one vehicle highlighted, the roads driven when a
route has them, the legend, a deck that asks for no basemap; and the vehicle chosen in step 4.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from builders import REPO, tiny_app_scenario
from hypothesis import given
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from agrichain.app import inputs
from agrichain.app import map as route_map
from agrichain.handover import vehicle_colour
from agrichain.io import save_scenario
from agrichain.model import Scenario, Vehicle
from agrichain.pipeline import plan_day
from agrichain.plan import Plan

LIMITS: dict[str, Any] = {"time_limit_s": 10.0, "solution_limit": 10, "seed": 0}
#: Capacity of the refrigerated van: the bayberries only, so the peaches need the other van.
SMALL_VAN_KG = 60
#: Smallest distance (RGB units) between two of the first 20 colours: Kelly's closest pair,
#: two yellows, lies about 28 apart; the old palette's closest pairs lay under 20.
MIN_RGB_DISTANCE = 25.0


def two_van_scenario() -> Scenario:
    """The tiny instance with a small refrigerated van: its plan has two routes."""
    base = tiny_app_scenario()
    vehicles = [
        Vehicle(**{**v.model_dump(), "capacity_kg": SMALL_VAN_KG}) if v.refrigerated else v
        for v in base.vehicles
    ]
    return base.with_tables(vehicles=vehicles)


@pytest.fixture(scope="module")
def two_routes() -> tuple[Scenario, Plan]:
    scenario = two_van_scenario()
    plan = plan_day(scenario, **LIMITS)
    assert len(plan.routes) == 2
    return scenario, plan


def with_routes(plan: Plan, n: int) -> Plan:
    """``plan`` with ``n`` routes: copies of its first route under vehicle ids R00, R01, …"""
    first = plan.routes[0]
    routes = tuple(dataclasses.replace(first, vehicle_id=f"R{i:02d}") for i in range(n))
    return dataclasses.replace(plan, routes=routes)


# ----- a path and stops per vehicle, in its colour --------------------------------------


def test_each_vehicle_has_its_path_and_stops_in_its_colour(
    two_routes: tuple[Scenario, Plan],
) -> None:
    scenario, plan = two_routes
    data = route_map.map_data(scenario, plan)
    colours = route_map.vehicle_colours(plan)
    assert [p["vehicle_id"] for p in data.paths] == [r.vehicle_id for r in plan.routes]
    for route in plan.routes:
        (path,) = [p for p in data.paths if p["vehicle_id"] == route.vehicle_id]
        assert path["color"] == colours[route.vehicle_id] and not path["dimmed"]
        assert path["path"] == [[s.lon, s.lat] for s in route.stops]  # no roads: straight
        stops = [s for s in data.stops if s["vehicle_id"] == route.vehicle_id]
        assert len(stops) == len(route.stops) - 2
        assert all(s["color"] == colours[route.vehicle_id] for s in stops)
    assert colours[plan.routes[0].vehicle_id] != colours[plan.routes[1].vehicle_id]
    deck = json.loads(route_map.build_deck(data).to_json())
    (routes_layer,) = [layer for layer in deck["layers"] if layer["id"] == "routes"]
    assert {p["vehicle_id"] for p in routes_layer["data"]} == {r.vehicle_id for r in plan.routes}


def test_vehicle_colours_are_the_hand_over_maps(two_routes: tuple[Scenario, Plan]) -> None:
    _, plan = two_routes
    colours = route_map.vehicle_colours(with_routes(plan, 45))
    for i in range(45):
        assert colours[f"R{i:02d}"] == route_map.css_rgb(vehicle_colour(i))
        if i < 20:
            assert route_map.hex_colour(colours[f"R{i:02d}"]) == vehicle_colour(i)
            assert tuple(colours[f"R{i:02d}"]) == route_map.PALETTE[i]


def test_twenty_vehicles_have_twenty_distinct_colours(two_routes: tuple[Scenario, Plan]) -> None:
    _, plan = two_routes
    colours = list(route_map.vehicle_colours(with_routes(plan, 20)).values())
    assert len({tuple(c) for c in colours}) == 20
    closest = min(math.dist(a, b) for a, b in itertools.combinations(colours, 2))
    assert closest >= MIN_RGB_DISTANCE
    # none is the white of the outlines or the black of the logistics points
    assert all(min(math.dist(c, x) for x in ([255] * 3, [0] * 3)) > 40 for c in colours)
    beyond = list(route_map.vehicle_colours(with_routes(plan, 60)).values())
    assert len({tuple(c) for c in beyond}) == 60


@given(st.lists(st.integers(0, 255), min_size=3, max_size=3))
def test_css_rgb_reads_back_hex_colour(rgb: list[int]) -> None:
    assert route_map.css_rgb(route_map.hex_colour(rgb)) == rgb


def test_css_rgb_reads_hsl_and_refuses_other_text() -> None:
    assert route_map.css_rgb("hsl(0, 100%, 50%)") == [255, 0, 0]
    assert route_map.css_rgb("hsl(120.000, 100%, 25%)") == [0, 128, 0]
    with pytest.raises(ValueError, match="colour"):
        route_map.css_rgb("red")


# ----- one vehicle highlighted ------------------------------------------------------------


@pytest.mark.parametrize("chosen_index", [0, 1])
def test_a_chosen_vehicle_alone_is_highlighted(
    two_routes: tuple[Scenario, Plan], chosen_index: int
) -> None:
    scenario, plan = two_routes
    chosen = plan.routes[chosen_index].vehicle_id
    colours = route_map.vehicle_colours(plan)
    data = route_map.map_data(scenario, plan, vehicle_id=chosen)
    assert data.paths[-1]["vehicle_id"] == chosen  # drawn last: on top
    for record in data.paths + data.stops:
        rgb = colours[record["vehicle_id"]]
        if record["vehicle_id"] == chosen:
            assert not record["dimmed"] and record["color"] == rgb
        else:
            assert record["dimmed"] and record["color"] == [*rgb, route_map.DIM_ALPHA]
    assert sum(not p["dimmed"] for p in data.paths) == 1
    chosen_stops = [s for s in data.stops if not s["dimmed"]]
    assert len(chosen_stops) == len(plan.routes[chosen_index].stops) - 2
    assert all(s["line"][-1] == route_map.DIM_ALPHA for s in data.stops if s["dimmed"])
    # the same places and view as with every vehicle: only the emphasis changes
    everyone = route_map.map_data(scenario, plan)
    assert (data.farms, data.view) == (everyone.farms, everyone.view)


@pytest.mark.parametrize("vehicle_id", [None, "no such vehicle"])
def test_without_a_chosen_vehicle_of_the_plan_none_is_dimmed(
    two_routes: tuple[Scenario, Plan], vehicle_id: str | None
) -> None:
    scenario, plan = two_routes
    data = route_map.map_data(scenario, plan, vehicle_id=vehicle_id)
    assert not any(r["dimmed"] for r in data.paths + data.stops)
    assert [p["vehicle_id"] for p in data.paths] == [r.vehicle_id for r in plan.routes]


# ----- roads ------------------------------------------------------------------------------


def test_a_route_with_roads_is_drawn_along_them(two_routes: tuple[Scenario, Plan]) -> None:
    scenario, plan = two_routes
    first, second = plan.routes
    stops = [(s.lat, s.lon) for s in first.stops]
    # a bend halfway between each pair of stops, as a road would make
    roads = [stops[0]]
    for (lat0, lon0), (lat1, lon1) in itertools.pairwise(stops):
        roads += [((lat0 + lat1) / 2 + 0.01, (lon0 + lon1) / 2), (lat1, lon1)]
    on_roads = dataclasses.replace(first, path=tuple(roads))
    plan = dataclasses.replace(plan, routes=(on_roads, second))
    data = route_map.map_data(scenario, plan)
    drawn = {p["vehicle_id"]: p for p in data.paths}
    assert drawn[first.vehicle_id]["path"] == [[lon, lat] for lat, lon in roads]
    assert drawn[first.vehicle_id]["on_roads"] and not drawn[second.vehicle_id]["on_roads"]
    assert drawn[second.vehicle_id]["path"] == [[s.lon, s.lat] for s in second.stops]
    assert route_map.route_line(second) == [[s.lon, s.lat] for s in second.stops]
    assert "along the roads" in route_map.legend_html(plan, route_map.vehicle_colours(plan))
    # an empty path: straight lines between the stops again
    empty = dataclasses.replace(on_roads, path=())
    assert route_map.route_line(empty) == [[s.lon, s.lat] for s in first.stops]


# ----- the legend -------------------------------------------------------------------------


def legend_rows(legend: str) -> dict[str, str]:
    return dict(re.findall(r"<tr data-vehicle='([^']*)'(.*?)</tr>", legend))


def test_the_legend_has_a_row_per_vehicle(two_routes: tuple[Scenario, Plan]) -> None:
    _, plan = two_routes
    colours = route_map.vehicle_colours(plan)
    legend = route_map.legend_html(plan, colours)
    rows = legend_rows(legend)
    assert list(rows) == [r.vehicle_id for r in plan.routes]
    for r in plan.routes:
        row = rows[r.vehicle_id]
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
        assert route_map.hex_colour(colours[r.vehicle_id]) in cells[0]
        assert cells[1].startswith(r.vehicle_id) and ("❄" in cells[1]) == r.refrigerated
        assert cells[2:] == [str(len(r.stops) - 2), f"{r.distance_km:,.1f}"]
        assert "opacity" not in row and "bold" not in row
    assert "straight between stops" in legend
    chosen = plan.routes[1].vehicle_id
    rows = legend_rows(route_map.legend_html(plan, colours, chosen))
    assert "font-weight:bold" in rows[chosen] and "opacity" not in rows[chosen]
    assert all("opacity" in row for v, row in rows.items() if v != chosen)


# ----- no basemap, no request -------------------------------------------------------------


def test_the_deck_asks_for_no_basemap_unless_one_is_given(
    two_routes: tuple[Scenario, Plan],
) -> None:
    scenario, plan = two_routes
    data = route_map.map_data(scenario, plan)
    offline = json.loads(route_map.build_deck(data).to_json())
    # Streamlit draws its theme's CARTO basemap for a missing style, none for this one
    assert offline["mapStyle"] == route_map.NO_BASEMAP_STYLE and "mapProvider" not in offline
    assert "http" not in json.dumps({k: v for k, v in offline.items() if k != "layers"})
    styled = json.loads(route_map.build_deck(data, "http://tiles.local/style.json").to_json())
    assert styled["mapStyle"] == "http://tiles.local/style.json"


# ----- step 4: the vehicle shown ----------------------------------------------------------


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    """The page on the two-van scenario, planned (the tiny one is bundled too)."""
    save_scenario(two_van_scenario(), tmp_path / "instances" / "two_vans")
    save_scenario(tiny_app_scenario(), tmp_path / "instances" / "tiny")
    monkeypatch.setenv(inputs.INSTANCES_ENV, str(tmp_path / "instances"))
    monkeypatch.setenv(inputs.DEFAULT_INSTANCE_ENV, "two_vans")
    monkeypatch.delenv(route_map.MAP_STYLE_ENV, raising=False)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.run()
    at.button(key="plan_button").click().run()
    assert not at.exception, [e.value for e in at.exception]
    yield at
    job = at.session_state.get("job")
    if job is not None:
        job.cancel()


def shown_deck(at: AppTest) -> dict[str, Any]:
    """The route map of step 4 (the deck with a ``routes`` layer)."""
    decks = [json.loads(c.proto.json) for c in at.get("deck_gl_json_chart")]  # type: ignore[attr-defined]
    (deck,) = [d for d in decks if any(layer["id"] == "routes" for layer in d["layers"])]
    return deck  # type: ignore[no-any-return]


def dimmed_by_vehicle(deck: dict[str, Any]) -> dict[str, bool]:
    (routes_layer,) = [layer for layer in deck["layers"] if layer["id"] == "routes"]
    return {p["vehicle_id"]: p["dimmed"] for p in routes_layer["data"]}


def test_step_4_shows_one_vehicle_with_the_others_dimmed(
    app: AppTest, two_routes: tuple[Scenario, Plan]
) -> None:
    _, plan = two_routes
    ids = [r.vehicle_id for r in plan.routes]
    box = app.selectbox(key="map_vehicle")
    assert box.options == ["all vehicles", *ids] and box.value is None
    assert dimmed_by_vehicle(shown_deck(app)) == dict.fromkeys(ids, False)
    assert shown_deck(app)["mapStyle"] == route_map.NO_BASEMAP_STYLE
    legend = next(m.value for m in app.markdown if "data-vehicle" in m.value)
    assert list(legend_rows(legend)) == ids
    box.select(ids[1]).run()
    assert not app.exception, [e.value for e in app.exception]
    assert dimmed_by_vehicle(shown_deck(app)) == {ids[0]: True, ids[1]: False}
    legend = next(m.value for m in app.markdown if "data-vehicle" in m.value)
    assert "font-weight:bold" in legend_rows(legend)[ids[1]]
    app.selectbox(key="map_vehicle").select(None).run()
    assert dimmed_by_vehicle(shown_deck(app)) == dict.fromkeys(ids, False)


def test_a_chosen_vehicle_missing_from_a_new_plan_falls_back_to_all(
    app: AppTest, two_routes: tuple[Scenario, Plan]
) -> None:
    _, plan = two_routes
    tiny_ids = {r.vehicle_id for r in plan_day(tiny_app_scenario(), **LIMITS).routes}
    (gone,) = {r.vehicle_id for r in plan.routes} - tiny_ids
    app.selectbox(key="map_vehicle").select(gone).run()
    assert dimmed_by_vehicle(shown_deck(app))[gone] is False
    app.selectbox(key="instance").select("tiny").run()
    app.button(key="load_instance").click().run()
    app.button(key="plan_button").click().run()
    assert not app.exception, [e.value for e in app.exception]
    box = app.selectbox(key="map_vehicle")
    assert box.value is None and box.options == ["all vehicles", *sorted(tiny_ids)]
    assert dimmed_by_vehicle(shown_deck(app)) == dict.fromkeys(tiny_ids, False)
