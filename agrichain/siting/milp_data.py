"""What the facility-location MILP is given and what it answers: plain arrays that travel
between the caller and the solver process (see :mod:`agrichain.siting.facility_milp`)."""

from __future__ import annotations

from dataclasses import dataclass

from agrichain.geo import FloatArray


@dataclass(frozen=True)
class FacilityData:
    """The instance. Farms are rows, places (existing points first, then candidates) columns."""

    farm_ids: tuple[str, ...]
    place_ids: tuple[str, ...]
    existing: int
    """How many of the places are existing points (always open)."""
    kg_day: FloatArray
    """kg per farm (rows) and day of the horizon (columns)."""
    km: FloatArray
    minutes: FloatArray
    capacity_kg: FloatArray
    """kg per day each place holds (ambient + cold)."""
    open_cost: FloatArray
    """Cost of opening each candidate (the places after the existing ones)."""
    cost_per_kg_km: float
    unassigned_cost_per_kg: float
    open_k: int
    objective: str
    """``cost``: least transport + opening + unassigned cost; ``coverage``: most kg within
    ``within_min``, then least cost."""
    within_min: float | None
    time_limit_s: float
    threads: int
    mip_gap: float

    @property
    def kg(self) -> FloatArray:
        """kg per farm over the horizon."""
        return self.kg_day.sum(axis=1)


@dataclass(frozen=True)
class MilpAnswer:
    """The solver's answer: the share of each farm's kg per place, the candidates opened."""

    status: str
    """``optimal``, ``feasible`` (a limit stopped it with a solution) or ``no_solution``."""
    solver_status: str
    share: FloatArray
    """Farms × places, each row summing to at most 1 (the rest is unassigned)."""
    opened: tuple[bool, ...]
    objective: float | None
    gap: float | None
    solve_s: float
    kg_covered_best: float | None = None
    """With the coverage objective: the most kg within the threshold (phase 1)."""


__all__ = ["FacilityData", "MilpAnswer"]
