"""The plan folder is all-or-nothing: replaced as one, locked for one writer, checked first."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from builders import tiny_scenario
from typer.testing import CliRunner

from agrichain.cli import EXIT_INPUT, EXIT_OK, app
from agrichain.errors import AgrichainError
from agrichain.io import (
    PlanFolderError,
    atomic,
    claim_plan_folder,
    save_scenario,
    write_plan_folder,
)
from agrichain.io.plan_folder import lock_path

runner = CliRunner()

OLD = {"summary.json": b'{"status": "old"}\n', "routes.csv": b"old\n", "flows.csv": b"old\n"}
NEW = {"summary.json": b'{"status": "new"}\n', "routes.csv": b"new\n"}


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of ``folder`` (no subfolders expected) by name."""
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def siblings(folder: Path) -> list[str]:
    """What lies beside ``folder`` apart from it and its lock file."""
    return sorted(p.name for p in folder.parent.iterdir() if p not in (folder, lock_path(folder)))


def test_a_refused_plan_folder_is_an_agrichain_error_the_library_exports() -> None:
    assert issubclass(PlanFolderError, AgrichainError)


def test_a_second_plan_leaves_no_file_of_the_first(tmp_path: Path) -> None:
    scenario = save_scenario(tiny_scenario(), tmp_path / "sc")
    out = tmp_path / "plans" / "p"
    args = ["plan", str(scenario), "--out", str(out), "--solution-limit", "5", "--workers", "1"]
    assert runner.invoke(app, [*args, "--allocation", "inventory"]).exit_code == EXIT_OK
    assert {"flows.csv", "inventory.csv", "atp.csv", "spoilage.csv", "lost_sales.csv"} <= set(
        os.listdir(out)
    )
    assert runner.invoke(app, [*args, "--allocation", "nearest"]).exit_code == EXIT_OK
    assert sorted(os.listdir(out)) == [
        "orders.csv",
        "routes.csv",
        "routes.geojson",
        "summary.json",
        "tasks.csv",
        "unserved.csv",
    ]
    assert siblings(out) == []


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two-renames"])
def test_the_new_plan_replaces_the_old_as_a_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exchange: bool
) -> None:
    out = tmp_path / "p"
    write_plan_folder(out, OLD)
    if not exchange:  # as on a system or file system without renameat2's exchange
        monkeypatch.setattr(atomic, "exchange_paths", lambda first, second: False)
    written = write_plan_folder(out, NEW)
    assert sorted(written) == sorted(out.resolve() / name for name in NEW)
    assert snapshot(out) == NEW
    assert siblings(out) == []


def test_a_crash_before_the_swap_leaves_the_old_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "p"
    write_plan_folder(out, OLD)

    def crash(first: Path, second: Path) -> bool:
        raise OSError("killed before the swap")

    monkeypatch.setattr(atomic, "exchange_paths", crash)
    with pytest.raises(OSError, match="killed before the swap"):
        write_plan_folder(out, NEW)
    assert snapshot(out) == OLD
    assert siblings(out) == []


def test_a_crash_between_the_two_renames_puts_the_old_plan_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "p"
    write_plan_folder(out, OLD)
    monkeypatch.setattr(atomic, "exchange_paths", lambda first, second: False)
    rename = os.rename
    calls: list[str] = []

    def second_rename_fails(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        calls.append(str(src))
        if len(calls) == 2:  # the old plan is aside; the new one does not arrive
            raise OSError("killed between the renames")
        rename(src, dst)

    monkeypatch.setattr(os, "rename", second_rename_fails)
    with pytest.raises(OSError, match="between the renames"):
        write_plan_folder(out, NEW)
    monkeypatch.undo()
    assert len(calls) == 3  # aside, (failed) in, back
    assert snapshot(out) == OLD
    assert siblings(out) == []


def test_leftovers_of_a_killed_writer_are_removed_by_the_next(tmp_path: Path) -> None:
    out = tmp_path / "p"
    write_plan_folder(out, OLD)
    for name in (".p.agrichain-new-k1ll3d", ".p.agrichain-old-k1ll3d"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "routes.csv").write_bytes(b"half\n")
    (tmp_path / ".p.mine").write_text("not ours")
    write_plan_folder(out, NEW)
    assert snapshot(out) == NEW
    assert siblings(out) == [".p.mine"]


def test_an_empty_folder_and_an_older_writers_temporary_files_are_replaced(
    tmp_path: Path,
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    write_plan_folder(empty, NEW)
    assert snapshot(empty) == NEW
    old_style = tmp_path / "old"
    write_plan_folder(old_style, OLD)
    (old_style / ".routes.csv.x1y2z3.tmp").write_bytes(b"half")
    write_plan_folder(old_style, NEW)
    assert snapshot(old_style) == NEW


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ({"summary.json": b"{}", "notes.txt": b"mine"}, "'notes.txt', which is no plan output"),
        ({"scenario.toml": b"", "farms.csv": b"farm_id\n"}, "holds no summary.json"),
    ],
)
def test_a_folder_holding_other_data_is_never_replaced(
    tmp_path: Path, content: dict[str, bytes], why: str
) -> None:
    out = tmp_path / "p"
    out.mkdir()
    for name, data in content.items():
        (out / name).write_bytes(data)
    with pytest.raises(PlanFolderError, match=why):
        write_plan_folder(out, NEW)
    assert snapshot(out) == content
    assert siblings(out) == []


