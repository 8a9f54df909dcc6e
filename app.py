"""agrichain planner: load the night's orders, check them, plan, see the routes, hand over.

Run with ``streamlit run app.py``. Bundled instances are read from ``instances/``
(or ``$AGRICHAIN_INSTANCES_DIR``); a basemap is drawn only when
``$AGRICHAIN_MAP_STYLE`` (or the sidebar setting) gives a style URL, so the map
works offline. All planning is done by the library (``agrichain.pipeline.plan_day``)
in a worker process; this file only lays out the page.
"""

from __future__ import annotations

import hashlib
import html
import os
import time
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from agrichain import app_support as sup
from agrichain.errors import InputIssue, ScenarioError
from agrichain.io import load_scenario
from agrichain.model import TABLES, Scenario

REPO = Path(__file__).resolve().parent
MAX_CACHED_PLANS = 6
FILTER_KEYS = ("f_sessions", "f_products", "f_points")
OPTION_KEYS = (
    "opt_time_limit",
    "opt_solution_limit",
    "opt_seed",
    "opt_drop_penalty",
    "opt_override_km",
    "opt_cost_per_km",
    "opt_allocation",
    "opt_engine",
)

st.set_page_config(page_title="agrichain planner", page_icon="🚚", layout="wide")
ss = st.session_state
ss.setdefault("scenario", None)
ss.setdefault("source", "")
ss.setdefault("drafts", {})
ss.setdefault("draft_version", 0)
ss.setdefault("edit_issues", ())
ss.setdefault("load_error", None)
ss.setdefault("seen_uploads", set())
ss.setdefault("plans", {})
ss.setdefault("plan_key", None)
ss.setdefault("plan_error", None)
ss.setdefault("job", None)
ss.setdefault("tried_default", False)
sup.warm_up()


# ----- state changes ---------------------------------------------------------------


def set_scenario(scenario: Scenario, source: str) -> None:
    """Make ``scenario`` the loaded one; edits start again from it."""
    ss.scenario = scenario
    ss.source = source
    ss.drafts = sup.editable_frames(scenario)
    ss.draft_version += 1
    ss.edit_issues = ()
    ss.load_error = None
    for key in FILTER_KEYS + OPTION_KEYS:
        ss.pop(key, None)


def show_issues(title: str, issues: tuple[InputIssue, ...] | list[InputIssue], key: str) -> None:
    """A readable list of validation problems: file, row, column, what is wrong."""
    n = len(issues)
    st.error(f"{title} — {n} problem{'s' if n != 1 else ''}:")
    st.dataframe(
        sup.issues_frame(issues),
        key=key,
        hide_index=True,
        width="stretch",
        column_config={"problem": st.column_config.TextColumn("what is wrong", width="large")},
    )


def remember(result: sup.PlanResult) -> None:
    plans = dict(ss.plans)
    plans[result.key] = result
    while len(plans) > MAX_CACHED_PLANS:
        plans.pop(next(iter(plans)))
    ss.plans = plans
    ss.plan_key = result.key


# ----- 1 · load --------------------------------------------------------------------

