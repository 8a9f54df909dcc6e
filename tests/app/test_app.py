"""The Streamlit planner: app.py driven by AppTest, and its helpers in agrichain.app."""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from builders import DAY, REPO, tiny_app_scenario
from shapely.geometry import Point, shape
from streamlit.testing.v1 import AppTest

from agrichain import handover
from agrichain.app import inputs, jobs, results, sheets, uploads
from agrichain.app import map as route_map
from agrichain.errors import ScenarioError
from agrichain.io import load_scenario, plan_files, save_scenario
from agrichain.model import Farm, Settings
from agrichain.pipeline import DEFAULT_ALLOCATION, plan_day
from agrichain.plan import Plan

APP = REPO / "app.py"
LIMITS = {"time_limit_s": 10.0, "solution_limit": 10, "seed": 0}
ROUTE_COLUMNS = ["vehicle_id", "stops", "trips", "distance_km", "cost", "kg_collected"]
ORDERS_HEADER = "order_id,session_id,product_id,quantity_boxes,logistics_point_id,ship_by\n"


@pytest.fixture(scope="module")
def tiny_plan() -> Plan:
    return plan_day(tiny_app_scenario(), **LIMITS)  # type: ignore[arg-type]


@pytest.fixture
def instances(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A bundled-instances folder holding only 'tiny', selected through the environment."""
    folder = tmp_path / "instances"
    save_scenario(tiny_app_scenario(), folder / "tiny")
    monkeypatch.setenv(inputs.INSTANCES_ENV, str(folder))
    monkeypatch.setenv(inputs.DEFAULT_INSTANCE_ENV, "tiny")
    monkeypatch.delenv(route_map.MAP_STYLE_ENV, raising=False)
    return folder


@pytest.fixture
def app(instances: Path) -> Iterator[AppTest]:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    yield at
    job = at.session_state.get("job")
    if job is not None:
        job.cancel()


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def frame_with(at: AppTest, columns: list[str]) -> pd.DataFrame:
    """The first table on the page that has all of ``columns``."""
    for element in at.dataframe:
        frame = element.value
        if set(columns) <= set(frame.columns):
            return frame
    raise AssertionError(f"no table with columns {columns}")


def editor(at: AppTest, table: str) -> Any:
    found = [d for d in at.data_editor if d.key and d.key.startswith(f"edit_{table}_")]
    assert len(found) == 1, [d.key for d in at.data_editor]
    return found[0]


def press_plan(at: AppTest) -> None:
    at.button(key="plan_button").click().run()
    assert not at.exception, [e.value for e in at.exception]


def expected_metrics(plan: Plan) -> dict[str, str]:
    s = plan.summary
    out = {
        "Vehicles used": f"{s['vehicles_used']} / {s['vehicles_available']}",
        "Distance (km)": f"{s['distance_km']:,.1f}",
        "Cost (CNY)": f"{s['cost_total']:,.2f}",
        "Collected (kg)": f"{s['kg_collected']:,.1f}",
        "Unserved (kg)": f"{s['kg_unserved']:,.1f}",
        "Orders unserved": f"{s['orders_unserved']} / {s['orders_total']}",
    }
    if "spoilage" in plan.tables:  # inventory plans: kg spoiled over the horizon
        out["Spoilage (kg)"] = f"{plan.tables['spoilage']['kg'].sum():,.1f}"
    return out


# ----- the app ----------------------------------------------------------------------


def test_app_opens_on_the_default_instance_without_a_plan(app: AppTest) -> None:
    assert "tiny" in " ".join(c.value for c in app.caption)
    assert len(editor(app, "orders").value) == 5
    assert len(editor(app, "vehicles").value) == 2
    assert not app.metric
    assert any("No plan yet" in i.value for i in app.info)


def test_plan_in_the_app_matches_the_library(app: AppTest, tiny_plan: Plan) -> None:
    press_plan(app)
    assert metrics(app) == expected_metrics(tiny_plan)
    shown = frame_with(app, ROUTE_COLUMNS)[ROUTE_COLUMNS].reset_index(drop=True)
    want = tiny_plan.routes_frame()[ROUTE_COLUMNS].reset_index(drop=True)
    pd.testing.assert_frame_equal(shown, want, check_dtype=False)
    assert any("Everything ordered is planned" in s.value for s in app.success)
    # the app plans with the library's default allocation, the inventory planner
    assert app.session_state["opt_allocation"] == DEFAULT_ALLOCATION == "inventory"
    labels = [t.label for t in app.tabs]
    assert any(label.startswith("Inventory") for label in labels)
    assert "Spoilage (kg)" in metrics(app)
    # each order once, with its fate
    assert f"Orders ({len(tiny_plan.orders)})" in labels
    shown_orders = frame_with(app, ["order_id", "fate", "kg_collected", "kg_unserved"])
    assert shown_orders["order_id"].tolist() == [o.order_id for o in tiny_plan.orders]
    assert shown_orders["fate"].tolist() == [o.fate.value for o in tiny_plan.orders]
    downloads = {b.label for b in app.get("download_button")}  # type: ignore[attr-defined]
    assert "Download the plan (zip)" in downloads
    assert f"Route sheet {tiny_plan.routes[0].vehicle_id} (CSV)" in downloads
    sheet = frame_with(app, ["place_name", "action", "product_id", "kg"])
    assert set(sheet["action"]) >= {"start", "load", "unload", "end"}


def test_the_app_still_plans_with_the_nearest_farm_rule_when_chosen(app: AppTest) -> None:
    from agrichain.inventory import NearestFarmAllocator

    nearest = plan_day(tiny_app_scenario(), allocator=NearestFarmAllocator(), **LIMITS)  # type: ignore[arg-type]
    app.selectbox(key="opt_allocation").set_value("nearest").run()
    press_plan(app)
    assert metrics(app) == expected_metrics(nearest)
    labels = [t.label for t in app.tabs]
    assert not any(label.startswith("Inventory") for label in labels)
    assert "Spoilage (kg)" not in metrics(app)
    app.multiselect(key="orders_fate_filter").set_value(["unserved"]).run()
    assert frame_with(app, ["order_id", "fate"]).empty  # everything is collected today


def test_rerendering_and_replanning_the_same_input_do_not_solve_again(app: AppTest) -> None:
    press_plan(app)
    started = jobs.PlanJob.started
    key = app.session_state["plan_key"]
    app.run()
    press_plan(app)
    assert jobs.PlanJob.started == started
    assert app.session_state["plan_key"] == key
    assert any("without solving again" in i.value for i in app.info)
    app.number_input(key="opt_drop_penalty").set_value(80.0).run()
    assert any("before the latest changes" in w.value for w in app.warning)
    press_plan(app)
    assert jobs.PlanJob.started == started + 1
    assert app.session_state["plan_key"] != key
    assert len(app.session_state["plans"]) == 2


def test_a_bad_orders_upload_lists_its_issues_and_keeps_the_data(
    app: AppTest, tiny_plan: Plan
) -> None:
    press_plan(app)
    before = app.session_state["scenario"]
    bad = (
        ORDERS_HEADER
        + "N1,S1,peach,-3,,2026-06-15 17:00\n"
        + "\n"
        + "N2,S1,mango,4,,2026-06-15 17:00\n"
    ).encode()
    app.file_uploader(key="upload_table").set_value(("night_orders.csv", bad, "text/csv")).run()
    assert not app.exception
    assert any("night_orders.csv was not loaded" in e.value for e in app.error)
    issues = frame_with(app, ["file", "row", "column", "problem"])
    rows = set(zip(issues["file"], issues["row"], issues["column"], strict=True))
    assert ("night_orders.csv", "2", "quantity_boxes") in rows
    problems = " ".join(issues["problem"])
    assert "greater than 0" in problems
    # the previous data and plan survive
    assert app.session_state["scenario"] is before
    assert len(editor(app, "orders").value) == 5
    assert metrics(app) == expected_metrics(tiny_plan)


def test_an_orders_upload_with_unknown_ids_names_the_lines(app: AppTest) -> None:
    bad = ORDERS_HEADER + "N1,S1,peach,3,,2026-06-15 17:00\n\nN2,S1,mango,4,,2026-06-15 17:00\n"
    app.file_uploader(key="upload_table").set_value(("orders.csv", bad.encode(), "text/csv")).run()
    issues = frame_with(app, ["file", "row", "column", "problem"])
    assert list(issues.itertuples(index=False, name=None)) == [
        ("orders.csv", "4", "product_id", "unknown product 'mango'")
    ]
    assert len(app.session_state["scenario"].orders) == 5


def test_a_good_orders_upload_replaces_the_orders(app: AppTest) -> None:
    press_plan(app)
    good = ORDERS_HEADER + "N1,S1,peach,3,,2026-06-15 17:00\nN2,S1,bayberry,4,,2026-06-15 16:00\n"
    app.file_uploader(key="upload_table").set_value(("orders.csv", good.encode(), "text/csv")).run()
    assert not app.error
    assert [o.order_id for o in app.session_state["scenario"].orders] == ["N1", "N2"]
    assert len(editor(app, "orders").value) == 2
    assert any("before the latest changes" in w.value for w in app.warning)


def test_an_order_above_all_supply_is_loaded_with_a_warning_naming_its_row(app: AppTest) -> None:
    assert not any("doubtful" in w.value for w in app.warning)
    huge = ORDERS_HEADER + "N1,S1,peach,3,,2026-06-15 17:00\nN2,S1,peach,900000,,2026-06-15 17:00\n"
    app.file_uploader(key="upload_table").set_value(("orders.csv", huge.encode(), "text/csv")).run()
    assert not app.error
    assert len(app.session_state["scenario"].orders) == 2
    assert any("1 doubtful value" in w.value for w in app.warning)
    doubts = frame_with(app, ["file", "row", "column", "problem"])
    assert list(doubts[["file", "row", "column"]].itertuples(index=False, name=None)) == [
        ("orders", "2", "quantity_boxes")
    ]
    assert "cannot be met in full" in doubts["problem"].iloc[0]


def test_a_bad_zip_keeps_the_scenario_and_a_good_zip_loads(app: AppTest, tmp_path: Path) -> None:
    before = app.session_state["scenario"]
    app.file_uploader(key="upload_zip").set_value(("night.zip", b"not a zip", "application/zip"))
    app.run()
    issues = frame_with(app, ["file", "row", "column", "problem"])
    assert list(issues["problem"]) == ["not a zip archive"]
    assert app.session_state["scenario"] is before

    other = tiny_app_scenario().with_settings(Settings(name="uploaded", planning_date=DAY))
    folder = save_scenario(other, tmp_path / "up" / "uploaded")
    app.file_uploader(key="upload_zip").set_value(
        ("good.zip", zip_folder(folder), "application/zip")
    )
    app.run()
    assert not app.error
    assert app.session_state["scenario"].settings.name == "uploaded"


def test_an_invalid_edit_lists_issues_and_planning_keeps_the_last_valid_data(app: AppTest) -> None:
    orders = editor(app, "orders")
    app.session_state[orders.key] = {
        "edited_rows": {0: {"quantity_boxes": 7}, 2: {"logistics_point_id": "NOWHERE"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    app.run()
    assert not app.exception
    issues = frame_with(app, ["file", "row", "column", "problem"])
    assert list(issues.itertuples(index=False, name=None)) == [
        ("orders", "3", "logistics_point_id", "unknown logistics point 'NOWHERE'")
    ]
    assert app.session_state["scenario"].orders[0].quantity_boxes == 10
    assert app.session_state["drafts"]["orders"]["quantity_boxes"].tolist()[0] == 7

    fixed = editor(app, "orders")
    assert fixed.key != orders.key
    app.session_state[fixed.key] = {
        "edited_rows": {2: {"logistics_point_id": None}},
        "added_rows": [],
        "deleted_rows": [1],
    }
    app.run()
    assert not app.error
    scenario = app.session_state["scenario"]
    assert [o.order_id for o in scenario.orders] == ["O1", "O3", "O4", "O5"]
    assert scenario.orders[0].quantity_boxes == 7
    assert scenario.orders[1].logistics_point_id is None


def test_filters_narrow_the_orders_and_the_totals(app: AppTest) -> None:
    app.multiselect(key="f_products").set_value(["bayberry"]).run()
    assert editor(app, "orders").value["order_id"].tolist() == ["O5"]
    totals = frame_with(app, ["product_id", "ordered_kg", "harvest_today_kg"])
    assert totals[["product_id", "ordered_kg", "harvest_today_kg"]].values.tolist() == [
        ["bayberry", 50.0, 200.0]
    ]


def test_inventory_tables_are_shown_when_the_plan_has_them(
    instances: Path, tiny_plan: Plan
) -> None:
    tables = {
        "inventory": pd.DataFrame(
            {
                "day": [0, 0, 1],
                "product_id": ["peach"] * 3,
                "age_days": [0, 1, 1],
                "kg": [5.0, 2, 4],
            }
        ),
        "flows": pd.DataFrame({"day": [0, 1], "product_id": ["peach", "peach"], "kg": [9.0, 3.0]}),
        "spoilage": pd.DataFrame({"day": [1], "product_id": ["peach"], "kg": [1.5]}),
    }
    plan = dataclasses.replace(tiny_plan, tables=tables)
    result = jobs.PlanResult(
        plan=plan,
        scenario=tiny_app_scenario(),
        options=jobs.PlanOptions.from_scenario(tiny_app_scenario()),
        key="injected",
        wall_s=1.0,
    )
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state["plans"] = {"injected": result}
    at.session_state["plan_key"] = "injected"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert metrics(at)["Spoilage (kg)"] == "1.5"
    assert "Inventory by day" in [t.label for t in at.tabs]
    text = " ".join(m.value for m in at.markdown)
    assert "Stock by age over the days" in text
    assert "Daily flows" in text
    assert "**spoilage** — 1.5 kg" in text


# ----- helpers: uploads ---------------------------------------------------------------------


def zip_folder(folder: Path, prefix: str = "") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path in sorted(folder.iterdir()):
            zf.write(path, prefix + path.name)
    return buf.getvalue()


def test_scenario_from_zip_reads_a_folder_at_the_top_or_one_level_down(tmp_path: Path) -> None:
    folder = save_scenario(tiny_app_scenario(), tmp_path / "sc")
    assert uploads.scenario_from_zip(zip_folder(folder)) == load_scenario(folder)
    assert uploads.scenario_from_zip(zip_folder(folder, "night/")) == load_scenario(folder)


def test_scenario_from_zip_rejects_bad_archives(tmp_path: Path) -> None:
    folder = save_scenario(tiny_app_scenario(), tmp_path / "sc")
    (folder / "scenario.toml").rename(tmp_path / "scenario.toml")
    with pytest.raises(ScenarioError, match=r"no scenario\.toml"):
        uploads.scenario_from_zip(zip_folder(folder))
    (tmp_path / "scenario.toml").rename(folder / "scenario.toml")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("../evil/scenario.toml", "x")
    with pytest.raises(ScenarioError, match="unsafe path"):
        uploads.scenario_from_zip(buf.getvalue())
    (folder / "vehicles.csv").write_text("vehicle_id,home_logistics_point_id\nV1,HUB\n")
    with pytest.raises(ScenarioError) as err:
        uploads.scenario_from_zip(zip_folder(folder), "night.zip")
    assert {(i.file, i.column) for i in err.value.issues} >= {("vehicles.csv", "capacity_kg")}


def test_guess_table_from_file_names() -> None:
    assert uploads.guess_table("orders.csv") == "orders"
    assert uploads.guess_table("Night-Orders 0620.xlsx") == "orders"
    assert uploads.guess_table("logistics_points.csv") == "logistics_points"
    assert uploads.guess_table("export.csv") is None


def test_csv_table_upload_reports_csv_lines_under_the_uploaded_name() -> None:
    base = tiny_app_scenario()
    data = ORDERS_HEADER + "\nN1,S1,peach,x,,2026-06-15 17:00\nN1,S1,peach,2,,2026-06-15 17:00\n"
    with pytest.raises(ScenarioError) as err:
        uploads.scenario_with_table_file(base, "orders", "mine.csv", data.encode())
    assert [(i.file, i.row, i.column) for i in err.value.issues] == [
        ("mine.csv", 3, "quantity_boxes")
    ]
    data = ORDERS_HEADER + "N1,S1,peach,1,,2026-06-15 17:00\nN1,S1,peach,2,,2026-06-15 17:00\n"
    with pytest.raises(ScenarioError) as err:
        uploads.scenario_with_table_file(base, "orders", "mine.csv", data.encode())
    assert [(i.file, i.row, i.column) for i in err.value.issues] == [("mine.csv", 3, "order_id")]
    with pytest.raises(ScenarioError, match="expected a file ending in"):
        uploads.scenario_with_table_file(base, "orders", "orders.json", b"{}")


def test_an_upload_names_row_and_reference_problems_in_one_pass() -> None:
    base = tiny_app_scenario()
    data = ORDERS_HEADER + "N1,S1,peach,-3,,2026-06-15 17:00\nN2,S1,mango,4,,2026-06-15 17:00\n"
    with pytest.raises(ScenarioError) as err:
        uploads.scenario_with_table_file(base, "orders", "night.csv", data.encode())
    assert [(i.file, i.row, i.column) for i in err.value.issues] == [
        ("night.csv", 2, "quantity_boxes"),
        ("night.csv", 3, "product_id"),
    ]


def test_an_upload_and_a_scenario_folder_share_one_reader(tmp_path: Path) -> None:
    """orders.xlsx in a folder and uploaded to the app give the same orders."""
    base = tiny_app_scenario()
    frame = pd.read_csv(io.StringIO(ORDERS_HEADER + "N1,S1,peach,3,,2026-06-15 17:00\n"))
    book = excel_bytes({"orders": frame})
    uploaded = uploads.scenario_with_table_file(base, "orders", "night.xlsx", book)
    folder = save_scenario(base, tmp_path / "sc")
    (folder / "orders.csv").unlink()
    (folder / "orders.xlsx").write_bytes(book)
    assert load_scenario(folder).orders == uploaded.orders


def excel_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    return buf.getvalue()


def test_excel_table_upload_replaces_the_table_and_reports_sheet_rows() -> None:
    base = tiny_app_scenario()
    good = pd.DataFrame(
        {
            "order_id": [101, 102],  # numeric ids become text
            "session_id": ["S1", "S1"],
            "product_id": ["peach", "bayberry"],
            "quantity_boxes": [3, 4],
            "ship_by": pd.to_datetime(["2026-06-15 17:00", "2026-06-15 16:00"]),
        }
    )
    updated = uploads.scenario_with_table_file(
        base, "orders", "night.xlsx", excel_bytes({"S": good})
    )
    assert [(o.order_id, o.quantity_boxes) for o in updated.orders] == [("101", 3), ("102", 4)]
    assert updated.vehicles == base.vehicles

    bad = good.copy()
    bad.loc[1, "quantity_boxes"] = 0
    with pytest.raises(ScenarioError) as err:
        uploads.scenario_with_table_file(base, "supply", "book.xlsx", excel_bytes({"orders": bad}))
    assert [(i.file, i.row, i.column) for i in err.value.issues] == [
        ("book.xlsx [orders]", 3, "quantity_boxes")
    ]
    with pytest.raises(ScenarioError, match="cannot read the workbook"):
        uploads.scenario_with_table_file(base, "orders", "broken.xlsx", b"not a workbook")


# ----- helpers: editing ---------------------------------------------------------------------


def test_merge_edited_applies_edits_of_a_filtered_view() -> None:
    full = pd.DataFrame({"a": ["p", "q", "r", "s"], "n": [1, 2, 3, 4]})
    shown = full.loc[[1, 3]]
    edited = pd.DataFrame({"a": ["Q", "new"], "n": [20, 9]}, index=[1, 4])  # row 3 deleted
    merged = inputs.merge_edited(full, shown.index, edited)
    assert merged.values.tolist() == [["p", 1], ["Q", 20], ["r", 3], ["new", 9]]
    assert list(merged.index) == [0, 1, 2, 3]
    assert inputs.same_rows(inputs.merge_edited(full, shown.index, shown), full)
    assert not inputs.same_rows(merged, full)


def test_edit_count_reads_data_editor_state() -> None:
    assert inputs.edit_count(None) == 0
    assert inputs.edit_count({"edited_rows": {}, "added_rows": [], "deleted_rows": []}) == 0
    assert (
        inputs.edit_count({"edited_rows": {0: {"a": 1}}, "added_rows": [{}], "deleted_rows": [2]})
        == 3
    )


def test_scenario_with_frames_validates_like_the_library() -> None:
    base = tiny_app_scenario()
    frames = inputs.editable_frames(base)
    assert inputs.scenario_with_frames(base, frames) == base
    frames["supply"].loc[1, "kg"] = -1.0
    with pytest.raises(ScenarioError) as err:
        inputs.scenario_with_frames(base, frames)
    assert [(i.file, i.row, i.column) for i in err.value.issues] == [("supply", 2, "kg")]


def test_product_totals_against_supply() -> None:
    totals = inputs.product_totals(tiny_app_scenario()).set_index("product_id")
    assert totals.loc["peach", "ordered_kg"] == 200.0
    assert totals.loc["peach", "harvest_today_kg"] == 600.0
    assert totals.loc["peach", "balance_today_kg"] == 400.0
    assert totals.loc["bayberry", "boxes"] == 20
    only = inputs.product_totals(tiny_app_scenario(), logistics_points=["ELSEWHERE"])
    assert only["ordered_kg"].tolist() == [0.0, 0.0]


# ----- helpers: planning --------------------------------------------------------------------


def test_planned_scenario_applies_the_cost_options_and_changes_the_key() -> None:
    base = tiny_app_scenario()
    plain = jobs.PlanOptions.from_scenario(base)
    assert jobs.planned_scenario(base, plain) is base
    costly = dataclasses.replace(plain, drop_penalty_per_kg=5.0, cost_per_km=9.5)
    changed = jobs.planned_scenario(base, costly)
    assert changed.settings.routing.drop_penalty_per_kg == 5.0
    assert {v.cost_per_km for v in changed.vehicles} == {9.5}
    assert changed.orders == base.orders
    assert jobs.plan_key(base, plain) == jobs.plan_key(tiny_app_scenario(), plain)
    assert jobs.plan_key(base, plain) != jobs.plan_key(base, costly)
    fewer = base.with_tables(orders=base.orders[:-1])
    assert jobs.plan_key(base, plain) != jobs.plan_key(fewer, plain)


def test_plan_job_gives_the_library_plan(tiny_plan: Plan) -> None:
    options = jobs.PlanOptions.from_scenario(tiny_app_scenario())
    job = jobs.PlanJob(tiny_app_scenario(), options)
    assert job.wait(timeout_s=60)
    assert job.error is None and job.plan is not None
    assert job.stage == "done" and job.fraction() == 1.0
    pd.testing.assert_frame_equal(job.plan.routes_frame(), tiny_plan.routes_frame())
    assert job.plan.summary["cost_total"] == tiny_plan.summary["cost_total"]


def test_plan_job_can_be_cancelled() -> None:
    options = dataclasses.replace(
        jobs.PlanOptions.from_scenario(tiny_app_scenario()), time_limit_s=120.0, solution_limit=None
    )
    job = jobs.PlanJob(tiny_app_scenario(), options)
    assert not job.poll()
    assert 0.0 <= job.fraction() < 1.0
    job.cancel()
    assert job.poll() and job.error == "cancelled" and job.plan is None


def test_plan_job_reports_a_failure_as_a_message() -> None:
    options = dataclasses.replace(
        jobs.PlanOptions.from_scenario(tiny_app_scenario()), engine="nope"
    )
    job = jobs.PlanJob(tiny_app_scenario(), options)
    assert job.wait(timeout_s=60)
    assert job.plan is None and job.error is not None and "unknown routing engine" in job.error


# ----- helpers: results, map, hand over -----------------------------------------------------


def test_kpis_add_spoilage_only_for_inventory_plans(tiny_plan: Plan) -> None:
    from agrichain.inventory import NearestFarmAllocator

    nearest = plan_day(tiny_app_scenario(), allocator=NearestFarmAllocator(), **LIMITS)  # type: ignore[arg-type]
    labels = [label for label, _ in results.kpi_values(nearest)]
    assert "Spoilage (kg)" not in labels and results.inventory_tables(nearest) == {}
    assert "Spoilage (kg)" in [label for label, _ in results.kpi_values(tiny_plan)]
    spoiled = dataclasses.replace(
        nearest, tables={"spoilage": pd.DataFrame({"day": [0, 1], "kg": [1.0, 2.5]})}
    )
    assert dict(results.kpi_values(spoiled))["Spoilage (kg)"] == "3.5"


def test_inventory_chart_frames() -> None:
    stock = pd.DataFrame({"date": ["d0", "d0", "d1"], "age_days": [0, 1, 0], "kg": [1.0, 2.0, 4.0]})
    chart = results.stock_age_chart_frame(stock)
    assert chart is not None
    assert chart.to_dict() == {"age 0 d": {"d0": 1.0, "d1": 4.0}, "age 1 d": {"d0": 2.0, "d1": 0.0}}
    flows = pd.DataFrame({"day": [0, 0, 1], "product_id": ["a", "b", "a"], "kg": [1.0, 2, 3]})
    chart = results.daily_flows(flows)
    assert chart is not None and chart.loc["0", "b"] == 2.0 and chart.loc["1", "a"] == 3.0
    assert results.stock_age_chart_frame(pd.DataFrame({"x": [1]})) is None
    assert results.daily_flows(pd.DataFrame({"day": [0], "note": ["x"]})) is None


def test_map_data_draws_every_route_and_stop(tiny_plan: Plan) -> None:
    scenario = tiny_app_scenario()
    data = route_map.map_data(scenario, tiny_plan)
    assert len(data.farms) == 3 and len(data.logistics_points) == 1
    assert [p["vehicle_id"] for p in data.paths] == [r.vehicle_id for r in tiny_plan.routes]
    for path, route in zip(data.paths, tiny_plan.routes, strict=True):
        assert path["path"] == [[s.lon, s.lat] for s in route.stops]
    assert len(data.stops) == sum(len(r.stops) - 2 for r in tiny_plan.routes)
    assert all("arrival" in s["tip"] and "load after stop" in s["tip"] for s in data.stops)
    assert data.boundary is not None
    hull = shape(data.boundary["features"][0]["geometry"])
    assert all(hull.contains(Point(f.lon, f.lat)) for f in scenario.farms)
    view = data.view
    assert 28.80 <= view["latitude"] <= 28.90 and 120.70 <= view["longitude"] <= 120.80
    assert 9.0 <= view["zoom"] <= 14.0


def test_deck_draws_without_a_basemap_and_has_no_string_props(tiny_plan: Plan) -> None:
    deck = json.loads(
        route_map.build_deck(route_map.map_data(tiny_app_scenario(), tiny_plan)).to_json()
    )
    assert deck["mapStyle"] == route_map.NO_BASEMAP_STYLE and "mapProvider" not in deck
    types = [layer["@@type"] for layer in deck["layers"]]
    assert types.count("ScatterplotLayer") == 3 and "PathLayer" in types
    assert "GeoJsonLayer" in types
    # pydeck turns string props into accessors: only real accessors may be strings
    for layer in deck["layers"]:
        for name, value in layer.items():
            if isinstance(value, str) and value.startswith("@@="):
                assert name.startswith("get"), (layer["id"], name, value)
    styled = json.loads(
        route_map.build_deck(
            route_map.map_data(tiny_app_scenario()), "http://x/style.json"
        ).to_json()
    )
    assert styled["mapStyle"] == "http://x/style.json"


def test_fit_view_contains_the_points() -> None:
    lats, lons = [28.0, 28.5], [120.0, 121.0]
    view = route_map.fit_view(lats, lons, width_px=600, height_px=400, margin=0.1)
    width_px = (lons[1] - lons[0]) / 360.0 * route_map.WORLD_PX * 2 ** view["zoom"]
    assert 600 * 0.8 * 0.9 <= width_px <= 600 * 0.8 + 1e-6
    assert route_map.fit_view([], [])["zoom"] == 1.0
    assert route_map.fit_view([10.0], [20.0])["zoom"] == 18.0


def test_route_sheet_lists_every_task_once_to_load_and_once_to_unload(tiny_plan: Plan) -> None:
    scenario = tiny_app_scenario()
    for route in tiny_plan.routes:
        sheet = handover.route_sheet_frame(tiny_plan, scenario, route.vehicle_id)
        assert sheet["action"].iloc[0] == "start" and sheet["action"].iloc[-1] == "end"
        loads = sheet[sheet["action"] == "load"]
        unloads = sheet[sheet["action"] == "unload"]
        assert sorted(loads["task_id"]) == sorted(unloads["task_id"])
        assert loads["kg"].sum() == pytest.approx(route.kg_collected, abs=1e-3)
        mine = {t.task_id for t in tiny_plan.tasks if t.vehicle_id == route.vehicle_id}
        assert set(loads["task_id"]) == mine
        assert (loads["stop_kind"] == "farm").all()
        csv_bytes = handover.route_sheet_csv(tiny_plan, scenario, route.vehicle_id)
        csv_text = csv_bytes.decode("utf-8-sig")
        assert csv_text.splitlines()[0] == ",".join(handover.ROUTE_SHEET_COLUMNS)
    with pytest.raises(ValueError, match="no route"):
        handover.route_sheet_frame(tiny_plan, scenario, "NOPE")


def test_route_sheet_html_is_printable_and_escaped(tiny_plan: Plan) -> None:
    base = tiny_app_scenario()
    farms = [
        Farm(**{**f.model_dump(), "name": "<b>Li & Sons</b>"}) if f.farm_id == "F1" else f
        for f in base.farms
    ]
    scenario = base.with_tables(farms=farms)
    route = next(r for r in tiny_plan.routes if any(s.stop_id == "F1" for s in r.stops))
    page = handover.route_sheet_html(tiny_plan, scenario, route.vehicle_id)
    assert page.startswith("<!DOCTYPE html>") and "@media print" in page
    assert "&lt;b&gt;Li &amp; Sons&lt;/b&gt;" in page and "<b>Li" not in page
    for s in route.stops:
        assert f"{s.lat:.5f}, {s.lon:.5f}" in page
        assert s.arrival.strftime("%H:%M") in page
    assert page.count("<li>Load ") == sum(
        len(s.task_ids) for s in route.stops if s.stop_kind == "farm"
    )


def test_plan_zip_holds_the_cli_files(tiny_plan: Plan) -> None:
    with zipfile.ZipFile(io.BytesIO(sheets.plan_zip(tiny_plan))) as zf:
        assert {n: zf.read(n) for n in zf.namelist()} == plan_files(tiny_plan)
    with zipfile.ZipFile(io.BytesIO(sheets.route_sheets_zip(tiny_plan, tiny_app_scenario()))) as zf:
        names = set(zf.namelist())
    vehicles = {r.vehicle_id for r in tiny_plan.routes}
    sheet_names = {f"{v}.csv" for v in vehicles} | {f"{v}.html" for v in vehicles}
    assert names == sheet_names | {handover.INDEX_HTML, handover.MAP_HTML}


def test_instances_are_listed_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("small", "county"):
        save_scenario(tiny_app_scenario(), tmp_path / name)
    (tmp_path / "not-a-scenario").mkdir()
    monkeypatch.setenv(inputs.INSTANCES_ENV, str(tmp_path))
    monkeypatch.delenv(inputs.DEFAULT_INSTANCE_ENV, raising=False)
    folder = inputs.instances_dir(REPO)
    assert folder == tmp_path
    names = inputs.list_instances(folder)
    assert names == ["county", "small"]
    assert inputs.default_instance(names) == "county"
    monkeypatch.setenv(inputs.DEFAULT_INSTANCE_ENV, "small")
    assert inputs.default_instance(names) == "small"
    monkeypatch.delenv(inputs.INSTANCES_ENV)
    assert inputs.instances_dir(REPO) == REPO / "instances"
    assert inputs.list_instances(tmp_path / "missing") == []
