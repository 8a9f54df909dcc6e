"""The one time budget of a call (a :class:`Deadline` handed to every stage) and its
early end by a stop signal (:func:`stop_on_signals`)."""

from __future__ import annotations

import math
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType

#: Seconds an engine keeps back from its time limit for assembling and returning its result.
RETURN_MARGIN_S = 0.2


@dataclass(frozen=True)
class Deadline:
    """An instant on the monotonic clock (system-wide, so helper processes can share it)."""

    limit_s: float
    """The whole budget in seconds."""
    started: float = field(default_factory=time.monotonic)
    """``time.monotonic()`` when the budget began."""

    def __post_init__(self) -> None:
        if not math.isfinite(self.limit_s) or self.limit_s <= 0:
            raise ValueError(f"a time limit must be a finite number > 0, not {self.limit_s!r}")

    @property
    def at(self) -> float:
        """The ``time.monotonic()`` instant at which the budget ends."""
        return self.started + self.limit_s

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def remaining(self) -> float:
        """Seconds left (negative once expired)."""
        return self.at - time.monotonic()

    def expired(self) -> bool:
        return self.remaining() <= 0


#: The signals that stop a command: Ctrl-C and a polite ``kill``.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """A stop asked for by a signal, raised like Ctrl-C's KeyboardInterrupt, so that
    every ``finally`` runs (helper processes are stopped) and ``except Exception``
    does not swallow it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """The shell's code for a process ended by this signal: 130 (SIGINT), 143 (SIGTERM)."""
        return 128 + self.signum


class StopSignals:
    """The stop signals of one :func:`stop_on_signals` block."""

    def __init__(self) -> None:
        self.received: int | None = None
        """The first stop signal received, if any."""
        self._holding = False

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.received is not None:  # a second signal while stopping: stop at once
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        self.received = signum
        if not self._holding:
            raise Interrupted(signum)

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold a first stop signal back until the block ends (for a step that must
        finish once begun); :attr:`received` then tells whether one came. If one came
        before (and was dropped by a native search), raise it instead of beginning."""
        if self.received is not None:
            raise Interrupted(self.received)
        self._holding = True
        try:
            yield
        finally:
            self._holding = False


_active: list[StopSignals] = []


@contextmanager
def stop_on_signals() -> Iterator[StopSignals]:
    """While the block runs, SIGINT and SIGTERM raise :class:`Interrupted` in it.

    Also a SIGINT that the caller's shell set to be ignored (a background job)
    stops the block. A second signal ends the process at once. Outside the main
    thread, where Python cannot handle signals, nothing changes.
    """
    stop = StopSignals()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    before = {signum: signal.signal(signum, stop._handle) for signum in STOP_SIGNALS}
    _active.append(stop)
    try:
        yield stop
    finally:
        _active.remove(stop)
        for signum, handler in before.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)


def raise_if_stopped() -> None:
    """Raise :class:`Interrupted` if a stop signal came within the current
    :func:`stop_on_signals` block; do nothing otherwise.

    For the end of a native search: OR-Tools' C++ search holds the GIL, so the
    signal's handler runs only when it calls back into Python, and the exception
    raised there is dropped by the binding; the stop is then raised here.
    """
    if _active and _active[-1].received is not None:
        raise Interrupted(_active[-1].received)


__all__ = [
    "RETURN_MARGIN_S",
    "STOP_SIGNALS",
    "Deadline",
    "Interrupted",
    "StopSignals",
    "raise_if_stopped",
    "stop_on_signals",
]
