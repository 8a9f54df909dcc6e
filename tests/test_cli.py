"""The command line: exit codes, quiet output off a terminal, generate."""

from __future__ import annotations

import filecmp
import json
import math
from pathlib import Path

import pytest
from builders import tiny_scenario
from typer.testing import CliRunner

from agrichain import cli
from agrichain.cli import EXIT_INPUT, EXIT_INTERNAL, EXIT_OK, EXIT_PARTIAL, app
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


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["plan", "sc", "--time-limit", "0"], "Invalid value for '--time-limit'"),
        (["plan", "sc", "--workers", "x"], "Invalid value for '--workers'"),
        (["plan"], "Missing argument"),
        (["plan", "sc", "--nope"], "No such option: --nope"),
        (["nope"], "No such command 'nope'"),
        (["bench", "routing", "--nope"], "No such option: --nope"),
    ],
)
def test_a_usage_error_is_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], args: list[str], says: str
) -> None:
    monkeypatch.setattr("sys.argv", ["agrichain", *args])
    with pytest.raises(SystemExit) as done:
        cli.main()
    assert done.value.code == EXIT_INPUT
    captured = capsys.readouterr()
    lines = [line for line in (captured.out + captured.err).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("agrichain: error: ") and says in lines[0]


def test_help_is_unchanged_by_the_one_line_errors(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.argv", ["agrichain", "plan", "--help"])
    with pytest.raises(SystemExit) as done:
        cli.main()
    assert done.value.code == EXIT_OK
    assert "--time-limit" in capsys.readouterr().out


@pytest.mark.parametrize("limit", ["0", "-1", "nan", "inf"])
def test_a_time_limit_that_is_no_positive_number_is_refused(tmp_path: Path, limit: str) -> None:
    folder = save_scenario(tiny_scenario(), tmp_path / "sc")
    result = runner.invoke(
        app, ["plan", str(folder), "-o", str(tmp_path / "p"), "--time-limit", limit]
    )
    assert result.exit_code == EXIT_INPUT
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("agrichain: error: "), lines
    assert not (tmp_path / "p").exists()


@pytest.mark.parametrize("limit", [0.0, -1.0, math.nan, math.inf])
def test_plan_day_refuses_a_time_limit_that_is_no_positive_number(limit: float) -> None:
    from agrichain.pipeline import plan_day

    with pytest.raises(ValueError, match="a time limit must be a finite number > 0"):
        plan_day(tiny_scenario(), time_limit_s=limit)


def test_validate_lists_errors_of_every_kind_at_once(tmp_path: Path) -> None:
    folder = save_scenario(tiny_scenario(), tmp_path / "sc")
    (folder / "orders.csv").write_text(
        (folder / "orders.csv").read_text().replace("O1,S1,peach,10", "O1,S9,peach,x")
    )
    (folder / "vehicles.csv").unlink()
    (folder / "vehicles.csv").mkdir()
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == EXIT_INPUT
    assert result.output.splitlines() == [
        "agrichain: error: vehicles.csv: is a folder, not a file",
        "agrichain: error: orders.csv, row 2, column quantity_boxes: Input should be a valid "
        "integer, unable to parse string as an integer (got 'x')",
    ]


def test_plan_prints_a_warning_line_for_a_doubtful_order(tmp_path: Path) -> None:
    folder = save_scenario(tiny_scenario(), tmp_path / "sc")
    orders = folder / "orders.csv"
    orders.write_text(orders.read_text().replace("O1,S1,peach,10,", "O1,S1,peach,1000,"))
    args = ["plan", str(folder), "--out", str(tmp_path / "p"), "--solution-limit", "5"]
    result = runner.invoke(app, args)
    assert result.exit_code == EXIT_PARTIAL
    assert result.output.startswith(
        "agrichain: warning: orders.csv, row 2, column quantity_boxes: 1000 boxes"
    )
