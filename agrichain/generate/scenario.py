"""The generator: a :class:`~agrichain.generate.config.GeneratorConfig` in, a scenario out.

The result depends only on the config: its ``seed`` drives
:class:`numpy.random.Generator` streams, no global random state. The steps draw
from one stream in a fixed order (places, harvest, sessions, orders, stock, fleet),
so a step that draws more changes every later one.
"""

from __future__ import annotations

import numpy as np

from agrichain.generate.config import GeneratorConfig
from agrichain.generate.demand import sample_orders, sample_sessions, sample_stock, settle_demand
from agrichain.generate.harvest import sample_harvest
from agrichain.generate.places import sample_farms, sample_points
from agrichain.generate.records import Drawn, scenario_of
from agrichain.generate.vehicles import make_fleet
from agrichain.model import Scenario


def draw(config: GeneratorConfig) -> Drawn:
    """Everything the scenario of ``config`` is made of, drawn in a fixed order."""
    rng = np.random.default_rng(config.seed)
    farms = sample_farms(config, rng)
    points = sample_points(config, rng)
    harvest = sample_harvest(config, rng, farms)
    sessions = sample_sessions(config, rng, len(harvest.items))
    orders = sample_orders(config, rng, harvest, sessions)
    demand = settle_demand(config, harvest, sessions, orders)
    stock = sample_stock(config, rng, harvest, demand.inflow_kg)
    fleet = make_fleet(
        config,
        rng,
        farms=farms,
        points=points,
        harvest=harvest,
        sessions=sessions,
        orders=orders,
        demand=demand,
    )
    return Drawn(
        config=config,
        farms=farms,
        points=points,
        harvest=harvest,
        sessions=sessions,
        orders=orders,
        demand=demand,
        stock=stock,
        fleet=fleet,
    )


def generate_scenario(config: GeneratorConfig) -> Scenario:
    """A validated synthetic scenario, fully determined by ``config``."""
    return scenario_of(draw(config))


__all__ = ["draw", "generate_scenario"]
