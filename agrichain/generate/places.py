"""Where things are: village farms and logistics points on the county disc, their names and hours.

Villages spread over a disc of ``radius_km`` around the county seat, several farms
per village; a county logistics hub at the seat and express stations in towns on a
ring around it; every coordinate lies inside the disc.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from agrichain.generate.config import GeneratorConfig
from agrichain.generate.values import FloatArray, IntArray, sig6

KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LON_EQUATOR = 111.320

#: Fixed minutes per visit at the county hub (a busy dock) and at an express station.
HUB_STOP_MIN = 15.0
STATION_STOP_MIN = 10.0
#: Unloading minutes per tonne at the hub (dock, trolleys) and at a station (by hand).
HUB_UNLOADING_MIN_PER_T = 8.0
STATION_UNLOADING_MIN_PER_T = 12.0
#: Seed stream of the farms' loading rates (added later; the main stream stayed unchanged).
SERVICE_STREAM = 1
FARMS_PER_VILLAGE = 5.0

_VILLAGE_FIRST = "上下东西南北大小新高前后中石"
_VILLAGE_SECOND = "溪岙坑岭塘山湖坦洋桥湾垟坪岩田"
_TOWN_NAMES = ("白塔", "横溪", "田市", "官路", "下各", "朱溪", "埠头", "皤滩", "安岭", "溪港")
_SURNAMES = "王李张陈林吴周朱应郑徐何"


@dataclass(frozen=True)
class FarmSites:
    """The farms: where they are, their villages and names, their hours and service times."""

    lat: list[float]
    lon: list[float]
    village: IntArray
    """Village of each farm."""
    n_villages: int
    names: list[str]
    open_min: IntArray
    """Pickup window, minutes after midnight."""
    close_min: IntArray
    stop_min: FloatArray
    loading_min_per_t: FloatArray

    @property
    def pickup_span_min(self) -> IntArray:
        """Length of each farm's pickup window."""
        return self.close_min - self.open_min


@dataclass(frozen=True)
class PointSites:
    """The logistics points (the hub first): where they are, names, cut-offs."""

    lat: list[float]
    lon: list[float]
    names: list[str]
    cutoff_min: IntArray
    """Cut-off, minutes after midnight."""


def point_stop_min(index: int) -> float:
    """Fixed stop minutes at logistics point ``index`` (0: the hub)."""
    return HUB_STOP_MIN if index == 0 else STATION_STOP_MIN


def point_unloading_min_per_t(index: int) -> float:
    """Unloading minutes per tonne at logistics point ``index`` (0: the hub)."""
    return HUB_UNLOADING_MIN_PER_T if index == 0 else STATION_UNLOADING_MIN_PER_T


def disc_points(
    rng: np.random.Generator, n: int, r_min_km: float, r_max_km: float
) -> tuple[FloatArray, FloatArray]:
    """Points spread uniformly (by area) over an annulus; x east, y north, km."""
    u = rng.uniform(r_min_km**2, r_max_km**2, size=n)
    r = np.sqrt(u)
    a = rng.uniform(0.0, 2.0 * np.pi, size=n)
    return r * np.cos(a), r * np.sin(a)


def clip_to_disc(x: FloatArray, y: FloatArray, r_max_km: float) -> tuple[FloatArray, FloatArray]:
    """Points beyond ``r_max_km`` from the centre moved onto that circle."""
    r = np.hypot(x, y)
    scale = np.where(r > r_max_km, r_max_km / np.maximum(r, 1e-12), 1.0)
    return x * scale, y * scale


def to_lat_lon(
    config: GeneratorConfig, x: FloatArray, y: FloatArray
) -> tuple[list[float], list[float]]:
    """Degrees of points given in km east (``x``) and north (``y``) of the config's centre."""
    lat = config.center_lat + y / KM_PER_DEG_LAT
    lon = config.center_lon + x / (
        KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(config.center_lat))
    )
    return sig6(lat), sig6(lon)


