"""The re-plan step's logic: the day's events as a table (``events.csv``'s columns) or an
uploaded ``events.csv`` / ``.xlsx``, read by :func:`agrichain.io.events.read_events`, and
:func:`agrichain.day.replan.replan_day` in the app's worker process (:class:`ReplanJob`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from agrichain.app.jobs import PlanJob, PlanOptions, PlanResult
from agrichain.app.travel import scenario_travel
from agrichain.day.replan import DEFAULT_CHANGE_COST, Replan, replan_day
from agrichain.day.replan_routes import CHANGE_COLUMNS, CHANGES_CSV
from agrichain.errors import ScenarioError
from agrichain.io.events import EVENT_KINDS, EVENTS_COLUMNS, Events, read_events
from agrichain.io.plan_files import csv_bytes
from agrichain.io.record_files import record_source
from agrichain.model import Scenario
from agrichain.plan import Plan

#: :attr:`PlanResult.origin` of a re-planned plan.
REPLANNED = "re-planned"
#: Name of the events typed into the page's table, in issues.
EDITOR_FILE = "events (table)"
#: Columns holding numbers, and the one holding true/false; the others hold text.
NUMBER_COLUMNS = ("kg", "boxes", "capacity_kg")
FLAG_COLUMN = "refrigerated"
TRUE_TEXTS = frozenset({"true", "1", "yes", "y"})


def empty_events() -> pd.DataFrame:
    """An events table without rows, with ``events.csv``'s columns and their types."""
    return typed_events(pd.DataFrame(columns=list(EVENTS_COLUMNS)))


