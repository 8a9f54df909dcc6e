"""Chinese map coordinates: WGS-84 ↔ GCJ-02 ↔ BD-09, vectorised.

GPS receivers and international maps give WGS-84. Maps published in mainland China
shift it: Amap (高德) and Tencent give GCJ-02 (the "Mars" offset of the national survey
bureau: polynomials and sines on the Krasovsky 1940 ellipsoid), Baidu gives BD-09 (a
further rotation and scaling of GCJ-02). The offsets are a few hundred metres.

The forward formulas are the public ones (as in the coordTransform and eviltransform
libraries). Their inverses are solved by fixed-point iteration until the forward
formula reproduces the input to :data:`INVERSION_TOLERANCE_DEG`, so a round trip comes
back to well under a millimetre. Outside the rough box around China the formula uses
(:func:`in_china`) no offset applies: there the three systems coincide.

Every function takes latitudes and longitudes in degrees, as numbers (giving floats) or
array-likes (giving arrays of the broadcast shape), and returns ``(lat, lon)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from enum import StrEnum
from typing import overload

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


class CoordinateSystem(StrEnum):
    """A geographic coordinate system of map data used in China."""

    WGS84 = "wgs84"
    """GPS and international maps (EPSG:4326)."""
    GCJ02 = "gcj02"
    """The national survey bureau's offset: Amap (高德), Tencent, Google Maps in China."""
    BD09 = "bd09"
    """Baidu's further offset of GCJ-02."""


#: The box where GCJ-02 shifts points (degrees; the published formula's test).
CHINA_MIN_LAT, CHINA_MAX_LAT = 0.8293, 55.8271
CHINA_MIN_LON, CHINA_MAX_LON = 72.004, 137.8347
#: An inverse is solved until the forward formula gives back its input to this (degrees).
INVERSION_TOLERANCE_DEG = 1e-11
#: Iterations of an inversion at most (each gains about three digits; 5 suffice in China).
MAX_INVERSION_STEPS = 30

# GCJ-02: the Krasovsky 1940 ellipsoid's semi-major axis (m) and eccentricity squared.
_A = 6378245.0
_EE = 0.00669342162296594323
# BD-09: the constants of Baidu's published rotation and scaling.
_BD_X_PI = math.pi * 3000.0 / 180.0
_BD_DLON, _BD_DLAT = 0.0065, 0.006
_BD_Z, _BD_THETA = 0.00002, 0.000003

_Pair = tuple[FloatArray, FloatArray]
_Step = Callable[[FloatArray, FloatArray], _Pair]


def _arrays(lat: npt.ArrayLike, lon: npt.ArrayLike) -> _Pair:
    a, b = np.broadcast_arrays(np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64))
    return a.copy(), b.copy()


def _in_china(lat: FloatArray, lon: FloatArray) -> npt.NDArray[np.bool_]:
    inside = (lat >= CHINA_MIN_LAT) & (lat <= CHINA_MAX_LAT)
    return inside & (lon >= CHINA_MIN_LON) & (lon <= CHINA_MAX_LON)


def _shift_lat_m(x: FloatArray, y: FloatArray) -> FloatArray:
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    r += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    r += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    r += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return r


def _shift_lon_m(x: FloatArray, y: FloatArray) -> FloatArray:
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    r += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    r += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    r += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return r


def _gcj02(lat: FloatArray, lon: FloatArray) -> _Pair:
    x, y = lon - 105.0, lat - 35.0
    d_lat, d_lon = _shift_lat_m(x, y), _shift_lon_m(x, y)
    rad = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = d_lat * 180.0 / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    d_lon = d_lon * 180.0 / (_A / sqrt_magic * np.cos(rad) * np.pi)
    inside = _in_china(lat, lon)
    return np.where(inside, lat + d_lat, lat), np.where(inside, lon + d_lon, lon)


def _bd09(lat: FloatArray, lon: FloatArray) -> _Pair:
    z = np.hypot(lon, lat) + _BD_Z * np.sin(lat * _BD_X_PI)
    theta = np.arctan2(lat, lon) + _BD_THETA * np.cos(lon * _BD_X_PI)
    inside = _in_china(lat, lon)
    bd_lat = z * np.sin(theta) + _BD_DLAT
    bd_lon = z * np.cos(theta) + _BD_DLON
    return np.where(inside, bd_lat, lat), np.where(inside, bd_lon, lon)


def _bd09_first_guess(lat: FloatArray, lon: FloatArray) -> _Pair:
    """Baidu's published approximate inverse (off by up to a few 1e-6 degrees)."""
    x, y = lon - _BD_DLON, lat - _BD_DLAT
    z = np.hypot(x, y) - _BD_Z * np.sin(y * _BD_X_PI)
    theta = np.arctan2(y, x) - _BD_THETA * np.cos(x * _BD_X_PI)
    inside = _in_china(lat, lon)
    return np.where(inside, z * np.sin(theta), lat), np.where(inside, z * np.cos(theta), lon)


def _invert(forward: _Step, lat: FloatArray, lon: FloatArray, guess: _Pair) -> _Pair:
    """The point that ``forward`` maps to (lat, lon), by fixed-point iteration from ``guess``."""
    x_lat, x_lon = guess
    for _ in range(MAX_INVERSION_STEPS):
        f_lat, f_lon = forward(x_lat, x_lon)
        miss_lat, miss_lon = f_lat - lat, f_lon - lon
        x_lat, x_lon = x_lat - miss_lat, x_lon - miss_lon
        miss = np.maximum(np.abs(miss_lat), np.abs(miss_lon))
        if np.max(miss, initial=0.0) < INVERSION_TOLERANCE_DEG:
            break
    return x_lat, x_lon


