"""The planner's transport capacity is the fleet's, as routing runs it: any vehicle serves any
logistics point it can reach in its shift, cold-chain kg only on refrigerated vehicles, and a
vehicle's day is spent once (shared among the points)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from builders import INSTANCES, at, farm, hub, inventory_scenario, product, van

from agrichain.geo import GreatCircleTravel
from agrichain.inventory import InventoryOptions, available_to_promise, plan_inventory
from agrichain.inventory.data import prepare
from agrichain.inventory.fleet import estimate_fleet
from agrichain.io import load_scenario
from agrichain.model import Scenario

NOON = dt.time(12, 0)
#: A second logistics point 2.8 km from HUB.
NEAR = (28.86, 120.75)
#: A logistics point and a farm about 100 km north of HUB (over 3 h away by road).
FAR, FAR_FARM = (29.75, 120.72), (29.76, 120.72)


def plan(sc: Scenario, **options: Any) -> Any:
    return plan_inventory(sc, trips_per_shift=1, **options)


def to_point(sc: Scenario, point_of: dict[str, str]) -> Scenario:
    """``sc`` with the listed orders fulfilled at another logistics point."""
    orders = [
        o.model_copy(update={"logistics_point_id": point_of[o.order_id]})
        if o.order_id in point_of
        else o
        for o in sc.orders
    ]
    return sc.with_tables(orders=orders)


@pytest.mark.skipif(not (INSTANCES / "small").exists(), reason="instances/small not generated")
def test_orders_at_a_point_without_a_refrigerated_vehicle_of_its_own_are_served() -> None:
    """The issue's case: every order of instances/small at LP2, the refrigerated truck based at
    LP1. Routing may deliver to LP2 with it, so the planner loses no bayberry order."""
    small = load_scenario(INSTANCES / "small")
    assert not any(v.refrigerated for v in small.vehicles if v.home_logistics_point_id == "LP2")
    sc = to_point(small, {o.order_id: "LP2" for o in small.orders})
    p = plan_inventory(sc)
    assert not [s for s in p.shortfalls if s.product_id == "bayberry"]
    bayberry = [t for t in p.tasks if t.product_id == "bayberry"]
    assert bayberry and all(t.logistics_point_id == "LP2" for t in bayberry)


def test_the_fleets_day_is_shared_among_the_points() -> None:
    """One 100 kg van, based at HUB, reaches HUB and HUB2: 80 kg are ordered at each. Each
    point alone could get 100 kg; together they get 100 kg, and 60 kg are lost."""
    base = inventory_scenario(
        products=[product("peach", 120, box_kg=5)],
        lps=[hub(), hub("HUB2", where=NEAR)],
        vehicles=[van(kg=100)],
        supply=[("F1", "peach", 0, 500)],
        orders=[("O1", "peach", 16, 0, "17:00"), ("O2", "peach", 16, 0, "17:00")],
    )
    sc = to_point(base, {"O2": "HUB2"})
    data = prepare(sc, InventoryOptions(trips_per_shift=1))
    assert data.transport_kg[:, 0].tolist() == [100.0, 100.0]  # either point alone
    p = plan(sc)
    assert sum(t.kg for t in p.tasks) == pytest.approx(100.0)
    assert sum(s.kg for s in p.shortfalls) == pytest.approx(60.0)
    assert {s.reason for s in p.shortfalls} <= {
        f"the vehicles able to reach {h} are fully used on 2026-06-15" for h in ("HUB", "HUB2")
    }


def test_cold_chain_kg_are_bounded_by_the_refrigerated_vehicles() -> None:
    """A 100 kg refrigerated van and a 1 t ambient one: of 150 kg of bayberries 100 kg come
    in; the 150 kg of peaches all do (on the ambient van)."""
    sc = inventory_scenario(
        products=[product("bayberry", 48, box_kg=5, cold=True), product("peach", 120, box_kg=5)],
        vehicles=[van("VC", kg=100, cold=True), van("VA", kg=1000, cold=False)],
        supply=[("F1", "bayberry", 0, 500), ("F1", "peach", 0, 500)],
        orders=[("O1", "bayberry", 30, 0, "17:00"), ("O2", "peach", 30, 0, "17:00")],
    )
    p = plan(sc)
    kg = {pid: sum(t.kg for t in p.tasks if t.product_id == pid) for pid in ("bayberry", "peach")}
    assert kg == pytest.approx({"bayberry": 100.0, "peach": 150.0})
    assert [(s.order_id, s.kg, s.reason) for s in p.shortfalls] == [
        ("O1", 50.0, "the refrigerated vehicles able to reach HUB are fully used on 2026-06-15")
    ]


def test_a_point_no_vehicle_reaches_within_its_shift() -> None:
    """The only van works 06:00-12:00 from HUB; FAR is over 3 h away each way."""
    base = inventory_scenario(
        products=[product("peach", 120, box_kg=5)],
        farms=[farm("F1", 28.86, 120.74), farm("F2", *FAR_FARM)],
        lps=[hub(), hub("FAR", where=FAR)],
        vehicles=[van(kg=1000).model_copy(update={"shift_end": NOON})],
        supply=[("F2", "peach", 0, 500)],
        orders=[("O1", "peach", 10, 0, "17:00")],
    )
    sc = to_point(base, {"O1": "FAR"})
    p = plan(sc)
    assert [(s.order_id, s.reason) for s in p.shortfalls] == [
        ("O1", "no vehicle can reach FAR within its shift to collect peach")
    ]


def test_atp_sees_the_fleets_day_left_by_the_other_points() -> None:
    """One 100 kg van for HUB and HUB2. HUB ships 60 kg today; a session at HUB2 tonight sells
    for tomorrow: 40 kg can come in today and 100 kg tomorrow, so ATP is 140 kg."""
    base = inventory_scenario(
        products=[product("pear", 72, box_kg=2)],
        lps=[hub(), hub("HUB2", where=NEAR)],
        vehicles=[van(kg=100)],
        supply=[("F1", "pear", 0, 200), ("F1", "pear", 1, 200)],
        orders=[("O1", "pear", 30, 0, "17:00")],
        sessions=[("S1", at(0, "20:00"), "HUB2")],
        forecast=[("S1", "pear", 10)],
        horizon=2,
    )
    atp = available_to_promise(base, trips_per_shift=1)
    assert atp[["session_id", "logistics_point_id", "atp_kg"]].values.tolist() == [
        ["S1", "HUB2", 140.0]
    ]


def test_the_estimate_follows_the_map_the_shift_and_the_cold_chain() -> None:
    """A van brings more to a point near the farms than to a far one; it cannot reach a point
    it could not come home from; cold-chain shares stay within [0, 1]."""
    base = inventory_scenario(
        products=[product("bayberry", 48, box_kg=5, cold=True), product("peach", 120, box_kg=5)],
        farms=[farm("F1", 28.86, 120.74), farm("F2", 28.95, 120.80), farm("F3", *FAR_FARM)],
        lps=[hub(), hub("HUB2", where=(28.98, 120.85)), hub("FAR", where=FAR)],
        vehicles=[
            van("V1", kg=1500),
            van("V2", kg=1500, cold=False).model_copy(update={"shift_end": NOON}),
        ],
        supply=[(f, p, 0, 300) for f in ("F1", "F2", "F3") for p in ("bayberry", "peach")],
        orders=[("O1", "peach", 100, 0, "17:00"), ("O2", "bayberry", 40, 0, "17:00")],
    )
    data = prepare(base, InventoryOptions())
    fleet = estimate_fleet(
        base,
        GreatCircleTravel()
        .matrix(
            [f.lat for f in base.farms] + [p.lat for p in base.logistics_points],
            [f.lon for f in base.farms] + [p.lon for p in base.logistics_points],
        )
        .duration_min,
        data.supply,
        data.arc_ok,
        (700.0, 200.0),
    )
    by_vehicle = {c.vehicle_ids: c for c in fleet.classes}
    v1, v2 = by_vehicle[("V1",)], by_vehicle[("V2",)]
    assert v1.kg_per_day[0] > v1.kg_per_day[2] > 0  # HUB near its farms, FAR 100 km out
    assert v2.kg_per_day[2] == 0 < v2.kg_per_day[0]  # V2 cannot be home by 12:00
    assert v1.cold_share.min() > 0 and v1.cold_share.max() <= 1
    assert (v2.cold_share == 0).all()
    assert fleet.trips["V1"] > 1
