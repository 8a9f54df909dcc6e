"""Output folders replaced as a whole: only when absent, empty, or holding nothing but the
kind of output that replaces them (a plan, route sheets, a scenario, coverage, siting); and
the writing itself, which leaves nothing half-written."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path

from agrichain.io.atomic import STAGING_MARK, TRASH_MARK, replace_folder


def refusal_to_replace(
    folder: Path, marker: str, what: str, belongs: Callable[[Path], bool], kind: str = ""
) -> str | None:
    """Why ``folder`` may not be replaced by ``what``; None when it may.

    It may when it does not exist, is empty, or holds the file ``marker`` and only
    entries for which ``belongs`` is true (each else "no ``what``"); never a file or a
    mount point. ``kind`` names the folder (default: a folder of ``what``).
    """
    if not os.path.lexists(folder):
        return None
    if not folder.is_dir():
        return "it is a file, not a folder"
    if os.path.ismount(folder):
        return "it is a mount point"
    entries = sorted(folder.iterdir())
    if not entries:
        return None
    if not (folder / marker).is_file():
        return f"the folder is not empty and holds no {marker}, so it is no {kind or what} folder"
    strays = [entry.name for entry in entries if not belongs(entry)]
    if strays:
        return f"the folder holds {strays[0]!r}, which is no {what}"
    return None


def checked_output_folder(
    out_dir: str | os.PathLike[str],
    what: str,
    refusal: Callable[[Path], str | None],
    error: Callable[[str], Exception],
    own_folder: str,
) -> Path:
    """``out_dir`` as an absolute path if ``what`` may replace it; else ``error`` of
    "cannot write the ``what`` to …: why". Refused: the file system's root (``own_folder``
    says why), whatever ``refusal`` finds (see :func:`refusal_to_replace`), and a path
    below a file."""
    folder = Path(out_dir).resolve()
    reason = own_folder if folder.parent == folder else refusal(folder)
    blocker = next((p for p in folder.parents if p.exists() and not p.is_dir()), None)
    if reason is None and blocker is not None:
        reason = f"{blocker} is a file, not a folder"
    if reason is not None:
        raise error(f"cannot write the {what} to {folder}: {reason}")
    return folder


def remove_leftovers(folder: Path) -> None:
    """Remove the temporary siblings a killed writer of ``folder`` left behind."""
    for mark in (STAGING_MARK, TRASH_MARK):
        for entry in folder.parent.glob(f".{folder.name}.{mark}*"):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)


def replace_output_folder(
    folder: Path, files: Mapping[str, bytes], what: str, error: Callable[[str], Exception]
) -> list[Path]:
    """Replace ``folder`` (checked by :func:`checked_output_folder`) by ``files`` as one:
    a reader sees the old output or the new. A failing write is ``error``."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(folder)
    try:
        return replace_folder(folder, files)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise error(f"cannot write the {what} to {folder}: {reason}") from None


__all__ = [
    "checked_output_folder",
    "refusal_to_replace",
    "remove_leftovers",
    "replace_output_folder",
]
