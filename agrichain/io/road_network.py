"""Road-network travel from a local OpenStreetMap extract (``.osm.pbf``).

The drivable roads are read with pyrosm once per file and speed table and cached on disk
(:func:`load_road_network`). Each road class (OSM ``highway``) has a speed
(:data:`DEFAULT_SPEEDS_KMH`, overridable); one-way streets count one way. Only the
largest part of the network in which every node reaches every other is kept, so every
pair of places has a route.

:class:`RoadNetworkTravel` finds the fastest route between places (scipy's Dijkstra from
each place's road node) and its length. A place off the network goes to its nearest road
node (by straight line, found with a k-d tree on locally projected coordinates): that
snap distance is added at each end of the trip at :data:`SNAP_SPEED_KMH`, the pace of a
farm track or a yard. :meth:`RoadNetworkTravel.path` gives the road polyline of a trip.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import warnings
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from agrichain.errors import InputIssue, ScenarioError
from agrichain.geo import EARTH_RADIUS_KM, FloatArray, TravelMatrix
from agrichain.io.atomic import atomic_write_bytes

IntArray = npt.NDArray[np.int64]

#: km/h by OSM ``highway`` class; ``road`` also stands for any class not listed.
DEFAULT_SPEEDS_KMH: dict[str, float] = {
    "motorway": 90.0, "trunk": 70.0, "primary": 60.0, "secondary": 50.0, "tertiary": 40.0,
    "unclassified": 30.0, "residential": 25.0, "living_street": 10.0, "service": 15.0,
    "track": 15.0, "road": 30.0,
}  # fmt: skip
#: Classes whose ``*_link`` ramps take the class's speed.
LINKED_CLASSES = ("motorway", "trunk", "primary", "secondary", "tertiary")
#: km/h between a place and its nearest road node (a farm track, a yard).
SNAP_SPEED_KMH = 15.0
#: The cache folder's environment variable (roads are cached in ``$AGRICHAIN_CACHE/roads``).
CACHE_ENV = "AGRICHAIN_CACHE"
#: Bumped when the cached arrays change meaning.
CACHE_VERSION = 1
#: Dijkstra runs on one integer weight per edge: thousandths of a minute above
#: :data:`LENGTH_BITS` bits of metres, so the fastest route wins and, among equally fast
#: ones, the shortest; both sums stay exact in a float64.
TIME_UNITS_PER_MIN = 1000.0
LENGTH_UNITS_PER_KM = 1000.0
LENGTH_BITS = 26
#: Sources per Dijkstra call (bounds the memory of the rows it returns).
ROWS_PER_CALL_CELLS = 4_000_000
#: Predecessor rows kept for :meth:`RoadNetworkTravel.path`.
PATH_CACHE_ROWS = 64
ONE_WAY = frozenset({"yes", "true", "1"})
REVERSED = frozenset({"-1", "reverse"})


def road_speeds(overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """The speed of every road class: the defaults, then ``overrides``; ramps as their road."""
    speeds = {**DEFAULT_SPEEDS_KMH, **(overrides or {})}
    for road in LINKED_CLASSES:
        speeds.setdefault(f"{road}_link", speeds[road])
    return speeds


def pair_km(lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray) -> FloatArray:
    """Great-circle km between points taken pairwise."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = (
        np.sin((p2 - p1) / 2) ** 2
        + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    )
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))


