"""The multi-day planner as an :class:`~agrichain.allocation.Allocator` for the pipeline."""

from __future__ import annotations

import copy
import dataclasses
import time

import numpy as np
import numpy.typing as npt

from agrichain.allocation import Allocation
from agrichain.geo import FloatArray, TravelMatrix, TravelModel
from agrichain.inventory.data import InventoryOptions, SolverName
from agrichain.inventory.planner import deadline_s, plan_job, resolve_options
from agrichain.inventory.worker import run_job
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


def allocate_job(
    scenario: Scenario, options: InventoryOptions, with_atp: bool, travel: TravelModel | None
) -> Allocation:
    """Plan (and ATP) in this process; the allocation of :class:`InventoryAllocator`."""
    from agrichain.inventory.atp import atp_from_plan

    plan = plan_job(scenario, options, travel)
    tables = dict(plan.tables)
    summary = dict(plan.summary)
    if with_atp:
        t0 = time.perf_counter()
        tables["atp"] = atp_from_plan(plan)
        summary["atp_s"] = round(time.perf_counter() - t0, 3)
    return Allocation(
        tasks=plan.tasks,
        shortfalls=plan.shortfalls,
        method="inventory",
        status=plan.status,
        order_sources=plan.order_sources,
        summary=summary,
        tables=tables,
    )


class InventoryAllocator:
    """Plan the whole horizon with :func:`~agrichain.inventory.plan_inventory`; day 0's
    flows become today's pickup tasks, the later days are the plan ahead (tables).

    Arguments left as None keep ``scenario.toml``'s ``[inventory]`` values (or, if
    ``options`` is given, its values). ``with_atp`` adds the ``atp`` table. The
    solver runs in a worker process unless ``isolate=False`` (see
    :mod:`agrichain.inventory.worker`: PuLP/highspy and OR-Tools cannot share a process).
    """

    def __init__(
        self,
        *,
        solver: SolverName | None = None,
        time_limit_s: float | None = None,
        mip_gap: float | None = None,
        threads: int | None = None,
        transport_cost_per_kg_km: float | None = None,
        link_fixed_cost: float | None = None,
        integer_days: int | None = None,
        trips_per_shift: float | None = None,
        options: InventoryOptions | None = None,
        with_atp: bool = True,
        travel: TravelModel | None = None,
        isolate: bool = True,
    ) -> None:
        self.overrides: dict[str, object] = {
            "solver": solver,
            "time_limit_s": time_limit_s,
            "mip_gap": mip_gap,
            "threads": threads,
            "transport_cost_per_kg_km": transport_cost_per_kg_km,
            "link_fixed_cost": link_fixed_cost,
            "integer_days": integer_days,
            "trips_per_shift": trips_per_shift,
        }
        self.options = options
        self.with_atp = with_atp
        self.travel = travel
        self.isolate = isolate
        #: Upper bound on the solver's time limit (set by :meth:`within`).
        self.cap_s: float | None = None

    def within(self, seconds: float) -> InventoryAllocator:
        """This allocator with its solver time limit capped at ``seconds``."""
        bounded = copy.copy(self)
        bounded.cap_s = seconds if self.cap_s is None else min(self.cap_s, seconds)
        return bounded

    def options_for(self, scenario: Scenario) -> InventoryOptions:
        """The options used for ``scenario``."""
        opts = resolve_options(scenario, self.options, **self.overrides)
        if self.cap_s is not None and opts.time_limit_s > self.cap_s:
            opts = dataclasses.replace(opts, time_limit_s=max(0.1, self.cap_s))
        return opts

    def allocate(self, scenario: Scenario) -> Allocation:
        """Today's pickup tasks, order shortfalls and the multi-day plan tables."""
        opts = self.options_for(scenario)
        if self.isolate:  # the worker gets the travel matrices, never the model
            travel = portable_travel(scenario, self.travel)
            allocation: Allocation = run_job(
                allocate_job, scenario, opts, self.with_atp, travel, timeout_s=deadline_s(opts)
            )
            return allocation
        return allocate_job(scenario, opts, self.with_atp, self.travel)
