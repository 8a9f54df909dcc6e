"""Step 4.2 · re-plan after events: the day's events typed into a table (the columns of
``events.csv``) or uploaded, the time now, and *Re-plan*, which runs
:func:`agrichain.day.replan.replan_day` in the worker process; the new plan becomes the plan
shown, with what changes for each driver (``changes.csv``)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from agrichain.app import jobs
from agrichain.app import replan as app_replan
from agrichain.app.page import state
from agrichain.day.replan import DEFAULT_CHANGE_COST
from agrichain.errors import ScenarioError
from agrichain.io.events import Events
from agrichain.model import Scenario

ALL_DRIVERS = "all drivers"


def show(result: jobs.PlanResult) -> None:
    """Events, now, *Re-plan*; the changes per driver of a re-planned plan."""
    st.header("4.2 · Re-plan after events")
    st.caption(
        "What happened today: a vehicle broke down, a farm picked less, orders came or were "
        "cancelled, a vehicle was added (one row each; the columns of `events.csv`). Stops "
        "made by *now* stay as they were, vehicles go on from where they are, locked routes "
        "stay as they are, and moving a task to another vehicle costs extra, so drivers' "
        "days change only where it pays."
    )
    ss = st.session_state
    scenario = result.scenario
    upload_box(scenario)
    events = events_box(scenario)
    now, change_cost = settings_box(result)
    job = start_or_cancel(result, events, now, change_cost)
    if job is not None:
        follow(job)
    if ss.replan_error is not None:
        message, issues = ss.replan_error
        if issues:
            state.show_issues(f"Re-planning failed: {message}", issues, key="replan_issues")
        else:
            st.error(f"Re-planning failed: {message}")
    if ss.replan_note is not None and result.origin == app_replan.REPLANNED:
        st.success(ss.replan_note)
    if result.changes is not None:
        changes_box(result)


def upload_box(scenario: Scenario) -> None:
    """An ``events.csv`` / ``.xlsx`` upload that replaces the table's rows, read once."""
    ss = st.session_state
    upload = st.file_uploader(
        "Events as .csv / .xlsx (replaces the rows below)",
        type=["csv", "xlsx", "xlsm"],
        key="upload_events",
        help="The file `agrichain replan --events` reads (an Excel sheet named 'events').",
    )
    if upload is not None and upload.file_id not in ss.seen_event_uploads:
        ss.seen_event_uploads.add(upload.file_id)
        try:
            ss.events = app_replan.uploaded_events(upload.name, upload.getvalue(), scenario)
            ss.events_version += 1
            ss.events_error = None
        except ScenarioError as exc:
            ss.events_error = (f"{upload.name} was not read; the events are unchanged", exc.issues)
    if ss.events_error is not None:
        title, issues = ss.events_error
        state.show_issues(title, issues, key="events_upload_issues")


def events_box(scenario: Scenario) -> Events | None:
    """The events table; its events, or None (with the problems listed) if it has any."""
    ss = st.session_state
    frame = st.data_editor(
        ss.events,
        key=f"events_{ss.events_version}",
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        column_config=event_columns(scenario),
    )
    try:
        events = app_replan.events_of_table(frame, scenario)
    except ScenarioError as exc:
        state.show_issues("The events have problems", exc.issues, key="events_issues")
        return None
    st.caption(f"Events: {app_replan.events_summary(events)}.")
    st.download_button(
        "Download events.csv",
        app_replan.events_csv(frame),
        "events.csv",
        "text/csv",
        key="download_events",
    )
    return events


def event_columns(scenario: Scenario) -> dict[str, Any]:
    """How the events table shows and checks its columns."""
    cc = st.column_config
    return {
        "kind": cc.SelectboxColumn(options=list(app_replan.EVENT_KINDS), required=True),
        "id": cc.TextColumn(help="The vehicle, farm or order; a new order's or vehicle's id."),
        "time": cc.TextColumn(help="HH:MM: when it broke down / from when a vehicle is there."),
        "product_id": cc.SelectboxColumn(options=sorted(p.product_id for p in scenario.products)),
        "kg": cc.NumberColumn(min_value=0.0, help="A shortfall: kg harvested less."),
        "session_id": cc.SelectboxColumn(options=sorted(s.session_id for s in scenario.sessions)),
        "boxes": cc.NumberColumn(min_value=1, step=1),
        "logistics_point_id": cc.SelectboxColumn(
            options=sorted(p.logistics_point_id for p in scenario.logistics_points)
        ),
        "ship_by": cc.TextColumn(help="A new order's ship-by: YYYY-MM-DD HH:MM."),
        "capacity_kg": cc.NumberColumn(min_value=0.0),
        "refrigerated": cc.CheckboxColumn(),
    }


