"""What is sold: live sessions, their orders and forecasts, supply scaled to them, stock.

``n_sessions`` live sessions are held the evening before the planning date and get
the ``n_orders`` orders; they ship by the cut-off of the session's logistics point on
the planning date, long-keeping products partly on the next day. When
``horizon_days > 1`` the same sessions are held on each later evening, with a forecast
of their sales instead of orders.

Supply is scaled so that each product's ordered kg (whatever the ship day: the goods
keep) is its sold share (70–95 %, times the day's spike factor) of its harvest on the
planning date, and each later day's forecast that share of that day's harvest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from agrichain.generate.config import GeneratorConfig
from agrichain.generate.harvest import Harvest
from agrichain.generate.values import BoolArray, FloatArray, IntArray

#: Boxes per order and their probabilities.
BOX_COUNTS = np.array([1, 2, 3, 4, 5])
BOX_PROBS = np.array([0.42, 0.28, 0.15, 0.08, 0.07])


@dataclass(frozen=True)
class Sessions:
    """The live sessions held on the evening before the planning date (S of them)."""

    point: IntArray
    """Logistics point each session ships from (session 1, the biggest, from the hub)."""
    weight: FloatArray
    """Relative size, largest first."""
    start_min: IntArray
    """Start, minutes after midnight (18:00-21:00)."""
    sells: BoolArray
    """(S, P) which products each session sells."""

    @property
    def product_share(self) -> FloatArray:
        """(S, P) each session's share of a product's sales."""
        sold_weight = self.weight[:, None] * self.sells
        return np.asarray(
            sold_weight / np.maximum(sold_weight.sum(axis=0, keepdims=True), 1e-12),
            dtype=np.float64,
        )


@dataclass(frozen=True)
class Orders:
    """The orders of the held sessions, one array entry per order, grouped by session."""

    session: IntArray
    product: IntArray
    boxes: IntArray
    day: IntArray
    """Ship day (0: the planning date)."""
    kg: FloatArray


@dataclass(frozen=True)
class Demand:
    """Supply scaled to the sales, the forecast and what each logistics point receives."""

    supply_kg: FloatArray
    """(F, P, D) harvest per farm, product and day."""
    forecast_kg: FloatArray
    """(P, D) kg sold by the sessions held on the evening before each day (0 on day 0)."""
    inflow_kg: FloatArray
    """(L, P, D) kg each logistics point receives (orders: all on day 0)."""


class StockRow(NamedTuple):
    """Stock of one product at one logistics point."""

    point: int
    product: int
    age_days: int
    kg: float


def sample_sessions(config: GeneratorConfig, rng: np.random.Generator, n_p: int) -> Sessions:
    """The held sessions: where they ship from, their size, start and products."""
    n_s = config.n_sessions
    point = np.arange(n_s) % config.n_logistics_points
    weight = np.sort(rng.gamma(3.0, 1.0, size=n_s))[::-1]
    start_min = 18 * 60 + 30 * rng.integers(0, 7, size=n_s)
    sells = rng.random((n_s, n_p)) < rng.uniform(0.5, 1.0, size=(n_s, 1))
    sells[np.arange(n_s), rng.integers(n_p, size=n_s)] = True
    sells[0] = True  # the hub's flagship session sells everything
    for unsold in np.flatnonzero(~sells.any(axis=0)):
        sells[int(rng.integers(n_s)), unsold] = True
    return Sessions(point=point, weight=weight, start_min=start_min, sells=sells)


def sample_orders(
    config: GeneratorConfig, rng: np.random.Generator, harvest: Harvest, sessions: Sessions
) -> Orders:
    """Orders per product in proportion to the sellable day-0 harvest (in boxes)."""
    n_s, n_p = config.n_sessions, len(harvest.items)
    box_kg = harvest.box_kg
    raw_day = harvest.raw_kg.sum(axis=0)
    mean_boxes = float((BOX_COUNTS * BOX_PROBS).sum())
    product_orders = harvest.sold_share[:, 0] * raw_day[:, 0] / (box_kg * mean_boxes)
    weighted = sessions.weight[:, None] * sessions.sells
    reach = weighted.sum(axis=0)
    joint = weighted * (product_orders / reach)[None, :]
    pick = rng.choice(n_s * n_p, size=config.n_orders, p=(joint / joint.sum()).ravel())
    pick = pick[np.argsort(pick // n_p, kind="stable")]  # orders grouped by session
    session, product = np.divmod(pick, n_p)
    boxes = rng.choice(BOX_COUNTS, size=config.n_orders, p=BOX_PROBS)
    day = (rng.random(config.n_orders) < harvest.later_share[product]).astype(np.int64)
    return Orders(
        session=session, product=product, boxes=boxes, day=day, kg=boxes * box_kg[product]
    )


def settle_demand(
    config: GeneratorConfig, harvest: Harvest, sessions: Sessions, orders: Orders
) -> Demand:
    """Scale the harvest to the orders; forecast the later sessions; sum each point's inflow."""
    n_p, horizon = len(harvest.items), config.horizon_days
    share, raw = harvest.sold_share, harvest.raw_kg
    # orders shipping later are collected today too: the goods keep
    ordered = np.zeros((n_p, horizon))
    np.add.at(ordered, (orders.product, orders.day), orders.kg)
    held_kg = ordered.sum(axis=1)
    base = share[:, 0] * raw.sum(axis=0)[:, 0]
    total_scale = held_kg.sum() / base.sum()
    scale = np.where(held_kg > 0, held_kg / np.maximum(base, 1e-9), total_scale)
    supply_kg = np.where(raw > 0, np.maximum(1.0, np.ceil(raw * scale[None, :, None])), 0.0)
    # the sessions on the evening of day d-1 sell `share` of day d's harvest
    forecast_kg = share * supply_kg.sum(axis=0)
    forecast_kg[:, 0] = 0.0
    inflow = np.zeros((config.n_logistics_points, n_p, horizon))
    np.add.at(inflow[:, :, 0], (sessions.point[orders.session], orders.product), orders.kg)
    product_share = sessions.product_share
    for s in range(config.n_sessions):
        inflow[sessions.point[s]] += product_share[s][:, None] * forecast_kg
    return Demand(supply_kg=supply_kg, forecast_kg=forecast_kg, inflow_kg=inflow)


