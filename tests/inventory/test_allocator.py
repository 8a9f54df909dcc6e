"""Independent check of a written multi-day plan: only the CSV files are read (pandas).

The scenario ``tests/data/mixed`` (three products with 1, 2 and 5 shelf-life days, initial
stock, forecasts, tight storage at two logistics points) is planned with the pipeline and
:class:`~agrichain.inventory.InventoryAllocator`, written with ``Plan.write``, and
every rule is re-checked from ``flows.csv``, ``inventory.csv``, ``spoilage.csv``,
``lost_sales.csv``, ``tasks.csv`` and the scenario's own files.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest
from builders import mixed_scenario

from agrichain.inventory import InventoryAllocator
from agrichain.io import save_scenario, write_plan
from agrichain.pipeline import plan_day
from agrichain.verify import verify_orders, verify_plan

TOL = 1e-3


def _csv(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("mixed")
    scenario_dir = save_scenario(mixed_scenario(), root / "scenario")
    plan = plan_day(
        mixed_scenario(),
        time_limit_s=2,
        solution_limit=20,
        allocator=InventoryAllocator(trips_per_shift=1),
    )
    write_plan(plan, root / "plan")
    return Path(scenario_dir), root / "plan"


def test_written_plan_keeps_every_inventory_rule(written: tuple[Path, Path]) -> None:
    scen, out = written
    products = _csv(scen, "products.csv").set_index("product_id")
    life = {p: max(1, int(float(h) // 24)) for p, h in products["shelf_life_h"].items()}
    cold = {p: str(c).lower() == "true" for p, c in products["needs_cold_chain"].items()}
    lps = _csv(scen, "logistics_points.csv").set_index("logistics_point_id")
    supply = _csv(scen, "supply.csv")
    stock = _csv(scen, "stock.csv")
    settings = tomllib.loads((scen / "scenario.toml").read_text())
    day0 = dt.date.fromisoformat(str(settings["planning_date"]))
    supply["day"] = [(dt.date.fromisoformat(s) - day0).days for s in supply["date"]]
    flows = _csv(out, "flows.csv")
    inv = _csv(out, "inventory.csv")
    spoil = _csv(out, "spoilage.csv")
    lost = _csv(out, "lost_sales.csv")
    assert len(flows) and len(inv) and len(lost)

    # no stock older than its shelf life; nothing kept overnight at the last fresh age
    for r in inv.itertuples():
        assert r.age_days <= life[r.product_id] - 1, r
        if r.age_days == life[r.product_id] - 1:
            assert abs(r.kg) <= TOL, r
    # balance per day, logistics point, product and age
    closing = {}
    for r in inv.itertuples():
        assert r.opening_kg + r.received_kg - r.shipped_kg - r.spoiled_kg == pytest.approx(
            r.kg, abs=TOL
        )
        assert min(r.opening_kg, r.received_kg, r.shipped_kg, r.spoiled_kg, r.kg) >= -TOL
        closing[(r.day, r.logistics_point_id, r.product_id, r.age_days)] = r.kg
    opening_expected: dict[tuple[int, str, str, int], float] = defaultdict(float)
    for s in stock.itertuples():
        opening_expected[(0, s.logistics_point_id, s.product_id, s.age_days)] += s.kg
    for (d, h, p, a), kg in closing.items():
        if d + 1 < int(settings["horizon_days"]) and kg > TOL:
            opening_expected[(d + 1, h, p, a + 1)] += kg
    seen = {(r.day, r.logistics_point_id, r.product_id, r.age_days): r for r in inv.itertuples()}
    for key, kg in opening_expected.items():
        assert key in seen, key
        assert seen[key].opening_kg == pytest.approx(kg, abs=TOL), key
    for key, r in seen.items():
        assert r.opening_kg == pytest.approx(opening_expected.get(key, 0.0), abs=TOL), key
    # receipts are today's flows, at age 0
    got = flows.groupby(["day", "logistics_point_id", "product_id"])["kg"].sum()
    rec = inv[inv["age_days"] == 0].groupby(["day", "logistics_point_id", "product_id"])[
        "received_kg"
    ]
    assert got.to_dict() == pytest.approx(rec.sum()[rec.sum() > TOL].to_dict(), abs=TOL)
    assert inv.loc[inv["age_days"] > 0, "received_kg"].abs().max() <= TOL
    # spoilage.csv is the inventory's spoiled kg
    key = ["day", "logistics_point_id", "product_id", "age_days"]
    spoiled = inv[inv["spoiled_kg"] > TOL].set_index(key)["spoiled_kg"].to_dict()
    assert spoil.set_index(key)["kg"].to_dict() == pytest.approx(spoiled, abs=TOL)
    # HUB can ship at most 100 kg of peach today: 50 kg of the 150 kg aged 4 days expire
    assert spoiled == pytest.approx({(0, "HUB", "peach", 4): 50.0}, abs=TOL)
    assert set(spoil["reason"]) == {"shelf life ends"}
    # storage: what is on hand during a day fits (day 0 may start above it)
    inv["cold"] = inv["product_id"].map(cold)
    on_hand = inv.assign(kg_in=inv["opening_kg"] + inv["received_kg"])
    for (d, h, c), kg in (
        on_hand.groupby(["day", "logistics_point_id", "cold"])["kg_in"].sum().items()
    ):
        cap = float(lps.loc[h, "cold_capacity_kg" if c else "ambient_capacity_kg"])
        if d == 0:
            initial = stock[
                (stock["logistics_point_id"] == h) & stock["product_id"].map(cold).eq(c)
            ]
            cap = max(cap, float(initial["kg"].sum()))
        assert kg <= cap + TOL, (d, h, c, kg, cap)
    # supply: flows only where harvest exists, never more
    harvest = supply.groupby(["day", "farm_id", "product_id"])["kg"].sum()
    sent = flows.groupby(["day", "farm_id", "product_id"])["kg"].sum()
    for k, kg in sent.items():
        assert k in harvest.index and kg <= harvest[k] + TOL, k


def test_written_plan_ships_what_is_ordered_or_loses_it(written: tuple[Path, Path]) -> None:
    scen, out = written
    products = _csv(scen, "products.csv").set_index("product_id")
    orders = _csv(scen, "orders.csv")
    inv = _csv(out, "inventory.csv")
    lost = _csv(out, "lost_sales.csv")
    flows = _csv(out, "flows.csv")
    tasks = _csv(out, "tasks.csv")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["allocation"]["method"] == "inventory"
    assert summary["allocation"]["status"] in {"optimal", "feasible"}

    # ordered = shipped + lost, per product
    ordered = (
        orders.assign(
            kg=orders["quantity_boxes"] * orders["product_id"].map(products["box_weight_kg"])
        )
        .groupby("product_id")["kg"]
        .sum()
    )
    by_kind = (
        lost[lost["kind"] == "order"]
        .groupby("product_id")[["demand_kg", "shipped_kg", "lost_kg"]]
        .sum()
    )
    for pid, kg in ordered.items():
        assert by_kind.loc[pid, "demand_kg"] == pytest.approx(kg, abs=TOL)
        assert by_kind.loc[pid, "shipped_kg"] + by_kind.loc[pid, "lost_kg"] == pytest.approx(
            kg, abs=TOL
        )
    assert (lost["reason"].fillna("") != "").eq(lost["lost_kg"] > TOL).all()
    # every shipment comes from stock: per point and product, inventory shipped = demand shipped
    shipped_inv = inv.groupby(["logistics_point_id", "product_id"])["shipped_kg"].sum()
    shipped_dem = lost.groupby(["logistics_point_id", "product_id"])["shipped_kg"].sum()
    assert shipped_inv[shipped_inv > TOL].to_dict() == pytest.approx(
        shipped_dem[shipped_dem > TOL].to_dict(), abs=TOL
    )
    # ship-by windows: nothing ships before its first day, everything shipped by its day
    for (h, p), part in inv.groupby(["logistics_point_id", "product_id"]):
        dem = lost[(lost["logistics_point_id"] == h) & (lost["product_id"] == p)]
        for d in range(3):
            shipped_by_d = part.loc[part["day"] <= d, "shipped_kg"].sum()
            assert shipped_by_d <= dem.loc[dem["first_ship_day"] <= d, "shipped_kg"].sum() + TOL
            assert shipped_by_d >= dem.loc[dem["day"] <= d, "shipped_kg"].sum() - TOL
    # today's pickup tasks are day 0's flows
    day0 = flows[flows["day"] == 0]
    assert tasks["kg"].sum() == pytest.approx(day0["kg"].sum(), abs=TOL)
    # the pipeline's own accounting: every ordered kg once in orders.csv, by its source
    assert verify_orders(scen, out) == []
    assert verify_plan(scen, out) == []
