"""The app's re-plan step (4.2): events typed or uploaded, Re-plan in the worker process, the
new plan shown with its changes per driver; driven by AppTest, and its logic in
agrichain.app.replan."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pandas as pd
import pytest
from builders import DAY, REPO, tiny_app_scenario
from streamlit.testing.v1 import AppTest

from agrichain.app import jobs
from agrichain.app import replan as app_replan
from agrichain.day.replan import replan_day
from agrichain.errors import ScenarioError
from agrichain.io.events import EVENTS_COLUMNS, Events
from agrichain.pipeline import plan_day
from agrichain.plan import Plan

APP = REPO / "app.py"
LIMITS = {"time_limit_s": 10.0, "solution_limit": 10, "seed": 0}
#: V2 breaks down before it leaves: its tasks go to V1 where they can (not the cold ones).
BREAKDOWN = {"kind": "breakdown", "id": "V2", "time": "06:30"}
NOW = dt.datetime.combine(DAY, dt.time(6, 30))
#: Streamlit's data editor adds rows to typed columns with a pandas call that pandas 3 warns of.
pytestmark = pytest.mark.filterwarnings("ignore:Setting an item of incompatible dtype")


@pytest.fixture(scope="module")
def tiny_plan() -> Plan:
    return plan_day(tiny_app_scenario(), **LIMITS)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def library_replan(tiny_plan: Plan) -> Any:
    events = Events(breakdowns={"V2": NOW})
    return replan_day(tiny_app_scenario(), tiny_plan, events, NOW, **LIMITS)  # type: ignore[arg-type]


# ----- the page ---------------------------------------------------------------------------


@pytest.fixture
def app(planned_app: AppTest) -> AppTest:
    return planned_app


def events_editor(at: AppTest) -> Any:
    found = [d for d in at.data_editor if d.key and d.key.startswith("events_")]
    assert len(found) == 1, [d.key for d in at.data_editor]
    return found[0]


def type_events(at: AppTest, rows: list[dict[str, Any]]) -> None:
    at.session_state[events_editor(at).key] = {
        "edited_rows": {},
        "added_rows": rows,
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def frame_with(at: AppTest, columns: list[str]) -> pd.DataFrame:
    for element in at.dataframe:
        if set(columns) <= set(element.value.columns):
            return element.value
    raise AssertionError(f"no table with columns {columns}")


def shown(at: AppTest) -> jobs.PlanResult:
    ss = at.session_state
    result: jobs.PlanResult = ss["plans"][ss["plan_key"]]
    return result


def test_a_breakdown_is_replanned_and_its_changes_shown(app: AppTest, library_replan: Any) -> None:
    assert "4.2 · Re-plan after events" in [h.value for h in app.header]
    assert app.button(key="replan_button").disabled is False
    type_events(app, [BREAKDOWN])
    assert any("1 breakdown" in c.value for c in app.caption)
    app.time_input(key="replan_now").set_value(NOW.time())
    app.button(key="replan_button").click().run()
    assert not app.exception, [e.value for e in app.exception]
    result = shown(app)
    assert result.origin == app_replan.REPLANNED
    assert any("Re-planned at 06:30" in s.value for s in app.success)
    # the new plan is the library's re-plan of the same day, shown above
    want = library_replan.plan
    assert [r.vehicle_id for r in result.plan.routes] == [r.vehicle_id for r in want.routes]
    assert result.plan.cost() == pytest.approx(want.cost())
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Cost (CNY)"] == f"{want.summary['cost_total']:,.2f}"
    # changes per driver, as changes.csv
    columns = ["vehicle_id", "change", "task_id"]
    changes = frame_with(app, [*columns, "note"])
    pd.testing.assert_frame_equal(
        changes[columns].reset_index(drop=True), library_replan.changes[columns]
    )
    app.selectbox(key="changes_vehicle").set_value("V1").run()
    only = frame_with(app, [*columns, "note"])
    assert set(only["vehicle_id"]) == {"V1"} and "added" in set(only["change"])
    labels = {b.label for b in app.get("download_button")}  # type: ignore[attr-defined]
    assert "Download changes.csv" in labels


def test_bad_events_are_listed_and_block_the_replan(app: AppTest) -> None:
    type_events(app, [BREAKDOWN, {"kind": "shortfall", "id": "F1", "product_id": "peach"}])
    issues = frame_with(app, ["file", "row", "column", "problem"])
    rows = list(issues[["file", "row", "column"]].itertuples(index=False, name=None))
    assert (app_replan.EDITOR_FILE, "2", "kg") in rows
    assert app.button(key="replan_button").disabled


def test_an_uploaded_events_file_fills_the_table(app: AppTest) -> None:
    data = b"kind,id,time\nbreakdown,V2,06:30\ncancel_order,O5,\n"
    app.file_uploader(key="upload_events").set_value(("events.csv", data, "text/csv")).run()
    assert not app.exception, [e.value for e in app.exception]
    rows = events_editor(app).value
    assert rows["kind"].tolist() == ["breakdown", "cancel_order"]
    assert any("1 breakdown" in c.value and "1 cancelled" in c.value for c in app.caption)
    bad = b"kind,id,time\nbreakdown,V7,06:30\n"
    app.file_uploader(key="upload_events").set_value(("late.csv", bad, "text/csv")).run()
    issues = frame_with(app, ["file", "row", "column", "problem"])
    assert ("late.csv", "2", "id") in set(
        issues[["file", "row", "column"]].itertuples(index=False, name=None)
    )
    assert events_editor(app).value["kind"].tolist() == ["breakdown", "cancel_order"]


# ----- the logic ----------------------------------------------------------------------------


def test_the_table_reads_as_the_events_file_would() -> None:
    scenario = tiny_app_scenario()
    frame = app_replan.typed_events(
        pd.DataFrame(
            [
                BREAKDOWN,
                {},  # an empty row the editor adds is left out
                {"kind": "shortfall", "id": "F1", "product_id": "peach", "kg": 50},
                {
                    "kind": "add_vehicle",
                    "id": "V3",
                    "logistics_point_id": "HUB",
                    "capacity_kg": 800,
                    "refrigerated": "true",
                },
            ]
        )
    )
    assert list(frame.columns) == list(EVENTS_COLUMNS)
    text = app_replan.events_csv(frame).decode()
    assert text.splitlines()[0] == ",".join(EVENTS_COLUMNS) and len(text.splitlines()) == 4
    events = app_replan.events_of_table(frame, scenario)
    assert events.breakdowns == {"V2": NOW}
    assert events.shortfalls_kg == {("F1", "peach"): 50.0}
    (vehicle, _), *_ = events.added_vehicles
    assert vehicle.vehicle_id == "V3" and vehicle.refrigerated and vehicle.capacity_kg == 800
    # issues name the table's row, counting the empty row
    bad = frame.copy()
    bad.loc[3, "id"] = "V2"
    with pytest.raises(ScenarioError) as caught:
        app_replan.events_of_table(bad, scenario)
    assert [(i.file, i.row, i.column) for i in caught.value.issues] == [
        (app_replan.EDITOR_FILE, 4, "id")
    ]


def test_an_excel_upload_reads_its_events_sheet() -> None:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer) as writer:
        pd.DataFrame([BREAKDOWN]).to_excel(writer, sheet_name="notes", index=False)
        pd.DataFrame([{"kind": "cancel_order", "id": "O1"}]).to_excel(
            writer, sheet_name="events", index=False
        )
    frame = app_replan.uploaded_events("day.xlsx", buffer.getvalue(), tiny_app_scenario())
    assert frame[["kind", "id"]].values.tolist() == [["cancel_order", "O1"]]


def test_the_replan_job_gives_the_librarys_replan(tiny_plan: Plan, library_replan: Any) -> None:
    scenario = tiny_app_scenario()
    options = jobs.PlanOptions(**LIMITS)  # type: ignore[arg-type]
    base = jobs.PlanResult(tiny_plan, scenario, options, "key", 1.0)
    job = app_replan.ReplanJob(base, Events(breakdowns={"V2": NOW}), NOW, options)
    assert job.wait(timeout_s=60)
    assert job.error is None, job.error
    made = job.result()
    assert made is not None and made.origin == app_replan.REPLANNED and made.key == "key"
    assert made.plan.cost() == pytest.approx(library_replan.plan.cost())
    assert made.changes is not None
    pd.testing.assert_frame_equal(made.changes, library_replan.changes)
    assert len(made.scenario.vehicles) == len(scenario.vehicles)
    back = app_replan.read_changes(app_replan.changes_csv(made.changes))
    assert back["task_id"].tolist() == made.changes["task_id"].tolist()
    assert back["new_pickup"].tolist() == made.changes["new_pickup"].tolist()


def test_now_defaults_to_the_first_departure(tiny_plan: Plan) -> None:
    first = min(r.start for r in tiny_plan.routes)
    assert app_replan.first_departure(tiny_plan, tiny_app_scenario()) == first.time().replace(
        second=0
    )
