"""The command line: exit codes, quiet output off a terminal, generate."""

from __future__ import annotations

import filecmp
import json
from pathlib import Path

import pytest
from builders import tiny_scenario
from typer.testing import CliRunner

from agrichain import cli
from agrichain.cli import EXIT_INPUT, EXIT_INTERNAL, EXIT_OK, app
from agrichain.io import load_scenario, save_scenario

runner = CliRunner()


def test_plan_success_is_silent_off_a_terminal(tmp_path: Path) -> None:
    folder = save_scenario(tiny_scenario(), tmp_path / "sc")
    result = runner.invoke(
        app, ["plan", str(folder), "--out", str(tmp_path / "p"), "--solution-limit", "20"]
    )
    assert result.exit_code == EXIT_OK
    assert result.output == ""
    assert (tmp_path / "p" / "summary.json").exists()


def test_workers_option_reaches_the_routing_search(tmp_path: Path) -> None:
    folder = save_scenario(tiny_scenario(), tmp_path / "sc")
    out = tmp_path / "p"
    args = ["plan", str(folder), "--out", str(out), "--solution-limit", "20", "--workers", "1"]
    assert runner.invoke(app, args).exit_code == EXIT_OK
    routing = json.loads((out / "summary.json").read_text())["routing"]
    assert routing["workers"] == 1 and routing["processes"] == 1
    bad = runner.invoke(app, [*args[:-1], "0"])
    assert bad.exit_code == EXIT_INPUT  # a usage error


def test_internal_error_is_one_line_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = save_scenario(tiny_scenario(), tmp_path / "sc")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("solver exploded")

    monkeypatch.setattr("agrichain.pipeline.plan_day", broken)
    result = runner.invoke(app, ["plan", str(folder), "--out", str(tmp_path / "p")])
    assert result.exit_code == EXIT_INTERNAL
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines == ["agrichain: error: internal error: RuntimeError: solver exploded"]
    assert not (tmp_path / "p").exists()


def test_unknown_engine_is_an_input_error(tmp_path: Path) -> None:
    folder = save_scenario(tiny_scenario(), tmp_path / "sc")
    result = runner.invoke(
        app, ["plan", str(folder), "--out", str(tmp_path / "p"), "--engine", "magic"]
    )
    assert result.exit_code == EXIT_INPUT
    assert "unknown routing engine" in result.output


def test_validate_lists_every_issue(tmp_path: Path) -> None:
    folder = save_scenario(tiny_scenario(), tmp_path / "sc")
    text = (folder / "farms.csv").read_text().replace("28.9,", "99,").replace("28.8,", "-99,")
    (folder / "farms.csv").write_text(text)
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == EXIT_INPUT
    assert result.output.count("farms.csv, row") == 2


def test_generate_is_reproducible(tmp_path: Path) -> None:
    args = ["--farms", "20", "--orders", "200", "--logistics-points", "2", "--seed", "5"]
    assert runner.invoke(app, ["generate", str(tmp_path / "a"), *args]).exit_code == EXIT_OK
    assert runner.invoke(app, ["generate", str(tmp_path / "b"), *args]).exit_code == EXIT_OK
    cmp = filecmp.dircmp(tmp_path / "a", tmp_path / "b")
    assert not cmp.diff_files and not cmp.left_only and not cmp.right_only
    scenario = load_scenario(tmp_path / "a")
    assert len(scenario.farms) == 20


def test_exit_codes_are_distinct() -> None:
    codes = {cli.EXIT_OK, cli.EXIT_INTERNAL, cli.EXIT_INPUT, cli.EXIT_PARTIAL}
    assert len(codes) == 4


def test_the_allocation_choices_are_the_library_methods() -> None:
    from agrichain.cli.commands import AllocationMethod
    from agrichain.pipeline import ALLOCATION_METHODS

    assert {m.value for m in AllocationMethod} == set(ALLOCATION_METHODS)
