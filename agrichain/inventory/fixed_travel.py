"""Travel computed once between a scenario's places, as plain arrays that go to the
inventory worker process whatever model computed them."""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt

from agrichain.geo import FloatArray, TravelMatrix, TravelModel
from agrichain.model import Scenario


@dataclasses.dataclass(frozen=True, eq=False)
class FixedTravel:
    """Travel between a fixed set of places, computed once: plain arrays, so it goes to the
    worker process whatever model computed it (a class of the caller's own script too)."""

    lat: FloatArray
    lon: FloatArray
    distance_km: FloatArray
    duration_min: FloatArray

    @classmethod
    def of(cls, travel: TravelModel, lat: npt.ArrayLike, lon: npt.ArrayLike) -> FixedTravel:
        """``travel``'s matrices between the given places."""
        la, lo = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
        m = travel.matrix(la, lo)
        km = np.array(m.distance_km, dtype=float)
        minutes = np.array(m.duration_min, dtype=float)
        if km.shape != (len(la), len(la)) or minutes.shape != km.shape:
            raise ValueError(f"the travel model gave a {km.shape} matrix for {len(la)} places")
        return cls(la, lo, km, minutes)

    def matrix(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> TravelMatrix:
        """The matrices between given places, each one of the fixed places."""
        la, lo = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
        if np.array_equal(la, self.lat) and np.array_equal(lo, self.lon):
            return TravelMatrix(self.distance_km, self.duration_min)  # the places, in order
        places = zip(self.lat.tolist(), self.lon.tolist(), strict=True)
        index = {(a, b): i for i, (a, b) in enumerate(places)}
        asked = list(zip(la.tolist(), lo.tolist(), strict=True))
        unknown = [place for place in asked if place not in index]
        if unknown:
            raise ValueError(f"no travel times computed for the place at {unknown[0]}")
        ix = np.asarray([index[place] for place in asked], dtype=np.int64)
        pick = np.ix_(ix, ix)
        return TravelMatrix(self.distance_km[pick], self.duration_min[pick])


def portable_travel(scenario: Scenario, travel: TravelModel | None) -> TravelModel | None:
    """``travel`` between the scenario's farms and logistics points as a
    :class:`FixedTravel` (None stays None: the worker uses ``scenario.toml``)."""
    if travel is None or isinstance(travel, FixedTravel):
        return travel
    farms, points = scenario.farms, scenario.logistics_points
    lat = [f.lat for f in farms] + [p.lat for p in points]
    lon = [f.lon for f in farms] + [p.lon for p in points]
    return FixedTravel.of(travel, lat, lon)


__all__ = ["FixedTravel", "portable_travel"]
