"""The parameters of ``scenario.toml``."""

from __future__ import annotations

import typing
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, model_validator

from agrichain.model.records import NOT_TRUE_FALSE, Date, NonNegative, Positive, Record, Text

#: Routing engines by name: the keys of ``agrichain.routing.engine.ENGINES`` (a test keeps
#: them equal; the model may not import routing). ``auto`` is the default design.
EngineName = Literal["auto", "lns", "portfolio", "ortools", "pyvrp"]
ENGINE_NAMES: tuple[str, ...] = typing.get_args(EngineName)
#: Solvers of the inventory MILP.
InventorySolver = Literal["highs", "cbc"]
#: The longest time limit accepted (a day): a nightly plan must come back the same night.
MAX_TIME_LIMIT_S = 86_400.0
#: The largest seed, solution limit, worker or thread count accepted (fits every solver).
MAX_COUNT = 2**31 - 1

Seconds = Annotated[float, Field(gt=0.0, le=MAX_TIME_LIMIT_S, allow_inf_nan=False), NOT_TRUE_FALSE]
Count = Annotated[int, Field(ge=1, le=MAX_COUNT), NOT_TRUE_FALSE]


#: How travel distances and times are found (``[travel] mode``).
TravelMode = Literal["great_circle", "matrix", "osm"]
#: Road speeds are at most this (km/h): a larger number is a typing error.
MAX_ROAD_SPEED_KMH = 200.0
RoadSpeed = Annotated[
    float, Field(gt=0.0, le=MAX_ROAD_SPEED_KMH, allow_inf_nan=False), NOT_TRUE_FALSE
]
_SPEED = "km/h on OpenStreetMap `highway={}` roads (mode osm); empty: {:g}"