@dataclass(frozen=True, eq=False)
class RoadNetwork:
    """Road nodes and directed road segments (their km and minutes)."""

    lat: FloatArray
    lon: FloatArray
    tail: IntArray
    head: IntArray
    km: FloatArray
    minutes: FloatArray
    source: str = ""
    """The file it was read from (name only)."""
    from_cache: bool = False
    """True when read from the disk cache rather than parsed."""

    @property
    def nodes(self) -> int:
        return len(self.lat)

    @classmethod
    def from_segments(
        cls,
        lat: npt.ArrayLike,
        lon: npt.ArrayLike,
        tail: npt.ArrayLike,
        head: npt.ArrayLike,
        km: npt.ArrayLike,
        minutes: npt.ArrayLike,
        source: str = "",
    ) -> RoadNetwork:
        """A network of the given directed segments: of parallel segments the fastest is
        kept, and only the largest strongly connected part."""
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import connected_components

        n = len(np.asarray(lat))
        t, h = np.asarray(tail, dtype=np.int64), np.asarray(head, dtype=np.int64)
        k, m = np.asarray(km, dtype=float), np.asarray(minutes, dtype=float)
        keep = t != h
        t, h, k, m = t[keep], h[keep], k[keep], m[keep]
        order = np.lexsort((k, m, h, t))
        t, h, k, m = t[order], h[order], k[order], m[order]
        first = np.ones(len(t), dtype=bool)
        first[1:] = (t[1:] != t[:-1]) | (h[1:] != h[:-1])
        t, h, k, m = t[first], h[first], k[first], m[first]
        adjacency = csr_matrix((np.ones(len(t)), (t, h)), shape=(n, n))
        _, label = connected_components(adjacency, directed=True, connection="strong")
        largest = np.bincount(label).argmax() if n else 0
        kept = label == largest
        index = np.cumsum(kept) - 1
        inside = kept[t] & kept[h]
        return cls(
            lat=np.asarray(lat, dtype=float)[kept],
            lon=np.asarray(lon, dtype=float)[kept],
            tail=index[t[inside]],
            head=index[h[inside]],
            km=k[inside],
            minutes=m[inside],
            source=source,
        )


def cache_folder() -> Path:
    """``$AGRICHAIN_CACHE/roads``, else ``~/.cache/agrichain/roads``."""
    root = os.environ.get(CACHE_ENV)
    return (Path(root) if root else Path.home() / ".cache" / "agrichain") / "roads"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_file(sha256: str, speeds: Mapping[str, float], folder: Path | None = None) -> Path:
    """Where the network of a file (by its SHA-256) read with ``speeds`` is cached."""
    key = json.dumps({"v": CACHE_VERSION, "speeds": dict(sorted(speeds.items()))})
    tag = hashlib.sha256(key.encode()).hexdigest()[:16]
    return (folder or cache_folder()) / f"{sha256}-{tag}.npz"


def load_road_network(
    path: str | os.PathLike[str],
    speeds_kmh: Mapping[str, float] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
) -> RoadNetwork:
    """The drivable network of an ``.osm.pbf`` file at ``speeds_kmh`` (overrides of
    :data:`DEFAULT_SPEEDS_KMH`), from the cache when it holds this file and these speeds."""
    pbf = Path(path)
    try:
        sha = file_sha256(pbf)
    except OSError as exc:
        raise ScenarioError(InputIssue(str(pbf), None, None, f"cannot read: {exc}")) from None
    speeds = road_speeds(speeds_kmh)
    cached = cache_file(sha, speeds, None if cache_dir is None else Path(cache_dir))
    if cached.is_file():
        try:
            with np.load(cached, allow_pickle=False) as z:
                arrays = {k: z[k] for k in ("lat", "lon", "tail", "head", "km", "minutes")}
            return RoadNetwork(**arrays, source=pbf.name, from_cache=True)
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache file is rebuilt
    network = parse_pbf(pbf, speeds)
    buffer = io.BytesIO()
    np.savez(
        buffer, lat=network.lat, lon=network.lon, tail=network.tail, head=network.head,
        km=network.km, minutes=network.minutes,
    )  # fmt: skip
    with contextlib.suppress(OSError):  # no cache where it cannot be written: read again
        atomic_write_bytes(cached, buffer.getvalue())
    return network


