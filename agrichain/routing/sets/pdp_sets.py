"""Pickup-and-delivery benchmark instances: the instance type and the file-layout test.

Two sets live in ``../shared/benchmarks`` (their READMEs give the file formats):
Cordeau's dial-a-ride instances (``darp/instances/<name>.txt``, proven optima in
``darp/bks.csv``) and Li & Lim's PDPTW instances (``pdptw/<name>.txt``, best known
vehicles and distance in ``pdptw/bks.csv``). Both use unrounded Euclidean
distances, so the integer :class:`RoutingProblem` is a scaled, conservative
approximation (:mod:`agrichain.routing.sets.pdp_readers`), and every result is
re-verified and re-costed in real numbers from its node sequences
(:mod:`agrichain.routing.sets.pdp_verify`).

Node numbering: problem node ``i`` is line ``i`` of the file (DARP: 0 = start
depot, 1..n pickups, n+1..2n deliveries, 2n+1 = end depot; Li & Lim: 0 = depot,
then the tasks in file order), so ``node_location`` is the identity.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from agrichain.routing.problem import FloatArray, IntArray, RoutingProblem

#: Problem units (distance and time) per benchmark unit, for both sets.
SCALE = 1000


@dataclass(frozen=True, eq=False)
class PdpInstance:
    """A DARP or Li & Lim instance: the integer problem plus the real data to verify results."""

    name: str
    path: Path
    kind: str
    """"darp" or "lilim"."""
    problem: RoutingProblem
    xy: FloatArray
    """(N, 2) real coordinates per node (node = file line)."""
    demand: IntArray
    """(N,) load change per node."""
    service: FloatArray
    """(N,) service duration."""
    tw_start: FloatArray
    """(N,) earliest start of service."""
    tw_end: FloatArray
    """(N,) latest start of service."""
    pairs: IntArray
    """(P, 2) pickup node, delivery node."""
    capacity: int
    num_vehicles: int
    """K: at most this many routes."""
    start_node: int
    end_node: int
    max_ride: float | None = None
    """DARP L: delivery start minus pickup service end (None: no limit)."""
    max_duration: float | None = None
    """DARP T: end-depot start minus start-depot start (None: no limit)."""
    bks: float | None = None
    """Best-known (DARP: proven optimal) total distance in benchmark units."""
    bks_vehicles: int | None = None
    """Li & Lim: vehicles of the best-known solution."""
    proven_optimal: bool = False

    @property
    def cost_scale(self) -> int:
        """Problem distance units per benchmark distance unit."""
        return SCALE

    @property
    def num_requests(self) -> int:
        return int(self.pairs.shape[0])


def _numeric(tokens: Sequence[str]) -> bool:
    return all(re.fullmatch(r"-?\d+(\.\d*)?", t) for t in tokens)


def pdp_kind(path: str | Path) -> str | None:
    """ "darp" or "lilim" if the file has that layout, else None (e.g. Solomon, VRPLIB)."""
    path = Path(path)
    try:
        head = [ln.split() for ln in path.read_text().splitlines()[:4] if ln.strip()]
    except (OSError, UnicodeDecodeError):
        return None
    if len(head) < 2 or not all(_numeric(r) for r in head):
        return None
    if len(head[0]) == 5 and all(len(r) == 7 for r in head[1:]):
        return "darp"
    if len(head[0]) == 3 and all(len(r) == 9 for r in head[1:]):
        return "lilim"
    return None


__all__ = ["SCALE", "PdpInstance", "pdp_kind"]
