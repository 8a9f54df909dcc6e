"""Coverage: per farm the nearest logistics point by travel time, and whether it lies within
a threshold; the kg of supply each point and each village gathers.

A farm's **village** is its name up to and including the first "村" (``大坪村李家农场`` →
``大坪村``), else the farm itself (its name, or its id when it has none). A farm's kg are
its supply over the scenario's horizon (``horizon_days`` from the planning date).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields

import numpy as np
import pandas as pd

from agrichain.geo import FloatArray, TravelModel
from agrichain.io.travel import travel_model
from agrichain.model import Farm, LogisticsPoint, Scenario

#: The character that ends a village's name in a farm's name.
VILLAGE_MARK = "村"


def default_travel(scenario: Scenario) -> TravelModel:
    """The travel model ``[travel]`` of ``scenario.toml`` chooses without a scenario folder
    (great circle; a ``matrix`` or ``osm`` mode needs its folder: pass ``travel`` made by
    :func:`agrichain.io.travel.travel_model`)."""
    return travel_model(scenario, None)


def village_of(farm: Farm) -> str:
    """The farm's village: its name up to and including the first "村" after at least one
    other character, else the farm's name (or its id without a name)."""
    at = farm.name.find(VILLAGE_MARK, 1)
    if at > 0:
        return farm.name[: at + 1]
    return farm.name or farm.farm_id


def horizon_supply_kg(scenario: Scenario) -> dict[str, float]:
    """kg each farm may harvest over the horizon (every farm, 0 without supply)."""
    kg = dict.fromkeys(scenario.farm, 0.0)
    for s in scenario.supply:
        if 0 <= scenario.day_of(s.date) < scenario.settings.horizon_days:
            kg[s.farm_id] += s.kg
    return kg


def farm_point_matrix(
    farms: Sequence[Farm],
    points: Sequence[tuple[float, float]],
    travel: TravelModel,
) -> tuple[FloatArray, FloatArray]:
    """(minutes, km) from each farm (rows) to each place ``(lat, lon)`` (columns)."""
    lat = [f.lat for f in farms] + [p[0] for p in points]
    lon = [f.lon for f in farms] + [p[1] for p in points]
    m = travel.matrix(np.asarray(lat, dtype=float), np.asarray(lon, dtype=float))
    n = len(farms)
    minutes = np.asarray(m.duration_min, dtype=float)[:n, n:]
    km = np.asarray(m.distance_km, dtype=float)[:n, n:]
    return minutes, km


def nearest_columns(minutes: FloatArray, km: FloatArray) -> list[int]:
    """Per row the column of least minutes (ties: fewer km, then the first column)."""
    columns = np.arange(minutes.shape[1])
    return [int(np.lexsort((columns, km[i], minutes[i]))[0]) for i in range(len(minutes))]


@dataclass(frozen=True)
class FarmReach:
    """A farm, its nearest logistics point and whether it lies within the threshold."""

    farm_id: str
    name: str
    village: str
    lat: float
    lon: float
    logistics_point_id: str
    """The nearest logistics point by travel time."""
    minutes: float
    km: float
    covered: bool
    """True when ``minutes`` is at most the threshold."""
    supply_kg: float
    """kg the farm may harvest over the horizon."""


@dataclass(frozen=True)
class PointReach:
    """A logistics point and the farms for which it is the nearest."""

    logistics_point_id: str
    name: str
    lat: float
    lon: float
    farms: int
    farms_covered: int
    supply_kg: float
    kg_covered: float
    """kg of its farms within the threshold."""


@dataclass(frozen=True)
class VillageReach:
    """The farms of one village."""

    village: str
    farms: int
    farms_covered: int
    supply_kg: float
    kg_covered: float
    logistics_point_id: str
    """The nearest point of most of the village's kg (ties: of its first farm)."""
    max_minutes: float
    """Travel time of its farthest farm to that farm's nearest point."""


