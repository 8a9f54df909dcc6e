"""What really happened on the planning date: ``actuals.csv`` (or an Excel sheet).

Columns ``kind,id,product_id,kg,time``; one row per fact:

* ``harvested``: ``id`` a farm, kg of ``product_id`` really harvested today (replaces the
  planned supply of that farm and product today);
* ``delivered``: ``id`` a pickup task of the plan, kg that reached its logistics point,
  ``time`` of arrival (optional);
* ``shipped``: ``id`` an order, kg shipped to the buyer, ``time`` (optional);
* ``spoiled``: ``id`` a logistics point, kg of ``product_id`` discarded.

``product_id`` is required for harvested and spoiled rows; on delivered and shipped rows it
may be empty (if given on a shipped row it must be the order's product). ``time`` is read
on delivered and shipped rows only, as ``YYYY-MM-DD HH:MM`` or, when the scenario is given,
``HH:MM`` on its planning date. Every bad cell is a :class:`ScenarioError` naming file,
line (the header is line 1) and column.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import ValidationError

from agrichain.errors import InputIssue, ScenarioError
from agrichain.io.record_files import header_issues, record_source, row_cells
from agrichain.model import Order, Record, Scenario, validation_issues
from agrichain.model.records import Id, NonNegative, Timestamp

#: The kinds of fact, in the order of :class:`Actuals`' fields.
ACTUAL_KINDS = ("harvested", "delivered", "shipped", "spoiled")
#: Columns of the actuals file, in file order.
ACTUALS_COLUMNS = ("kind", "id", "product_id", "kg", "time")
#: Columns every actuals file must have.
REQUIRED_ACTUALS_COLUMNS = ("kind", "id", "kg")
#: Kinds whose rows name a product (the key is id and product).
_PRODUCT_KINDS = frozenset({"harvested", "spoiled"})
#: Kinds whose rows may carry a time.
_TIMED_KINDS = frozenset({"delivered", "shipped"})
#: A time of day alone (``HH:MM``), read as on the planning date when the scenario is given.
_CLOCK = re.compile(r"\d{1,2}:\d{2}(:\d{2})?")
#: The sheet of a workbook read as actuals when it has several.
ACTUALS_SHEET = "actuals"


@dataclass(frozen=True)
class Actuals:
    """What really happened on the planning date (see the module notes)."""

    harvested_kg: Mapping[tuple[str, str], float] = field(default_factory=dict)
    """(farm_id, product_id) -> kg harvested."""
    delivered: Mapping[str, tuple[float, dt.datetime | None]] = field(default_factory=dict)
    """task_id -> (kg delivered, time of arrival)."""
    shipped: Mapping[str, tuple[float, dt.datetime | None]] = field(default_factory=dict)
    """order_id -> (kg shipped, time)."""
    spoiled_kg: Mapping[tuple[str, str], float] = field(default_factory=dict)
    """(logistics_point_id, product_id) -> kg discarded."""


class ActualRow(Record):
    """One row of the actuals file, as parsed."""

    kind: Literal["harvested", "delivered", "shipped", "spoiled"]
    id: Id
    product_id: Id | None = None
    kg: NonNegative
    time: Timestamp | None = None


def _row_issues(
    row: ActualRow, file: str, line: int, scenario: Scenario | None, orders: Mapping[str, Order]
) -> list[InputIssue]:
    """Cells that parse but do not fit the kind, or name ids the scenario lacks."""
    issues = []
    if row.kind in _PRODUCT_KINDS and row.product_id is None:
        message = f"a {row.kind} row names its product"
        issues.append(InputIssue(file, line, "product_id", message))
    if row.time is not None and row.kind not in _TIMED_KINDS:
        message = f"a time is read on delivered and shipped rows only, not on {row.kind} rows"
        issues.append(InputIssue(file, line, "time", message))
    if scenario is None:
        return issues
    if row.product_id is not None and row.product_id not in scenario.product:
        issues.append(InputIssue(file, line, "product_id", f"unknown product '{row.product_id}'"))
    unknown: dict[str, tuple[str, Collection[str]]] = {
        "harvested": ("farm", scenario.farm.keys()),
        "spoiled": ("logistics point", scenario.logistics_point.keys()),
        "shipped": ("order", orders.keys()),
    }
    if row.kind in unknown:
        thing, known = unknown[row.kind]
        if row.id not in known:
            issues.append(InputIssue(file, line, "id", f"unknown {thing} '{row.id}'"))
    if row.kind == "shipped" and row.product_id is not None:
        order = orders.get(row.id)
        if order is not None and order.product_id != row.product_id:
            message = f"order '{row.id}' is of product '{order.product_id}', not '{row.product_id}'"
            issues.append(InputIssue(file, line, "product_id", message))
    return issues


def _other_cells(
    cells: dict[str, Any],
    exc: ValidationError,
    file: str,
    line: int,
    scenario: Scenario | None,
    orders: Mapping[str, Order],
) -> list[InputIssue]:
    """The issues of a row's other cells when some did not parse (one pass finds all)."""
    failed = {str(e["loc"][0]) for e in exc.errors() if e.get("loc")}
    if "kind" in failed or "id" in failed:
        return []
    rest = {c: v for c, v in cells.items() if c not in failed}
    rest["kg"] = rest.get("kg", 0.0)
    try:
        row = ActualRow(**rest)
    except ValidationError:
        return []
    return [x for x in _row_issues(row, file, line, scenario, orders) if x.column not in failed]


