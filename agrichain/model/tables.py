"""The table registry: the nine tables of a scenario, their rows, keys and meaning.

Loaders, writers, the format documentation and the app all read this one registry.
"""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class Table:
    """One table of a scenario."""

    row: type[Record]
    """The model of one row (its fields are the file's columns)."""
    id_column: str | None
    """The column that identifies a row (None: rows are keyed by several columns)."""
    meaning: str
    """One sentence for the format documentation."""
    required: bool = False
    """Must be present in a scenario folder."""
    geo: bool = False
    """May also come as a GeoJSON / GeoPackage point layer."""


#: Tables of a scenario, in load order.
TABLES: dict[str, Table] = {
    "farms": Table(
        Farm, "farm_id", "Smallholder farms where the fleet picks goods up.", True, True
    ),
    "logistics_points": Table(
        LogisticsPoint,
        "logistics_point_id",
        "Packing hubs / express stations: depots of the fleet and destinations.",
        True,
        True,
    ),
    "products": Table(
        Product, "product_id", "Products sold in boxes, with shelf life and transit limits.", True
    ),
    "supply": Table(Supply, None, "Harvestable kg per farm, product and date."),
    "sessions": Table(
        LiveSession,
        "session_id",
        "Live-streaming sales sessions and the logistics point fulfilling each.",
    ),
    "orders": Table(Order, "order_id", "Orders taken in a session (confirmed sales)."),
    "vehicles": Table(Vehicle, "vehicle_id", "The collection fleet.", True),
    "forecast": Table(
        Forecast, None, "Expected sales of sessions not yet held (inventory planning)."
    ),
    "stock": Table(Stock, None, "Stock at logistics points at the start of the planning date."),
}
#: Tables that must be present in a scenario folder.
REQUIRED_TABLES = tuple(name for name, table in TABLES.items() if table.required)
#: Tables that may also come as GeoJSON / GeoPackage point layers.
GEO_TABLES = tuple(name for name, table in TABLES.items() if table.geo)


__all__ = ["GEO_TABLES", "REQUIRED_TABLES", "TABLES", "Table"]
