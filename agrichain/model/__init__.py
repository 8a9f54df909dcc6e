"""The scenario model: farms, logistics points, products, supply, live sessions, orders, vehicles.

Every object is immutable and validated on construction (pydantic). A
:class:`Scenario` also checks the references between tables; any problem is
raised as :class:`agrichain.errors.ScenarioError` naming table, row and column.

Clock times (``pickup_open``, ``cutoff``, ``shift_start`` …) are times of day,
the same every day. Timestamps (``LiveSession.start``, ``Order.ship_by``) are
local date-times. Internally solvers count minutes from midnight of
``Settings.planning_date`` (see :meth:`Scenario.minutes`).
"""

from agrichain.model.issues import validation_issues
from agrichain.model.records import (
    KG_PER_T,
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
    minutes_of_day,
)
from agrichain.model.scenario import Scenario, cross_check
from agrichain.model.settings import InventorySettings, RoutingSettings, Settings, TravelSettings
from agrichain.model.tables import GEO_TABLES, REQUIRED_TABLES, TABLES, Table

__all__ = [
    "GEO_TABLES",
    "KG_PER_T",
    "REQUIRED_TABLES",
    "TABLES",
    "Farm",
    "Forecast",
    "InventorySettings",
    "LiveSession",
    "LogisticsPoint",
    "Order",
    "Product",
    "Record",
    "RoutingSettings",
    "Scenario",
    "Settings",
    "Stock",
    "Supply",
    "Table",
    "TravelSettings",
    "Vehicle",
    "cross_check",
    "minutes_of_day",
    "validation_issues",
]
