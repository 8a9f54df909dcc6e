"""A driver's route sheet as a table: a row per task at each stop (CSV for spreadsheets)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from agrichain.handover.text import place_contact, place_name, route_of
from agrichain.model import Scenario
from agrichain.plan import Plan

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
    "contact_name",
    "contact_phone",
]


def route_sheet_frame(plan: Plan, scenario: Scenario, vehicle_id: str) -> pd.DataFrame:
    """One driver's day: a row per task at each stop (load at farms, unload at hubs)."""
    route = route_of(plan, vehicle_id)
    tasks = {t.task_id: t for t in plan.tasks}
    rows: list[dict[str, Any]] = []
    last = len(route.stops) - 1
    for k, s in enumerate(route.stops):
        contact = place_contact(scenario, s.stop_id)
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
            "contact_name": contact.name,
            "contact_phone": contact.phone,
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


__all__ = ["ROUTE_SHEET_COLUMNS", "route_sheet_csv", "route_sheet_frame"]