class RoadSpeeds(Record):
    """Speeds by road class for ``mode = "osm"`` (``[travel.speeds_kmh]``); empty keeps the
    default of ``agrichain.io.road_network.DEFAULT_SPEEDS_KMH`` (a test keeps them equal).
    A ``*_link`` ramp takes its road's speed unless given."""

    motorway: RoadSpeed | None = Field(default=None, description=_SPEED.format("motorway", 90))
    trunk: RoadSpeed | None = Field(default=None, description=_SPEED.format("trunk", 70))
    primary: RoadSpeed | None = Field(default=None, description=_SPEED.format("primary", 60))
    secondary: RoadSpeed | None = Field(default=None, description=_SPEED.format("secondary", 50))
    tertiary: RoadSpeed | None = Field(default=None, description=_SPEED.format("tertiary", 40))
    unclassified: RoadSpeed | None = Field(
        default=None, description=_SPEED.format("unclassified", 30)
    )
    residential: RoadSpeed | None = Field(
        default=None, description=_SPEED.format("residential", 25)
    )
    living_street: RoadSpeed | None = Field(
        default=None, description=_SPEED.format("living_street", 10)
    )
    service: RoadSpeed | None = Field(default=None, description=_SPEED.format("service", 15))
    track: RoadSpeed | None = Field(default=None, description=_SPEED.format("track", 15))
    road: RoadSpeed | None = Field(
        default=None, description=_SPEED.format("road", 30) + " (also any other class)"
    )

    def given(self) -> dict[str, float]:
        """The speeds set in ``scenario.toml``, by road class."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


class TravelSettings(Record):
    """How travel distances and times are found: great-circle distance × circuity at an
    average speed (the default), a matrix file, or an OpenStreetMap road network."""

    mode: TravelMode = Field(
        default="great_circle",
        description=(
            "great_circle: distance × circuity at speed_kmh; matrix: the `matrix` file "
            "(from_id,to_id,km,minutes; missing pairs great circle, with a warning); osm: "
            "fastest routes on the roads of the `osm` extract"
        ),
    )
    speed_kmh: Positive = Field(
        default=40.0,
        description="average road speed (km/h) of great_circle, and of matrix pairs not given",
    )
    circuity: Annotated[float, Field(ge=1.0, le=3.0), NOT_TRUE_FALSE] = Field(
        default=1.3, description="road distance / great-circle distance (great_circle)"
    )
    matrix: Text | None = Field(
        default=None,
        description=(
            "mode matrix: CSV (or .xlsx) of from_id,to_id,km,minutes between farms and "
            "logistics points, in the scenario folder or an absolute path; empty: travel.csv"
        ),
    )
    osm: Text | None = Field(
        default=None,
        description=(
            "mode osm: an OpenStreetMap extract (.osm.pbf), relative to the scenario folder "
            "or absolute; required for mode osm"
        ),
    )
    speeds_kmh: RoadSpeeds = RoadSpeeds()

    @model_validator(mode="after")
    def _osm_named(self) -> TravelSettings:
        if self.mode == "osm" and not self.osm:
            raise ValueError('mode "osm" needs osm = "<extract>.osm.pbf"')
        return self


class RoutingSettings(Record):
    """Collection routing knobs."""

    time_limit_s: Seconds = 30.0
    solution_limit: Count | None = None
    seed: Annotated[int, Field(ge=0, le=MAX_COUNT), NOT_TRUE_FALSE] = 0
    engine: EngineName = "auto"
    workers: Count = 2
    """Processes the routing search may use (at most the machine's CPUs): the default
    engine searches that many parts or seeds at once."""
    drop_penalty_per_kg: NonNegative = 50.0
    """Objective cost (currency) of leaving one kg uncollected."""
    drop_penalty_per_task: NonNegative = 1000.0
    """Objective cost (currency) of leaving a pickup task uncollected, whatever its kg."""


class InventorySettings(Record):
    """Multi-day allocation planner knobs."""

    solver: InventorySolver = "highs"
    time_limit_s: Seconds = 60.0
    mip_gap: Annotated[float, Field(ge=0.0, le=1.0), NOT_TRUE_FALSE] = 0.01
    threads: Count = 2
    transport_cost_per_kg_km: NonNegative = 0.002
    link_fixed_cost: NonNegative = 0.0
    """Cost per farm–logistics point link used per day (> 0 makes the model a MILP)."""


def _system_name(value: object) -> object:
    """``GCJ-02`` and ``Gcj02`` name ``gcj02``: case and hyphens do not matter."""
    return value.strip().lower().replace("-", "") if isinstance(value, str) else value


#: Coordinate systems by name: the values of ``agrichain.coordinates.CoordinateSystem`` (a
#: test keeps them equal; the model stays free of numpy, which the conversions need).
CoordinateName = Literal["wgs84", "gcj02", "bd09"]
Coordinates = Annotated[CoordinateName, BeforeValidator(_system_name)]
_OF_FILE = (
    "coordinate system of the {} file where it differs from `coordinates`; empty: `coordinates`"
)


class CoordinatesOf(Record):
    """Per-file coordinate systems (``[coordinates_of]``), for scenarios whose sources are
    mixed; one key per table with ``lat``/``lon`` (``GEO_TABLES``)."""

    farms: Coordinates | None = Field(default=None, description=_OF_FILE.format("farms"))
    logistics_points: Coordinates | None = Field(
        default=None, description=_OF_FILE.format("logistics_points")
    )


class Settings(Record):
    """The parameters of ``scenario.toml``."""

    name: Text = "scenario"
    planning_date: Date
    horizon_days: Annotated[int, Field(ge=1, le=60), NOT_TRUE_FALSE] = 1
    currency: Text = "CNY"
    coordinates: Coordinates = Field(
        default="wgs84",
        description=(
            "coordinate system of `lat`/`lon` in the table files: wgs84 (GPS), gcj02 (Amap, "
            "Tencent) or bd09 (Baidu); converted to WGS84 on load (a saved scenario is "
            "WGS84)"
        ),
    )
    coordinates_of: CoordinatesOf = CoordinatesOf()
    travel: TravelSettings = TravelSettings()
    routing: RoutingSettings = RoutingSettings()
    inventory: InventorySettings = InventorySettings()
