"""What a plan shows: headline numbers, each order's fate, the inventory planner's tables
and their charts."""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from agrichain.app.jobs import PlanResult
from agrichain.inventory.tables import (
    AGE_COLUMN,
    DATE_COLUMN,
    DAY_COLUMN,
    FLOWS_TABLE,
    INVENTORY_TABLE,
    KG_COLUMN,
    PRODUCT_COLUMN,
    SPOILAGE_TABLE,
    TABLE_KG_COLUMN,
    TABLE_NAMES,
)
from agrichain.plan import Fate, Plan

#: The fates an order can have, in display order.
FATES = [fate.value for fate in Fate]
#: Chart titles.
STOCK_CHART_TITLE = "Stock by age over the days (kg)"
FLOW_CHART_TITLE = "Daily flows (kg)"


def inventory_tables(plan: Plan) -> dict[str, pd.DataFrame]:
    """The inventory planner's tables present in the plan (none with the default allocator)."""
    return {n: plan.tables[n] for n in TABLE_NAMES if isinstance(plan.tables.get(n), pd.DataFrame)}


def _kg(frame: pd.DataFrame, column: str) -> pd.Series:
    return pd.to_numeric(frame[column], errors="coerce").fillna(0.0)


def table_kg(table: str, frame: pd.DataFrame) -> float | None:
    """Total of an inventory table's kg column (None when the table has none)."""
    column = TABLE_KG_COLUMN.get(table)
    if column is None or column not in frame.columns:
        return None
    return float(_kg(frame, column).sum())


def table_heading(table: str, frame: pd.DataFrame) -> str:
    """A table's name in bold with its total kg, as Markdown."""
    total = table_kg(table, frame)
    return f"**{table}**" + (f" — {total:,.1f} kg" if total is not None else "")


def spoilage_kg(plan: Plan) -> float | None:
    """kg spoiled over the horizon (inventory plans only)."""
    frame = inventory_tables(plan).get(SPOILAGE_TABLE)
    return None if frame is None else table_kg(SPOILAGE_TABLE, frame)


def _day_axis(frame: pd.DataFrame) -> str | None:
    """The column charts put along the days: the date, else the day number."""
    return next((c for c in (DATE_COLUMN, DAY_COLUMN) if c in frame.columns), None)


def _kg_pivot(frame: pd.DataFrame, day: str, columns: str) -> pd.DataFrame:
    """kg summed per day (rows, as text) and ``columns`` values."""
    data = frame.assign(kg_total=_kg(frame, KG_COLUMN))
    out = data.pivot_table(
        index=day, columns=columns, values="kg_total", aggfunc="sum", fill_value=0.0
    )
    out.index = out.index.astype(str)
    return out


def stock_age_chart_frame(frame: pd.DataFrame) -> pd.DataFrame | None:
    """kg in stock per day (rows) and age in days (columns) of an ``inventory`` table,
    for a stacked chart; None when the table cannot be charted."""
    day = _day_axis(frame)
    if day is None or frame.empty or not {AGE_COLUMN, KG_COLUMN} <= set(frame.columns):
        return None
    out = _kg_pivot(frame, day, AGE_COLUMN)
    out.columns = [f"age {c} d" for c in out.columns]
    return out


def daily_flows(frame: pd.DataFrame) -> pd.DataFrame | None:
    """kg moved per day (rows) and product (columns) of a ``flows`` table, for a stacked
    chart; None when the table cannot be charted."""
    day = _day_axis(frame)
    if day is None or frame.empty or not {PRODUCT_COLUMN, KG_COLUMN} <= set(frame.columns):
        return None
    out = _kg_pivot(frame, day, PRODUCT_COLUMN)
    out.columns = [str(c) for c in out.columns]
    return out


def inventory_charts(tables: dict[str, pd.DataFrame]) -> list[tuple[str, pd.DataFrame]]:
    """(title, chart frame) of the stock by age and of the daily flows, when present."""
    stock, flows = tables.get(INVENTORY_TABLE), tables.get(FLOWS_TABLE)
    charts = [
        (STOCK_CHART_TITLE, None if stock is None else stock_age_chart_frame(stock)),
        (FLOW_CHART_TITLE, None if flows is None else daily_flows(flows)),
    ]
    return [(title, chart) for title, chart in charts if chart is not None]


def fate_counts(plan: Plan) -> dict[str, int]:
    """Orders per fate, in :data:`FATES` order."""
    return {fate.value: sum(1 for o in plan.orders if o.fate is fate) for fate in Fate}


def orders_of_fates(plan: Plan, fates: Collection[str] = ()) -> pd.DataFrame:
    """The plan's ``orders.csv`` rows whose fate is one of ``fates`` (all when empty)."""
    frame = plan.orders_frame()
    return frame[frame["fate"].isin(list(fates))] if fates else frame


def kpi_values(plan: Plan) -> list[tuple[str, str]]:
    """Headline numbers of a plan as (label, text) pairs, in display order."""
    s = plan.summary
    out = [
        ("Vehicles used", f"{s['vehicles_used']} / {s['vehicles_available']}"),
        ("Distance (km)", f"{s['distance_km']:,.1f}"),
        (f"Cost ({s['currency']})", f"{s['cost_total']:,.2f}"),
        ("Collected (kg)", f"{s['kg_collected']:,.1f}"),
        ("Unserved (kg)", f"{s['kg_unserved']:,.1f}"),
        ("Orders unserved", f"{s['orders_unserved']} / {s['orders_total']}"),
    ]
    spoiled = spoilage_kg(plan)
    if spoiled is not None:
        out.append(("Spoilage (kg)", f"{spoiled:,.1f}"))
    return out


def plan_caption(result: PlanResult) -> str:
    """One line on how a plan was made: status, time, engine, allocation, limits."""
    plan, options = result.plan, result.options
    summary = plan.summary
    limit = f", solution limit {options.solution_limit}" if options.solution_limit else ""
    return (
        f"Plan {plan.status.value} · made in {result.wall_s:.1f} s · engine "
        f"{summary['routing']['engine']} ({summary['routing']['solver_status']}) · allocation "
        f"{summary['allocation']['method']} · time limit {options.time_limit_s:g} s{limit}"
    )


__all__ = [
    "FATES",
    "FLOW_CHART_TITLE",
    "STOCK_CHART_TITLE",
    "daily_flows",
    "fate_counts",
    "inventory_charts",
    "inventory_tables",
    "kpi_values",
    "orders_of_fates",
    "plan_caption",
    "spoilage_kg",
    "stock_age_chart_frame",
    "table_heading",
    "table_kg",
]
