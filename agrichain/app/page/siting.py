"""Step 7 · coverage and new points: the farms beyond a travel-time threshold of every
logistics point (highlighted, and red on the map), per village; with candidate sites (typed
or uploaded as ``candidates.csv``) *Recommend points* runs the facility-location model and
re-plans the day with the points it opens in the worker process, and shows the change
against the plan shown."""

from __future__ import annotations

from typing import Any

import streamlit as st

from agrichain.app import jobs, sheets
from agrichain.app import map as route_map
from agrichain.app import siting as app_siting
from agrichain.app.page import state
from agrichain.day.siting import Siting
from agrichain.errors import ScenarioError
from agrichain.io.plan_files import csv_bytes
from agrichain.model import Scenario
from agrichain.siting import Candidate, Coverage
from agrichain.siting.facility import OBJECTIVES

#: What the step keeps between reruns, with its first value.
FIRST_STATE: dict[str, Any] = {
    "siting_job": None,
    "siting_made": None,
    "siting_error": None,
    "candidates_table": None,
    "candidates_version": 0,
    "seen_candidate_uploads": set(),
    "candidates_error": None,
}


def show(result: jobs.PlanResult, map_style: str | None) -> None:
    """Coverage of the plan's scenario; candidates, *Recommend points* and the change."""
    for key, value in FIRST_STATE.items():
        st.session_state.setdefault(key, value)
    st.header("7 · Coverage and new points")
    st.caption(
        "Each farm's nearest logistics point by travel time; farms beyond the threshold are "
        "highlighted (red on the map). With candidate sites, the facility-location model "
        "(PuLP + HiGHS) chooses points to open and the day is re-planned with them."
    )
    within = st.number_input(
        "Within (travel minutes)", min_value=1.0, value=60.0, step=5.0, key="siting_within"
    )
    cov = app_siting.plan_coverage(result.scenario, float(within), result.scenario_folder)
    coverage_box(cov, map_style)
    st.subheader("Where to open the next point")
    candidates = candidates_box(result.scenario)
    request = request_box(float(within))
    job = start(result, candidates, request)
    if job is not None:
        follow(job)
    ss = st.session_state
    if ss.siting_error is not None:
        message, issues = ss.siting_error
        if issues:
            state.show_issues(f"Siting failed: {message}", issues, key="siting_issues")
        else:
            st.error(f"Siting failed: {message}")
    made = ss.siting_made
    if made is not None and made[0] == result.key:
        recommendation_box(made[1], map_style)


def coverage_box(cov: Coverage, map_style: str | None) -> None:
    """Totals, the map, the farms (beyond the threshold highlighted) and the villages."""
    st.markdown(app_siting.coverage_line(cov))
    deck = app_siting.coverage_deck(cov, map_style)
    st.pydeck_chart(deck, height=route_map.MAP_HEIGHT_PX, key="coverage_map")
    st.markdown("**Farms** (beyond the threshold first, highlighted)")
    st.dataframe(
        app_siting.highlighted(app_siting.farms_table(cov)),
        key="coverage_farms",
        hide_index=True,
        width="stretch",
    )
    st.markdown("**Villages**")
    state.show_table(cov.villages_frame(), "coverage_villages")
    st.download_button(
        "Download coverage.csv",
        csv_bytes(cov.farms_frame()),
        "coverage.csv",
        "text/csv",
        key="download_coverage",
    )


