"""Seeded synthetic scenarios: a county of village farms, packing hubs, live sessions and a fleet.

:func:`generate_scenario` turns a :class:`GeneratorConfig` into a validated
:class:`~agrichain.model.Scenario`; the result depends only on the config (its
``seed`` drives :class:`numpy.random.Generator` streams, no global random state).

What is generated, step by step (one module each):

* :mod:`~agrichain.generate.places`: villages spread over a disc of ``radius_km``
  around the county seat, several farms per village; a county logistics hub at the
  seat and express stations in towns around it; time at a place: farms stop 8-12 min
  and load 8-16 min/t; the hub stops 15 min and unloads 8 min/t, the stations 10 min
  and 12 min/t;
* :mod:`~agrichain.generate.harvest`: products from :data:`CATALOGUE` (real box
  weights and shelf lives; costs in CNY per kg; beyond its 10 items, variants); each
  farm grows 1–3 of them, villages specialise; seasonal products only within each
  farm's harvest window;
* :mod:`~agrichain.generate.demand`: ``n_sessions`` live sessions held the evening
  before the planning date and their ``n_orders`` orders, the same sessions on each
  later evening with a forecast of their sales, supply scaled so that each day's sales
  are 70–95 % of its harvest (times the day's spike factor), and an optional stock
  table of long-keeping products at the logistics points;
* :mod:`~agrichain.generate.vehicles`: a mixed fleet of 1.5 t vans and 3 t trucks,
  some refrigerated: ``n_vehicles`` of them, or by default the smallest fleet that
  plausibly carries the day (:mod:`~agrichain.generate.fleet`).

:mod:`~agrichain.generate.config` holds the config, the presets of the bundled
instances and the CLI options; :mod:`~agrichain.generate.files` writes scenario folders.
"""

from __future__ import annotations

from agrichain.generate.catalogue import (
    CATALOGUE,
    CATALOGUE_BY_ID,
    MAX_PRODUCTS,
    CatalogueItem,
)
from agrichain.generate.config import COUNTY_SEATS, PRESETS, GeneratorConfig, make_config
from agrichain.generate.files import generate_to_folder, write_generated
from agrichain.generate.fleet import (
    FARM_DISTANCE_SHARE,
    FLEET_FILL_FACTOR,
    LATER_COLLECTED_TODAY_SHARE,
    TRUCK_CAPACITY_KG,
    TRUCK_SHARE,
    VAN_CAPACITY_KG,
    CollectionDay,
    TripEstimate,
    collection_day,
    estimate_trips,
)
from agrichain.generate.harvest import LATER_SHIPPING_SHARE, SOLD_SHARE_RANGE
from agrichain.generate.places import (
    HUB_STOP_MIN,
    HUB_UNLOADING_MIN_PER_T,
    KM_PER_DEG_LAT,
    KM_PER_DEG_LON_EQUATOR,
    STATION_STOP_MIN,
    STATION_UNLOADING_MIN_PER_T,
)
from agrichain.generate.scenario import generate_scenario
from agrichain.generate.vehicles import (
    DEFAULT_REFRIGERATED_SHARE,
    SHIFT_MIN,
    SHIFT_START_DELAY_MIN,
    SHIFT_START_MIN,
    SHIFT_START_PROBS,
)

__all__ = [
    "CATALOGUE",
    "CATALOGUE_BY_ID",
    "COUNTY_SEATS",
    "DEFAULT_REFRIGERATED_SHARE",
    "FARM_DISTANCE_SHARE",
    "FLEET_FILL_FACTOR",
    "HUB_STOP_MIN",
    "HUB_UNLOADING_MIN_PER_T",
    "KM_PER_DEG_LAT",
    "KM_PER_DEG_LON_EQUATOR",
    "LATER_COLLECTED_TODAY_SHARE",
    "LATER_SHIPPING_SHARE",
    "MAX_PRODUCTS",
    "PRESETS",
    "SHIFT_MIN",
    "SHIFT_START_DELAY_MIN",
    "SHIFT_START_MIN",
    "SHIFT_START_PROBS",
    "SOLD_SHARE_RANGE",
    "STATION_STOP_MIN",
    "STATION_UNLOADING_MIN_PER_T",
    "TRUCK_CAPACITY_KG",
    "TRUCK_SHARE",
    "VAN_CAPACITY_KG",
    "CatalogueItem",
    "CollectionDay",
    "GeneratorConfig",
    "TripEstimate",
    "collection_day",
    "estimate_trips",
    "generate_scenario",
    "generate_to_folder",
    "make_config",
    "write_generated",
]
