"""``coordinates`` in scenario.toml: places given in GCJ-02 or BD-09 are held in WGS-84."""

from __future__ import annotations

import io
import tomllib
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import tomli_w
from builders import tiny_scenario

from agrichain.app.uploads import scenario_from_zip
from agrichain.coordinates import CoordinateSystem, wgs84_to_bd09, wgs84_to_gcj02
from agrichain.errors import ScenarioError
from agrichain.io import (
    check_scenario,
    load_scenario,
    places_gdf,
    read_table_file,
    replace_tables,
    save_scenario,
    scenario_from_frames,
    table_frame,
)
from agrichain.model import GEO_TABLES, Scenario
from agrichain.model.settings import CoordinatesOf

#: Farms at published reference points, (WGS-84, GCJ-02) as (lat, lon): Beijing from
#: coordtransform (wandergis/coordtransform, test/app.js), Shanghai and Shenzhen from
#: eviltransform (googollee/eviltransform, python/test.py).
FARM_REFERENCES = [
    ((39.915, 116.404), (39.91640428150164, 116.41024449916938)),
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),
]
#: The same Beijing point in BD-09, from hutool's CoordinateUtilTest (dromara/hutool).
BEIJING_WGS, BEIJING_BD = (39.915, 116.404), (39.922699552216216, 116.41662724378733)
WITHIN = 1e-6


def write_folder(folder: Path, toml_lines: list[str], farms: list[tuple[float, float]]) -> None:
    """The tiny scenario (three farms) in ``folder``, its farms moved to ``farms`` and its
    scenario.toml given the keys of ``toml_lines``."""
    save_scenario(tiny_scenario(), folder)
    frame = pd.read_csv(folder / "farms.csv", dtype=str)
    assert len(frame) == len(farms)
    frame["lat"] = [repr(lat) for lat, _ in farms]
    frame["lon"] = [repr(lon) for _, lon in farms]
    frame.to_csv(folder / "farms.csv", index=False)
    path = folder / "scenario.toml"
    settings = tomllib.loads(path.read_text(encoding="utf-8"))
    settings.update(tomllib.loads("\n".join(toml_lines)))
    path.write_text(tomli_w.dumps(settings), encoding="utf-8")


def farm_places(scenario: Scenario) -> list[tuple[float, float]]:
    return [(f.lat, f.lon) for f in scenario.farms]


def assert_near(got: list[tuple[float, float]], want: list[tuple[float, float]]) -> None:
    assert len(got) == len(want)
    for (a_lat, a_lon), (b_lat, b_lon) in zip(got, want, strict=True):
        assert abs(a_lat - b_lat) <= WITHIN and abs(a_lon - b_lon) <= WITHIN


def test_farms_given_in_gcj02_load_as_the_reference_wgs84(tmp_path: Path) -> None:
    write_folder(tmp_path, ['coordinates = "gcj02"'], [gcj for _, gcj in FARM_REFERENCES])
    scenario = load_scenario(tmp_path)
    assert_near(farm_places(scenario), [wgs for wgs, _ in FARM_REFERENCES])
    points = tiny_scenario().logistics_points  # the points' file is read as GCJ-02 too
    for got, was in zip(scenario.logistics_points, points, strict=True):
        assert (got.lat, got.lon) != (was.lat, was.lon)
        assert wgs84_to_gcj02(got.lat, got.lon) == pytest.approx((was.lat, was.lon), abs=1e-9)
    assert scenario.settings.coordinates == "wgs84"  # what the scenario holds


def test_one_file_may_name_its_own_system(tmp_path: Path) -> None:
    write_folder(
        tmp_path,
        ['coordinates = "GCJ-02"', 'coordinates_of = { farms = "bd09" }'],
        [BEIJING_BD] * 3,
    )
    scenario = load_scenario(tmp_path)
    assert_near(farm_places(scenario), [BEIJING_WGS] * 3)
    want = [wgs84_to_gcj02(p.lat, p.lon) for p in scenario.logistics_points]
    assert want == pytest.approx([(p.lat, p.lon) for p in tiny_scenario().logistics_points])


def test_a_wgs84_override_keeps_that_file_as_it_is(tmp_path: Path) -> None:
    write_folder(
        tmp_path,
        ['coordinates = "bd09"', 'coordinates_of = { logistics_points = "wgs84" }'],
        [BEIJING_BD] * 3,
    )
    scenario = load_scenario(tmp_path)
    assert_near(farm_places(scenario), [BEIJING_WGS] * 3)
    assert scenario.logistics_points == tiny_scenario().logistics_points


def test_saving_writes_wgs84_and_says_so(tmp_path: Path) -> None:
    write_folder(tmp_path / "in", ['coordinates = "gcj02"'], [gcj for _, gcj in FARM_REFERENCES])
    loaded = load_scenario(tmp_path / "in")
    save_scenario(loaded, tmp_path / "out")
    toml = tomllib.loads((tmp_path / "out" / "scenario.toml").read_text(encoding="utf-8"))
    assert toml["coordinates"] == "wgs84" and "coordinates_of" not in toml
    again = load_scenario(tmp_path / "out")  # not converted a second time
    assert again == loaded
    assert_near(farm_places(again), [wgs for wgs, _ in FARM_REFERENCES])


