"""The one helper process that engines use for a second core.

A single ``spawn`` worker (a :class:`~concurrent.futures.ProcessPoolExecutor`
with one process) is started on first use within a solve and stopped when
:func:`agrichain.routing.solve` returns, so no process outlives the call; its
start-up (about a second: Python, NumPy and OR-Tools imports) counts against the
time limit of the call that starts it. Jobs are module-level functions whose
arguments pickle (a :class:`~agrichain.routing.problem.RoutingProblem` does;
OR-Tools objects do not). As with any ``spawn`` process, a script that solves at
import time must do so under ``if __name__ == "__main__":``.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import ParamSpec, TypeVar

from agrichain._spawn import hidden_main_script

_P = ParamSpec("_P")
_R = TypeVar("_R")

_POOL: ProcessPoolExecutor | None = None


def helper_available(num_workers: int) -> bool:
    """True when ``num_workers`` asks for a second process and the machine has two CPUs."""
    return num_workers >= 2 and (os.cpu_count() or 1) >= 2


def submit(fn: Callable[_P, _R], /, *args: _P.args, **kwargs: _P.kwargs) -> Future[_R]:
    """Run ``fn(*args, **kwargs)`` in the helper process (started if needed)."""
    global _POOL
    with hidden_main_script():
        if _POOL is None:
            _POOL = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn")
            )
        return _POOL.submit(fn, *args, **kwargs)


def warm_up() -> None:
    """Start the helper process now, so that its start-up overlaps the caller's work."""
    submit(_ready)


def _ready() -> None:
    """A job that does nothing: the helper has started once it returns."""


def shutdown_helper(wait: bool = False) -> None:
    """Stop the helper process (it is restarted on demand).

    ``wait`` blocks until the process has exited (a running job ends at its own
    deadline); without it the process exits in the background.
    """
    global _POOL
    if _POOL is not None:
        _POOL.shutdown(wait=wait, cancel_futures=True)
        _POOL = None


atexit.register(shutdown_helper)

__all__ = ["helper_available", "shutdown_helper", "submit", "warm_up"]
