"""Travel distances and times between points, behind a small pluggable interface.

The default :class:`GreatCircleTravel` multiplies the haversine distance by a
circuity factor and divides by an average speed. A road-network source (an
OSRM/Valhalla table service or a local road graph) plugs in by implementing
:class:`TravelModel`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

EARTH_RADIUS_KM = 6371.0088

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class TravelMatrix:
    """Square matrices of road distance (km) and travel time (min) between points."""

    distance_km: FloatArray
    duration_min: FloatArray

    def __post_init__(self) -> None:
        if self.distance_km.shape != self.duration_min.shape:
            raise ValueError("distance and duration matrices differ in shape")


@runtime_checkable
class TravelModel(Protocol):
    """Anything that turns coordinates into a :class:`TravelMatrix`."""

    def matrix(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> TravelMatrix:
        """Distances and times between all pairs of the given points."""
        ...


def haversine_km(lat: npt.ArrayLike, lon: npt.ArrayLike) -> FloatArray:
    """All-pairs great-circle distance in km (vectorised)."""
    phi = np.radians(np.asarray(lat, dtype=np.float64))
    lam = np.radians(np.asarray(lon, dtype=np.float64))
    dphi = phi[:, None] - phi[None, :]
    dlam = lam[:, None] - lam[None, :]
    a = np.sin(dphi / 2) ** 2 + np.cos(phi)[:, None] * np.cos(phi)[None, :] * np.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


@dataclass(frozen=True)
class GreatCircleTravel:
    """Great-circle distance × circuity, at a constant average speed."""

    speed_kmh: float = 40.0
    circuity: float = 1.3

    def __post_init__(self) -> None:
        if self.speed_kmh <= 0 or self.circuity < 1:
            raise ValueError("speed_kmh must be > 0 and circuity >= 1")

    def matrix(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> TravelMatrix:
        dist = haversine_km(lat, lon) * self.circuity
        return TravelMatrix(distance_km=dist, duration_min=dist / self.speed_kmh * 60.0)
