"""Handing the plan over: each driver's route sheet (CSV, printable HTML) and the zips."""

from __future__ import annotations

import html
import io
import zipfile
from collections.abc import Mapping
from typing import Any

import pandas as pd

from agrichain.app.labels import hhmm, place_name
from agrichain.io import plan_files
from agrichain.model import Scenario
from agrichain.plan import Plan, Route, Stop, TaskOutcome

ROUTE_SHEET_COLUMNS = [
    "vehicle_id",
    "trip",
    "stop",
    "place_id",
    "place_name",
    "stop_kind",
    "lat",
    "lon",
    "arrival",
    "departure",
    "action",
    "task_id",
    "product_id",
    "product_name",
    "kg",
    "load_after_kg",
]
#: Time stamp of every file in the zips, so equal plans give equal bytes.
ZIP_TIME = (2000, 1, 1, 0, 0, 0)

SHEET_CSS = """
body { font-family: system-ui, "Noto Sans", "Noto Sans CJK SC", sans-serif; margin: 1.5em; }
h1 { font-size: 1.4em; margin-bottom: 0.2em; }
.meta { color: #444; margin-bottom: 1em; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1.2em; table-layout: fixed; }
th, td { border: 1px solid #999; padding: 4px 6px; vertical-align: top; text-align: left; }
th { background: #eee; }
td.num { text-align: right; white-space: nowrap; }
td.tick { width: 2em; }
ul { margin: 0; padding-left: 1.1em; }
@media print { body { margin: 0.5cm; } tr { page-break-inside: avoid; } }
"""

_TRIP_TABLE_HEAD = (
    "<table><colgroup>"
    + "".join(f'<col style="width:{w}%">' for w in (4, 22, 16, 7, 7, 30, 9, 5))
    + "</colgroup><thead><tr><th>#</th><th>Place</th><th>Coordinates</th><th>Arrive</th>"
    "<th>Leave</th><th>Load / unload</th><th>On board after</th><th>Done</th></tr>"
    "</thead><tbody>"
)


def download_stem(plan: Plan) -> str:
    """File name stem of the plan's downloads: ``plan_<scenario>_<yyyymmdd>``."""
    return f"plan_{plan.scenario_name}_{plan.planning_date:%Y%m%d}"


def _route(plan: Plan, vehicle_id: str) -> Route:
    route = next((r for r in plan.routes if r.vehicle_id == vehicle_id), None)
    if route is None:
        raise ValueError(f"vehicle '{vehicle_id}' has no route in this plan")
    return route


def route_sheet_frame(plan: Plan, scenario: Scenario, vehicle_id: str) -> pd.DataFrame:
    """One driver's day: a row per task at each stop (load at farms, unload at hubs)."""
    route = _route(plan, vehicle_id)
    tasks = {t.task_id: t for t in plan.tasks}
    rows: list[dict[str, Any]] = []
    last = len(route.stops) - 1
    for k, s in enumerate(route.stops):
        base = {
            "vehicle_id": route.vehicle_id,
            "trip": s.trip,
            "stop": s.seq,
            "place_id": s.stop_id,
            "place_name": place_name(scenario, s.stop_id),
            "stop_kind": s.stop_kind,
            "lat": s.lat,
            "lon": s.lon,
            "arrival": s.arrival.strftime("%Y-%m-%d %H:%M"),
            "departure": s.departure.strftime("%Y-%m-%d %H:%M"),
            "load_after_kg": round(s.load_kg, 3),
        }
        action = "load" if s.stop_kind == "farm" else "unload"
        for tid in s.task_ids:
            product = scenario.product.get(tasks[tid].product_id)
            rows.append(
                {
                    **base,
                    "action": action,
                    "task_id": tid,
                    "product_id": tasks[tid].product_id,
                    "product_name": product.name if product else "",
                    "kg": round(tasks[tid].kg, 3),
                }
            )
        if not s.task_ids:
            action = "start" if k == 0 else "end" if k == last else ""
            rows.append({**base, "action": action, "task_id": "", "product_id": "",
                         "product_name": "", "kg": None})  # fmt: skip
    return pd.DataFrame(rows, columns=ROUTE_SHEET_COLUMNS)


def route_sheet_csv(plan: Plan, scenario: Scenario, vehicle_id: str) -> bytes:
    """The route sheet as UTF-8 CSV (with a byte-order mark, so spreadsheets read it)."""
    frame = route_sheet_frame(plan, scenario, vehicle_id)
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8-sig")


def _stop_work(
    scenario: Scenario, tasks: Mapping[str, TaskOutcome], stop: Stop, first: bool, last: bool
) -> str:
    """What the driver does at a stop, as HTML list items."""
    e = html.escape
    if not stop.task_ids:
        return "<li>Start of shift</li>" if first else "<li>End of shift</li>" if last else ""
    verb = "Load" if stop.stop_kind == "farm" else "Unload"
    items = []
    for tid in stop.task_ids:
        t = tasks[tid]
        product = scenario.product.get(t.product_id)
        pname = f" {product.name}" if product and product.name else ""
        items.append(
            f"<li>{verb} <b>{t.kg:,.1f} kg</b> {e(t.product_id)}{e(pname)} "
            f"<small>({e(tid)})</small></li>"
        )
    return "".join(items)


