"""Tables as read, before their rows are checked: CSV text, geodata, DataFrames."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from agrichain.errors import InputIssue, ScenarioError


@dataclass(frozen=True)
class TableSource:
    """The cells of one table as read, and the row number issues give for each record."""

    file: str
    """The name issues give: a file name, a sheet (``book.xlsx [orders]``) or a table."""
    frame: pd.DataFrame
    """One row per record, one column per header cell; cells are text or values."""
    rows: tuple[int, ...]
    """The row number of each record (line in a CSV file, row of a sheet …)."""
    header_row: int | None = None
    """The row number of the header (None where there is no header row)."""


def _problem(name: str, message: str, row: int | None = None) -> ScenarioError:
    return ScenarioError(InputIssue(name, row, None, message))


def _text(name: str, data: bytes) -> str:
    """The text of a UTF-8 file (with or without a byte order mark)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise _problem(name, "not UTF-8 text: it is UTF-16; save it as CSV UTF-8") from None
        line = data[: exc.start].count(b"\n") + 1
        message = f"not UTF-8 text (byte {exc.start + 1}); save it as CSV UTF-8"
        raise _problem(name, message, line) from None


def _blank(record: Sequence[str]) -> bool:
    return all(not cell.strip() for cell in record)


def read_csv_table(name: str, data: bytes) -> TableSource:
    """A CSV file (UTF-8, comma separated, header row) as text cells.

    Blank lines are skipped; a record's row is the line it starts on (header = 1 when
    the header is the first line). Raises :class:`ScenarioError` naming the file.
    """
    reader = csv.reader(io.StringIO(_text(name, data), newline=""), skipinitialspace=True)
    header: list[str] | None = None
    header_row = 0
    cells: list[list[str]] = []
    rows: list[int] = []
    issues: list[InputIssue] = []
    try:
        while True:
            start = reader.line_num + 1
            record = next(reader, None)
            if record is None:
                break
            if _blank(record):
                continue
            if header is None:
                header, header_row = record, start
            elif len(record) != len(header):
                message = f"has {len(record)} fields, the header has {len(header)}"
                issues.append(InputIssue(name, start, None, message))
            else:
                cells.append(record)
                rows.append(start)
    except csv.Error as exc:
        raise _problem(name, f"not valid CSV: {exc}", reader.line_num) from None
    if header is None:
        raise _problem(name, "file is empty (no header row)")
    if issues:
        raise ScenarioError(issues)
    frame = pd.DataFrame(cells, columns=[h.strip() for h in header], dtype=object)
    return TableSource(name, frame, tuple(rows), header_row)


def read_geo_table(path: Path) -> TableSource:
    """A GeoJSON / GeoPackage point layer as text cells, ``lat`` and ``lon`` from the
    points (reprojected to WGS84); rows are feature numbers (the first is 1)."""
    import geopandas as gpd

    name = path.name
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises many types; all mean "unreadable"
        raise _problem(name, f"cannot read geodata: {exc}") from None
    issues = []
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs("EPSG:4326")
    lat, lon = [], []
    for i, geom in enumerate(gdf.geometry):
        if geom is None or geom.is_empty or geom.geom_type != "Point":
            kind = "no geometry" if geom is None else geom.geom_type
            issues.append(InputIssue(name, i + 1, "geometry", f"expected a Point, got {kind}"))
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
    return TableSource(name, frame, tuple(range(1, len(frame) + 1)))


def frame_table(name: str, frame: pd.DataFrame) -> TableSource:
    """A DataFrame as a table; rows are its integer index labels (else positions)."""
    index = frame.index
    labels = index.tolist() if pd.api.types.is_integer_dtype(index) else range(len(frame))
    values = frame.reset_index(drop=True).astype(object)
    values = values.where(values.notna(), None)
    return TableSource(name, values, tuple(int(x) for x in labels))


__all__ = ["TableSource", "frame_table", "read_csv_table", "read_geo_table"]
