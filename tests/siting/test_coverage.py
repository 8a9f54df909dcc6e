"""Coverage: each farm's nearest logistics point by travel time, the threshold, the kg per
point and village, and the coverage files."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from builders import INSTANCES, tiny_scenario
from hypothesis import given, settings
from hypothesis import strategies as st

from agrichain.geo import TravelMatrix, haversine_km
from agrichain.io import load_scenario
from agrichain.model import Farm, Scenario
from agrichain.siting import coverage, coverage_files, write_coverage_folder
from agrichain.siting.coverage import village_of
from agrichain.siting.files import COVERAGE_CSV, COVERAGE_GEOJSON, OutputFolderError


@pytest.fixture(scope="module", params=["small", "county"])
def instance(request: pytest.FixtureRequest) -> Scenario:
    return load_scenario(INSTANCES / request.param)


def road_minutes(scenario: Scenario, farm: Farm) -> dict[str, float]:
    """Minutes from the farm to each point, computed here from the haversine formula."""
    t = scenario.settings.travel
    out = {}
    for p in scenario.logistics_points:
        km = haversine_km([farm.lat, p.lat], [farm.lon, p.lon])[0, 1] * t.circuity
        out[p.logistics_point_id] = km / t.speed_kmh * 60
    return out


def test_every_farm_once_with_its_really_nearest_point(instance: Scenario) -> None:
    cov = coverage(instance, 30)
    assert [f.farm_id for f in cov.farms] == [f.farm_id for f in instance.farms]
    for reach in cov.farms:
        minutes = road_minutes(instance, instance.farm[reach.farm_id])
        assert minutes[reach.logistics_point_id] == pytest.approx(min(minutes.values()), abs=0.01)
        assert reach.minutes == pytest.approx(min(minutes.values()), abs=0.01)
        speed = instance.settings.travel.speed_kmh
        assert reach.km == pytest.approx(reach.minutes / 60 * speed, abs=0.01)


def test_the_threshold_splits_the_farms(instance: Scenario) -> None:
    minutes = sorted(f.minutes for f in coverage(instance, 30).farms)
    within = (minutes[len(minutes) // 2] + minutes[len(minutes) // 2 + 1]) / 2
    cov = coverage(instance, within)
    inside = [f for f in cov.farms if f.covered]
    assert inside and len(inside) < len(cov.farms)
    assert all(f.minutes <= within for f in inside)
    assert all(f.minutes > within for f in cov.outside())
    assert [f.minutes for f in cov.outside()] == sorted(
        (f.minutes for f in cov.outside()), reverse=True
    )
    summary = cov.summary()
    assert summary["farms_covered"] + summary["farms_outside"] == len(instance.farms)


def test_kg_add_up_per_farm_point_and_village(instance: Scenario) -> None:
    cov = coverage(instance, 25)
    days = instance.settings.horizon_days
    total = sum(s.kg for s in instance.supply if 0 <= instance.day_of(s.date) < days)
    assert cov.supply_kg == pytest.approx(total)
    assert sum(p.supply_kg for p in cov.points) == pytest.approx(total)
    assert sum(v.supply_kg for v in cov.villages) == pytest.approx(total)
    covered = sum(f.supply_kg for f in cov.farms if f.covered)
    assert sum(p.kg_covered for p in cov.points) == pytest.approx(covered)
    assert sum(v.kg_covered for v in cov.villages) == pytest.approx(covered)
    assert sum(p.farms for p in cov.points) == len(instance.farms)
    for p in cov.points:
        mine = [f for f in cov.farms if f.logistics_point_id == p.logistics_point_id]
        assert p.farms == len(mine) and p.farms_covered == sum(f.covered for f in mine)


def test_villages_group_the_farms_by_name(instance: Scenario) -> None:
    cov = coverage(instance, 25)
    for v in cov.villages:
        mine = [f for f in cov.farms if f.village == v.village]
        assert v.farms == len(mine)
        assert v.max_minutes == max(f.minutes for f in mine)
        assert v.logistics_point_id in {f.logistics_point_id for f in mine}
        assert all(instance.farm[f.farm_id].name.startswith(v.village) for f in mine)
    assert len(cov.villages) < len(cov.farms)  # the bundled farms share villages


def test_a_village_is_the_name_up_to_its_village_mark() -> None:
    def named(name: str) -> Farm:
        return Farm(farm_id="F9", name=name, lat=28.8, lon=120.7, pickup_open="07:00",
                    pickup_close="12:00")  # fmt: skip

    assert village_of(named("大坪村李家农场")) == "大坪村"
    assert village_of(named("上村村口农场")) == "上村"
    assert village_of(named("李家农场")) == "李家农场"
    assert village_of(named("村东农场")) == "村东农场"
    assert village_of(named("")) == "F9"


@given(st.text(min_size=0, max_size=12).filter(lambda s: s == s.strip() and s.isprintable()))
def test_a_village_is_a_prefix_of_the_name_or_the_farm(name: str) -> None:
    farm = Farm(farm_id="F9", name=name, lat=28.8, lon=120.7, pickup_open="07:00",
                pickup_close="12:00")  # fmt: skip
    village = village_of(farm)
    assert village in (name or "F9",) or (name.startswith(village) and village.endswith("村"))


@settings(max_examples=25, deadline=None)
@given(st.floats(min_value=1.0, max_value=120.0), st.floats(min_value=1.0, max_value=120.0))
def test_more_minutes_cover_at_least_as_much(a: float, b: float) -> None:
    scenario = load_scenario(INSTANCES / "small")
    low, high = coverage(scenario, min(a, b)), coverage(scenario, max(a, b))
    assert low.kg_covered <= high.kg_covered
    assert {f.farm_id for f in low.farms if f.covered} <= {
        f.farm_id for f in high.farms if f.covered
    }


class FarFirst:
    """A travel model where the last place is one minute from everything."""

    def matrix(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> TravelMatrix:
        n = len(np.asarray(lat))
        minutes = np.full((n, n), 500.0)
        minutes[:, -1] = 1.0
        np.fill_diagonal(minutes, 0.0)
        return TravelMatrix(distance_km=minutes / 2, duration_min=minutes)


def test_a_travel_model_plugs_in() -> None:
    scenario = load_scenario(INSTANCES / "small")
    last = scenario.logistics_points[-1].logistics_point_id
    cov = coverage(scenario, 5, travel=FarFirst())
    assert {f.logistics_point_id for f in cov.farms} == {last}
    assert all(f.minutes == 1.0 and f.km == 0.5 and f.covered for f in cov.farms)


@pytest.mark.parametrize("within", [0.0, -5.0, math.nan, math.inf])
def test_a_threshold_must_be_positive_minutes(within: float) -> None:
    with pytest.raises(ValueError, match="threshold"):
        coverage(tiny_scenario(), within)


def test_the_files_hold_every_farm_point_and_link(tmp_path: Path) -> None:
    scenario = load_scenario(INSTANCES / "small")
    cov = coverage(scenario, 20)
    files = coverage_files(cov)
    assert set(files) == {"coverage.csv", "points.csv", "villages.csv", "coverage.geojson",
                          "summary.json"}  # fmt: skip
    lines = files[COVERAGE_CSV].decode().splitlines()
    assert lines[0].split(",")[:3] == ["farm_id", "name", "village"]
    assert len(lines) == 1 + len(scenario.farms)
    features = json.loads(files[COVERAGE_GEOJSON])["features"]
    kinds = [f["properties"]["feature"] for f in features]
    assert kinds.count("farm") == kinds.count("link") == len(scenario.farms)
    assert kinds.count("logistics_point") == len(scenario.logistics_points)
    points = {p.logistics_point_id: [p.lon, p.lat] for p in scenario.logistics_points}
    for f in features:
        if f["properties"]["feature"] == "link":
            assert f["geometry"]["coordinates"][1] == points[f["properties"]["logistics_point_id"]]
    out = tmp_path / "cov"
    write_coverage_folder(cov, out)
    assert sorted(p.name for p in out.iterdir()) == sorted(files)
    write_coverage_folder(coverage(scenario, 30), out)  # a coverage folder is replaced
    assert json.loads((out / "summary.json").read_text())["within_min"] == 30


def test_a_folder_of_other_files_is_not_replaced(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(OutputFolderError, match="coverage"):
        write_coverage_folder(coverage(tiny_scenario(), 20), out)
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
