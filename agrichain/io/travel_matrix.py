"""Travel from a matrix file: ``from_id,to_id,km,minutes`` between the scenario's farms and
logistics points (e.g. exported from a map service), CSV or an Excel sheet ``travel``.

Each row gives one direction. Pairs the file does not give fall back to the scenario's
great-circle model; :meth:`MatrixTravel.missing_pairs` lists them. Every bad cell is an
input error naming file, line and column: an id that is no farm or logistics point, a
number that is not one, negative or infinite, a pair given twice.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from agrichain.errors import InputIssue, ScenarioError
from agrichain.geo import FloatArray, TravelMatrix, TravelModel
from agrichain.io.record_files import header_issues, record_source
from agrichain.model import Scenario

MATRIX_COLUMNS = ("from_id", "to_id", "km", "minutes")
#: The sheet read from a workbook (else its only sheet).
MATRIX_SHEET = "travel"
#: Missing pairs named in a warning (the rest are counted).
SHOWN_PAIRS = 5


def scenario_places(scenario: Scenario) -> tuple[list[str], FloatArray, FloatArray]:
    """Farms then logistics points: ids, latitudes, longitudes (the order routing uses)."""
    farms, points = scenario.farms, scenario.logistics_points
    ids = [f.farm_id for f in farms] + [p.logistics_point_id for p in points]
    lat = np.asarray([f.lat for f in farms] + [p.lat for p in points], dtype=float)
    lon = np.asarray([f.lon for f in farms] + [p.lon for p in points], dtype=float)
    return ids, lat, lon


class MatrixTravel:
    """Distances and times between known places from a table; other pairs (and places not
    in it) from ``fallback``. Places are recognised by their exact coordinates."""

    def __init__(
        self,
        ids: Sequence[str],
        lat: npt.ArrayLike,
        lon: npt.ArrayLike,
        km: npt.ArrayLike,
        minutes: npt.ArrayLike,
        fallback: TravelModel,
        notes: dict[str, Any] | None = None,
    ) -> None:
        self.ids = tuple(ids)
        self.lat = np.asarray(lat, dtype=float)
        self.lon = np.asarray(lon, dtype=float)
        self.km = np.asarray(km, dtype=float)
        self.minutes = np.asarray(minutes, dtype=float)
        n = len(self.ids)
        if self.km.shape != (n, n) or self.minutes.shape != (n, n):
            raise ValueError("km and minutes must be square, one row per place")
        self.fallback = fallback
        #: What ``summary.json`` says about the travel model (set by ``travel_model``).
        self.notes: dict[str, Any] = dict(notes or {})
        self._at: dict[tuple[float, float], int] = {}
        for i in range(n):
            self._at.setdefault((float(self.lat[i]), float(self.lon[i])), i)

    def missing_pairs(self) -> list[tuple[str, str]]:
        """Ordered pairs of distinct places the table does not give."""
        gap = ~np.isfinite(self.km)
        np.fill_diagonal(gap, False)
        return [(self.ids[i], self.ids[j]) for i, j in zip(*np.nonzero(gap), strict=True)]

    def _indices(self, lat: FloatArray, lon: FloatArray) -> npt.NDArray[np.int64]:
        same = len(lat) == len(self.lat) and np.array_equal(lat, self.lat)
        if same and np.array_equal(lon, self.lon):
            return np.arange(len(lat), dtype=np.int64)
        return np.asarray(
            [self._at.get((float(a), float(b)), -1) for a, b in zip(lat, lon, strict=True)],
            dtype=np.int64,
        )

    def matrix(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> TravelMatrix:
        la, lo = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
        base = self.fallback.matrix(la, lo)
        km = np.array(base.distance_km, dtype=float)
        minutes = np.array(base.duration_min, dtype=float)
        index = self._indices(la, lo)
        at = np.flatnonzero(index >= 0)
        block = np.ix_(at, at)
        given = np.ix_(index[at], index[at])
        known = np.isfinite(self.km[given])
        km[block] = np.where(known, self.km[given], km[block])
        minutes[block] = np.where(known, self.minutes[given], minutes[block])
        np.fill_diagonal(km, 0.0)
        np.fill_diagonal(minutes, 0.0)
        return TravelMatrix(distance_km=km, duration_min=minutes)


def _numbers(
    frame: pd.DataFrame, column: str, file: str, rows: Sequence[int], issues: list[InputIssue]
) -> FloatArray:
    """The column's numbers; a located issue for each cell that is none, or negative."""
    text = frame[column].astype("string").str.strip()
    value = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    for i in np.flatnonzero(~np.isfinite(value) | (value < 0)).tolist():
        cell = text.iloc[i]
        if pd.isna(cell) or cell == "":
            message = "a value is required"
        elif np.isfinite(value[i]):
            message = f"must not be negative (got {cell})"
        else:
            message = f"expected a finite number (got {cell!r})"
        issues.append(InputIssue(file, rows[i], column, message))
    return value


