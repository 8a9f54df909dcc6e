"""Roll forward: tomorrow's scenario loads back, stock ages a day at a time over a week,
actual shortfalls and late orders are carried, and ``agrichain roll`` writes all or nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections import defaultdict
from pathlib import Path

import pytest
from builders import INSTANCES, infeasible_tiny_scenario, mixed_scenario, tiny_scenario
from typer.testing import CliRunner

from agrichain.cli import EXIT_INPUT, EXIT_OK, app
from agrichain.day import roll_day, roll_forward, write_scenario_folder
from agrichain.errors import ScenarioError
from agrichain.io import Actuals, check_scenario, load_scenario, save_scenario, write_plan
from agrichain.io.actuals import actuals_csv
from agrichain.model import Scenario
from agrichain.pipeline import plan_day
from agrichain.plan import Plan

EPS = 1e-6
runner = CliRunner()
Lots = dict[tuple[str, str, int], float]


def planned(scenario: Scenario) -> Plan:
    return plan_day(scenario, solution_limit=20, seed=0)


def lots(scenario: Scenario) -> Lots:
    out: Lots = defaultdict(float)
    for s in scenario.stock:
        out[(s.logistics_point_id, s.product_id, s.age_days)] += s.kg
    return out


def loads_back(scenario: Scenario, folder: Path) -> Scenario:
    save_scenario(scenario, folder)
    check = check_scenario(folder)
    assert check.errors == ()
    assert check.scenario is not None
    return check.scenario


def open_kg(scenario: Scenario) -> dict[str, float]:
    return {o.order_id: scenario.order_kg(o) for o in scenario.orders}


@pytest.mark.parametrize("make", [tiny_scenario, lambda: load_scenario(INSTANCES / "small")])
def test_roll_of_bundled_scenarios_loads_back(make: object, tmp_path: Path) -> None:
    scenario: Scenario = make()  # type: ignore[operator]
    plan = planned(scenario)
    rolled = roll_forward(scenario, plan)
    again = loads_back(rolled, tmp_path / "next")
    today = scenario.settings.planning_date
    assert again.settings.planning_date == today + dt.timedelta(days=1)
    assert all(s.date > today for s in again.supply)
    shipped = {f.order_id: f.kg_collected + f.kg_from_stock for f in plan.orders}
    for o in again.orders:  # only orders the plan did not ship in full are left
        before = next(x for x in scenario.orders if x.order_id == o.order_id)
        assert shipped[o.order_id] < scenario.order_kg(before) - EPS
    delivered = sum(t.kg for t in plan.tasks if t.served)
    stock_before = sum(s.kg for s in scenario.stock)
    assert sum(s.kg for s in again.stock) == pytest.approx(
        stock_before + delivered - sum(shipped.values()), abs=1e-3
    )


def test_stock_ages_a_day_per_roll_over_seven_days(tmp_path: Path) -> None:
    scenario = mixed_scenario()
    life = {p.product_id: p.shelf_life_days for p in scenario.products}
    carried_on = expired_total = 0.0
    for _ in range(7):
        plan = planned(scenario)
        rolled = roll_day(scenario, plan)
        before, after = lots(scenario), lots(rolled.scenario)
        delivered: dict[tuple[str, str], float] = defaultdict(float)
        for t in plan.tasks:
            if t.served:
                delivered[(t.logistics_point_id, t.product_id)] += t.kg
        for (point, product, age), kg in after.items():
            assert 1 <= age < life[product]
            came_in = before.get((point, product, age - 1), 0.0)
            came_in += delivered[(point, product)] if age == 1 else 0.0
            assert kg <= came_in + 1e-3  # a lot only shrinks as it ages
            carried_on += kg if abs(kg - came_in) < 1e-3 else 0.0
        at_end_of_life = sum(
            kg for (_, product, age), kg in before.items() if age == life[product] - 1
        ) + sum(kg for (_, product), kg in delivered.items() if life[product] == 1)
        r = rolled.report
        assert r.kg_expired <= at_end_of_life + 1e-3
        shipped = r.kg_on_time + r.kg_late
        assert sum(after.values()) == pytest.approx(
            sum(before.values()) + r.kg_delivered - shipped - r.kg_spoiled, abs=1e-2
        )
        expired_total += r.kg_expired
        scenario = rolled.scenario
    assert carried_on > 0  # some lot aged whole from one day to the next
    assert expired_total > 0  # and some reached its shelf life and was thrown away
    assert (
        scenario.settings.planning_date
        == mixed_scenario().settings.planning_date + dt.timedelta(days=7)
    )
    loads_back(scenario, tmp_path / "week")


def test_an_actual_harvest_shortfall_leaves_orders_late(tmp_path: Path) -> None:
    scenario = tiny_scenario()
    plan = planned(scenario)
    peach_tasks = [t for t in plan.tasks if t.served and t.product_id == "peach"]
    by_farm: dict[str, float] = defaultdict(float)
    for t in peach_tasks:
        by_farm[t.farm_id] += t.kg
    harvested = {(farm, "peach"): kg / 2 for farm, kg in by_farm.items()}
    rolled = roll_day(scenario, plan, Actuals(harvested_kg=harvested))
    short_kg = sum(by_farm.values()) / 2
    served_kg = sum(t.kg for t in plan.tasks if t.served)
    assert rolled.report.kg_delivered == pytest.approx(served_kg - short_kg)
    carried = [o for o in rolled.scenario.orders if o.product_id == "peach"]
    assert sum(rolled.scenario.order_kg(o) for o in carried) == pytest.approx(short_kg)
    original = {o.order_id: o for o in scenario.orders}
    for o in carried:
        assert o.late and o.ship_by == original[o.order_id].ship_by
    assert rolled.report.kg_carried_late == pytest.approx(short_kg)
    folder = tmp_path / "next"
    loads_back(rolled.scenario, folder)
    orders_csv = folder / "orders.csv"
    orders_csv.write_text(orders_csv.read_text().replace(",true", ",false"))
    errors = check_scenario(folder).errors
    assert errors and all(
        e.column == "ship_by" and "before the planning date" in e.message for e in errors
    )


def test_an_unserved_order_is_carried_late_or_cancelled() -> None:
    scenario = infeasible_tiny_scenario()
    plan = planned(scenario)
    unserved = {f.order_id: f.kg_unserved for f in plan.orders if f.kg_unserved > EPS}
    assert unserved
    rolled = roll_day(scenario, plan)
    carried = {o.order_id: o for o in rolled.scenario.orders}
    assert set(carried) == set(unserved)
    for oid, kg in unserved.items():
        box_kg = scenario.product[carried[oid].product_id].box_weight_kg
        assert carried[oid].quantity_boxes == math.ceil(kg / box_kg - 1e-9)
        assert carried[oid].late
    cancelled = roll_day(scenario, plan, cancel_late_after_days=0)
    assert cancelled.scenario.orders == ()
    assert cancelled.report.kg_lost == pytest.approx(sum(unserved.values()))
    assert cancelled.report.orders_cancelled == len(unserved)


def test_orders_for_later_days_stay_and_past_sessions_drop() -> None:
    scenario = mixed_scenario()
    plan = planned(scenario)
    rolled = roll_day(scenario, plan).scenario
    tomorrow = scenario.settings.planning_date + dt.timedelta(days=1)
    later = [f for f in plan.orders if f.kg_later_day > EPS]
    assert later
    carried = {o.order_id: o for o in rolled.orders}
    for f in later:
        o = carried[f.order_id]
        assert not o.late and o.ship_by.date() >= tomorrow
        box_kg = scenario.product[o.product_id].box_weight_kg
        left = f.kg - f.kg_collected - f.kg_from_stock
        assert o.quantity_boxes == math.ceil(left / box_kg - 1e-9)
    midnight = dt.datetime.combine(scenario.settings.planning_date, dt.time())
    named = {o.session_id for o in rolled.orders}
    expected = {s.session_id for s in scenario.sessions if s.start >= midnight} | named
    assert {s.session_id for s in rolled.sessions} == expected
    held = {s.session_id for s in scenario.sessions if s.start.date() < tomorrow}
    assert rolled.forecast and not {f.session_id for f in rolled.forecast} & held
    assert {s.date for s in rolled.supply} == {
        s.date for s in scenario.supply if s.date >= tomorrow
    }


def test_actuals_replace_deliveries_remove_shipped_and_spoiled() -> None:
    scenario = tiny_scenario()
    plan = planned(scenario)
    task = next(t for t in plan.tasks if t.served and t.product_id == "peach")
    peach_in = sum(t.kg for t in plan.tasks if t.served and t.product_id == "peach")
    first = next(f for f in plan.orders if f.product_id == "peach")
    facts = Actuals(
        delivered={task.task_id: (task.kg - 10, None)},
        shipped={first.order_id: (20.0, None)},
        spoiled_kg={("HUB", "peach"): 5.0},
    )
    rolled = roll_day(scenario, plan, facts)
    shipped_peach = 20.0 + sum(
        f.kg_collected + f.kg_from_stock
        for f in plan.orders
        if f.product_id == "peach" and f.order_id != first.order_id
    )
    left = peach_in - 10 - 5 - shipped_peach
    stock = lots(rolled.scenario)
    assert stock.get(("HUB", "peach", 1), 0.0) == pytest.approx(max(0.0, left), abs=1e-3)
    carried = {o.order_id: o for o in rolled.scenario.orders}
    assert carried[first.order_id].quantity_boxes == math.ceil((first.kg - 20) / 5 - 1e-9)
    assert rolled.report.kg_spoiled == pytest.approx(5.0)
    with pytest.raises(ScenarioError, match="not in the plan"):
        roll_day(scenario, plan, Actuals(delivered={"NO-TASK": (1.0, None)}))
    with pytest.raises(ScenarioError, match="unknown order 'O99'"):
        roll_day(scenario, plan, Actuals(shipped={"O99": (1.0, None)}))
    yesterday = dataclasses.replace(plan, planning_date=dt.date(2026, 6, 14))
    with pytest.raises(ScenarioError, match="the plan is for"):
        roll_day(scenario, yesterday)


def test_roll_command_writes_a_whole_scenario_folder_or_nothing(tmp_path: Path) -> None:
    scenario = tiny_scenario()
    folder = save_scenario(scenario, tmp_path / "today")
    plan = planned(scenario)
    write_plan(plan, tmp_path / "plan")
    nxt = tmp_path / "next"
    args = ["roll", str(folder), str(tmp_path / "plan"), "--out", str(nxt)]
    assert runner.invoke(app, args).exit_code == EXIT_OK
    assert load_scenario(nxt).settings.planning_date == dt.date(2026, 6, 16)
    (nxt / "stock.xlsx").write_bytes(b"stale")  # a second file of a table: replaced away
    assert runner.invoke(app, args).exit_code == EXIT_OK
    assert not (nxt / "stock.xlsx").exists()
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    refused = runner.invoke(app, [*args[:-1], str(other)])
    assert refused.exit_code == EXIT_INPUT and "no scenario folder" in refused.output
    assert [p.name for p in other.iterdir()] == ["notes.txt"]
    bad = tmp_path / "actuals.csv"
    bad.write_text(actuals_csv(Actuals(harvested_kg={("F9", "peach"): 1.0})))
    fresh = tmp_path / "fresh"
    result = runner.invoke(app, [*args[:-1], str(fresh), "--actuals", str(bad)])
    assert result.exit_code == EXIT_INPUT and "unknown farm 'F9'" in result.output
    assert not fresh.exists()
    good = tmp_path / "good.csv"
    good.write_text(actuals_csv(Actuals(spoiled_kg={("HUB", "peach"): 1.0})))
    assert runner.invoke(app, [*args, "--actuals", str(good)]).exit_code == EXIT_OK


def test_write_scenario_folder_refuses_a_file_in_the_way(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="is a file"):
        write_scenario_folder(tiny_scenario(), tmp_path / "file")
    with pytest.raises(ValueError, match="is a file"):
        write_scenario_folder(tiny_scenario(), tmp_path / "file" / "below")
