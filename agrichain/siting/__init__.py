"""Logistics-point coverage and where to open the next point.

* :func:`coverage`: per farm (and village) the nearest logistics point by travel time,
  those beyond a threshold, the kg each point gathers (:mod:`agrichain.siting.coverage`;
  files in :mod:`agrichain.siting.files`).
* :func:`locate_facilities`: a capacitated facility-location model (PuLP + HiGHS, in a
  process of its own) choosing candidate sites (:func:`read_candidates`) to open.

Re-planning the day with the chosen points is :mod:`agrichain.day.siting` (pipeline layer).
"""

from agrichain.siting.candidates import CANDIDATE_COLUMNS, Candidate, read_candidates
from agrichain.siting.coverage import Coverage, FarmReach, PointReach, VillageReach, coverage
from agrichain.siting.facility import (
    OBJECTIVES,
    FacilityResult,
    FarmAssignment,
    PlaceLoad,
    locate_facilities,
)
from agrichain.siting.files import coverage_files, write_coverage_folder

__all__ = [
    "CANDIDATE_COLUMNS",
    "OBJECTIVES",
    "Candidate",
    "Coverage",
    "FacilityResult",
    "FarmAssignment",
    "FarmReach",
    "PlaceLoad",
    "PointReach",
    "VillageReach",
    "coverage",
    "coverage_files",
    "locate_facilities",
    "read_candidates",
    "write_coverage_folder",
]