def _place_index(
    frame: pd.DataFrame,
    column: str,
    index: dict[str, int],
    file: str,
    rows: Sequence[int],
    issues: list[InputIssue],
) -> npt.NDArray[np.int64]:
    """Each cell's place index; a located issue for an empty cell or an unknown id."""
    out = np.full(len(frame), -1, dtype=np.int64)
    for i, cell in enumerate(frame[column].astype("string").str.strip()):
        if pd.isna(cell) or cell == "":
            issues.append(InputIssue(file, rows[i], column, "a value is required"))
        elif cell not in index:
            message = f"'{cell}' is not a farm or logistics point of the scenario"
            issues.append(InputIssue(file, rows[i], column, message))
        else:
            out[i] = index[cell]
    return out


def _issue_order(issue: InputIssue) -> tuple[int, int]:
    column = issue.column if issue.column in MATRIX_COLUMNS else "from_id"
    return issue.row or 0, MATRIX_COLUMNS.index(column or "from_id")


def read_travel_matrix(
    path: str | os.PathLike[str],
    scenario: Scenario,
    fallback: TravelModel,
    file_name: str | None = None,
) -> MatrixTravel:
    """The matrix file ``path`` for ``scenario``'s places; ``fallback`` for pairs it does
    not give. Issues name ``file_name`` (default: the file's name)."""
    source = record_source(Path(path), MATRIX_SHEET)
    source = dataclasses.replace(source, file=file_name or Path(path).name)
    file, frame, rows = source.file, source.frame, source.rows
    issues = header_issues(source, MATRIX_COLUMNS, MATRIX_COLUMNS)
    if issues:
        raise ScenarioError(issues)
    frame = frame.set_axis([str(c).strip() for c in frame.columns], axis=1)
    ids, lat, lon = scenario_places(scenario)
    index: dict[str, int] = {}
    for i, place in enumerate(ids):
        index.setdefault(place, i)
    origin = _place_index(frame, "from_id", index, file, rows, issues)
    to = _place_index(frame, "to_id", index, file, rows, issues)
    km = _numbers(frame, "km", file, rows, issues)
    minutes = _numbers(frame, "minutes", file, rows, issues)
    first: dict[tuple[int, int], int] = {}
    for i, pair in enumerate(zip(origin.tolist(), to.tolist(), strict=True)):
        if min(pair) < 0:
            continue
        if pair in first:
            twice = f"{ids[pair[0]]} → {ids[pair[1]]}"
            message = f"the pair {twice} is given twice (first on line {first[pair]})"
            issues.append(InputIssue(file, rows[i], "to_id", message))
        else:
            first[pair] = rows[i]
    if issues:
        raise ScenarioError(sorted(issues, key=_issue_order))
    n = len(ids)
    km_matrix, minutes_matrix = np.full((n, n), np.nan), np.full((n, n), np.nan)
    km_matrix[origin, to] = km
    minutes_matrix[origin, to] = minutes
    return MatrixTravel(ids, lat, lon, km_matrix, minutes_matrix, fallback)


def missing_note(travel: MatrixTravel) -> tuple[int, list[str]]:
    """How many ordered pairs the file lacks, and the first few as ``A → B``."""
    missing = travel.missing_pairs()
    return len(missing), [f"{a} → {b}" for a, b in missing[:SHOWN_PAIRS]]


__all__ = [
    "MATRIX_COLUMNS",
    "MATRIX_SHEET",
    "MatrixTravel",
    "missing_note",
    "read_travel_matrix",
    "scenario_places",
]
