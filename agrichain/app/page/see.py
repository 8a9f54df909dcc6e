"""Step 4 · routes: the map settings (sidebar), the KPIs, the map with the vehicle shown
and its legend, and the plan's tables (routes, unserved work, each order's fate, the
inventory by day)."""

from __future__ import annotations

import os

import streamlit as st

from agrichain.app import jobs, results
from agrichain.app import map as route_map
from agrichain.app.page import state
from agrichain.model import Scenario
from agrichain.plan import Plan


def map_settings() -> str | None:
    """The basemap style URL typed in the sidebar (or from the environment); None = no basemap."""
    with st.sidebar, st.expander("Map settings"):
        style = st.text_input(
            "Basemap style URL",
            value=os.environ.get(route_map.MAP_STYLE_ENV, ""),
            key="map_style",
            help="A MapLibre style JSON URL. Leave empty to draw without a basemap (offline).",
        ).strip()
    return style or None


def show(scenario: Scenario, key: str, map_style: str | None) -> jobs.PlanResult | None:
    """The plan kept for the page, or only the places if there is none; that plan, or None.

    ``key`` is that of the data and options now on the page: a plan made with others is
    marked as made before the latest changes.
    """
    st.header("4 · Routes")
    result = state.kept_plan()
    if result is None:
        st.info("No plan yet: check the orders, then press **Plan**. The map shows the places.")
        deck = route_map.build_deck(route_map.map_data(scenario), map_style)
        st.pydeck_chart(deck, height=route_map.MAP_HEIGHT_PX, key="map")
        return None
    plan = result.plan
    if result.key != key:
        st.warning(
            "This plan was made before the latest changes to the data or options. "
            "Press **Plan** to plan again."
        )
    st.caption(results.plan_caption(result))
    kpis = results.kpi_values(plan)
    for column, (label, value) in zip(st.columns(len(kpis)), kpis, strict=True):
        column.metric(label, value)
    map_col, side_col = st.columns([3, 2])
    with map_col:
        route_map_with_legend(result.scenario, plan, map_style)
    with side_col:
        plan_tables(plan)
    return result


def route_map_with_legend(scenario: Scenario, plan: Plan, map_style: str | None) -> None:
    """The vehicle to show (all, or one with the others dimmed), the map and its legend."""
    vehicles = [None, *(r.vehicle_id for r in plan.routes)]  # a new plan starts from all
    chosen: str | None = st.selectbox(
        "Vehicle on the map",
        vehicles,
        key="map_vehicle",
        format_func=lambda v: "all vehicles" if v is None else v,
        help="One vehicle drawn in its colour on top, the others dimmed.",
    )
    deck_col, legend_col = st.columns([3, 1])
    with deck_col:
        data = route_map.map_data(scenario, plan, vehicle_id=chosen)
        deck = route_map.build_deck(data, map_style)
        st.pydeck_chart(deck, height=route_map.MAP_HEIGHT_PX, key="map")
    with legend_col:
        legend = route_map.legend_html(plan, route_map.vehicle_colours(plan), chosen)
        st.markdown(legend, unsafe_allow_html=True)


def plan_tables(plan: Plan) -> None:
    """Tabs of the routes, the unserved work, each order's fate and, for inventory plans,
    the stock by day."""
    inventory = results.inventory_tables(plan)
    tab_labels = ["Routes", f"Unserved ({len(plan.unserved)})", f"Orders ({len(plan.orders)})"]
    side_tabs = st.tabs([*tab_labels, "Inventory by day"] if inventory else tab_labels)
    with side_tabs[0], st.container(key="routes_box"):
        hh_mm = st.column_config.DatetimeColumn(format="HH:mm")
        state.show_table(plan.routes_frame(), "routes_table", start=hh_mm, end=hh_mm)
        if not plan.routes:
            st.info("No vehicle leaves its depot in this plan.")
    with side_tabs[1]:
        if plan.unserved:
            wide = st.column_config.TextColumn(width="large")
            state.show_table(plan.unserved_frame(), "unserved_table", reason=wide)
        else:
            st.success("Everything ordered is planned.")
    with side_tabs[2]:
        order_fates(plan)
    if inventory:
        with side_tabs[3]:
            for chart_title, chart in results.inventory_charts(inventory):
                st.markdown(f"**{chart_title}**")
                st.bar_chart(chart, stack=True)
            for name, frame in inventory.items():
                st.markdown(results.table_heading(name, frame))
                state.show_table(frame, f"inventory_{name}")


def order_fates(plan: Plan) -> None:
    """Each order once with where its kg come from, filtered by fate."""
    counts = results.fate_counts(plan)
    chosen = st.multiselect(
        "Fate",
        results.FATES,
        key="orders_fate_filter",
        format_func=lambda fate: f"{fate} ({counts.get(fate, 0):,})",
        placeholder="all fates",
        help="collected: today's pickups carry it; from_stock: stock at its logistics point; "
        "later_day: a later day's harvest; unserved: some kg are not planned; mixed: several.",
    )
    wide = st.column_config.TextColumn(width="large")
    state.show_table(results.orders_of_fates(plan, chosen), "orders_table", reason=wide)