def _wgs84_from_gcj02(lat: FloatArray, lon: FloatArray) -> _Pair:
    return _invert(_gcj02, lat, lon, (lat, lon))


def _gcj02_from_bd09(lat: FloatArray, lon: FloatArray) -> _Pair:
    return _invert(_bd09, lat, lon, _bd09_first_guess(lat, lon))


def _identity(lat: FloatArray, lon: FloatArray) -> _Pair:
    return lat, lon


#: (from, to) → the steps, applied in turn.
_ROUTES: dict[tuple[CoordinateSystem, CoordinateSystem], tuple[_Step, ...]] = {
    (CoordinateSystem.WGS84, CoordinateSystem.GCJ02): (_gcj02,),
    (CoordinateSystem.GCJ02, CoordinateSystem.WGS84): (_wgs84_from_gcj02,),
    (CoordinateSystem.GCJ02, CoordinateSystem.BD09): (_bd09,),
    (CoordinateSystem.BD09, CoordinateSystem.GCJ02): (_gcj02_from_bd09,),
    (CoordinateSystem.WGS84, CoordinateSystem.BD09): (_gcj02, _bd09),
    (CoordinateSystem.BD09, CoordinateSystem.WGS84): (_gcj02_from_bd09, _wgs84_from_gcj02),
}


def _run(steps: tuple[_Step, ...], lat: npt.ArrayLike, lon: npt.ArrayLike) -> _Pair:
    a, b = _arrays(lat, lon)
    for step in steps:
        a, b = step(a, b)
    return a, b


def _out(
    pair: _Pair, lat: float | npt.ArrayLike, lon: float | npt.ArrayLike
) -> tuple[float, float] | _Pair:
    if np.ndim(lat) == 0 and np.ndim(lon) == 0:
        return float(pair[0]), float(pair[1])
    return pair


@overload
def convert(
    lat: float, lon: float, source: CoordinateSystem | str, target: CoordinateSystem | str = ...
) -> tuple[float, float]: ...
@overload
def convert(
    lat: npt.ArrayLike,
    lon: npt.ArrayLike,
    source: CoordinateSystem | str,
    target: CoordinateSystem | str = ...,
) -> _Pair: ...
def convert(
    lat: float | npt.ArrayLike,
    lon: float | npt.ArrayLike,
    source: CoordinateSystem | str,
    target: CoordinateSystem | str = CoordinateSystem.WGS84,
) -> tuple[float, float] | _Pair:
    """(lat, lon) in ``target`` of points given in ``source`` (default target: WGS-84).

    ``source`` and ``target`` are :class:`CoordinateSystem` members or their names
    (``"gcj02"``); an unknown name is a :class:`ValueError`.
    """
    route = (CoordinateSystem(source), CoordinateSystem(target))
    steps = _ROUTES.get(route, (_identity,))
    return _out(_run(steps, lat, lon), lat, lon)


class Conversion:
    """One conversion between two systems, called as ``f(lat, lon) -> (lat, lon)``: numbers
    give floats, array-likes give arrays."""

    def __init__(self, source: CoordinateSystem, target: CoordinateSystem, doc: str) -> None:
        self.source, self.target = source, target
        self.__doc__ = doc

    def __repr__(self) -> str:
        return f"{self.source.value}_to_{self.target.value}"

    @overload
    def __call__(self, lat: float, lon: float) -> tuple[float, float]: ...
    @overload
    def __call__(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> _Pair: ...
    def __call__(
        self, lat: float | npt.ArrayLike, lon: float | npt.ArrayLike
    ) -> tuple[float, float] | _Pair:
        return convert(lat, lon, self.source, self.target)


_W, _G, _B = CoordinateSystem.WGS84, CoordinateSystem.GCJ02, CoordinateSystem.BD09
wgs84_to_gcj02 = Conversion(_W, _G, "(lat, lon) in GCJ-02 (Amap, Tencent) of WGS-84 points.")
gcj02_to_wgs84 = Conversion(_G, _W, "(lat, lon) in WGS-84 of GCJ-02 points (exact inverse).")
gcj02_to_bd09 = Conversion(_G, _B, "(lat, lon) in BD-09 (Baidu) of GCJ-02 points.")
bd09_to_gcj02 = Conversion(_B, _G, "(lat, lon) in GCJ-02 of BD-09 points (exact inverse).")
wgs84_to_bd09 = Conversion(_W, _B, "(lat, lon) in BD-09 (Baidu) of WGS-84 points.")
bd09_to_wgs84 = Conversion(_B, _W, "(lat, lon) in WGS-84 of BD-09 points (exact inverse).")


@overload
def in_china(lat: float, lon: float) -> bool: ...
@overload
def in_china(lat: npt.ArrayLike, lon: npt.ArrayLike) -> npt.NDArray[np.bool_]: ...
def in_china(
    lat: float | npt.ArrayLike, lon: float | npt.ArrayLike
) -> bool | npt.NDArray[np.bool_]:
    """Whether the Chinese offsets apply at a point (the published formula's box)."""
    inside = _in_china(*_arrays(lat, lon))
    if np.ndim(lat) == 0 and np.ndim(lon) == 0:
        return bool(inside)
    return inside


__all__ = [
    "CHINA_MAX_LAT",
    "CHINA_MAX_LON",
    "CHINA_MIN_LAT",
    "CHINA_MIN_LON",
    "INVERSION_TOLERANCE_DEG",
    "MAX_INVERSION_STEPS",
    "Conversion",
    "CoordinateSystem",
    "FloatArray",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "convert",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "in_china",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]
