"""Perishable inventory and allocation planning over a multi-day horizon (PuLP; HiGHS or CBC).

::

    from agrichain.inventory import InventoryAllocator, plan_inventory, available_to_promise

    plan = plan_inventory(scenario, time_limit_s=30)       # InventoryPlan
    plan.tables["flows"], plan.summary["gap"]
    atp = available_to_promise(scenario, plan=plan)        # DataFrame per session, product
    day = agrichain.plan_day(scenario, allocator=InventoryAllocator(solver="highs"))

See ``docs/inventory.md`` for the MILP, the solver handling and the ATP definition; the
output tables' names and columns are constants in :mod:`agrichain.inventory.tables`.
Importing this package does not import PuLP or highspy: the solver runs in a worker
process (:mod:`agrichain.inventory.worker` explains the library clash with OR-Tools).
"""

from agrichain.inventory.allocator import InventoryAllocator
from agrichain.inventory.atp import ATP_COLUMNS, atp_from_plan, available_to_promise
from agrichain.inventory.data import InventoryOptions
from agrichain.inventory.fifo import stock_by_age
from agrichain.inventory.inventory_plan import InventoryPlan
from agrichain.inventory.nearest import NearestFarmAllocator
from agrichain.inventory.planner import plan_inventory
from agrichain.inventory.report import SolveReport

__all__ = [
    "ATP_COLUMNS",
    "InventoryAllocator",
    "InventoryOptions",
    "InventoryPlan",
    "NearestFarmAllocator",
    "SolveReport",
    "atp_from_plan",
    "available_to_promise",
    "plan_inventory",
    "stock_by_age",
]
