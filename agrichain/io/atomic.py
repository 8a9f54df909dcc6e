"""Atomic output: a file, a set of files, or a whole folder, seen old or new, never half-written.

A file is written to a temporary file beside it and renamed over it. A folder is
built as a temporary sibling and swapped in (:func:`replace_folder`): on Linux in
one step (``renameat2`` with ``RENAME_EXCHANGE``); elsewhere, or on a file system
without it, by two renames (old folder aside, new folder in), between which the
path briefly does not exist — a reader then finds no folder, never a mix.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

#: Marks the temporary siblings of a folder being replaced: ``.<name>.agrichain-new-…``
#: holds the new content, ``.<name>.agrichain-old-…`` the old one on its way out.
STAGING_MARK = "agrichain-new-"
TRASH_MARK = "agrichain-old-"

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
#: errno values by which ``renameat2`` says that it (or the exchange flag) is unsupported.
_NO_EXCHANGE = {errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP}
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _stage(folder: Path, name: str) -> tuple[int, str]:
    """A temporary file next to the target, with the permissions a plain open() would give."""
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    os.fchmod(fd, 0o666 & ~_umask())
    return fd, tmp


def _fill(fd: int, data: bytes) -> None:
    """Write ``data`` to the open file ``fd`` and flush it to disk (closes ``fd``)."""
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def sync_folder(folder: str | os.PathLike[str]) -> None:
    """Flush a folder's entries (new names, renames) to disk, where the system allows it."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _stage(target.parent, target.name)
    try:
        _fill(fd, data)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return target


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """UTF-8 text version of :func:`atomic_write_bytes`."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_files(folder: str | os.PathLike[str], files: Mapping[str, bytes]) -> list[Path]:
    """Write several files into ``folder``: all are staged first, then each renamed in place.

    If staging fails nothing is renamed, so no partial set of new files appears.
    Files of ``folder`` not in ``files`` stay; :func:`replace_folder` replaces the whole folder.
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[str, Path]] = []
    try:
        for name, data in files.items():
            fd, tmp = _stage(out, Path(name).name)
            staged.append((tmp, out / name))
            _fill(fd, data)
    except BaseException:
        for tmp, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        raise
    for tmp, final in staged:
        os.replace(tmp, final)
    return [final for _, final in staged]


def exchange_paths(first: Path, second: Path) -> bool:
    """Swap two existing paths in one atomic step; False where the system cannot.

    Linux's ``renameat2(…, RENAME_EXCHANGE)`` (kernel 3.15, glibc 2.28; ext4, XFS,
    Btrfs, tmpfs and others). Any other failure is raised as :class:`OSError`.
    """
    if sys.platform != "linux":
        return False
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    renameat2.argtypes += [ctypes.c_uint]
    done = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    if done == 0:
        return True
    code = ctypes.get_errno()
    if code in _NO_EXCHANGE:
        return False
    raise OSError(code, os.strerror(code), str(first), None, str(second))


def _sibling(folder: Path, mark: str) -> Path:
    """A new empty hidden folder beside ``folder`` whose name carries ``mark``."""
    return Path(tempfile.mkdtemp(prefix=f".{folder.name}.{mark}", dir=folder.parent))


def _swap_in(staged: Path, folder: Path) -> Path | None:
    """Put ``staged`` at ``folder``; the path now holding the old folder (None if none)."""
    if not os.path.lexists(folder):
        os.rename(staged, folder)
        return None
    if exchange_paths(staged, folder):
        return staged
    trash = _sibling(folder, TRASH_MARK)
    os.rename(folder, trash)  # POSIX: a folder may be renamed over an empty one
    try:
        os.rename(staged, folder)
    except BaseException:
        os.rename(trash, folder)
        raise
    return trash


def relative_file(name: str) -> PurePosixPath:
    """``name`` as a path inside a folder: ``a.csv`` or ``sheets/a.html``; ValueError for an
    empty, absolute or escaping name (``..``, ``.``)."""
    path = PurePosixPath(name)
    if not path.parts or path.is_absolute() or any(p in {"..", "."} for p in path.parts):
        raise ValueError(f"not a file name inside a folder: {name!r}")
    return path


def replace_folder(folder: str | os.PathLike[str], files: Mapping[str, bytes]) -> list[Path]:
    """Make ``folder`` hold exactly ``files`` (name → bytes), replacing what it held as one.

    A name may hold ``/``: the file goes into that sub-folder (``sheets/V01.html``).
    The files are written and flushed in a temporary sibling folder, which is then
    swapped in (see the module notes); the old folder is removed afterwards. If
    anything fails before the swap, ``folder`` is untouched and the sibling removed.
    The caller makes sure nobody else writes ``folder`` meanwhile.
    """
    target = Path(folder)
    names = [relative_file(name) for name in files]
    staged = _sibling(target, STAGING_MARK)
    try:
        os.chmod(staged, 0o777 & ~_umask())  # as a plain mkdir would make it
        subfolders = sorted({staged.joinpath(*n.parent.parts) for n in names if n.parent.parts})
        for sub in subfolders:
            sub.mkdir(parents=True, exist_ok=True)
        for name, data in zip(names, files.values(), strict=True):
            _fill(os.open(staged.joinpath(*name.parts), _NEW_FILE, 0o666), data)
        for sub in subfolders:
            sync_folder(sub)
        sync_folder(staged)
        old = _swap_in(staged, target)
        sync_folder(target.parent)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return [target.joinpath(*name.parts) for name in names]


__all__ = [
    "STAGING_MARK",
    "TRASH_MARK",
    "atomic_write_bytes",
    "atomic_write_files",
    "atomic_write_text",
    "exchange_paths",
    "relative_file",
    "replace_folder",
    "sync_folder",
]
