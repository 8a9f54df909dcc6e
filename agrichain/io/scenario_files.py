"""Read and write scenario folders (CSV + scenario.toml, GeoJSON/GeoPackage for places)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import tomli_w
from pydantic import BaseModel, ValidationError

from agrichain.errors import InputIssue, ScenarioError
from agrichain.io.atomic import atomic_write_files
from agrichain.io.schema import COLUMN_ALIASES, IGNORED_COLUMNS
from agrichain.model import TABLES, Scenario, Settings, validation_issues

SETTINGS_FILE = "scenario.toml"
GEO_SUFFIXES = (".geojson", ".gpkg")

# (file name shown in errors, offset from 0-based record index to the reported row,
#  line number of each record where known)
_Source = tuple[str, int, list[int] | None]


def load_settings(path: str | os.PathLike[str]) -> Settings:
    """Read ``scenario.toml``."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(InputIssue(p.name, None, None, "file not found")) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError(InputIssue(p.name, None, None, f"not valid TOML: {exc}")) from None
    return settings_from_dict(data, p.name)


def settings_from_dict(data: Mapping[str, Any], file: str = SETTINGS_FILE) -> Settings:
    """Validate settings given as a (TOML-shaped) mapping."""
    flat = dict(data)
    if "scenario" in flat and isinstance(flat["scenario"], dict):
        flat = {**flat.pop("scenario"), **flat}
    try:
        return Settings(**flat)
    except ValidationError as exc:
        raise ScenarioError(
            [
                InputIssue(file, None, ".".join(str(x) for x in e["loc"]), _msg(e))
                for e in exc.errors()
            ]
        ) from None


def _msg(err: Any) -> str:
    return str(err.get("msg", "invalid value")).removeprefix("Value error, ")