def test_a_plan_folder_with_a_subfolder_is_never_replaced(tmp_path: Path) -> None:
    out = tmp_path / "p"
    write_plan_folder(out, OLD)
    (out / "mine").mkdir()
    with pytest.raises(PlanFolderError, match="'mine', which is no plan output"):
        write_plan_folder(out, NEW)
    assert (out / "mine").is_dir() and (out / "routes.csv").read_bytes() == b"old\n"


def test_a_folder_behind_a_symbolic_link_is_replaced_and_the_link_kept(tmp_path: Path) -> None:
    real = tmp_path / "real"
    write_plan_folder(real, OLD)
    link = tmp_path / "link"
    link.symlink_to(real)
    write_plan_folder(link, NEW)
    assert link.is_symlink() and snapshot(real) == NEW


def test_a_second_writer_is_refused_while_the_first_holds_the_lock(tmp_path: Path) -> None:
    out = tmp_path / "p"
    write_plan_folder(out, OLD)
    with claim_plan_folder(out) as first:
        with pytest.raises(PlanFolderError, match=f"another plan is being written to {out}"):
            write_plan_folder(out, NEW)
        first.write(NEW)
    assert snapshot(out) == NEW
    write_plan_folder(out, OLD)  # released: the next writer gets the lock
    assert snapshot(out) == OLD


def test_the_lock_refuses_a_writer_in_another_process(tmp_path: Path) -> None:
    out = tmp_path / "p"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from agrichain.io.plan_folder import claim_plan_folder; "
            f"c = claim_plan_folder({str(out)!r}); print('held', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(PlanFolderError, match=rf"\(process {holder.pid}\)"):
            claim_plan_folder(out)
    finally:
        holder.communicate("")
    claim_plan_folder(out).release()


# ----- the command checks --out before it loads or solves anything ----------------------


@pytest.fixture
def no_solve(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make loading or solving a test failure: the command must stop before them."""

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the command loaded or solved despite a bad --out")

    monkeypatch.setattr("agrichain.io.load_scenario", never)
    monkeypatch.setattr("agrichain.pipeline.plan_day", never)


def refused(out: Path, scenario: Path) -> list[str]:
    """The output lines of a ``plan`` run that must be refused with exit 2."""
    result = runner.invoke(app, ["plan", str(scenario), "--out", str(out)])
    assert result.exit_code == EXIT_INPUT, result.output
    return [line for line in result.output.splitlines() if line.strip()]


@pytest.mark.usefixtures("no_solve")
def test_an_out_that_is_a_file_or_lies_in_one_is_refused_before_solving(tmp_path: Path) -> None:
    a_file = tmp_path / "plan.txt"
    a_file.write_text("not a folder")
    assert refused(a_file, tmp_path) == [
        f"agrichain: error: cannot write the plan to {a_file}: it is a file, not a folder"
    ]
    assert refused(a_file / "p", tmp_path) == [
        f"agrichain: error: cannot write the plan to {a_file / 'p'}: "
        f"{a_file} is a file, not a folder"
    ]
    assert a_file.read_text() == "not a folder"


@pytest.mark.usefixtures("no_solve")
def test_an_out_holding_other_data_is_refused_before_solving(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    (lines,) = refused(tmp_path, tmp_path)
    assert lines.startswith(f"agrichain: error: cannot write the plan to {tmp_path}: ")
    assert (tmp_path / "notes.txt").read_text() == "mine"


@pytest.mark.usefixtures("no_solve")
def test_an_out_locked_by_another_writer_is_refused_before_solving(tmp_path: Path) -> None:
    out = tmp_path / "p"
    with claim_plan_folder(out):
        (line,) = refused(out, tmp_path)
    assert line.startswith(f"agrichain: error: another plan is being written to {out} (process ")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
@pytest.mark.usefixtures("no_solve")
def test_an_out_in_a_read_only_folder_is_refused_before_solving(tmp_path: Path) -> None:
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        (line,) = refused(parent / "p", tmp_path)
    finally:
        parent.chmod(0o755)
    assert line.startswith(f"agrichain: error: cannot write the plan to {parent / 'p'}: ")
    assert "Permission denied" in line
