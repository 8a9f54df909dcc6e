"""Where to open the next logistics points: a capacitated facility-location model over the
scenario's farms, its logistics points (always open) and candidate sites.

:func:`locate_facilities` builds the instance (kg per farm and day, travel between farms
and places), solves it with PuLP + HiGHS in a process of its own (PuLP's highspy and the
HiGHS inside OR-Tools cannot share one; see :mod:`agrichain.siting.facility_milp`) and
reads the answer back: the candidates to open, each farm's point, each place's load.
The model: ``docs/siting.md``.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from agrichain.errors import SolverError
from agrichain.geo import TravelModel
from agrichain.model import Scenario
from agrichain.siting.candidates import Candidate
from agrichain.siting.coverage import check_threshold, default_travel, farm_point_matrix, frame
from agrichain.siting.milp_data import FacilityData, MilpAnswer

Objective = Literal["cost", "coverage"]
OBJECTIVES: tuple[str, ...] = ("cost", "coverage")
#: Seconds the solver process may take beyond its time limit (start-up, building the model).
SOLVER_GRACE_S = 60.0
#: Shares below this are solver noise.
SHARE_EPS = 1e-6


@dataclass(frozen=True)
class FarmAssignment:
    """Where the model sends a farm's kg: the place of its largest share."""

    farm_id: str
    logistics_point_id: str
    """An existing point or an opened candidate; empty when no place takes the farm's kg."""
    share: float
    km: float
    minutes: float
    covered: bool
    """Within the threshold of that place (False without a threshold)."""
    supply_kg: float
    kg_unassigned: float
    """kg no place has room for (at the cost of a lost kg)."""


@dataclass(frozen=True)
class PlaceLoad:
    """An existing point or a candidate, with what the model sends it."""

    place_id: str
    kind: str
    """``existing`` or ``candidate``."""
    name: str
    lat: float
    lon: float
    open: bool
    capacity_kg: float
    """kg per day it holds."""
    open_cost: float
    farms: int
    """Farms whose largest share goes here."""
    kg: float
    """kg over the horizon."""
    peak_kg_day: float
    """The most kg of one day."""


@dataclass(frozen=True)
class FacilityResult:
    """The recommendation: candidates to open, each farm's place, each place's load."""

    objective: str
    open_k: int
    within_min: float | None
    status: str
    solver_status: str
    gap: float | None
    solve_s: float
    opened: tuple[Candidate, ...]
    """The candidates to open, in the order of the candidates file."""
    farms: tuple[FarmAssignment, ...]
    places: tuple[PlaceLoad, ...]
    transport_cost: float
    opening_cost: float
    kg_unassigned: float
    kg_covered: float | None
    """kg sent to a place within the threshold (None without a threshold)."""

    def farms_frame(self) -> pd.DataFrame:
        return frame(self.farms, FarmAssignment)

    def places_frame(self) -> pd.DataFrame:
        return frame(self.places, PlaceLoad)

    def summary(self) -> dict[str, object]:
        return {
            "objective": self.objective,
            "open_k": self.open_k,
            "within_min": self.within_min,
            "status": self.status,
            "solver_status": self.solver_status,
            "gap": self.gap,
            "solve_s": round(self.solve_s, 3),
            "opened": [c.candidate_id for c in self.opened],
            "transport_cost": round(self.transport_cost, 2),
            "opening_cost": round(self.opening_cost, 2),
            "cost_total": round(self.transport_cost + self.opening_cost, 2),
            "kg_unassigned": round(self.kg_unassigned, 3),
            "kg_covered": None if self.kg_covered is None else round(self.kg_covered, 3),
        }


def horizon_kg_by_day(scenario: Scenario) -> np.ndarray:
    """kg per farm (rows, in table order) and day of the horizon (columns)."""
    row = {f.farm_id: i for i, f in enumerate(scenario.farms)}
    days = scenario.settings.horizon_days
    kg = np.zeros((len(scenario.farms), days))
    for s in scenario.supply:
        d = scenario.day_of(s.date)
        if 0 <= d < days:
            kg[row[s.farm_id], d] += s.kg
    return kg


