"""The perishable inventory planner on hand-checkable instances (exact numbers).

The planner runs in its worker process (PuLP/highspy must not load in the test
process, which also imports OR-Tools); the worker is shared, so only the first
test pays its start-up.
"""

from __future__ import annotations

import math
import subprocess
import sys
from typing import Any

import pandas as pd
import pytest
from builders import DAY, HUB, at, farm, hub, inventory_scenario, product, van

from agrichain.errors import ScenarioError
from agrichain.inventory import (
    InventoryAllocator,
    InventoryOptions,
    available_to_promise,
    plan_inventory,
    stock_by_age,
)
from agrichain.io import scenario_from_frames, table_frame
from agrichain.model import InventorySettings, Scenario, Settings

CIRCUITY = 1.3


def km(lat: float, lon: float, to: tuple[float, float] = HUB) -> float:
    """Road km as the scenario's default travel model sees it (own haversine × circuity)."""
    p1, p2 = math.radians(lat), math.radians(to[0])
    dp, dl = p2 - p1, math.radians(to[1] - lon)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a)) * CIRCUITY


def plan(sc: Scenario, **options: Any) -> Any:
    return plan_inventory(sc, trips_per_shift=1, **options)


def rows(frame: pd.DataFrame, **match: Any) -> pd.DataFrame:
    sel = pd.Series(True, index=frame.index)
    for k, v in match.items():
        sel &= frame[k] == v
    return frame[sel]


# ----- what the model must show ------------------------------------------------------------


def test_one_day_shelf_life_cannot_be_prestocked() -> None:
    """Tomorrow's session sells a 1-day product (only today's harvest) and a 2-day one."""
    sc = inventory_scenario(
        products=[product("berry", 24), product("plum", 48)],
        supply=[("F1", "berry", 0, 100), ("F1", "plum", 0, 100)],
        sessions=[("S1", at(0, "20:00"), "HUB")],
        forecast=[("S1", "berry", 60), ("S1", "plum", 60)],
        horizon=2,
    )
    p = plan(sc)
    lost = p.tables["lost_sales"].set_index("product_id")
    assert lost.loc["berry", "lost_kg"] == pytest.approx(60.0)
    assert lost.loc["plum", "lost_kg"] == pytest.approx(0.0)
    assert lost.loc["berry", "reason"] == (
        "no harvest of berry can reach HUB fresh by its ship-by day 2026-06-16"
    )
    flows = p.tables["flows"]
    assert rows(flows, product_id="berry").empty  # harvesting it would only spoil
    assert rows(flows, product_id="plum", day=0)["kg"].sum() == pytest.approx(60.0)
    inv = p.tables["inventory"]
    kept = rows(inv, product_id="plum", day=0, age_days=0).iloc[0]
    assert (kept["received_kg"], kept["kg"]) == pytest.approx((60.0, 60.0))
    shipped = rows(inv, product_id="plum", day=1, age_days=1).iloc[0]
    assert (shipped["opening_kg"], shipped["shipped_kg"], shipped["kg"]) == pytest.approx(
        (60.0, 60.0, 0.0)
    )
    assert p.summary["spoiled_kg"] == 0.0
    assert p.summary["lost_sales_kg"] == pytest.approx(60.0)


def test_near_farm_wins_when_transport_costs_dominate() -> None:
    near, far = farm("NEAR", 28.86, 120.73), farm("FAR", 29.00, 120.90)
    sc = inventory_scenario(
        products=[product("peach", 120, box_kg=5)],
        farms=[near, far],
        supply=[("NEAR", "peach", 0, 500), ("FAR", "peach", 0, 500)],
        orders=[("O1", "peach", 20, 0, "17:00")],
    )
    p = plan(sc)
    flows = p.tables["flows"]
    assert flows[["farm_id", "kg"]].values.tolist() == [["NEAR", 100.0]]
    assert p.summary["objective"] == pytest.approx(0.002 * km(28.86, 120.73) * 100, rel=1e-6)
    assert [(t.farm_id, t.kg, t.order_ids) for t in p.tasks] == [("NEAR", 100.0, ("O1",))]


