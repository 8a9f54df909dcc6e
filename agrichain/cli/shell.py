"""The shell around every command: exit codes, error lines, the progress bar."""

from __future__ import annotations

import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from typer.core import TyperGroup

from agrichain.errors import AgrichainError, InputIssue, ScenarioError, ScenarioWarning

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


def tell(text: str) -> None:
    """One line for a person at a terminal; nothing when no one watches."""
    if interactive():
        Console(highlight=False).print(text, markup=False)


def fail(message: str, code: int) -> typer.Exit:
    """Print one error line; the exit to raise with ``code``."""
    err_console().print(f"agrichain: error: {message}", markup=False)
    return typer.Exit(code)


def print_issues(errors: Iterable[InputIssue], doubts: Iterable[InputIssue] = ()) -> None:
    """One line per input error and per warning, on standard error."""
    console = err_console()
    for issue in errors:
        console.print(f"agrichain: error: {issue}", markup=False)
    for issue in doubts:
        console.print(f"agrichain: warning: {issue}", markup=False)


def _print_warnings(caught: Sequence[warnings.WarningMessage]) -> None:
    """Scenario warnings as lines; any other warning as Python shows it."""
    print_issues((), [w.message.issue for w in caught if isinstance(w.message, ScenarioWarning)])
    for w in caught:
        if not isinstance(w.message, ScenarioWarning):
            warnings.showwarning(w.message, w.category, w.filename, w.lineno, w.file, w.line)


def run_step(action: Callable[[], T]) -> T:
    """Run ``action``, turning exceptions into one error line and an exit code, and
    scenario warnings into warning lines."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ScenarioWarning)
        try:
            return _run(action)
        finally:
            _print_warnings(caught)


def _run(action: Callable[[], T]) -> T:
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


class OneLineErrors(TyperGroup):
    """The command group whose usage errors (a bad option, a missing argument) are one
    line ``agrichain: error: …`` and exit 2, not a framed box; ``--help`` is unchanged."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except typer.Abort:
            _exit_with("aborted", EXIT_INTERNAL)
        except typer.TyperException as exc:  # click's errors: bad options, missing arguments
            if type(exc).__name__ == "NoArgsIsHelpError":  # the help is shown already
                sys.exit(EXIT_INPUT)
            _exit_with(exc.format_message(), getattr(exc, "exit_code", EXIT_INPUT))
        sys.exit(code if isinstance(code, int) else EXIT_OK)


def _exit_with(message: str, code: int) -> NoReturn:
    err_console().print(f"agrichain: error: {message}", markup=False)
    sys.exit(code)


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
    "OneLineErrors",
    "err_console",
    "fail",
    "interactive",
    "print_issues",
    "progress_bar",
    "run_step",
    "tell",
]
