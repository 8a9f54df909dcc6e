"""Problems between the tables of a scenario, and located issues from row validation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from pydantic import BaseModel, ValidationError

from agrichain.errors import InputIssue
from agrichain.model.tables import REQUIRED_TABLES, TABLES

if TYPE_CHECKING:
    from agrichain.model.scenario import Scenario


def _dupes(table: str, rows: Iterable[BaseModel], key: tuple[str, ...]) -> list[InputIssue]:
    seen: dict[tuple[object, ...], int] = {}
    issues = []
    for i, row in enumerate(rows):
        k = tuple(getattr(row, c) for c in key)
        if k in seen:
            what = ", ".join(f"{c}={getattr(row, c)}" for c in key)
            issues.append(
                InputIssue(f"<{table}>", i, key[-1], f"duplicate {what} (first at index {seen[k]})")
            )
        else:
            seen[k] = i
    return issues


def _refs(
    table: str, rows: Iterable[BaseModel], column: str, known: set[str], target: str
) -> list[InputIssue]:
    issues = []
    for i, row in enumerate(rows):
        value = getattr(row, column)
        if value is not None and value not in known:
            issues.append(InputIssue(f"<{table}>", i, column, f"unknown {target} '{value}'"))
    return issues


def cross_check(s: Scenario) -> list[InputIssue]:
    """Problems between tables: duplicates, unknown ids, impossible combinations.

    Issues name the table as ``<table>`` and the 0-based record index as the row;
    :mod:`agrichain.io` rewrites them to file names and line numbers.
    """
    issues: list[InputIssue] = []
    for name, table in TABLES.items():
        if table.id_column is not None:
            issues += _dupes(name, getattr(s, name), (table.id_column,))
    issues += _dupes("supply", s.supply, ("farm_id", "product_id", "date"))
    issues += _dupes("forecast", s.forecast, ("session_id", "product_id"))
    issues += _dupes("stock", s.stock, ("logistics_point_id", "product_id", "age_days"))
    for name in REQUIRED_TABLES:
        if not getattr(s, name):
            issues.append(InputIssue(f"<{name}>", None, None, f"no {name} given"))
    issues += _unknown_ids(s)
    issues += _cold_chain_without_fleet(s)
    issues += _outside_horizon(s)
    issues += _stock_past_shelf_life(s)
    return issues


def _unknown_ids(s: Scenario) -> list[InputIssue]:
    """References to ids that no table defines."""
    issues: list[InputIssue] = []
    farms = {f.farm_id for f in s.farms}
    lps = {p.logistics_point_id for p in s.logistics_points}
    products = {p.product_id for p in s.products}
    sessions = {x.session_id for x in s.sessions}
    issues += _refs("supply", s.supply, "farm_id", farms, "farm")
    issues += _refs("supply", s.supply, "product_id", products, "product")
    issues += _refs("sessions", s.sessions, "logistics_point_id", lps, "logistics point")
    issues += _refs("orders", s.orders, "session_id", sessions, "session")
    issues += _refs("orders", s.orders, "product_id", products, "product")
    issues += _refs("orders", s.orders, "logistics_point_id", lps, "logistics point")
    issues += _refs("vehicles", s.vehicles, "home_logistics_point_id", lps, "logistics point")
    issues += _refs("forecast", s.forecast, "session_id", sessions, "session")
    issues += _refs("forecast", s.forecast, "product_id", products, "product")
    issues += _refs("stock", s.stock, "logistics_point_id", lps, "logistics point")
    issues += _refs("stock", s.stock, "product_id", products, "product")

    return issues


def _cold_chain_without_fleet(s: Scenario) -> list[InputIssue]:
    """Cold-chain products when no vehicle is refrigerated."""
    issues: list[InputIssue] = []
    if s.vehicles and not any(v.refrigerated for v in s.vehicles):
        for i, p in enumerate(s.products):
            if p.needs_cold_chain:
                issues.append(
                    InputIssue(
                        "<products>",
                        i,
                        "needs_cold_chain",
                        f"product '{p.product_id}' needs a cold chain "
                        "but no vehicle is refrigerated",
                    )
                )
    return issues


def _outside_horizon(s: Scenario) -> list[InputIssue]:
    """Orders and supply dated outside the planning horizon."""
    issues: list[InputIssue] = []
    start = s.settings.planning_date
    last = start + dt.timedelta(days=s.settings.horizon_days - 1)
    for i, o in enumerate(s.orders):
        if o.ship_by.date() < start:
            issues.append(
                InputIssue(
                    "<orders>",
                    i,
                    "ship_by",
                    f"ship_by {o.ship_by} is before the planning date {start}",
                )
            )
        elif o.ship_by.date() > last:
            issues.append(
                InputIssue(
                    "<orders>",
                    i,
                    "ship_by",
                    f"ship_by {o.ship_by} is after the planning horizon, which ends {last} "
                    f"(horizon_days={s.settings.horizon_days} in scenario.toml)",
                )
            )
    for i, x in enumerate(s.supply):
        if not (start <= x.date <= last):
            issues.append(
                InputIssue(
                    "<supply>", i, "date", f"date {x.date} is outside the horizon {start}..{last}"
                )
            )
    return issues


def _stock_past_shelf_life(s: Scenario) -> list[InputIssue]:
    """Opening stock already older than its shelf life."""
    issues: list[InputIssue] = []
    life_days = {p.product_id: p.shelf_life_days for p in s.products}
    for i, st in enumerate(s.stock):
        if st.product_id in life_days:
            life = life_days[st.product_id]
            if st.age_days >= life:
                issues.append(
                    InputIssue(
                        "<stock>",
                        i,
                        "age_days",
                        f"stock aged {st.age_days} days is already past the shelf life "
                        f"({life} days) of '{st.product_id}'",
                    )
                )
    return issues


def validation_issues(exc: ValidationError, file: str | None, row: int | None) -> list[InputIssue]:
    """Turn a pydantic error on one record into located issues."""
    out = []
    for err in exc.errors():
        loc = [str(x) for x in err.get("loc", ())]
        column = loc[0] if loc else None
        msg = err.get("msg", "invalid value")
        msg = msg.removeprefix("Value error, ")
        value = err.get("input")
        if column is not None and not isinstance(value, dict):
            msg = f"{msg} (got {value!r})"
        out.append(InputIssue(file, row, column, msg))
    return out
