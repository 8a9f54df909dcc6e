"""The MILP of the multi-day perishable allocation: variables, rows, objective.

See ``docs/inventory.md``. Decisions per day ``d``, farm ``f``, logistics point ``h``
and product ``p``:

* ``x[d,f,h,p]`` kg harvested at ``f`` and brought to ``h`` (age 0 on arrival), and
  ``recv[d,h,p]`` their sum;
* ``issue[d,h,p]`` kg shipped to customers, ``stock[d,h,p]`` kg kept overnight,
  ``waste[d,h,p]`` kg thrown away (spoiled);
* ``lost[k]`` kg of demand bucket ``k`` not shipped, ``serve[k,d]`` kg of a bucket
  with several possible ship days shipped on day ``d``;
* ``t[d,g,h]`` vehicle-days vehicle class ``g`` spends on bringing goods to ``h``;
* ``y[d,f,h]`` 1 if the link ``f → h`` is used on day ``d`` (only when
  ``link_fixed_cost > 0``).

Stock leaves first-in-first-out, so the stock by age follows from these flows
(:func:`agrichain.inventory.fifo.stock_by_age` rebuilds it) and the shelf life
is one row per day: what is kept overnight must have been received within the
last ``L - 1`` days. FIFO loses nothing: whatever an issuing order keeps fresh,
FIFO keeps fresh too (it always leaves the youngest kg), and no cost depends on
the age of the kg shipped.

Modules: :mod:`~.problem` (the built MILP and its builder), :mod:`~.scope` (products
and capacities one MILP covers), :mod:`~.flows` (harvest flows and links),
:mod:`~.fleet` (the fleet's vehicle-days per point: ``t[d,g,h]``, with its rows and
shortfall reasons), :mod:`~.stock` (demand and FIFO stock), :mod:`~.build` (all of it,
and the objective).
"""

from agrichain.inventory.milp.build import build_milp
from agrichain.inventory.milp.problem import COMPONENTS, BuiltMilp, Restriction

__all__ = ["COMPONENTS", "BuiltMilp", "Restriction", "build_milp"]
