"""The app's adjust step (4.1): lock routes, move a task, reorder stops, see the check at once
and keep the routes; driven by AppTest, and its logic in agrichain.app.adjust."""

from __future__ import annotations

import pandas as pd
import pytest
from builders import REPO, tiny_app_scenario
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from agrichain.app import adjust, jobs
from agrichain.app.page.adjust import MOVE_WHAT
from agrichain.day.check import check_routes
from agrichain.io import StopLine, load_scenario
from agrichain.pipeline import make_allocator, plan_day
from agrichain.plan import Plan

APP = REPO / "app.py"
LIMITS = {"time_limit_s": 10.0, "solution_limit": 10, "seed": 0}


@pytest.fixture(scope="module")
def tiny_result() -> jobs.PlanResult:
    scenario = tiny_app_scenario()
    options = jobs.PlanOptions.from_scenario(scenario)
    plan = plan_day(scenario, **LIMITS)  # type: ignore[arg-type]
    return jobs.PlanResult(plan, scenario, options, jobs.plan_key(scenario, options), 0.0)


def task_of(plan: Plan, product_id: str) -> str:
    return next(t.task_id for t in plan.tasks if t.product_id == product_id and t.served)


# ----- the page ---------------------------------------------------------------------------


@pytest.fixture
def app(planned_app: AppTest) -> AppTest:
    return planned_app


def frame_with(at: AppTest, columns: list[str]) -> pd.DataFrame:
    """The first table on the page that has all of ``columns``."""
    for element in at.dataframe:
        if set(columns) <= set(element.value.columns):
            return element.value
    raise AssertionError(f"no table with columns {columns}")


def shown_plan(at: AppTest) -> Plan:
    ss = at.session_state
    result: jobs.PlanResult = ss["plans"][ss["plan_key"]]
    return result.plan


def move(at: AppTest, task_id: str, vehicle_id: str, what: int = 0) -> None:
    at.selectbox(key="adjust_task").set_value(task_id)
    at.selectbox(key="adjust_target").set_value(vehicle_id)
    at.radio(key="adjust_what").set_value(MOVE_WHAT[what])
    at.button(key="adjust_move").click().run()
    assert not at.exception, [e.value for e in at.exception]


def test_the_adjust_step_checks_the_plan_as_it_is(app: AppTest) -> None:
    assert "4.1 · Adjust the routes" in [h.value for h in app.header]
    assert any("break no rule" in s.value for s in app.success)
    assert app.button(key="adjust_keep").disabled
    plan = shown_plan(app)
    routes = frame_with(app, adjust.COMPARISON_COLUMNS)
    assert routes["vehicle_id"].tolist() == [r.vehicle_id for r in plan.routes]
    assert routes["cost"].tolist() == routes["cost_plan"].tolist()


def test_moving_a_task_shows_the_recomputed_routes_and_keeps_them(app: AppTest) -> None:
    plan = shown_plan(app)
    peach = task_of(plan, "peach")
    source = next(t.vehicle_id for t in plan.tasks if t.task_id == peach)
    target = next(v.vehicle_id for v in tiny_app_scenario().vehicles if v.vehicle_id != source)
    move(app, peach, target)
    assert any(f"moved to {target}" in i.value for i in app.info)
    routes = frame_with(app, adjust.COMPARISON_COLUMNS).set_index("vehicle_id")
    assert routes.loc[target, "stops"] == 2 and routes.loc[target, "cost_plan"] == 0.0
    # the page's figures are the library's check of the moved routes
    lines = app.session_state["adjust_lines"]
    want = check_routes(tiny_app_scenario(), plan, list(lines))
    assert want.is_clean()
    assert routes["cost"].sum() == pytest.approx(want.cost(), abs=0.02)
    assert any(f"cost {want.cost():,.2f}" in m.value for m in app.markdown)
    stops = frame_with(app, adjust.STOP_TABLE_COLUMNS)
    assert peach in " ".join(stops[stops["vehicle_id"] == target]["task_ids"])
    # keep: the plan shown has the moved task and the recomputed cost
    assert not app.button(key="adjust_keep").disabled
    app.button(key="adjust_keep").click().run()
    kept = shown_plan(app)
    assert {t.task_id: t.vehicle_id for t in kept.tasks}[peach] == target
    assert kept.cost() == pytest.approx(want.cost())
    assert kept.summary["cost_total"] == pytest.approx(want.cost(), abs=0.01)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Vehicles used"] == f"{len(want.routes)} / 2"
    assert app.session_state["plans"][app.session_state["plan_key"]].origin == adjust.ADJUSTED
    assert app.button(key="adjust_keep").disabled  # the draft starts again from the kept plan


