"""The hand-over folder: every driver's sheet (HTML and CSV), ``index.html`` and ``map.html``.

:func:`sheet_files` gives the files as name → bytes, for a folder of their own
(:func:`write_sheets_folder`, all or nothing) or for the ``sheets/`` sub-folder of a plan
folder (``folder="sheets"``).
"""

from __future__ import annotations

import html
import os
from collections.abc import Mapping
from pathlib import Path

from agrichain.errors import AgrichainError
from agrichain.handover.route_map import route_map_html, vehicle_colour
from agrichain.handover.route_sheets import route_sheet_csv
from agrichain.handover.sheets import SHEET_CSS, page, route_sheet_html
from agrichain.handover.text import hhmm, sheet_stems, tel_uri
from agrichain.io.output_folders import (
    checked_output_folder,
    refusal_to_replace,
    replace_output_folder,
)
from agrichain.model import Scenario
from agrichain.plan import Plan

INDEX_HTML = "index.html"
MAP_HTML = "map.html"
#: The sub-folder of a plan folder that ``agrichain plan --sheets`` writes.
SHEETS_FOLDER = "sheets"
#: Endings of the files a sheets folder holds.
SHEET_SUFFIXES = frozenset({".html", ".csv"})


class SheetsFolderError(AgrichainError, ValueError):
    """The folder cannot take the sheets: a file is in the way, or it holds other data."""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def index_html(plan: Plan, scenario: Scenario) -> str:
    """The folder's front page: a row per vehicle with its driver and links to its sheets."""
    day = plan.planning_date
    stems = sheet_stems(r.vehicle_id for r in plan.routes)
    rows = []
    for i, r in enumerate(plan.routes):
        v = scenario.vehicle.get(r.vehicle_id)
        phone = v.driver_phone if v else ""
        call = f"<a class='tel' href='{_e(tel_uri(phone))}'>{_e(phone)}</a>" if phone else ""
        stem = _e(stems[r.vehicle_id])
        rows.append(
            f"<tr data-vehicle='{_e(r.vehicle_id)}'><td><span style='color:"
            f"{vehicle_colour(i)}'>■</span> <a href='{stem}.html'>{_e(r.vehicle_id)}</a></td>"
            f"<td>{_e(v.driver_name if v else '')}</td><td>{call}</td>"
            f"<td>{_e(v.plate if v else '')}</td><td class='num'>{_e(hhmm(r.start, day))}</td>"
            f"<td class='num'>{_e(hhmm(r.end, day))}</td><td class='num'>{len(r.stops) - 2}</td>"
            f"<td class='num'>{r.distance_km:,.1f}</td><td class='num'>{r.kg_collected:,.1f}</td>"
            f"<td><a href='{stem}.html'>sheet</a> · <a href='{stem}.csv'>CSV</a></td></tr>"
        )
    title = f"Route sheets {plan.scenario_name} — {day.isoformat()}"
    head = (
        "<table><tr><th>Vehicle</th><th>Driver</th><th>Phone</th><th>Plate</th><th>Leave</th>"
        "<th>Back</th><th>Stops</th><th>km</th><th>kg</th><th>Files</th></tr>"
    )
    unserved = len(plan.unserved)
    body = [
        f"<h1>{_e(title)}</h1>",
        f"<p>Plan status <b>{_e(plan.status.value)}</b> · {len(plan.routes)} vehicles · "
        f"{plan.kg_collected():,.1f} kg to collect"
        + (f" · {unserved} unserved item(s), see unserved.csv" if unserved else "")
        + f" · <a href='{MAP_HTML}'>map of the routes</a></p>",
        *([head, *rows, "</table>"] if rows else ["<p>No vehicle is used today.</p>"]),
    ]
    return page(title, SHEET_CSS, body)


def sheet_files(plan: Plan, scenario: Scenario, folder: str = "") -> dict[str, bytes]:
    """Every hand-over file of ``plan`` (name → bytes), named inside ``folder`` if given:
    ``<vehicle>.html`` and ``<vehicle>.csv`` per used vehicle, ``index.html``, ``map.html``."""
    prefix = f"{folder.strip('/')}/" if folder.strip("/") else ""
    stems = sheet_stems(r.vehicle_id for r in plan.routes)
    files: dict[str, bytes] = {}
    for r in plan.routes:
        stem = prefix + stems[r.vehicle_id]
        files[f"{stem}.html"] = route_sheet_html(plan, scenario, r.vehicle_id).encode("utf-8")
        files[f"{stem}.csv"] = route_sheet_csv(plan, scenario, r.vehicle_id)
    files[prefix + INDEX_HTML] = index_html(plan, scenario).encode("utf-8")
    files[prefix + MAP_HTML] = route_map_html(plan, scenario).encode("utf-8")
    return files


def is_sheet(entry: Path) -> bool:
    """A route sheet file (not a link, not a folder)."""
    return entry.is_file() and not entry.is_symlink() and entry.suffix in SHEET_SUFFIXES


def not_a_sheets_folder(folder: Path) -> str | None:
    """Why ``folder`` may not be replaced by sheets; None when it may (or does not exist)."""
    return refusal_to_replace(folder, INDEX_HTML, "route sheet", is_sheet)


def check_sheets_folder(out_dir: str | os.PathLike[str]) -> Path:
    """``out_dir`` as an absolute path if it can take the sheets; else SheetsFolderError."""
    own = "the sheets need a folder of their own"
    return checked_output_folder(
        out_dir, "route sheets", not_a_sheets_folder, SheetsFolderError, own
    )


def write_sheets_folder(out_dir: str | os.PathLike[str], files: Mapping[str, bytes]) -> list[Path]:
    """Replace ``out_dir`` by a folder of ``files`` as one (a reader sees the old sheets or
    the new ones); refused if it holds anything but route sheets."""
    folder = check_sheets_folder(out_dir)
    return replace_output_folder(folder, files, "route sheets", SheetsFolderError)


def write_sheets(plan: Plan, scenario: Scenario, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write the hand-over files of ``plan`` into ``out_dir``, replacing it as a whole."""
    check_sheets_folder(out_dir)
    return write_sheets_folder(out_dir, sheet_files(plan, scenario))


__all__ = [
    "INDEX_HTML",
    "MAP_HTML",
    "SHEETS_FOLDER",
    "SHEET_SUFFIXES",
    "SheetsFolderError",
    "check_sheets_folder",
    "index_html",
    "not_a_sheets_folder",
    "sheet_files",
    "write_sheets",
    "write_sheets_folder",
]
