"""Read and write scenario folders: ``scenario.toml`` and one file per table (CSV, Excel,
GeoJSON/GeoPackage for places); build scenarios from DataFrames and uploaded tables."""

from __future__ import annotations

import datetime as dt
import io
import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from agrichain.errors import InputIssue, ScenarioError, ScenarioWarning
from agrichain.io.atomic import atomic_write_files
from agrichain.io.scenario_check import (
    ParsedTable,
    ScenarioCheck,
    check_tables,
    parse_table,
    unread_table,
)
from agrichain.io.scenario_coordinates import settings_in_wgs84, settings_reading, tables_in_wgs84
from agrichain.io.settings_file import (
    SETTINGS_FILE,
    load_settings,
    settings_from_dict,
    settings_toml,
)
from agrichain.io.table_files import CSV_SUFFIX, EXCEL_SUFFIXES, GEO_SUFFIXES, table_files
from agrichain.io.table_readers import TableSource, frame_table, read_csv_table, read_geo_table
from agrichain.io.tables_excel import workbook_tables
from agrichain.io.travel import carried_travel, travel_file_setting, travel_files, travel_model
from agrichain.model import TABLES, Scenario, Settings
from agrichain.model.settings import CoordinateName


def read_table_file(table: str, name: str, data: bytes) -> dict[str, TableSource]:
    """A table file's content (CSV or Excel) as tables, by table name; issues name ``name``.

    A CSV file holds ``table``; a workbook holds its sheets named like tables, else its
    one sheet as ``table``.
    """
    suffix = Path(name).suffix.lower()
    if suffix == CSV_SUFFIX:
        return {table: read_csv_table(name, data)}
    if suffix in EXCEL_SUFFIXES:
        return workbook_tables(name, data, table)
    endings = ", ".join((CSV_SUFFIX, *EXCEL_SUFFIXES))
    raise ScenarioError(InputIssue(name, None, None, f"expected a file ending in {endings}"))