def test_a_move_that_breaks_a_rule_shows_it_and_is_kept_only_on_purpose(app: AppTest) -> None:
    plan = shown_plan(app)
    cold = task_of(plan, "bayberry")  # needs the cold chain; V1 is not refrigerated
    move(app, cold, "V1")
    violations = frame_with(app, ["code", "vehicle_id", "stop_id", "message"])
    assert set(violations["code"]) == {"cold_chain"}
    assert set(violations["vehicle_id"]) == {"V1"}
    assert any("break 2 rules" in e.value for e in app.error)
    assert app.button(key="adjust_keep").disabled
    app.checkbox(key="adjust_keep_anyway").check().run()
    assert not app.button(key="adjust_keep").disabled
    app.button(key="adjust_keep").click().run()
    kept = shown_plan(app)
    assert kept.summary["adjusted"]["violations_by_code"] == {"cold_chain": 2}
    assert any("adjusted by hand (2 violations kept)" in c.value for c in app.caption)


def test_only_the_pickup_moved_is_a_pairing_violation(app: AppTest) -> None:
    plan = shown_plan(app)
    move(app, task_of(plan, "peach"), "V1", what=1)
    codes = set(frame_with(app, ["code", "message"])["code"])
    assert "pairing" in codes


def test_a_locked_route_is_kept_locked_and_cannot_be_edited(app: AppTest) -> None:
    plan = shown_plan(app)
    vehicle = plan.routes[0].vehicle_id
    app.checkbox(key=f"lock_{vehicle}").check().run()
    assert not app.button(key="adjust_keep").disabled  # a lock is a change
    move(app, plan.routes[0].stops[1].task_ids[0], "V1" if vehicle != "V1" else "V2")
    assert any("locked" in w.value for w in app.warning)
    app.button(key="adjust_keep").click().run()
    assert [r.locked for r in shown_plan(app).routes] == [True]
    assert app.checkbox(key=f"lock_{vehicle}").value  # the new draft starts locked


def test_reordering_stops_rechecks_the_route(app: AppTest) -> None:
    plan = shown_plan(app)
    route = plan.routes[0]
    app.selectbox(key="adjust_vehicle").set_value(route.vehicle_id).run()
    app.selectbox(key="adjust_stop").set_value(2).run()
    app.button(key="adjust_earlier").click().run()
    assert not app.exception
    lines = app.session_state["adjust_lines"]
    order = [s.stop_id for s in lines if s.vehicle_id == route.vehicle_id]
    want_order = [s.stop_id for s in route.stops]
    want_order[1], want_order[2] = want_order[2], want_order[1]
    assert order == want_order
    assert app.session_state["adjust_stop"] == 1  # the picked stop follows its move
    want = check_routes(tiny_app_scenario(), plan, list(lines))
    routes = frame_with(app, adjust.COMPARISON_COLUMNS)
    assert routes["distance_km"].sum() == pytest.approx(want.distance_km(), abs=1e-3)
    app.button(key="adjust_reset").click().run()
    assert app.session_state["adjust_lines"] == adjust.start_lines(plan)


# ----- the logic ----------------------------------------------------------------------------


def pickups_and_deliveries(lines: tuple[StopLine, ...]) -> dict[str, list[tuple[str, str, int]]]:
    """Task → its (vehicle, kind, position) in ``lines``."""
    out: dict[str, list[tuple[str, str, int]]] = {}
    for k, s in enumerate(lines):
        for t in s.task_ids:
            out.setdefault(t, []).append((s.vehicle_id, s.stop_kind, k))
    return out


def test_the_plans_own_lines_check_clean_at_the_plans_cost(tiny_result: jobs.PlanResult) -> None:
    lines = adjust.start_lines(tiny_result.plan)
    check = adjust.check_lines(tiny_result, lines)
    assert check.is_clean()
    assert check.cost() == pytest.approx(tiny_result.plan.cost())
    assert not adjust.is_changed(tiny_result.plan, lines, frozenset())
    assert adjust.is_changed(tiny_result.plan, lines, {tiny_result.plan.routes[0].vehicle_id})
    assert [s.line for s in lines] == list(range(2, len(lines) + 2))


def test_a_moved_task_joins_the_targets_delivery_at_its_point(
    tiny_result: jobs.PlanResult,
) -> None:
    scenario, plan = tiny_result.scenario, tiny_result.plan
    peach, cold = task_of(plan, "peach"), task_of(plan, "bayberry")
    lines = adjust.move_task(scenario, plan, adjust.start_lines(plan), peach, "V1")
    lines = adjust.move_task(scenario, plan, lines, cold, "V1")
    v1 = [(s.stop_id, s.stop_kind, s.task_ids) for s in lines if s.vehicle_id == "V1"]
    hub = scenario.vehicle["V1"].home_logistics_point_id
    assert v1 == [
        (hub, "depot", ()),
        ("F1", "farm", (peach,)),
        ("F3", "farm", (cold,)),
        (hub, "logistics_point", (peach, cold)),
        (hub, "depot", ()),
    ]
    assert {s.vehicle_id for s in lines} == {"V1"}  # V2 has nothing left: no route
    with pytest.raises(adjust.AdjustError, match="already"):
        adjust.move_task(scenario, plan, lines, cold, "V1")
    with pytest.raises(adjust.AdjustError, match="unknown task"):
        adjust.move_task(scenario, plan, lines, "NOPE", "V1")
    with pytest.raises(adjust.AdjustError, match="unknown vehicle"):
        adjust.move_task(scenario, plan, lines, cold, "V9")
    with pytest.raises(adjust.AdjustError, match="locked"):
        adjust.move_task(scenario, plan, lines, cold, "V2", locked={"V1"})


