"""The scenario: every table and the settings, cross-checked, with look-ups."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import cached_property

from pydantic import BaseModel, model_validator

from agrichain.errors import InputIssue, ScenarioError
from agrichain.model.checks import cross_check_tables, plausibility_warnings
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
from agrichain.model.tables import TABLES


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


def cross_check(s: Scenario) -> list[InputIssue]:
    """Problems between tables: duplicates, unknown ids, impossible combinations.

    Issues name the table as ``<table>`` and the 0-based record index as the row;
    :mod:`agrichain.io` rewrites them to file names and line numbers.
    """
    return cross_check_tables(s.settings, {name: getattr(s, name) for name in TABLES})


def plausibility_doubts(s: Scenario) -> list[InputIssue]:
    """Doubtful but valid values of a loaded scenario (see
    :func:`~agrichain.model.checks.plausibility_warnings`); rows as in :func:`cross_check`."""
    return plausibility_warnings(s.settings, {name: getattr(s, name) for name in TABLES})