def _village_names(rng: np.random.Generator, n_villages: int) -> list[str]:
    n_names = len(_VILLAGE_FIRST) * len(_VILLAGE_SECOND)
    name_pick = rng.permutation(n_names)
    return [
        _VILLAGE_FIRST[int(name_pick[i % n_names]) // len(_VILLAGE_SECOND)]
        + _VILLAGE_SECOND[int(name_pick[i % n_names]) % len(_VILLAGE_SECOND)]
        + (str(i // n_names + 1) if i >= n_names else "")
        + "村"
        for i in range(n_villages)
    ]


def sample_farms(config: GeneratorConfig, rng: np.random.Generator) -> FarmSites:
    """Villages on the disc, farms around them, their names, pickup windows and service times."""
    n_f, radius = config.n_farms, config.radius_km
    n_villages = max(1, math.ceil(n_f / FARMS_PER_VILLAGE))
    vx, vy = disc_points(rng, n_villages, 0.12 * radius, 0.9 * radius)
    village_size = rng.gamma(2.0, 1.0, size=n_villages)
    village = rng.choice(n_villages, size=n_f, p=village_size / village_size.sum())
    spread = min(0.8, 0.05 * radius)
    fx = vx[village] + np.clip(rng.normal(0.0, spread, size=n_f), -3 * spread, 3 * spread)
    fy = vy[village] + np.clip(rng.normal(0.0, spread, size=n_f), -3 * spread, 3 * spread)
    fx, fy = clip_to_disc(fx, fy, 0.97 * radius)
    lat, lon = to_lat_lon(config, fx, fy)
    village_names = _village_names(rng, n_villages)
    surname = rng.integers(len(_SURNAMES), size=n_f)
    open_min = 360 + 30 * rng.integers(0, 5, size=n_f)
    close_min = open_min + 30 * rng.integers(11, 17, size=n_f)
    stop_min = np.asarray(2.0 * rng.integers(2, 5, size=n_f) + 4.0, dtype=np.float64)  # 8-12 min
    service_rng = np.random.default_rng([config.seed, SERVICE_STREAM])
    return FarmSites(
        lat=lat,
        lon=lon,
        village=village,
        n_villages=n_villages,
        names=[f"{village_names[village[i]]}{_SURNAMES[surname[i]]}家农场" for i in range(n_f)],
        open_min=open_min,
        close_min=close_min,
        stop_min=stop_min,
        loading_min_per_t=service_rng.integers(8, 17, size=n_f).astype(np.float64),
    )


def sample_points(config: GeneratorConfig, rng: np.random.Generator) -> PointSites:
    """The hub at the seat and express stations in towns on a ring around it."""
    n_l, radius = config.n_logistics_points, config.radius_km
    ang = 2 * np.pi * np.arange(n_l - 1) / max(1, n_l - 1) + rng.uniform(0, 2 * np.pi)
    ang = ang + rng.normal(0.0, 0.25, size=n_l - 1)
    ring = rng.uniform(0.35, 0.65, size=n_l - 1) * radius
    hub_x, hub_y = disc_points(rng, 1, 0.0, min(1.5, 0.1 * radius))
    lx = np.concatenate([hub_x, ring * np.cos(ang)])
    ly = np.concatenate([hub_y, ring * np.sin(ang)])
    lx, ly = clip_to_disc(lx, ly, 0.97 * radius)
    lat, lon = to_lat_lon(config, lx, ly)
    cutoff_min = np.where(rng.random(n_l) < 0.5, 17 * 60, 18 * 60)
    cutoff_min[0] = 18 * 60
    town_order = rng.permutation(len(_TOWN_NAMES))
    names = ["县城电商物流中心 county e-commerce hub"] + [
        f"{_TOWN_NAMES[town_order[(i - 1) % len(_TOWN_NAMES)]]}镇快递站 express station"
        + (f" {(i - 1) // len(_TOWN_NAMES) + 1}" if i > len(_TOWN_NAMES) else "")
        for i in range(1, n_l)
    ]
    return PointSites(lat=lat, lon=lon, names=names, cutoff_min=cutoff_min)


__all__ = [
    "HUB_STOP_MIN",
    "HUB_UNLOADING_MIN_PER_T",
    "KM_PER_DEG_LAT",
    "KM_PER_DEG_LON_EQUATOR",
    "STATION_STOP_MIN",
    "STATION_UNLOADING_MIN_PER_T",
    "FarmSites",
    "PointSites",
    "clip_to_disc",
    "disc_points",
    "point_stop_min",
    "point_unloading_min_per_t",
    "sample_farms",
    "sample_points",
    "to_lat_lon",
]
