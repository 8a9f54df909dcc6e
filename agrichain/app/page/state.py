"""The page's session state (what survives Streamlit's reruns), what survives a browser
reload (kept on disk by :mod:`agrichain.app.persist`) and the parts steps share."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from agrichain.app import inputs, jobs, persist
from agrichain.app import replan as app_replan
from agrichain.errors import InputIssue
from agrichain.model import Scenario

#: Seconds between two looks at a running job (plan, re-plan, siting).
POLL_S = 0.2
#: Plans kept per scenario content and options (the oldest goes first).
MAX_CACHED_PLANS = 6
#: Keys of the filter (step 2) and option (step 3) widgets; they start again with a new scenario.
FILTER_KEYS = ("f_sessions", "f_products", "f_points")
OPTION_KEYS = ("opt_time_limit", "opt_solution_limit", "opt_seed", "opt_drop_penalty",
               "opt_override_km", "opt_cost_per_km", "opt_allocation", "opt_engine")  # fmt: skip


def start() -> None:
    """Give every state key its first value, unless an earlier run set it."""
    first: dict[str, Any] = {
        "scenario": None, "source": "", "scenario_folder": None, "drafts": {},
        "draft_version": 0, "edit_issues": (),
        "load_error": None, "seen_uploads": set(), "plans": {}, "plan_key": None,
        "plan_error": None, "job": None, "tried_default": False,
        # kept on disk: restored once per session, saved when they change
        "tried_restore": False, "restored": False, "saved": None, "chosen_options": None,
        # 4.1 adjust: the plan edited, its edited stop lines and their check
        "adjust_base": None, "adjust_lines": (), "adjust_check": None, "adjust_note": None,
        # 4.2 re-plan: the events table, its uploads, the job and what it said
        "events": app_replan.empty_events(), "events_version": 0, "seen_event_uploads": set(),
        "events_error": None, "replan_job": None, "replan_error": None, "replan_note": None,
    }  # fmt: skip
    for key, value in first.items():
        st.session_state.setdefault(key, value)


def set_scenario(scenario: Scenario, source: str, folder: Path | None = None) -> None:
    """Make ``scenario`` the loaded one (its ``[travel]`` files read from ``folder``); edits,
    filters and options start again from it."""
    ss = st.session_state
    ss.scenario = scenario
    ss.source = source
    ss.scenario_folder = None if folder is None else str(folder)
    ss.drafts = inputs.editable_frames(scenario)
    ss.draft_version += 1
    ss.edit_issues = ()
    ss.load_error = None
    ss.restored = False
    ss.events = app_replan.empty_events()
    ss.events_version += 1
    for key in FILTER_KEYS + OPTION_KEYS:
        ss.pop(key, None)


def remember_plan(result: jobs.PlanResult) -> None:
    """Keep a finished plan and show it."""
    ss = st.session_state
    ss.plans = jobs.keep_plan(ss.plans, result, MAX_CACHED_PLANS)
    ss.plan_key = result.key


def kept_plan() -> jobs.PlanResult | None:
    """The plan shown, if any."""
    ss = st.session_state
    return ss.plans.get(ss.plan_key) if ss.plan_key else None


def option_values(options: jobs.PlanOptions) -> dict[str, Any]:
    """The values of the option widgets (step 3) that give ``options``."""
    values: dict[str, Any] = {
        "opt_time_limit": float(options.time_limit_s),
        "opt_solution_limit": int(options.solution_limit or 0),
        "opt_seed": int(options.seed),
        "opt_allocation": options.allocation,
        "opt_engine": options.engine,
        "opt_override_km": options.cost_per_km is not None,
    }
    if options.drop_penalty_per_kg is not None:
        values["opt_drop_penalty"] = float(options.drop_penalty_per_kg)
    if options.cost_per_km is not None:
        values["opt_cost_per_km"] = float(options.cost_per_km)
    return values


def restore() -> bool:
    """Open what the last session kept on disk (scenario, options, plan shown); True if
    there was something."""
    ss = st.session_state
    ss.tried_restore = True
    kept = persist.restore(persist.state_folder())
    if kept is None:
        return False
    set_scenario(kept.scenario, kept.source, kept.folder)
    ss.tried_default = ss.restored = True
    if kept.options is not None:
        for key, value in option_values(kept.options).items():
            ss[key] = value
    if kept.result is not None:
        remember_plan(kept.result)
    ss.saved = (kept.scenario, kept.options, kept.result, kept.plan_id)
    return True


def save() -> None:
    """Keep the loaded scenario, the options chosen and the plan shown on disk, when one of
    them changed since this session last kept them (a reload opens them again)."""
    ss = st.session_state
    scenario, options, result = ss.scenario, ss.chosen_options, kept_plan()
    saved = ss.saved
    if scenario is None or (
        saved is not None and saved[0] is scenario and saved[1] == options and saved[2] is result
    ):
        return
    folder = persist.state_folder()
    plan_id: str | None = None
    try:
        if saved is not None and saved[0] is scenario and saved[2] is result:
            plan_id = saved[3]
        elif result is not None:
            plan_id = persist.save_plan(folder, scenario, result, ss.scenario_folder)
        persist.save_session(folder, scenario, ss.source, options, plan_id, ss.scenario_folder)
    except Exception as exc:  # the page goes on; only a reload would lose it
        st.warning(f"The plan could not be kept on disk for a reload ({folder}): {exc}")
    ss.saved = (scenario, options, result, plan_id)


def progress_until_done(job: jobs.PlanJob, first_text: str = "starting") -> Any:
    """A progress bar of ``job`` (stage, seconds against the limits), updated every
    :data:`POLL_S` until the job ends; the bar, for a last word."""
    bar = st.progress(0.0, text=first_text)
    while not job.poll():
        bar.progress(job.fraction(), text=job.progress_text)
        time.sleep(POLL_S)
    return bar


def show_table(frame: pd.DataFrame, key: str, **column_config: Any) -> None:
    """A read-only table as wide as its column, without the index."""
    st.dataframe(
        frame, key=key, hide_index=True, width="stretch", column_config=column_config or None
    )


def show_issues(title: str, issues: Sequence[InputIssue], key: str) -> None:
    """A readable list of validation problems: file, row, column, what is wrong."""
    st.error(f"{title} — {len(issues)} problem{'s' if len(issues) != 1 else ''}:")
    what = st.column_config.TextColumn("what is wrong", width="large")
    show_table(inputs.issues_frame(issues), key, problem=what)