def _directions(edges: Any) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Whether each OSM segment may be driven forward, and backward (``oneway``; motorways
    and roundabouts are one-way unless tagged otherwise)."""
    n = len(edges)

    def tag(name: str, values: frozenset[str] | set[str]) -> npt.NDArray[np.bool_]:
        if name not in edges.columns:
            return np.zeros(n, dtype=bool)
        text = edges[name].astype(str).str.strip().str.lower()
        return np.asarray(text.isin(values).to_numpy(), dtype=bool)

    unsaid = ~tag("oneway", ONE_WAY | REVERSED | {"no", "false", "0", "reversible"})
    implied = tag("highway", {"motorway", "motorway_link"}) | tag(
        "junction", {"roundabout", "circular"}
    )
    one = tag("oneway", ONE_WAY) | (unsaid & implied)
    return ~tag("oneway", REVERSED), ~one


def parse_pbf(path: Path, speeds: Mapping[str, float]) -> RoadNetwork:
    """The drivable network of an ``.osm.pbf`` file (pyrosm), not cached."""
    import pyrosm

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = pyrosm.OSM(str(path)).get_network(network_type="driving", nodes=True)
    except Exception as exc:  # pyrosm's own errors for a file that is not an extract
        message = f"cannot read the OpenStreetMap extract: {exc}"
        raise ScenarioError(InputIssue(path.name, None, None, message)) from None
    if got is None or len(got[1]) == 0:
        raise ScenarioError(InputIssue(path.name, None, None, "no drivable roads in the file"))
    nodes, edges = got
    ids = nodes["id"].to_numpy(dtype=np.int64)
    sorter = np.argsort(ids)
    u, v = edges["u"].to_numpy(dtype=np.int64), edges["v"].to_numpy(dtype=np.int64)
    iu = np.minimum(np.searchsorted(ids, u, sorter=sorter), len(ids) - 1)
    iv = np.minimum(np.searchsorted(ids, v, sorter=sorter), len(ids) - 1)
    tail, head = sorter[iu], sorter[iv]
    known = (ids[tail] == u) & (ids[head] == v)
    lat, lon = nodes["lat"].to_numpy(dtype=float), nodes["lon"].to_numpy(dtype=float)
    km = pair_km(lat[tail], lon[tail], lat[head], lon[head])
    if "length" in edges.columns:
        metres = edges["length"].to_numpy(dtype=float)
        km = np.where(np.isfinite(metres), metres / 1000.0, km)
    highway = edges["highway"].astype(str).str.strip().str.lower()
    kmh = highway.map(lambda c: speeds.get(c, speeds["road"])).to_numpy(dtype=float)
    minutes = km / kmh * 60.0
    forward, backward = _directions(edges)
    fw, bw = known & forward, known & backward
    return RoadNetwork.from_segments(
        lat, lon,
        np.concatenate([tail[fw], head[bw]]), np.concatenate([head[fw], tail[bw]]),
        np.concatenate([km[fw], km[bw]]), np.concatenate([minutes[fw], minutes[bw]]),
        source=path.name,
    )  # fmt: skip


class RoadNetworkTravel:
    """Travel on a :class:`RoadNetwork`: the fastest road route between places, plus the
    snap distance of each place to its nearest road node at ``snap_speed_kmh``."""

    def __init__(
        self,
        network: RoadNetwork,
        snap_speed_kmh: float = SNAP_SPEED_KMH,
        notes: Mapping[str, Any] | None = None,
    ) -> None:
        if network.nodes == 0:
            raise ValueError("the road network has no nodes")
        if snap_speed_kmh <= 0:
            raise ValueError("snap_speed_kmh must be > 0")
        self.network = network
        self.snap_speed_kmh = snap_speed_kmh
        #: What ``summary.json`` says about the travel model (set by ``travel_model``).
        self.notes: dict[str, Any] = dict(notes or {})
        self._reset()

    def _reset(self) -> None:
        self._tree: Any = None
        self._graph: Any = None
        self._rows: OrderedDict[int, IntArray] = OrderedDict()
        self._last: tuple[bytes, TravelMatrix] | None = None

    def __getstate__(self) -> dict[str, Any]:
        keep = ("network", "snap_speed_kmh", "notes")
        return {k: v for k, v in self.__dict__.items() if k in keep}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._reset()

    # ----- geometry -------------------------------------------------------------------
    def _xy(self, lat: FloatArray, lon: FloatArray) -> FloatArray:
        lat0 = np.radians(float(np.mean(self.network.lat)))
        x = EARTH_RADIUS_KM * np.radians(lon) * np.cos(lat0)
        return np.column_stack([x, EARTH_RADIUS_KM * np.radians(lat)])

    def snap(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> tuple[IntArray, FloatArray]:
        """Each place's nearest road node and its great-circle distance to it (km)."""
        from scipy.spatial import cKDTree

        la = np.atleast_1d(np.asarray(lat, dtype=float))
        lo = np.atleast_1d(np.asarray(lon, dtype=float))
        if self._tree is None:
            self._tree = cKDTree(self._xy(self.network.lat, self.network.lon))
        _, node = self._tree.query(self._xy(la, lo))
        node = np.asarray(node, dtype=np.int64)
        return node, pair_km(la, lo, self.network.lat[node], self.network.lon[node])

    def graph(self) -> Any:
        """The segments as a sparse matrix of encoded weights (time, then length)."""
        if self._graph is None:
            from scipy.sparse import csr_matrix

            net = self.network
            time_units = np.rint(net.minutes * TIME_UNITS_PER_MIN)
            length_units = np.maximum(1.0, np.rint(net.km * LENGTH_UNITS_PER_KM))
            weight = time_units * float(2**LENGTH_BITS) + length_units
            self._graph = csr_matrix((weight, (net.tail, net.head)), shape=(net.nodes,) * 2)
        return self._graph

    def between_nodes(self, nodes: IntArray) -> tuple[FloatArray, FloatArray]:
        """Minutes and km of the fastest routes between the given road nodes (square)."""
        from scipy.sparse.csgraph import dijkstra

        k = len(nodes)
        minutes, km = np.zeros((k, k)), np.zeros((k, k))
        step = max(1, ROWS_PER_CALL_CELLS // max(1, self.network.nodes))
        for start in range(0, k, step):
            rows = dijkstra(self.graph(), directed=True, indices=nodes[start : start + step])
            weight = np.atleast_2d(rows)[:, nodes]
            if not np.all(np.isfinite(weight)):  # the network is strongly connected
                raise ValueError("a road node cannot reach another")
            units = np.floor(weight / 2**LENGTH_BITS)
            minutes[start : start + step] = units / TIME_UNITS_PER_MIN
            km[start : start + step] = (weight - units * 2**LENGTH_BITS) / LENGTH_UNITS_PER_KM
        return minutes, km

    def matrix(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> TravelMatrix:
        """Fastest-route km and minutes between the places (the last answer is kept: the
        allocation and routing ask for the same places)."""
        la, lo = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
        key = la.tobytes() + b"|" + lo.tobytes()
        if self._last is not None and self._last[0] == key:
            return self._last[1]
        node, snap_km = self.snap(la, lo)
        unique, back = np.unique(node, return_inverse=True)
        road_min, road_km = self.between_nodes(unique)
        snap_min = snap_km / self.snap_speed_kmh * 60.0
        km = snap_km[:, None] + road_km[np.ix_(back, back)] + snap_km[None, :]
        minutes = snap_min[:, None] + road_min[np.ix_(back, back)] + snap_min[None, :]
        same = (la[:, None] == la[None, :]) & (lo[:, None] == lo[None, :])
        km[same] = 0.0
        minutes[same] = 0.0
        answer = TravelMatrix(distance_km=km, duration_min=minutes)
        self._last = (key, answer)
        return answer

    def path(
        self, a: tuple[float, float], b: tuple[float, float]
    ) -> tuple[tuple[float, float], ...]:
        """The (lat, lon) points driven from place ``a`` to place ``b``: the place, its road
        node, the road's nodes, ``b``'s road node and ``b``."""
        if a == b:
            return (a, b)
        node, _ = self.snap([a[0], b[0]], [a[1], b[1]])
        pred = self._predecessors(int(node[0]))
        walk = [int(node[1])]
        while walk[-1] != node[0] and pred[walk[-1]] >= 0:
            walk.append(int(pred[walk[-1]]))
        walk.reverse()
        points = [a, *((float(self.network.lat[i]), float(self.network.lon[i])) for i in walk), b]
        return tuple(p for i, p in enumerate(points) if i == 0 or p != points[i - 1])

    def _predecessors(self, source: int) -> IntArray:
        row = self._rows.get(source)
        if row is None:
            from scipy.sparse.csgraph import dijkstra

            _, pred = dijkstra(
                self.graph(), directed=True, indices=source, return_predecessors=True
            )
            row = np.asarray(pred, dtype=np.int64)
            self._rows[source] = row
            while len(self._rows) > PATH_CACHE_ROWS:
                self._rows.popitem(last=False)
        self._rows.move_to_end(source)
        return row


__all__ = [
    "CACHE_ENV", "DEFAULT_SPEEDS_KMH", "SNAP_SPEED_KMH", "RoadNetwork", "RoadNetworkTravel",
    "cache_file", "cache_folder", "file_sha256", "load_road_network", "pair_km", "parse_pbf",
    "road_speeds",
]  # fmt: skip
