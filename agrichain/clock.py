"""The one time budget of a call: a :class:`Deadline` handed to every stage."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

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


__all__ = ["RETURN_MARGIN_S", "Deadline"]
