"""The routes of a written plan, re-verified: windows, transit, cold chain, loads, times.

Recomputes travel times with its own haversine and returns every violated rule as text.

Time at a place, as the format defines it: a stop's arrival is when the truck
arrives; the place's ``stop_min`` follows (unless the truck was already there),
then each task's handling (``loading_min_per_t`` / ``unloading_min_per_t`` × t)
one after the other; the departure is not before the last handling ends.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from agrichain.verify.files import TOL_KG, read_table, rows_by_id

TOL_S = 1.0
#: Defaults of the format (docs/format.md) for columns left empty or absent.
DEFAULT_STOP_MIN = 10.0
DEFAULT_LOADING_MIN_PER_T = 12.0
DEFAULT_UNLOADING_MIN_PER_T = 10.0


def _clock(day: dt.date, hhmm: str) -> dt.datetime:
    h, m = (int(x) for x in hhmm.split(":"))
    return dt.datetime.combine(day, dt.time(h, m))


def _ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _truthy(text: str) -> bool:
    return text.strip().lower() in {"true", "1", "yes", "y", "t"}


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, a)))


def _number(row: dict[str, str], column: str, default: float) -> float:
    text = row.get(column, "").strip()
    return float(text) if text else default


def _stop_s(row: dict[str, str], old_column: str) -> float:
    """Fixed stop seconds of a farm or logistics point (``old_column``: the old name)."""
    text = (row.get("stop_min", "") or row.get(old_column, "")).strip()
    return 60.0 * (float(text) if text else DEFAULT_STOP_MIN)


def _place_times(
    farms: dict[str, dict[str, str]], lps: dict[str, dict[str, str]]
) -> dict[str, tuple[float, float]]:
    """Place id → (stop seconds, handling seconds per kg)."""
    out = {
        fid: (
            _stop_s(f, "loading_min"),
            0.06 * _number(f, "loading_min_per_t", DEFAULT_LOADING_MIN_PER_T),
        )
        for fid, f in farms.items()
    }
    for lid, lp in lps.items():
        out[lid] = (
            _stop_s(lp, "unloading_min"),
            0.06 * _number(lp, "unloading_min_per_t", DEFAULT_UNLOADING_MIN_PER_T),
        )
    return out


@dataclass(frozen=True)
class _Written:
    """The scenario's tables and the written plan, as text rows."""

    day: dt.date
    speed_kmh: float
    circuity: float
    farms: dict[str, dict[str, str]]
    lps: dict[str, dict[str, str]]
    products: dict[str, dict[str, str]]
    vehicles: dict[str, dict[str, str]]
    stops: pd.DataFrame
    tasks: pd.DataFrame
    task_row: dict[str, dict[str, str]]
    place_times: dict[str, tuple[float, float]]


@dataclass
class _Cargo:
    """What a truck carries along its route."""

    load_kg: float = 0.0
    picked: int = 0  # each task's load is rounded to 0.1 kg inside the solver
    on_board: dict[str, float] = field(default_factory=dict)


def _read_written(scenario_dir: Path, plan_dir: Path) -> _Written:
    settings = tomllib.loads((scenario_dir / "scenario.toml").read_text())
    travel = settings.get("travel", {})
    farms = rows_by_id(scenario_dir, "farms.csv", "farm_id")
    lps = rows_by_id(scenario_dir, "logistics_points.csv", "logistics_point_id")
    return _Written(
        day=dt.date.fromisoformat(str(settings["planning_date"])),
        speed_kmh=float(travel.get("speed_kmh", 40.0)),
        circuity=float(travel.get("circuity", 1.3)),
        farms=farms,
        lps=lps,
        products=rows_by_id(scenario_dir, "products.csv", "product_id"),
        vehicles=rows_by_id(scenario_dir, "vehicles.csv", "vehicle_id"),
        stops=read_table(plan_dir, "routes.csv"),
        tasks=read_table(plan_dir, "tasks.csv"),
        task_row=rows_by_id(plan_dir, "tasks.csv", "task_id"),
        place_times=_place_times(farms, lps),
    )


def verify_plan(scenario_dir: Path, plan_dir: Path) -> list[str]:
    """Every rule the written plan breaks (empty list: the plan is valid)."""
    w = _read_written(scenario_dir, plan_dir)
    errors: list[str] = []
    served = w.tasks[w.tasks["vehicle_id"] != ""] if len(w.tasks) else w.tasks
    for _, t in served.iterrows():
        errors += _task_errors(t, w)
    for vid, route in w.stops.groupby("vehicle_id", sort=False) if len(w.stops) else []:
        errors += _route_errors(str(vid), route.sort_values("seq", key=lambda s: s.astype(int)), w)
    return errors


def _task_errors(t: pd.Series, w: _Written) -> list[str]:
    """Windows, cut-off, transit limit and cold chain of one served task."""
    errors = []
    tid = t["task_id"]
    farm, lp = w.farms[t["farm_id"]], w.lps[t["logistics_point_id"]]
    prod, veh = w.products[t["product_id"]], w.vehicles[t["vehicle_id"]]
    pick, drop = _ts(t["pickup_time"]), _ts(t["delivery_time"])
    if not _clock(w.day, farm["pickup_open"]) <= pick <= _clock(w.day, farm["pickup_close"]):
        errors.append(f"{tid}: pickup {pick} outside farm window")
    if not _clock(w.day, lp["open"]) <= drop <= _clock(w.day, lp["cutoff"]):
        errors.append(f"{tid}: delivery {drop} after cut-off or before opening")
    transit = (drop - pick).total_seconds() / 60
    if transit > float(prod["max_transit_min"]) + TOL_S / 60:
        errors.append(f"{tid}: transit {transit:.1f} min > max {prod['max_transit_min']}")
    if abs(transit - float(t["transit_min"])) > 0.05:
        errors.append(f"{tid}: transit_min column disagrees with its times")
    needs_cold = _truthy(prod.get("needs_cold_chain", "false") or "false")
    if needs_cold and not _truthy(veh.get("refrigerated", "false") or "false"):
        errors.append(f"{tid}: cold-chain product on non-refrigerated {t['vehicle_id']}")
    return errors


