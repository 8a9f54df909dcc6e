"""The commands ``agrichain coverage`` and ``agrichain site``: exit codes and files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from builders import INSTANCES
from typer.testing import CliRunner

from agrichain.cli import EXIT_INPUT, EXIT_OK, app
from agrichain.io import load_scenario, save_scenario

runner = CliRunner()
SMALL = str(INSTANCES / "small")
CANDIDATES = (
    "candidate_id,name,lat,lon,open_cost,capacity_kg\n"
    "C_GY,高垟村站,28.872,120.832,1,1500\n"
    "C_FAR,,28.70,120.60,1,1500\n"
)


def test_coverage_writes_its_files(tmp_path: Path) -> None:
    out = tmp_path / "cov"
    result = runner.invoke(app, ["coverage", SMALL, "--within", "20", "--out", str(out)])
    assert result.exit_code == EXIT_OK, result.output
    assert result.output == ""  # quiet off a terminal
    names = {"coverage.csv", "points.csv", "villages.csv", "coverage.geojson", "summary.json"}
    assert {p.name for p in out.iterdir()} == names
    farms = pd.read_csv(out / "coverage.csv")
    assert len(farms) == 8 and set(farms["covered"]) == {True, False}
    assert (farms["covered"] == (farms["minutes"] <= 20)).all()
    assert json.loads((out / "summary.json").read_text())["within_min"] == 20


def test_coverage_refuses_a_bad_threshold_and_a_foreign_folder(tmp_path: Path) -> None:
    bad = runner.invoke(app, ["coverage", SMALL, "--within", "0", "--out", str(tmp_path / "c")])
    assert bad.exit_code == EXIT_INPUT and "threshold" in bad.output
    assert not (tmp_path / "c").exists()
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    refused = runner.invoke(app, ["coverage", SMALL, "--out", str(mine)])
    assert refused.exit_code == EXIT_INPUT and "cannot write the coverage" in refused.output
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]


def test_site_recommends_and_compares(tmp_path: Path) -> None:
    candidates = tmp_path / "candidates.csv"
    candidates.write_text(CANDIDATES, encoding="utf-8")
    out = tmp_path / "site"
    args = ["site", SMALL, "--candidates", str(candidates), "--open", "1", "--within", "20",
            "--keep-order-points"]  # fmt: skip
    result = runner.invoke(app, [*args, "--out", str(out), "--solution-limit", "20"])
    assert result.exit_code == EXIT_OK, result.output
    names = {"recommendation.csv", "assignment.csv", "change.csv", "siting.geojson", "summary.json"}
    assert {p.name for p in out.iterdir()} == names
    places = pd.read_csv(out / "recommendation.csv")
    assert places[places["open"]]["place_id"].tolist() == ["LP1", "LP2", "C_GY"]
    change = pd.read_csv(out / "change.csv").set_index("measure")
    assert change.loc["kg_covered", "change"] > 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["facility"]["objective"] == "cost" and summary["orders_moved"] == 0


def test_site_by_coverage_moves_orders_by_default(tmp_path: Path) -> None:
    candidates = tmp_path / "candidates.csv"
    candidates.write_text(CANDIDATES, encoding="utf-8")
    out = tmp_path / "site"
    result = runner.invoke(
        app,
        ["site", SMALL, "--candidates", str(candidates), "--open", "2", "--objective",
         "coverage", "--within", "20", "--out", str(out),
         "--solution-limit", "20"],
    )  # fmt: skip
    assert result.exit_code == EXIT_OK, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["facility"]["objective"] == "coverage"
    assert summary["facility"]["opened"] == ["C_GY"]  # C_FAR covers no more kg
    assert summary["orders_moved"] > 0


def test_bad_candidates_are_exit_2_with_line_and_column(tmp_path: Path) -> None:
    candidates = tmp_path / "candidates.csv"
    candidates.write_text(CANDIDATES + "C3,,28.8,east,1,100\n", encoding="utf-8")
    out = tmp_path / "site"
    args = ["site", SMALL, "--candidates", str(candidates), "--open", "1", "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == EXIT_INPUT
    assert f"{candidates}, row 4, column lon" in result.output
    assert not out.exists()


def test_site_needs_its_options(tmp_path: Path) -> None:
    result = runner.invoke(app, ["site", SMALL, "--open", "1", "--out", str(tmp_path / "s")])
    assert result.exit_code == EXIT_INPUT and "--candidates" in result.output
    candidates = tmp_path / "candidates.csv"
    candidates.write_text(CANDIDATES, encoding="utf-8")
    negative = runner.invoke(app, ["site", SMALL, "--candidates", str(candidates), "--open", "-1"])
    assert negative.exit_code == EXIT_INPUT


def test_coverage_follows_the_scenarios_travel_matrix(tmp_path: Path) -> None:
    scenario = load_scenario(SMALL)
    matrix = tmp_path / "travel.csv"  # beside the folder, by its absolute path
    travel = scenario.settings.travel.model_copy(update={"mode": "matrix", "matrix": str(matrix)})
    folder = save_scenario(
        scenario.with_settings(scenario.settings.model_copy(update={"travel": travel})),
        tmp_path / "sc",
    )
    rows = [f"{f.farm_id},LP2,2.5,3" for f in scenario.farms]  # LP2 three minutes from all
    matrix.write_text("from_id,to_id,km,minutes\n" + "\n".join(rows) + "\n")
    out = tmp_path / "cov"
    result = runner.invoke(app, ["coverage", str(folder), "--within", "5", "--out", str(out)])
    assert result.exit_code == EXIT_OK, result.output
    assert "not in the matrix" in result.output  # the other pairs are great circle
    farms = pd.read_csv(out / "coverage.csv")
    assert set(farms["logistics_point_id"]) == {"LP2"}
    assert (farms["minutes"] == 3).all() and (farms["km"] == 2.5).all() and farms["covered"].all()