def settings_box(result: jobs.PlanResult) -> tuple[Any, float]:
    """The time now (on the planning date) and the cost of a task changing vehicle."""
    scenario = result.scenario
    n1, n2, n3 = st.columns(3)
    now = n1.time_input(
        "Now",
        value=app_replan.first_departure(result.plan, scenario),
        key="replan_now",
        step=300,
        help="Stops made by then are kept as they were.",
    )
    currency = scenario.settings.currency
    change_cost = n2.number_input(
        f"Cost of a task changing vehicle ({currency})",
        min_value=0.0,
        value=float(DEFAULT_CHANGE_COST),
        step=5.0,
        key="replan_change_cost",
    )
    locked = [r.vehicle_id for r in result.plan.routes if r.locked]
    n3.caption(
        f"Locked routes kept as they are: {', '.join(locked)}."
        if locked
        else "No route is locked (lock routes in 4.1 and keep them)."
    )
    return app_replan.moment(scenario, now), float(change_cost)


def start_or_cancel(
    result: jobs.PlanResult, events: Events | None, now: Any, change_cost: float
) -> app_replan.ReplanJob | None:
    """The Re-plan and Cancel buttons; the re-plan running now, if any."""
    ss = st.session_state
    job: app_replan.ReplanJob | None = ss.replan_job
    b1, b2, _ = st.columns([1, 1, 4])
    clicked = b1.button(
        "Re-plan", type="primary", key="replan_button", width="stretch", disabled=events is None
    )
    if job is not None and b2.button("Cancel re-planning", key="replan_cancel", width="stretch"):
        job.cancel()
        ss.replan_job = job = None
        st.warning("Re-planning cancelled; the plan shown is kept.")
    elif clicked and job is None and events is not None:
        ss.replan_error = ss.replan_note = None
        options = ss.chosen_options or result.options
        job = ss.replan_job = app_replan.ReplanJob(result, events, now, options, change_cost)
        b2.button("Cancel re-planning", key="replan_cancel", width="stretch")
    return job


def follow(job: app_replan.ReplanJob) -> None:
    """Show the re-plan's progress until it ends; its plan becomes the plan shown."""
    ss = st.session_state
    with st.status("Re-planning the rest of the day …", expanded=True) as status:
        state.progress_until_done(job)
        made = job.result()
        ss.replan_job = None
        if made is None:
            ss.replan_error = (job.error or "unknown error", job.issues)
            status.update(label=f"Re-planning failed: {job.error}", state="error")
            return
        status.update(label="Re-planned", state="complete", expanded=False)
    state.remember_plan(made)
    changes = made.changes if made.changes is not None else pd.DataFrame()
    ss.replan_note = (
        f"Re-planned at {job.now:%H:%M} in {job.elapsed_s:.1f} s: the new plan is shown above "
        f"({len(changes)} changes for the drivers, below)."
    )
    st.rerun()


def changes_box(result: jobs.PlanResult) -> None:
    """What changes for each driver, and ``changes.csv``."""
    changes = result.changes
    assert changes is not None
    st.subheader("Changes per driver")
    drivers = sorted(set(changes["vehicle_id"]))
    chosen = st.selectbox("Driver (vehicle)", [ALL_DRIVERS, *drivers], key="changes_vehicle")
    shown = app_replan.changes_of(changes, None if chosen == ALL_DRIVERS else chosen)
    if shown.empty:
        st.info("Nothing changes for the drivers.")
    hh_mm = st.column_config.DatetimeColumn(format="HH:mm")
    state.show_table(shown, "changes_table", old_pickup=hh_mm, new_pickup=hh_mm)
    data = result.download(app_replan.CHANGES_CSV, lambda: app_replan.changes_csv(changes))
    st.download_button(
        "Download changes.csv", data, app_replan.CHANGES_CSV, "text/csv", key="download_changes"
    )
