"""The products the generator can sell: real box weights, shelf lives and costs (CNY per kg)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from agrichain.model import Product


@dataclass(frozen=True)
class CatalogueItem:
    """A product the generator can sell, with realistic weights, shelf life and costs (CNY)."""

    product_id: str
    name: str
    box_weight_kg: float
    shelf_life_h: float
    max_transit_min: float
    needs_cold_chain: bool
    holding_cost_per_kg_day: float
    spoilage_cost_per_kg: float
    lost_sales_cost_per_kg: float
    typical_farm_kg_day: float
    """Median daily harvest of a farm growing it (before scaling to the orders)."""
    season_days: int | None
    """Length of one farm's harvest window in days; None: harvested every day."""
    grow_weight: float
    """How common growers of it are in the county (relative)."""

    def product(self) -> Product:
        """The scenario record of this item."""
        return Product(
            product_id=self.product_id,
            name=self.name,
            box_weight_kg=self.box_weight_kg,
            shelf_life_h=self.shelf_life_h,
            max_transit_min=self.max_transit_min,
            needs_cold_chain=self.needs_cold_chain,
            holding_cost_per_kg_day=self.holding_cost_per_kg_day,
            spoilage_cost_per_kg=self.spoilage_cost_per_kg,
            lost_sales_cost_per_kg=self.lost_sales_cost_per_kg,
        )

    def variant(self, number: int, cost_factor: float) -> CatalogueItem:
        """The same product as another line (``<id>-<number>``), its costs × ``cost_factor``."""
        return replace(
            self,
            product_id=f"{self.product_id}-{number}",
            name=f"{self.name} #{number}",
            holding_cost_per_kg_day=round(self.holding_cost_per_kg_day * cost_factor, 4),
            spoilage_cost_per_kg=round(self.spoilage_cost_per_kg * cost_factor, 3),
            lost_sales_cost_per_kg=round(self.lost_sales_cost_per_kg * cost_factor, 3),
        )


#: Products the generator chooses from (the first is always chosen when ``product_ids`` is empty).
CATALOGUE: tuple[CatalogueItem, ...] = (
    CatalogueItem("bayberry", "杨梅 bayberries", 2.5, 48, 180, True, 3.0, 40, 90, 250, 8, 3.0),
    CatalogueItem(
        "shiitake", "鲜香菇 fresh shiitake", 2.0, 120, 240, True, 1.5, 12, 30, 120, None, 1.0
    ),
    CatalogueItem("loquat", "枇杷 loquats", 2.5, 96, 240, False, 1.0, 16, 36, 150, 10, 1.0),
    CatalogueItem("peach", "水蜜桃 honey peaches", 5.0, 120, 300, False, 0.6, 8, 20, 400, 14, 2.0),
    CatalogueItem("grape", "葡萄 grapes", 5.0, 168, 360, False, 0.4, 10, 24, 300, 20, 1.5),
    CatalogueItem(
        "kiwifruit", "猕猴桃 kiwifruit", 5.0, 336, 480, False, 0.2, 6, 16, 300, None, 1.0
    ),
    CatalogueItem(
        "egg", "土鸡蛋 free-range eggs (60)", 3.0, 504, 480, False, 0.1, 12, 26, 60, None, 1.5
    ),
    CatalogueItem(
        "sweet_potato", "红薯 sweet potatoes", 5.0, 720, 600, False, 0.03, 2, 6, 500, None, 1.5
    ),
    CatalogueItem(
        "tea", "高山云雾茶 mountain green tea", 0.5, 4320, 720, False, 0.05, 120, 300, 8, None, 1.0
    ),
    CatalogueItem(
        "honey", "土蜂蜜 wild honey (jars)", 1.0, 8760, 720, False, 0.02, 20, 80, 15, None, 0.8
    ),
)
CATALOGUE_BY_ID: dict[str, CatalogueItem] = {c.product_id: c for c in CATALOGUE}
#: Most products a scenario may have: beyond the catalogue, items repeat as variants.
MAX_PRODUCTS = 5 * len(CATALOGUE)
#: Range of the cost factor of a variant (drawn per variant).
VARIANT_COST_FACTOR_RANGE = (0.8, 1.2)


def choose_products(
    rng: np.random.Generator,
    variant_rng: np.random.Generator,
    *,
    product_ids: tuple[str, ...],
    n_products: int,
) -> list[CatalogueItem]:
    """The scenario's products, in catalogue order.

    ``product_ids`` if given; else bayberries plus ``n_products - 1`` others drawn with
    ``rng``; beyond the catalogue, every item and then variants (``peach-2`` …, costs
    jittered with ``variant_rng``) in catalogue order.
    """
    if product_ids:
        chosen = set(product_ids)
    elif n_products <= len(CATALOGUE):
        others = rng.choice(np.arange(1, len(CATALOGUE)), size=n_products - 1, replace=False)
        chosen = {CATALOGUE[0].product_id, *(CATALOGUE[int(i)].product_id for i in others)}
    else:
        chosen = set(CATALOGUE_BY_ID)
    items = [c for c in CATALOGUE if c.product_id in chosen]
    n_total = len(items) if product_ids else n_products
    for i in range(len(items), n_total):
        factor = float(variant_rng.uniform(*VARIANT_COST_FACTOR_RANGE))
        items.append(CATALOGUE[i % len(CATALOGUE)].variant(i // len(CATALOGUE) + 1, factor))
    return items


__all__ = [
    "CATALOGUE",
    "CATALOGUE_BY_ID",
    "MAX_PRODUCTS",
    "VARIANT_COST_FACTOR_RANGE",
    "CatalogueItem",
    "choose_products",
]
