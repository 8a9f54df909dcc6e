"""End-to-end nightly plan: feasibility re-verified from the files, conservation, reasons."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from builders import DAY, INSTANCES, infeasible_tiny_scenario, tiny_scenario
from typer.testing import CliRunner

from agrichain.cli import EXIT_OK, EXIT_PARTIAL, app
from agrichain.inventory import NearestFarmAllocator
from agrichain.io import load_scenario, save_scenario
from agrichain.model import Order, Supply, Vehicle
from agrichain.pipeline import plan_day
from agrichain.plan import PlanStatus
from agrichain.routing.rules import Cause
from agrichain.verify import verify_orders, verify_plan

LIMITS = {"time_limit_s": 20.0, "solution_limit": 30, "allocator": NearestFarmAllocator()}


def _plan_to_files(scenario_dir: Path, out: Path, *args: str) -> int:
    result = CliRunner().invoke(app, ["plan", str(scenario_dir), "--out", str(out), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code


def _assert_conserved(scenario_dir: Path, out: Path) -> None:
    assert verify_orders(scenario_dir, out) == []


def test_tiny_plan_is_complete_valid_and_conserving(tmp_path: Path) -> None:
    folder = save_scenario(tiny_scenario(), tmp_path / "sc")
    out = tmp_path / "plan"
    code = _plan_to_files(folder, out, "--time-limit", "10", "--solution-limit", "30")
    assert code == EXIT_OK
    assert {p.name for p in out.iterdir()} >= {
        "routes.csv",
        "tasks.csv",
        "unserved.csv",
        "routes.geojson",
        "summary.json",
    }
    assert verify_plan(folder, out) == []
    _assert_conserved(folder, out)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "complete"
    assert summary["kg_unserved"] == 0
    assert summary["kg_collected"] == pytest.approx(250.0)
    # scenario default: the search may use two processes; a 3-task day needs one
    assert summary["routing"]["workers"] == 2
    assert summary["routing"]["processes"] == 1


def test_infeasible_day_still_plans_and_explains(tmp_path: Path) -> None:
    scenario = infeasible_tiny_scenario()
    folder = save_scenario(scenario, tmp_path / "sc")
    out = tmp_path / "plan"
    code = _plan_to_files(
        folder, out, "--time-limit", "10", "--solution-limit", "30", "--allocation", "nearest"
    )
    assert code == EXIT_PARTIAL
    assert verify_plan(folder, out) == []
    _assert_conserved(folder, out)
    plan = plan_day(scenario, **LIMITS)  # type: ignore[arg-type]
    assert plan.status is PlanStatus.PARTIAL
    shortages = [u for u in plan.unserved if u.kind == "order"]
    assert {u.product_id for u in shortages} == {"peach"}
    assert sum(u.kg for u in shortages) == pytest.approx(200 + 1000 - 600)
    assert all("not enough harvest" in u.reason for u in shortages)
    by_kind = {(u.kind, u.product_id): u for u in plan.unserved}
    unreachable = by_kind[("task", "grape")]
    assert unreachable.kg == pytest.approx(50)
    assert "pickup window" in unreachable.reason and "FAR" in unreachable.reason
    assert unreachable.order_ids == ("G1",)
    # Causes are codes from one closed set, written to unserved.csv.
    assert unreachable.cause == "out_of_window"
    assert {u.cause for u in shortages} == {"not_allocated"}
    written = pd.read_csv(out / "unserved.csv", dtype=str, keep_default_na=False)
    assert set(written["cause"]) <= {c.code for c in Cause} | {"not_allocated"}
    assert "out_of_window" in set(written["cause"])


def test_transit_limit_reason() -> None:
    base = tiny_scenario()
    # F3's bayberries may spend only 5 min on a vehicle: the direct drive alone is longer.
    products = [
        p.model_copy(update={"max_transit_min": 5.0}) if p.product_id == "bayberry" else p
        for p in base.products
    ]
    plan = plan_day(base.with_tables(products=products), **LIMITS)
    (item,) = plan.unserved
    assert item.kind == "task" and "maximum transit" in item.reason


def test_large_task_is_split_over_vehicles() -> None:
    base = tiny_scenario()
    supply = [Supply(farm_id="F1", product_id="peach", date=DAY, kg=2500)]
    orders = [
        Order(
            order_id="O1",
            session_id="S1",
            product_id="peach",
            quantity_boxes=440,
            ship_by="2026-06-15 17:00",
        )
    ]
    vehicles = [
        *base.vehicles,
        Vehicle(
            vehicle_id="V3",
            home_logistics_point_id="HUB",
            capacity_kg=1000,
            shift_start="06:00",
            shift_end="18:00",
        ),
    ]
    plan = plan_day(base.with_tables(supply=supply, orders=orders, vehicles=vehicles), **LIMITS)
    assert plan.is_complete()
    assert len(plan.tasks) == 3 and all(t.kg <= 1000 for t in plan.tasks)
    assert sum(t.kg for t in plan.tasks) == pytest.approx(2200)


def test_same_seed_and_solution_limit_give_the_same_plan() -> None:
    scenario = tiny_scenario()
    a = plan_day(scenario, seed=7, **LIMITS)
    b = plan_day(scenario, seed=7, **LIMITS)
    assert a.stops_frame().equals(b.stops_frame())
    assert a.tasks_frame().equals(b.tasks_frame())
    assert a.summary["cost_total"] == b.summary["cost_total"]


def test_plan_as_geodataframes() -> None:
    plan = plan_day(tiny_scenario(), **LIMITS)
    lines, points = plan.routes_gdf(), plan.stops_gdf()
    assert lines.crs.to_epsg() == 4326 and points.crs.to_epsg() == 4326
    assert len(lines) == len(plan.routes)
    assert len(points) == sum(len(r.stops) for r in plan.routes)
    assert set(lines.geom_type) == {"LineString"}


def test_progress_is_reported() -> None:
    stages: list[str] = []
    plan_day(tiny_scenario(), progress=lambda stage, frac: stages.append(stage), **LIMITS)
    assert stages[0] == "allocate" and "route" in stages and stages[-1] == "done"


@pytest.mark.skipif(not (INSTANCES / "small").exists(), reason="instances/small not generated")
def test_small_instance(tmp_path: Path) -> None:
    folder = INSTANCES / "small"
    out = tmp_path / "plan"
    code = _plan_to_files(folder, out)
    assert code in (EXIT_OK, EXIT_PARTIAL)
    assert verify_plan(folder, out) == []
    _assert_conserved(folder, out)


@pytest.mark.skipif(not (INSTANCES / "county").exists(), reason="instances/county not generated")
def test_county_instance_with_time_limit(tmp_path: Path) -> None:
    """The README's main command: a 30 s limit, every collected task re-verified."""
    folder = INSTANCES / "county"
    scenario = load_scenario(folder)
    assert len(scenario.farms) >= 60 and len(scenario.orders) >= 1500
    out = tmp_path / "plan"
    code = _plan_to_files(folder, out, "--time-limit", "30")
    assert code in (EXIT_OK, EXIT_PARTIAL)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["timings_s"]["routing_solve_s"] <= 30 + 5
    assert summary["kg_collected"] > 0.8 * summary["kg_ordered"]
    assert verify_plan(folder, out) == []
    _assert_conserved(folder, out)


def test_default_inventory_plan_is_reproducible(tmp_path: Path) -> None:
    """The default allocation (the inventory planner) with a solution limit: same plan twice."""
    folder = save_scenario(tiny_scenario(), tmp_path / "sc")
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        code = _plan_to_files(folder, out, "--solution-limit", "20", "--seed", "3")
        assert code == EXIT_OK
        assert verify_plan(folder, out) == []
        _assert_conserved(folder, out)
    for name in ("routes.csv", "tasks.csv", "unserved.csv", "flows.csv", "inventory.csv"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name
