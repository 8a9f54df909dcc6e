"""Step 4.1 · adjust the routes of the plan shown: lock routes, move a task to another
vehicle, reorder a vehicle's stops. The check runs at once (violations, recomputed times,
km and cost against the plan); *Keep these routes* makes them the plan shown."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from functools import partial

import streamlit as st

from agrichain.app import adjust, jobs
from agrichain.app.page import state
from agrichain.day.check import PlanCheck
from agrichain.io import StopLine
from agrichain.plan import Plan

#: What the move takes along: the whole task, or only its farm stop.
MOVE_WHAT = ("the task (pickup and delivery)", "only the pickup (farm stop)")
LOCK_PREFIX = "lock_"
#: Lock boxes per row.
LOCK_COLUMNS = 6


def show(result: jobs.PlanResult) -> None:
    """Edit the routes of ``result``, see their check, keep them."""
    st.header("4.1 · Adjust the routes")
    st.caption(
        "Lock routes the re-plan must keep, move a task to another vehicle or reorder a "
        "vehicle's stops: the routes are checked at once with the planner's rules. "
        "*Keep these routes* makes them the plan shown (and handed over)."
    )
    ss = st.session_state
    if ss.adjust_base is not result.plan:
        start_draft(result.plan)
    if result.origin == adjust.ADJUSTED:
        found = result.plan.summary.get("adjusted", {}).get("violations", 0)
        st.caption(f"The plan shown was adjusted by hand ({found} violations kept).")
    note()
    lines: tuple[StopLine, ...] = ss.adjust_lines
    locked = lock_boxes(result.plan, lines)
    move_col, order_col = st.columns(2)
    with move_col:
        move_box(result, lines, locked)
    with order_col:
        reorder_box(lines, locked)
    check = checked(result, lines)
    show_check(result.plan, check, locked)
    keep_box(result, check, locked)


def start_draft(plan: Plan) -> None:
    """Edit ``plan``'s routes afresh: its stops, its locks, nothing to keep."""
    ss = st.session_state
    ss.adjust_base = plan
    ss.adjust_lines = adjust.start_lines(plan)
    for key in [k for k in ss if str(k).startswith(LOCK_PREFIX)]:
        del ss[key]
    ss.pop("adjust_keep_anyway", None)


def note() -> None:
    """What the last edit said (set by the buttons' callbacks)."""
    said = st.session_state.adjust_note
    if said is not None:
        kind, text = said
        {"success": st.success, "warning": st.warning}.get(kind, st.info)(text)
        st.session_state.adjust_note = None


def lock_boxes(plan: Plan, lines: Sequence[StopLine]) -> frozenset[str]:
    """A lock box per vehicle with a route; the vehicles locked."""
    was = adjust.locked_vehicles(plan)
    vehicles = list(adjust.by_vehicle(lines))
    st.markdown("**Locked routes** (a re-plan keeps them as they are; they cannot be edited)")
    locked = set()
    for row in range(0, len(vehicles), LOCK_COLUMNS):
        group = vehicles[row : row + LOCK_COLUMNS]
        for column, vid in zip(st.columns(LOCK_COLUMNS)[: len(group)], group, strict=True):
            if column.checkbox(vid, value=vid in was, key=f"{LOCK_PREFIX}{vid}"):
                locked.add(vid)
    return frozenset(locked)


def move_box(result: jobs.PlanResult, lines: Sequence[StopLine], locked: Collection[str]) -> None:
    """Pick a task and a vehicle; *Move* hands the task over."""
    st.markdown("**Move a task to another vehicle**")
    routed = [t.task_id for t in result.plan.tasks if adjust.task_vehicle(lines, t.task_id)]
    if not routed:
        st.info("No task is routed.")
        return
    st.selectbox(
        "Task",
        routed,
        key="adjust_task",
        format_func=partial(adjust.task_label, result.plan, lines),
    )
    vehicles = {v.vehicle_id: v for v in result.scenario.vehicles}
    st.selectbox(
        "To vehicle",
        list(vehicles),
        key="adjust_target",
        format_func=lambda v: (
            f"{v} · {vehicles[v].capacity_kg:,.0f} kg"
            + (" · refrigerated" if vehicles[v].refrigerated else "")
        ),
    )
    st.radio("Move", MOVE_WHAT, key="adjust_what", horizontal=True)
    st.button("Move", key="adjust_move", on_click=on_move, args=(result, frozenset(locked)))


def on_move(result: jobs.PlanResult, locked: frozenset[str]) -> None:
    ss = st.session_state
    task, target = ss.adjust_task, ss.adjust_target
    whole = ss.adjust_what != MOVE_WHAT[1]
    try:
        ss.adjust_lines = adjust.move_task(
            result.scenario,
            result.plan,
            ss.adjust_lines,
            task,
            target,
            delivery=whole,
            locked=locked,
        )
        what = "its pickup and delivery" if whole else "its pickup"
        ss.adjust_note = ("info", f"{task}: {what} moved to {target}. The check is below.")
        ss.adjust_vehicle = target
    except adjust.AdjustError as exc:
        ss.adjust_note = ("warning", str(exc))