def test_a_kept_adjustment_is_a_plan_with_the_checks_routes(tiny_result: jobs.PlanResult) -> None:
    scenario, plan = tiny_result.scenario, tiny_result.plan
    peach = task_of(plan, "peach")
    lines = adjust.move_task(scenario, plan, adjust.start_lines(plan), peach, "V1")
    check = adjust.check_lines(tiny_result, lines)
    kept = adjust.adjusted_result(tiny_result, check, {"V1"})
    assert kept.origin == adjust.ADJUSTED and kept.key == tiny_result.key
    assert {r.vehicle_id: r.locked for r in kept.plan.routes} == {
        r.vehicle_id: r.vehicle_id == "V1" for r in check.routes
    }
    assert {t.task_id: t.vehicle_id for t in kept.plan.tasks}[peach] == "V1"
    s = kept.plan.summary
    assert s["cost_total"] == pytest.approx(check.cost(), abs=0.01)
    assert s["cost_fixed"] + s["cost_distance"] == pytest.approx(s["cost_total"], abs=0.02)
    assert s["vehicles_used"] == len(check.routes) and s["adjusted"]["violations"] == 0
    # the kept plan checks as it is: same routes, same cost
    again = check_routes(scenario, kept.plan)
    assert again.is_clean() and again.cost() == pytest.approx(check.cost())


def test_stops_move_within_the_depots_only(tiny_result: jobs.PlanResult) -> None:
    plan = tiny_result.plan
    lines = adjust.start_lines(plan)
    vehicle = plan.routes[0].vehicle_id
    last = len(plan.routes[0].stops) - 2
    assert adjust.movable_stops(lines, vehicle) == list(range(1, last + 1))
    with pytest.raises(adjust.AdjustError, match="further"):
        adjust.shift_stop(lines, vehicle, 1, -1)
    with pytest.raises(adjust.AdjustError, match="further"):
        adjust.shift_stop(lines, vehicle, last, 1)
    with pytest.raises(adjust.AdjustError, match="no stop"):
        adjust.shift_stop(lines, vehicle, 0, 1)
    with pytest.raises(adjust.AdjustError, match="locked"):
        adjust.shift_stop(lines, vehicle, 1, 1, locked={vehicle})
    back = adjust.shift_stop(adjust.shift_stop(lines, vehicle, 1, 1), vehicle, 2, -1)
    assert back == lines


@pytest.fixture(scope="module")
def small_result() -> jobs.PlanResult:
    scenario = load_scenario(REPO / "instances" / "small")
    plan = plan_day(scenario, allocator=make_allocator("nearest"), **LIMITS)  # type: ignore[arg-type]
    options = jobs.PlanOptions.from_scenario(scenario)
    return jobs.PlanResult(plan, scenario, options, jobs.plan_key(scenario, options), 0.0)


@settings(max_examples=25, deadline=None)
@given(moves=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 10_000)), max_size=6))
def test_moves_keep_each_task_picked_up_then_delivered_by_one_vehicle(
    small_result: jobs.PlanResult, moves: list[tuple[int, int]]
) -> None:
    scenario, plan = small_result.scenario, small_result.plan
    served = [t.task_id for t in plan.tasks if t.served]
    vehicles = [v.vehicle_id for v in scenario.vehicles]
    lines = adjust.start_lines(plan)
    for task_pick, vehicle_pick in moves:
        task, vehicle = served[task_pick % len(served)], vehicles[vehicle_pick % len(vehicles)]
        if adjust.task_vehicle(lines, task) != vehicle:
            lines = adjust.move_task(scenario, plan, lines, task, vehicle)
    places = pickups_and_deliveries(lines)
    assert set(places) == set(served)
    for visits in places.values():
        (v1, kind1, at1), (v2, kind2, at2) = visits
        assert (kind1, kind2) == ("farm", "logistics_point") and v1 == v2 and at1 < at2
    stops = [(s.vehicle_id, s.seq) for s in lines]
    assert len(set(stops)) == len(stops)  # one stop per vehicle and seq
    check = adjust.check_lines(small_result, lines)
    assert not {v.code.value for v in check.violations} & {"pairing", "coverage", "place"}
    assert sum(1 for t in check.tasks if t.vehicle_id is not None) == len(served)
