"""Short texts the hand-over pages share: times of day, places and their contacts, file names."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from agrichain.model import Scenario
from agrichain.plan import Plan, Route

#: Characters a sheet's file name keeps from a vehicle id (others become ``_``).
_UNSAFE = re.compile(r"[^\w.-]")


def hhmm(when: dt.datetime, day: dt.date) -> str:
    """``HH:MM`` of ``when``, prefixed with ``MM-DD`` when it falls on another day than ``day``."""
    text = when.strftime("%H:%M")
    return text if when.date() == day else f"{when:%m-%d} {text}"


def place_name(scenario: Scenario, place_id: str) -> str:
    """Name of a farm or logistics point (empty for an unknown id)."""
    if place_id in scenario.farm:
        return scenario.farm[place_id].name
    if place_id in scenario.logistics_point:
        return scenario.logistics_point[place_id].name
    return ""


@dataclass(frozen=True)
class Contact:
    """Whom to call at a place (both may be empty)."""

    name: str = ""
    phone: str = ""


def place_contact(scenario: Scenario, place_id: str) -> Contact:
    """The contact of a farm (logistics points have none in the format)."""
    farm = scenario.farm.get(place_id)
    return Contact(farm.contact_name, farm.contact_phone) if farm else Contact()


def route_of(plan: Plan, vehicle_id: str) -> Route:
    """The route of ``vehicle_id``; ValueError if it has none."""
    route = next((r for r in plan.routes if r.vehicle_id == vehicle_id), None)
    if route is None:
        raise ValueError(f"vehicle '{vehicle_id}' has no route in this plan")
    return route


def sheet_stems(vehicle_ids: Iterable[str]) -> dict[str, str]:
    """A file name stem per vehicle id: the id where it is a safe file name, else with
    ``_`` for unsafe characters; distinct even where case is ignored (``-2``, ``-3`` …)."""
    stems: dict[str, str] = {}
    taken: set[str] = {"index", "map"}  # the bundle's own pages
    for vid in vehicle_ids:
        base = _UNSAFE.sub("_", vid).lstrip(".") or "_"
        stem, k = base, 1
        while stem.lower() in taken:
            k += 1
            stem = f"{base}-{k}"
        taken.add(stem.lower())
        stems[vid] = stem
    return stems


def tel_uri(phone: str) -> str:
    """A ``tel:`` URI of a phone number as written (digits and a leading ``+`` kept)."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return f"tel:{'+' if phone.strip().startswith('+') else ''}{digits}"


__all__ = [
    "Contact",
    "hhmm",
    "place_contact",
    "place_name",
    "route_of",
    "sheet_stems",
    "tel_uri",
]
