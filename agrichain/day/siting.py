"""Siting from end to end: choose the points to open (:func:`agrichain.siting.locate_facilities`),
re-plan the day with them, and compare with today's plan.

The recommended candidates join the scenario as logistics points at their sites, holding
their capacities, with the opening hours, cut-off and handling times of the nearest
existing point (by travel time). An order collected today moves to a new point when the
farms that supplied it (kg-weighted travel minutes) are nearer to it than to the order's
own point (unless ``move_orders`` is False: then the new points receive no goods and the
day's routes stay as they are). Both plans are made with
:func:`agrichain.pipeline.plan_day` under the same solution limit and seed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from agrichain.allocation import Allocator
from agrichain.geo import TravelModel
from agrichain.io.plan_files import csv_bytes
from agrichain.model import LogisticsPoint, Order, Scenario
from agrichain.pipeline import ProgressCallback, plan_day
from agrichain.plan import Fate, Plan
from agrichain.siting.candidates import Candidate
from agrichain.siting.coverage import Coverage, coverage, default_travel, farm_point_matrix
from agrichain.siting.facility import FacilityResult, locate_facilities
from agrichain.siting.files import (
    geojson_bytes,
    json_bytes,
    point_feature,
    write_output_folder,
)

#: Solutions the routing search stops at when neither caller nor scenario sets a limit.
DEFAULT_SOLUTION_LIMIT = 50
RECOMMENDATION_CSV = "recommendation.csv"
ASSIGNMENT_CSV = "assignment.csv"
CHANGE_CSV = "change.csv"
SITING_GEOJSON = "siting.geojson"
SUMMARY_JSON = "summary.json"
#: Measures of the change table, in order, with what each means.
MEASURES = {
    "distance_km": "km driven by the fleet",
    "cost": "route cost (fixed + per km)",
    "mean_transit_min": "pickup to delivery, kg-weighted mean over collected tasks",
    "kg_collected": "kg collected today",
    "kg_unserved": "kg of tasks and orders unserved",
    "vehicles_used": "vehicles on the road",
    "kg_covered": "kg of supply within the threshold of a point",
}


def place_point(candidate: Candidate, like: LogisticsPoint) -> LogisticsPoint:
    """The candidate as a logistics point, with ``like``'s hours and handling times."""
    return LogisticsPoint(
        logistics_point_id=candidate.candidate_id,
        name=candidate.name,
        lat=candidate.lat,
        lon=candidate.lon,
        open=like.open,
        close=like.close,
        cutoff=like.cutoff,
        ambient_capacity_kg=candidate.ambient_capacity_kg,
        cold_capacity_kg=candidate.cold_capacity_kg,
        stop_min=like.stop_min,
        unloading_min_per_t=like.unloading_min_per_t,
    )


def new_points(
    scenario: Scenario, candidates: Sequence[Candidate], travel: TravelModel
) -> tuple[LogisticsPoint, ...]:
    """The candidates as logistics points, each like its nearest existing point."""
    points = scenario.logistics_points
    lat = [c.lat for c in candidates] + [p.lat for p in points]
    lon = [c.lon for c in candidates] + [p.lon for p in points]
    minutes = np.asarray(travel.matrix(lat, lon).duration_min)[: len(candidates), len(candidates) :]
    return tuple(
        place_point(c, points[int(np.argmin(minutes[i]))]) for i, c in enumerate(candidates)
    )


