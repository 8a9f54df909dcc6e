"""What one MILP covers: its products, the capacities per day and the demand in reach."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agrichain.inventory.data import InventoryData
from agrichain.inventory.milp.problem import Restriction

#: kg by which an ATP MILP's fleet rows may fall short of the other products' planned
#: receipts per point, day and class: those come from flows rounded to 1e-6 kg, and a
#: fleet the plan uses to the full must still carry them.
RECEIPT_SLACK_KG = 1e-3


@dataclass
class MilpScope:
    """What one MILP covers: its products and the capacities and reach they may use."""

    data: InventoryData
    restriction: Restriction | None
    products: set[int]
    storage: np.ndarray
    """(D, H, 2) storage kg per day."""
    transport: np.ndarray
    """(D, H, 2) kg per day each point could receive at most (the fleet's reach, less the
    other products' receipts of an ATP MILP)."""
    transport_used: np.ndarray
    """(D, H, 2) kg per day of the other products' receipts (ATP; zeros otherwise)."""
    reach: np.ndarray
    """(D, H, P) demand kg that goods received on a day could still serve fresh."""
    cold: np.ndarray
    """(P,) 1 if the product needs the cold chain."""
    with_links: bool
    """Whether arcs are grouped into links with a fixed cost."""


def _capacities(
    data: InventoryData, restriction: Restriction | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(D, H, 2) storage kg, receivable kg and other products' receipts per day (net of
    other products for ATP)."""
    D, H = data.horizon, len(data.lp_ids)
    storage = np.repeat(data.storage_kg[None, :, :], D, axis=0).astype(float)
    transport = np.repeat(data.transport_kg[None, :, :], D, axis=0).astype(float)
    used = np.zeros((D, H, 2))
    init_class = np.zeros((H, 2))
    for (h, p, _), kg in data.initial.items():
        init_class[h, int(data.cold[p])] += kg
    storage[0] = np.maximum(storage[0], init_class)  # stock on hand may exceed the room
    if restriction is not None:
        for (d, h, c), kg in restriction.storage_used_kg.items():
            storage[d, h, c] -= kg
        for (d, h, c), kg in restriction.transport_used_kg.items():
            used[d, h, c] += max(0.0, kg - RECEIPT_SLACK_KG)
        transport -= used
        transport[:, :, 1] = np.minimum(transport[:, :, 1], transport[:, :, 0])
    return np.maximum(storage, 0.0), np.maximum(transport, 0.0), used


def _reach(data: InventoryData, products: list[int], restriction: Restriction | None) -> np.ndarray:
    """(D, H, P) demand kg that goods received on a day could still serve fresh."""
    D, H, P = data.horizon, len(data.lp_ids), len(data.product_ids)
    reach = np.zeros((D, H, P))
    for (h, p), ks in data.by_lp_product.items():
        if p not in products:
            continue
        life = data.life_days[p]
        for k in ks:
            bk = data.buckets[k]
            lo = max(0, bk.release_day - life + 1)
            reach[lo : bk.due_day + 1, h, p] += bk.kg
    if restriction is not None:
        p = restriction.product
        life = data.life_days[p]
        for h, day in restriction.extra.values():
            reach[max(0, day - life + 1) : day + 1, h, p] = np.inf
    return reach


def milp_scope(data: InventoryData, restriction: Restriction | None = None) -> MilpScope:
    """All products (or, for ATP, the restricted one) with their capacities and reach."""
    products = (
        [restriction.product] if restriction is not None else list(range(len(data.product_ids)))
    )
    storage, transport, used = _capacities(data, restriction)
    return MilpScope(
        data=data,
        restriction=restriction,
        products=set(products),
        storage=storage,
        transport=transport,
        transport_used=used,
        reach=_reach(data, products, restriction),
        cold=np.asarray(data.cold, dtype=int),
        with_links=data.options.link_fixed_cost > 0 and restriction is None,
    )
