"""Loaders and writers: round trips, geodata, DataFrames, atomic output, property tests."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd
import pytest
from builders import REPO, tiny_scenario
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agrichain.errors import ScenarioError
from agrichain.io import (
    atomic_write_files,
    atomic_write_text,
    format_markdown,
    load_scenario,
    places_gdf,
    save_scenario,
    scenario_from_frames,
    table_frame,
)
from agrichain.model import Farm, Scenario


def test_round_trip(tmp_path: Path) -> None:
    scenario = tiny_scenario()
    save_scenario(scenario, tmp_path)
    assert load_scenario(tmp_path) == scenario


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg"])
def test_places_from_geodata(tmp_path: Path, suffix: str) -> None:
    scenario = tiny_scenario()
    save_scenario(scenario, tmp_path)
    for table in ("farms", "logistics_points"):
        gdf = places_gdf(scenario, table)
        for col in gdf.columns:
            if col != "geometry":
                gdf[col] = gdf[col].astype(str)
        (tmp_path / f"{table}.csv").unlink()
        gdf.to_file(tmp_path / f"{table}{suffix}")
    loaded = load_scenario(tmp_path)
    assert [f.farm_id for f in loaded.farms] == [f.farm_id for f in scenario.farms]
    for a, b in zip(loaded.farms, scenario.farms, strict=True):
        assert a.lat == pytest.approx(b.lat) and a.lon == pytest.approx(b.lon)
        assert a.pickup_open == b.pickup_open


def test_geodata_in_another_crs_is_reprojected(tmp_path: Path) -> None:
    scenario = tiny_scenario()
    save_scenario(scenario, tmp_path)
    gdf = places_gdf(scenario, "farms").to_crs("EPSG:32651")  # UTM 51N
    for col in gdf.columns:
        if col != "geometry":
            gdf[col] = gdf[col].astype(str)
    (tmp_path / "farms.csv").unlink()
    gdf.to_file(tmp_path / "farms.gpkg")
    loaded = load_scenario(tmp_path)
    assert loaded.farm["F1"].lat == pytest.approx(28.90, abs=1e-6)


def test_geodata_with_a_line_is_rejected(tmp_path: Path) -> None:
    from shapely.geometry import LineString, Point

    scenario = tiny_scenario()
    save_scenario(scenario, tmp_path)
    gdf = places_gdf(scenario, "farms")
    for col in gdf.columns:
        if col != "geometry":
            gdf[col] = gdf[col].astype(str)
    gdf.loc[1, "geometry"] = LineString([Point(120.7, 28.8), Point(120.8, 28.9)])
    (tmp_path / "farms.csv").unlink()
    gdf.to_file(tmp_path / "farms.geojson")
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path)
    issue = info.value.first
    assert (issue.file, issue.row, issue.column) == ("farms.geojson", 2, "geometry")


def test_csv_and_geojson_together_is_ambiguous(tmp_path: Path) -> None:
    scenario = tiny_scenario()
    save_scenario(scenario, tmp_path)
    gdf = places_gdf(scenario, "farms")
    gdf.astype({c: str for c in gdf.columns if c != "geometry"}).to_file(tmp_path / "farms.geojson")
    with pytest.raises(ScenarioError, match="only one of"):
        load_scenario(tmp_path)


def test_from_frames_matches_files(tmp_path: Path) -> None:
    scenario = tiny_scenario()
    frames = {
        t: table_frame(scenario, t)
        for t in (
            "farms",
            "logistics_points",
            "products",
            "supply",
            "sessions",
            "orders",
            "vehicles",
        )
    }
    built = scenario_from_frames({"name": "tiny", "planning_date": "2026-06-15"}, **frames)
    assert built == scenario


def test_from_frames_reports_index_label() -> None:
    scenario = tiny_scenario()
    frames = {
        t: table_frame(scenario, t) for t in ("farms", "logistics_points", "products", "vehicles")
    }
    frames["farms"].loc[2, "lat"] = 123.0
    with pytest.raises(ScenarioError) as info:
        scenario_from_frames({"planning_date": "2026-06-15"}, **frames)
    assert (info.value.first.file, info.value.first.row, info.value.first.column) == (
        "farms",
        2,
        "lat",
    )


def test_unreadable_csv(tmp_path: Path) -> None:
    save_scenario(tiny_scenario(), tmp_path)
    (tmp_path / "orders.csv").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ScenarioError, match=r"orders\.csv"):
        load_scenario(tmp_path)


def test_empty_file(tmp_path: Path) -> None:
    save_scenario(tiny_scenario(), tmp_path)
    (tmp_path / "products.csv").write_text("")
    with pytest.raises(ScenarioError, match=r"products\.csv: file is empty"):
        load_scenario(tmp_path)


def test_format_doc_is_current() -> None:
    assert (REPO / "docs" / "format.md").read_text() == format_markdown(), (
        "regenerate: python -c 'from agrichain.io import format_markdown as f; "
        'open("docs/format.md","w").write(f())\''
    )


def test_atomic_write_replaces_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    atomic_write_text(target, "old")
    atomic_write_text(target, "new")
    assert target.read_text() == "new"
    assert sorted(os.listdir(tmp_path)) == ["a.txt"]


def test_atomic_files_leave_nothing_when_staging_fails(tmp_path: Path) -> None:
    class Boom(bytes):
        pass

    files: dict[str, bytes] = {"a.csv": b"1", "b.csv": Boom(b"2")}
    original = os.fdopen
    calls = {"n": 0}

    def failing_fdopen(fd: int, mode: str = "r") -> object:
        calls["n"] += 1
        if calls["n"] == 2:
            os.close(fd)
            raise OSError("disk full")
        return original(fd, mode)

    pytest.MonkeyPatch().setattr(os, "fdopen", failing_fdopen)
    try:
        with pytest.raises(OSError, match="disk full"):
            atomic_write_files(tmp_path, files)
    finally:
        pytest.MonkeyPatch().undo()
        os.fdopen = original  # type: ignore[assignment]
    assert os.listdir(tmp_path) == []


# ----- property tests ----------------------------------------------------------------

_ids = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789_-", min_size=1, max_size=12)
_times = st.integers(min_value=0, max_value=22 * 60)


@st.composite
def _farms(draw: st.DrawFn) -> list[Farm]:
    ids = draw(st.lists(_ids, min_size=1, max_size=6, unique=True))
    out = []
    for fid in ids:
        start = draw(_times)
        length = draw(st.integers(min_value=1, max_value=23 * 60 + 59 - start))
        out.append(
            Farm(
                farm_id=fid,
                name=draw(st.text(alphabet="abc 杨梅桃", max_size=8)).strip(),
                lat=draw(st.floats(-90, 90, allow_nan=False)),
                lon=draw(st.floats(-180, 180, allow_nan=False)),
                pickup_open=dt.time(start // 60, start % 60),
                pickup_close=dt.time((start + length) // 60, (start + length) % 60),
                stop_min=draw(st.floats(0, 120, allow_nan=False)),
            )
        )
    return out


@pytest.mark.filterwarnings("ignore::agrichain.errors.ScenarioWarning")  # no supply: orders warn
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(farms=_farms())
def test_any_valid_farms_round_trip(
    tmp_path_factory: pytest.TempPathFactory, farms: list[Farm]
) -> None:
    base = tiny_scenario()
    scenario = base.with_tables(farms=farms, supply=[])
    folder = tmp_path_factory.mktemp("rt")
    save_scenario(scenario, folder)
    loaded = load_scenario(folder)
    assert [f.farm_id for f in loaded.farms] == [f.farm_id for f in farms]
    for a, b in zip(loaded.farms, farms, strict=True):
        assert a.lat == pytest.approx(b.lat, abs=1e-4)
        assert a.lon == pytest.approx(b.lon, abs=1e-4)
        assert (a.pickup_open, a.pickup_close, a.name) == (b.pickup_open, b.pickup_close, b.name)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cell=st.text(max_size=12),
    column=st.sampled_from(["farm_id", "lat", "lon", "pickup_open", "pickup_close", "stop_min"]),
)
def test_garbage_cells_give_located_errors(
    tmp_path_factory: pytest.TempPathFactory, cell: str, column: str
) -> None:
    """Whatever is typed into a cell, the loader either accepts it or names the cell."""
    folder = tmp_path_factory.mktemp("bad")
    save_scenario(tiny_scenario(), folder)
    frame = pd.read_csv(folder / "farms.csv", dtype=str, keep_default_na=False)
    frame.loc[0, column] = cell
    frame.to_csv(folder / "farms.csv", index=False)
    try:
        scenario = load_scenario(folder)
    except ScenarioError as exc:
        assert all(i.file for i in exc.issues)
        assert any(i.file == "farms.csv" or i.file == "supply.csv" for i in exc.issues)
        located = [i for i in exc.issues if i.file == "farms.csv"]
        for issue in located:
            assert issue.row is None or issue.row >= 1
    else:
        assert isinstance(scenario, Scenario)