@dataclass(frozen=True)
class Coverage:
    """Which farms reach a logistics point within ``within_min`` minutes, and the kg."""

    within_min: float
    farms: tuple[FarmReach, ...]
    points: tuple[PointReach, ...]
    villages: tuple[VillageReach, ...]

    @property
    def supply_kg(self) -> float:
        return float(sum(f.supply_kg for f in self.farms))

    @property
    def kg_covered(self) -> float:
        return float(sum(f.supply_kg for f in self.farms if f.covered))

    def outside(self) -> tuple[FarmReach, ...]:
        """The farms beyond the threshold, farthest first."""
        return tuple(sorted((f for f in self.farms if not f.covered), key=lambda f: -f.minutes))

    def farms_frame(self) -> pd.DataFrame:
        """One row per farm (the columns of ``coverage.csv``)."""
        return frame(self.farms, FarmReach)

    def points_frame(self) -> pd.DataFrame:
        """One row per logistics point (``points.csv``)."""
        return frame(self.points, PointReach)

    def villages_frame(self) -> pd.DataFrame:
        """One row per village (``villages.csv``)."""
        return frame(self.villages, VillageReach)

    def summary(self) -> dict[str, float | int]:
        """Totals: farms and kg, within the threshold and beyond it."""
        covered = sum(1 for f in self.farms if f.covered)
        share = self.kg_covered / self.supply_kg if self.supply_kg > 0 else 1.0
        return {
            "within_min": self.within_min,
            "farms": len(self.farms),
            "farms_covered": covered,
            "farms_outside": len(self.farms) - covered,
            "villages": len(self.villages),
            "villages_outside": sum(1 for v in self.villages if v.farms_covered < v.farms),
            "supply_kg": round(self.supply_kg, 3),
            "kg_covered": round(self.kg_covered, 3),
            "kg_outside": round(self.supply_kg - self.kg_covered, 3),
            "share_covered": round(share, 4),
        }


def frame(rows: Sequence[object], kind: type) -> pd.DataFrame:
    """Dataclass rows as a table with the dataclass's fields as columns (also when empty)."""
    columns = [f.name for f in fields(kind)]
    return pd.DataFrame([asdict(r) for r in rows], columns=columns)  # type: ignore[call-overload]


def check_threshold(within_min: float) -> float:
    """``within_min`` if it is a positive number of minutes; else ValueError."""
    value = float(within_min)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"the threshold must be a positive number of minutes, not {within_min}")
    return value


def coverage(scenario: Scenario, within_min: float, travel: TravelModel | None = None) -> Coverage:
    """Per farm the nearest logistics point by travel time (``travel``; default
    :func:`default_travel`) and whether it is within ``within_min`` minutes; per point and
    per village the farms and kg of supply over the horizon they gather."""
    limit = check_threshold(within_min)
    points = scenario.logistics_points
    minutes, km = farm_point_matrix(
        scenario.farms, [(p.lat, p.lon) for p in points], travel or default_travel(scenario)
    )
    nearest = nearest_columns(minutes, km)
    kg = horizon_supply_kg(scenario)
    farms = tuple(
        FarmReach(
            farm_id=f.farm_id,
            name=f.name,
            village=village_of(f),
            lat=f.lat,
            lon=f.lon,
            logistics_point_id=points[j].logistics_point_id,
            minutes=round(float(minutes[i, j]), 2),
            km=round(float(km[i, j]), 3),
            covered=bool(minutes[i, j] <= limit),
            supply_kg=kg[f.farm_id],
        )
        for i, (f, j) in enumerate(zip(scenario.farms, nearest, strict=True))
    )
    return Coverage(limit, farms, point_reach(points, farms), village_reach(farms))


def point_reach(
    points: Sequence[LogisticsPoint], farms: Sequence[FarmReach]
) -> tuple[PointReach, ...]:
    """Per logistics point (in table order) the farms whose nearest it is, and their kg."""
    out = []
    for p in points:
        mine = [f for f in farms if f.logistics_point_id == p.logistics_point_id]
        out.append(
            PointReach(
                logistics_point_id=p.logistics_point_id,
                name=p.name,
                lat=p.lat,
                lon=p.lon,
                farms=len(mine),
                farms_covered=sum(1 for f in mine if f.covered),
                supply_kg=float(sum(f.supply_kg for f in mine)),
                kg_covered=float(sum(f.supply_kg for f in mine if f.covered)),
            )
        )
    return tuple(out)


def village_reach(farms: Sequence[FarmReach]) -> tuple[VillageReach, ...]:
    """Per village (in order of first appearance) its farms, kg and nearest point."""
    groups: dict[str, list[FarmReach]] = {}
    for f in farms:
        groups.setdefault(f.village, []).append(f)
    out = []
    for village, mine in groups.items():
        by_point: dict[str, float] = {}
        for f in mine:
            by_point[f.logistics_point_id] = by_point.get(f.logistics_point_id, 0.0) + f.supply_kg
        main = max(by_point, key=lambda p: by_point[p])  # the first of equals wins
        out.append(
            VillageReach(
                village=village,
                farms=len(mine),
                farms_covered=sum(1 for f in mine if f.covered),
                supply_kg=float(sum(f.supply_kg for f in mine)),
                kg_covered=float(sum(f.supply_kg for f in mine if f.covered)),
                logistics_point_id=main,
                max_minutes=max(f.minutes for f in mine),
            )
        )
    return tuple(out)


__all__ = [
    "VILLAGE_MARK",
    "Coverage",
    "FarmReach",
    "PointReach",
    "VillageReach",
    "check_threshold",
    "coverage",
    "default_travel",
    "farm_point_matrix",
    "frame",
    "horizon_supply_kg",
    "nearest_columns",
    "point_reach",
    "village_of",
]