with st.sidebar:
    st.header("1 · Load")
    folder = sup.instances_dir(REPO)
    names = sup.list_instances(folder)
    if names:
        first = sup.default_instance(names) or names[0]
        choice = st.selectbox("Bundled instance", names, index=names.index(first), key="instance")
        load_clicked = st.button("Load instance", key="load_instance", width="stretch")
        if load_clicked or (ss.scenario is None and not ss.tried_default):
            ss.tried_default = True
            try:
                set_scenario(load_scenario(folder / choice), f"instance '{choice}'")
            except ScenarioError as exc:
                ss.load_error = (f"Instance '{choice}' could not be loaded", exc.issues)
    else:
        st.info(f"No bundled instances in `{folder}`. Upload a scenario below.")

    zipped = st.file_uploader(
        "Scenario folder as .zip",
        type=["zip"],
        key="upload_zip",
        help="scenario.toml and the CSV files, zipped (at the top or in one folder).",
    )
    if zipped is not None and zipped.file_id not in ss.seen_uploads:
        ss.seen_uploads.add(zipped.file_id)
        try:
            set_scenario(sup.scenario_from_zip(zipped.getvalue(), zipped.name), zipped.name)
        except ScenarioError as exc:
            ss.load_error = (
                f"{zipped.name} was not loaded; the data shown is unchanged",
                exc.issues,
            )

    table_choice = st.selectbox(
        "Table the file replaces",
        ["from the file name", *TABLES],
        key="upload_table_name",
        help="orders.csv replaces the orders, vehicles.xlsx the vehicles …; otherwise orders.",
    )
    single = st.file_uploader(
        "Orders (or another table) as .csv / .xlsx",
        type=["csv", "xlsx", "xlsm"],
        key="upload_table",
        help="Replaces one table of the loaded scenario, e.g. the night's orders.",
    )
    if single is not None and single.file_id not in ss.seen_uploads:
        ss.seen_uploads.add(single.file_id)
        table = (
            sup.guess_table(single.name) or "orders"
            if table_choice == "from the file name"
            else table_choice
        )
        if ss.scenario is None:
            ss.load_error = (
                f"{single.name} was not loaded",
                [InputIssue(single.name, None, None, "load a scenario first")],
            )
        else:
            try:
                updated = sup.scenario_with_table_file(
                    ss.scenario, table, single.name, single.getvalue()
                )
                set_scenario(updated, f"{ss.source} + {single.name} ({table})")
            except ScenarioError as exc:
                ss.load_error = (
                    f"{single.name} was not loaded; the data shown is unchanged",
                    exc.issues,
                )

    with st.expander("Map settings"):
        map_style = st.text_input(
            "Basemap style URL",
            value=os.environ.get(sup.MAP_STYLE_ENV, ""),
            key="map_style",
            help="A MapLibre style JSON URL. Leave empty to draw without a basemap (offline).",
        ).strip()

st.title("agrichain · nightly collection plan")

if ss.load_error is not None:
    title, issues = ss.load_error
    show_issues(title, issues, key="load_issues")
    if st.button("Dismiss", key="dismiss_load_error"):
        ss.load_error = None
        st.rerun()

scenario: Scenario | None = ss.scenario
if scenario is None:
    st.info("Load a bundled instance or upload a scenario (sidebar) to begin.")
    st.stop()
assert scenario is not None
cfg = scenario.settings
st.caption(
    f"Loaded {ss.source}: **{cfg.name}**, planning date {cfg.planning_date:%Y-%m-%d} · "
    f"{len(scenario.farms)} farms · {len(scenario.logistics_points)} logistics points · "
    f"{len(scenario.orders)} orders · {len(scenario.vehicles)} vehicles "
    f"({sum(v.refrigerated for v in scenario.vehicles)} refrigerated)"
)

# ----- 2 · check and edit ------------------------------------------------------------

st.header("2 · Check and edit")
f1, f2, f3 = st.columns(3)
sessions = f1.multiselect(
    "Live sessions",
    [s.session_id for s in scenario.sessions],
    key="f_sessions",
    format_func=lambda s: f"{s} {scenario.session[s].name}".strip(),
)
products = f2.multiselect(
    "Products",
    [p.product_id for p in scenario.products],
    key="f_products",
    format_func=lambda p: f"{p} {scenario.product[p].name}".strip(),
)
points = f3.multiselect(
    "Logistics points",
    [p.logistics_point_id for p in scenario.logistics_points],
    key="f_points",
)
edit_box = st.container()