@pytest.mark.parametrize("link_cost", [0.0, 50.0])
def test_link_cost_trades_two_near_links_for_one_far(link_cost: float) -> None:
    """Two near farms of 60 kg or one far farm of 100 kg for a 100 kg order: the far farm
    wins once a link costs more than the extra transport (about 18 here)."""
    n1, n2, far = (
        farm("N1", 28.86, 120.73),
        farm("N2", 28.84, 120.71),
        farm("FAR", 28.95, 120.85),
    )
    sc = inventory_scenario(
        products=[product("peach", 120, box_kg=5)],
        farms=[n1, n2, far],
        supply=[("N1", "peach", 0, 60), ("N2", "peach", 0, 60), ("FAR", "peach", 0, 100)],
        orders=[("O1", "peach", 20, 0, "17:00")],
        transport_cost=0.01,
        link_cost=link_cost,
    )
    p = plan(sc, mip_gap=0.0)
    used = dict(zip(p.tables["flows"]["farm_id"], p.tables["flows"]["kg"], strict=True))
    d1, d2, dfar = km(28.86, 120.73), km(28.84, 120.71), km(28.95, 120.85)
    if link_cost == 0.0:
        nearer, other = ("N1", "N2") if d1 <= d2 else ("N2", "N1")
        assert used == pytest.approx({nearer: 60.0, other: 40.0})
        expected = 0.01 * (60 * min(d1, d2) + 40 * max(d1, d2))
    else:
        assert used == pytest.approx({"FAR": 100.0})
        expected = link_cost + 0.01 * 100 * dfar
        assert p.summary["binaries"] == 3
    assert p.summary["objective"] == pytest.approx(expected, rel=1e-6)
    assert p.summary["status"] == "optimal"


def kiwi_spike(link_cost: float = 0.0) -> Scenario:
    """Three days of 100 kg kiwi a day; 50 kg ordered today; tomorrow evening's session S2
    sells 500 kg for the day after."""
    return inventory_scenario(
        products=[product("kiwi", 336, box_kg=5)],
        supply=[("F1", "kiwi", d, 100) for d in range(3)],
        orders=[("O1", "kiwi", 10, 0, "17:00")],
        sessions=[("S2", at(1, "20:00"), "HUB")],
        forecast=[("S2", "kiwi", 100)],
        horizon=3,
        link_cost=link_cost,
    )


def test_session_spike_beyond_supply_loses_exactly_the_excess() -> None:
    """100 kg/day of a long-keeping product; 50 kg ordered today; tomorrow evening's session
    sells 500 kg for the day after. Everything harvested is stocked for the spike:
    lost = 500 - (50 + 100 + 100) = 250 kg."""
    sc = kiwi_spike()
    p = plan(sc)
    lost = p.tables["lost_sales"]
    spike = rows(lost, kind="forecast").iloc[0]
    assert (spike["day"], spike["demand_kg"], spike["lost_kg"]) == (2, 500.0, pytest.approx(250.0))
    assert spike["reason"] == "not enough supply of kiwi for HUB by its ship-by day 2026-06-17"
    assert rows(lost, kind="order")["lost_kg"].sum() == 0.0
    assert p.shortfalls == ()
    assert p.tables["flows"]["kg"].sum() == pytest.approx(300.0)
    inv = p.tables["inventory"]
    assert rows(inv, day=2)["shipped_kg"].sum() == pytest.approx(250.0)
    assert p.summary["lost_sales_kg"] == pytest.approx(250.0)
    assert p.summary["fill_rate"] == pytest.approx(300.0 / 550.0, abs=1e-6)