def test_saving_a_scenario_whose_settings_name_another_system_writes_wgs84(
    tmp_path: Path,
) -> None:
    scenario = tiny_scenario()
    odd = scenario.settings.model_copy(
        update={"coordinates": "bd09", "coordinates_of": CoordinatesOf(farms="gcj02")}
    )
    save_scenario(scenario.with_settings(odd), tmp_path)
    assert load_scenario(tmp_path) == scenario


@pytest.mark.parametrize(
    ("line", "column"),
    [
        ('coordinates = "utm"', "coordinates"),
        ("coordinates = 4326", "coordinates"),
        ('coordinates_of = { farms = "mars" }', "coordinates_of.farms"),
        ('coordinates_of = { orders = "gcj02" }', "coordinates_of.orders"),
    ],
)
def test_a_bad_system_is_a_located_error(tmp_path: Path, line: str, column: str) -> None:
    write_folder(tmp_path, [line], [gcj for _, gcj in FARM_REFERENCES])
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path)
    located = [(i.file, i.row, i.column) for i in info.value.issues]
    assert ("scenario.toml", None, column) in located
    check = check_scenario(tmp_path)
    assert check.scenario is None and any(i.column == column for i in check.errors)


def test_the_per_file_systems_are_the_tables_with_places() -> None:
    assert tuple(CoordinatesOf.model_fields) == GEO_TABLES


def test_geodata_in_gcj02_is_converted_after_reprojection(tmp_path: Path) -> None:
    scenario = tiny_scenario()
    save_scenario(scenario, tmp_path)
    gdf = places_gdf(scenario, "farms")
    for col in gdf.columns:
        if col != "geometry":
            gdf[col] = gdf[col].astype(str)
    lat, lon = wgs84_to_gcj02(gdf.geometry.y.to_numpy(), gdf.geometry.x.to_numpy())
    gdf = gdf.set_geometry(pd.Series(list(zip(lon, lat, strict=True))).map(_point), crs=gdf.crs)
    gdf.to_crs("EPSG:32651").to_file(tmp_path / "farms.gpkg")  # UTM 51N, as a survey might
    (tmp_path / "farms.csv").unlink()
    settings = tmp_path / "scenario.toml"
    settings.write_text(
        settings.read_text(encoding="utf-8") + '\n[coordinates_of]\nfarms = "gcj02"\n'
    )
    assert_near(farm_places(load_scenario(tmp_path)), farm_places(scenario))


def _point(lon_lat: tuple[float, float]) -> object:
    from shapely.geometry import Point

    return Point(*lon_lat)


def test_frames_are_read_in_the_settings_system() -> None:
    scenario = tiny_scenario()
    farms = table_frame(scenario, "farms")
    lat, lon = wgs84_to_bd09(farms["lat"].to_numpy(), farms["lon"].to_numpy())
    frames = {t: table_frame(scenario, t) for t in GEO_TABLES}
    frames["farms"] = farms.assign(lat=lat, lon=lon)
    settings = scenario.settings.model_copy(
        update={"coordinates_of": CoordinatesOf(farms=CoordinateSystem.BD09.value)}
    )
    others = {t: table_frame(scenario, t) for t in ("products", "vehicles", "supply")}
    built = scenario_from_frames(settings, **frames, **others)
    assert_near(farm_places(built), farm_places(scenario))
    assert built.settings.coordinates_of == CoordinatesOf()


def test_an_uploaded_table_is_read_in_the_chosen_system_and_the_rest_kept() -> None:
    scenario = tiny_scenario()
    farms = table_frame(scenario, "farms")
    lat, lon = wgs84_to_gcj02(farms["lat"].to_numpy(), farms["lon"].to_numpy())
    data = farms.assign(lat=lat, lon=lon).astype(str).to_csv(index=False).encode()
    replaced = replace_tables(scenario, read_table_file("farms", "farms.csv", data), "gcj02")
    assert_near(farm_places(replaced), farm_places(scenario))
    assert replaced.logistics_points == scenario.logistics_points
    as_is = replace_tables(scenario, read_table_file("farms", "farms.csv", data))
    assert_near(farm_places(as_is), list(zip(lat, lon, strict=True)))


def test_an_uploaded_zip_goes_through_the_same_loader(tmp_path: Path) -> None:
    write_folder(tmp_path, ['coordinates = "gcj02"'], [gcj for _, gcj in FARM_REFERENCES])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(tmp_path.iterdir()):
            archive.write(path, f"upload/{path.name}")
    scenario = scenario_from_zip(buffer.getvalue(), "upload.zip")
    assert_near(farm_places(scenario), [wgs for wgs, _ in FARM_REFERENCES])