ids = {
    "sessions": [s.session_id for s in scenario.sessions],
    "products": [p.product_id for p in scenario.products],
    "points": [p.logistics_point_id for p in scenario.logistics_points],
    "farms": [f.farm_id for f in scenario.farms],
}
COLUMN_CONFIG: dict[str, dict[str, Any]] = {
    "orders": {
        "session_id": st.column_config.SelectboxColumn(options=ids["sessions"], required=True),
        "product_id": st.column_config.SelectboxColumn(options=ids["products"], required=True),
        "quantity_boxes": st.column_config.NumberColumn(min_value=1, step=1, required=True),
        "logistics_point_id": st.column_config.SelectboxColumn(
            options=ids["points"], help="empty: the session's logistics point"
        ),
        "ship_by": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm", required=True),
    },
    "vehicles": {
        "home_logistics_point_id": st.column_config.SelectboxColumn(
            options=ids["points"], required=True
        ),
        "capacity_kg": st.column_config.NumberColumn(min_value=0.0, format="%.0f"),
        "shift_start": st.column_config.TimeColumn(format="HH:mm", required=True),
        "shift_end": st.column_config.TimeColumn(format="HH:mm", required=True),
    },
    "supply": {
        "farm_id": st.column_config.SelectboxColumn(options=ids["farms"], required=True),
        "product_id": st.column_config.SelectboxColumn(options=ids["products"], required=True),
        "date": st.column_config.DateColumn(format="YYYY-MM-DD", required=True),
        "kg": st.column_config.NumberColumn(min_value=0.0, format="%.1f"),
    },
}


def table_editor(table: str, mask: pd.Series) -> bool:
    """An editor over the filtered rows of a draft table; True if the draft changed."""
    full: pd.DataFrame = ss.drafts[table]
    shown = full.loc[mask]
    tag = hashlib.sha1(repr((sessions, products, points)).encode()).hexdigest()[:8]
    key = f"edit_{table}_{ss.draft_version}_{tag}"
    st.caption(
        f"{len(shown)} of {len(full)} rows shown. The row number at the left is the one "
        "named in error messages. Add rows at the bottom; select rows to delete them."
    )
    edited = st.data_editor(
        shown,
        key=key,
        num_rows="dynamic",
        width="stretch",
        height=min(420, 38 + 35 * (len(shown) + 1)),
        column_config=COLUMN_CONFIG.get(table),
    )
    if sup.edit_count(ss.get(key)) == 0:
        return False
    merged = sup.merge_edited(full, shown.index, edited)
    if sup.same_rows(merged, full):
        return False
    drafts = dict(ss.drafts)
    drafts[table] = merged
    ss.drafts = drafts
    return True


orders_draft: pd.DataFrame = ss.drafts["orders"]
tab_orders, tab_vehicles, tab_supply, tab_totals = st.tabs(
    [
        f"Orders ({len(orders_draft)})",
        f"Vehicles ({len(ss.drafts['vehicles'])})",
        f"Supply ({len(ss.drafts['supply'])})",
        "Totals per product",
    ]
)
changed = False
with tab_orders:
    mask = sup.order_mask(scenario, orders_draft, sessions, products, points)
    changed |= table_editor("orders", mask)
with tab_vehicles:
    vehicles_draft: pd.DataFrame = ss.drafts["vehicles"]
    vmask = (
        vehicles_draft["home_logistics_point_id"].isin(points)
        if points
        else pd.Series(True, index=vehicles_draft.index)
    )
    changed |= table_editor("vehicles", vmask)
with tab_supply:
    supply_draft: pd.DataFrame = ss.drafts["supply"]
    smask = (
        supply_draft["product_id"].isin(products)
        if products
        else pd.Series(True, index=supply_draft.index)
    )
    changed |= table_editor("supply", smask)

if changed:
    # The edit is now part of the drafts: validate, then show editors over the new drafts
    # at once (new keys), so the next edit is not made on an editor about to be replaced.
    ss.draft_version += 1
    try:
        ss.scenario = sup.scenario_with_frames(scenario, ss.drafts)
        ss.edit_issues = ()
    except ScenarioError as exc:
        ss.edit_issues = exc.issues
    st.rerun()