def facility_data(
    scenario: Scenario,
    candidates: Sequence[Candidate],
    open_k: int,
    objective: str,
    within_min: float | None,
    travel: TravelModel,
    limits: tuple[float, int, float],
) -> FacilityData:
    """The instance: existing points first, then the candidates; ``limits`` are the time
    limit (s), threads and relative MIP gap."""
    points = scenario.logistics_points
    places = [(p.lat, p.lon) for p in points] + [(c.lat, c.lon) for c in candidates]
    minutes, km = farm_point_matrix(scenario.farms, places, travel)
    cost = scenario.settings.inventory.transport_cost_per_kg_km
    lost = max((p.lost_sales_cost_per_kg for p in scenario.products), default=0.0)
    # a kg left without a place must cost more than sending it anywhere
    unassigned = max(lost, 2 * cost * float(km.max(initial=0.0)) + 1.0)
    capacity = [p.ambient_capacity_kg + p.cold_capacity_kg for p in points]
    return FacilityData(
        farm_ids=tuple(f.farm_id for f in scenario.farms),
        place_ids=tuple(p.logistics_point_id for p in points)
        + tuple(c.candidate_id for c in candidates),
        existing=len(points),
        kg_day=horizon_kg_by_day(scenario),
        km=km,
        minutes=minutes,
        capacity_kg=np.asarray(capacity + [c.capacity_kg for c in candidates], dtype=float),
        open_cost=np.asarray([c.open_cost for c in candidates], dtype=float),
        cost_per_kg_km=cost,
        unassigned_cost_per_kg=unassigned,
        open_k=open_k,
        objective=objective,
        within_min=within_min,
        time_limit_s=limits[0],
        threads=limits[1],
        mip_gap=limits[2],
    )


