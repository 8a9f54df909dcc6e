"""Re-planning the rest of the day on the bundled small instance: a breakdown forces tasks
onto other vehicles, a farm shortfall loses kg, orders come and go, locked routes stay."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from builders import REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from agrichain.cli import EXIT_INPUT, app
from agrichain.day.check import check_routes
from agrichain.day.replan import Replan, replan_day
from agrichain.io import load_scenario, read_plan, write_plan
from agrichain.io.events import Events
from agrichain.model import Order, Scenario, Vehicle
from agrichain.pipeline import plan_day
from agrichain.plan import Fate, Plan

SMALL = REPO / "instances" / "small"
DAY = dt.date(2025, 6, 20)
LIMITS = {"solution_limit": 20, "seed": 0}
runner = CliRunner()


def at(hh_mm: str) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time.fromisoformat(hh_mm))


@pytest.fixture(scope="module")
def small() -> tuple[Scenario, Plan]:
    scenario = load_scenario(SMALL)
    plan = plan_day(scenario, **LIMITS)  # type: ignore[arg-type]
    assert plan.is_complete()
    assert [r.vehicle_id for r in plan.routes] == ["V01"]
    return scenario, plan


def replanned(small: tuple[Scenario, Plan], events: Events, now: str) -> Replan:
    scenario, plan = small
    return replan_day(scenario, plan, events, at(now), **LIMITS)  # type: ignore[arg-type]


def assert_sound(result: Replan) -> None:
    """Every order once; every task once; the plan checks clean against its scenario."""
    orders = Counter(o.order_id for o in result.plan.orders)
    assert orders == Counter(o.order_id for o in result.scenario.orders)
    for o in result.plan.orders:
        parts = o.kg_collected + o.kg_from_stock + o.kg_later_day + o.kg_unserved
        assert parts == pytest.approx(o.kg, abs=1e-6)
    assert len({t.task_id for t in result.plan.tasks}) == len(result.plan.tasks)
    checked = check_routes(result.scenario, result.plan)
    assert checked.is_clean(), checked.violations


def test_with_nothing_happened_the_day_goes_on_as_planned(small: tuple[Scenario, Plan]) -> None:
    _, plan = small
    result = replanned(small, Events(), "09:00")
    assert_sound(result)
    assert result.plan.is_complete()
    assert result.plan.summary["replan"]["tasks_changing_vehicle"] == 0
    assert set(result.changes["change"]) <= {"moved"}
    old, new = plan.routes[0].stops, result.plan.routes[0].stops
    made = [s for s in old if s.arrival <= at("09:00")]
    assert new[: len(made)] == tuple(made)


def test_a_breakdown_forces_the_tasks_left_onto_other_vehicles(
    small: tuple[Scenario, Plan],
) -> None:
    result = replanned(small, Events(breakdowns={"V01": at("09:00")}), "09:00")
    assert_sound(result)
    v01 = next(r for r in result.plan.routes if r.vehicle_id == "V01")
    assert all(s.departure <= at("09:00") for s in v01.stops)
    carried = {t for s in v01.stops if s.stop_kind == "farm" for t in s.task_ids}
    lost = {u.item_id for u in result.plan.unserved if u.cause == "breakdown"}
    assert lost == carried
    others = {t.task_id for t in result.plan.tasks if t.vehicle_id not in (None, "V01")}
    assert others, "no task moved to another vehicle"
    changes = result.changes
    assert set(changes.loc[changes["change"] == "added", "task_id"]) == others
    assert others <= set(changes.loc[changes["vehicle_id"] == "V01", "task_id"])
    assert (changes.loc[changes["change"] == "added", "vehicle_id"] != "V01").all()


def test_cargo_on_board_of_a_working_vehicle_is_delivered_by_it(
    small: tuple[Scenario, Plan],
) -> None:
    _, plan = small
    result = replanned(small, Events(breakdowns={"V02": at("09:00")}), "09:00")
    assert_sound(result)
    old = next(r for r in plan.routes if r.vehicle_id == "V01")
    picked = {t for s in old.stops if s.stop_kind == "farm" and s.arrival <= at("09:00")
              for t in s.task_ids}  # fmt: skip
    tasks = {t.task_id: t for t in result.plan.tasks}
    for task_id in picked:
        assert tasks[task_id].vehicle_id == "V01"
        assert tasks[task_id].pickup_time == next(
            t.pickup_time for t in plan.tasks if t.task_id == task_id
        )


def test_a_farm_shortfall_loses_kg_of_that_farm_only(small: tuple[Scenario, Plan]) -> None:
    _, plan = small
    task = next(t for t in plan.tasks if t.farm_id == "F2" and t.order_ids)
    events = Events(shortfalls_kg={("F2", task.product_id): task.kg})
    result = replanned(small, events, "07:00")
    assert_sound(result)
    short = [u for u in result.plan.unserved if u.cause == "farm_shortfall"]
    assert [(u.item_id, u.kg) for u in short] == [(task.task_id + "~short", task.kg)]
    fates = {o.order_id: o for o in result.plan.orders}
    only_on_task = [o for o in plan.orders if o.task_ids == (task.task_id,)]
    assert only_on_task
    for o in only_on_task:
        assert fates[o.order_id].fate is Fate.UNSERVED
        assert fates[o.order_id].causes == ("farm_shortfall",)
        assert fates[o.order_id].kg_unserved == pytest.approx(o.kg_collected)
    assert sum(o.kg_unserved for o in fates.values()) <= task.kg + 1e-6
    routed = {t.task_id for t in result.plan.tasks if t.vehicle_id}
    assert routed == {t.task_id for t in plan.tasks} - {task.task_id}


def test_a_shortfall_takes_the_kg_for_stock_before_the_orders_kg(
    small: tuple[Scenario, Plan],
) -> None:
    scenario, plan = small
    ordered = {o.order_id: o for o in plan.orders}
    same_place = Counter((t.farm_id, t.product_id) for t in plan.tasks)
    task = next(
        t for t in plan.tasks
        if same_place[(t.farm_id, t.product_id)] == 1 and t.order_ids
        and all(ordered[o].task_ids == (t.task_id,) for o in t.order_ids)
    )  # fmt: skip
    stock_kg = 5.0  # the task also brings 5 kg for stock, which no order waits for
    tasks = tuple(dataclasses.replace(t, kg=t.kg + stock_kg) if t is task else t
                  for t in plan.tasks)  # fmt: skip
    with_stock = dataclasses.replace(plan, tasks=tasks)
    events = Events(shortfalls_kg={(task.farm_id, task.product_id): stock_kg})
    result = replan_day(scenario, with_stock, events, at("07:00"), **LIMITS)  # type: ignore[arg-type]
    assert [u.kg for u in result.plan.unserved] == [stock_kg]
    assert all(o.fate is not Fate.UNSERVED for o in result.plan.orders)
    more = Events(shortfalls_kg={(task.farm_id, task.product_id): stock_kg + 1.0})
    result = replan_day(scenario, with_stock, more, at("07:00"), **LIMITS)  # type: ignore[arg-type]
    assert sum(o.kg_unserved for o in result.plan.orders) == pytest.approx(1.0)


def test_new_orders_get_tasks_and_cancelled_orders_leave(small: tuple[Scenario, Plan]) -> None:
    scenario, plan = small
    gone = plan.orders[0].order_id
    new = Order(order_id="N1", session_id="S1", product_id="peach", quantity_boxes=2,
                ship_by=at("18:00"))  # fmt: skip
    result = replanned(small, Events(new_orders=(new,), cancelled=frozenset({gone})), "08:00")
    assert_sound(result)
    fates = {o.order_id: o for o in result.plan.orders}
    assert gone not in fates
    assert fates["N1"].fate is Fate.COLLECTED
    assert all(t.startswith("N") for t in fates["N1"].task_ids)
    assert fates["N1"].kg == scenario.product["peach"].box_weight_kg * 2


def test_a_locked_route_stays_as_it_is(small: tuple[Scenario, Plan]) -> None:
    scenario, plan = small
    locked = dataclasses.replace(plan, routes=tuple(dataclasses.replace(r, locked=True)
                                                    for r in plan.routes))  # fmt: skip
    new = Order(order_id="N1", session_id="S1", product_id="egg", quantity_boxes=1,
                ship_by=at("18:00"))  # fmt: skip
    result = replan_day(scenario, locked, Events(new_orders=(new,)), at("08:00"), **LIMITS)  # type: ignore[arg-type]
    v01 = next(r for r in result.plan.routes if r.vehicle_id == "V01")
    assert v01.stops == plan.routes[0].stops
    n1 = next(t for t in result.plan.tasks if t.task_id.startswith("N"))
    assert n1.vehicle_id not in (None, "V01")


def test_an_added_refrigerated_vehicle_takes_the_cold_chain_work(
    small: tuple[Scenario, Plan],
) -> None:
    extra = Vehicle(vehicle_id="V09", home_logistics_point_id="LP1", capacity_kg=2000,
                    refrigerated=True, shift_start=dt.time(6), shift_end=dt.time(21))  # fmt: skip
    events = Events(breakdowns={"V01": at("08:30")}, added_vehicles=((extra, at("09:00")),))
    result = replanned(small, events, "08:30")
    assert_sound(result)
    cold = [t for t in result.plan.tasks if t.product_id == "bayberry" and t.vehicle_id]
    assert cold and {t.vehicle_id for t in cold} <= {"V09", "V01"}
    v09 = next(r for r in result.plan.routes if r.vehicle_id == "V09")
    assert v09.stops[0].departure >= at("09:00")


def test_the_same_events_and_limits_give_the_same_plan(small: tuple[Scenario, Plan]) -> None:
    events = Events(breakdowns={"V01": at("09:00")})
    first, second = replanned(small, events, "09:00"), replanned(small, events, "09:00")
    one, two = first.files(), second.files()
    assert one.keys() == two.keys()
    assert {k: v for k, v in one.items() if k != "summary.json"} == {
        k: v for k, v in two.items() if k != "summary.json"
    }
    assert first.plan.summary["replan"] == second.plan.summary["replan"]


def test_cli_replan_writes_the_plan_and_changes(
    small: tuple[Scenario, Plan], tmp_path: Path
) -> None:
    scenario, plan = small
    folder = tmp_path / "plan"
    write_plan(plan, folder)
    events = tmp_path / "events.csv"
    events.write_text("kind,id,time\nbreakdown,V01,09:00\n")
    out = tmp_path / "new"
    args = ["replan", str(SMALL), str(folder), "--events", str(events), "--now", "09:00",
            "--out", str(out), "--solution-limit", "20", "--seed", "0"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code in (0, 3), result.output
    changes = pd.read_csv(out / "changes.csv")
    assert {"removed", "added"} <= set(changes["change"])
    again = read_plan(out, scenario)
    assert {r.vehicle_id for r in again.routes} > {"V01"}


def test_cli_replan_names_a_bad_event_cell(small: tuple[Scenario, Plan], tmp_path: Path) -> None:
    _, plan = small
    folder = tmp_path / "plan"
    write_plan(plan, folder)
    events = tmp_path / "events.csv"
    events.write_text("kind,id,time\nbreakdown,V77,09:00\n")
    args = ["replan", str(SMALL), str(folder), "--events", str(events), "--now", "09:00",
            "--out", str(tmp_path / "new")]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == EXIT_INPUT
    assert "events.csv, row 2, column id: unknown vehicle 'V77'" in result.output
    assert not (tmp_path / "new" / "routes.csv").exists()


def test_a_vehicle_broken_down_before_its_first_stop_has_no_route(
    small: tuple[Scenario, Plan],
) -> None:
    _, plan = small
    route = plan.routes[0]
    on_the_road = route.stops[0].departure + (route.stops[1].arrival - route.stops[0].departure) / 2
    result = replan_day(
        small[0],
        plan,
        Events(breakdowns={"V01": on_the_road}),
        on_the_road,
        **LIMITS,  # type: ignore[arg-type]
    )
    assert "V01" not in {r.vehicle_id for r in result.plan.routes}
    assert all(len(r.stops) >= 2 for r in result.plan.routes)
    assert "routes.geojson" in result.files()
    assert_sound(result)


def test_cli_replan_writes_the_days_scenario_to_check_the_new_plan_with(
    small: tuple[Scenario, Plan], tmp_path: Path
) -> None:
    _, plan = small
    folder = tmp_path / "plan"
    write_plan(plan, folder)
    events = tmp_path / "events.csv"
    events.write_text(
        "kind,id,product_id,session_id,boxes,ship_by\n"
        f"new_order,N7,egg,S1,2,2025-06-20 18:00\ncancel_order,{plan.orders[0].order_id},,,,\n"
    )
    out, day = tmp_path / "new", tmp_path / "day"
    args = ["replan", str(SMALL), str(folder), "--events", str(events), "--now", "08:00",
            "--out", str(out), "--scenario-out", str(day), "--solution-limit", "20"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    checked = runner.invoke(app, ["check", str(day), str(out)])
    assert checked.exit_code == 0, checked.output
    orders = {o.order_id for o in load_scenario(day).orders}
    assert "N7" in orders and plan.orders[0].order_id not in orders


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    now_min=st.integers(6 * 60, 15 * 60),
    broken=st.sampled_from(["", "V01", "V02", "V03"]),
    before_min=st.integers(0, 120),
    short_kg=st.floats(0, 50),
)
def test_any_day_re_planned_keeps_what_was_done_and_checks_clean(
    small: tuple[Scenario, Plan], now_min: int, broken: str, before_min: int, short_kg: float
) -> None:
    scenario, plan = small
    now = at("00:00") + dt.timedelta(minutes=now_min)
    events = Events(
        breakdowns={broken: now - dt.timedelta(minutes=before_min)} if broken else {},
        shortfalls_kg={("F2", "bayberry"): short_kg} if short_kg else {},
    )
    result = replan_day(scenario, plan, events, now, solution_limit=5, seed=0)
    assert_sound(result)
    new = {r.vehicle_id: r for r in result.plan.routes}
    for old in plan.routes:
        reached = [
            s
            for s in old.stops
            if s.arrival <= min(now, events.breakdowns.get(old.vehicle_id, now))
        ]
        if old.vehicle_id != broken and reached:
            assert new[old.vehicle_id].stops[: len(reached)] == tuple(reached)
    for r in result.plan.routes:
        after = [s for s in r.stops if s.arrival > now]
        assert all(s.arrival >= now for s in after)
