"""The page's session state (what survives Streamlit's reruns) and the parts steps share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from agrichain.app import inputs, jobs
from agrichain.errors import InputIssue
from agrichain.model import Scenario

#: Plans kept per scenario content and options (the oldest goes first).
MAX_CACHED_PLANS = 6
#: Keys of the filter (step 2) and option (step 3) widgets; they start again with a new scenario.
FILTER_KEYS = ("f_sessions", "f_products", "f_points")
OPTION_KEYS = ("opt_time_limit", "opt_solution_limit", "opt_seed", "opt_drop_penalty",
               "opt_override_km", "opt_cost_per_km", "opt_allocation", "opt_engine")  # fmt: skip


def start() -> None:
    """Give every state key its first value, unless an earlier run set it."""
    first: dict[str, Any] = {
        "scenario": None, "source": "", "drafts": {}, "draft_version": 0, "edit_issues": (),
        "load_error": None, "seen_uploads": set(), "plans": {}, "plan_key": None,
        "plan_error": None, "job": None, "tried_default": False,
    }  # fmt: skip
    for key, value in first.items():
        st.session_state.setdefault(key, value)


def set_scenario(scenario: Scenario, source: str) -> None:
    """Make ``scenario`` the loaded one; edits, filters and options start again from it."""
    ss = st.session_state
    ss.scenario = scenario
    ss.source = source
    ss.drafts = inputs.editable_frames(scenario)
    ss.draft_version += 1
    ss.edit_issues = ()
    ss.load_error = None
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
