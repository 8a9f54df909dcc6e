"""The app plans, checks, re-plans and sites a scenario by its ``[travel]`` mode: the matrix
file is read from the instance's folder, the unpacked upload, or the copy kept on disk."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
from builders import REPO, tiny_app_scenario
from streamlit.testing.v1 import AppTest

from agrichain.app import inputs, jobs, persist, uploads
from agrichain.app import map as route_map
from agrichain.app.adjust import check_lines
from agrichain.app.siting import plan_coverage
from agrichain.app.travel import scenario_travel, travel_source_key
from agrichain.geo import GreatCircleTravel
from agrichain.io import plan_files, save_scenario, stop_lines, table_frame
from agrichain.io.travel_matrix import scenario_places
from agrichain.model import Scenario

#: Every matrix leg is this many times its great-circle length and time.
STRETCH = 2.5


def matrix_scenario() -> Scenario:
    """The app's tiny scenario with ``mode = "matrix"``."""
    base = tiny_app_scenario()
    travel = base.settings.travel.model_copy(update={"mode": "matrix", "matrix": "travel.csv"})
    return base.with_settings(base.settings.model_copy(update={"travel": travel}))


def write_matrix(scenario: Scenario, folder: Path, stretch: float = STRETCH) -> Path:
    """A full ``travel.csv``: great circle × ``stretch`` for every ordered pair."""
    ids, lat, lon = scenario_places(scenario)
    t = scenario.settings.travel
    m = GreatCircleTravel(speed_kmh=t.speed_kmh, circuity=t.circuity).matrix(
        np.asarray(lat), np.asarray(lon)
    )
    lines = ["from_id,to_id,km,minutes"]
    for i, a in enumerate(ids):
        for j, b in enumerate(ids):
            if i != j:
                km, minutes = m.distance_km[i][j] * stretch, m.duration_min[i][j] * stretch
                lines.append(f"{a},{b},{km:.4f},{minutes:.4f}")
    path = folder / "travel.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def matrix_folder(folder: Path) -> Path:
    scenario = matrix_scenario()
    save_scenario(scenario, folder)
    write_matrix(scenario, folder)
    return folder


def test_a_plan_job_reads_the_matrix_from_the_scenario_folder(tmp_path: Path) -> None:
    folder = matrix_folder(tmp_path / "sc")
    scenario = matrix_scenario()
    options = jobs.PlanOptions.from_scenario(scenario)
    job = jobs.PlanJob(scenario, options, scenario_folder=str(folder))
    assert job.wait(120), job.error
    result = job.result()
    assert result is not None, (job.error, job.issues)
    assert result.plan.summary["travel"]["mode"] == "matrix"
    assert result.plan.summary["travel"]["pairs_missing"] == 0
    assert result.scenario_folder == str(folder)
    # against the great-circle plan of the same data, every km is stretched
    plain = jobs.run_plan(tiny_app_scenario(), options)
    assert result.plan.summary["distance_km"] == pytest.approx(
        STRETCH * plain.summary["distance_km"], rel=0.02
    )


def test_without_its_folder_a_matrix_scenario_is_a_located_error() -> None:
    scenario = matrix_scenario()
    job = jobs.PlanJob(scenario, jobs.PlanOptions.from_scenario(scenario))
    assert job.wait(120)
    assert job.result() is None
    assert [i.column for i in job.issues] == ["travel.mode"]


def test_the_plan_key_follows_the_travel_file(tmp_path: Path) -> None:
    folder = matrix_folder(tmp_path / "sc")
    scenario = matrix_scenario()
    options = jobs.PlanOptions.from_scenario(scenario)
    before = travel_source_key(scenario, folder)
    assert before and travel_source_key(tiny_app_scenario(), folder) == ""
    write_matrix(scenario, folder, stretch=3.0)
    after = travel_source_key(scenario, folder)
    assert after != before
    assert jobs.plan_key(scenario, options, before) != jobs.plan_key(scenario, options, after)


def test_check_and_coverage_use_the_matrix(tmp_path: Path) -> None:
    folder = matrix_folder(tmp_path / "sc")
    scenario = matrix_scenario()
    options = jobs.PlanOptions.from_scenario(scenario)
    plan = jobs.run_plan(scenario, options, scenario_folder=str(folder))
    result = jobs.PlanResult(plan, scenario, options, "k", 0.0, scenario_folder=str(folder))
    plan_folder = tmp_path / "plan"
    plan_folder.mkdir()
    for name, data in plan_files(plan).items():
        (plan_folder / name).parent.mkdir(parents=True, exist_ok=True)
        (plan_folder / name).write_bytes(data)
    check = check_lines(result, stop_lines(plan_folder))
    assert not check.violations
    checked_km = sum(r.distance_km for r in check.routes)
    assert checked_km == pytest.approx(plan.summary["distance_km"], rel=1e-6)
    travel = scenario_travel(scenario, str(folder))
    assert scenario_travel(scenario, str(folder)) is travel  # built once
    within = plan_coverage(scenario, 1e6, str(folder))
    great = plan_coverage(tiny_app_scenario(), 1e6)
    assert within.farms[0].minutes == pytest.approx(STRETCH * great.farms[0].minutes, rel=1e-3)


