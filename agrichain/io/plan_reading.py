"""Reading a written plan folder back: :func:`read_plan` (a :class:`~agrichain.plan.Plan`)
and :func:`read_stop_sequences` (the stops of a possibly hand-edited ``routes.csv``).

Every problem is a :class:`~agrichain.errors.ScenarioError` whose issues name the file,
its line (the header is line 1) and the column.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from agrichain.errors import InputIssue, ScenarioError
from agrichain.io.plan_files import ORDERS_CSV, ROUTES_CSV, SUMMARY_JSON, TASKS_CSV, UNSERVED_CSV
from agrichain.model import Scenario
from agrichain.plan import (
    ORDER_COLUMNS,
    STOP_COLUMNS,
    TASK_COLUMNS,
    UNSERVED_COLUMNS,
    Fate,
    OrderFate,
    Plan,
    PlanStatus,
    Route,
    Stop,
    TaskOutcome,
    Unserved,
)

T = TypeVar("T")
#: First data line of a CSV file (the header is line 1).
FIRST_LINE = 2
#: Optional column of ``routes.csv``: a route the re-planner keeps as it is.
LOCKED_COLUMN = "locked"
#: Columns a hand-edited ``routes.csv`` needs (the others are recomputed by the check).
SEQUENCE_COLUMNS = ("vehicle_id", "seq", "stop_id", "stop_kind", "task_ids")
#: Files of a plan folder that are not inventory tables.
PLAN_TABLE_FILES = (ROUTES_CSV, TASKS_CSV, UNSERVED_CSV, ORDERS_CSV)
TRUE_WORDS = frozenset({"true", "1", "yes", "y", "locked"})
FALSE_WORDS = frozenset({"false", "0", "no", "n", ""})


class CellReader:
    """Reads the cells of one CSV file, collecting a located issue per bad cell."""

    def __init__(self, path: Path, frame: pd.DataFrame) -> None:
        self.path = path
        self.frame = frame
        self.issues: list[InputIssue] = []

    def issue(self, row: int | None, column: str | None, message: str) -> None:
        line = None if row is None else row + FIRST_LINE
        self.issues.append(InputIssue(str(self.path), line, column, message))

    def rows(self, make: Callable[[int], T]) -> list[T]:
        """``make(row)`` for every row; :class:`ScenarioError` with every bad cell found."""
        out = [make(i) for i in range(len(self.frame))]
        if self.issues:
            raise ScenarioError(self.issues)
        return out

    def cell(self, row: int, column: str, parse: Callable[[str], T], default: T) -> T:
        """The parsed cell, or ``default`` (with an issue) if it does not parse."""
        text = str(self.frame.at[row, column]).strip()
        try:
            return parse(text)
        except (ValueError, TypeError) as exc:
            self.issue(row, column, f"{text!r}: {exc}")
            return default


def refusal(path: Path, line: int | None, column: str | None, message: str) -> ScenarioError:
    """One located problem as an error."""
    return ScenarioError([InputIssue(str(path), line, column, message)])


def number(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return value


def optional_number(text: str) -> float | None:
    return None if text == "" else number(text)


def whole(text: str) -> int:
    value = number(text)
    if value != int(value):
        raise ValueError("not a whole number")
    return int(value)


def moment(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def optional_moment(text: str) -> dt.datetime | None:
    return None if text == "" else moment(text)


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def flag(text: str) -> bool:
    low = text.lower()
    if low in TRUE_WORDS:
        return True
    if low in FALSE_WORDS:
        return False
    raise ValueError("expected true or false")


def read_csv_cells(path: Path, required: Sequence[str]) -> CellReader:
    """The file's cells as text; :class:`ScenarioError` if it is missing or lacks columns."""
    if not path.is_file():
        raise refusal(path, None, None, "missing: no such file")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ScenarioError(
            [InputIssue(str(path), None, None, f"not a CSV table: {exc}")]
        ) from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ScenarioError(
            [InputIssue(str(path), 1, c, "column missing from the header") for c in missing]
        )
    return CellReader(path, frame.reset_index(drop=True))


@dataclass(frozen=True)
class StopLine:
    """One line of ``routes.csv`` as the check reads it: where a vehicle goes and what for."""

    line: int
    """Line of the file (the header is line 1)."""
    vehicle_id: str
    trip: int
    seq: int
    stop_id: str
    stop_kind: str
    task_ids: tuple[str, ...]
    locked: bool


