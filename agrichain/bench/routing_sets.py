"""The routing benchmark sets: where their files are, which files a run takes, their groups."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from agrichain.routing.sets.pdp_sets import PdpInstance
from agrichain.routing.sets.vrplib import BenchmarkInstance

#: Benchmark sets: name -> (sub-directory of the benchmarks directory, file pattern).
SETS: dict[str, tuple[str, str]] = {
    "solomon": ("solomon", "*.txt"),
    "x": ("cvrplib-x", "*.vrp"),
    "darp": ("darp/instances", "*.txt"),
    "pdptw": ("pdptw", "*.txt"),
}
#: The sets ``--set all`` runs (DARP and Li & Lim are left out to keep its runtime).
ALL_SETS = ("solomon", "x")
#: Set name of each pickup-and-delivery file kind
#: (:func:`agrichain.routing.sets.pdp_sets.pdp_kind`).
PDP_SET_OF_KIND = {"darp": "darp", "lilim": "pdptw"}
#: Environment variable that overrides the benchmarks directory.
BENCHMARKS_ENV = "AGRICHAIN_BENCHMARKS"


def benchmarks_dir() -> Path:
    """The shared benchmarks directory (``$AGRICHAIN_BENCHMARKS`` or ``../shared/benchmarks``)."""
    env = os.environ.get(BENCHMARKS_ENV)
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parents[2]
    for base in (repo.parent, Path.cwd().parent, Path.cwd()):
        cand = base / "shared" / "benchmarks"
        if cand.is_dir():
            return cand
    return repo.parent / "shared" / "benchmarks"


def _set_files(set_name: str, root: Path) -> list[Path]:
    """Every instance file of ``set_name`` (``all``: the :data:`ALL_SETS`), sorted per set."""
    names = list(ALL_SETS) if set_name == "all" else [set_name]
    paths: list[Path] = []
    for name in names:
        if name not in SETS:
            known = ", ".join([*SETS, "all"])
            raise ValueError(f"unknown benchmark set {name!r} ({known})")
        sub, pattern = SETS[name]
        found = sorted((root / sub).glob(pattern))
        if not found:
            raise FileNotFoundError(f"no {pattern} files in {root / sub}")
        paths.extend(found)
    return paths


def _named_file(item: str, root: Path) -> Path:
    """The file ``item`` names: a path, else an instance name in one of the sets."""
    path = Path(item)
    if path.is_file():
        return path
    matches = [
        cand
        for sub, pattern in SETS.values()
        for cand in (root / sub).glob(pattern)
        if cand.stem.lower() == item.lower()
    ]
    if not matches:
        raise FileNotFoundError(f"instance {item!r} is neither a file nor a name in {root}")
    return matches[0]


def resolve_instances(
    set_name: str, instances: Sequence[str] | None, root: Path | None = None
) -> list[Path]:
    """Instance files: explicit names/paths if given, else every file of ``set_name``.

    A name (``C101``, ``X-n101-k25``) is looked up in the benchmark sets;
    anything else must be the path of an instance file. An item may hold several
    comma-separated names.
    """
    root = benchmarks_dir() if root is None else root
    if not instances:
        return _set_files(set_name, root)
    items = [
        part.strip()
        for item in instances
        for part in ([item] if Path(item).is_file() else item.split(","))
        if part.strip()
    ]
    return [_named_file(item, root) for item in items]


def instance_group(inst: BenchmarkInstance) -> str:
    """Reporting group: Solomon class (C, R, RC), ``X`` for Uchoa X, else the file kind."""
    if inst.kind == "solomon":
        m = re.match(r"^(RC|R|C)\d", inst.name.upper())
        return m.group(1) if m else "solomon"
    if inst.name.upper().startswith("X-"):
        return "X"
    return inst.kind


def pdp_group(inst: PdpInstance) -> str:
    """Reporting group: DARP ``a``/``b`` set; Li & Lim class and series (``lc1`` ... ``lrc2``)."""
    if inst.kind == "darp":
        m = re.match(r"^([a-z]+)\d", inst.name.lower())
        return m.group(1) if m else "darp"
    m = re.match(r"^(lrc|lr|lc)(\d)", inst.name.lower())
    return m.group(1) + m.group(2) if m else "pdptw"


__all__ = [
    "ALL_SETS",
    "BENCHMARKS_ENV",
    "PDP_SET_OF_KIND",
    "SETS",
    "benchmarks_dir",
    "instance_group",
    "pdp_group",
    "resolve_instances",
]