def _read_csv(path: Path) -> pd.DataFrame:
    """Read a CSV as text cells; ``attrs["lines"]`` holds each record's line number."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ScenarioError(InputIssue(path.name, None, None, "not UTF-8 text")) from None
    reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True)
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise ScenarioError(InputIssue(path.name, None, None, "file is empty (no header row)"))
        rows: list[list[str]] = []
        lines: list[int] = []
        issues: list[InputIssue] = []
        for record in reader:
            if not record or all(not c.strip() for c in record):
                continue
            if len(record) != len(header):
                issues.append(
                    InputIssue(
                        path.name,
                        reader.line_num,
                        None,
                        f"has {len(record)} fields, the header has {len(header)}",
                    )
                )
                continue
            rows.append(record)
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise ScenarioError(
            InputIssue(path.name, reader.line_num, None, f"not valid CSV: {exc}")
        ) from None
    if issues:
        raise ScenarioError(issues)
    frame = pd.DataFrame(rows, columns=[h.strip() for h in header], dtype=object)
    frame.attrs["lines"] = lines
    return frame


def _read_geo(path: Path) -> pd.DataFrame:
    import geopandas as gpd

    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises many types; all mean "unreadable"
        raise ScenarioError(
            InputIssue(path.name, None, None, f"cannot read geodata: {exc}")
        ) from None
    issues = []
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs("EPSG:4326")
    lat, lon = [], []
    for i, geom in enumerate(gdf.geometry):
        if geom is None or geom.is_empty or geom.geom_type != "Point":
            kind = "no geometry" if geom is None else geom.geom_type
            issues.append(InputIssue(path.name, i + 1, "geometry", f"expected a Point, got {kind}"))
            lat.append("")
            lon.append("")
        else:
            lat.append(repr(float(geom.y)))
            lon.append(repr(float(geom.x)))
    if issues:
        raise ScenarioError(issues)
    frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    frame = frame.astype(object).where(frame.notna(), "")
    frame = frame.map(lambda v: v if isinstance(v, str) else str(v))
    frame["lat"] = lat
    frame["lon"] = lon
    return frame


def _records(
    table: str, frame: pd.DataFrame, file: str, row_offset: int
) -> tuple[list[BaseModel], list[InputIssue]]:
    """Parse the rows of one table; issues carry file, row and column."""
    model = TABLES[table].row
    fields = model.model_fields
    issues: list[InputIssue] = []
    header_row = 1 if row_offset == 2 else None
    cols = [str(c).strip() for c in frame.columns]
    dupes = {c for c in cols if cols.count(c) > 1}
    for c in sorted(dupes):
        issues.append(InputIssue(file, header_row, c, "column appears twice"))
    aliases = COLUMN_ALIASES.get(table, {})
    as_read: dict[str, str] = {}  # current name -> old name used in the file
    for old, new in aliases.items():
        if old not in cols:
            continue
        if new in cols:
            issues.append(
                InputIssue(
                    file,
                    header_row,
                    old,
                    f"'{old}' is the old name of '{new}'; give only one of the two columns",
                )
            )
        elif old not in dupes:
            cols = [new if c == old else c for c in cols]
            as_read[new] = old
    frame = frame.set_axis(cols, axis=1)
    unknown = [c for c in cols if c not in fields and c not in IGNORED_COLUMNS | aliases.keys()]
    for c in unknown:
        issues.append(InputIssue(file, header_row, c, f"unknown column '{c}'"))
    missing = [n for n, f in fields.items() if f.is_required() and n not in cols]
    for c in missing:
        issues.append(InputIssue(file, header_row, c, f"required column '{c}' is missing"))
    if issues:
        return [], issues
    use = [c for c in cols if c in fields]
    lines: list[int] | None = frame.attrs.get("lines")
    records: list[BaseModel] = []
    for i, values in enumerate(frame[use].itertuples(index=False, name=None)):
        row = {c: _cell(v) for c, v in zip(use, values, strict=True)}
        row = {c: v for c, v in row.items() if v is not None}
        try:
            records.append(model(**row))
        except ValidationError as exc:
            line = lines[i] if lines is not None else i + row_offset
            issues += [
                InputIssue(x.file, x.row, as_read.get(x.column or "", x.column), x.message)
                for x in validation_issues(exc, file, line)
            ]
    return records, issues


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _remap(exc: ScenarioError, sources: Mapping[str, _Source]) -> ScenarioError:
    out = []
    for issue in exc.issues:
        file, row = issue.file, issue.row
        if file and file.startswith("<") and file.endswith(">"):
            table = file[1:-1]
            if table in sources:
                name, offset, lines = sources[table]
                file = name
                if row is not None:
                    row = lines[row] if lines is not None and row < len(lines) else row + offset
        out.append(InputIssue(file, row, issue.column, issue.message))
    return ScenarioError(out)


def _build(
    settings: Settings,
    tables: Mapping[str, list[BaseModel]],
    sources: Mapping[str, _Source],
) -> Scenario:
    try:
        return Scenario(settings=settings, **{k: tuple(v) for k, v in tables.items()})
    except ScenarioError as exc:
        raise _remap(exc, sources) from None


def _table_file(folder: Path, table: str) -> Path | None:
    candidates = [folder / f"{table}.csv"]
    if TABLES[table].geo:
        candidates += [folder / f"{table}{s}" for s in GEO_SUFFIXES]
    found = [c for c in candidates if c.exists()]
    if len(found) > 1:
        names = ", ".join(c.name for c in found)
        raise ScenarioError(InputIssue(found[1].name, None, None, f"give only one of {names}"))
    return found[0] if found else None


def load_scenario(folder: str | os.PathLike[str]) -> Scenario:
    """Load and validate a scenario folder.

    Raises :class:`ScenarioError` listing every problem found (file, row, column).
    """
    root = Path(folder)
    if not root.is_dir():
        raise ScenarioError(InputIssue(str(root), None, None, "scenario folder not found"))
    issues: list[InputIssue] = []
    settings: Settings | None = None
    try:
        settings = load_settings(root / SETTINGS_FILE)
    except ScenarioError as exc:
        issues += exc.issues
    tables: dict[str, list[BaseModel]] = {}
    sources: dict[str, _Source] = {}
    for table in TABLES:
        try:
            path = _table_file(root, table)
        except ScenarioError as exc:
            issues += exc.issues
            continue
        if path is None:
            if TABLES[table].required:
                issues.append(InputIssue(f"{table}.csv", None, None, "required file is missing"))
            tables[table] = []
            continue
        try:
            geo = path.suffix in GEO_SUFFIXES
            frame = _read_geo(path) if geo else _read_csv(path)
        except ScenarioError as exc:
            issues += exc.issues
            continue
        offset = 1 if geo else 2
        sources[table] = (path.name, offset, frame.attrs.get("lines"))
        records, found = _records(table, frame, path.name, offset)
        tables[table] = records
        issues += found
    if issues:
        raise ScenarioError(issues)
    assert settings is not None
    return _build(settings, tables, sources)


def scenario_from_frames(
    settings: Settings | Mapping[str, Any], **frames: pd.DataFrame | None
) -> Scenario:
    """Build a scenario from pandas DataFrames named like the files (``farms=df, ...``).

    Rows are reported by their DataFrame index label.
    """
    if not isinstance(settings, Settings):
        settings = settings_from_dict(settings)
    unknown = set(frames) - set(TABLES)
    if unknown:
        raise ScenarioError(f"unknown tables: {', '.join(sorted(unknown))}")
    issues: list[InputIssue] = []
    tables: dict[str, list[BaseModel]] = {}
    for table in TABLES:
        frame = frames.get(table)
        if frame is None:
            if TABLES[table].required:
                issues.append(InputIssue(table, None, None, "required table is missing"))
            tables[table] = []
            continue
        frame = frame.reset_index(drop=True).astype(object)
        frame = frame.where(frame.notna(), None)
        records, found = _records(table, frame, table, 0)
        tables[table] = records
        issues += found
    if issues:
        raise ScenarioError(issues)
    return _build(settings, tables, {t: (t, 0, None) for t in TABLES})


# ----- writing ---------------------------------------------------------------


def _format_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return value


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


def settings_toml(settings: Settings) -> str:
    """``scenario.toml`` text for the settings."""
    data = settings.model_dump(mode="python", exclude_none=True)
    return tomli_w.dumps(data)


def save_scenario(scenario: Scenario, folder: str | os.PathLike[str]) -> Path:
    """Write a scenario folder (CSV + scenario.toml); every file is written atomically."""
    files = {SETTINGS_FILE: settings_toml(scenario.settings).encode("utf-8")}
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