def test_cold_storage_full_is_the_reason() -> None:
    sc = inventory_scenario(
        products=[product("bayberry", 48, box_kg=2.5, cold=True)],
        lps=[hub(cold=100)],
        supply=[("F1", "bayberry", 0, 500)],
        orders=[("O1", "bayberry", 60, 0, "17:00")],
    )
    p = plan(sc)
    assert [(s.order_id, s.kg, s.reason) for s in p.shortfalls] == [
        ("O1", 50.0, "cold storage at HUB full on 2026-06-15")
    ]
    assert p.tables["flows"]["kg"].sum() == pytest.approx(100.0)


def test_transport_capacity_is_the_reason() -> None:
    sc = inventory_scenario(
        products=[product("peach", 120, box_kg=5)],
        vehicles=[van(kg=100)],
        supply=[("F1", "peach", 0, 500)],
        orders=[("O1", "peach", 30, 0, "17:00")],
    )
    p = plan(sc)
    assert [(s.order_id, s.kg, s.reason) for s in p.shortfalls] == [
        ("O1", 50.0, "the vehicles able to reach HUB are fully used on 2026-06-15")
    ]


def test_lost_kg_fall_on_the_latest_ship_by_orders_and_kg_are_conserved() -> None:
    sc = inventory_scenario(
        products=[product("peach", 120, box_kg=5)],
        supply=[("F1", "peach", 0, 40)],
        orders=[
            ("O1", "peach", 6, 0, "10:00"),
            ("O2", "peach", 6, 0, "17:00"),
            ("O3", "peach", 2, 0, "17:00"),
        ],
    )
    p = plan(sc)
    # 70 kg ordered, 40 kg harvest: 30 kg lost, O3 (same ship-by as O2, higher id) first
    assert [(s.order_id, s.kg) for s in p.shortfalls] == [("O2", 20.0), ("O3", 10.0)]
    assert [(t.kg, t.order_ids) for t in p.tasks] == [(40.0, ("O1", "O2"))]
    ordered = 70.0
    task_kg = sum(t.kg for t in p.tasks)
    short = sum(s.kg for s in p.shortfalls)
    assert ordered == pytest.approx(task_kg + p.covered_otherwise_kg["peach"] + short)
    assert p.covered_otherwise_kg["peach"] == pytest.approx(0.0)


def test_old_stock_leaves_first() -> None:
    """40 kg aged 3 days are shipped before fresh kg; only the rest is harvested."""
    sc = inventory_scenario(
        products=[product("peach", 120, box_kg=5)],
        supply=[("F1", "peach", 0, 500)],
        stock=[("HUB", "peach", 3, 40)],
        orders=[("O1", "peach", 6, 0, "12:00"), ("O2", "peach", 6, 0, "17:00")],
    )
    p = plan(sc)
    inv = p.tables["inventory"].set_index("age_days")
    assert inv.loc[3, ["opening_kg", "shipped_kg", "kg"]].tolist() == [40.0, 40.0, 0.0]
    assert inv.loc[0, ["received_kg", "shipped_kg", "kg"]].tolist() == [20.0, 20.0, 0.0]
    # O1 (30 kg, earlier) gets old stock; O2 gets the last 10 kg of it and the 20 fresh kg
    assert [(t.kg, t.order_ids) for t in p.tasks] == [(20.0, ("O2",))]
    assert p.covered_otherwise_kg["peach"] == pytest.approx(40.0)


def test_expired_stock_is_spoiled_never_shipped() -> None:
    """Stock aged 4 days of a 5-day product that nobody buys today spoils tonight; tomorrow's
    sales come from tomorrow's harvest."""
    sc = inventory_scenario(
        products=[product("peach", 120, box_kg=5)],
        supply=[("F1", "peach", 1, 100)],
        stock=[("HUB", "peach", 4, 30)],
        sessions=[("S1", at(0, "20:00"), "HUB")],
        forecast=[("S1", "peach", 4)],
        horizon=2,
    )
    p = plan(sc)
    spoil = p.tables["spoilage"]
    assert spoil[["day", "age_days", "kg", "reason"]].values.tolist() == [
        [0, 4, 30.0, "shelf life ends"]
    ]
    inv = p.tables["inventory"]
    assert rows(inv, day=1)["shipped_kg"].sum() == pytest.approx(20.0)
    assert p.summary["spoiled_kg"] == pytest.approx(30.0)


