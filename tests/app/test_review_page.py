"""The app's review step: the same review as ``agrichain review``, driven by AppTest, and its
logic in agrichain.app.review."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from builders import REPO, infeasible_tiny_scenario, tiny_app_scenario
from streamlit.testing.v1 import AppTest

from agrichain.app import inputs, jobs
from agrichain.app import map as route_map
from agrichain.app import review as app_review
from agrichain.day.review import review_plan
from agrichain.day.review_report import REVIEW_CSV, REVIEW_HTML, lost_table, review_table
from agrichain.io import save_scenario
from agrichain.model import Scenario
from agrichain.pipeline import plan_day

APP = REPO / "app.py"
LIMITS = {"time_limit_s": 10.0, "solution_limit": 10, "seed": 0}
#: The infeasible scenario's order above all supply is meant; its warning is expected.
pytestmark = pytest.mark.filterwarnings("ignore::agrichain.errors.ScenarioWarning")
REVIEW_KG = ["kg_sold", "kg_on_time", "kg_late", "kg_lost", "kg_spoiled", "revenue_at_risk"]


def infeasible_app_scenario() -> Scenario:
    """The infeasible tiny scenario with the app's quick routing limits."""
    base = infeasible_tiny_scenario()
    routing = base.settings.routing.model_copy(update=LIMITS)
    return base.with_settings(base.settings.model_copy(update={"routing": routing}))


def open_app(
    folder: Path, name: str, scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> AppTest:
    save_scenario(scenario, folder / name)
    monkeypatch.setenv(inputs.INSTANCES_ENV, str(folder))
    monkeypatch.setenv(inputs.DEFAULT_INSTANCE_ENV, name)
    monkeypatch.delenv(route_map.MAP_STYLE_ENV, raising=False)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    at = open_app(tmp_path / "instances", "infeasible", infeasible_app_scenario(), monkeypatch)
    yield at
    job = at.session_state.get("job")
    if job is not None:
        job.cancel()


def press_plan(at: AppTest) -> None:
    at.button(key="plan_button").click().run()
    assert not at.exception, [e.value for e in at.exception]


def frame_with(at: AppTest, columns: list[str]) -> pd.DataFrame:
    """The first table on the page that has all of ``columns``."""
    for element in at.dataframe:
        frame = element.value
        if set(columns) <= set(frame.columns):
            return frame
    raise AssertionError(f"no table with columns {columns}")


def test_the_review_step_waits_for_a_plan(app: AppTest) -> None:
    assert "6 · Review" not in [h.value for h in app.header]


def test_the_review_step_shows_the_librarys_review(app: AppTest) -> None:
    press_plan(app)
    assert "6 · Review" in [h.value for h in app.header]
    plan = plan_day(infeasible_app_scenario(), **LIMITS)  # type: ignore[arg-type]
    review = review_plan(infeasible_app_scenario(), plan)
    shown = frame_with(app, ["row", "session_id", *REVIEW_KG]).reset_index(drop=True)
    want = review_table(review)
    assert shown["row"].tolist() == want["row"].tolist()
    assert shown["product_id"].tolist() == want["product_id"].tolist()
    pd.testing.assert_frame_equal(shown[REVIEW_KG], want[REVIEW_KG], check_dtype=False)
    lost = frame_with(app, ["cause", "reason", "kg_lost"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(lost, lost_table(review), check_dtype=False)
    assert set(lost["cause"]) >= {"not_allocated"}
    charts = app.get("vega_lite_chart")
    assert charts, "the stacked bars per session"
    assert any("revenue at risk" in m.value for m in app.markdown)
    downloads = {b.label for b in app.get("download_button")}  # type: ignore[attr-defined]
    assert {"Download the review (CSV)", "Download the review (HTML)"} <= downloads


def test_a_plan_losing_nothing_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_app(tmp_path / "instances", "tiny", tiny_app_scenario(), monkeypatch)
    press_plan(at)
    assert any("No ordered kg are lost" in s.value for s in at.success)
    shown = frame_with(at, ["row", "session_id", *REVIEW_KG])
    total = shown[shown["row"] == "total"].iloc[0]
    assert total["kg_on_time"] == pytest.approx(total["kg_sold"]) and total["kg_lost"] == 0


# ----- the logic, without Streamlit ------------------------------------------------------


@pytest.fixture(scope="module")
def result() -> jobs.PlanResult:
    scenario = infeasible_app_scenario()
    options = jobs.PlanOptions.from_scenario(scenario)
    plan = plan_day(scenario, **LIMITS)  # type: ignore[arg-type]
    return jobs.PlanResult(plan, scenario, options, jobs.plan_key(scenario, options), 0.0)


def test_the_chart_has_one_bar_per_session_stacked_by_outcome(result: jobs.PlanResult) -> None:
    review = app_review.plan_review(result)
    chart = app_review.review_chart(review)
    assert list(chart.columns) == ["on time", "late", "spoiled", "lost"]
    assert len(chart.columns) == len(app_review.CHART_COLOURS)
    assert sorted(chart.index) == sorted({s.session_id for s in review.sessions})
    sold = sum(s.kg_sold for s in review.sessions)
    assert chart[["on time", "late", "lost"]].to_numpy().sum() == pytest.approx(sold)


def test_the_downloads_are_made_once_per_plan(result: jobs.PlanResult) -> None:
    review = app_review.plan_review(result)
    first = app_review.review_downloads(result, review)
    again = app_review.review_downloads(result, review)
    assert [name.rsplit("_", 1)[-1] for name in first] == [REVIEW_CSV, REVIEW_HTML]
    assert all(first[name] is again[name] for name in first)
    assert b"<svg" in first[next(n for n in first if n.endswith(REVIEW_HTML))]
