"""The plan folder: checked and locked before the solve, then replaced as a whole.

A writer first claims the folder (:func:`claim_plan_folder`): it must be creatable
and writable, and if it exists it must be empty or look like a plan folder (a
``summary.json`` and nothing but ``.csv``, ``.geojson`` and ``.json`` files, and a
``sheets`` folder of ``.html`` and ``.csv`` files), so that
no other data is ever deleted. The claim holds an advisory lock, ``.<name>.lock``
beside the folder, until it is released; a second writer is refused at once.
:meth:`PlanFolder.write` then replaces the folder with
:func:`~agrichain.io.atomic.replace_folder`: a reader sees the old plan or the new
one, never a mix, and no file of the old plan survives. Temporary siblings left by a
killed writer are removed by the next one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

from agrichain.errors import AgrichainError
from agrichain.io.atomic import replace_folder
from agrichain.io.output_folders import refusal_to_replace, remove_leftovers
from agrichain.io.plan_files import SUMMARY_JSON, plan_files
from agrichain.plan import Plan

#: Endings of the files a plan folder holds (tables, the GeoJSON routes, the summary).
PLAN_SUFFIXES = frozenset({".csv", ".geojson", ".json"})
#: Sub-folders a plan folder may hold, with the endings of their files (route sheets).
PLAN_SUBFOLDERS: dict[str, frozenset[str]] = {"sheets": frozenset({".html", ".csv"})}


class PlanFolderError(AgrichainError, ValueError):
    """The folder cannot take a plan: a file is in the way, it is not writable, it
    holds data that is no plan, or another writer holds its lock."""


def lock_path(folder: Path) -> Path:
    """The lock file of a plan folder: ``.<name>.lock`` beside it."""
    return folder.parent / f".{folder.name}.lock"


def _is_plan_file(entry: Path, suffixes: frozenset[str] = PLAN_SUFFIXES) -> bool:
    """A plan output, or a temporary file an older writer left (``.<name>.<random>.tmp``)."""
    if entry.is_symlink() or not entry.is_file():
        return False
    leftover = entry.name.startswith(".") and entry.suffix == ".tmp"
    return leftover or entry.suffix in suffixes


def _is_plan_entry(entry: Path) -> bool:
    """A plan output file, or a known sub-folder holding only its kind of files."""
    suffixes = PLAN_SUBFOLDERS.get(entry.name)
    if suffixes is not None and entry.is_dir() and not entry.is_symlink():
        return all(_is_plan_file(inner, suffixes) for inner in entry.iterdir())
    return _is_plan_file(entry)


def not_a_plan_folder(folder: Path) -> str | None:
    """Why ``folder`` may not be replaced by a plan; None when it may (or does not exist)."""
    return refusal_to_replace(folder, SUMMARY_JSON, "plan output", _is_plan_entry, "plan")


def _refusal(folder: Path, reason: str) -> PlanFolderError:
    return PlanFolderError(f"cannot write the plan to {folder}: {reason}")


def _lock_holder(fd: int) -> str:
    """`` (process N)`` for the writer holding the lock, as far as its file tells."""
    with contextlib.suppress(OSError, ValueError):
        pid = int(os.pread(fd, 32, 0).decode("ascii").strip())
        return f" (process {pid})"
    return ""


def _take_lock(folder: Path) -> int:
    """Open and lock ``folder``'s lock file without waiting; its descriptor."""
    path = lock_path(folder)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise _refusal(folder, f"cannot write in {folder.parent}: {exc.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _lock_holder(fd)
        os.close(fd)
        raise PlanFolderError(
            f"another plan is being written to {folder}{holder}; "
            "wait until it is done or write elsewhere"
        ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
    return fd


class PlanFolder:
    """An output folder claimed by this writer; :meth:`write` replaces what it holds."""

    def __init__(self, path: Path, lock_fd: int) -> None:
        self.path = path
        """The folder, as an absolute path without symbolic links."""
        self._lock_fd: int | None = lock_fd

    def write(self, files: Mapping[str, bytes]) -> list[Path]:
        """Replace the folder's content by ``files`` (name → bytes) as one; their paths."""
        if self._lock_fd is None:
            raise PlanFolderError(f"the claim on {self.path} was released; claim it again")
        reason = not_a_plan_folder(self.path)  # it may have changed since the claim
        if reason is not None:
            raise _refusal(self.path, reason)
        remove_leftovers(self.path)
        return replace_folder(self.path, files)

    def release(self) -> None:
        """Give up the claim (the lock file stays, unlocked, for the next writer)."""
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing the descriptor drops the lock
            self._lock_fd = None

    def __enter__(self) -> PlanFolder:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def claim_plan_folder(out_dir: str | os.PathLike[str]) -> PlanFolder:
    """Check that ``out_dir`` can take a plan and lock it for this writer.

    Creates the parent folder if needed; :class:`PlanFolderError` (one line) when a
    file is in the way, the parent is not writable, ``out_dir`` holds data that is
    no plan, or another writer holds the lock. Release the claim (or use it as a
    context manager) when done.
    """
    folder = Path(out_dir).resolve()
    if folder.parent == folder:
        raise _refusal(folder, "a plan needs a folder of its own")
    reason = not_a_plan_folder(folder)
    if reason is not None:
        raise _refusal(folder, reason)
    blocker = next((p for p in folder.parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise _refusal(folder, f"{blocker} is a file, not a folder")
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _refusal(folder, f"cannot create {folder.parent}: {exc.strerror}") from None
    return PlanFolder(folder, _take_lock(folder))


def write_plan_folder(out_dir: str | os.PathLike[str], files: Mapping[str, bytes]) -> list[Path]:
    """Claim ``out_dir``, replace its content by ``files`` as one, and release it."""
    with claim_plan_folder(out_dir) as folder:
        return folder.write(files)


def write_plan(plan: Plan, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Replace ``out_dir`` by a folder of every output file of ``plan``, as one.

    A reader sees the old plan or the new one, never a mix, and no old file stays.
    :class:`PlanFolderError` if ``out_dir`` holds data that
    is no plan, cannot be written, or another writer holds it.
    """
    return write_plan_folder(out_dir, plan_files(plan))


__all__ = [
    "PLAN_SUBFOLDERS",
    "PLAN_SUFFIXES",
    "PlanFolder",
    "PlanFolderError",
    "claim_plan_folder",
    "lock_path",
    "not_a_plan_folder",
    "write_plan",
    "write_plan_folder",
]