def solve_in_process(data: FacilityData) -> MilpAnswer:
    """Solve ``data`` in a solver process of its own (killed on any interruption)."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    proc = subprocess.Popen(
        [sys.executable, "-m", "agrichain.siting.facility_milp"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        process_group=0,
    )
    timeout_s = 1.5 * data.time_limit_s + SOLVER_GRACE_S
    try:
        out, err = proc.communicate(pickle.dumps(data), timeout=timeout_s)
    except subprocess.TimeoutExpired:
        stop(proc)
        message = f"the facility-location solver gave no answer in {timeout_s:.0f} s"
        raise SolverError(message) from None
    except BaseException:
        stop(proc)
        raise
    if proc.returncode != 0:
        tail = err.decode("utf-8", "replace").strip()[-2000:]
        raise SolverError(f"the facility-location solver failed: {tail}")
    answer = pickle.loads(out)
    if not isinstance(answer, MilpAnswer):
        raise SolverError("the facility-location solver answered something else")
    return answer


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Kill the solver process (and anything it started) and reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()


def check_request(open_k: int, objective: str, within_min: float | None) -> float | None:
    """The threshold checked (ValueError for a bad ``open_k``, objective or threshold)."""
    if isinstance(open_k, bool) or not isinstance(open_k, int | np.integer) or open_k < 0:
        raise ValueError(f"the number of points to open must be a whole number >= 0, not {open_k}")
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective '{objective}' (objectives: {', '.join(OBJECTIVES)})")
    if objective == "coverage" and within_min is None:
        raise ValueError("the coverage objective needs a threshold in minutes (within)")
    return None if within_min is None else check_threshold(within_min)


def locate_facilities(
    scenario: Scenario,
    candidates: Sequence[Candidate],
    open_k: int,
    *,
    objective: str = "cost",
    within_min: float | None = None,
    travel: TravelModel | None = None,
    time_limit_s: float | None = None,
    threads: int | None = None,
    mip_gap: float | None = None,
) -> FacilityResult:
    """Choose at most ``open_k`` candidates to open beside the existing logistics points.

    ``objective="cost"`` minimises transport (kg × km × ``transport_cost_per_kg_km``) plus
    opening cost; ``"coverage"`` maximises the kg sent to a place within ``within_min``
    minutes, then minimises that cost. Capacities (kg per day) hold on every day of the
    horizon. Time limit, threads and gap default to ``[inventory]`` of ``scenario.toml``.
    """
    within = check_request(open_k, objective, within_min)
    inv = scenario.settings.inventory
    limits = (
        float(time_limit_s if time_limit_s is not None else inv.time_limit_s),
        int(threads if threads is not None else inv.threads),
        float(mip_gap if mip_gap is not None else inv.mip_gap),
    )
    data = facility_data(
        scenario,
        candidates,
        int(open_k),
        objective,
        within,
        travel or default_travel(scenario),
        limits,
    )
    answer = solve_in_process(data)
    if answer.status == "no_solution":
        raise SolverError(f"HiGHS found no siting solution: {answer.solver_status}")
    return facility_result(scenario, candidates, data, answer)


def facility_result(
    scenario: Scenario, candidates: Sequence[Candidate], data: FacilityData, answer: MilpAnswer
) -> FacilityResult:
    """The answer in domain words."""
    share = np.where(answer.share > SHARE_EPS, answer.share, 0.0)
    kg = data.kg
    is_open = np.array([True] * data.existing + list(answer.opened), dtype=bool)
    main = [int(np.lexsort((data.minutes[f], -share[f]))[0]) for f in range(len(kg))]
    farms = []
    for f, farm_id in enumerate(data.farm_ids):
        j = main[f]
        if share[f, j] <= 0:  # no kg (or none placed): the nearest open place
            j = int(np.argmin(np.where(is_open, data.minutes[f], np.inf)))
        placed = float(share[f].sum())
        farms.append(
            FarmAssignment(
                farm_id=farm_id,
                logistics_point_id=data.place_ids[j] if placed > 0 or kg[f] == 0 else "",
                share=round(float(share[f, j]), 6),
                km=round(float(data.km[f, j]), 3),
                minutes=round(float(data.minutes[f, j]), 2),
                covered=data.within_min is not None and bool(data.minutes[f, j] <= data.within_min),
                supply_kg=float(kg[f]),
                kg_unassigned=round(float(kg[f] * max(0.0, 1.0 - placed)), 3),
            )
        )
    load_day = share.T @ data.kg_day  # places × days
    names = [p.name for p in scenario.logistics_points] + [c.name for c in candidates]
    where = [(p.lat, p.lon) for p in scenario.logistics_points] + [
        (c.lat, c.lon) for c in candidates
    ]
    places = tuple(
        PlaceLoad(
            place_id=pid,
            kind="existing" if j < data.existing else "candidate",
            name=names[j],
            lat=where[j][0],
            lon=where[j][1],
            open=bool(is_open[j]),
            capacity_kg=float(data.capacity_kg[j]),
            open_cost=0.0 if j < data.existing else float(data.open_cost[j - data.existing]),
            farms=sum(1 for f in farms if f.logistics_point_id == pid),
            kg=round(float(load_day[j].sum()), 3),
            peak_kg_day=round(float(load_day[j].max(initial=0.0)), 3),
        )
        for j, pid in enumerate(data.place_ids)
    )
    covered = None
    if data.within_min is not None:
        covered = float((share * kg[:, None] * (data.minutes <= data.within_min)).sum())
    opened = tuple(c for c, o in zip(candidates, answer.opened, strict=True) if o)
    return FacilityResult(
        objective=data.objective,
        open_k=data.open_k,
        within_min=data.within_min,
        status=answer.status,
        solver_status=answer.solver_status,
        gap=answer.gap,
        solve_s=answer.solve_s,
        opened=opened,
        farms=tuple(farms),
        places=places,
        transport_cost=float((share * kg[:, None] * data.km).sum() * data.cost_per_kg_km),
        opening_cost=float(sum(c.open_cost for c in opened)),
        kg_unassigned=float(sum(f.kg_unassigned for f in farms)),
        kg_covered=covered,
    )


__all__ = [
    "OBJECTIVES",
    "SHARE_EPS",
    "SOLVER_GRACE_S",
    "FacilityResult",
    "FarmAssignment",
    "Objective",
    "PlaceLoad",
    "check_request",
    "facility_data",
    "facility_result",
    "horizon_kg_by_day",
    "locate_facilities",
    "solve_in_process",
    "stop",
]