def moved_orders(
    scenario: Scenario, plan: Plan, new_ids: Sequence[str], travel: TravelModel
) -> dict[str, str]:
    """order_id → new point for each order collected today whose supplying farms are nearer
    (kg-weighted minutes) to a new point than to its own; a cold-chain product's orders
    only to a point with cold storage (``scenario`` holds the new points)."""
    if not new_ids:
        return {}
    ids = [p.logistics_point_id for p in scenario.logistics_points]
    places = [(p.lat, p.lon) for p in scenario.logistics_points]
    minutes, _ = farm_point_matrix(scenario.farms, places, travel)
    row = {f.farm_id: i for i, f in enumerate(scenario.farms)}
    column = {pid: j for j, pid in enumerate(ids)}
    tasks = {t.task_id: t for t in plan.tasks if t.served}
    out = {}
    for fate in plan.orders:
        mine = [tasks[t] for t in fate.task_ids if t in tasks]
        kg = sum(t.kg for t in mine)
        if fate.fate is not Fate.COLLECTED or kg <= 0:
            continue
        cold = scenario.product[fate.product_id].needs_cold_chain
        able = [p for p in new_ids if not cold or scenario.logistics_point[p].cold_capacity_kg > 0]
        if not able:
            continue
        mean = np.sum([t.kg * minutes[row[t.farm_id]] for t in mine], axis=0) / kg
        best = min(able, key=lambda pid: (mean[column[pid]], pid))
        if mean[column[best]] < mean[column[fate.logistics_point_id]]:
            out[fate.order_id] = best
    return out


def plan_measures(plan: Plan, cov: Coverage) -> dict[str, float]:
    """The measures of :data:`MEASURES` for one plan and its coverage."""
    served = [t for t in plan.tasks if t.served and t.transit_min is not None]
    kg = sum(t.kg for t in served)
    transit = sum(t.kg * float(t.transit_min or 0.0) for t in served) / kg if kg > 0 else 0.0
    return {
        "distance_km": float(sum(r.distance_km for r in plan.routes)),
        "cost": plan.cost(),
        "mean_transit_min": transit,
        "kg_collected": plan.kg_collected(),
        "kg_unserved": plan.kg_unserved(),
        "vehicles_used": float(len(plan.routes)),
        "kg_covered": cov.kg_covered,
    }


@dataclass(frozen=True)
class Siting:
    """The recommendation, the day re-planned with it, and the change against today's plan."""

    facility: FacilityResult
    scenario: Scenario
    """The scenario with the opened points (and moved orders)."""
    before: Plan
    after: Plan
    coverage_before: Coverage
    coverage_after: Coverage
    moved: dict[str, str]
    """order_id → the new point it ships from (only with ``move_orders``)."""

    def change_frame(self) -> pd.DataFrame:
        """One row per measure: before, after, change, and what it means."""
        before = plan_measures(self.before, self.coverage_before)
        after = plan_measures(self.after, self.coverage_after)
        return pd.DataFrame(
            [
                {
                    "measure": m,
                    "before": round(before[m], 3),
                    "after": round(after[m], 3),
                    "change": round(after[m] - before[m], 3),
                    "meaning": meaning,
                }
                for m, meaning in MEASURES.items()
            ]
        )

    def summary(self) -> dict[str, Any]:
        change = self.change_frame().set_index("measure")
        return {
            "scenario": self.scenario.settings.name,
            "planning_date": self.scenario.settings.planning_date.isoformat(),
            "currency": self.scenario.settings.currency,
            "facility": self.facility.summary(),
            "orders_moved": len(self.moved),
            "change": {m: change.loc[m, ["before", "after", "change"]].to_dict() for m in MEASURES},
            "coverage_before": self.coverage_before.summary(),
            "coverage_after": self.coverage_after.summary(),
            "plan_status": {"before": self.before.status.value, "after": self.after.status.value},
        }


