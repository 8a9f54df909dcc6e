"""Run the solver side of the planner (PuLP, highspy) in a child process.

Why a child process: ``import pulp`` (3.3.2) imports highspy, whose
``libhighs.so.1`` has the same SONAME as the older ``libhighs.so.1`` bundled
inside ortools 9.15. A process can map only one of them, so whichever comes
second breaks: ortools' routing fails to import (undefined symbol), or PuLP's
HiGHS silently reports itself unavailable. The planner therefore never imports
PuLP or highspy in the caller's process; it sends the scenario to a worker
process and gets plain, picklable results back.

One worker is started on first use and reused (start-up ≈ 1 s); it exits when
the calling process closes the pipe. ``fresh=True`` runs a job in a one-off
process (the benchmark does, to measure each run's peak memory on its own).

The worker and what it starts (CBC) form a process group of their own: a Ctrl-C
at the terminal reaches the caller only, and when a call ends by an interrupt
(or any other exception) while the worker is busy, the caller kills that group
at once rather than waiting for the solver's time limit.

A job is a module-level function, passed as itself: it travels to the child by
reference (module and name), so its module must not import PuLP or highspy at
the top either.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from agrichain.errors import AgrichainError, SolverError

#: Seconds to wait for a worker to start and answer a trivial job.
START_TIMEOUT_S = 120.0


def loaded_modules() -> list[str]:
    """Names of the modules loaded in this process (used by tests)."""
    return sorted(sys.modules)


class _Worker:
    """A child Python process serving jobs over two pipes."""

    def __init__(self) -> None:
        to_child_r, to_child_w = os.pipe()
        to_parent_r, to_parent_w = os.pipe()
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "agrichain.inventory.worker",
                str(to_child_r),
                str(to_parent_w),
            ],
            pass_fds=(to_child_r, to_parent_w),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
            env=env,
            process_group=0,
        )
        os.close(to_child_r)
        os.close(to_parent_w)
        self.send = Connection(to_child_w, readable=False)
        self.recv = Connection(to_parent_r, writable=False)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stderr_tail(self, n: int = 2000) -> str:
        """The end of the worker's standard error ("" once the worker is closed)."""
        if self._stderr.closed:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")[-n:]

    def call(self, job: Callable[..., Any], args: tuple[Any, ...], timeout_s: float | None) -> Any:
        """Run ``job(*args)`` in the worker; on any exception while it is busy, kill it."""
        try:
            message = pickle.dumps((job, args), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # nothing was sent: the worker is still in step
            raise TypeError(unsendable(exc)) from exc
        try:
            self.send.send_bytes(message)
        except (BrokenPipeError, OSError) as exc:
            raise SolverError(f"inventory worker is gone: {self.stderr_tail()}") from exc
        try:
            answered = self.recv.poll(timeout_s)
            kind, value, text = self.recv.recv() if answered else (None, None, "")
        except (EOFError, OSError) as exc:
            tail = self.stderr_tail()  # read before closing the worker closes the file
            self.close(kill=True)
            raise SolverError(f"inventory worker died: {tail}") from exc
        except BaseException:  # an interrupt: the job's answer is no longer wanted
            self.close(kill=True)
            raise
        if not answered:
            self.close(kill=True)
            raise SolverError(f"inventory worker gave no answer within {timeout_s:.0f} s")
        if kind == "ok":
            return value
        if kind == "unloadable":
            raise TypeError(text)
        if isinstance(value, AgrichainError | ValueError):
            raise value
        raise SolverError(f"inventory worker failed: {text}")

    def close(self, kill: bool = False) -> None:
        for conn in (self.send, self.recv):
            with contextlib.suppress(OSError):
                conn.close()
        if kill and self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)  # the worker and its CBC
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._stderr.close()


_lock = threading.Lock()
_shared: _Worker | None = None


def _close_shared() -> None:
    global _shared
    if _shared is not None:
        _shared.close()
        _shared = None


atexit.register(_close_shared)


def run_job(
    job: Callable[..., Any], *args: Any, timeout_s: float | None = None, fresh: bool = False
) -> Any:
    """Run ``job(*args)`` in a worker process and return its result.

    ``job`` must be a module-level function (it is sent by reference).

    Exceptions raised by the job come back as themselves when they are
    :class:`ScenarioError`/:class:`ValueError`/agrichain errors, otherwise as
    :class:`SolverError` with the child's traceback text.
    """
    global _shared
    if "<" in job.__qualname__ or job.__module__ == "__main__":
        raise ValueError(f"a worker job must be a module-level function, not {job.__qualname__}")
    if fresh:
        worker = _Worker()
        try:
            return worker.call(job, args, timeout_s)
        finally:
            worker.close()
    with _lock:
        if _shared is None or not _shared.alive():
            _shared = _Worker()
        try:
            return _shared.call(job, args, timeout_s)
        except BaseException:
            if _shared is not None and not _shared.alive():
                _shared = None
            raise


def unsendable(exc: BaseException) -> str:
    """Why a job's arguments cannot go to (or be read by) the worker process."""
    return (
        f"the inventory planner's arguments cannot be sent to its worker process ({exc}): "
        "objects passed to it (a travel model, options) must be defined at the top level "
        "of an importable module, not in a function or a script run as __main__; "
        "agrichain.inventory.fixed_travel.portable_travel(scenario, travel) turns any travel "
        "model into matrices that can be sent (InventoryAllocator does so itself)"
    )


def _serve(read_fd: int, write_fd: int) -> None:
    recv = Connection(read_fd, writable=False)
    send = Connection(write_fd, readable=False)
    while True:
        try:
            data = recv.recv_bytes()
        except EOFError:
            return
        try:
            job, args = pickle.loads(data)  # unpickling the job imports its module
        except Exception as exc:  # e.g. a class of the caller's __main__
            send.send(("unloadable", None, unsendable(exc)))
            continue
        try:
            send.send(("ok", job(*args), ""))
        except Exception as exc:  # sent back to the caller, never swallowed
            text = traceback.format_exc()
            try:
                pickle.dumps(exc)
                send.send(("error", exc, text))
            except Exception:
                send.send(("error", None, text))


if __name__ == "__main__":  # pragma: no cover - runs in the child
    _serve(int(sys.argv[1]), int(sys.argv[2]))
