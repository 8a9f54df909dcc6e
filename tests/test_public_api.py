"""The library's face: every public name resolves, and the command line starts light."""

from __future__ import annotations

import subprocess
import sys

import agrichain


def test_every_public_name_resolves() -> None:
    missing = [name for name in agrichain.__all__ if getattr(agrichain, name, None) is None]
    assert missing == []
    assert set(agrichain.__all__) <= set(dir(agrichain))


def test_unknown_names_raise_attribute_error() -> None:
    try:
        agrichain.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("an unknown name resolved")


def test_importing_the_command_line_loads_no_solver_or_dataframe_library() -> None:
    """The plan command starts its clock before the heavy imports."""
    code = (
        "import sys, agrichain.cli; "
        "print(sorted(m for m in ('pandas', 'numpy', 'ortools', 'pyvrp', 'numba') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
