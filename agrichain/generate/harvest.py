"""What the county grows: products, which farms grow them, the raw harvest and the share sold.

Each farm grows 1–3 products, villages specialise; seasonal products are harvested
only within each farm's harvest window. The raw harvest is scaled to the orders
later (:func:`agrichain.generate.demand.settle_demand`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from agrichain.generate.catalogue import CatalogueItem, choose_products
from agrichain.generate.config import GeneratorConfig
from agrichain.generate.places import FarmSites
from agrichain.generate.values import BoolArray, FloatArray, IntArray

#: Share of the day's harvest that is sold, drawn per product (and day).
SOLD_SHARE_RANGE = (0.70, 0.95)
#: Share of orders of long-keeping products (shelf life >= 5 days) that ship a day later.
LATER_SHIPPING_SHARE = 0.3
#: Seed stream of the product variants' costs.
VARIANT_STREAM = 2


@dataclass(frozen=True)
class Harvest:
    """The products and their unscaled harvest, (F, P, D) = farms, products, days."""

    items: list[CatalogueItem]
    raw_kg: FloatArray
    """(F, P, D) harvest before scaling to the orders."""
    sold_share: FloatArray
    """(P, D) share of each day's harvest that is sold."""
    later_share: FloatArray
    """(P,) share of a product's orders that ship on the day after the planning date."""

    @property
    def box_kg(self) -> FloatArray:
        """(P,) box weight of each product."""
        return np.array([c.box_weight_kg for c in self.items])

    @property
    def cold(self) -> BoolArray:
        """(P,) whether each product needs a cold chain."""
        return np.array([c.needs_cold_chain for c in self.items])


def grown(
    rng: np.random.Generator, n_farms: int, village: IntArray, n_villages: int, weights: FloatArray
) -> BoolArray:
    """(F, P) which products each farm grows: 1-3 each, villages specialise, all grown somewhere."""
    n_products = len(weights)
    main = rng.integers(n_products, size=n_villages)
    pref = np.tile(weights, (n_villages, 1))
    pref[np.arange(n_villages), main] *= 5.0
    k = np.minimum(rng.choice([1, 2, 3], p=[0.45, 0.35, 0.20], size=n_farms), n_products)
    keys = np.log(pref[village]) + rng.gumbel(size=(n_farms, n_products))
    rank = np.argsort(np.argsort(-keys, axis=1), axis=1)
    grows = rank < k[:, None]
    for p in range(n_products):
        if not grows[:, p].any():
            _give_a_grower(rng, grows, p)
    return grows


def _give_a_grower(rng: np.random.Generator, grows: BoolArray, p: int) -> None:
    """Make a farm grow product ``p``: one growing fewer than 3, else one swapping a shared one."""
    counts = grows.sum(axis=1)
    open_farms = np.flatnonzero(counts < 3)
    if open_farms.size:
        grows[int(rng.choice(open_farms)), p] = True
        return
    growers = grows.sum(axis=0)
    shared = np.flatnonzero((grows & (growers > 1)[None, :]).any(axis=1))
    f = int(rng.choice(shared))
    q = int(rng.choice(np.flatnonzero(grows[f] & (growers > 1))))
    grows[f, q] = False
    grows[f, p] = True


def harvest_mask(
    rng: np.random.Generator, items: list[CatalogueItem], grows: BoolArray, horizon: int
) -> BoolArray:
    """(F, P, D) whether a farm harvests a product on a day; each product has day-0 harvest."""
    n_farms = grows.shape[0]
    days = np.arange(horizon)
    mask = np.repeat(grows[:, :, None], horizon, axis=2)
    for p, item in enumerate(items):
        if item.season_days is None:
            continue
        length = item.season_days
        start = np.asarray(rng.integers(-(length - 1), horizon, size=n_farms), dtype=np.int64)
        growers = np.flatnonzero(grows[:, p])
        if not ((start[growers] <= 0) & (start[growers] + length > 0)).any():
            start[growers[0]] = 0
        in_season = (days[None, :] >= start[:, None]) & (days[None, :] < start[:, None] + length)
        mask[:, p, :] &= in_season
    return mask


def spike_factors(config: GeneratorConfig) -> FloatArray:
    """(D,) factor on the share sold per day: ``spike_factor`` on spike weekdays, mean 1."""
    dates = [config.planning_date + dt.timedelta(days=d) for d in range(config.horizon_days)]
    spiked = np.array([d.weekday() in config.spike_weekdays for d in dates])
    factor = np.where(spiked, config.spike_factor, 1.0)
    return np.asarray(factor / factor.mean(), dtype=np.float64)


def sample_harvest(config: GeneratorConfig, rng: np.random.Generator, farms: FarmSites) -> Harvest:
    """Choose the products, their growers and harvest windows, and draw the raw harvest."""
    items = choose_products(
        rng,
        np.random.default_rng([config.seed, VARIANT_STREAM]),
        product_ids=config.product_ids,
        n_products=config.n_products,
    )
    n_f, n_p, horizon = config.n_farms, len(items), config.horizon_days
    weights = np.array([c.grow_weight for c in items])
    grows = grown(rng, n_f, farms.village, farms.n_villages, weights)
    mask = harvest_mask(rng, items, grows, horizon)
    median_kg = np.array([c.typical_farm_kg_day for c in items])
    capacity = median_kg[None, :] * np.clip(rng.lognormal(0.0, 0.5, size=(n_f, n_p)), 0.25, 3.0)
    daily = np.clip(rng.lognormal(0.0, 0.12, size=(n_f, n_p, horizon)), 0.7, 1.4)
    share = rng.uniform(*SOLD_SHARE_RANGE, size=(n_p, horizon)) * spike_factors(config)[None, :]
    later = np.array(
        [LATER_SHIPPING_SHARE if horizon > 1 and c.shelf_life_h >= 5 * 24 else 0.0 for c in items]
    )
    return Harvest(
        items=items,
        raw_kg=capacity[:, :, None] * daily * mask,
        sold_share=share,
        later_share=later,
    )


__all__ = [
    "LATER_SHIPPING_SHARE",
    "SOLD_SHARE_RANGE",
    "VARIANT_STREAM",
    "Harvest",
    "grown",
    "harvest_mask",
    "sample_harvest",
    "spike_factors",
]