def candidates_box(scenario: Scenario) -> tuple[Candidate, ...] | None:
    """The candidates table (typed, or filled from an upload); its candidates, or None
    with the problems listed."""
    ss = st.session_state
    upload = st.file_uploader(
        "Candidates as .csv / .xlsx (replaces the rows below)",
        type=["csv", "xlsx", "xlsm"],
        key="upload_candidates",
        help="Columns candidate_id, name, lat, lon, open_cost, capacity_kg, cold_capacity_kg.",
    )
    if upload is not None and upload.file_id not in ss.seen_candidate_uploads:
        ss.seen_candidate_uploads.add(upload.file_id)
        try:
            data = upload.getvalue()
            ss.candidates_table = app_siting.uploaded_candidates(upload.name, data, scenario)
            ss.candidates_version += 1
            ss.candidates_error = None
        except ScenarioError as exc:
            ss.candidates_error = (f"{upload.name} was not read", exc.issues)
    if ss.candidates_error is not None:
        title, issues = ss.candidates_error
        state.show_issues(title, issues, key="candidates_upload_issues")
    table = ss.candidates_table
    frame = st.data_editor(
        table if table is not None else app_siting.empty_candidates(),
        key=f"candidates_{ss.candidates_version}",
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
    )
    try:
        candidates = app_siting.candidates_of_table(frame, scenario)
    except ScenarioError as exc:
        state.show_issues("The candidates have problems", exc.issues, key="candidates_issues")
        return None
    if not candidates:
        st.info("Add candidate sites (or upload candidates.csv) to get a recommendation.")
        return None
    return candidates


def request_box(within_min: float) -> dict[str, Any]:
    """How many points at most, the objective, and whether orders may move."""
    c1, c2, c3 = st.columns(3)
    open_k = c1.number_input("Open at most", min_value=0, value=1, step=1, key="siting_open")
    objective = c2.selectbox(
        "Objective",
        list(OBJECTIVES),
        key="siting_objective",
        help="cost: least transport + opening cost; coverage: most kg within the threshold.",
    )
    move = c3.checkbox(
        "Move orders to new points",
        value=True,
        key="siting_move_orders",
        help="Orders whose farms are nearer to a new point ship from it in the re-plan.",
    )
    return {
        "open_k": int(open_k),
        "objective": objective,
        "within_min": within_min,
        "move_orders": bool(move),
    }


def start(
    result: jobs.PlanResult, candidates: tuple[Candidate, ...] | None, request: dict[str, Any]
) -> app_siting.SitingJob | None:
    """The *Recommend points* button; the recommendation running now, if any."""
    ss = st.session_state
    job: app_siting.SitingJob | None = ss.siting_job
    clicked = st.button(
        "Recommend points", type="primary", key="siting_button", disabled=candidates is None
    )
    if clicked and job is None and candidates is not None:
        ss.siting_error = None
        job = ss.siting_job = app_siting.SitingJob(result, candidates, request)
    return job


def follow(job: app_siting.SitingJob) -> None:
    """Show the recommendation's progress until it ends."""
    ss = st.session_state
    with st.status("Choosing points and re-planning …", expanded=True) as status:
        state.progress_until_done(job)
        ss.siting_job = None
        if job.siting is None:
            ss.siting_error = (job.error or "unknown error", job.issues)
            status.update(label=f"Siting failed: {job.error}", state="error")
            return
        status.update(label="Recommended", state="complete", expanded=False)
    ss.siting_made = (job.base.key, job.siting)


def recommendation_box(siting: Siting, map_style: str | None) -> None:
    """What to open, the change against the plan shown, every place, and the map."""
    st.success(app_siting.recommendation_line(siting))
    st.markdown("**Change against the plan shown**")
    state.show_table(siting.change_frame(), "siting_change")
    st.markdown("**Places**")
    state.show_table(app_siting.places_table(siting), "siting_places")
    deck = app_siting.coverage_deck(siting.coverage_after, map_style, siting)
    st.pydeck_chart(deck, height=route_map.MAP_HEIGHT_PX, key="siting_map")
    st.download_button(
        "Download the siting files (.zip)",
        sheets.siting_zip(siting),
        f"siting_{siting.scenario.settings.name}.zip",
        mime="application/zip",
        key="download_siting",
        help="recommendation.csv, assignment.csv, change.csv, siting.geojson, summary.json "
        "(what agrichain site writes).",
    )