def _route_errors(vid: str, route: pd.DataFrame, w: _Written) -> list[str]:
    """Home, shift, load, driving time and stop timing along one vehicle's route."""
    errors = []
    veh = w.vehicles[vid]
    cap = float(veh["capacity_kg"])
    home = veh["home_logistics_point_id"]
    first, last = route.iloc[0], route.iloc[-1]
    if first["stop_id"] != home or last["stop_id"] != home:
        errors.append(f"{vid}: does not start and end at home {home}")
    if _ts(first["departure"]) < _clock(w.day, veh["shift_start"]):
        errors.append(f"{vid}: leaves before shift start")
    if _ts(last["departure"]) > _clock(w.day, veh["shift_end"]) + dt.timedelta(seconds=TOL_S):
        errors.append(f"{vid}: returns after shift end")
    cargo = _Cargo()
    prev = None
    for _, s in route.iterrows():
        ids = [x for x in s["task_ids"].split(" ") if x]
        errors += _cargo_errors(vid, s, ids, cargo, w)
        tol = TOL_KG + 0.05 * cargo.picked
        if abs(cargo.load_kg - float(s["load_kg"])) > tol:
            errors.append(
                f"{vid} seq {s['seq']}: load {s['load_kg']} != recomputed {cargo.load_kg:.3f}"
            )
        if cargo.load_kg > cap + tol or cargo.load_kg < -tol:
            errors.append(f"{vid} seq {s['seq']}: load {cargo.load_kg:.1f} outside [0, {cap}]")
        if prev is not None:
            errors += _drive_errors(vid, prev, s, w)
            errors += _stop_timing(vid, s, prev, ids, w.task_row, w.place_times)
        prev = s
    if cargo.on_board:
        errors.append(f"{vid}: ends with undelivered tasks {sorted(cargo.on_board)}")
    return errors


def _cargo_errors(vid: str, s: pd.Series, ids: list[str], cargo: _Cargo, w: _Written) -> list[str]:
    """Load and unload the stop's tasks; a truck never leaves a point with cargo for it."""
    errors = []
    if s["stop_kind"] == "farm":
        for tid in ids:
            row = w.tasks[w.tasks["task_id"] == tid].iloc[0]
            if row["vehicle_id"] != vid or row["farm_id"] != s["stop_id"]:
                errors.append(f"{vid}: task {tid} picked at the wrong place/vehicle")
            cargo.on_board[tid] = float(row["kg"])
            cargo.picked += 1
            cargo.load_kg += float(row["kg"])
    elif s["stop_kind"] == "logistics_point":
        for tid in ids:
            if tid not in cargo.on_board:
                errors.append(f"{vid}: delivers {tid} before picking it up")
                continue
            cargo.load_kg -= cargo.on_board.pop(tid)
        for tid in cargo.on_board:
            if w.task_row[tid]["logistics_point_id"] == s["stop_id"]:
                errors.append(
                    f"{vid} seq {s['seq']}: leaves {s['stop_id']} still carrying "
                    f"{tid}, which is for {s['stop_id']}"
                )
    return errors


def _drive_errors(vid: str, prev: pd.Series, s: pd.Series, w: _Written) -> list[str]:
    """The time between two stops covers the drive."""
    km = _km(float(prev["lat"]), float(prev["lon"]), float(s["lat"]), float(s["lon"]))
    need = km * w.circuity / w.speed_kmh * 60
    gap = (_ts(s["arrival"]) - _ts(prev["departure"])).total_seconds() / 60
    if gap < need - TOL_S / 60 - 1e-6 * need:
        return [f"{vid} seq {s['seq']}: {gap:.2f} min to drive {need:.2f} min"]
    return []


def _stop_timing(
    vid: object,
    stop: pd.Series,
    prev: pd.Series,
    task_ids: list[str],
    task_row: dict[str, dict[str, str]],
    place_times: dict[str, tuple[float, float]],
) -> list[str]:
    """Stop time, then each task's handling in turn, all before the departure."""
    place = str(stop["stop_id"])
    if place not in place_times:
        return [f"{vid} seq {stop['seq']}: unknown place {place}"]
    stop_s, handling_s_per_kg = place_times[place]
    column = {"farm": "pickup_time", "logistics_point": "delivery_time"}.get(stop["stop_kind"])
    free = _ts(stop["arrival"])
    if str(prev["stop_id"]) != place:
        free += dt.timedelta(seconds=stop_s)
    tol = dt.timedelta(seconds=TOL_S)
    errors = []
    handled = [task_row[t] for t in task_ids if t in task_row] if column else []
    for row in sorted(handled, key=lambda r: _ts(r[str(column)])):
        start = _ts(row[str(column)])
        if start < free - tol:
            errors.append(
                f"{vid}: handles {row['task_id']} at {place} at {start}, before the stop "
                f"time and earlier handling end ({free})"
            )
        free = max(free, start) + dt.timedelta(seconds=handling_s_per_kg * float(row["kg"]))
    if _ts(stop["departure"]) < free - tol:
        errors.append(f"{vid}: leaves {place} at {stop['departure']} before {free}")
    return errors
