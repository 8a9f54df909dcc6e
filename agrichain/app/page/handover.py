"""Step 5 · hand over: the plan as a zip and each driver's route sheet."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from agrichain import handover
from agrichain.app import jobs, sheets
from agrichain.app.page import state


def show(result: jobs.PlanResult) -> None:
    """Downloads of the plan shown, and the route sheet of one vehicle as a table."""
    st.header("5 · Hand over")
    plan = result.plan
    stem = sheets.download_stem(plan)
    h1, h2 = st.columns([1, 2])
    with h1:
        download(
            result,
            "Download the plan (zip)",
            lambda: sheets.plan_zip(plan),
            f"{stem}.zip",
            "application/zip",
            key="download_plan",
            help="routes.csv, tasks.csv, unserved.csv, routes.geojson, summary.json (as the CLI).",
        )
        if plan.routes:
            download(
                result,
                "All route sheets (zip)",
                lambda: sheets.route_sheets_zip(plan, result.scenario),
                f"{stem}_route_sheets.zip",
                "application/zip",
                key="download_all_sheets",
            )
    if not plan.routes:
        return
    with h2:
        vehicle = st.selectbox(
            "Route sheet for vehicle", [r.vehicle_id for r in plan.routes], key="sheet_vehicle"
        )
        d1, d2 = st.columns(2)
        with d1:
            download(
                result,
                f"Route sheet {vehicle} (CSV)",
                lambda: handover.route_sheet_csv(plan, result.scenario, vehicle),
                f"{stem}_{vehicle}.csv",
                "text/csv",
                key="download_sheet_csv",
            )
        with d2:
            download(
                result,
                f"Route sheet {vehicle} (printable HTML)",
                lambda: handover.route_sheet_html(plan, result.scenario, vehicle).encode("utf-8"),
                f"{stem}_{vehicle}.html",
                "text/html",
                key="download_sheet_html",
            )
    state.show_table(handover.route_sheet_frame(plan, result.scenario, vehicle), "sheet_table")


def download(
    result: jobs.PlanResult,
    label: str,
    make: Callable[[], bytes],
    file_name: str,
    mime: str,
    **more: Any,
) -> None:
    """A download button of ``result`` as wide as its column; the bytes are made once per plan."""
    data = result.download(file_name, make)
    st.download_button(label, data, file_name, mime, width="stretch", **more)