def _read_folder_table(table: str, path: Path) -> TableSource:
    if path.suffix in GEO_SUFFIXES:
        return read_geo_table(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(
            InputIssue(path.name, None, None, f"cannot read: {exc.strerror}")
        ) from None
    if path.suffix in EXCEL_SUFFIXES:
        return workbook_tables(path.name, data, table, only_table=True)[table]
    return read_csv_table(path.name, data)


def check_scenario(folder: str | os.PathLike[str], *, travel: bool = True) -> ScenarioCheck:
    """Check a scenario folder: the scenario if it is valid, and every error and warning
    found, each naming file, row and column. Never raises for bad input.

    With ``travel``, a valid scenario's ``[travel]`` file (matrix or road extract) is read
    too (:func:`agrichain.io.travel.travel_model`; a road network may take seconds) and
    its errors and warnings are the check's.
    """
    root = Path(folder)
    if not root.is_dir():
        problem = "not a folder" if root.exists() else "scenario folder not found"
        return ScenarioCheck(None, (InputIssue(str(root), None, None, problem),))
    issues: list[InputIssue] = []
    settings: Settings | None = None
    try:
        settings = load_settings(root / SETTINGS_FILE)
    except ScenarioError as exc:
        issues += exc.issues
    folder_tables = table_files(root, travel_files(settings) if settings else frozenset())
    issues += folder_tables.issues
    parsed: dict[str, ParsedTable] = {}
    for table in TABLES:
        path = folder_tables.files.get(table)
        if path is None and table in folder_tables.refused:
            parsed[table] = unread_table(f"{table}.csv")
        elif path is None and TABLES[table].required:
            issues.append(InputIssue(f"{table}.csv", None, None, "required file is missing"))
            parsed[table] = unread_table(f"{table}.csv")
        if path is None:
            continue
        try:
            parsed[table] = parse_table(table, _read_folder_table(table, path))
        except ScenarioError as exc:
            issues += exc.issues
            parsed[table] = unread_table(path.name)
    checked = check_tables(*tables_in_wgs84(settings, parsed), issues)
    return _with_travel(checked, root) if travel else checked


def _with_travel(check: ScenarioCheck, folder: Path) -> ScenarioCheck:
    """``check`` with the errors and warnings of the file ``[travel]`` names."""
    scenario = check.scenario
    if scenario is None or travel_file_setting(scenario.settings) is None:
        return check
    errors: tuple[InputIssue, ...] = ()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ScenarioWarning)
        try:
            travel_model(scenario, folder)
        except ScenarioError as exc:
            errors = exc.issues
    doubts = [w.message.issue for w in caught if isinstance(w.message, ScenarioWarning)]
    for w in caught:
        if not isinstance(w.message, ScenarioWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return ScenarioCheck(None if errors else scenario, errors, (*check.warnings, *doubts))


def load_scenario(folder: str | os.PathLike[str]) -> Scenario:
    """Load and validate a scenario folder.

    Raises :class:`ScenarioError` listing every problem found (file, row, column);
    doubtful values are emitted as :class:`~agrichain.errors.ScenarioWarning`. The
    ``[travel]`` file is not read here (``plan_day`` reads it; :func:`check_scenario`
    checks it).
    """
    return check_scenario(folder, travel=False).scenario_or_raise()


def scenario_from_tables(
    settings: Settings | Mapping[str, Any], tables: Mapping[str, TableSource | None]
) -> Scenario:
    """Build a scenario from tables as read (absent or None: empty); issues name each
    table's ``file`` and ``rows``. Places are read in the settings' ``coordinates``
    (and ``[coordinates_of]``) and held in WGS-84."""
    issues: list[InputIssue] = []
    checked: Settings | None = settings if isinstance(settings, Settings) else None
    if not isinstance(settings, Settings):
        try:
            checked = settings_from_dict(settings)
        except ScenarioError as exc:
            issues += exc.issues
    unknown = set(tables) - set(TABLES)
    if unknown:
        raise ScenarioError(f"unknown tables: {', '.join(sorted(unknown))}")
    parsed: dict[str, ParsedTable] = {}
    for table in TABLES:
        source = tables.get(table)
        if source is None:
            if TABLES[table].required:
                issues.append(InputIssue(table, None, None, "required table is missing"))
                parsed[table] = unread_table(table)
            continue
        parsed[table] = parse_table(table, source)
    return check_tables(*tables_in_wgs84(checked, parsed), issues).scenario_or_raise()


def scenario_from_frames(
    settings: Settings | Mapping[str, Any], **frames: pd.DataFrame | None
) -> Scenario:
    """Build a scenario from pandas DataFrames named like the files (``farms=df, ...``).

    Issues name the table and the row's integer index label (else its position).
    """
    unknown = set(frames) - set(TABLES)
    if unknown:
        raise ScenarioError(f"unknown tables: {', '.join(sorted(unknown))}")
    tables = {t: None if f is None else frame_table(t, f) for t, f in frames.items()}
    return scenario_from_tables(settings, tables)


def replace_tables(
    scenario: Scenario,
    tables: Mapping[str, TableSource],
    coordinates: CoordinateName | str = "wgs84",
) -> Scenario:
    """``scenario`` with some tables replaced by tables as read, validated like a folder.

    The new tables' places are read in ``coordinates`` (the kept ones are WGS-84). Issues
    about the tables kept name the table and its 1-based row.
    """
    kept = {t: table_frame(scenario, t) for t in TABLES if t not in tables}
    sources: dict[str, TableSource | None] = {
        t: frame_table(t, f.set_axis(range(1, len(f) + 1))) for t, f in kept.items()
    }
    sources.update(tables)
    settings = settings_reading(scenario.settings, list(tables), coordinates)
    return scenario_from_tables(settings, sources)


# ----- writing ---------------------------------------------------------------


def _format_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d ") + _format_time(value.time())
    if isinstance(value, dt.time):
        return _format_time(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return value


def _format_time(value: dt.time) -> str:
    """HH:MM, with seconds (and their fraction) only where there are any."""
    if value.microsecond:
        return value.strftime("%H:%M:%S.%f")
    return value.strftime("%H:%M:%S" if value.second else "%H:%M")


def table_frame(scenario: Scenario, table: str) -> pd.DataFrame:
    """One table of a scenario as a DataFrame with the file's columns (typed values)."""
    model = TABLES[table].row
    cols = list(model.model_fields)
    rows = [r.model_dump() for r in getattr(scenario, table)]
    return pd.DataFrame(rows, columns=cols)


def _csv_bytes(scenario: Scenario, table: str) -> bytes:
    frame = table_frame(scenario, table).astype(object)
    frame = frame.map(_format_value)
    buf = io.StringIO()
    frame.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode("utf-8")


def save_scenario(
    scenario: Scenario,
    folder: str | os.PathLike[str],
    *,
    travel_from: str | os.PathLike[str] | None = None,
) -> Path:
    """Write a scenario folder (CSV + scenario.toml); every file is written atomically.

    Places are written in WGS-84, and ``scenario.toml`` says ``coordinates = "wgs84"``.
    The file ``[travel]`` names is carried from ``travel_from``, the folder the scenario
    was loaded from (:func:`agrichain.io.travel.carried_travel`); without it, it is not
    written.
    """
    settings, travel_file = carried_travel(settings_in_wgs84(scenario.settings), travel_from)
    files = {SETTINGS_FILE: settings_toml(settings).encode("utf-8"), **travel_file}
    for table in TABLES:
        files[f"{table}.csv"] = _csv_bytes(scenario, table)
    atomic_write_files(folder, files)
    return Path(folder)


def places_gdf(scenario: Scenario, table: str) -> Any:
    """Farms or logistics points as a GeoDataFrame (EPSG:4326 points)."""
    import geopandas as gpd

    if not TABLES[table].geo:
        raise ValueError(f"{table} has no geometry")
    frame = table_frame(scenario, table)
    geometry = gpd.points_from_xy(frame["lon"], frame["lat"], crs="EPSG:4326")
    return gpd.GeoDataFrame(frame.drop(columns=["lat", "lon"]), geometry=geometry)