# ----- available to promise ------------------------------------------------------------------


def test_atp_counts_stock_and_tomorrows_harvest_and_honours_earlier_sessions() -> None:
    """Day 0: 100 kg harvest, 30 kg ordered; day 1: 100 kg. Sessions S1 (18:00) and S2
    (20:00) tonight sell for tomorrow: S1 can promise 70 + 100 = 170 kg; S2 what is left
    after S1's planned 50 kg: 120 kg (boxes of 2 kg: 85 and 60)."""
    sc = inventory_scenario(
        products=[product("pear", 72, box_kg=2)],
        supply=[("F1", "pear", 0, 100), ("F1", "pear", 1, 100)],
        orders=[("O1", "pear", 15, 0, "17:00")],
        sessions=[("S1", at(0, "18:00"), "HUB"), ("S2", at(0, "20:00"), "HUB")],
        forecast=[("S1", "pear", 25), ("S2", "pear", 20)],
        horizon=2,
    )
    atp = available_to_promise(sc, trips_per_shift=1).set_index("session_id")
    assert atp.loc["S1", ["forecast_kg", "planned_kg", "atp_kg", "atp_boxes"]].tolist() == [
        50.0,
        50.0,
        170.0,
        85,
    ]
    assert atp.loc["S2", ["atp_kg", "atp_boxes"]].tolist() == [120.0, 60]
    assert (atp["ship_day"] == 1).all()


def test_atp_is_limited_by_storage() -> None:
    """Storage 100 kg: tomorrow at most 100 kg are on hand (kept + received)."""
    sc = inventory_scenario(
        products=[product("pear", 72, box_kg=2)],
        lps=[hub(ambient=100)],
        supply=[("F1", "pear", 0, 100), ("F1", "pear", 1, 100)],
        orders=[("O1", "pear", 15, 0, "17:00")],
        sessions=[("S1", at(0, "18:00"), "HUB")],
        forecast=[("S1", "pear", 25)],
        horizon=2,
    )
    atp = available_to_promise(sc, trips_per_shift=1)
    assert atp["atp_kg"].tolist() == [100.0]


# ----- solvers, options, bad input -------------------------------------------------------------


def test_cbc_and_highs_agree() -> None:
    sc = kiwi_spike(link_cost=5.0)
    highs = plan(sc, solver="highs", mip_gap=0.0, integer_days=3)
    cbc = plan(sc, solver="cbc", mip_gap=0.0, integer_days=3)
    assert highs.summary["binaries"] == cbc.summary["binaries"] == 3
    assert cbc.summary["solver"] == "cbc"
    assert cbc.summary["status"] == "optimal"
    assert cbc.summary["objective"] == pytest.approx(highs.summary["objective"], rel=1e-6)


def test_options_come_from_the_scenario_and_can_be_overridden() -> None:
    settings = Settings(
        planning_date=DAY, inventory=InventorySettings(solver="cbc", time_limit_s=7, threads=1)
    )
    opts = InventoryOptions.from_settings(settings, mip_gap=0.05)
    assert (opts.solver, opts.time_limit_s, opts.threads, opts.mip_gap) == ("cbc", 7, 1, 0.05)
    with pytest.raises(ValueError, match="unknown inventory options"):
        InventoryOptions.from_settings(settings, gap=0.1)
    with pytest.raises(ValueError, match="unknown inventory solver"):
        InventoryOptions(solver="gurobi")  # type: ignore[arg-type]


