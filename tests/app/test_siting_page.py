"""The app's coverage and siting step (7): farms beyond the threshold highlighted and on the
map, candidates typed in and the recommendation with its change table; driven by AppTest,
and its logic in agrichain.app.siting."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pandas as pd
import pytest
from builders import REPO, tiny_app_scenario
from streamlit.testing.v1 import AppTest

from agrichain.app import sheets
from agrichain.app import siting as app_siting
from agrichain.day.siting import siting_files
from agrichain.errors import ScenarioError
from agrichain.siting import coverage

APP = REPO / "app.py"
#: Streamlit's data editor adds rows to typed columns with a pandas call that pandas 3 warns of.
pytestmark = pytest.mark.filterwarnings("ignore:Setting an item of incompatible dtype")
#: Within 12 minutes of the hub: F1 and F3 (about 11 min), not F2 (about 15 min).
WITHIN = 12.0
AT_F2 = {"candidate_id": "C_F2", "name": "东站", "lat": 28.85, "lon": 120.8, "open_cost": 1.0,
         "capacity_kg": 2000.0, "cold_capacity_kg": 0.0}  # fmt: skip


@pytest.fixture
def app(planned_app: AppTest) -> AppTest:
    return planned_app


def frame_with(at: AppTest, columns: list[str]) -> pd.DataFrame:
    for element in at.dataframe:
        if set(columns) <= set(element.value.columns):
            return element.value
    raise AssertionError(f"no table with columns {columns}")


def decks(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(e.proto.json) for e in at.get("deck_gl_json_chart")]  # type: ignore[attr-defined]


def test_the_step_shows_the_farms_beyond_the_threshold(app: AppTest) -> None:
    assert "7 · Coverage and new points" in [h.value for h in app.header]
    app.number_input(key="siting_within").set_value(WITHIN).run()
    assert not app.exception, [e.value for e in app.exception]
    farms = frame_with(app, app_siting.FARM_COLUMNS)
    assert farms["farm_id"].tolist()[0] == "F2" and not farms["covered"].iloc[0]
    assert sorted(farms.loc[farms["covered"], "farm_id"]) == ["F1", "F3"]
    assert any(m.value.startswith("2 of 3 farms") for m in app.markdown)
    villages = frame_with(app, ["village", "farms_covered"])
    assert villages["farms"].sum() == 3
    (deck,) = [d for d in decks(app) if any(la["id"] == "coverage_farms" for la in d["layers"])]
    colours = [
        r["color"] for la in deck["layers"] if la["id"] == "coverage_farms" for r in la["data"]
    ]
    assert sorted(map(tuple, colours)) == sorted(
        [tuple(app_siting.COVERED_RGB)] * 2 + [tuple(app_siting.OUTSIDE_RGB)]
    )
    assert "mapProvider" not in deck


def test_candidates_typed_in_get_a_recommendation(app: AppTest) -> None:
    app.number_input(key="siting_within").set_value(WITHIN).run()
    assert app.button(key="siting_button").disabled
    app.session_state["candidates_0"] = {
        "edited_rows": {},
        "added_rows": [AT_F2],
        "deleted_rows": [],
    }
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.button(key="siting_button").disabled
    app.button(key="siting_button").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert any(s.value.startswith("Open C_F2") for s in app.success), [s.value for s in app.success]
    change = frame_with(app, ["measure", "before", "after", "change"]).set_index("measure")
    assert change.loc["kg_covered", "change"] > 0
    places = frame_with(app, ["place_id", "kind", "open"])
    assert places.loc[places["open"], "place_id"].tolist() == ["HUB", "C_F2"]
    siting_map = [d for d in decks(app) if any(la["id"] == "coverage_places" for la in d["layers"])]
    places_drawn = [r["id"] for la in siting_map[-1]["layers"] if la["id"] == "coverage_places"
                    for r in la["data"]]  # fmt: skip
    assert sorted(places_drawn) == ["C_F2", "HUB"]
    downloads = [e.proto.label for e in app.get("download_button")]  # type: ignore[attr-defined]
    assert "Download the siting files (.zip)" in downloads
    siting = app.session_state["siting_made"][1]
    with zipfile.ZipFile(io.BytesIO(sheets.siting_zip(siting))) as archive:
        assert sorted(archive.namelist()) == sorted(siting_files(siting))
        summary = json.loads(archive.read("summary.json"))
    assert summary["facility"]["opened"] == ["C_F2"]


def test_bad_candidates_are_listed(app: AppTest) -> None:
    bad = {**AT_F2, "lat": 123.0}
    app.session_state["candidates_0"] = {"edited_rows": {}, "added_rows": [bad], "deleted_rows": []}
    app.run()
    assert app.button(key="siting_button").disabled
    assert any("The candidates have problems" in e.value for e in app.error)


# ----- the logic, without Streamlit ------------------------------------------------------


def test_the_table_is_read_with_its_line_numbers() -> None:
    scenario = tiny_app_scenario()
    frame = pd.DataFrame([AT_F2, {**AT_F2, "candidate_id": "HUB"}, {"candidate_id": None}])
    with pytest.raises(ScenarioError) as caught:
        app_siting.candidates_of_table(frame, scenario)
    (issue,) = caught.value.issues
    assert (issue.file, issue.row, issue.column) == ("candidates.csv", 3, "candidate_id")
    assert app_siting.candidates_of_table(app_siting.empty_candidates(), scenario) == ()
    (one,) = app_siting.candidates_of_table(frame.iloc[[0, 2]], scenario)
    assert one.candidate_id == "C_F2" and one.name == "东站"


def test_an_upload_fills_the_table() -> None:
    data = pd.DataFrame([AT_F2]).to_csv(index=False).encode()
    table = app_siting.uploaded_candidates("mine.csv", data, tiny_app_scenario())
    assert table["candidate_id"].tolist() == ["C_F2"]
    with pytest.raises(ScenarioError, match=r"mine\.csv, row 2, column lat"):
        bad = pd.DataFrame([{**AT_F2, "lat": "north"}]).to_csv(index=False).encode()
        app_siting.uploaded_candidates("mine.csv", bad, tiny_app_scenario())


def test_rows_beyond_the_threshold_are_highlighted() -> None:
    cov = coverage(tiny_app_scenario(), WITHIN)
    table = app_siting.farms_table(cov)
    html = app_siting.highlighted(table).to_html()
    assert html.count(app_siting.OUTSIDE_BACKGROUND.split(": ")[1]) > 0
    styles = app_siting.highlighted(table)._compute().ctx  # (row, column) → CSS
    rows = {r for (r, _), css in styles.items() if css}
    assert rows == {i for i, c in enumerate(table["covered"]) if not c}


def test_the_map_draws_links_farms_and_points_offline() -> None:
    cov = coverage(tiny_app_scenario(), WITHIN)
    deck = json.loads(app_siting.coverage_deck(cov, None).to_json())
    assert [la["@@type"] for la in deck["layers"]] == [
        "LineLayer", "ScatterplotLayer", "ScatterplotLayer"
    ]  # fmt: skip
    assert "mapProvider" not in deck
    links = deck["layers"][0]["data"]
    assert len(links) == 3 and all(link["to"] == [120.72, 28.85] for link in links)