def stop_lines(folder: str | os.PathLike[str]) -> list[StopLine]:
    """The stops of ``routes.csv``, per vehicle in (trip, seq) order, vehicles in file order.

    Only vehicle, sequence, place, kind and tasks are read: times, loads and distances
    are what a check recomputes, so a hand-edited file may leave them stale or blank.
    """
    reader = read_csv_cells(Path(folder) / ROUTES_CSV, SEQUENCE_COLUMNS)
    lines: list[StopLine] = []
    has_trip = "trip" in reader.frame.columns
    has_lock = LOCKED_COLUMN in reader.frame.columns
    for i in range(len(reader.frame)):
        vehicle = reader.cell(i, "vehicle_id", str, "")
        if not vehicle:
            reader.issue(i, "vehicle_id", "empty: every stop names its vehicle")
        lines.append(
            StopLine(
                line=i + FIRST_LINE,
                vehicle_id=vehicle,
                trip=reader.cell(i, "trip", whole, 1) if has_trip else 1,
                seq=reader.cell(i, "seq", whole, 0),
                stop_id=reader.cell(i, "stop_id", str, ""),
                stop_kind=reader.cell(i, "stop_kind", str, ""),
                task_ids=reader.cell(i, "task_ids", words, ()),
                locked=reader.cell(i, LOCKED_COLUMN, flag, False) if has_lock else False,
            )
        )
    if reader.issues:
        raise ScenarioError(reader.issues)
    first = {v: k for k, v in reversed(list(enumerate(s.vehicle_id for s in lines)))}
    return sorted(lines, key=lambda s: (first[s.vehicle_id], s.trip, s.seq, s.line))


def read_summary(folder: Path) -> dict[str, Any]:
    """``summary.json`` of a plan folder."""
    path = folder / SUMMARY_JSON
    if not path.is_file():
        raise refusal(folder, None, None, f"no {SUMMARY_JSON}: not a plan")
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise refusal(path, None, None, f"not JSON: {exc}") from None
    if not isinstance(summary, dict):
        raise refusal(path, None, None, "not a JSON object")
    return summary


def read_stops(folder: Path) -> tuple[list[Stop], list[bool]]:
    reader = read_csv_cells(folder / ROUTES_CSV, [c for c in STOP_COLUMNS if c != LOCKED_COLUMN])
    has_lock = LOCKED_COLUMN in reader.frame.columns
    stops, locked = [], []
    epoch = dt.datetime(1970, 1, 1)
    for i in range(len(reader.frame)):
        stops.append(
            Stop(
                vehicle_id=reader.cell(i, "vehicle_id", str, ""),
                trip=reader.cell(i, "trip", whole, 0),
                seq=reader.cell(i, "seq", whole, 0),
                stop_id=reader.cell(i, "stop_id", str, ""),
                stop_kind=reader.cell(i, "stop_kind", str, ""),
                lat=reader.cell(i, "lat", number, 0.0),
                lon=reader.cell(i, "lon", number, 0.0),
                arrival=reader.cell(i, "arrival", moment, epoch),
                departure=reader.cell(i, "departure", moment, epoch),
                load_kg=reader.cell(i, "load_kg", number, 0.0),
                cum_km=reader.cell(i, "cum_km", number, 0.0),
                task_ids=reader.cell(i, "task_ids", words, ()),
            )
        )
        locked.append(reader.cell(i, LOCKED_COLUMN, flag, False) if has_lock else False)
    if reader.issues:
        raise ScenarioError(reader.issues)
    return stops, locked


def routes_of(scenario: Scenario, stops: list[Stop], locked: list[bool], path: Path) -> list[Route]:
    """Stops grouped into routes (file order), with each route's cost from its vehicle."""
    by_vehicle: dict[str, list[int]] = {}
    for k, s in enumerate(stops):
        by_vehicle.setdefault(s.vehicle_id, []).append(k)
    routes, issues = [], []
    for vehicle_id, rows in by_vehicle.items():
        vehicle = scenario.vehicle.get(vehicle_id)
        if vehicle is None:
            line = rows[0] + FIRST_LINE
            issues.append(
                InputIssue(str(path), line, "vehicle_id", f"unknown vehicle {vehicle_id!r}")
            )
            continue
        own = sorted((stops[k] for k in rows), key=lambda s: (s.trip, s.seq))
        distance_km = max((s.cum_km for s in own), default=0.0)
        visits = any(s.stop_kind != "depot" for s in own)
        cost = (vehicle.fixed_cost + vehicle.cost_per_km * distance_km) if visits else 0.0
        routes.append(
            Route(
                vehicle_id=vehicle_id,
                home_logistics_point_id=vehicle.home_logistics_point_id,
                refrigerated=vehicle.refrigerated,
                stops=tuple(own),
                distance_km=distance_km,
                cost=cost,
                locked=any(locked[k] for k in rows),
            )
        )
    if issues:
        raise ScenarioError(issues)
    return routes


def read_tasks(folder: Path) -> list[TaskOutcome]:
    reader = read_csv_cells(folder / TASKS_CSV, TASK_COLUMNS)
    return reader.rows(
        lambda i: TaskOutcome(
            task_id=reader.cell(i, "task_id", str, ""),
            farm_id=reader.cell(i, "farm_id", str, ""),
            product_id=reader.cell(i, "product_id", str, ""),
            kg=reader.cell(i, "kg", number, 0.0),
            logistics_point_id=reader.cell(i, "logistics_point_id", str, ""),
            vehicle_id=reader.cell(i, "vehicle_id", str, "") or None,
            pickup_time=reader.cell(i, "pickup_time", optional_moment, None),
            delivery_time=reader.cell(i, "delivery_time", optional_moment, None),
            transit_min=reader.cell(i, "transit_min", optional_number, None),
            max_transit_min=reader.cell(i, "max_transit_min", number, 0.0),
            order_ids=reader.cell(i, "order_ids", words, ()),
        )
    )


