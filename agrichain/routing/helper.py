"""The helper processes that engines use for more cores: their one owner.

A pool of ``spawn`` workers (a :class:`~concurrent.futures.ProcessPoolExecutor`,
one process unless :func:`reserve` asks for more) is started on first use within
a solve and stopped when :func:`agrichain.routing.solve` returns, so no process
outlives the call. Start-up (about a second: Python, NumPy and OR-Tools imports)
counts against the time limit of the call that starts it. Jobs are module-level
functions whose arguments pickle (a
:class:`~agrichain.routing.problem.RoutingProblem` does; OR-Tools objects do
not). As with any ``spawn`` process, a script that solves at import time must do
so under ``if __name__ == "__main__":``.

The caller owns the helpers: they ignore SIGINT (a Ctrl-C reaches the whole process
group; the caller's KeyboardInterrupt decides), are killed by :func:`stop_helper`
when the call ends by an exception, and exit by themselves within a second if the
caller dies without stopping them.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import ParamSpec, TypeVar

from agrichain.spawning import hidden_main_script

_P = ParamSpec("_P")
_R = TypeVar("_R")

_POOL: ProcessPoolExecutor | None = None
_SIZE = 0

#: Seconds between a helper's checks that the process that started it still lives.
PARENT_CHECK_S = 0.5


def helper_available(num_workers: int) -> bool:
    """True when ``num_workers`` asks for a second process and the machine has two CPUs."""
    return num_workers >= 2 and (os.cpu_count() or 1) >= 2


def helper_count(num_workers: int) -> int:
    """Helper processes a search with ``num_workers`` workers may use on this machine."""
    return max(0, min(num_workers, os.cpu_count() or 1) - 1)


def reserve(processes: int) -> None:
    """Make sure the pool has at least ``processes`` helper processes (started now)."""
    global _POOL, _SIZE
    if _POOL is not None and processes <= _SIZE:
        return
    shutdown_helper()
    with hidden_main_script():
        _POOL = ProcessPoolExecutor(
            max_workers=max(1, processes),
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_helper,
            initargs=(os.getpid(),),
        )
        _SIZE = max(1, processes)
        for _ in range(_SIZE):
            _POOL.submit(_ready)


def submit(fn: Callable[_P, _R], /, *args: _P.args, **kwargs: _P.kwargs) -> Future[_R]:
    """Run ``fn(*args, **kwargs)`` in a helper process (one is started if none runs)."""
    if _POOL is None:
        reserve(1)
    assert _POOL is not None
    with hidden_main_script():
        return _POOL.submit(fn, *args, **kwargs)


def warm_up() -> None:
    """Start the helper process now, so that its start-up overlaps the caller's work."""
    submit(_ready)


def _ready() -> None:
    """A job that does nothing: the helper has started once it returns."""


def _start_helper(parent_pid: int) -> None:
    """Runs first in each helper: leave SIGINT to the caller and watch that it lives."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), daemon=True).start()


def _exit_with_parent(parent_pid: int) -> None:
    """End this helper once its parent is gone (it was killed without stopping us)."""
    while os.getppid() == parent_pid:
        time.sleep(PARENT_CHECK_S)
    os._exit(1)


def _kill(pool: ProcessPoolExecutor) -> None:
    """Kill ``pool``'s processes at once, mid-job or not, and wait until they are gone."""
    # The standard library lists a pool's processes publicly only from Python 3.14 on.
    processes = list((pool._processes or {}).values())
    for process in processes:
        process.kill()
    pool.shutdown(wait=True, cancel_futures=True)
    for process in processes:
        process.join()


def shutdown_helper(wait: bool = False) -> None:
    """Stop the helper process (it is restarted on demand).

    ``wait`` blocks until the process has exited (a running job ends at its own
    deadline; an interrupt meanwhile kills it); without it the process exits in
    the background.
    """
    global _POOL, _SIZE
    pool = _POOL
    if pool is None:
        return
    try:
        pool.shutdown(wait=wait, cancel_futures=True)
    except BaseException:
        _kill(pool)
        raise
    finally:
        _POOL = None
        _SIZE = 0


def stop_helper() -> None:
    """Kill the helper processes now, even mid-job: their answers are no longer wanted."""
    global _POOL, _SIZE
    pool = _POOL
    _POOL = None
    _SIZE = 0
    if pool is not None:
        _kill(pool)


atexit.register(shutdown_helper)

__all__ = [
    "PARENT_CHECK_S",
    "helper_available",
    "helper_count",
    "reserve",
    "shutdown_helper",
    "stop_helper",
    "submit",
    "warm_up",
]