def _frames(sc: Scenario) -> dict[str, pd.DataFrame]:
    return {
        t: table_frame(sc, t)
        for t in ("farms", "logistics_points", "products", "supply", "sessions", "orders")
    } | {"vehicles": table_frame(sc, "vehicles")}


@pytest.mark.parametrize(
    ("table", "column", "value", "message"),
    [
        ("supply", "kg", -5.0, "greater than or equal to 0"),
        ("products", "shelf_life_h", 0.0, "greater than 0"),
        ("orders", "ship_by", at(3), "after the planning horizon"),
    ],
)
def test_bad_input_is_a_scenario_error(table: str, column: str, value: Any, message: str) -> None:
    sc = inventory_scenario(
        products=[product("peach", 120, box_kg=5)],
        supply=[("F1", "peach", 0, 100)],
        orders=[("O1", "peach", 2, 0, "17:00")],
        horizon=2,
    )
    frames = _frames(sc)
    frames[table] = frames[table].astype(object)
    frames[table].loc[0, column] = value
    with pytest.raises(ScenarioError, match=message) as err:
        scenario_from_frames(sc.settings, **frames)
    assert err.value.first.column == column


def test_over_demand_solves_with_lost_sales_never_infeasible() -> None:
    sc = inventory_scenario(
        products=[product("peach", 120, box_kg=5), product("bayberry", 48, 2.5, cold=True)],
        lps=[hub(ambient=50, cold=0)],
        vehicles=[van(kg=30)],
        supply=[("F1", "peach", 0, 20), ("F1", "bayberry", 0, 20)],
        orders=[("O1", "peach", 200, 0, "17:00"), ("O2", "bayberry", 400, 0, "17:00")],
        stock=[("HUB", "peach", 1, 80)],
    )
    alloc = InventoryAllocator(trips_per_shift=1).allocate(sc)
    assert alloc.status == "optimal"
    short = {s.order_id: s.kg for s in alloc.shortfalls}
    # peach: 80 kg in stock (more than the 50 kg room, which is allowed on day 0) ship
    # without any receipts; bayberry has no cold room at all
    assert short == pytest.approx({"O1": 920.0, "O2": 1000.0})
    assert alloc.tasks == ()
    bay = next(s.reason for s in alloc.shortfalls if s.order_id == "O2")
    assert bay == "cold storage at HUB full on 2026-06-15"


# ----- the pure pieces and the process boundary --------------------------------------------------


def test_stock_by_age_is_fifo() -> None:
    rows_, nxt = stock_by_age(5, {3: 40.0, 1: 10.0}, 50.0, closing_kg=30.0, waste_kg=5.0)
    # youngest 30 kg stay (age 0); 5 kg waste from age 3, then shipping oldest first
    assert rows_[0] == [0.0, 50.0, 20.0, 0.0, 30.0]
    assert rows_[1] == [10.0, 0.0, 10.0, 0.0, 0.0]
    assert rows_[3] == [40.0, 0.0, 35.0, 5.0, 0.0]
    assert nxt == {1: 30.0}


def test_importing_the_planner_loads_no_solver_library() -> None:
    code = (
        "import sys, agrichain.inventory, agrichain.bench.inventory;"
        "bad = [m for m in ('pulp', 'highspy') if m in sys.modules];"
        "sys.exit(1 if bad else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
    assert "pulp" not in sys.modules and "highspy" not in sys.modules


def test_threads_may_change_between_plans_in_the_shared_worker() -> None:
    """HiGHS refuses a run whose thread count differs from its first run in the process."""
    sc = inventory_scenario(
        products=[product("peach", 120, box_kg=5)],
        supply=[("F1", "peach", 0, 100)],
        orders=[("O1", "peach", 4, 0, "17:00")],
        link_cost=5.0,
    )
    first = plan(sc, threads=1)
    second = plan(sc, threads=2)
    assert first.summary["status"] == second.summary["status"] == "optimal"
    assert first.summary["objective"] == pytest.approx(second.summary["objective"])
