"""Step 2 · check and edit: the editable tables under filters, their issues, totals per product."""

from __future__ import annotations

import hashlib
from functools import partial
from typing import Any, NamedTuple

import pandas as pd
import streamlit as st

from agrichain.app import inputs, labels
from agrichain.app.page import state
from agrichain.errors import ScenarioError
from agrichain.model import Scenario


class Filters(NamedTuple):
    """The sessions, products and logistics points chosen; empty means all."""

    sessions: list[str]
    products: list[str]
    points: list[str]


def show(scenario: Scenario) -> None:
    """Filter, edit and check the loaded scenario; a valid edit becomes the scenario planned."""
    st.header("2 · Check and edit")
    ids = inputs.id_choices(scenario)
    filters = chosen_filters(scenario, ids)
    edit_box = st.container()
    ss = st.session_state
    masks = inputs.draft_masks(scenario, ss.drafts, *filters)
    editable = inputs.EDITABLE_TABLES
    *edit_tabs, totals_tab = st.tabs(
        [f"{t.capitalize()} ({len(ss.drafts[t])})" for t in editable] + ["Totals per product"]
    )
    config = column_config(ids)
    changed = False
    for tab, table in zip(edit_tabs, editable, strict=True):
        with tab:
            changed |= table_editor(table, masks[table], filters, config.get(table))
    if changed:
        take_edits(scenario)
    with edit_box:
        edit_issues(scenario)
    with totals_tab:
        st.caption(
            "Ordered kg of the orders matching the filters, against the harvest and stock. "
            "A negative balance means today's harvest and stock cannot cover what ships today."
        )
        state.show_table(inputs.product_totals(scenario, *filters), "totals_table")


def chosen_filters(scenario: Scenario, ids: dict[str, list[str]]) -> Filters:
    """The three filters side by side."""
    f1, f2, f3 = st.columns(3)
    sessions = f1.multiselect(
        "Live sessions",
        ids["sessions"],
        key="f_sessions",
        format_func=partial(labels.session_label, scenario),
    )
    products = f2.multiselect(
        "Products",
        ids["products"],
        key="f_products",
        format_func=partial(labels.product_label, scenario),
    )
    points = f3.multiselect("Logistics points", ids["points"], key="f_points")
    return Filters(sessions, products, points)


def column_config(ids: dict[str, list[str]]) -> dict[str, dict[str, Any]]:
    """How the editors show and check the columns of each editable table."""
    cc = st.column_config
    return {
        "orders": {
            "session_id": cc.SelectboxColumn(options=ids["sessions"], required=True),
            "product_id": cc.SelectboxColumn(options=ids["products"], required=True),
            "quantity_boxes": cc.NumberColumn(min_value=1, step=1, required=True),
            "logistics_point_id": cc.SelectboxColumn(
                options=ids["points"], help="empty: the session's logistics point"
            ),
            "ship_by": cc.DatetimeColumn(format="YYYY-MM-DD HH:mm", required=True),
        },
        "vehicles": {
            "home_logistics_point_id": cc.SelectboxColumn(options=ids["points"], required=True),
            "capacity_kg": cc.NumberColumn(min_value=0.0, format="%.0f"),
            "shift_start": cc.TimeColumn(format="HH:mm", required=True),
            "shift_end": cc.TimeColumn(format="HH:mm", required=True),
        },
        "supply": {
            "farm_id": cc.SelectboxColumn(options=ids["farms"], required=True),
            "product_id": cc.SelectboxColumn(options=ids["products"], required=True),
            "date": cc.DateColumn(format="YYYY-MM-DD", required=True),
            "kg": cc.NumberColumn(min_value=0.0, format="%.1f"),
        },
    }


def table_editor(
    table: str, mask: pd.Series, filters: Filters, config: dict[str, Any] | None
) -> bool:
    """An editor over the filtered rows of a draft table; True if the draft changed."""
    ss = st.session_state
    full: pd.DataFrame = ss.drafts[table]
    rows = inputs.numbered(full)  # the row numbers issues name, shown at the left
    shown = rows.loc[mask.to_numpy()]
    tag = hashlib.sha1(repr(tuple(filters)).encode()).hexdigest()[:8]
    key = f"edit_{table}_{ss.draft_version}_{tag}"
    st.caption(
        f"{len(shown)} of {len(full)} rows shown. The row number at the left is the one "
        "named in error messages. Add rows at the bottom; select rows to delete them."
    )
    height = min(420, 38 + 35 * (len(shown) + 1))
    edited = st.data_editor(
        shown,
        width="stretch",
        height=height,
        column_config=config,
        key=key,
        num_rows="dynamic",
        hide_index=False,
    )
    if inputs.edit_count(ss.get(key)) == 0:
        return False
    merged = inputs.merge_edited(rows, shown.index, edited)
    if inputs.same_rows(merged, full):
        return False
    ss.drafts = {**ss.drafts, table: merged}
    return True


def take_edits(scenario: Scenario) -> None:
    """Validate the changed drafts and rerun the page over them."""
    # The edit is now part of the drafts: validate, then show editors over the new drafts
    # at once (new keys), so the next edit is not made on an editor about to be replaced.
    ss = st.session_state
    ss.draft_version += 1
    try:
        ss.scenario = inputs.scenario_with_frames(scenario, ss.drafts)
        ss.edit_issues = ()
    except ScenarioError as exc:
        ss.edit_issues = exc.issues
    st.rerun()


def edit_issues(scenario: Scenario) -> None:
    """The problems of the edited tables, and a button to discard the edits."""
    ss = st.session_state
    if not ss.edit_issues:
        return
    title = "The edited tables are not valid; planning uses the last valid data"
    state.show_issues(title, ss.edit_issues, key="edit_issues_table")
    if st.button("Discard my edits", key="discard_edits"):
        ss.drafts = inputs.editable_frames(scenario)
        ss.draft_version += 1
        ss.edit_issues = ()
        st.rerun()