def zipped(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, f"night/{path.name}")
    return buffer.getvalue()


def test_an_uploaded_zip_is_kept_unpacked_with_its_matrix(tmp_path: Path) -> None:
    data = zipped(matrix_folder(tmp_path / "sc"))
    keep_in = tmp_path / "uploads"
    upload = uploads.uploaded_scenario(None, "", "night.zip", data, keep_in=keep_in)
    assert upload.folder is not None and (upload.folder / "travel.csv").is_file()
    assert upload.folder.is_relative_to(keep_in)
    again = uploads.uploaded_scenario(None, "", "night.zip", data, keep_in=keep_in)
    assert again.folder == upload.folder and again.scenario == upload.scenario
    orders = table_frame(upload.scenario, "orders").head(1).to_csv(index=False).encode()
    table = uploads.uploaded_scenario(
        upload.scenario, "night.zip", "orders.csv", orders, folder=upload.folder
    )
    assert len(table.scenario.orders) == 1
    assert table.folder == upload.folder


def test_the_app_plans_a_matrix_instance_and_keeps_it_for_a_reload(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, app_state_folder: Path
) -> None:
    instances = tmp_path / "instances"
    matrix_folder(instances / "valley")
    monkeypatch.setenv(inputs.INSTANCES_ENV, str(instances))
    monkeypatch.setenv(inputs.DEFAULT_INSTANCE_ENV, "valley")
    monkeypatch.delenv(route_map.MAP_STYLE_ENV, raising=False)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.run()
    assert at.session_state["scenario_folder"] == str(instances / "valley")
    at.button(key="plan_button").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["plan_error"] is None
    result = at.session_state["plans"][at.session_state["plan_key"]]
    assert result.plan.summary["travel"]["mode"] == "matrix"
    assert any(app_state_folder.rglob("travel.csv")), "the matrix is kept with the scenario"

    reloaded = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    reloaded.run()
    assert not reloaded.exception, [e.value for e in reloaded.exception]
    folder = Path(reloaded.session_state["scenario_folder"])
    assert folder.is_relative_to(app_state_folder) and (folder / "travel.csv").is_file()
    restored = reloaded.session_state["plans"][reloaded.session_state["plan_key"]]
    assert restored.plan.summary["distance_km"] == pytest.approx(
        result.plan.summary["distance_km"], rel=1e-9
    )
    assert Path(restored.scenario_folder or "").joinpath("travel.csv").is_file()
    # the restored plan's key is the one the same data and options give: no new solve
    reloaded.button(key="plan_button").click().run()
    assert reloaded.session_state["job"] is None
    assert persist.state_folder() == app_state_folder


def test_every_coordinate_system_has_a_label_in_the_upload_box() -> None:
    from typing import get_args

    from agrichain.app.page.load import COORDINATE_LABELS
    from agrichain.model.settings import CoordinateName

    assert set(COORDINATE_LABELS) == set(get_args(CoordinateName))


def test_an_uploaded_table_in_gcj02_is_held_in_wgs84() -> None:
    from agrichain.coordinates import convert

    scenario = tiny_app_scenario()
    farm = scenario.farms[0]
    lat, lon = convert(farm.lat, farm.lon, "wgs84", "gcj02")
    frame = table_frame(scenario, "farms")
    frame.loc[0, ["lat", "lon"]] = [lat, lon]
    data = frame.to_csv(index=False).encode()
    upload = uploads.uploaded_scenario(
        scenario, "tiny", "farms.csv", data, "farms", coordinates="gcj02"
    )
    moved = upload.scenario.farm[farm.farm_id]
    assert (moved.lat, moved.lon) == pytest.approx((farm.lat, farm.lon), abs=1e-9)
    assert (lat, lon) != pytest.approx((farm.lat, farm.lon), abs=1e-4)  # the offset is real
    plain = uploads.uploaded_scenario(scenario, "tiny", "farms.csv", data, "farms")
    assert plain.scenario.farm[farm.farm_id].lat == pytest.approx(lat)
