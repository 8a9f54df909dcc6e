"""The scenario model: farms, logistics points, products, supply, live sessions, orders, vehicles.

Every object is immutable and validated on construction (pydantic). A
:class:`Scenario` also checks the references between tables; any problem is
raised as :class:`agrichain.errors.ScenarioError` naming table, row and column.

Clock times (``pickup_open``, ``cutoff``, ``shift_start`` …) are times of day,
the same every day. Timestamps (``LiveSession.start``, ``Order.ship_by``) are
local date-times. Internally solvers count minutes from midnight of
``Settings.planning_date`` (see :meth:`Scenario.minutes`).
"""

from agrichain.model.checks import REFERENCES, Unread, cross_check_tables, plausibility_warnings
from agrichain.model.issues import validation_issues
from agrichain.model.records import (
    KG_PER_T,
    MAX_ORDER_BOXES,
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
from agrichain.model.scenario import Scenario, cross_check, plausibility_doubts
from agrichain.model.settings import (
    ENGINE_NAMES,
    MAX_COUNT,
    MAX_TIME_LIMIT_S,
    EngineName,
    InventorySettings,
    RoutingSettings,
    Settings,
    TravelSettings,
)
from agrichain.model.tables import GEO_TABLES, REQUIRED_TABLES, TABLES, Table

__all__ = [
    "ENGINE_NAMES",
    "GEO_TABLES",
    "KG_PER_T",
    "MAX_COUNT",
    "MAX_ORDER_BOXES",
    "MAX_TIME_LIMIT_S",
    "REFERENCES",
    "REQUIRED_TABLES",
    "TABLES",
    "EngineName",
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
    "Unread",
    "Vehicle",
    "cross_check",
    "cross_check_tables",
    "minutes_of_day",
    "plausibility_doubts",
    "plausibility_warnings",
    "validation_issues",
]
