"""Every table file of a scenario folder is read or refused: CSV and Excel alike, the
names the rule refuses, links and folders, the sheets of a workbook."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from builders import tiny_scenario
from typer.testing import CliRunner

from agrichain.cli import EXIT_INPUT, app
from agrichain.errors import ScenarioError
from agrichain.io import check_scenario, load_scenario, save_scenario

runner = CliRunner()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return save_scenario(tiny_scenario(), tmp_path / "scenario")


def _as_excel(folder: Path, table: str, sheets: dict[str, str] | None = None) -> Path:
    """Replace ``<table>.csv`` by ``<table>.xlsx`` holding the same cells as text; other
    sheets (name → first cell) are added after it."""
    frame = pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)
    (folder / f"{table}.csv").unlink()
    target = folder / f"{table}.xlsx"
    with pd.ExcelWriter(target, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name=table, index=False)
        for name, cell in (sheets or {}).items():
            pd.DataFrame({cell: []}).to_excel(writer, sheet_name=name, index=False)
    return target


def _only_issue(folder: Path) -> tuple[str | None, int | None, str]:
    check = check_scenario(folder)
    assert check.scenario is None
    assert len(check.errors) == 1, check.errors
    issue = check.errors[0]
    return issue.file, issue.row, issue.message


def _cli_refuses(folder: Path, file: str, tmp_path: Path) -> None:
    """``validate`` and ``plan`` exit 2 with one error line naming ``file``."""
    for args in (["validate", str(folder)], ["plan", str(folder), "-o", str(tmp_path / "p")]):
        result = runner.invoke(app, args)
        assert result.exit_code == EXIT_INPUT, result.output
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith(f"agrichain: error: {file}"), lines
    assert not (tmp_path / "p").exists()


def test_orders_xlsx_is_read_like_orders_csv(folder: Path) -> None:
    _as_excel(folder, "orders")
    assert load_scenario(folder) == tiny_scenario()


def test_every_table_may_be_a_workbook(folder: Path) -> None:
    for table in ("farms", "products", "supply", "sessions", "orders", "vehicles"):
        _as_excel(folder, table)
    assert load_scenario(folder) == tiny_scenario()


def test_excel_cells_keep_their_types(folder: Path) -> None:
    """Numbers, date-times and times typed in Excel read as in CSV; numeric ids are text."""
    from agrichain.io import table_frame

    scenario = tiny_scenario()
    for table in ("farms", "orders"):
        frame = table_frame(scenario, table)
        (folder / f"{table}.csv").unlink()
        frame.to_excel(folder / f"{table}.xlsx", index=False)
    assert load_scenario(folder) == scenario
    orders = table_frame(scenario, "orders")
    orders["order_id"] = range(101, 101 + len(orders))
    (folder / "orders.xlsx").unlink()
    orders.to_excel(folder / "orders.xlsx", index=False)
    ids = [o.order_id for o in load_scenario(folder).orders]
    assert ids == [str(i) for i in range(101, 101 + len(orders))]


def test_excel_rows_are_named_by_sheet_row(folder: Path) -> None:
    frame = pd.read_csv(folder / "orders.csv", dtype=str, keep_default_na=False)
    frame.loc[2, "quantity_boxes"] = "-4"
    (folder / "orders.csv").unlink()
    frame.to_excel(folder / "orders.xlsx", index=False, sheet_name="Sheet1")
    assert _only_issue(folder)[:2] == ("orders.xlsx", 4)


def test_a_csv_and_a_workbook_of_one_table_are_refused(folder: Path, tmp_path: Path) -> None:
    frame = pd.read_csv(folder / "orders.csv", dtype=str)
    frame.to_excel(folder / "orders.xlsx", index=False)
    file, _, message = _only_issue(folder)
    assert file == "orders.xlsx" and "only one of orders.csv, orders.xlsx" in message
    _cli_refuses(folder, "orders.xlsx", tmp_path)


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("orders.txt", "ends in .csv, .xlsx, .xlsm"),
        ("orders.csv.bak", "ends in"),
        ("orders.xls", "ends in"),
        ("Orders.CSV", "lower case, as orders.csv"),
        ("orders.CSV", "lower case, as orders.csv"),
        ("order.csv", "did you mean orders?"),
        ("orders_old.xlsx", "not a scenario table"),
    ],
)
def test_a_file_that_looks_like_a_table_is_never_ignored(
    folder: Path, tmp_path: Path, name: str, says: str
) -> None:
    (folder / "orders.csv").rename(folder / name)
    file, row, message = _only_issue(folder)
    assert (file, row) == (name, None)
    assert says in message
    _cli_refuses(folder, name, tmp_path)


def test_other_entries_are_not_read(folder: Path) -> None:
    (folder / "README.md").write_text("# night of 15 June\n")
    (folder / "notes.txt").write_text("call the farm\n")
    (folder / ".orders.csv.swp").write_bytes(b"\x00")
    (folder / "~$orders.xlsx").write_bytes(b"lock")
    (folder / "plan").mkdir()
    (folder / "plan" / "routes.csv").write_text("vehicle_id\n")
    assert load_scenario(folder) == tiny_scenario()


def test_a_link_to_a_table_file_is_read(folder: Path) -> None:
    (folder / "orders.csv").rename(folder.parent / "night-orders.csv")
    os.symlink(folder.parent / "night-orders.csv", folder / "orders.csv")
    assert load_scenario(folder) == tiny_scenario()


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda p: os.symlink(p.parent / "nowhere.csv", p), "broken symbolic link"),
        (lambda p: os.symlink(p.name, p), "symbolic link loop"),
        (lambda p: p.mkdir(), "is a folder, not a file"),
    ],
)
def test_a_table_name_that_is_no_file_is_an_input_error(
    folder: Path, tmp_path: Path, make: object, says: str
) -> None:
    target = folder / "orders.csv"
    target.unlink()
    make(target)  # type: ignore[operator]
    assert _only_issue(folder) == ("orders.csv", None, says)
    _cli_refuses(folder, "orders.csv", tmp_path)


def test_settings_that_are_no_file_are_an_input_error(folder: Path, tmp_path: Path) -> None:
    (folder / "scenario.toml").unlink()
    (folder / "scenario.toml").mkdir()
    assert _only_issue(folder) == ("scenario.toml", None, "is a folder, not a file")
    _cli_refuses(folder, "scenario.toml", tmp_path)


def test_settings_in_another_case_are_named(folder: Path) -> None:
    (folder / "scenario.toml").rename(folder / "Scenario.toml")
    check = check_scenario(folder)
    found = {(i.file, i.message) for i in check.errors}
    assert found == {
        ("scenario.toml", "file not found"),
        ("Scenario.toml", "write the name in lower case, as scenario.toml"),
    }


def test_a_workbook_reads_the_sheet_named_like_its_table(folder: Path) -> None:
    _as_excel(folder, "orders", {"notes": "call the farm"})
    assert load_scenario(folder) == tiny_scenario()


def test_a_workbook_with_several_unnamed_sheets_is_refused(folder: Path) -> None:
    frame = pd.read_csv(folder / "orders.csv", dtype=str)
    (folder / "orders.csv").unlink()
    with pd.ExcelWriter(folder / "orders.xlsx", engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name="Monday", index=False)
        frame.to_excel(writer, sheet_name="Tuesday", index=False)
    file, _, message = _only_issue(folder)
    assert file == "orders.xlsx" and "name the sheet to read 'orders'" in message


def test_a_sheet_named_like_another_table_is_refused(folder: Path) -> None:
    _as_excel(folder, "orders", {"vehicles": "vehicle_id"})
    file, _, message = _only_issue(folder)
    assert file == "orders.xlsx" and "sheet 'vehicles' is not read" in message


def test_an_unreadable_workbook_is_an_input_error(folder: Path) -> None:
    (folder / "orders.csv").unlink()
    (folder / "orders.xlsx").write_bytes(b"not a workbook")
    file, _, message = _only_issue(folder)
    assert file == "orders.xlsx" and "cannot read the workbook" in message


def test_a_missing_folder_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="scenario folder not found"):
        load_scenario(tmp_path / "nowhere")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ScenarioError, match="not a folder"):
        load_scenario(tmp_path / "file")
