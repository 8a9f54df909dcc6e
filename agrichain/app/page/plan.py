"""Step 3 · plan: the plan options, the Plan and Cancel buttons, and the plan's progress."""

from __future__ import annotations

import streamlit as st

from agrichain.app import jobs
from agrichain.app import travel as app_travel
from agrichain.app.page import state
from agrichain.model import Scenario
from agrichain.pipeline import ALLOCATION_METHODS, DEFAULT_ALLOCATION


def show(scenario: Scenario) -> str:
    """Choose the options and plan; the key of the data and options now on the page."""
    st.header("3 · Plan")
    options = st.session_state.chosen_options = chosen_options(scenario)
    folder = st.session_state.scenario_folder
    key = jobs.plan_key(scenario, options, app_travel.travel_source_key(scenario, folder))
    job = start_or_cancel(scenario, options, key)
    if job is not None:
        follow(job)
    plan_error = st.session_state.plan_error
    if plan_error is not None:
        message, plan_issues = plan_error
        if plan_issues:
            state.show_issues(f"Planning failed: {message}", plan_issues, key="plan_issues")
        else:
            st.error(f"Planning failed: {message}")
    return key


def chosen_options(scenario: Scenario) -> jobs.PlanOptions:
    """The plan options as set on the page, starting from the scenario's settings."""
    cfg = scenario.settings
    defaults = jobs.PlanOptions.from_scenario(scenario)
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
    cost_per_km = o4.number_input(
        f"Vehicle cost ({cfg.currency}/km)",
        min_value=0.0,
        value=round(float(jobs.mean_cost_per_km(scenario)), 2),
        step=0.5,
        key="opt_cost_per_km",
        disabled=not override_km,
    )
    with st.expander("More options"):
        m1, m2, m3 = st.columns(3)
        allocation = m1.selectbox(
            "Allocation",
            ALLOCATION_METHODS,
            ALLOCATION_METHODS.index(DEFAULT_ALLOCATION),
            key="opt_allocation",
            help="inventory (the default, as in the CLI and the library): the multi-day plan "
            "with stock and later days; nearest: today's harvest from the nearest farms.",
        )
        engines = jobs.engine_names()
        first_engine = engines.index(defaults.engine) if defaults.engine in engines else 0
        engine = m2.selectbox("Routing engine", engines, first_engine, key="opt_engine")
        seed = m3.number_input("Seed", value=int(defaults.seed), step=1, key="opt_seed")
    return jobs.PlanOptions(
        time_limit_s=float(time_limit),
        solution_limit=int(solution_limit) or None,
        seed=int(seed),
        engine=str(engine),
        allocation=str(allocation),
        drop_penalty_per_kg=float(drop_penalty),
        cost_per_km=float(cost_per_km) if override_km else None,
    )


def start_or_cancel(scenario: Scenario, options: jobs.PlanOptions, key: str) -> jobs.PlanJob | None:
    """The Plan and Cancel buttons; the job running now, if any."""
    ss = st.session_state
    job: jobs.PlanJob | None = ss.job
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
        else:
            if ss.edit_issues:
                st.warning(
                    "Planning the last valid data; the edited tables have problems (see above)."
                )
            job = ss.job = jobs.PlanJob(scenario, options, key, scenario_folder=ss.scenario_folder)
            # shown while the job runs; pressing it reruns the page, which cancels above
            b2.button("Cancel planning", key="cancel_button", width="stretch")
    return job


def follow(job: jobs.PlanJob) -> None:
    """Show the job's progress until it ends; keep its plan, or the reason it failed."""
    with st.status(f"Planning {job.scenario.settings.name} …", expanded=True) as status:
        bar = state.progress_until_done(job, "starting the solver")
        bar.progress(1.0, text=f"finished in {job.elapsed_s:.1f} s")
        finished = job.result()
        if finished is not None:
            state.remember_plan(finished)
            done = f"Planned in {job.elapsed_s:.1f} s ({finished.plan.status.value})"
            status.update(label=done, state="complete", expanded=False)
        else:
            st.session_state.plan_error = (job.error or "unknown error", job.issues)
            status.update(label=f"Planning failed: {job.error}", state="error")
    st.session_state.job = None
