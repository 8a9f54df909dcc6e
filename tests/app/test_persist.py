"""What survives a browser reload: a second AppTest (a fresh session) on the same state
folder opens the scenario, the options and the plan shown; and agrichain.app.persist."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from builders import DAY, REPO, tiny_app_scenario
from streamlit.testing.v1 import AppTest

from agrichain.app import adjust, inputs, jobs, persist
from agrichain.app import map as route_map
from agrichain.app import replan as app_replan
from agrichain.io import save_scenario
from agrichain.pipeline import plan_day

APP = REPO / "app.py"
LIMITS = {"time_limit_s": 10.0, "solution_limit": 10, "seed": 0}
pytestmark = pytest.mark.filterwarnings("ignore:Setting an item of incompatible dtype")


@pytest.fixture
def instances(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "instances"
    save_scenario(tiny_app_scenario(), folder / "tiny")
    monkeypatch.setenv(inputs.INSTANCES_ENV, str(folder))
    monkeypatch.setenv(inputs.DEFAULT_INSTANCE_ENV, "tiny")
    monkeypatch.delenv(route_map.MAP_STYLE_ENV, raising=False)
    return folder


@pytest.fixture
def sessions(instances: Path) -> Iterator[list[AppTest]]:
    """Browser sessions of the app (each a fresh session state), cleaned up after."""
    opened: list[AppTest] = []
    yield opened
    for at in opened:
        for name in ("job", "replan_job"):
            job = at.session_state.get(name)
            if job is not None:
                job.cancel()


def open_session(sessions: list[AppTest]) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=90)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    sessions.append(at)
    return at


def shown(at: AppTest) -> jobs.PlanResult:
    ss = at.session_state
    result: jobs.PlanResult = ss["plans"][ss["plan_key"]]
    return result


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_a_reload_opens_the_scenario_options_and_plan_again(
    sessions: list[AppTest], app_state_folder: Path
) -> None:
    first = open_session(sessions)
    assert not any("Opened again" in c.value for c in first.caption)
    first.number_input(key="opt_drop_penalty").set_value(80.0).run()
    first.number_input(key="opt_solution_limit").set_value(12).run()
    first.button(key="plan_button").click().run()
    planned = shown(first)
    assert (app_state_folder / persist.LAST_JSON).is_file()

    again = open_session(sessions)  # a fresh session: what a browser reload starts
    assert any("Opened again from the last session" in c.value for c in again.caption)
    assert again.number_input(key="opt_drop_penalty").value == 80.0
    assert again.number_input(key="opt_solution_limit").value == 12
    assert again.session_state["scenario"] == first.session_state["scenario"]
    restored = shown(again)
    assert restored.key == planned.key == again.session_state["plan_key"]
    assert restored.options == planned.options
    pd.testing.assert_frame_equal(restored.plan.routes_frame(), planned.plan.routes_frame())
    assert metrics(again) == metrics(first)
    assert not any("before the latest changes" in w.value for w in again.warning)
    assert not again.warning  # no widget-state warning from the restored options
    # pressing Plan again shows the restored plan without solving
    started = jobs.PlanJob.started
    again.button(key="plan_button").click().run()
    assert jobs.PlanJob.started == started
    assert any("without solving again" in i.value for i in again.info)


def test_a_reload_keeps_an_adjusted_plan_and_an_edited_scenario(
    sessions: list[AppTest],
) -> None:
    first = open_session(sessions)
    orders = next(d for d in first.data_editor if d.key and d.key.startswith("edit_orders_"))
    first.session_state[orders.key] = {"edited_rows": {}, "added_rows": [], "deleted_rows": [0]}
    first.run()
    first.button(key="plan_button").click().run()
    vehicle = shown(first).plan.routes[0].vehicle_id
    first.checkbox(key=f"lock_{vehicle}").check().run()
    first.button(key="adjust_keep").click().run()
    assert shown(first).origin == adjust.ADJUSTED

    again = open_session(sessions)
    assert [o.order_id for o in again.session_state["scenario"].orders] == [
        "O2",
        "O3",
        "O4",
        "O5",
    ]  # the edited scenario, not the bundled one loaded anew
    restored = shown(again)
    assert restored.origin == adjust.ADJUSTED
    assert [r.locked for r in restored.plan.routes] == [True]
    assert again.checkbox(key=f"lock_{vehicle}").value


def test_a_reload_keeps_a_replan_with_its_changes(sessions: list[AppTest]) -> None:
    first = open_session(sessions)
    first.button(key="plan_button").click().run()
    editor = next(d for d in first.data_editor if d.key and d.key.startswith("events_"))
    breakdown = {"kind": "breakdown", "id": "V2", "time": "06:30"}
    first.session_state[editor.key] = {
        "edited_rows": {},
        "added_rows": [breakdown],
        "deleted_rows": [],
    }
    first.run()
    first.time_input(key="replan_now").set_value(dt.time(6, 30))
    first.button(key="replan_button").click().run()
    replanned = shown(first)
    assert replanned.origin == app_replan.REPLANNED and replanned.changes is not None

    again = open_session(sessions)
    restored = shown(again)
    assert restored.origin == app_replan.REPLANNED
    assert restored.changes is not None
    assert restored.changes["task_id"].tolist() == replanned.changes["task_id"].tolist()
    assert "Changes per driver" in [s.value for s in again.subheader]
    assert metrics(again) == metrics(first)


# ----- the logic ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_result() -> jobs.PlanResult:
    scenario = tiny_app_scenario()
    options = jobs.PlanOptions(**LIMITS)  # type: ignore[arg-type]
    plan = plan_day(scenario, **LIMITS)  # type: ignore[arg-type]
    return jobs.PlanResult(plan, scenario, options, jobs.plan_key(scenario, options), 2.5)


def test_the_state_folder_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(persist.STATE_ENV, str(tmp_path / "here"))
    assert persist.state_folder() == tmp_path / "here"
    monkeypatch.delenv(persist.STATE_ENV)
    assert persist.state_folder() == Path.home() / ".cache" / "agrichain" / "app"


def test_state_is_kept_per_scenario_content(tmp_path: Path, tiny_result: jobs.PlanResult) -> None:
    scenario = tiny_result.scenario
    other = scenario.with_tables(orders=scenario.orders[:2])
    assert persist.scenario_digest(scenario) != persist.scenario_digest(other)
    assert persist.scenario_digest(scenario) == persist.scenario_digest(tiny_app_scenario())
    plan_id = persist.save_plan(tmp_path, scenario, tiny_result)
    home = persist.save_session(tmp_path, scenario, "instance 'tiny'", tiny_result.options, plan_id)
    persist.save_session(tmp_path, other, "upload", None, None)
    kept = persist.restore(tmp_path)
    assert kept is not None and kept.scenario == other and kept.result is None
    assert kept.source == "upload" and kept.options is None
    # the first scenario's state is untouched; pointing back at it opens its plan
    (tmp_path / persist.LAST_JSON).write_text(json.dumps({"scenario": home.name}))
    kept = persist.restore(tmp_path)
    assert kept is not None and kept.result is not None and kept.plan_id == plan_id
    assert kept.options == tiny_result.options and kept.result.wall_s == 2.5
    assert kept.result.key == jobs.plan_key(kept.scenario, tiny_result.options)
    pd.testing.assert_frame_equal(kept.result.plan.tasks_frame(), tiny_result.plan.tasks_frame())
    assert kept.result.plan.planning_date == DAY


def test_a_new_plan_replaces_the_scenarios_old_one(
    tmp_path: Path, tiny_result: jobs.PlanResult
) -> None:
    scenario = tiny_result.scenario
    first = persist.save_plan(tmp_path, scenario, tiny_result)
    persist.save_session(tmp_path, scenario, "x", tiny_result.options, first)
    second = persist.save_plan(tmp_path, scenario, tiny_result)
    home = persist.save_session(tmp_path, scenario, "x", tiny_result.options, second)
    assert [p.name for p in (home / persist.PLANS_DIR).iterdir()] == [second]


def test_unreadable_state_is_not_opened(tmp_path: Path, tiny_result: jobs.PlanResult) -> None:
    assert persist.restore(tmp_path) is None
    scenario = tiny_result.scenario
    plan_id = persist.save_plan(tmp_path, scenario, tiny_result)
    home = persist.save_session(tmp_path, scenario, "x", tiny_result.options, plan_id)
    (home / persist.PLANS_DIR / plan_id / persist.PLAN_DIR / "summary.json").write_text("{")
    kept = persist.restore(tmp_path)
    assert kept is not None and kept.scenario == scenario and kept.result is None
    (home / persist.SESSION_JSON).write_text("not json")
    assert persist.restore(tmp_path) is None


def test_only_the_latest_scenarios_are_kept(tmp_path: Path) -> None:
    base = tiny_app_scenario()
    homes = []
    for n in range(persist.MAX_SCENARIOS + 2):
        scenario = base.with_tables(orders=base.orders[: 1 + n % 5], vehicles=base.vehicles)
        scenario = scenario.with_settings(base.settings.model_copy(update={"name": f"s{n}"}))
        homes.append(persist.save_session(tmp_path, scenario, f"s{n}", None, None))
    kept = {p.name for p in tmp_path.iterdir() if p.is_dir()}
    assert len(kept) == persist.MAX_SCENARIOS
    assert homes[-1].name in kept and homes[0].name not in kept
