"""The shell around every command: exit codes, error lines, the progress bar."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from agrichain.errors import AgrichainError, ScenarioError

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_INPUT = 2
EXIT_PARTIAL = 3

T = TypeVar("T")


def err_console() -> Console:
    """The console for error lines and progress (standard error)."""
    return Console(stderr=True, highlight=False, soft_wrap=True)


def interactive() -> bool:
    """True when a person watches (standard error is a terminal)."""
    return sys.stderr.isatty()


def fail(message: str, code: int) -> typer.Exit:
    """Print one error line; the exit to raise with ``code``."""
    err_console().print(f"agrichain: error: {message}", markup=False)
    return typer.Exit(code)


def run_step(action: Callable[[], T]) -> T:
    """Run ``action``, turning exceptions into one error line and an exit code."""
    try:
        return action()
    except ScenarioError as exc:
        raise fail(str(exc), EXIT_INPUT) from None
    except (ValueError, FileNotFoundError) as exc:
        raise fail(str(exc), EXIT_INPUT) from None
    except AgrichainError as exc:
        raise fail(str(exc), EXIT_INTERNAL) from None
    except (typer.Exit, KeyboardInterrupt):
        raise
    except Exception as exc:
        raise fail(f"internal error: {type(exc).__name__}: {exc}", EXIT_INTERNAL) from None


@contextmanager
def progress_bar(time_limit_s: float) -> Iterator[Callable[[str, float], None]]:
    """A progress callback for the library: a live bar on a terminal, silent otherwise."""
    if not interactive():
        yield lambda stage, fraction: None
        return
    labels = {"allocate": "allocating supply", "route": "routing the fleet", "done": "done"}
    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err_console(),
        transient=True,
    )
    task = bar.add_task("loading", total=1.0)
    stage_now: list[str] = [""]
    since: list[float] = [time.monotonic()]
    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(0.2):
            if stage_now[0] == "route":
                elapsed = time.monotonic() - since[0]
                bar.update(task, completed=min(0.99, elapsed / max(time_limit_s, 1e-9)))

    def report(stage: str, fraction: float) -> None:
        stage_now[0] = stage
        since[0] = time.monotonic()
        bar.update(task, description=labels.get(stage, stage), completed=fraction)

    with bar:
        ticker = threading.Thread(target=tick, daemon=True)
        ticker.start()
        try:
            yield report
        finally:
            stop.set()
            ticker.join()


__all__ = [
    "EXIT_INPUT",
    "EXIT_INTERNAL",
    "EXIT_OK",
    "EXIT_PARTIAL",
    "err_console",
    "fail",
    "interactive",
    "progress_bar",
    "run_step",
]