def _key(row: ActualRow) -> tuple[str, str, str | None]:
    return (row.kind, row.id, row.product_id if row.kind in _PRODUCT_KINDS else None)


def read_actuals(path: str | os.PathLike[str], scenario: Scenario | None = None) -> Actuals:
    """Read ``actuals.csv`` (or ``.xlsx`` / ``.xlsm``: the sheet named ``actuals``, else the
    only sheet). With ``scenario``, ids of farms, logistics points, orders and products are
    checked against it (task ids belong to a plan and are checked where the plan is at hand).

    Raises :class:`ScenarioError` listing every bad cell with file, line and column.
    """
    source = record_source(Path(path), ACTUALS_SHEET)
    issues = header_issues(source, ACTUALS_COLUMNS, REQUIRED_ACTUALS_COLUMNS)
    if issues:
        raise ScenarioError(issues)
    cols = [str(c).strip() for c in source.frame.columns]
    rows: list[ActualRow] = []
    seen: dict[tuple[str, str, str | None], int] = {}
    orders = {o.order_id: o for o in scenario.orders} if scenario is not None else {}
    for line, values in zip(
        source.rows, source.frame.itertuples(index=False, name=None), strict=True
    ):
        cells = row_cells(values, cols)
        if scenario is not None and _CLOCK.fullmatch(str(cells.get("time", ""))):
            cells["time"] = f"{scenario.settings.planning_date} {cells['time']}"
        try:
            row = ActualRow(**cells)
        except ValidationError as exc:
            issues += validation_issues(exc, source.file, line)
            issues += _other_cells(cells, exc, source.file, line, scenario, orders)
            continue
        found = _row_issues(row, source.file, line, scenario, orders)
        key = _key(row)
        if key in seen:
            what = " ".join(k for k in key if k)
            message = f"duplicate row '{what}' (first given on line {seen[key]})"
            found.append(InputIssue(source.file, line, "id", message))
        seen.setdefault(key, line)
        issues += found
        rows.append(row)
    if issues:
        raise ScenarioError(issues)
    return _actuals(rows)


def _actuals(rows: list[ActualRow]) -> Actuals:
    harvested: dict[tuple[str, str], float] = {}
    delivered: dict[str, tuple[float, dt.datetime | None]] = {}
    shipped: dict[str, tuple[float, dt.datetime | None]] = {}
    spoiled: dict[tuple[str, str], float] = {}
    for r in rows:
        if r.kind == "harvested":
            harvested[(r.id, str(r.product_id))] = r.kg
        elif r.kind == "spoiled":
            spoiled[(r.id, str(r.product_id))] = r.kg
        elif r.kind == "delivered":
            delivered[r.id] = (r.kg, r.time)
        else:
            shipped[r.id] = (r.kg, r.time)
    return Actuals(harvested, delivered, shipped, spoiled)


def actuals_frame(actuals: Actuals) -> pd.DataFrame:
    """Actuals as a table with the file's columns (one row per fact)."""
    rows: list[dict[str, Any]] = []
    for (farm, product), kg in actuals.harvested_kg.items():
        rows.append({"kind": "harvested", "id": farm, "product_id": product, "kg": kg})
    for task, (kg, time) in actuals.delivered.items():
        rows.append({"kind": "delivered", "id": task, "kg": kg, "time": time})
    for order, (kg, time) in actuals.shipped.items():
        rows.append({"kind": "shipped", "id": order, "kg": kg, "time": time})
    for (point, product), kg in actuals.spoiled_kg.items():
        rows.append({"kind": "spoiled", "id": point, "product_id": product, "kg": kg})
    return pd.DataFrame(rows, columns=list(ACTUALS_COLUMNS))


def actuals_csv(actuals: Actuals) -> str:
    """Actuals as the text of ``actuals.csv`` (times as ``YYYY-MM-DD HH:MM:SS``)."""
    frame = actuals_frame(actuals).astype(object)
    frame = frame.where(frame.notna(), "")
    frame["kg"] = [repr(float(v)) for v in frame["kg"]]
    frame["time"] = [
        v.strftime("%Y-%m-%d %H:%M:%S") if isinstance(v, dt.datetime) else "" for v in frame["time"]
    ]
    return str(frame.to_csv(index=False, lineterminator="\n"))


__all__ = [
    "ACTUALS_COLUMNS",
    "ACTUAL_KINDS",
    "REQUIRED_ACTUALS_COLUMNS",
    "ActualRow",
    "Actuals",
    "actuals_csv",
    "actuals_frame",
    "read_actuals",
]
