"""The sheets folder: replaced as a whole, never over other data; safe file names."""

from __future__ import annotations

from pathlib import Path

import pytest

from agrichain.handover import (
    INDEX_HTML,
    SheetsFolderError,
    sheet_files,
    sheet_stems,
    write_sheets,
    write_sheets_folder,
)
from agrichain.model import Scenario
from agrichain.plan import Plan


def test_writing_replaces_the_old_sheets_as_a_whole(
    tmp_path: Path, small: Scenario, small_plan: Plan
) -> None:
    out = tmp_path / "sheets"
    write_sheets_folder(out, {INDEX_HTML: b"old", "V99.html": b"old", "V99.csv": b"old"})
    written = write_sheets(small_plan, small, out)
    files = sheet_files(small_plan, small)
    assert sorted(p.name for p in out.iterdir()) == sorted(files)
    assert sorted(written) == sorted(out / name for name in files)
    assert all((out / name).read_bytes() == data for name, data in files.items())
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".sheets.")]


@pytest.mark.parametrize(
    ("entries", "why"),
    [
        ({"notes.txt": "mine"}, "holds no index.html"),
        ({INDEX_HTML: "x", "summary.json": "{}"}, "which is no route sheet"),
        ({INDEX_HTML: "x", "sub/": ""}, "which is no route sheet"),
    ],
)
def test_a_folder_holding_other_data_is_refused_and_kept(
    tmp_path: Path, small: Scenario, small_plan: Plan, entries: dict[str, str], why: str
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    for name, text in entries.items():
        if name.endswith("/"):
            (out / name).mkdir()
        else:
            (out / name).write_text(text)
    before = sorted(p.name for p in out.iterdir())
    with pytest.raises(SheetsFolderError, match=why):
        write_sheets(small_plan, small, out)
    assert sorted(p.name for p in out.iterdir()) == before


def test_a_file_in_the_way_is_refused(tmp_path: Path, small: Scenario, small_plan: Plan) -> None:
    (tmp_path / "f").write_text("x")
    for out in (tmp_path / "f", tmp_path / "f" / "sheets"):
        with pytest.raises(SheetsFolderError, match="is a file"):
            write_sheets(small_plan, small, out)
    assert (tmp_path / "f").read_text() == "x"


def test_file_names_are_safe_and_distinct() -> None:
    stems = sheet_stems(["V01", "a/b", "../x", "v01", "index", "车1", "A_B", "a_b"])
    assert stems["V01"] == "V01" and stems["车1"] == "车1"
    assert all("/" not in s and not s.startswith(".") for s in stems.values())
    assert len({s.lower() for s in stems.values()}) == len(stems)
    assert stems["index"] != "index"  # the front page keeps its name