def sample_stock(
    config: GeneratorConfig, rng: np.random.Generator, harvest: Harvest, inflow_kg: FloatArray
) -> list[StockRow]:
    """Stock of long-keeping ambient products where they are sold (none without ``with_stock``)."""
    rows: list[StockRow] = []
    if not config.with_stock:
        return rows
    for p, item in enumerate(harvest.items):
        life_days = max(1, int(item.shelf_life_h // 24))
        if item.needs_cold_chain or life_days < 3:
            continue
        for lp in range(config.n_logistics_points):
            if rng.random() < 0.5:
                age = int(rng.integers(1, min(3, life_days - 1) + 1))
                kg = float(np.ceil(rng.uniform(0.05, 0.2) * inflow_kg[lp, p, 0]))
                if kg > 0:
                    rows.append(StockRow(lp, p, age, kg))
    return rows


def point_capacities(
    inflow_kg: FloatArray, stock: list[StockRow], cold: BoolArray
) -> tuple[FloatArray, FloatArray]:
    """(ambient, cold) storage kg per logistics point: twice the peak day, in 500 kg steps."""
    stock_kg = np.zeros(inflow_kg.shape[:2])
    for row in stock:
        stock_kg[row.point, row.product] += row.kg
    amb_need = inflow_kg[:, ~cold, :].sum(axis=1).max(axis=1) + stock_kg[:, ~cold].sum(axis=1)
    cold_need = inflow_kg[:, cold, :].sum(axis=1).max(axis=1)
    ambient_cap = np.maximum(2000.0, np.ceil(2.0 * amb_need / 500.0) * 500.0)
    cold_cap = np.maximum(500.0, np.ceil(2.0 * cold_need / 500.0) * 500.0)
    return ambient_cap, cold_cap


__all__ = [
    "BOX_COUNTS",
    "BOX_PROBS",
    "Demand",
    "Orders",
    "Sessions",
    "StockRow",
    "point_capacities",
    "sample_orders",
    "sample_sessions",
    "sample_stock",
    "settle_demand",
]