def read_unserved(folder: Path) -> list[Unserved]:
    reader = read_csv_cells(folder / UNSERVED_CSV, UNSERVED_COLUMNS)
    return reader.rows(
        lambda i: Unserved(
            kind=reader.cell(i, "kind", str, ""),
            item_id=reader.cell(i, "id", str, ""),
            product_id=reader.cell(i, "product_id", str, ""),
            logistics_point_id=reader.cell(i, "logistics_point_id", str, ""),
            kg=reader.cell(i, "kg", number, 0.0),
            reason=reader.cell(i, "reason", str, ""),
            order_ids=reader.cell(i, "order_ids", words, ()),
            cause=reader.cell(i, "cause", str, ""),
        )
    )


def dates(text: str) -> tuple[dt.date, ...]:
    return tuple(dt.date.fromisoformat(w) for w in text.split())


def ages(text: str) -> tuple[int, ...]:
    return tuple(whole(w) for w in text.split())


def reasons(text: str) -> tuple[str, ...]:
    return tuple(r.strip() for r in text.split(";") if r.strip())


def read_orders(folder: Path) -> list[OrderFate]:
    reader = read_csv_cells(folder / ORDERS_CSV, ORDER_COLUMNS)
    return reader.rows(
        lambda i: OrderFate(
            order_id=reader.cell(i, "order_id", str, ""),
            session_id=reader.cell(i, "session_id", str, ""),
            product_id=reader.cell(i, "product_id", str, ""),
            logistics_point_id=reader.cell(i, "logistics_point_id", str, ""),
            ship_by=reader.cell(i, "ship_by", moment, dt.datetime(1970, 1, 1)),
            kg=reader.cell(i, "kg", number, 0.0),
            fate=reader.cell(i, "fate", Fate, Fate.UNSERVED),
            kg_collected=reader.cell(i, "kg_collected", number, 0.0),
            kg_from_stock=reader.cell(i, "kg_from_stock", number, 0.0),
            kg_later_day=reader.cell(i, "kg_later_day", number, 0.0),
            kg_unserved=reader.cell(i, "kg_unserved", number, 0.0),
            task_ids=reader.cell(i, "task_ids", words, ()),
            stock_age_days=reader.cell(i, "stock_age_days", ages, ()),
            later_dates=reader.cell(i, "later_dates", dates, ()),
            causes=reader.cell(i, "cause", words, ()),
            reasons=reader.cell(i, "reason", reasons, ()),
        )
    )


def read_other_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """The inventory tables of the plan folder (``flows.csv``, ``inventory.csv`` …)."""
    tables = {}
    for path in sorted(folder.glob("*.csv")):
        if path.name not in PLAN_TABLE_FILES:
            tables[path.stem] = pd.read_csv(path, keep_default_na=False, na_values=[""])
    return tables


def read_plan(
    folder: str | os.PathLike[str], scenario: Scenario, *, with_routes: bool = True
) -> Plan:
    """The plan written in ``folder`` (by :func:`~agrichain.io.write_plan`) for ``scenario``.

    A route's cost is recomputed from its vehicle (fixed cost plus km × cost per km);
    everything else is read as written. ``with_routes=False`` leaves ``routes.csv``
    unread (no routes), e.g. when its stops are read with :func:`stop_lines`.
    """
    path = Path(folder)
    if not path.is_dir():
        raise refusal(path, None, None, "not a folder")
    summary = read_summary(path)
    stops, locked = read_stops(path) if with_routes else ([], [])
    status_text = str(summary.get("status", ""))
    if status_text not in {s.value for s in PlanStatus}:
        issue = InputIssue(
            str(path / SUMMARY_JSON), None, "status", f"unknown status {status_text!r}"
        )
        raise ScenarioError([issue])
    written_for = str(summary.get("planning_date", ""))
    if written_for != scenario.settings.planning_date.isoformat():
        message = (
            f"the plan is for {written_for}, the scenario for {scenario.settings.planning_date}"
        )
        raise ScenarioError([InputIssue(str(path / SUMMARY_JSON), None, "planning_date", message)])
    return Plan(
        scenario_name=str(summary.get("scenario", scenario.settings.name)),
        planning_date=scenario.settings.planning_date,
        status=PlanStatus(status_text),
        routes=tuple(routes_of(scenario, stops, locked, path / ROUTES_CSV)),
        tasks=tuple(read_tasks(path)),
        unserved=tuple(read_unserved(path)),
        summary=summary,
        tables=read_other_tables(path),
        orders=tuple(read_orders(path)),
    )


__all__ = ["LOCKED_COLUMN", "SEQUENCE_COLUMNS", "StopLine", "read_plan", "stop_lines"]
