"""Every order once in orders.csv, with the one fate the allocation and routing gave it."""

from __future__ import annotations

import collections
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from builders import (
    DAY,
    INSTANCES,
    infeasible_tiny_scenario,
    inventory_scenario,
    product,
    tiny_scenario,
)

from agrichain.allocation import NOT_ALLOCATED
from agrichain.inventory import NearestFarmAllocator
from agrichain.io import load_scenario, save_scenario, write_plan
from agrichain.model import Order, Scenario, Supply, Vehicle
from agrichain.pipeline import make_allocator, plan_day
from agrichain.plan import Fate, OrderFate, Plan
from agrichain.verify import verify_orders, verify_plan

LIMITS = {"time_limit_s": 20.0, "solution_limit": 10, "seed": 0}


def fates_by_id(plan: Plan) -> dict[str, OrderFate]:
    return {f.order_id: f for f in plan.orders}


def assert_every_order_once(scenario: Scenario, plan: Plan) -> None:
    """One fate per input order, in input order; its kg split over its sources; per
    product the fates add up to the ordered kg, as summary.json says."""
    assert [f.order_id for f in plan.orders] == [o.order_id for o in scenario.orders]
    ordered: dict[str, float] = collections.defaultdict(float)
    accounted: dict[str, float] = collections.defaultdict(float)
    for order, fate in zip(scenario.orders, plan.orders, strict=True):
        assert fate.kg == pytest.approx(scenario.order_kg(order))
        parts = fate.kg_collected + fate.kg_from_stock + fate.kg_later_day + fate.kg_unserved
        assert parts == pytest.approx(fate.kg, abs=1e-6), fate
        ordered[order.product_id] += scenario.order_kg(order)
        accounted[order.product_id] += parts
    assert accounted == pytest.approx(ordered, abs=1e-5)
    for pid, kg in ordered.items():
        s = plan.summary["by_product"][pid]
        total = s["kg_collected"] + s["kg_covered_otherwise"] + s["kg_unserved"]
        assert s["kg_ordered"] == pytest.approx(kg, abs=1e-3)
        assert total == pytest.approx(kg, abs=0.01), pid
    counts = collections.Counter(f.fate.value for f in plan.orders)
    assert plan.summary["orders_by_fate"] == {fate.value: counts[fate.value] for fate in Fate}


def written(scenario: Scenario, plan: Plan, tmp_path: Path) -> tuple[Path, Path]:
    folder = save_scenario(scenario, tmp_path / "sc")
    out = tmp_path / "plan"
    write_plan(plan, out)
    return folder, out


# ----- the county instance -------------------------------------------------------------------


@pytest.fixture(scope="module")
def county() -> tuple[Scenario, Plan]:
    scenario = load_scenario(INSTANCES / "county")
    return scenario, plan_day(scenario, time_limit_s=30.0, solution_limit=5, seed=0)


def test_county_orders_each_have_one_fate_from_stock_and_later_days_too(
    county: tuple[Scenario, Plan], tmp_path: Path
) -> None:
    scenario, plan = county
    assert_every_order_once(scenario, plan)
    kinds = {f.fate for f in plan.orders}
    # the county holds stock and plans three days: some orders ship from each
    assert {Fate.COLLECTED, Fate.FROM_STOCK, Fate.LATER_DAY} <= kinds
    assert sum(f.kg_from_stock for f in plan.orders) > 0
    assert sum(f.kg_later_day for f in plan.orders) > 0
    # collected kg are carried by served tasks that name the order
    tasks = {t.task_id: t for t in plan.tasks}
    for fate in plan.orders:
        for tid in fate.task_ids:
            assert tasks[tid].served and fate.order_id in tasks[tid].order_ids
    stocked = {(s.logistics_point_id, s.product_id, s.age_days) for s in scenario.stock}
    for fate in plan.orders:
        for age in fate.stock_age_days:
            assert (fate.logistics_point_id, fate.product_id, age) in stocked
    folder, out = written(scenario, plan, tmp_path)
    assert verify_orders(folder, out) == []
    assert verify_plan(folder, out) == []
    frame = pd.read_csv(out / "orders.csv", dtype=str, keep_default_na=False)
    assert len(frame) == len(scenario.orders) == frame["order_id"].nunique()


# ----- sources, one at a time ----------------------------------------------------------------


def test_old_stock_goes_to_the_earliest_order_and_todays_harvest_to_the_rest() -> None:
    sc = inventory_scenario(
        products=[product("peach", 120, box_kg=5)],
        supply=[("F1", "peach", 0, 500)],
        stock=[("HUB", "peach", 3, 40)],
        orders=[("O1", "peach", 6, 0, "12:00"), ("O2", "peach", 6, 0, "17:00")],
    )
    plan = plan_day(sc, **LIMITS)  # type: ignore[arg-type]
    assert_every_order_once(sc, plan)
    o1, o2 = fates_by_id(plan)["O1"], fates_by_id(plan)["O2"]
    assert (o1.fate, o1.kg_from_stock, o1.stock_age_days) == (Fate.FROM_STOCK, 30.0, (3,))
    assert o2.fate is Fate.MIXED
    assert (o2.kg_from_stock, o2.kg_collected) == pytest.approx((10.0, 20.0))
    (task,) = plan.tasks
    assert o2.task_ids == (task.task_id,) and task.order_ids == ("O2",)