def reorder_box(lines: Sequence[StopLine], locked: Collection[str]) -> None:
    """Pick a vehicle and one of its stops; move it earlier or later."""
    st.markdown("**Reorder a vehicle's stops**")
    vehicles = adjust.by_vehicle(lines)
    if not vehicles:
        st.info("No vehicle has a route.")
        return
    if st.session_state.get("adjust_vehicle") not in vehicles:
        st.session_state.pop("adjust_vehicle", None)
    vehicle = st.selectbox("Vehicle", list(vehicles), key="adjust_vehicle")
    own = vehicles[vehicle]
    positions = adjust.movable_stops(lines, vehicle)
    if st.session_state.get("adjust_stop") not in positions:
        st.session_state.pop("adjust_stop", None)
    position = st.selectbox(
        "Stop", positions, key="adjust_stop", format_func=lambda i: adjust.stop_label(own[i])
    )
    b1, b2 = st.columns(2)
    for column, label, by in ((b1, "Earlier", -1), (b2, "Later", 1)):
        column.button(
            label,
            key=f"adjust_{label.lower()}",
            width="stretch",
            on_click=on_shift,
            args=(vehicle, position, by, frozenset(locked)),
        )


def on_shift(vehicle: str, position: int, by: int, locked: frozenset[str]) -> None:
    ss = st.session_state
    try:
        ss.adjust_lines = adjust.shift_stop(ss.adjust_lines, vehicle, position, by, locked)
        ss.adjust_stop = position + by
    except adjust.AdjustError as exc:
        ss.adjust_note = ("warning", str(exc))


def checked(result: jobs.PlanResult, lines: tuple[StopLine, ...]) -> PlanCheck:
    """The check of ``lines``, made once per edit."""
    ss = st.session_state
    cached = ss.adjust_check
    if cached is None or cached[0] is not result.plan or cached[1] != lines:
        ss.adjust_check = (result.plan, lines, adjust.check_lines(result, lines))
    check: PlanCheck = ss.adjust_check[2]
    return check


def show_check(plan: Plan, check: PlanCheck, locked: Collection[str]) -> None:
    """Figures against the plan, the violations, the routes and their stops recomputed."""
    st.markdown(adjust.figures_line(plan, check), help="Recomputed with the planner's rules.")
    if check.violations:
        counts = ", ".join(f"{code} {n}" for code, n in check.counts().items())
        st.error(f"The adjusted routes break {len(check.violations)} rules ({counts}):")
        wide = st.column_config.TextColumn("what is wrong", width="large")
        with st.container(key="adjust_violations_box"):
            state.show_table(adjust.violation_table(check), "adjust_violations", message=wide)
    else:
        st.success("The adjusted routes break no rule.")
    hh_mm = st.column_config.DatetimeColumn(format="HH:mm")
    state.show_table(
        adjust.route_comparison(plan, check, locked), "adjust_routes", start=hh_mm, end=hh_mm
    )
    with st.expander("Stops with the recomputed times (ETAs) and loads"):
        state.show_table(adjust.stop_table(check), "adjust_stops", arrival=hh_mm, departure=hh_mm)


def keep_box(result: jobs.PlanResult, check: PlanCheck, locked: frozenset[str]) -> None:
    """*Keep these routes* (when clean, or with *keep anyway*) and *Start again*."""
    changed = adjust.is_changed(result.plan, check_lines(), locked)
    anyway = False
    if changed and not check.is_clean():
        anyway = st.checkbox(
            f"Keep anyway, with {len(check.violations)} violations",
            key="adjust_keep_anyway",
            help="The plan shown then breaks these rules; drivers may not make it in time.",
        )
    k1, k2, _ = st.columns([1, 1, 2])
    k1.button(
        "Keep these routes",
        type="primary",
        key="adjust_keep",
        width="stretch",
        disabled=not changed or not (check.is_clean() or anyway),
        on_click=on_keep,
        args=(result, check, locked),
    )
    k2.button(
        "Start again from the plan",
        key="adjust_reset",
        width="stretch",
        disabled=not changed,
        on_click=start_draft,
        args=(result.plan,),
    )


def check_lines() -> tuple[StopLine, ...]:
    lines: tuple[StopLine, ...] = st.session_state.adjust_lines
    return lines


def on_keep(result: jobs.PlanResult, check: PlanCheck, locked: frozenset[str]) -> None:
    kept = adjust.adjusted_result(result, check, locked)
    state.remember_plan(kept)
    found = len(check.violations)
    st.session_state.adjust_note = (
        "success" if not found else "warning",
        f"These routes are now the plan shown ({kept.plan.cost():,.2f} cost, {found} violations).",
    )
