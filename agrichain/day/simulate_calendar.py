"""The simulated week's calendar and its seeded draws, the same for every policy.

A scenario covers a few days; a week needs more. The calendar repeats what the scenario
holds, cyclically:

* **supply**: the scenario's days of supply (planning date to its last supply date) repeat
  in turn (day ``n`` harvests what day ``n mod C`` of the scenario does);
* **sessions**: the evening of day ``d`` holds the scenario's sessions starting that
  evening; an evening without any holds copies of the sessions held before the planning
  date (the ones with orders: ``<session>-e<d>``, same point and start time), with a
  forecast of what those sold (their orders' boxes per product);
* **sales**: after each planned day, every session of that evening with a forecast
  gets its orders, drawn: per product ``forecast boxes × uniform(demand range)`` boxes,
  split into orders of the sizes the held sessions' orders of that product have; each
  ships by the session's date plus the ship-by lag of a held order (at most the horizon),
  at that order's time of day.

The draws (:class:`DayDraw`): per day a harvest factor per farm (its actual harvest =
supply × factor, unknown to the planner), at most one vehicle broken down (known before
planning; never the last refrigerated one when a product needs a cold chain), and the
evening's orders. They come from one :class:`numpy.random.Generator` seeded with the
seed, drawn day by day in a fixed order, so every policy meets the same ones.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from agrichain.model import Forecast, LiveSession, Order, Scenario, Supply


@dataclass(frozen=True)
class DrawSettings:
    """How strong the disruptions are."""

    harvest_low: float = 0.8
    harvest_high: float = 1.1
    """A farm's actual harvest is its supply × uniform(harvest_low, harvest_high)."""
    breakdown_probability: float = 0.3
    """Chance that one vehicle is unavailable on a day."""
    demand_low: float = 0.8
    demand_high: float = 1.2
    """An evening's sales of a product are its forecast boxes × uniform(low, high)."""


@dataclass(frozen=True)
class DayDraw:
    """What happens on one simulated day, whatever the policy."""

    day: int
    harvest_factor: dict[str, float]
    """Per farm: actual harvest / supply."""
    broken_vehicle: str | None
    evening_orders: tuple[Order, ...]
    """Orders taken in the sessions of the day's evening (added after the day's plan)."""


@dataclass(frozen=True)
class _Pattern:
    """One evening's sales as the held sessions show them, per product."""

    sessions: tuple[LiveSession, ...]
    """The sessions of the last evening before the planning date."""
    boxes: dict[str, list[int]]
    """Order sizes per product."""
    lags: dict[str, list[tuple[int, dt.time]]]
    """Ship-by lag (days after the session's date) and time of day, per product."""
    forecast: dict[str, dict[str, float]]
    """Per held session, boxes sold per product."""


def _pattern(scenario: Scenario) -> _Pattern:
    midnight = dt.datetime.combine(scenario.settings.planning_date, dt.time())
    held = [s for s in scenario.sessions if s.start < midnight]
    last = max((s.start.date() for s in held), default=None)
    boxes: dict[str, list[int]] = defaultdict(list)
    lags: dict[str, list[tuple[int, dt.time]]] = defaultdict(list)
    forecast: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for o in sorted(scenario.orders, key=lambda o: o.order_id):
        session = scenario.session[o.session_id]
        if session.start >= midnight:
            continue
        boxes[o.product_id].append(o.quantity_boxes)
        lag = max(1, (o.ship_by.date() - session.start.date()).days)
        lags[o.product_id].append((lag, o.ship_by.time()))
        forecast[o.session_id][o.product_id] += o.quantity_boxes
    return _Pattern(
        tuple(s for s in held if s.start.date() == last),
        dict(boxes),
        dict(lags),
        {k: dict(v) for k, v in forecast.items()},
    )


