"""A driver's printable route sheet (HTML with print CSS, A4).

Head: driver, phone, plate, date, vehicle, the day's times and load. Per trip a table of
the stops in order: place and its contact, arrival and departure, what to load or unload
(task, product, kg), the load on board after it, navigation links (Amap and ``geo:``) and
a *Done* box to tick. At the end the kg to collect per product and the signature lines of
the driver and of each receiving logistics point. The page loads nothing from elsewhere.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping

from agrichain.handover.navigation import amap_navigation_uri, geo_uri
from agrichain.handover.text import hhmm, place_contact, place_name, route_of, tel_uri
from agrichain.model import Scenario, Vehicle
from agrichain.plan import Plan, Route, Stop, TaskOutcome

SHEET_CSS = """
body { font-family: system-ui, "Noto Sans", "Noto Sans CJK SC", sans-serif; margin: 1.5em;
       font-size: 11pt; }
h1 { font-size: 1.4em; margin-bottom: 0.3em; }
h2 { font-size: 1.1em; margin: 1em 0 0.3em; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1em; table-layout: fixed; }
th, td { border: 1px solid #999; padding: 4px 6px; vertical-align: top; text-align: left; }
th { background: #eee; }
table.head th { width: 12%; }
table.collect { width: auto; min-width: 20em; }
td.num { text-align: right; white-space: nowrap; }
td.done { text-align: center; }
.tick-box { display: inline-block; width: 1.2em; height: 1.2em; border: 1.5px solid #000; }
.blank { display: inline-block; min-width: 12em; border-bottom: 1px solid #000; }
td.line { height: 2.2em; }
.contact { margin-top: 0.2em; }
a.nav { display: inline-block; margin: 0 0.3em 0.2em 0; }
small { color: #444; }
ul { margin: 0; padding-left: 1.1em; }
@page { size: A4; margin: 12mm; }
@media print {
  body { margin: 0; font-size: 10pt; }
  tr { page-break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  table.sign { page-break-inside: avoid; }
}
"""

_TRIP_TABLE_HEAD = (
    "<table class='stops'><colgroup>"
    + "".join(f'<col style="width:{w}%">' for w in (4, 27, 7, 7, 27, 9, 12, 7))
    + "</colgroup><thead><tr><th>#</th><th>Place · contact</th><th>Arrive</th>"
    "<th>Leave</th><th>Load / unload</th><th>On board after</th><th>Navigate</th>"
    "<th>Done</th></tr></thead><tbody>"
)
_BLANK = "<span class='blank'></span>"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _time(when: dt.datetime, day: dt.date, css: str) -> str:
    """A time of day with the full date and time in its ``datetime`` attribute."""
    return f"<time class='{css}' datetime='{when.isoformat()}'>{_e(hhmm(when, day))}</time>"


def _phone(phone: str) -> str:
    return f"<a class='tel' href='{_e(tel_uri(phone))}'>{_e(phone)}</a>" if phone else ""


def _stop_work(
    scenario: Scenario, tasks: Mapping[str, TaskOutcome], stop: Stop, first: bool, last: bool
) -> str:
    """What the driver does at a stop, as HTML list items."""
    if not stop.task_ids:
        return "<li>Start of shift</li>" if first else "<li>End of shift</li>" if last else ""
    verb = "Load" if stop.stop_kind == "farm" else "Unload"
    items = []
    for tid in stop.task_ids:
        t = tasks[tid]
        product = scenario.product.get(t.product_id)
        pname = f" {product.name}" if product and product.name else ""
        items.append(
            f"<li>{verb} <b>{t.kg:,.1f} kg</b> {_e(t.product_id)}{_e(pname)} "
            f"<small>({_e(tid)})</small></li>"
        )
    return "".join(items)


def _place_cell(scenario: Scenario, stop: Stop) -> str:
    """Place id, name, kind and coordinates, and whom to call there."""
    name = place_name(scenario, stop.stop_id)
    contact = place_contact(scenario, stop.stop_id)
    who = " · ".join(x for x in (_e(contact.name), _phone(contact.phone)) if x)
    return (
        f"<b>{_e(stop.stop_id)}</b> {_e(name)}<br><small>{_e(stop.stop_kind.replace('_', ' '))}"
        f" · {stop.lat:.5f}, {stop.lon:.5f}</small>"
        + (f"<div class='contact'>☎ {who}</div>" if who else "")
    )


def _nav_cell(scenario: Scenario, stop: Stop) -> str:
    """Navigation links to a farm or logistics point (none for the depot)."""
    if stop.stop_kind == "depot":
        return "—"
    label = place_name(scenario, stop.stop_id) or stop.stop_id
    amap = amap_navigation_uri(stop.lat, stop.lon, label)
    geo = geo_uri(stop.lat, stop.lon, label)
    return (
        f"<a class='nav amap' href='{_e(amap)}'>Amap 高德</a>"
        f"<a class='nav geo' href='{_e(geo)}'>geo</a>"
    )


def _trip_lines(plan: Plan, scenario: Scenario, route: Route, trip: int) -> list[str]:
    """One trip's stops as an HTML table with a tick box per stop, a line per row."""
    day = plan.planning_date
    tasks = {t.task_id: t for t in plan.tasks}
    last = len(route.stops) - 1
    rows = [
        f"<tr class='stop' data-seq='{s.seq}' data-stop-id='{_e(s.stop_id)}' "
        f"data-kind='{_e(s.stop_kind)}'><td class='num'>{s.seq}</td>"
        f"<td>{_place_cell(scenario, s)}</td>"
        f"<td class='num'>{_time(s.arrival, day, 'arrival')}</td>"
        f"<td class='num'>{_time(s.departure, day, 'departure')}</td>"
        f"<td><ul>{_stop_work(scenario, tasks, s, k == 0, k == last)}</ul></td>"
        f"<td class='num'>{s.load_kg:,.1f} kg</td><td>{_nav_cell(scenario, s)}</td>"
        "<td class='done'><span class='tick-box' role='checkbox' aria-checked='false' "
        "aria-label='done'></span></td></tr>"
        for k, s in enumerate(route.stops)
        if s.trip == trip
    ]
    return [f"<h2>Trip {trip}</h2>", _TRIP_TABLE_HEAD, *rows, "</tbody></table>"]


def _kg_by(plan: Plan, route: Route, kind: str, key: str) -> dict[str, float]:
    """kg of the route's tasks at stops of ``kind``, summed by a task attribute."""
    tasks = {t.task_id: t for t in plan.tasks}
    totals: dict[str, float] = {}
    for s in route.stops:
        if s.stop_kind == kind:
            for tid in s.task_ids:
                k = str(getattr(tasks[tid], key))
                totals[k] = totals.get(k, 0.0) + tasks[tid].kg
    return totals


def _collect_lines(plan: Plan, route: Route) -> list[str]:
    """kg to collect per product over the route as an HTML table (none without farms)."""
    totals = _kg_by(plan, route, "farm", "product_id")
    if not totals:
        return []
    rows = [
        f"<tr><td>{_e(pid)}</td><td class='num'>{kg:,.1f}</td></tr>"
        for pid, kg in sorted(totals.items())
    ]
    return [
        "<h2>To collect today</h2><table class='collect'><tr><th>Product</th><th>kg</th></tr>",
        *rows,
        "</table>",
    ]


def _signature_lines(
    plan: Plan, scenario: Scenario, route: Route, vehicle: Vehicle | None
) -> list[str]:
    """Signature lines: the driver's, and one per logistics point receiving goods."""
    driver = vehicle.driver_name if vehicle else ""
    rows = [
        "<tr class='signature' data-role='driver'><td>Driver</td>"
        f"<td>{_e(driver)}</td>"
        f"<td class='num'>{route.kg_collected:,.1f} kg collected</td>"
        "<td class='line'></td><td class='line'></td></tr>"
    ]
    received = _kg_by(plan, route, "logistics_point", "logistics_point_id") or {"": 0.0}
    for lp, kg in received.items():
        place = f"{_e(lp)} {_e(place_name(scenario, lp))}".strip()
        rows.append(
            "<tr class='signature' data-role='receiving point'>"
            f"<td>Receiving point {place}</td><td class='line'></td>"
            f"<td class='num'>{kg:,.1f} kg received</td><td class='line'></td>"
            "<td class='line'></td></tr>"
        )
    return [
        "<h2>Signatures</h2><table class='sign'><colgroup>"
        + "".join(f'<col style="width:{w}%">' for w in (30, 22, 16, 20, 12))
        + "</colgroup><tr><th>Who</th><th>Name</th><th>kg</th><th>Signature</th>"
        "<th>Time</th></tr>",
        *rows,
        "</table>",
    ]


def _head_lines(plan: Plan, scenario: Scenario, route: Route, vehicle: Vehicle | None) -> list[str]:
    """The sheet's head: driver, plate, date, vehicle, home, and the day's figures."""
    day = plan.planning_date
    home = route.home_logistics_point_id
    driver = _e(vehicle.driver_name) if vehicle and vehicle.driver_name else _BLANK
    phone = _phone(vehicle.driver_phone) if vehicle else ""
    plate = _e(vehicle.plate) if vehicle and vehicle.plate else _BLANK
    kind = "refrigerated" if route.refrigerated else "not refrigerated"
    capacity = f" · {vehicle.capacity_kg:,.0f} kg" if vehicle else ""
    return [
        "<table class='head'>",
        f"<tr><th>Driver</th><td class='driver'>{driver}"
        + (f" · {phone}" if phone else "")
        + f"</td><th>Plate</th><td class='plate'>{plate}</td></tr>",
        f"<tr><th>Date</th><td class='date'>{day.isoformat()}</td><th>Vehicle</th>"
        f"<td class='vehicle'>{_e(route.vehicle_id)} · {kind}{capacity}</td></tr>",
        f"<tr><th>Home</th><td>{_e(home)} {_e(place_name(scenario, home))}</td><th>Day</th>"
        f"<td>leave {_e(hhmm(route.start, day))}, back {_e(hhmm(route.end, day))} · "
        f"{route.distance_km:,.1f} km · {len(route.stops) - 2} stops · {route.trips} trip(s) · "
        f"{route.kg_collected:,.1f} kg to collect</td></tr>",
        "</table>",
    ]


def page(title: str, css: str, body: list[str], lang: str = "en") -> str:
    """A whole HTML page with inline CSS (nothing loaded from elsewhere)."""
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{css}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def route_sheet_html(plan: Plan, scenario: Scenario, vehicle_id: str) -> str:
    """A printable page for the driver: stops in order, contacts, times, what to load or
    unload, navigation links, tick boxes and signature lines."""
    route = route_of(plan, vehicle_id)
    vehicle = scenario.vehicle.get(route.vehicle_id)
    title = f"Route sheet {vehicle_id} — {plan.planning_date.isoformat()}"
    body = [
        f"<h1>{_e(title)}</h1>",
        f"<p><small>Scenario {_e(plan.scenario_name)}</small></p>",
        *_head_lines(plan, scenario, route, vehicle),
    ]
    for trip in range(1, route.trips + 1):
        body += _trip_lines(plan, scenario, route, trip)
    body += _collect_lines(plan, route)
    body += _signature_lines(plan, scenario, route, vehicle)
    return page(title, SHEET_CSS, body)


__all__ = ["SHEET_CSS", "page", "route_sheet_html"]
