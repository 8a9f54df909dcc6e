"""The county benchmark's cases: generated scenarios whose cold-chain transit limits bind.

Every case is a scenario from :func:`agrichain.generate.generate_scenario` (one day,
no stock) whose cold-chain products get a tighter maximum transit
(:data:`TIGHT_MAX_TRANSIT_MIN`, applied with ``Scenario.with_tables``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agrichain.generate import GeneratorConfig, generate_scenario, make_config
from agrichain.model import Scenario

#: Maximum transit (min) the benchmark imposes on cold-chain products (catalogue: 180 / 240).
TIGHT_MAX_TRANSIT_MIN: dict[str, float] = {"bayberry": 120.0, "shiitake": 150.0}


@dataclass(frozen=True)
class CountyCase:
    """One benchmark scenario: a generator config plus the transit limits imposed on it."""

    name: str
    config: GeneratorConfig
    max_transit_min: tuple[tuple[str, float], ...] = tuple(TIGHT_MAX_TRANSIT_MIN.items())
    """(product id, limit) pairs; a product's limit becomes min(catalogue, this)."""
    note: str = ""


def _county(
    name: str,
    county: str,
    seed: int,
    farms: int,
    orders: int,
    vehicles: int,
    note: str,
    **extra: Any,
) -> CountyCase:
    """A one-day case without stock in ``county`` (a key of the generator's county seats)."""
    config = make_config(
        county=county,
        name=name,
        seed=seed,
        farms=farms,
        orders=orders,
        vehicles=vehicles,
        horizon_days=1,
        with_stock=False,
        **extra,
    )
    return CountyCase(name=name, config=config, note=f"{county}, {note}")


#: The benchmark scenarios, smallest first (``--sizes`` takes these names).
CASES: dict[str, CountyCase] = {
    c.name: c
    for c in (
        _county("f60", "xianju", 101, 60, 1500, 14, "fleet ample"),
        _county("f120", "lanxi", 102, 120, 3000, 26, "fleet ample"),
        _county(
            "f120-tight",
            "xianju",
            103,
            120,
            2500,
            16,
            "fleet short, cold-heavy",
            product_ids=("bayberry", "shiitake", "loquat", "peach", "grape", "egg"),
        ),
        _county("f200", "anji", 104, 200, 4500, 42, "fleet ample"),
        _county("f300", "suichang", 105, 300, 6000, 62, "fleet ample"),
    )
}


def tighten_transit(scenario: Scenario, limits: dict[str, float]) -> Scenario:
    """``scenario`` with each listed product's ``max_transit_min`` lowered to its limit."""
    products = [
        p.model_copy(update={"max_transit_min": min(p.max_transit_min, limits[p.product_id])})
        if p.product_id in limits
        else p
        for p in scenario.products
    ]
    return scenario.with_tables(products=products)


def case_scenario(case: CountyCase) -> Scenario:
    """The scenario of a benchmark case (generated, then transit limits tightened)."""
    return tighten_transit(generate_scenario(case.config), dict(case.max_transit_min))


def resolve_cases(sizes: Sequence[str] | None) -> list[CountyCase]:
    """Cases by name (None or empty: all of :data:`CASES`); ValueError for an unknown name."""
    if not sizes:
        return list(CASES.values())
    unknown = [s for s in sizes if s not in CASES]
    if unknown:
        raise ValueError(f"unknown county case(s) {unknown}; choose from {', '.join(CASES)}")
    return [CASES[s] for s in sizes]


__all__ = [
    "CASES",
    "TIGHT_MAX_TRANSIT_MIN",
    "CountyCase",
    "case_scenario",
    "resolve_cases",
    "tighten_transit",
]
