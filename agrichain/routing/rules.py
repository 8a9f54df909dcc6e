"""The closed vocabularies routing results are explained in.

:class:`Rule` and :class:`Violation` name the hard rules a solution breaks
(:func:`agrichain.routing.check.check_solution`); :class:`Cause` says why a visit
is not served (:mod:`agrichain.routing.servable`, :mod:`agrichain.routing.causes`).
"""

from __future__ import annotations

import enum


class Cause(enum.StrEnum):
    """Why a visit is not served: the closed set of causes, worded generically.

    The first six hold for the visit on its own (no vehicle could serve it even on
    an otherwise empty route); the last four depend on the rest of the plan.
    :mod:`agrichain.routing.collection_plan` words each in the domain's terms.
    """

    NO_VEHICLE_ON_SHIFT = "no vehicle can work within its shift"
    NOT_ALLOWED = "no usable vehicle is allowed to visit it"
    OVER_CAPACITY = "its load exceeds the capacity of every allowed vehicle"
    OUT_OF_WINDOW = "no allowed vehicle can reach it within its time window and its shift"
    TRANSIT_TOO_LONG = "even the direct trip from pickup to delivery exceeds its transit limit"
    PAIR_TIMING = (
        "no single vehicle can do pickup then delivery within the windows and the transit limit"
    )
    FLEET_FULL = "every vehicle is full or out of time (capacity and shifts used by others)"
    RESTRICTED_FLEET_FULL = "every vehicle allowed to carry it is full or out of time"
    UNPROFITABLE = "serving it would cost more than leaving it (its drop penalty)"
    SEARCH_STOPPED = "it fits in the plan, but the search stopped before placing it"

    @property
    def code(self) -> str:
        """Short stable identifier, e.g. ``fleet_full``."""
        return self.name.lower()

    @property
    def alone(self) -> bool:
        """True when the visit cannot be served even on a route of its own."""
        return self not in (
            Cause.FLEET_FULL,
            Cause.RESTRICTED_FLEET_FULL,
            Cause.UNPROFITABLE,
            Cause.SEARCH_STOPPED,
        )


class Rule(enum.StrEnum):
    """The hard rules a routing solution can break: the closed set of violation codes."""

    ROUTE_ENDS = "route_ends"
    """A route does not start and end at its vehicle's nodes, or a vehicle has two."""
    UNKNOWN = "unknown"
    """A node or vehicle that does not exist."""
    DEPOT_VISIT = "depot_visit"
    """A start/end node visited in the middle of a route."""
    NOT_ALLOWED = "not_allowed"
    """A vehicle at a node it may not visit (cold chain)."""
    REPORT = "report"
    """Reported arrival, load or distance disagree with the recomputed ones."""
    WINDOW = "window"
    """Service outside the node's time window (or before the vehicle can arrive)."""
    CAPACITY = "capacity"
    """Load outside [0, capacity]."""
    SHIFT = "shift"
    """Departure before the shift starts or return after it ends."""
    COVERAGE = "coverage"
    """A visit served twice, neither served nor dropped, or a mandatory visit dropped."""
    PAIRING = "pairing"
    """A pickup and its delivery on different vehicles, alone, or in the wrong order."""
    TRANSIT = "transit"
    """A delivery later after its pickup than the pair's transit limit."""
    FIRST_VISIT = "first_visit"
    """A vehicle leaves a delivery's place still carrying the cargo for it."""
    FLEET_SIZE = "fleet_size"
    """More vehicles used than the problem allows."""
    STATUS = "status"
    """The solution's status contradicts its routes."""


class Violation(str):
    """A broken rule: a readable sentence (the string itself), its :class:`Rule`, and
    the vehicle and node it concerns where there is one."""

    rule: Rule
    vehicle: int | None
    node: int | None

    def __new__(
        cls, rule: Rule, text: str, vehicle: int | None = None, node: int | None = None
    ) -> Violation:
        made = super().__new__(cls, text)
        made.rule = rule
        made.vehicle = vehicle
        made.node = node
        return made

    def __reduce__(
        self,
    ) -> tuple[type[Violation], tuple[Rule, str, int | None, int | None]]:
        return (Violation, (self.rule, str(self), self.vehicle, self.node))


__all__ = ["Cause", "Rule", "Violation"]
