"""The app's worker processes: a fork server with the library preloaded, started early."""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
import threading

#: Modules the worker fork server imports once, so each plan starts at once.
WORKER_PRELOAD = [
    "agrichain.app.jobs",
    "agrichain.pipeline",
    "agrichain.day.replan",
    "agrichain.routing.engines.ortools_engine",
]

_CONTEXT: multiprocessing.context.BaseContext | None = None


def worker_context() -> multiprocessing.context.BaseContext:
    """Process context for plan workers: a fork server with the library preloaded.

    A separate process keeps the web server responsive: the routing solver holds
    Python's interpreter lock while it searches.
    """
    global _CONTEXT
    if _CONTEXT is None:
        if "forkserver" in multiprocessing.get_all_start_methods():
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(WORKER_PRELOAD)
            _CONTEXT = ctx
        else:  # pragma: no cover - platforms without fork
            _CONTEXT = multiprocessing.get_context("spawn")
    return _CONTEXT


def warm_up() -> None:
    """Start the worker fork server in the background, so the first Plan starts at once."""
    ctx = worker_context()
    if ctx.get_start_method() != "forkserver":  # pragma: no cover - platforms without fork
        return
    from multiprocessing import forkserver

    threading.Thread(
        target=forkserver.ensure_running, name="agrichain-warm-up", daemon=True
    ).start()


__all__ = ["WORKER_PRELOAD", "warm_up", "worker_context"]
