"""What to generate: :class:`GeneratorConfig`, the presets of the bundled instances, CLI options."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from agrichain.generate.catalogue import CATALOGUE_BY_ID, MAX_PRODUCTS

#: County seats of Zhejiang whose surroundings (35 km) are all land: name -> (lat, lon).
COUNTY_SEATS: dict[str, tuple[float, float]] = {
    "xianju": (28.85, 120.73),
    "lanxi": (29.21, 119.46),
    "anji": (30.64, 119.68),
    "suichang": (28.59, 119.27),
}

Weekday = Annotated[int, Field(ge=0, le=6)]


class GeneratorConfig(BaseModel):
    """What to generate; the result depends on these fields only."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = "generated"
    seed: int = 0
    n_farms: Annotated[int, Field(ge=1, le=100_000)] = 80
    n_logistics_points: Annotated[int, Field(ge=1, le=1_000)] = 5
    n_products: Annotated[int, Field(ge=1, le=MAX_PRODUCTS)] = 8
    """Beyond the catalogue's 10 products, its items repeat as variants (``peach-2`` …)."""
    product_ids: tuple[str, ...] = ()
    """Catalogue products to use; empty: bayberries plus ``n_products - 1`` chosen at random."""
    n_sessions: Annotated[int, Field(ge=1, le=1_000)] = 4
    """Sessions held the evening before the planning date (the ones with orders)."""
    n_orders: Annotated[int, Field(ge=1, le=2_000_000)] = 2000
    n_vehicles: Annotated[int, Field(ge=1, le=10_000)] | None = None
    """Fleet size; None: the smallest fleet that plausibly carries the day (see
    :func:`~agrichain.generate.fleet.collection_day` and
    :func:`~agrichain.generate.fleet.estimate_trips`)."""
    refrigerated_share: Annotated[float, Field(ge=0.0, le=1.0)] | None = None
    """Share of refrigerated vehicles (at least one when a product needs a cold chain);
    None: as many as the cold-chain kg need in a sized fleet, else
    :data:`~agrichain.generate.vehicles.DEFAULT_REFRIGERATED_SHARE`."""
    horizon_days: Annotated[int, Field(ge=1, le=60)] = 3
    planning_date: dt.date = dt.date(2025, 6, 20)
    center_lat: Annotated[float, Field(ge=-80.0, le=80.0)] = COUNTY_SEATS["xianju"][0]
    center_lon: Annotated[float, Field(ge=-180.0, le=180.0)] = COUNTY_SEATS["xianju"][1]
    radius_km: Annotated[float, Field(ge=2.0, le=200.0)] = 30.0
    with_stock: bool = True
    """Add stock of long-keeping products at the logistics points."""
    spike_weekdays: tuple[Weekday, ...] = ()
    """Weekdays (Monday 0) on which sessions sell ``spike_factor`` × what they sell on the
    other days of the horizon (the horizon's mean share sold stays the same)."""
    spike_factor: Annotated[float, Field(gt=0.0, le=10.0)] = 1.0
    link_fixed_cost: Annotated[float, Field(ge=0.0)] = 0.0
    """The scenario's cost per farm–logistics point link used per day (CNY; > 0: a MILP)."""
    routing_time_limit_s: Annotated[float, Field(gt=0.0)] = 30.0
    routing_solution_limit: Annotated[int, Field(gt=0)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _count_named_products(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("product_ids") and "n_products" not in data:
            data = {**data, "n_products": len(data["product_ids"])}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> GeneratorConfig:
        if self.product_ids:
            check_product_ids(self.product_ids, self.n_products)
        if self.n_products > 3 * self.n_farms:
            raise ValueError("n_products may be at most 3 * n_farms (a farm grows 1-3 products)")
        if len(set(self.spike_weekdays)) != len(self.spike_weekdays):
            raise ValueError("spike_weekdays repeats a weekday")
        return self


def check_product_ids(product_ids: tuple[str, ...], n_products: int) -> None:
    """Raise ValueError unless ``product_ids`` are ``n_products`` distinct catalogue ids."""
    unknown = [p for p in product_ids if p not in CATALOGUE_BY_ID]
    if unknown:
        known = ", ".join(CATALOGUE_BY_ID)
        raise ValueError(f"unknown product ids {unknown}; the catalogue has {known}")
    if len(set(product_ids)) != len(product_ids):
        raise ValueError("product_ids repeats a product")
    if len(product_ids) != n_products:
        raise ValueError("n_products must equal the number of product_ids")


#: Configurations of the bundled instances (``instances/<name>/``).
PRESETS: dict[str, GeneratorConfig] = {
    "small": GeneratorConfig(
        name="small",
        seed=28,
        n_farms=8,
        n_logistics_points=2,
        product_ids=("bayberry", "peach", "egg"),
        n_sessions=1,
        n_orders=36,
        n_vehicles=3,
        refrigerated_share=0.34,
        horizon_days=1,
        radius_km=12.0,
        with_stock=False,
        routing_time_limit_s=5.0,
        routing_solution_limit=50,
    ),
    "county": GeneratorConfig(
        name="county",
        seed=20250620,
        n_farms=80,
        n_logistics_points=5,
        n_products=8,
        n_sessions=4,
        n_orders=2400,
        n_vehicles=14,
        refrigerated_share=0.3,
        horizon_days=3,
        radius_km=30.0,
        with_stock=True,
        routing_time_limit_s=30.0,
    ),
}

#: CLI option names that are short for config fields.
OPTION_FIELDS = {
    "farms": "n_farms",
    "logistics_points": "n_logistics_points",
    "products": "n_products",
    "sessions": "n_sessions",
    "orders": "n_orders",
    "vehicles": "n_vehicles",
}


def make_config(
    *, preset: str | None = None, county: str | None = None, **options: Any
) -> GeneratorConfig:
    """A :class:`GeneratorConfig` from CLI-style options (None = keep the preset/default).

    Option names are the config's field names, or the short forms ``farms``,
    ``logistics_points``, ``products``, ``sessions``, ``orders``, ``vehicles``.
    """
    if preset is not None and preset not in PRESETS:
        raise ValueError(f"unknown preset '{preset}'; choose one of {', '.join(PRESETS)}")
    data: dict[str, Any] = PRESETS[preset].model_dump() if preset is not None else {}
    if county is not None:
        key = county.strip().lower()
        if key not in COUNTY_SEATS:
            raise ValueError(f"unknown county '{county}'; choose one of {', '.join(COUNTY_SEATS)}")
        data["center_lat"], data["center_lon"] = COUNTY_SEATS[key]
    given = {OPTION_FIELDS.get(k, k): v for k, v in options.items() if v is not None}
    if "product_ids" in given:
        given["product_ids"] = tuple(given["product_ids"])
        if "n_products" not in given:
            data.pop("n_products", None)
    elif "n_products" in given:
        data.pop("product_ids", None)
    data.update(given)
    return GeneratorConfig(**data)


__all__ = [
    "COUNTY_SEATS",
    "OPTION_FIELDS",
    "PRESETS",
    "GeneratorConfig",
    "check_product_ids",
    "make_config",
]
