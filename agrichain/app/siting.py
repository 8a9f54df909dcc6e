"""The app's coverage and siting step: which farms lie beyond a travel-time threshold of every
logistics point (:func:`agrichain.siting.coverage`), and, with candidate sites, the points to
open and the day re-planned with them (:func:`agrichain.day.siting.site_points`, in the
worker process), drawn on a pydeck map."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pydeck as pdk

from agrichain.app import map as route_map
from agrichain.app.jobs import PlanJob, PlanOptions, PlanResult, expected_duration_s
from agrichain.app.travel import scenario_travel
from agrichain.day.siting import Siting, site_points
from agrichain.errors import ScenarioError
from agrichain.io.plan_files import csv_bytes
from agrichain.model import Scenario
from agrichain.pipeline import make_allocator
from agrichain.plan import Plan
from agrichain.siting import CANDIDATE_COLUMNS, Candidate, Coverage, coverage, read_candidates

COVERED_RGB: route_map.RGB = [46, 125, 50]
OUTSIDE_RGB: route_map.RGB = [198, 40, 40]
CANDIDATE_RGB: route_map.RGB = [150, 150, 150]
OPENED_RGB: route_map.RGB = [255, 143, 0]
#: Background of the rows of farms beyond the threshold.
OUTSIDE_BACKGROUND = "background-color: #fde0dc"
#: What the candidates table is called in error messages.
CANDIDATES_NAME = "candidates"
#: Columns of the farms table shown.
FARM_COLUMNS = ["farm_id", "name", "village", "logistics_point_id", "minutes", "km", "covered",
                "supply_kg"]  # fmt: skip


def plan_coverage(
    scenario: Scenario, within_min: float, scenario_folder: str | None = None
) -> Coverage:
    """The coverage of the scenario's farms by its logistics points, by the travel model
    of ``[travel]`` (files read from ``scenario_folder``)."""
    return coverage(scenario, within_min, scenario_travel(scenario, scenario_folder))


def farms_table(cov: Coverage) -> pd.DataFrame:
    """Farms beyond the threshold first (farthest first), then the others by time."""
    frame = cov.farms_frame()[FARM_COLUMNS]
    return frame.sort_values(["covered", "minutes"], ascending=[True, False]).reset_index(drop=True)


def highlighted(frame: pd.DataFrame) -> Any:
    """The farms table with the rows beyond the threshold highlighted (a pandas Styler)."""

    def row_style(row: pd.Series) -> list[str]:
        return [("" if row["covered"] else OUTSIDE_BACKGROUND)] * len(row)

    return frame.style.apply(row_style, axis=1)


def coverage_line(cov: Coverage) -> str:
    """One sentence of the coverage's totals."""
    s = cov.summary()
    return (
        f"{s['farms_covered']} of {s['farms']} farms ({s['kg_covered']:,.0f} of "
        f"{s['supply_kg']:,.0f} kg of supply over the horizon) are within {cov.within_min:g} min "
        f"of a logistics point; {s['farms_outside']} farms in {s['villages_outside']} villages "
        "are beyond."
    )


def empty_candidates() -> pd.DataFrame:
    """The candidates table with its columns and no rows."""
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in CANDIDATE_COLUMNS})
    for c in ("lat", "lon", "open_cost", "capacity_kg", "cold_capacity_kg"):
        frame[c] = frame[c].astype(float)
    return frame


def read_candidate_bytes(name: str, data: bytes, scenario: Scenario) -> tuple[Candidate, ...]:
    """Candidates from a file's bytes (CSV or Excel by ``name``'s ending), problems named
    after ``name``."""
    suffix = Path(name).suffix.lower() or ".csv"
    with tempfile.TemporaryDirectory(prefix="agrichain-candidates-") as folder:
        path = Path(folder) / f"candidates{suffix}"
        path.write_bytes(data)
        try:
            return read_candidates(path, scenario)
        except ScenarioError as exc:
            issues = [replace(i, file=name) if i.file == str(path) else i for i in exc.issues]
            raise ScenarioError(issues) from None


