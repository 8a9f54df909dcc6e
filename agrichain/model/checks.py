"""Checks between the tables of a scenario, and the plausibility warnings.

They also run on a scenario that is not whole yet (rows that did not parse, tables that
could not be read), so one pass reports every problem: ``unread`` names, per table, the
ids of the rows that did not parse (their references are not reported as unknown), or
None when the table could not be read at all (no reference into it is checked). A check
that needs a table or the settings that are not whole is skipped.

Issues name the table as ``<table>`` and the 0-based record index as the row;
:mod:`agrichain.io` rewrites them to file names and row numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import TypeVar

from pydantic import BaseModel

from agrichain.errors import InputIssue
from agrichain.model.records import Order, Product, Record, Stock, Supply, Vehicle
from agrichain.model.settings import Settings
from agrichain.model.tables import REQUIRED_TABLES, TABLES

R = TypeVar("R", bound=Record)

#: Tables and their rows, by table name (absent tables count as empty).
Tables = Mapping[str, Sequence[Record]]
#: Per table, the ids of rows that did not parse, or None if the table could not be read.
Unread = Mapping[str, frozenset[str] | None]

#: (table, column, referenced table) of every reference between tables.
REFERENCES: tuple[tuple[str, str, str], ...] = (
    ("supply", "farm_id", "farms"),
    ("supply", "product_id", "products"),
    ("sessions", "logistics_point_id", "logistics_points"),
    ("orders", "session_id", "sessions"),
    ("orders", "product_id", "products"),
    ("orders", "logistics_point_id", "logistics_points"),
    ("vehicles", "home_logistics_point_id", "logistics_points"),
    ("forecast", "session_id", "sessions"),
    ("forecast", "product_id", "products"),
    ("stock", "logistics_point_id", "logistics_points"),
    ("stock", "product_id", "products"),
)
#: What a referenced table's row is called in messages.
_THING = {
    "farms": "farm",
    "products": "product",
    "sessions": "session",
    "logistics_points": "logistics point",
}
#: Columns that identify a row of the tables without an id column.
_KEYS = {
    "supply": ("farm_id", "product_id", "date"),
    "forecast": ("session_id", "product_id"),
    "stock": ("logistics_point_id", "product_id", "age_days"),
}


def _rows(tables: Tables, name: str) -> Sequence[Record]:
    return tables.get(name, ())


def _of(tables: Tables, name: str, row: type[R]) -> list[tuple[int, R]]:
    """The rows of table ``name`` with their 0-based index."""
    return [(i, r) for i, r in enumerate(_rows(tables, name)) if isinstance(r, row)]


def _dupes(table: str, rows: Iterable[BaseModel], key: tuple[str, ...]) -> list[InputIssue]:
    seen: set[tuple[object, ...]] = set()
    issues = []
    for i, row in enumerate(rows):
        k = tuple(getattr(row, c) for c in key)
        if k in seen:
            what = ", ".join(f"{c}={getattr(row, c)}" for c in key)
            message = f"duplicate {what} (given in an earlier row)"
            issues.append(InputIssue(f"<{table}>", i, key[-1], message))
        seen.add(k)
    return issues


def _references(tables: Tables, unread: Unread) -> list[InputIssue]:
    """References to ids that no table defines."""
    issues: list[InputIssue] = []
    for table, column, target in REFERENCES:
        if target in unread and unread[target] is None:
            continue
        id_column = TABLES[target].id_column
        known = {getattr(row, str(id_column)) for row in _rows(tables, target)}
        known |= unread.get(target) or frozenset()
        for i, row in enumerate(_rows(tables, table)):
            value = getattr(row, column)
            if value is not None and value not in known:
                issues.append(
                    InputIssue(f"<{table}>", i, column, f"unknown {_THING[target]} '{value}'")
                )
    return issues


def _cold_chain_without_fleet(tables: Tables, unread: Unread) -> list[InputIssue]:
    """Cold-chain products when no vehicle is refrigerated."""
    vehicles = [v for _, v in _of(tables, "vehicles", Vehicle)]
    if "vehicles" in unread or not vehicles or any(v.refrigerated for v in vehicles):
        return []
    return [
        InputIssue(
            "<products>",
            i,
            "needs_cold_chain",
            f"product '{p.product_id}' needs a cold chain but no vehicle is refrigerated",
        )
        for i, p in _of(tables, "products", Product)
        if p.needs_cold_chain
    ]


def horizon_end(settings: Settings) -> dt.date:
    """The last day of the planning horizon."""
    return settings.planning_date + dt.timedelta(days=settings.horizon_days - 1)


def _outside_horizon(settings: Settings, tables: Tables) -> list[InputIssue]:
    """Orders and supply dated outside the planning horizon."""
    issues: list[InputIssue] = []
    start, last = settings.planning_date, horizon_end(settings)
    for i, o in _of(tables, "orders", Order):
        if o.ship_by.date() < start and not o.late:
            message = (
                f"ship_by {o.ship_by} is before the planning date {start} "
                "(only an order carried late, late=true, may be)"
            )
            issues.append(InputIssue("<orders>", i, "ship_by", message))
        elif o.ship_by.date() > last:
            message = (
                f"ship_by {o.ship_by} is after the planning horizon, which ends {last} "
                f"(horizon_days={settings.horizon_days} in scenario.toml)"
            )
            issues.append(InputIssue("<orders>", i, "ship_by", message))
    for i, x in _of(tables, "supply", Supply):
        if not (start <= x.date <= last):
            message = f"date {x.date} is outside the horizon {start}..{last}"
            issues.append(InputIssue("<supply>", i, "date", message))
    return issues


def _stock_past_shelf_life(tables: Tables) -> list[InputIssue]:
    """Opening stock already older than its shelf life."""
    issues: list[InputIssue] = []
    life_days = {p.product_id: p.shelf_life_days for _, p in _of(tables, "products", Product)}
    for i, st in _of(tables, "stock", Stock):
        life = life_days.get(st.product_id)
        if life is not None and st.age_days >= life:
            message = (
                f"stock aged {st.age_days} days is already past the shelf life "
                f"({life} days) of '{st.product_id}'"
            )
            issues.append(InputIssue("<stock>", i, "age_days", message))
    return issues


def cross_check_tables(
    settings: Settings | None, tables: Tables, unread: Unread | None = None
) -> list[InputIssue]:
    """Problems between tables: duplicates, unknown ids, impossible combinations."""
    unread = unread or {}
    issues: list[InputIssue] = []
    for name, table in TABLES.items():
        key = (table.id_column,) if table.id_column is not None else _KEYS[name]
        issues += _dupes(name, _rows(tables, name), key)
    for name in REQUIRED_TABLES:
        if name not in unread and not _rows(tables, name):
            issues.append(InputIssue(f"<{name}>", None, None, f"no {name} given"))
    issues += _references(tables, unread)
    issues += _cold_chain_without_fleet(tables, unread)
    if settings is not None:
        issues += _outside_horizon(settings, tables)
    issues += _stock_past_shelf_life(tables)
    return issues


def plausibility_warnings(
    settings: Settings | None, tables: Tables, unread: Unread | None = None
) -> list[InputIssue]:
    """Doubtful but valid values: an order above all the supply of its product over the
    horizon plus its stock (it can never be met in full, and it takes all there is)."""
    unread = unread or {}
    if settings is None or {"products", "supply", "stock"} & set(unread):
        return []
    start, last = settings.planning_date, horizon_end(settings)
    available_kg: dict[str, float] = {}
    for _, s in _of(tables, "supply", Supply):
        if start <= s.date <= last:
            available_kg[s.product_id] = available_kg.get(s.product_id, 0.0) + s.kg
    for _, st in _of(tables, "stock", Stock):
        available_kg[st.product_id] = available_kg.get(st.product_id, 0.0) + st.kg
    box_kg = {p.product_id: p.box_weight_kg for _, p in _of(tables, "products", Product)}
    issues = []
    for i, o in _of(tables, "orders", Order):
        if o.product_id not in box_kg:
            continue
        kg = o.quantity_boxes * box_kg[o.product_id]
        have = available_kg.get(o.product_id, 0.0)
        if kg > have:
            message = (
                f"{o.quantity_boxes} boxes ({kg:,.0f} kg) of '{o.product_id}' are more than "
                f"all its supply over the horizon plus stock ({have:,.0f} kg): the order "
                "cannot be met in full"
            )
            issues.append(InputIssue("<orders>", i, "quantity_boxes", message))
    return issues


__all__ = ["REFERENCES", "Tables", "Unread", "cross_check_tables", "horizon_end",
           "plausibility_warnings"]  # fmt: skip
