"""Short texts the planner page shows: times of day, place names, labelled ids."""

from __future__ import annotations

from agrichain.handover.text import hhmm, place_name
from agrichain.model import Scenario


def session_label(scenario: Scenario, session_id: str) -> str:
    """A live session's id and name, for pickers."""
    return f"{session_id} {scenario.session[session_id].name}".strip()


def product_label(scenario: Scenario, product_id: str) -> str:
    """A product's id and name, for pickers."""
    return f"{product_id} {scenario.product[product_id].name}".strip()


def scenario_caption(scenario: Scenario, source: str) -> str:
    """One line saying what is loaded: name, date, and the size of each table (Markdown)."""
    cfg = scenario.settings
    cold = sum(v.refrigerated for v in scenario.vehicles)
    return (
        f"Loaded {source}: **{cfg.name}**, planning date {cfg.planning_date:%Y-%m-%d} · "
        f"{len(scenario.farms)} farms · {len(scenario.logistics_points)} logistics points · "
        f"{len(scenario.orders)} orders · {len(scenario.vehicles)} vehicles ({cold} refrigerated)"
    )


__all__ = ["hhmm", "place_name", "product_label", "scenario_caption", "session_label"]
