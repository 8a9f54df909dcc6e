"""Each driver's printable sheet: driver, plate, contacts, times, tasks, links, signatures."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from builders import INSTANCES

from agrichain.handover import (
    INDEX_HTML,
    MAP_HTML,
    route_sheet_frame,
    route_sheet_html,
    sheet_files,
    sheet_stems,
    wgs84_to_gcj02,
)
from agrichain.io import load_scenario
from agrichain.model import Scenario
from agrichain.plan import Plan, Route


@dataclass
class StopRow:
    """A stop's row of a sheet as the tests read it."""

    seq: int
    stop_id: str
    kind: str
    times: dict[str, str] = field(default_factory=dict)
    links: list[str] = field(default_factory=list)
    boxes: int = 0
    text: list[str] = field(default_factory=list)


class Parsed(HTMLParser):
    """The parts of a sheet the tests read: stop rows with their cells' times and links,
    signature rows, text, and every src/href."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.rows: list[StopRow] = []
        self.signatures: list[str] = []
        self.links: list[str] = []
        self.text: list[str] = []
        self._row: StopRow | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.links += [a[k] for k in ("src", "href") if k in a]
        row = self._row
        if tag == "tr" and a.get("class") == "stop":
            self._row = StopRow(int(a["data-seq"]), a["data-stop-id"], a["data-kind"])
            self.rows.append(self._row)
        elif tag == "tr" and a.get("class") == "signature":
            self.signatures.append(a["data-role"])
        elif row is not None and tag == "time":
            row.times[a["class"]] = a["datetime"]
        elif row is not None and tag == "a" and "nav" in a.get("class", ""):
            row.links.append(a["href"])
        elif row is not None and "tick-box" in a.get("class", ""):
            row.boxes += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr":
            self._row = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._row is not None:
            self._row.text.append(data)

    def all_text(self) -> str:
        return "".join(self.text)


def sheet(plan: Plan, scenario: Scenario, route: Route) -> Parsed:
    return Parsed(route_sheet_html(plan, scenario, route.vehicle_id))


def test_each_used_vehicle_has_a_sheet(planned: tuple[Scenario, Plan]) -> None:
    scenario, plan = planned
    assert plan.routes
    files = sheet_files(plan, scenario)
    stems = sheet_stems(r.vehicle_id for r in plan.routes)
    expected = {f"{stems[r.vehicle_id]}.{ext}" for r in plan.routes for ext in ("html", "csv")}
    assert set(files) == expected | {INDEX_HTML, MAP_HTML}
    index = Parsed(files[INDEX_HTML].decode("utf-8"))
    for r in plan.routes:
        assert f"{stems[r.vehicle_id]}.html" in index.links
        vehicle = scenario.vehicle[r.vehicle_id]
        assert vehicle.driver_name in index.all_text() and vehicle.plate in index.all_text()
    unused = {v.vehicle_id for v in scenario.vehicles} - {r.vehicle_id for r in plan.routes}
    assert not {f"{v}.html" for v in unused} & set(files)


def test_sheet_names_driver_plate_date_and_farm_contacts(planned: tuple[Scenario, Plan]) -> None:
    scenario, plan = planned
    for route in plan.routes:
        parsed = sheet(plan, scenario, route)
        text = parsed.all_text()
        vehicle = scenario.vehicle[route.vehicle_id]
        for value in (vehicle.driver_name, vehicle.driver_phone, vehicle.plate):
            assert value in text
        assert plan.planning_date.isoformat() in text
        for row in parsed.rows:
            row_text = "".join(row.text)
            farm = scenario.farm.get(row.stop_id)
            if farm is not None:
                assert farm.contact_name in row_text and farm.contact_phone in row_text
        assert f"tel:+861380576{1000 + scenario.vehicles.index(vehicle)}" in parsed.links


def test_signature_lines_for_the_driver_and_each_receiving_point(
    planned: tuple[Scenario, Plan],
) -> None:
    scenario, plan = planned
    for route in plan.routes:
        parsed = sheet(plan, scenario, route)
        receivers = {t.logistics_point_id for t in plan.tasks if t.vehicle_id == route.vehicle_id}
        assert parsed.signatures == ["driver"] + ["receiving point"] * len(receivers)


def test_every_stop_in_order_with_the_plans_times_and_a_done_box(
    planned: tuple[Scenario, Plan],
) -> None:
    scenario, plan = planned
    for route in plan.routes:
        rows = sheet(plan, scenario, route).rows
        assert [(r.seq, r.stop_id, r.kind) for r in rows] == [
            (s.seq, s.stop_id, s.stop_kind) for s in route.stops
        ]
        for row, stop in zip(rows, route.stops, strict=True):
            assert row.times == {
                "arrival": stop.arrival.isoformat(),
                "departure": stop.departure.isoformat(),
            }
            assert row.boxes == 1
            assert stop.arrival.strftime("%H:%M") in "".join(row.text)


def test_one_navigation_link_per_non_depot_stop(planned: tuple[Scenario, Plan]) -> None:
    scenario, plan = planned
    for route in plan.routes:
        parsed = sheet(plan, scenario, route)
        amap = [link for link in parsed.links if link.startswith("https://uri.amap.com/")]
        assert len(amap) == sum(s.stop_kind != "depot" for s in route.stops)
        for row, stop in zip(parsed.rows, route.stops, strict=True):
            if stop.stop_kind == "depot":
                assert row.links == []
                continue
            web, geo = row.links
            query = parse_qs(urlsplit(web).query)
            lon, lat, name = query["to"][0].split(",")
            want_lat, want_lon = wgs84_to_gcj02(stop.lat, stop.lon)
            assert (float(lat), float(lon)) == pytest.approx((want_lat, want_lon), abs=1e-6)
            assert query["mode"] == ["car"] and query["coordinate"] == ["gaode"]
            place = scenario.farm.get(stop.stop_id) or scenario.logistics_point[stop.stop_id]
            assert name == place.name.replace(",", " ")
            assert geo.startswith(f"geo:{stop.lat:.6f},{stop.lon:.6f}?q=")
            assert unquote(geo).endswith(f"({place.name.replace(',', ' ')})")


def test_what_to_load_and_unload_matches_the_tasks(planned: tuple[Scenario, Plan]) -> None:
    scenario, plan = planned
    for route in plan.routes:
        page = route_sheet_html(plan, scenario, route.vehicle_id)
        mine = [t for t in plan.tasks if t.vehicle_id == route.vehicle_id]
        assert page.count("<li>Load ") == page.count("<li>Unload ") == len(mine)
        for t in mine:
            assert f"<b>{t.kg:,.1f} kg</b> {t.product_id}" in page and f"({t.task_id})" in page
        frame = route_sheet_frame(plan, scenario, route.vehicle_id)
        farms = frame[frame["stop_kind"] == "farm"]
        phones = {f.farm_id: f.contact_phone for f in scenario.farms}
        assert (farms["contact_phone"] == farms["place_id"].map(phones)).all()


def test_a_sheet_without_contacts_leaves_lines_to_fill_in(small_plan: Plan) -> None:
    scenario = load_scenario(INSTANCES / "small")
    blank = {"driver_name": "", "driver_phone": "", "plate": ""}
    bare = scenario.with_tables(
        vehicles=[v.model_copy(update=blank) for v in scenario.vehicles],
        farms=[
            f.model_copy(update={"contact_name": "", "contact_phone": ""}) for f in scenario.farms
        ],
    )
    route = small_plan.routes[0]
    page = route_sheet_html(small_plan, bare, route.vehicle_id)
    assert page.count("class='blank'") == 2  # driver and plate
    assert "☎" not in page and "tel:" not in page


def test_names_are_escaped(small: Scenario, small_plan: Plan) -> None:
    route = small_plan.routes[0]
    page = route_sheet_html(small_plan, small, route.vehicle_id)
    assert "农户" in page and "&amp; Co" in page and "& Co" not in page
