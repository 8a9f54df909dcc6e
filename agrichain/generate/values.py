"""Array types of the generator and how its numbers become record values."""

from __future__ import annotations

import datetime as dt

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def sig6(values: npt.ArrayLike) -> list[float]:
    """Round to 6 significant digits (what the scenario files keep)."""
    return [float(f"{float(v):.6g}") for v in np.ravel(np.asarray(values, dtype=np.float64))]


def clock_time(minutes: int) -> dt.time:
    """The time of day ``minutes`` after midnight."""
    return dt.time(int(minutes) // 60, int(minutes) % 60)


__all__ = ["BoolArray", "FloatArray", "IntArray", "clock_time", "sig6"]
