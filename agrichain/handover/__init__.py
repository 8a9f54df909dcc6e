"""Handing the plan over to the drivers: printable route sheets, CSV sheets, an offline map.

:mod:`~agrichain.handover.sheets` a driver's printable page (HTML, A4 print CSS);
:mod:`~agrichain.handover.route_sheets` the same day as a CSV table;
:mod:`~agrichain.handover.route_map` ``map.html``, the routes as an inline SVG;
:mod:`~agrichain.handover.navigation` Amap and ``geo:`` links per stop;
:mod:`~agrichain.handover.bundle` every file of the hand-over folder, written all or nothing.
"""

from agrichain.handover.bundle import (
    INDEX_HTML,
    MAP_HTML,
    SHEETS_FOLDER,
    SheetsFolderError,
    check_sheets_folder,
    index_html,
    sheet_files,
    write_sheets,
    write_sheets_folder,
)
from agrichain.handover.navigation import amap_navigation_uri, geo_uri, wgs84_to_gcj02
from agrichain.handover.route_map import route_map_html, vehicle_colour
from agrichain.handover.route_sheets import (
    ROUTE_SHEET_COLUMNS,
    route_sheet_csv,
    route_sheet_frame,
)
from agrichain.handover.sheets import SHEET_CSS, route_sheet_html
from agrichain.handover.text import sheet_stems

__all__ = [
    "INDEX_HTML",
    "MAP_HTML",
    "ROUTE_SHEET_COLUMNS",
    "SHEETS_FOLDER",
    "SHEET_CSS",
    "SheetsFolderError",
    "amap_navigation_uri",
    "check_sheets_folder",
    "geo_uri",
    "index_html",
    "route_map_html",
    "route_sheet_csv",
    "route_sheet_frame",
    "route_sheet_html",
    "sheet_files",
    "sheet_stems",
    "vehicle_colour",
    "wgs84_to_gcj02",
    "write_sheets",
    "write_sheets_folder",
]
