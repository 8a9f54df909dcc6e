"""The plan's output files: CSV tables, GeoJSON routes and ``summary.json``.

The folder is replaced as a whole by :func:`write_plan`; ``docs/format.md`` describes them.
"""

from __future__ import annotations

import datetime as dt
import enum
import io
import json
import math
from typing import Any

import pandas as pd

from agrichain.plan import Plan

ROUTES_CSV = "routes.csv"
TASKS_CSV = "tasks.csv"
UNSERVED_CSV = "unserved.csv"
ORDERS_CSV = "orders.csv"
ROUTES_GEOJSON = "routes.geojson"
SUMMARY_JSON = "summary.json"


def json_value(value: Any) -> Any:
    """A value as JSON can hold it: timestamps as text, enums by value, numpy scalars unboxed."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if hasattr(value, "item"):
        return value.item()
    return value


def without_nan(value: Any) -> Any:
    """``value`` with every NaN or infinite float replaced by None (JSON has no NaN)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: without_nan(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [without_nan(v) for v in value]
    return value


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A table as UTF-8 CSV with ``\\n`` line ends and second-precision timestamps."""
    buf = io.StringIO()
    frame.to_csv(buf, index=False, lineterminator="\n", date_format="%Y-%m-%d %H:%M:%S")
    return buf.getvalue().encode("utf-8")


def plan_geojson(plan: Plan) -> str:
    """Route lines and stops as one GeoJSON FeatureCollection (``feature``: route|stop)."""
    features: list[Any] = []
    for kind, gdf in (("route", plan.routes_gdf()), ("stop", plan.stops_gdf())):
        for col in gdf.columns:
            if col != "geometry":
                gdf[col] = gdf[col].astype(object).map(json_value)
        gdf.insert(0, "feature", kind)
        features += json.loads(gdf.to_json(drop_id=True, to_wgs84=False))["features"]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


def plan_files(plan: Plan) -> dict[str, bytes]:
    """The output files of a plan as bytes, by file name."""
    out = {
        ROUTES_CSV: csv_bytes(plan.stops_frame()),
        TASKS_CSV: csv_bytes(plan.tasks_frame()),
        UNSERVED_CSV: csv_bytes(plan.unserved_frame()),
        ORDERS_CSV: csv_bytes(plan.orders_frame()),
        ROUTES_GEOJSON: plan_geojson(plan).encode("utf-8"),
        SUMMARY_JSON: (
            json.dumps(
                without_nan(plan.summary),
                indent=2,
                default=json_value,
                ensure_ascii=False,
                allow_nan=False,
            )
            + "\n"
        ).encode("utf-8"),
    }
    for name, frame in plan.tables.items():
        out[f"{name}.csv"] = csv_bytes(frame)
    return out


__all__ = [
    "ORDERS_CSV",
    "ROUTES_CSV",
    "ROUTES_GEOJSON",
    "SUMMARY_JSON",
    "TASKS_CSV",
    "UNSERVED_CSV",
    "csv_bytes",
    "json_value",
    "plan_files",
    "plan_geojson",
    "without_nan",
]
