"""Whether an output folder may be replaced as a whole: only when it is absent, empty, or
holds nothing but the kind of output that replaces it (a plan, route sheets, a scenario)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


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


__all__ = ["refusal_to_replace"]
