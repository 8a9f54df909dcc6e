"""The coverage files: ``coverage.csv`` (farms), ``points.csv``, ``villages.csv``,
``coverage.geojson`` (farms, logistics points and a line from each farm to its nearest
point) and ``summary.json``; and the folder they are written to, all or nothing."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from agrichain.errors import AgrichainError
from agrichain.io.output_folders import (
    checked_output_folder,
    refusal_to_replace,
    replace_output_folder,
)
from agrichain.io.plan_files import csv_bytes, json_value, without_nan
from agrichain.siting.coverage import Coverage

COVERAGE_CSV = "coverage.csv"
POINTS_CSV = "points.csv"
VILLAGES_CSV = "villages.csv"
COVERAGE_GEOJSON = "coverage.geojson"
SUMMARY_JSON = "summary.json"
#: Endings of the files a coverage or siting folder holds.
OUTPUT_SUFFIXES = frozenset({".csv", ".json", ".geojson"})


class OutputFolderError(AgrichainError, ValueError):
    """The folder cannot take the output: a file is in the way, or it holds other data."""


def json_bytes(value: Any) -> bytes:
    """``value`` as indented UTF-8 JSON (NaN as null), one trailing line end."""
    text = json.dumps(
        without_nan(value), indent=2, default=json_value, ensure_ascii=False, allow_nan=False
    )
    return (text + "\n").encode("utf-8")


def point_feature(lon: float, lat: float, properties: dict[str, Any]) -> dict[str, Any]:
    """A GeoJSON point feature."""
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": properties,
    }


def coverage_features(cov: Coverage) -> list[dict[str, Any]]:
    """Farms (``feature`` = ``farm``), lines farm → nearest point (``link``) and logistics
    points (``logistics_point``), with their figures as properties."""
    where = {p.logistics_point_id: (p.lon, p.lat) for p in cov.points}
    features = []
    for f in cov.farms:
        figures = {
            "farm_id": f.farm_id,
            "logistics_point_id": f.logistics_point_id,
            "minutes": f.minutes,
            "km": f.km,
            "covered": f.covered,
            "supply_kg": f.supply_kg,
        }
        farm = {"feature": "farm", "name": f.name, "village": f.village, **figures}
        features.append(point_feature(f.lon, f.lat, farm))
        line = [[f.lon, f.lat], list(where[f.logistics_point_id])]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": line},
                "properties": {"feature": "link", **figures},
            }
        )
    for p in cov.points:
        props = {"feature": "logistics_point", **vars(p)}
        del props["lat"], props["lon"]
        features.append(point_feature(p.lon, p.lat, props))
    return features


def geojson_bytes(features: list[dict[str, Any]]) -> bytes:
    """A FeatureCollection as UTF-8 JSON."""
    collection = {"type": "FeatureCollection", "features": features}
    return json.dumps(without_nan(collection), ensure_ascii=False).encode("utf-8")


def coverage_files(cov: Coverage) -> dict[str, bytes]:
    """The coverage output, file name → bytes."""
    return {
        COVERAGE_CSV: csv_bytes(cov.farms_frame()),
        POINTS_CSV: csv_bytes(cov.points_frame()),
        VILLAGES_CSV: csv_bytes(cov.villages_frame()),
        COVERAGE_GEOJSON: geojson_bytes(coverage_features(cov)),
        SUMMARY_JSON: json_bytes(cov.summary()),
    }


def is_output_file(entry: Path) -> bool:
    """A plain file of one of the output endings (not a link, not a folder)."""
    return entry.is_file() and not entry.is_symlink() and entry.suffix in OUTPUT_SUFFIXES


def check_output_folder(out_dir: str | os.PathLike[str], marker: str, what: str) -> Path:
    """``out_dir`` as an absolute path if it may be replaced by ``what``: absent, empty, or
    holding ``marker`` and only CSV / JSON / GeoJSON files; else OutputFolderError."""

    def refusal(folder: Path) -> str | None:
        return refusal_to_replace(folder, marker, f"{what} file", is_output_file, what)

    own = f"the {what} needs a folder of its own"
    return checked_output_folder(out_dir, what, refusal, OutputFolderError, own)


def write_output_folder(
    out_dir: str | os.PathLike[str], files: Mapping[str, bytes], marker: str, what: str
) -> list[Path]:
    """Replace ``out_dir`` by a folder of ``files`` as one (a reader sees the old output or
    the new); refused if it holds anything else (see :func:`check_output_folder`)."""
    folder = check_output_folder(out_dir, marker, what)
    return replace_output_folder(folder, files, what, OutputFolderError)


def write_coverage_folder(cov: Coverage, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write the coverage files into ``out_dir``, replacing it as a whole."""
    return write_output_folder(out_dir, coverage_files(cov), COVERAGE_CSV, "coverage")


__all__ = [
    "COVERAGE_CSV",
    "COVERAGE_GEOJSON",
    "OUTPUT_SUFFIXES",
    "POINTS_CSV",
    "SUMMARY_JSON",
    "VILLAGES_CSV",
    "OutputFolderError",
    "check_output_folder",
    "coverage_features",
    "coverage_files",
    "geojson_bytes",
    "is_output_file",
    "json_bytes",
    "point_feature",
    "write_coverage_folder",
    "write_output_folder",
]