def test_todays_harvest_kept_for_a_later_order_is_collected_by_the_task_naming_it() -> None:
    sc = inventory_scenario(
        products=[product("peach", 120, box_kg=5)],
        supply=[("F1", "peach", 0, 100)],
        orders=[("O1", "peach", 10, 1, "17:00")],
        horizon=2,
    )
    plan = plan_day(sc, **LIMITS)  # type: ignore[arg-type]
    assert_every_order_once(sc, plan)
    (fate,) = plan.orders
    (task,) = plan.tasks
    assert (fate.fate, fate.kg_collected, fate.task_ids) == (Fate.COLLECTED, 50.0, (task.task_id,))
    assert task.order_ids == ("O1",)


def test_a_later_days_harvest_is_later_day_with_its_date() -> None:
    sc = inventory_scenario(
        products=[product("peach", 120, box_kg=5)],
        supply=[("F1", "peach", 1, 100)],
        orders=[("O1", "peach", 10, 1, "17:00")],
        horizon=2,
    )
    plan = plan_day(sc, **LIMITS)  # type: ignore[arg-type]
    assert_every_order_once(sc, plan)
    (fate,) = plan.orders
    assert (fate.fate, fate.kg_later_day) == (Fate.LATER_DAY, 50.0)
    assert fate.later_dates == (DAY + dt.timedelta(days=1),)
    assert plan.tasks == () and plan.summary["kg_covered_otherwise"] == 50.0


@pytest.mark.parametrize("allocation", ["inventory", "nearest"])
def test_a_task_routing_splits_over_vehicles_names_its_pieces(
    allocation: str, tmp_path: Path
) -> None:
    base = tiny_scenario()
    big = Order(
        order_id="O1",
        session_id="S1",
        product_id="peach",
        quantity_boxes=440,
        ship_by=base.orders[0].ship_by,
    )
    v3 = Vehicle(
        vehicle_id="V3",
        home_logistics_point_id="HUB",
        capacity_kg=1000,
        shift_start="06:00",
        shift_end="18:00",
    )
    scenario = base.with_tables(
        supply=[Supply(farm_id="F1", product_id="peach", date=DAY, kg=2500)],
        orders=[big],
        vehicles=[*base.vehicles, v3],
    )
    plan = plan_day(scenario, allocator=make_allocator(allocation), **LIMITS)  # type: ignore[arg-type]
    assert_every_order_once(scenario, plan)
    (fate,) = plan.orders
    assert len(plan.tasks) == 3
    assert (fate.fate, fate.kg_collected) == (Fate.COLLECTED, pytest.approx(2200.0))
    assert fate.task_ids == tuple(sorted(t.task_id for t in plan.tasks))
    folder, out = written(scenario, plan, tmp_path)
    assert verify_orders(folder, out) == []


# ----- unserved: not allocated, and not routed -------------------------------------------------


@pytest.mark.parametrize("allocation", ["inventory", "nearest"])
def test_orders_of_a_task_routing_cannot_serve_are_unserved_with_the_routing_cause(
    allocation: str, tmp_path: Path
) -> None:
    scenario = infeasible_tiny_scenario()
    plan = plan_day(scenario, allocator=make_allocator(allocation), **LIMITS)  # type: ignore[arg-type]
    assert_every_order_once(scenario, plan)
    fates = fates_by_id(plan)
    # G1's grapes wait at FAR, whose pickup window no vehicle can reach
    (lost_task,) = [u for u in plan.unserved if u.kind == "task"]
    assert lost_task.order_ids == ("G1",) and lost_task.cause == "out_of_window"
    g1 = fates["G1"]
    assert (g1.fate, g1.kg_unserved, g1.kg_collected) == (Fate.UNSERVED, 50.0, 0.0)
    assert g1.causes == ("out_of_window",) and g1.task_ids == ()
    assert "pickup window" in g1.reasons[0]
    # 1,200 kg of peaches are ordered, 600 kg harvested: 600 kg short, not allocated
    peach = [f for f in plan.orders if f.product_id == "peach"]
    assert sum(f.kg_unserved for f in peach) == pytest.approx(600.0)
    assert all(f.causes == (NOT_ALLOCATED,) for f in peach if f.fate is Fate.UNSERVED)
    assert fates["BIG"].fate is Fate.UNSERVED
    assert plan.summary["orders_unserved"] == sum(f.fate is Fate.UNSERVED for f in plan.orders)
    folder, out = written(scenario, plan, tmp_path)
    assert verify_orders(folder, out) == []


def test_nearest_farm_orders_are_collected_or_short() -> None:
    scenario = load_scenario(Path(__file__).parent / "data" / "mixed")
    plan = plan_day(scenario, allocator=NearestFarmAllocator(), **LIMITS)  # type: ignore[arg-type]
    assert_every_order_once(scenario, plan)
    assert {f.fate for f in plan.orders} <= {Fate.COLLECTED, Fate.UNSERVED}
    tasks = {t.task_id: t for t in plan.tasks}
    for fate in plan.orders:
        assert fate.kg_from_stock == fate.kg_later_day == 0.0
        assert all(fate.order_id in tasks[tid].order_ids for tid in fate.task_ids)
        if fate.fate is Fate.UNSERVED:
            assert fate.causes == (NOT_ALLOCATED,)
