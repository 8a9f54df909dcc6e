"""Generated scenarios as scenario folders (what ``agrichain generate`` writes)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from agrichain.generate.config import GeneratorConfig, make_config
from agrichain.generate.scenario import generate_scenario
from agrichain.io import save_scenario


def write_generated(config: GeneratorConfig, folder: str | os.PathLike[str]) -> Path:
    """Generate a scenario and write it as a scenario folder; returns the folder."""
    return save_scenario(generate_scenario(config), folder)


def generate_to_folder(
    out_dir: str | os.PathLike[str],
    *,
    preset: str | None = None,
    farms: int | None = None,
    logistics_points: int | None = None,
    products: int | None = None,
    product_ids: tuple[str, ...] | None = None,
    sessions: int | None = None,
    orders: int | None = None,
    vehicles: int | None = None,
    refrigerated_share: float | None = None,
    horizon_days: int | None = None,
    planning_date: dt.date | None = None,
    county: str | None = None,
    center_lat: float | None = None,
    center_lon: float | None = None,
    radius_km: float | None = None,
    seed: int | None = None,
    name: str | None = None,
    with_stock: bool | None = None,
    routing_time_limit_s: float | None = None,
    routing_solution_limit: int | None = None,
) -> Path:
    """Generate a scenario into ``out_dir`` (the CLI's ``agrichain generate``).

    Options left as None keep the value of ``preset`` (a key of
    :data:`~agrichain.generate.config.PRESETS`) or, without a preset, the
    :class:`GeneratorConfig` default. ``county`` (a key of
    :data:`~agrichain.generate.config.COUNTY_SEATS`) sets the centre unless
    ``center_lat``/``center_lon`` are given. Without ``vehicles`` (and without a preset
    that fixes the fleet) the fleet is sized to the day (:mod:`agrichain.generate.fleet`).
    Invalid options raise :class:`ValueError`.
    """
    return write_generated(
        make_config(
            preset=preset,
            farms=farms,
            logistics_points=logistics_points,
            products=products,
            product_ids=product_ids,
            sessions=sessions,
            orders=orders,
            vehicles=vehicles,
            refrigerated_share=refrigerated_share,
            horizon_days=horizon_days,
            planning_date=planning_date,
            county=county,
            center_lat=center_lat,
            center_lon=center_lon,
            radius_km=radius_km,
            seed=seed,
            name=name,
            with_stock=with_stock,
            routing_time_limit_s=routing_time_limit_s,
            routing_solution_limit=routing_solution_limit,
        ),
        out_dir,
    )


__all__ = ["generate_to_folder", "write_generated"]
