"""The scenario: every table and the settings, cross-checked, with look-ups."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from functools import cached_property

from pydantic import BaseModel, model_validator

from agrichain.errors import InputIssue, ScenarioError
from agrichain.model.records import (
    Farm,
    Forecast,
    LiveSession,
    LogisticsPoint,
    Order,
    Product,
    Record,
    Stock,
    Supply,
    Vehicle,
)
from agrichain.model.settings import Settings
from agrichain.model.tables import REQUIRED_TABLES, TABLES


class Scenario(Record):
    """A complete, cross-checked planning scenario.

    Build it from objects (``Scenario(settings=..., farms=[...], ...)``), from
    DataFrames (:func:`agrichain.io.scenario_from_frames`) or from a folder
    (:func:`agrichain.io.load_scenario`).
    """

    settings: Settings
    farms: tuple[Farm, ...]
    logistics_points: tuple[LogisticsPoint, ...]
    products: tuple[Product, ...]
    supply: tuple[Supply, ...] = ()
    sessions: tuple[LiveSession, ...] = ()
    orders: tuple[Order, ...] = ()
    vehicles: tuple[Vehicle, ...]
    forecast: tuple[Forecast, ...] = ()
    stock: tuple[Stock, ...] = ()

    @model_validator(mode="after")
    def _cross_check(self) -> Scenario:
        issues = cross_check(self)
        if issues:
            raise ScenarioError(issues)
        return self

    # ----- look-ups -------------------------------------------------------
    @cached_property
    def farm(self) -> dict[str, Farm]:
        return {f.farm_id: f for f in self.farms}

    @cached_property
    def logistics_point(self) -> dict[str, LogisticsPoint]:
        return {p.logistics_point_id: p for p in self.logistics_points}

    @cached_property
    def product(self) -> dict[str, Product]:
        return {p.product_id: p for p in self.products}

    @cached_property
    def session(self) -> dict[str, LiveSession]:
        return {s.session_id: s for s in self.sessions}

    @cached_property
    def vehicle(self) -> dict[str, Vehicle]:
        return {v.vehicle_id: v for v in self.vehicles}

    # ----- derived quantities ---------------------------------------------
    def order_kg(self, order: Order) -> float:
        """Weight of an order in kg."""
        return order.quantity_boxes * self.product[order.product_id].box_weight_kg

    def order_logistics_point(self, order: Order) -> str:
        """The logistics point that fulfils an order."""
        if order.logistics_point_id is not None:
            return order.logistics_point_id
        return self.session[order.session_id].logistics_point_id

    def day_of(self, when: dt.date | dt.datetime) -> int:
        """Day index of a date (0 = planning date)."""
        day = when.date() if isinstance(when, dt.datetime) else when
        return (day - self.settings.planning_date).days

    def minutes(self, when: dt.datetime) -> int:
        """Minutes from midnight of the planning date to ``when``."""
        start = dt.datetime.combine(self.settings.planning_date, dt.time())
        return int((when - start).total_seconds() // 60)

    def datetime_at(self, minutes: float) -> dt.datetime:
        """The timestamp ``minutes`` after midnight of the planning date."""
        start = dt.datetime.combine(self.settings.planning_date, dt.time())
        return start + dt.timedelta(minutes=float(minutes))

    def supply_on(self, day: int) -> dict[tuple[str, str], float]:
        """kg harvestable per (farm_id, product_id) on day index ``day``."""
        out: dict[tuple[str, str], float] = {}
        for s in self.supply:
            if self.day_of(s.date) == day:
                out[(s.farm_id, s.product_id)] = out.get((s.farm_id, s.product_id), 0.0) + s.kg
        return out

    def with_tables(self, **tables: Sequence[BaseModel]) -> Scenario:
        """A copy with some tables replaced (re-validated)."""
        data = {name: getattr(self, name) for name in ("settings", *TABLES)}
        data.update({k: tuple(v) for k, v in tables.items()})
        return Scenario(**data)

    def with_settings(self, settings: Settings) -> Scenario:
        """A copy with other settings (re-validated)."""
        data = {name: getattr(self, name) for name in TABLES}
        return Scenario(settings=settings, **data)


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