with edit_box:
    if ss.edit_issues:
        show_issues(
            "The edited tables are not valid; planning uses the last valid data",
            ss.edit_issues,
            key="edit_issues_table",
        )
        if st.button("Discard my edits", key="discard_edits"):
            ss.drafts = sup.editable_frames(scenario)
            ss.draft_version += 1
            ss.edit_issues = ()
            st.rerun()

with tab_totals:
    st.caption(
        "Ordered kg of the orders matching the filters, against the harvest and stock. "
        "A negative balance means today's harvest and stock cannot cover what ships today."
    )
    st.dataframe(
        sup.product_totals(scenario, sessions, products, points),
        key="totals_table",
        hide_index=True,
        width="stretch",
    )

# ----- 3 · plan -----------------------------------------------------------------------

st.header("3 · Plan")
defaults = sup.PlanOptions.from_scenario(scenario)
o1, o2, o3, o4 = st.columns(4)
time_limit = o1.number_input(
    "Time limit (s)",
    min_value=1.0,
    max_value=3600.0,
    value=float(defaults.time_limit_s),
    step=5.0,
    key="opt_time_limit",
    help="Wall-clock limit of the routing search.",
)
solution_limit = o2.number_input(
    "Solution limit",
    min_value=0,
    max_value=100000,
    value=int(defaults.solution_limit or 0),
    step=10,
    key="opt_solution_limit",
    help="Stop after this many improving solutions (reproducible plans); 0 = time limit only.",
)
drop_penalty = o3.number_input(
    f"Drop penalty ({cfg.currency}/kg)",
    min_value=0.0,
    value=float(cfg.routing.drop_penalty_per_kg),
    step=5.0,
    key="opt_drop_penalty",
    help="Cost of leaving 1 kg uncollected; higher means collect more at higher routing cost.",
)
override_km = o4.checkbox(
    "Same cost per km for all vehicles",
    key="opt_override_km",
    help="Otherwise each vehicle's own cost_per_km (Vehicles table) is used.",
)
mean_km = sum(v.cost_per_km for v in scenario.vehicles) / max(1, len(scenario.vehicles))
cost_per_km = o4.number_input(
    f"Vehicle cost ({cfg.currency}/km)",
    min_value=0.0,
    value=round(float(mean_km), 2),
    step=0.5,
    key="opt_cost_per_km",
    disabled=not override_km,
)
with st.expander("More options"):
    m1, m2, m3 = st.columns(3)
    methods = sup.allocation_methods()
    allocation = m1.selectbox(
        "Allocation",
        methods,
        key="opt_allocation",
        help="nearest: today's harvest from the nearest farms; inventory: multi-day plan.",
    )
    engines = sup.engine_names()
    engine = m2.selectbox(
        "Routing engine",
        engines,
        index=engines.index(defaults.engine) if defaults.engine in engines else 0,
        key="opt_engine",
    )
    seed = m3.number_input("Seed", value=int(defaults.seed), step=1, key="opt_seed")

options = sup.PlanOptions(
    time_limit_s=float(time_limit),
    solution_limit=int(solution_limit) or None,
    seed=int(seed),
    engine=str(engine),
    allocation=str(allocation),
    drop_penalty_per_kg=float(drop_penalty),
    cost_per_km=float(cost_per_km) if override_km else None,
)
key = sup.plan_key(scenario, options)

job: sup.PlanJob | None = ss.job
b1, b2, _ = st.columns([1, 1, 4])
plan_clicked = b1.button("Plan", type="primary", key="plan_button", width="stretch")
if job is not None and b2.button("Cancel planning", key="cancel_button", width="stretch"):
    job.cancel()
    ss.job = job = None
    st.warning("Planning cancelled; the previous plan is kept.")
