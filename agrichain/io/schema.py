"""The scenario folder format: one table per file, columns derived from the model.

The column list of each file is taken from the pydantic model so the loader,
the writer and the documentation (``docs/format.md``, produced by
:func:`format_markdown`) cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from dataclasses import dataclass

from pydantic import BaseModel

from agrichain.io.table_files import TABLE_LIKE_SUFFIXES
from agrichain.model import (
    MAX_COUNT,
    MAX_ORDER_BOXES,
    MAX_TIME_LIMIT_S,
    REQUIRED_TABLES,
    TABLES,
    Settings,
)

#: Columns accepted in any table and ignored.
IGNORED_COLUMNS = frozenset({"notes", "comment"})
#: Table → {old column name: current column name}; old names are still read.
COLUMN_ALIASES: dict[str, dict[str, str]] = {
    "farms": {"loading_min": "stop_min"},
    "logistics_points": {"unloading_min": "stop_min"},
}

COLUMN_MEANING: dict[str, str] = {
    "farm_id": "farm identifier",
    "logistics_point_id": "logistics point identifier",
    "product_id": "product identifier",
    "session_id": "live session identifier",
    "order_id": "order identifier",
    "vehicle_id": "vehicle identifier",
    "name": "display name",
    "lat": "latitude (WGS84, or as `coordinates` in scenario.toml says)",
    "lon": "longitude (WGS84, or as `coordinates` in scenario.toml says)",
    "pickup_open": "earliest pickup, every day",
    "pickup_close": "latest pickup start, every day (after pickup_open)",
    "stop_min": (
        "fixed time of a visit (arriving, parking, paperwork); consecutive tasks at the "
        "same place share it"
    ),
    "loading_min_per_t": "loading time per tonne picked up, added to the stop time",
    "open": "opening time, every day",
    "close": "closing time, every day (after open)",
    "cutoff": "carrier cut-off: collected goods must be delivered by then",
    "ambient_capacity_kg": "storage for products without cold chain",
    "cold_capacity_kg": "cold storage for products needing cold chain",
    "unloading_min_per_t": "unloading time per tonne delivered, added to the stop time",
    "box_weight_kg": "weight of one sold box",
    "shelf_life_h": "hours from harvest until the product spoils",
    "max_transit_min": "longest time on a vehicle from pickup to delivery",
    "needs_cold_chain": "only refrigerated vehicles and cold storage may carry it",
    "holding_cost_per_kg_day": "cost of keeping 1 kg in store for a day",
    "spoilage_cost_per_kg": "cost of 1 kg spoiled",
    "lost_sales_cost_per_kg": "cost of 1 kg ordered but not shipped",
    "date": "harvest date",
    "kg": "quantity",
    "start": "session start (local time)",
    "quantity_boxes": "boxes ordered",
    "ship_by": "latest shipping time from the logistics point (local time)",
    "boxes": "expected boxes sold",
    "age_days": "days since harvest",
    "home_logistics_point_id": "where the vehicle starts and ends its shift",
    "capacity_kg": "payload",
    "refrigerated": "can carry cold-chain products",
    "shift_start": "driver shift start",
    "shift_end": "driver shift end (after shift_start)",
    "cost_per_km": "running cost per km",
    "fixed_cost": "cost of using the vehicle on a day",
}

#: Column-name suffix → unit; the longest matching suffix wins.
_UNITS = {
    "_kg": "kg",
    "_min": "min",
    "_h": "h",
    "_km": "km",
    "_min_per_t": "min/t",
    "_per_kg_day": "currency/(kg·day)",
    "_per_kg": "currency/kg",
    "_per_km": "currency/km",
    "_days": "days",
    "_boxes": "boxes",
}


@dataclass(frozen=True)
class Column:
    """One column of a scenario table."""

    name: str
    type: str
    unit: str
    required: bool
    default: str
    meaning: str


def _type_name(annotation: object) -> str:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _type_name(typing.get_args(annotation)[0])
    if origin is typing.Literal:
        return "one of " + ", ".join(str(a) for a in typing.get_args(annotation))
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _type_name(args[0])
    return {
        str: "text",
        float: "number",
        int: "integer",
        bool: "true/false",
        dt.time: "HH:MM",
        dt.date: "YYYY-MM-DD",
        dt.datetime: "YYYY-MM-DD HH:MM",
    }.get(annotation, str(annotation))  # type: ignore[call-overload]


def _unit(name: str) -> str:
    if name == "fixed_cost":
        return "currency"
    for suffix, unit in sorted(_UNITS.items(), key=lambda item: -len(item[0])):
        if name.endswith(suffix):
            return unit
    if name in {"lat", "lon"}:
        return "degrees"
    if name == "kg":
        return "kg"
    return ""


def columns(table: str) -> list[Column]:
    """The columns of a table, in file order."""
    model = TABLES[table].row
    old_names = {new: old for old, new in COLUMN_ALIASES.get(table, {}).items()}
    out = []
    for name, info in model.model_fields.items():
        required = info.is_required()
        default = "" if required or info.default is None else _format_default(info.default)
        meaning = COLUMN_MEANING.get(name, info.description or "")
        if name in old_names:
            meaning += (
                f". Old name `{old_names[name]}`, still read as this column "
                "(giving both is an error)"
            )
        out.append(
            Column(
                name=name,
                type=_type_name(info.annotation),
                unit=_unit(name),
                required=required,
                default=default,
                meaning=meaning,
            )
        )
    return out


def _format_default(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def format_markdown() -> str:
    """The scenario folder format as Markdown (the text of ``docs/format.md``)."""
    lines = [
        "# Scenario folder format",
        "",
        "A scenario is a folder holding `scenario.toml` and one file per table. Required "
        "tables: " + ", ".join(f"`{t}`" for t in REQUIRED_TABLES) + "; the others may be "
        "absent (empty).",
        "",
        "## Table files",
        "",
        "Each table is read from `<table>.csv`, `<table>.xlsx` or `<table>.xlsm`; `farms` "
        "and `logistics_points` may also come as `<table>.geojson` / `<table>.gpkg`. The "
        "name is written exactly so (lower case), and each table has at most one file. "
        "Every other entry that looks like a table file is an error, never ignored:",
        "",
        "* a table's name in another case (`Orders.CSV`) or with another ending "
        "(`orders.txt`, `orders.xls`, `orders.csv.bak`);",
        "* any other file ending in "
        + ", ".join(f"`{s}`" for s in sorted(TABLE_LIKE_SUFFIXES))
        + " (`order.csv`, `orders_old.xlsx`);",
        "* a table's file name that is not a regular file: a folder, a broken or looping "
        "symbolic link (a link to a file is read).",
        "",
        "Not read: `scenario.toml` (the settings), hidden entries (`.…`), Office lock files "
        "(`~$…`), other sub-folders and other files (`README.md`, `notes.txt`).",
        "",
        "**CSV**: UTF-8 (a byte order mark is fine), comma separated, a header row; blank "
        "lines are skipped. **Excel**: the sheet named like the table (case and spaces "
        "around it do not matter), else the workbook's only sheet; other sheets (notes) "
        "are not read, and a sheet named like another table is an error. The first "
        "non-blank row is the header; cells keep their values (numbers, dates, times; "
        "formulas give their last computed value), numbers and true/false in text columns "
        "become text. **Geodata**: point geometry, reprojected to "
        "WGS84; the other columns as properties; `lat`/`lon` come from the geometry. The "
        "app reads an uploaded table with the same readers (a workbook there may hold "
        "several tables, one sheet each, named like them).",
        "",
        "## Values",
        "",
        "Empty cells take the default. Unknown columns are an error (a misspelt column "
        "would otherwise be silently ignored), except `notes` and `comment`; a column "
        "without a name must be empty. Ids are 1–64 characters without spaces, `,`, `;` "
        "or control characters; names may not hold control characters. Dates are "
        "`YYYY-MM-DD`, times of day `HH:MM` (or `HH:MM:SS`), date-times `YYYY-MM-DD HH:MM` "
        "in local time, without a time zone; numbers are never read as dates. An order "
        f"asks for at most {MAX_ORDER_BOXES:,} boxes.",
        "",
        "## Problems and warnings",
        "",
        "Every problem is reported in one pass: unreadable files, columns, the values of "
        "each row, `scenario.toml`, and the references between tables (checked on the rows "
        "that could be read). Each names file, row and column. Rows are numbered as the "
        "file shows them: the CSV line (header = 1; a record over several lines is named "
        "by its first line), the sheet row in Excel, the feature number (from 1) in "
        "GeoJSON/GeoPackage, and in the app's editors the row number shown at the left "
        "(from 1).",
        "",
        "A warning names a value that is valid but doubtful; the scenario still loads "
        "(`agrichain validate` prints warnings, the library emits a `ScenarioWarning`). "
        "Today: an order asking for more kg than all the supply of its product over the "
        "horizon plus its stock (it can never be met in full, and it takes all there is).",
        "",
        "## Time at a place",
        "",
        "Each visit to a farm or a logistics point (a vehicle's return "
        "to its home point included) takes the place's `stop_min` once (consecutive tasks "
        "at the same place share it), then, per task, `loading_min_per_t` (farm) or "
        "`unloading_min_per_t` (logistics point) × the task's tonnes. Pickup windows, "
        "opening hours and cut-offs bound the start of a task's handling, which follows "
        "the stop time. Older files name the stop time `loading_min` (farms) and "
        "`unloading_min` (logistics points); those columns are read as `stop_min`.",
        "",
        *_COORDINATES_SECTION,
    ]
    for table in TABLES:
        req = "required" if TABLES[table].required else "optional"
        lines += [f"## `{table}` ({req})", "", TABLES[table].meaning, ""]
        lines += [
            "| column | type | unit | required | default | meaning |",
            "|---|---|---|---|---|---|",
        ]
        for c in columns(table):
            lines.append(
                f"| `{c.name}` | {c.type} | {c.unit} | {'yes' if c.required else 'no'} "
                f"| {c.default} | {c.meaning} |"
            )
        lines.append("")
    lines += ["## `scenario.toml`", "", "| key | type | default | meaning |", "|---|---|---|---|"]
    lines += _settings_rows(Settings, "")
    lines.append("")
    return "\n".join(lines)


_COORDINATES_SECTION = [
    "## Coordinates",
    "",
    "`lat`/`lon` of `farms` and `logistics_points` are WGS84 (GPS) unless `scenario.toml` "
    'says otherwise: `coordinates = "gcj02"` for places copied from Amap (高德) or '
    'Tencent, `"bd09"` for Baidu (case and a hyphen do not matter: `GCJ-02`). Where the '
    "files come from different apps, `[coordinates_of]` names one file's system "
    '(`farms = "bd09"`); the other file follows `coordinates`. The loader converts them to '
    "WGS84 (the published formulas, inverted exactly), so scenarios, plans and maps always "
    "hold WGS84; a saved or rolled scenario is written in WGS84 with "
    '`coordinates = "wgs84"`. Outside mainland China the three systems coincide. A '
    "geodata file's geometry is reprojected to longitude/latitude first; `coordinates` "
    "then says which system those numbers are in.",
    "",
]


def _settings_rows(model: type[BaseModel], prefix: str) -> list[str]:
    rows = []
    for name, info in model.model_fields.items():
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            rows += _settings_rows(ann, f"{prefix}{name}.")
            continue
        default = "required" if info.is_required() else repr(info.default)
        meaning = info.description or _SETTING_MEANING.get(f"{prefix}{name}", "")
        rows.append(f"| `{prefix}{name}` | {_type_name(ann)} | {default} | {meaning} |")
    return rows


_SETTING_MEANING = {
    "name": "scenario name shown in outputs",
    "planning_date": "the day being planned (day 0)",
    "horizon_days": (
        "days covered by inventory planning; every ship_by and supply date must fall inside"
    ),
    "currency": "currency of all costs",
    "travel.speed_kmh": "average road speed",
    "travel.circuity": "road distance / great-circle distance",
    "routing.time_limit_s": (
        f"wall-clock limit of the routing search (more than 0, at most {MAX_TIME_LIMIT_S:.0f})"
    ),
    "routing.solution_limit": (
        f"stop after this many improving solutions (reproducible runs; 1 to {MAX_COUNT})"
    ),
    "routing.seed": f"random seed (0 to {MAX_COUNT})",
    "routing.engine": "routing engine: auto (default), lns, portfolio, ortools, pyvrp",
    "routing.workers": "processes the routing search may use (a second one on two CPUs)",
    "routing.drop_penalty_per_kg": "objective cost of leaving 1 kg uncollected",
    "routing.drop_penalty_per_task": "objective cost of leaving a pickup task uncollected",
    "inventory.solver": "MILP solver: highs or cbc",
    "inventory.time_limit_s": (
        f"wall-clock limit of the inventory MILP (more than 0, at most {MAX_TIME_LIMIT_S:.0f})"
    ),
    "inventory.mip_gap": "relative MIP gap at which to stop",
    "inventory.threads": "solver threads",
    "inventory.transport_cost_per_kg_km": "transport cost per kg and km in the allocation model",
    "inventory.link_fixed_cost": "cost per farm–logistics point link used per day (makes a MILP)",
}