def site_points(
    scenario: Scenario,
    candidates: Sequence[Candidate],
    open_k: int,
    *,
    objective: str = "cost",
    within_min: float = 60.0,
    travel: TravelModel | None = None,
    before: Plan | None = None,
    move_orders: bool = True,
    solution_limit: int | None = None,
    seed: int | None = None,
    time_limit_s: float | None = None,
    engine: str | None = None,
    allocator: Allocator | None = None,
    facility_time_limit_s: float | None = None,
    progress: ProgressCallback | None = None,
) -> Siting:
    """Recommend at most ``open_k`` candidates (:func:`locate_facilities`), re-plan the day
    with them and compare with ``before`` (default: today's plan made here, under the same
    limits). ``within_min`` is the coverage threshold of the report (and of the coverage
    objective). The routing limits default to the scenario's, the solution limit else
    :data:`DEFAULT_SOLUTION_LIMIT`; ``engine`` and ``allocator`` those of ``plan_day``.
    ``progress`` hears the stages ``site`` (the facility model), ``plan`` (today's plan, if
    not given) and ``replan`` (with the new points)."""
    report = progress or (lambda stage, fraction: None)
    model = travel or default_travel(scenario)
    report("site", 0.0)
    facility = locate_facilities(
        scenario,
        candidates,
        open_k,
        objective=objective,
        within_min=within_min,
        travel=model,
        time_limit_s=facility_time_limit_s,
    )
    limit = solution_limit or scenario.settings.routing.solution_limit or DEFAULT_SOLUTION_LIMIT
    limits: dict[str, Any] = {
        "solution_limit": limit,
        "seed": seed,
        "time_limit_s": time_limit_s,
        "engine": engine,
        "allocator": allocator,
        "travel": model,
    }
    if before is None:
        report("plan", 0.3)
        before = plan_day(scenario, **limits)
    added = new_points(scenario, facility.opened, model)
    after_scenario = scenario.with_tables(logistics_points=[*scenario.logistics_points, *added])
    moved: dict[str, str] = {}
    if move_orders:
        new_ids = [p.logistics_point_id for p in added]
        moved = moved_orders(after_scenario, before, new_ids, model)
        orders: list[Order] = [
            o.model_copy(update={"logistics_point_id": moved[o.order_id]})
            if o.order_id in moved
            else o
            for o in scenario.orders
        ]
        after_scenario = after_scenario.with_tables(orders=orders)
    report("replan", 0.6)
    after = plan_day(after_scenario, **limits) if added else before
    report("done", 1.0)
    return Siting(
        facility=facility,
        scenario=after_scenario,
        before=before,
        after=after,
        coverage_before=coverage(scenario, within_min, model),
        coverage_after=coverage(after_scenario, within_min, model),
        moved=moved,
    )


def siting_features(siting: Siting) -> list[dict[str, Any]]:
    """Places (``existing`` / ``candidate`` with ``open``), farms, and a line from each farm
    to the place the model sends its kg to (``link``)."""
    places = {p.place_id: p for p in siting.facility.places}
    features = []
    for p in siting.facility.places:
        props = {"feature": p.kind, **{k: v for k, v in vars(p).items() if k not in ("lat", "lon")}}
        features.append(point_feature(p.lon, p.lat, props))
    farm = siting.scenario.farm
    for a in siting.facility.farms:
        f = farm[a.farm_id]
        props = {"feature": "farm", **vars(a)}
        features.append(point_feature(f.lon, f.lat, props))
        if a.logistics_point_id in places:
            to = places[a.logistics_point_id]
            features.append(
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "LineString",
                        "coordinates": [[f.lon, f.lat], [to.lon, to.lat]],
                    },
                    "properties": {**props, "feature": "link"},
                }
            )
    return features


def siting_files(siting: Siting) -> dict[str, bytes]:
    """The siting output, file name → bytes."""
    return {
        RECOMMENDATION_CSV: csv_bytes(siting.facility.places_frame()),
        ASSIGNMENT_CSV: csv_bytes(siting.facility.farms_frame()),
        CHANGE_CSV: csv_bytes(siting.change_frame()),
        SITING_GEOJSON: geojson_bytes(siting_features(siting)),
        SUMMARY_JSON: json_bytes(siting.summary()),
    }


def write_siting_folder(siting: Siting, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write the siting files into ``out_dir``, replacing it as a whole."""
    return write_output_folder(out_dir, siting_files(siting), RECOMMENDATION_CSV, "siting")


__all__ = [
    "ASSIGNMENT_CSV",
    "CHANGE_CSV",
    "DEFAULT_SOLUTION_LIMIT",
    "MEASURES",
    "RECOMMENDATION_CSV",
    "SITING_GEOJSON",
    "SUMMARY_JSON",
    "Siting",
    "moved_orders",
    "new_points",
    "place_point",
    "plan_measures",
    "site_points",
    "siting_features",
    "siting_files",
    "write_siting_folder",
]