elif plan_clicked and job is None:
    ss.plan_error = None
    if key in ss.plans:
        ss.plan_key = key
        st.info("Same data and options as an earlier plan: shown without solving again.")
    elif ss.edit_issues:
        st.warning("Planning the last valid data; the edited tables have problems (see above).")
        job = ss.job = sup.PlanJob(scenario, options, key)
    else:
        job = ss.job = sup.PlanJob(scenario, options, key)
    if job is not None:
        # shown while the job runs; pressing it reruns the page, which cancels above
        b2.button("Cancel planning", key="cancel_button", width="stretch")

if job is not None:
    with st.status(f"Planning {job.scenario.settings.name} …", expanded=True) as status:
        bar = st.progress(0.0, text="starting the solver")
        while not job.poll():
            bar.progress(
                job.fraction(),
                text=f"{job.stage_label} — {job.elapsed_s:.0f} s of at most {job.expected_s:.0f} s",
            )
            time.sleep(0.2)
        bar.progress(1.0, text=f"finished in {job.elapsed_s:.1f} s")
        if job.plan is not None:
            remember(
                sup.PlanResult(
                    plan=job.plan,
                    scenario=sup.planned_scenario(job.scenario, job.options),
                    options=job.options,
                    key=job.key,
                    wall_s=job.elapsed_s,
                )
            )
            status.update(
                label=f"Planned in {job.elapsed_s:.1f} s ({job.plan.status.value})",
                state="complete",
                expanded=False,
            )
        else:
            ss.plan_error = (job.error or "unknown error", job.issues)
            status.update(label=f"Planning failed: {job.error}", state="error")
    ss.job = None

if ss.plan_error is not None:
    message, plan_issues = ss.plan_error
    if plan_issues:
        show_issues(f"Planning failed: {message}", plan_issues, key="plan_issues")
    else:
        st.error(f"Planning failed: {message}")

# ----- 4 · see ------------------------------------------------------------------------

result: sup.PlanResult | None = ss.plans.get(ss.plan_key) if ss.plan_key else None
st.header("4 · Routes")
if result is None:
    st.info("No plan yet: check the orders, then press **Plan**. The map shows the places.")
    st.pydeck_chart(
        sup.build_deck(sup.map_data(scenario), map_style or None),
        height=sup.MAP_HEIGHT_PX,
        key="map",
    )
    st.stop()
assert result is not None
plan = result.plan
if result.key != key:
    st.warning(
        "This plan was made before the latest changes to the data or options. "
        "Press **Plan** to plan again."
    )
summary = plan.summary
st.caption(
    f"Plan {plan.status.value} · made in {result.wall_s:.1f} s · engine "
    f"{summary['routing']['engine']} ({summary['routing']['solver_status']}) · allocation "
    f"{summary['allocation']['method']} · time limit {result.options.time_limit_s:g} s"
    + (f", solution limit {result.options.solution_limit}" if result.options.solution_limit else "")
)
kpis = sup.kpi_values(plan)
for column, (label, value) in zip(st.columns(len(kpis)), kpis, strict=True):
    column.metric(label, value)

map_col, side_col = st.columns([3, 2])
with map_col:
    st.pydeck_chart(
        sup.build_deck(sup.map_data(result.scenario, plan), map_style or None),
        height=sup.MAP_HEIGHT_PX,
        key="map",
    )
    colours = sup.vehicle_colours(result.scenario)
    legend = " ".join(
        f"<span style='white-space:nowrap;margin-right:0.8em'>"
        f"<span style='display:inline-block;width:0.9em;height:0.9em;border-radius:2px;"
        f"background:{sup.hex_colour(colours[r.vehicle_id])};margin-right:0.25em'></span>"
        f"{html.escape(r.vehicle_id)}{' ❄' if r.refrigerated else ''}</span>"
        for r in plan.routes
    )
    st.markdown(
        "<small>● farms &nbsp; ○ logistics points &nbsp; lines: routes by vehicle "
        f"(❄ refrigerated)</small><br>{legend}",
        unsafe_allow_html=True,
    )
