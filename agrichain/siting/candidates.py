"""Candidate sites for new logistics points: ``candidates.csv`` (or an Excel sheet).

Columns ``candidate_id,name,lat,lon,open_cost,capacity_kg,cold_capacity_kg``: where a point
could open, what opening it costs (currency, over the scenario's horizon, comparable with
its transport cost), and the kg per day it could hold (``capacity_kg``, of which
``cold_capacity_kg`` refrigerated; default 0). Every bad cell is a :class:`ScenarioError`
naming file, line (the header is line 1) and column.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from pydantic import Field, model_validator

from agrichain.errors import InputIssue, ScenarioError
from agrichain.io.record_files import read_record_file
from agrichain.model import Record, Scenario
from agrichain.model.records import Id, Latitude, Longitude, NonNegative, Text

#: Columns of the candidates file, in file order.
CANDIDATE_COLUMNS = (
    "candidate_id",
    "name",
    "lat",
    "lon",
    "open_cost",
    "capacity_kg",
    "cold_capacity_kg",
)
#: Columns every candidates file must have.
REQUIRED_CANDIDATE_COLUMNS = ("candidate_id", "lat", "lon", "open_cost", "capacity_kg")
#: The sheet of a workbook read as candidates when it has several.
CANDIDATES_SHEET = "candidates"


class Candidate(Record):
    """A site where a logistics point could open."""

    candidate_id: Id
    name: Text = ""
    lat: Latitude
    lon: Longitude
    open_cost: NonNegative = Field(description="cost of opening it, over the horizon")
    capacity_kg: NonNegative = Field(description="kg per day it could hold (ambient + cold)")
    cold_capacity_kg: NonNegative = Field(default=0.0, description="of which refrigerated")

    @model_validator(mode="after")
    def _cold_within(self) -> Candidate:
        if self.cold_capacity_kg > self.capacity_kg:
            raise ValueError("cold_capacity_kg is part of capacity_kg and may not exceed it")
        return self

    @property
    def ambient_capacity_kg(self) -> float:
        return self.capacity_kg - self.cold_capacity_kg


def candidate_issues(
    file: str, rows: Sequence[tuple[int, Candidate]], scenario: Scenario | None
) -> list[InputIssue]:
    """Ids given twice or already a logistics point's (with ``scenario``)."""
    issues = []
    seen: dict[str, int] = {}
    for line, c in rows:
        if c.candidate_id in seen:
            first = seen[c.candidate_id]
            message = f"duplicate candidate '{c.candidate_id}' (first given on line {first})"
            issues.append(InputIssue(file, line, "candidate_id", message))
        seen.setdefault(c.candidate_id, line)
        if scenario is not None and c.candidate_id in scenario.logistics_point:
            message = f"'{c.candidate_id}' is already a logistics point's id"
            issues.append(InputIssue(file, line, "candidate_id", message))
    return issues


def read_candidates(
    path: str | os.PathLike[str], scenario: Scenario | None = None
) -> tuple[Candidate, ...]:
    """Read ``candidates.csv`` (or ``.xlsx`` / ``.xlsm``: the sheet named ``candidates``,
    else the only sheet). With ``scenario``, an id may not be a logistics point's.

    Raises :class:`ScenarioError` listing every bad cell with file, line and column.
    """
    file, rows, issues = read_record_file(
        path, Candidate, CANDIDATE_COLUMNS, REQUIRED_CANDIDATE_COLUMNS, CANDIDATES_SHEET
    )
    issues += candidate_issues(file, rows, scenario)
    if not rows and not issues:
        issues.append(InputIssue(file, None, None, "no candidates: the file has no rows"))
    if issues:
        raise ScenarioError(sorted(issues, key=lambda i: (i.row or 0, str(i.column))))
    return tuple(c for _, c in rows)


__all__ = [
    "CANDIDATES_SHEET",
    "CANDIDATE_COLUMNS",
    "REQUIRED_CANDIDATE_COLUMNS",
    "Candidate",
    "candidate_issues",
    "read_candidates",
]