class Calendar:
    """Supply, sessions and forecasts of every simulated day (see the module notes)."""

    def __init__(self, scenario: Scenario) -> None:
        self.start = scenario.settings.planning_date
        self.horizon = scenario.settings.horizon_days
        self.cutoff = {p.logistics_point_id: p.cutoff for p in scenario.logistics_points}
        self.pattern = _pattern(scenario)
        by_day: dict[int, list[Supply]] = defaultdict(list)
        for s in scenario.supply:
            by_day[(s.date - self.start).days].append(s)
        self.cycle = max((d for d in by_day if d >= 0), default=0) + 1
        self.supply_of = {d: rows for d, rows in by_day.items() if 0 <= d < self.cycle}
        self.sessions_of: dict[int, list[LiveSession]] = defaultdict(list)
        for session in scenario.sessions:
            self.sessions_of[(session.start.date() - self.start).days].append(session)
        self.forecast_of: dict[str, list[Forecast]] = defaultdict(list)
        for f in scenario.forecast:
            self.forecast_of[f.session_id].append(f)

    def date(self, day: int) -> dt.date:
        return self.start + dt.timedelta(days=day)

    def supply(self, day: int) -> list[Supply]:
        """The supply of day ``day`` (0: the scenario's planning date)."""
        template = self.supply_of.get(day % self.cycle, [])
        return [s.model_copy(update={"date": self.date(day)}) for s in template]

    def sessions(self, evening: int) -> list[LiveSession]:
        """The sessions held on the evening of day ``evening``."""
        return [s for s, _ in self._sessions(evening)]

    def _sessions(self, evening: int) -> list[tuple[LiveSession, str | None]]:
        """The evening's sessions, each with the held session it copies (None: the
        scenario's own)."""
        if self.sessions_of.get(evening):
            return [(s, None) for s in self.sessions_of[evening]]
        out: list[tuple[LiveSession, str | None]] = []
        for s in self.pattern.sessions:
            shift = dt.timedelta(days=evening - (s.start.date() - self.start).days)
            copy = {"session_id": f"{s.session_id}-e{evening}", "start": s.start + shift}
            out.append((s.model_copy(update=copy), s.session_id))
        return out

    def forecast(self, evening: int) -> list[Forecast]:
        """The forecast rows of the sessions of the evening of day ``evening``."""
        out = []
        for s, base in self._sessions(evening):
            if base is None:
                out += self.forecast_of.get(s.session_id, [])
                continue
            for product, boxes in sorted(self.pattern.forecast.get(base, {}).items()):
                out.append(Forecast(session_id=s.session_id, product_id=product, boxes=boxes))
        return out


def _orders_of(
    calendar: Calendar, evening: int, rng: np.random.Generator, draws: DrawSettings
) -> list[Order]:
    """The orders drawn for the sessions of one evening."""
    pattern = calendar.pattern
    sessions = {s.session_id: s for s in calendar.sessions(evening)}
    out: list[Order] = []
    for f in calendar.forecast(evening):
        session = sessions[f.session_id]
        total = round(f.boxes * rng.uniform(draws.demand_low, draws.demand_high))
        sizes = pattern.boxes.get(f.product_id) or [1, 2, 3]
        lags = pattern.lags.get(f.product_id) or [(1, calendar.cutoff[session.logistics_point_id])]
        while total > 0:
            boxes = min(total, int(sizes[rng.integers(len(sizes))]))
            lag, at = lags[rng.integers(len(lags))]
            ship_day = session.start.date() + dt.timedelta(days=min(lag, calendar.horizon))
            out.append(
                Order(
                    order_id=f"{f.session_id}-{f.product_id}-{len(out) + 1:05d}",
                    session_id=f.session_id,
                    product_id=f.product_id,
                    quantity_boxes=boxes,
                    ship_by=dt.datetime.combine(ship_day, at),
                )
            )
            total -= boxes
    return out


def _breakdown(scenario: Scenario, rng: np.random.Generator, probability: float) -> str | None:
    """One vehicle that may be taken away (the fleet stays able to carry every product)."""
    happens = rng.random() < probability
    pick = rng.random()
    cold_needed = any(p.needs_cold_chain for p in scenario.products)
    refrigerated = sum(v.refrigerated for v in scenario.vehicles)
    candidates = [
        v.vehicle_id
        for v in scenario.vehicles
        if not (cold_needed and v.refrigerated and refrigerated <= 1)
    ]
    if not happens or len(scenario.vehicles) <= 1 or not candidates:
        return None
    return candidates[int(pick * len(candidates))]


def draw_days(
    scenario: Scenario, calendar: Calendar, days: int, seed: int, draws: DrawSettings
) -> list[DayDraw]:
    """The seeded draws of ``days`` days (see the module notes)."""
    rng = np.random.default_rng(seed)
    out = []
    for day in range(days):
        factors = rng.uniform(draws.harvest_low, draws.harvest_high, size=len(scenario.farms))
        harvest = {f.farm_id: float(x) for f, x in zip(scenario.farms, factors, strict=True)}
        broken = _breakdown(scenario, rng, draws.breakdown_probability)
        orders = _orders_of(calendar, day, rng, draws)
        out.append(DayDraw(day, harvest, broken, tuple(orders)))
    return out


__all__ = ["Calendar", "DayDraw", "DrawSettings", "draw_days"]