def _trip_lines(plan: Plan, scenario: Scenario, route: Route, trip: int) -> list[str]:
    """One trip's stops as an HTML table with a tick column, a line per row."""
    e = html.escape
    day = plan.planning_date
    tasks = {t.task_id: t for t in plan.tasks}
    last = len(route.stops) - 1
    rows = [
        f"<tr><td class='num'>{s.seq}</td>"
        f"<td><b>{e(s.stop_id)}</b> {e(place_name(scenario, s.stop_id))}"
        f"<br><small>{e(s.stop_kind.replace('_', ' '))}</small></td>"
        f"<td class='num'>{s.lat:.5f}, {s.lon:.5f}</td>"
        f"<td class='num'>{e(hhmm(s.arrival, day))}</td>"
        f"<td class='num'>{e(hhmm(s.departure, day))}</td>"
        f"<td><ul>{_stop_work(scenario, tasks, s, k == 0, k == last)}</ul></td>"
        f"<td class='num'>{s.load_kg:,.1f} kg</td><td class='tick'></td></tr>"
        for k, s in enumerate(route.stops)
        if s.trip == trip
    ]
    return [f"<h2>Trip {trip}</h2>", _TRIP_TABLE_HEAD, *rows, "</tbody></table>"]


def _collect_lines(plan: Plan, route: Route) -> list[str]:
    """kg to collect per product over the route as an HTML table (none without farms)."""
    tasks = {t.task_id: t for t in plan.tasks}
    totals: dict[str, float] = {}
    for s in route.stops:
        if s.stop_kind == "farm":
            for tid in s.task_ids:
                pid = tasks[tid].product_id
                totals[pid] = totals.get(pid, 0.0) + tasks[tid].kg
    if not totals:
        return []
    rows = [
        f"<tr><td>{html.escape(pid)}</td><td class='num'>{kg:,.1f}</td></tr>"
        for pid, kg in sorted(totals.items())
    ]
    return [
        "<h2>To collect today</h2><table><tr><th>Product</th><th>kg</th></tr>",
        *rows,
        "</table>",
    ]


def _meta_lines(plan: Plan, scenario: Scenario, route: Route) -> list[str]:
    """The sheet's header block: scenario, home, vehicle, times, distance, load."""
    e = html.escape
    day = plan.planning_date
    home = route.home_logistics_point_id
    vehicle = scenario.vehicle.get(route.vehicle_id)
    return [
        '<div class="meta">',
        f"Scenario {e(plan.scenario_name)} · home {e(home)} {e(place_name(scenario, home))} · "
        f"{'refrigerated' if route.refrigerated else 'not refrigerated'}"
        + (f" · capacity {vehicle.capacity_kg:,.0f} kg" if vehicle else "")
        + f"<br>Leave {e(hhmm(route.start, day))}, back {e(hhmm(route.end, day))} · "
        f"{route.distance_km:,.1f} km · {len(route.stops) - 2} stops · {route.trips} trip(s) · "
        f"{route.kg_collected:,.1f} kg to collect",
        "</div>",
    ]


def route_sheet_html(plan: Plan, scenario: Scenario, vehicle_id: str) -> str:
    """A printable page for the driver: stops in order, place, times, what to load/unload."""
    route = _route(plan, vehicle_id)
    title = html.escape(f"Route sheet {vehicle_id} — {plan.planning_date.isoformat()}")
    body = [f"<h1>{title}</h1>", *_meta_lines(plan, scenario, route)]
    for trip in range(1, route.trips + 1):
        body += _trip_lines(plan, scenario, route, trip)
    body += _collect_lines(plan, route)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>{SHEET_CSS}</style></head><body>"
        + "\n".join(body)
        + "</body></html>\n"
    )


def _zip(files: Mapping[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()


def plan_zip(plan: Plan) -> bytes:
    """The plan's output files (what the CLI writes) as one zip."""
    return _zip(plan_files(plan))


def route_sheets_zip(plan: Plan, scenario: Scenario) -> bytes:
    """Every driver's route sheet, CSV and HTML, as one zip."""
    files: dict[str, bytes] = {}
    for r in plan.routes:
        files[f"{r.vehicle_id}.csv"] = route_sheet_csv(plan, scenario, r.vehicle_id)
        page = route_sheet_html(plan, scenario, r.vehicle_id)
        files[f"{r.vehicle_id}.html"] = page.encode("utf-8")
    return _zip(files)


__all__ = [
    "ROUTE_SHEET_COLUMNS",
    "SHEET_CSS",
    "ZIP_TIME",
    "download_stem",
    "plan_zip",
    "route_sheet_csv",
    "route_sheet_frame",
    "route_sheet_html",
    "route_sheets_zip",
]
