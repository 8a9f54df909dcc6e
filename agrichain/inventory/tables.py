"""Names of the planner's output tables and of their columns (see ``docs/inventory.md``).

``InventoryPlan.tables`` and ``Allocation.tables`` hold the frames named in
:data:`TABLE_NAMES` (``atp`` only when ATP is computed); each frame has the columns of
:data:`TABLE_COLUMNS`, in that order, and :data:`TABLE_KG_COLUMN` names its headline kg.
"""

from __future__ import annotations

#: Table names, as keys of ``tables``.
FLOWS_TABLE = "flows"
INVENTORY_TABLE = "inventory"
SPOILAGE_TABLE = "spoilage"
LOST_SALES_TABLE = "lost_sales"
ATP_TABLE = "atp"

#: Every table name, in display order.
TABLE_NAMES = (FLOWS_TABLE, INVENTORY_TABLE, SPOILAGE_TABLE, LOST_SALES_TABLE, ATP_TABLE)

#: Columns shared by the tables.
DAY_COLUMN = "day"
"""Days after the planning date (0 = the planning date)."""
DATE_COLUMN = "date"
"""The calendar date of :data:`DAY_COLUMN`."""
AGE_COLUMN = "age_days"
"""Days since harvest (inventory, spoilage)."""
KG_COLUMN = "kg"
"""kg moved (flows), kept overnight (inventory) or spoiled (spoilage)."""
FARM_COLUMN = "farm_id"
LOGISTICS_POINT_COLUMN = "logistics_point_id"
PRODUCT_COLUMN = "product_id"
LOST_KG_COLUMN = "lost_kg"
"""Demand kg not shipped (lost_sales)."""
ATP_KG_COLUMN = "atp_kg"
"""kg a session can still sell and ship fresh (atp)."""

FLOW_COLUMNS = [
    DAY_COLUMN,
    DATE_COLUMN,
    FARM_COLUMN,
    LOGISTICS_POINT_COLUMN,
    PRODUCT_COLUMN,
    KG_COLUMN,
]
INVENTORY_COLUMNS = [
    DAY_COLUMN,
    DATE_COLUMN,
    LOGISTICS_POINT_COLUMN,
    PRODUCT_COLUMN,
    AGE_COLUMN,
    "opening_kg",
    "received_kg",
    "shipped_kg",
    "spoiled_kg",
    KG_COLUMN,
]
SPOILAGE_COLUMNS = [
    DAY_COLUMN,
    DATE_COLUMN,
    LOGISTICS_POINT_COLUMN,
    PRODUCT_COLUMN,
    AGE_COLUMN,
    KG_COLUMN,
    "reason",
]
LOST_SALES_COLUMNS = [
    DAY_COLUMN,
    DATE_COLUMN,
    LOGISTICS_POINT_COLUMN,
    PRODUCT_COLUMN,
    "kind",
    "session_id",
    "first_ship_day",
    "n_orders",
    "demand_kg",
    "shipped_kg",
    LOST_KG_COLUMN,
    "reason",
]
ATP_COLUMNS = [
    "session_id",
    "session_start",
    LOGISTICS_POINT_COLUMN,
    PRODUCT_COLUMN,
    "ship_day",
    "ship_date",
    "forecast_kg",
    "planned_kg",
    ATP_KG_COLUMN,
    "atp_boxes",
    "status",
]

#: Columns of each table, by table name.
TABLE_COLUMNS: dict[str, list[str]] = {
    FLOWS_TABLE: FLOW_COLUMNS,
    INVENTORY_TABLE: INVENTORY_COLUMNS,
    SPOILAGE_TABLE: SPOILAGE_COLUMNS,
    LOST_SALES_TABLE: LOST_SALES_COLUMNS,
    ATP_TABLE: ATP_COLUMNS,
}
#: The kg column that sums up each table.
TABLE_KG_COLUMN: dict[str, str] = {
    FLOWS_TABLE: KG_COLUMN,
    INVENTORY_TABLE: KG_COLUMN,
    SPOILAGE_TABLE: KG_COLUMN,
    LOST_SALES_TABLE: LOST_KG_COLUMN,
    ATP_TABLE: ATP_KG_COLUMN,
}

__all__ = [
    "AGE_COLUMN",
    "ATP_COLUMNS",
    "ATP_KG_COLUMN",
    "ATP_TABLE",
    "DATE_COLUMN",
    "DAY_COLUMN",
    "FARM_COLUMN",
    "FLOWS_TABLE",
    "FLOW_COLUMNS",
    "INVENTORY_COLUMNS",
    "INVENTORY_TABLE",
    "KG_COLUMN",
    "LOGISTICS_POINT_COLUMN",
    "LOST_KG_COLUMN",
    "LOST_SALES_COLUMNS",
    "LOST_SALES_TABLE",
    "PRODUCT_COLUMN",
    "SPOILAGE_COLUMNS",
    "SPOILAGE_TABLE",
    "TABLE_COLUMNS",
    "TABLE_KG_COLUMN",
    "TABLE_NAMES",
]