def candidates_frame(candidates: tuple[Candidate, ...]) -> pd.DataFrame:
    """Candidates as the table's rows."""
    if not candidates:
        return empty_candidates()
    return pd.DataFrame([c.model_dump() for c in candidates], columns=list(CANDIDATE_COLUMNS))


def uploaded_candidates(name: str, data: bytes, scenario: Scenario) -> pd.DataFrame:
    """An uploaded candidates file as the table's rows (ScenarioError if it has problems)."""
    return candidates_frame(read_candidate_bytes(name, data, scenario))


def candidates_of_table(frame: pd.DataFrame, scenario: Scenario) -> tuple[Candidate, ...]:
    """The table's candidates (rows without an id are skipped; none: empty); ScenarioError
    with the table's line numbers (the header is line 1) for bad cells."""
    rows = frame.reindex(columns=list(CANDIDATE_COLUMNS))
    named = rows["candidate_id"].map(
        lambda v: v is not None and not pd.isna(v) and str(v).strip() != ""
    )
    rows = rows[named.astype(bool)]
    if rows.empty:
        return ()
    return read_candidate_bytes(CANDIDATES_NAME + ".csv", csv_bytes(rows), scenario)


def run_siting(
    scenario: Scenario,
    before: Plan,
    candidates: tuple[Candidate, ...],
    request: dict[str, Any],
    options: PlanOptions,
    scenario_folder: str | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> Siting:
    """:func:`site_points` against the plan shown, with the app's planning options and the
    travel model of ``[travel]`` (files read from ``scenario_folder``)."""
    return site_points(
        scenario,
        candidates,
        int(request["open_k"]),
        objective=str(request["objective"]),
        within_min=float(request["within_min"]),
        move_orders=bool(request.get("move_orders", True)),
        before=before,
        solution_limit=options.solution_limit,
        seed=options.seed,
        time_limit_s=options.time_limit_s,
        engine=options.engine,
        allocator=make_allocator(options.allocation),
        progress=progress,
        travel=scenario_travel(scenario, scenario_folder),
    )


class SitingJob(PlanJob):
    """:func:`run_siting` in a worker process; :attr:`siting` once it is done."""

    def __init__(
        self, base: PlanResult, candidates: tuple[Candidate, ...], request: dict[str, Any]
    ) -> None:
        self.base = base
        self.siting: Siting | None = None
        args = (base.scenario, base.plan, candidates, request, base.options, base.scenario_folder)
        super().__init__(base.scenario, base.options, base.key, run=run_siting, args=args)
        self.expected_s = expected_duration_s(base.scenario, base.options) + 10.0

    def accept(self, made: Any) -> None:
        self.siting = made
        self.plan = made.after


def recommendation_line(siting: Siting) -> str:
    """What to open, in one sentence."""
    f = siting.facility
    opened = ", ".join(f"{c.candidate_id} {c.name}".strip() for c in f.opened)
    what = f"Open {opened}" if opened else "Open no new point"
    moved = f"; {len(siting.moved)} orders move to a new point" if siting.moved else ""
    return f"{what} (objective {f.objective}, at most {f.open_k}; HiGHS: {f.solver_status}){moved}."


def places_table(siting: Siting) -> pd.DataFrame:
    """Every place: existing or candidate, open, capacity, the kg the model sends it."""
    columns = ["place_id", "kind", "name", "open", "capacity_kg", "peak_kg_day", "kg", "farms",
               "open_cost"]  # fmt: skip
    return siting.facility.places_frame()[columns]


def farm_records(cov: Coverage) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Farm dots and farm → nearest point lines, coloured covered / beyond."""
    where = {p.logistics_point_id: (p.lon, p.lat) for p in cov.points}
    farms, lines = [], []
    for f in cov.farms:
        colour = COVERED_RGB if f.covered else OUTSIDE_RGB
        tip = (
            f"Farm {f.farm_id} {f.name}".rstrip()
            + f"\nvillage {f.village}\nnearest {f.logistics_point_id}: {f.minutes:,.0f} min, "
            f"{f.km:,.1f} km\n{f.supply_kg:,.0f} kg over the horizon"
        )
        farms.append({"lon": f.lon, "lat": f.lat, "color": colour, "tip": tip})
        to = where[f.logistics_point_id]
        lines.append({"from": [f.lon, f.lat], "to": list(to), "color": colour, "tip": tip})
    return farms, lines


def place_records(cov: Coverage, siting: Siting | None) -> list[dict[str, Any]]:
    """Logistics points (black), candidates (grey) and opened candidates (orange)."""
    opened = set() if siting is None else {c.candidate_id for c in siting.facility.opened}
    records = [
        {
            "id": p.logistics_point_id,
            "lon": p.lon,
            "lat": p.lat,
            "color": route_map.POINT_RGB,
            "tip": f"Logistics point {p.logistics_point_id} {p.name}".rstrip()
            + f"\nnearest for {p.farms} farms, {p.supply_kg:,.0f} kg",
        }
        for p in cov.points
        if p.logistics_point_id not in opened
    ]
    if siting is not None:
        for p in siting.facility.places:
            if p.kind == "candidate":
                state = "opened" if p.open else "not opened"
                records.append(
                    {
                        "id": p.place_id,
                        "lon": p.lon,
                        "lat": p.lat,
                        "color": OPENED_RGB if p.open else CANDIDATE_RGB,
                        "tip": f"Candidate {p.place_id} {p.name}".rstrip()
                        + f" ({state})\n{p.kg:,.0f} kg, peak {p.peak_kg_day:,.0f} of "
                        f"{p.capacity_kg:,.0f} kg a day",
                    }
                )
    return records


def coverage_deck(cov: Coverage, map_style: str | None, siting: Siting | None = None) -> pdk.Deck:
    """Lines farm → nearest point and farms (green within, red beyond), the logistics points
    and, with a recommendation, the candidates (orange: to open)."""
    farms, lines = farm_records(cov)
    places = place_records(cov, siting)
    lats = [r["lat"] for r in farms + places]
    lons = [r["lon"] for r in farms + places]
    layers = [
        pdk.Layer(
            "LineLayer",
            lines,
            id="coverage_links",
            get_source_position="from",
            get_target_position="to",
            get_color="color",
            get_width=2,
            pickable=True,
        ),
        pdk.Layer(
            "ScatterplotLayer",
            farms,
            id="coverage_farms",
            get_position="[lon, lat]",
            get_fill_color="color",
            get_line_color=route_map.WHITE_RGB,
            get_radius=40,
            radius_min_pixels=5,
            radius_max_pixels=15,
            stroked=True,
            line_width_min_pixels=1,
            pickable=True,
        ),
        pdk.Layer(
            "ScatterplotLayer",
            places,
            id="coverage_places",
            get_position="[lon, lat]",
            get_fill_color=route_map.WHITE_RGB,
            get_line_color="color",
            get_radius=40,
            radius_min_pixels=10,
            radius_max_pixels=30,
            stroked=True,
            line_width_min_pixels=4,
            pickable=True,
        ),
    ]
    return pdk.Deck(
        layers=layers,
        initial_view_state=pdk.ViewState(**route_map.fit_view(lats, lons)),
        map_style=map_style or route_map.NO_BASEMAP_STYLE,
        map_provider="carto" if map_style else None,
        tooltip={"text": "{tip}"},
        height=route_map.MAP_HEIGHT_PX,
    )


__all__ = [
    "CANDIDATES_NAME",
    "CANDIDATE_RGB",
    "COVERED_RGB",
    "FARM_COLUMNS",
    "OPENED_RGB",
    "OUTSIDE_BACKGROUND",
    "OUTSIDE_RGB",
    "SitingJob",
    "candidates_frame",
    "candidates_of_table",
    "coverage_deck",
    "coverage_line",
    "empty_candidates",
    "farm_records",
    "farms_table",
    "highlighted",
    "place_records",
    "places_table",
    "plan_coverage",
    "read_candidate_bytes",
    "recommendation_line",
    "run_siting",
    "uploaded_candidates",
]
