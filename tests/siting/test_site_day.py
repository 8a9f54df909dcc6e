"""Siting from end to end (agrichain.day.siting): the points opened join the scenario, the
day is re-planned with them and compared with today's plan; the siting files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from builders import INSTANCES

from agrichain.day.siting import (
    MEASURES,
    Siting,
    plan_measures,
    site_points,
    siting_files,
    write_siting_folder,
)
from agrichain.geo import haversine_km
from agrichain.io import load_scenario
from agrichain.model import Scenario
from agrichain.siting import Candidate, coverage
from agrichain.siting.files import OutputFolderError

LIMITS = {"solution_limit": 20, "seed": 0}
#: Near the four farms of 高垟村, 20 minutes from either point of the small instance.
VALLEY = Candidate(candidate_id="C_GY", name="高垟村站", lat=28.872, lon=120.832, open_cost=1,
                   capacity_kg=1500, cold_capacity_kg=0)  # fmt: skip
ELSEWHERE = Candidate(candidate_id="C_FAR", lat=28.70, lon=120.60, open_cost=1, capacity_kg=1500)


@pytest.fixture(scope="module")
def small() -> Scenario:
    return load_scenario(INSTANCES / "small")


@pytest.fixture(scope="module")
def kept(small: Scenario) -> Siting:
    return site_points(small, [ELSEWHERE, VALLEY], 1, within_min=20, move_orders=False, **LIMITS)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def moved(small: Scenario, kept: Siting) -> Siting:
    return site_points(small, [ELSEWHERE, VALLEY], 1, within_min=20, before=kept.before, **LIMITS)  # type: ignore[arg-type]


def test_the_point_opened_joins_the_scenario_like_its_nearest_point(
    small: Scenario, kept: Siting
) -> None:
    assert [c.candidate_id for c in kept.facility.opened] == ["C_GY"]
    ids = [p.logistics_point_id for p in kept.scenario.logistics_points]
    assert ids == [*(p.logistics_point_id for p in small.logistics_points), "C_GY"]
    new = kept.scenario.logistics_point["C_GY"]
    km = {
        p.logistics_point_id: haversine_km([new.lat, p.lat], [new.lon, p.lon])[0, 1]
        for p in small.logistics_points
    }
    like = small.logistics_point[min(km, key=lambda k: km[k])]
    assert (new.open, new.close, new.cutoff) == (like.open, like.close, like.cutoff)
    assert (new.stop_min, new.unloading_min_per_t) == (like.stop_min, like.unloading_min_per_t)
    assert (new.ambient_capacity_kg, new.cold_capacity_kg) == (1500, 0)
    assert (new.lat, new.lon, new.name) == (VALLEY.lat, VALLEY.lon, VALLEY.name)
    assert kept.scenario.orders == small.orders and kept.moved == {}


def test_the_change_compares_the_two_plans(small: Scenario, kept: Siting) -> None:
    change = kept.change_frame().set_index("measure")
    assert list(change.index) == list(MEASURES)
    before = plan_measures(kept.before, coverage(small, 20))
    assert change.loc["distance_km", "before"] == pytest.approx(
        kept.before.summary["distance_km"], abs=1e-3
    )
    assert change.loc["cost", "before"] == pytest.approx(kept.before.cost(), abs=1e-3)
    for m in MEASURES:
        assert change.loc[m, "before"] == pytest.approx(before[m], abs=1e-3)
        assert change.loc[m, "change"] == pytest.approx(
            change.loc[m, "after"] - change.loc[m, "before"], abs=2e-3
        )
    # the valley's farms are beyond 20 minutes of LP1 and LP2, within of the new point
    assert change.loc["kg_covered", "after"] == pytest.approx(
        coverage(kept.scenario, 20).kg_covered
    )
    assert change.loc["kg_covered", "change"] > 0
    served = [t for t in kept.before.tasks if t.served]
    mean = sum(t.kg * (t.transit_min or 0) for t in served) / sum(t.kg for t in served)
    assert change.loc["mean_transit_min", "before"] == pytest.approx(mean, abs=1e-3)


def test_opening_nothing_keeps_the_plan(small: Scenario, kept: Siting) -> None:
    none = site_points(small, [VALLEY], 0, within_min=20, before=kept.before, **LIMITS)  # type: ignore[arg-type]
    assert none.facility.opened == () and none.after is none.before
    assert (none.change_frame()["change"] == 0).all()


def test_moved_orders_ship_from_the_new_point(small: Scenario, moved: Siting) -> None:
    assert moved.moved, "some orders are supplied from the valley"
    orders = {o.order_id: o for o in moved.scenario.orders}
    for order_id, point in moved.moved.items():
        assert point == "C_GY" and orders[order_id].logistics_point_id == "C_GY"
        assert not small.product[orders[order_id].product_id].needs_cold_chain  # no cold room
    fates = {f.order_id: f for f in moved.before.orders}
    assert all(fates[o].fate.value == "collected" for o in moved.moved)
    unmoved = [o for o in moved.scenario.orders if o.order_id not in moved.moved]
    assert unmoved == [o for o in small.orders if o.order_id not in moved.moved]
    assert "C_GY" in {t.logistics_point_id for t in moved.after.tasks}


def test_the_files_are_written_all_or_nothing(kept: Siting, tmp_path: Path) -> None:
    files = siting_files(kept)
    assert set(files) == {"recommendation.csv", "assignment.csv", "change.csv",
                          "siting.geojson", "summary.json"}  # fmt: skip
    summary = json.loads(files["summary.json"])
    assert summary["facility"]["opened"] == ["C_GY"]
    assert set(summary["change"]) == set(MEASURES)
    features = json.loads(files["siting.geojson"])["features"]
    kinds = [f["properties"]["feature"] for f in features]
    assert kinds.count("existing") == 2 and kinds.count("candidate") == 2
    assert kinds.count("farm") == kinds.count("link") == len(kept.scenario.farms)
    recommendation = files["recommendation.csv"].decode().splitlines()
    assert len(recommendation) == 1 + 4
    out = tmp_path / "siting"
    write_siting_folder(kept, out)
    assert sorted(p.name for p in out.iterdir()) == sorted(files)
    (tmp_path / "plan").mkdir()
    (tmp_path / "plan" / "routes.html").write_text("not ours")
    with pytest.raises(OutputFolderError):
        write_siting_folder(kept, tmp_path / "plan")
    assert [p.name for p in (tmp_path / "plan").iterdir()] == ["routes.html"]