with side_col:
    inventory = sup.inventory_tables(plan)
    labels = ["Routes", f"Unserved ({len(plan.unserved)})"]
    if inventory:
        labels.append("Inventory by day")
    side_tabs = st.tabs(labels)
    with side_tabs[0], st.container(key="routes_box"):
        st.dataframe(
            plan.routes_frame(),
            key="routes_table",
            hide_index=True,
            width="stretch",
            column_config={
                "start": st.column_config.DatetimeColumn(format="HH:mm"),
                "end": st.column_config.DatetimeColumn(format="HH:mm"),
            },
        )
        if not plan.routes:
            st.info("No vehicle leaves its depot in this plan.")
    with side_tabs[1]:
        if plan.unserved:
            st.dataframe(
                plan.unserved_frame(),
                key="unserved_table",
                hide_index=True,
                width="stretch",
                column_config={"reason": st.column_config.TextColumn(width="large")},
            )
        else:
            st.success("Everything ordered is planned.")
    if inventory:
        with side_tabs[2]:
            stock = inventory.get("inventory")
            chart = sup.stock_by_age(stock) if stock is not None else None
            if chart is not None:
                st.markdown("**Stock by age over the days (kg)**")
                st.bar_chart(chart, stack=True)
            flows = inventory.get("flows")
            chart = sup.daily_flows(flows) if flows is not None else None
            if chart is not None:
                st.markdown("**Daily flows (kg)**")
                st.bar_chart(chart, stack=True)
            for name, frame in inventory.items():
                total = sup.table_kg(frame)
                heading = f"**{name}**" + (f" — {total:,.1f} kg" if total is not None else "")
                st.markdown(heading)
                st.dataframe(frame, key=f"inventory_{name}", hide_index=True, width="stretch")

# ----- 5 · hand over -------------------------------------------------------------------

st.header("5 · Hand over")
stem = f"plan_{plan.scenario_name}_{plan.planning_date:%Y%m%d}"
h1, h2 = st.columns([1, 2])
with h1:
    st.download_button(
        "Download the plan (zip)",
        data=result.download("plan.zip", lambda: sup.plan_zip(plan)),
        file_name=f"{stem}.zip",
        mime="application/zip",
        key="download_plan",
        width="stretch",
        help="routes.csv, tasks.csv, unserved.csv, routes.geojson, summary.json (as the CLI).",
    )
    if plan.routes:
        st.download_button(
            "All route sheets (zip)",
            data=result.download("sheets.zip", lambda: sup.route_sheets_zip(plan, result.scenario)),
            file_name=f"{stem}_route_sheets.zip",
            mime="application/zip",
            key="download_all_sheets",
            width="stretch",
        )
with h2:
    if plan.routes:
        vehicle = st.selectbox(
            "Route sheet for vehicle",
            [r.vehicle_id for r in plan.routes],
            key="sheet_vehicle",
        )
        d1, d2 = st.columns(2)
        d1.download_button(
            f"Route sheet {vehicle} (CSV)",
            data=result.download(
                f"{vehicle}.csv", lambda: sup.route_sheet_csv(plan, result.scenario, vehicle)
            ),
            file_name=f"{stem}_{vehicle}.csv",
            mime="text/csv",
            key="download_sheet_csv",
            width="stretch",
        )
        d2.download_button(
            f"Route sheet {vehicle} (printable HTML)",
            data=result.download(
                f"{vehicle}.html",
                lambda: sup.route_sheet_html(plan, result.scenario, vehicle).encode("utf-8"),
            ),
            file_name=f"{stem}_{vehicle}.html",
            mime="text/html",
            key="download_sheet_html",
            width="stretch",
        )
if plan.routes:
    st.dataframe(
        sup.route_sheet_frame(plan, result.scenario, vehicle),
        key="sheet_table",
        hide_index=True,
        width="stretch",
    )