def typed_events(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (cells as text) with numbers as numbers, ``refrigerated`` as true/false and
    the rest as text (empty cells missing), in ``events.csv``'s column order."""
    given = frame.reindex(columns=list(EVENTS_COLUMNS)).astype(object).reset_index(drop=True)
    columns: dict[str, pd.Series] = {}
    for column in EVENTS_COLUMNS:
        cells = given[column]
        if column in NUMBER_COLUMNS:
            columns[column] = pd.to_numeric(cells, errors="coerce").astype("float64")
        elif column == FLAG_COLUMN:
            flags = [not blank(v) and str(v).strip().lower() in TRUE_TEXTS for v in cells]
            columns[column] = pd.Series(flags, dtype="bool")
        else:
            texts = [None if blank(v) else str(v).strip() for v in cells]
            columns[column] = pd.Series(texts, dtype="string")
    return pd.DataFrame(columns)


def blank(value: Any) -> bool:
    """True for an empty cell (None, NaN, NA or only spaces)."""
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and pd.isna(value):
        return True
    return str(value).strip() == ""


def cell_text(value: Any) -> str:
    """A cell as ``events.csv`` writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def filled_rows(frame: pd.DataFrame) -> tuple[list[int], list[list[str]]]:
    """The positions and cells (as text) of the rows of an events table that hold something
    besides ``refrigerated``."""
    rows = frame.reindex(columns=list(EVENTS_COLUMNS))
    flag = list(EVENTS_COLUMNS).index(FLAG_COLUMN)
    positions, texts = [], []
    for k, row in enumerate(rows.itertuples(index=False, name=None)):
        cells = [cell_text(v) for v in row]
        if any(c for i, c in enumerate(cells) if i != flag):
            positions.append(k)
            texts.append(cells)
    return positions, texts


def events_csv(frame: pd.DataFrame) -> bytes:
    """The rows of an events table as ``events.csv`` (empty rows left out)."""
    return csv_bytes(pd.DataFrame(filled_rows(frame)[1], columns=list(EVENTS_COLUMNS)))


def named(error: ScenarioError, path: Path, name: str) -> ScenarioError:
    """``error`` with the temporary file's path in its issues replaced by ``name``."""
    issues = [dataclasses.replace(i, file=name) if i.file == str(path) else i for i in error.issues]
    return ScenarioError(issues)


def read_events_bytes(name: str, data: bytes, scenario: Scenario) -> Events:
    """Events from the bytes of a file called ``name`` (``events.csv`` or a workbook);
    :class:`ScenarioError` naming ``name``, the line and the column of every bad cell."""
    with tempfile.TemporaryDirectory(prefix="agrichain-events-") as folder:
        path = Path(folder) / (Path(name).name or "events.csv")
        path.write_bytes(data)
        try:
            return read_events(path, scenario)
        except ScenarioError as exc:
            raise named(exc, path, name) from None


def events_of_table(frame: pd.DataFrame, scenario: Scenario) -> Events:
    """The events typed into the page's table; issues name the table and its row (row 1 is
    the table's first row)."""
    positions, _ = filled_rows(frame)
    try:
        return read_events_bytes("events.csv", events_csv(frame), scenario)
    except ScenarioError as exc:
        rows = {line: k + 1 for line, k in enumerate(positions, start=2)}
        raise ScenarioError(
            [dataclasses.replace(i, file=EDITOR_FILE, row=rows.get(i.row or 0)) for i in exc.issues]
        ) from None


def uploaded_events(name: str, data: bytes, scenario: Scenario) -> pd.DataFrame:
    """An uploaded ``events.csv`` / ``.xlsx`` as the page's table, after checking it reads
    as events for ``scenario`` (:class:`ScenarioError` otherwise)."""
    read_events_bytes(name, data, scenario)
    with tempfile.TemporaryDirectory(prefix="agrichain-events-") as folder:
        path = Path(folder) / Path(name).name
        path.write_bytes(data)
        source = record_source(path, "events")
    frame = source.frame.copy()
    frame.columns = [str(c).strip() for c in frame.columns]
    return typed_events(frame)


def events_summary(events: Events) -> str:
    """The events in one line of words."""
    parts = [
        f"{len(events.breakdowns)} breakdown{'s' * (len(events.breakdowns) != 1)}",
        f"{len(events.shortfalls_kg)} shortfall{'s' * (len(events.shortfalls_kg) != 1)}",
        f"{len(events.new_orders)} new order{'s' * (len(events.new_orders) != 1)}",
        f"{len(events.cancelled)} cancelled",
        f"{len(events.added_vehicles)} vehicle{'s' * (len(events.added_vehicles) != 1)} added",
    ]
    return ", ".join(parts)


def first_departure(plan: Plan, scenario: Scenario) -> dt.time:
    """When the plan's first vehicle leaves (the earliest shift start without routes): the
    "now" at which nothing is done yet."""
    starts = [r.start for r in plan.routes]
    if starts:
        return min(starts).time().replace(second=0, microsecond=0)
    return min((v.shift_start for v in scenario.vehicles), default=dt.time(6))


def moment(scenario: Scenario, time_of_day: dt.time) -> dt.datetime:
    """``time_of_day`` on the planning date."""
    return dt.datetime.combine(scenario.settings.planning_date, time_of_day)


def run_replan(
    scenario: Scenario,
    plan: Plan,
    events: Events,
    now: dt.datetime,
    options: PlanOptions,
    change_cost: float = DEFAULT_CHANGE_COST,
    scenario_folder: str | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> Replan:
    """:func:`replan_day` with the app's limits (time limit, solution limit, seed) and the
    travel model of ``[travel]`` (files read from ``scenario_folder``)."""
    if progress is not None:
        progress("replan", 0.0)
    return replan_day(
        scenario,
        plan,
        events,
        now,
        time_limit_s=options.time_limit_s,
        solution_limit=options.solution_limit,
        seed=options.seed,
        change_cost=change_cost,
        travel=scenario_travel(scenario, scenario_folder),
    )


class ReplanJob(PlanJob):
    """:func:`run_replan` of the plan shown in a worker process; its result is the new plan
    with the scenario the events made and the changes per driver."""

    def __init__(
        self,
        base: PlanResult,
        events: Events,
        now: dt.datetime,
        options: PlanOptions,
        change_cost: float = DEFAULT_CHANGE_COST,
    ) -> None:
        self.base = base
        self.now = now
        self.replan: Replan | None = None
        args = (base.scenario, base.plan, events, now, options, change_cost, base.scenario_folder)
        super().__init__(base.scenario, options, base.key, run=run_replan, args=args)
        self.expected_s = float(options.time_limit_s)

    def accept(self, made: Any) -> None:
        self.replan = made
        self.plan = made.plan

    def result(self) -> PlanResult | None:
        if self.replan is None:
            return None
        return PlanResult(
            plan=self.replan.plan,
            scenario=self.replan.scenario,
            options=self.base.options,
            key=self.base.key,
            wall_s=self.elapsed_s,
            origin=REPLANNED,
            changes=self.replan.changes,
            scenario_folder=self.base.scenario_folder,
        )


def changes_of(changes: pd.DataFrame, vehicle_id: str | None = None) -> pd.DataFrame:
    """The rows of ``changes.csv`` of one driver (all drivers with None)."""
    if vehicle_id is None:
        return changes.reset_index(drop=True)
    return changes[changes["vehicle_id"] == vehicle_id].reset_index(drop=True)


def changes_csv(changes: pd.DataFrame) -> bytes:
    """``changes.csv`` as the CLI writes it."""
    return csv_bytes(changes.reindex(columns=CHANGE_COLUMNS))


def read_changes(data: bytes) -> pd.DataFrame:
    """``changes.csv`` read back (pickup times as times)."""
    frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    frame = frame.reindex(columns=CHANGE_COLUMNS).astype(object)
    for column in ("old_pickup", "new_pickup"):
        frame[column] = pd.to_datetime(frame[column].replace("", None), errors="coerce")
    return frame


__all__ = [
    "CHANGES_CSV",
    "EDITOR_FILE",
    "EVENT_KINDS",
    "REPLANNED",
    "ReplanJob",
    "changes_csv",
    "changes_of",
    "empty_events",
    "events_csv",
    "events_of_table",
    "events_summary",
    "first_departure",
    "moment",
    "read_changes",
    "read_events_bytes",
    "run_replan",
    "typed_events",
    "uploaded_events",
]
