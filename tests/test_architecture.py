"""The house rules, read from the code: layers, private names, module size.

See ``docs/architecture.md``. Ruff enforces the rest in CI (complexity, statements per
function, which package may import which solver or UI library).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "agrichain"

#: Layers from the ground up; a module may import its own layer and those below.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "ground",
        (
            "agrichain.errors",
            "agrichain.clock",
            "agrichain.geo",
            "agrichain.spawning",
            "agrichain.coordinates",
        ),
    ),
    ("model", ("agrichain.model", "agrichain.plan", "agrichain.allocation")),
    ("io", ("agrichain.io",)),
    ("solvers", ("agrichain.routing", "agrichain.inventory", "agrichain.siting")),
    (
        "pipeline",
        (
            "agrichain.pipeline",
            "agrichain.verify",
            "agrichain.generate",
            "agrichain.day",
            "agrichain.handover",
        ),
    ),
    ("faces", ("agrichain.cli", "agrichain.app", "agrichain.bench", "agrichain")),
)
#: Packages of one layer that must never import each other.
STRANGERS = (
    ("agrichain.routing", "agrichain.inventory"),
    ("agrichain.siting", "agrichain.routing"),
    ("agrichain.siting", "agrichain.inventory"),
)
#: Imports between faces that are allowed (the CLI runs the benchmarks).
FACE_IMPORTS = {("agrichain.cli", "agrichain.bench")}

#: Lines a module may have; every exception names its reason.
MAX_MODULE_LINES = 400
LONG_MODULES: dict[str, str] = {}


@dataclass(frozen=True)
class Import:
    file: str
    line: int
    module: str
    names: tuple[str, ...]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files() -> list[Path]:
    files = [*sorted(PACKAGE.rglob("*.py")), REPO / "app.py"]
    return files + sorted((REPO / "tests").rglob("*.py"))


def imports_of(path: Path) -> list[Import]:
    """Every import in the file, at the top, in functions and under TYPE_CHECKING."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Import(str(path), node.lineno, a.name, ()) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = tuple(a.name for a in node.names)
            found.append(Import(str(path), node.lineno, base, names))
    return found


def layer_of(module: str) -> tuple[int, str]:
    """(rank, owning package) of an agrichain module; the longest matching prefix wins."""
    best: tuple[int, str] | None = None
    for rank, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and (
                best is None or len(prefix) > len(best[1])
            ):
                best = (rank, prefix)
    assert best is not None, f"{module} is on no layer: add it to LAYERS"
    return best


def package_modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_module_is_on_a_layer() -> None:
    for path in package_modules():
        layer_of(module_name(path))


def test_imports_run_down_the_layers_only() -> None:
    wrong = []
    for path in package_modules():
        here = module_name(path)
        rank, owner = layer_of(here)
        for imp in imports_of(path):
            targets = [imp.module] + [f"{imp.module}.{n}" for n in imp.names]
            target = next((t for t in reversed(targets) if t.startswith("agrichain")), None)
            if target is None or target == here:
                continue
            their_rank, their_owner = layer_of(target)
            if their_owner == owner:
                continue
            if their_rank > rank:
                wrong.append(f"{here} (layer {LAYERS[rank][0]}) imports {target}")
            elif their_rank == rank and rank == len(LAYERS) - 1:
                if (owner, their_owner) not in FACE_IMPORTS and owner != "agrichain":
                    wrong.append(f"face {here} imports face {target}")
            elif their_rank == rank and {owner, their_owner} in [set(s) for s in STRANGERS]:
                wrong.append(f"{here} imports {target}: they must not know each other")
    assert wrong == []


def test_no_private_name_is_imported_from_another_file() -> None:
    wrong = []
    for path in source_files():
        for imp in imports_of(path):
            if not imp.module.startswith(("agrichain", "app")) and not (
                path.is_relative_to(REPO / "tests")
                and (REPO / "tests" / f"{imp.module.replace('.', '/')}.py").exists()
            ):
                continue
            private = [p for p in imp.module.split(".") if p.startswith("_") and p[:2] != "__"]
            private += [n for n in imp.names if n.startswith("_") and not n.startswith("__")]
            if private:
                where = path.relative_to(REPO)
                wrong.append(f"{where}:{imp.line} imports {', '.join(private)} from {imp.module}")
    assert wrong == []


@pytest.mark.parametrize(
    "path", [*package_modules(), REPO / "app.py"], ids=lambda p: str(p.relative_to(REPO))
)
def test_modules_stay_small(path: Path) -> None:
    name = str(path.relative_to(REPO))
    lines = len(path.read_text(encoding="utf-8").splitlines())
    if name in LONG_MODULES:
        assert lines > MAX_MODULE_LINES, f"{name} is short now: take it off LONG_MODULES"
        return
    assert lines <= MAX_MODULE_LINES, f"{name} has {lines} lines; split it by job"


def test_the_long_module_list_names_only_modules_that_exist() -> None:
    assert all((REPO / name).is_file() for name in LONG_MODULES)
