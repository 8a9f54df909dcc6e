"""Independent re-verification of a written plan (used by tests and benchmarks).

Reads the plan's files and the scenario's own CSV files with pandas and the standard
library only (no other agrichain code) and returns every violated rule as text:
:func:`verify_plan` checks the routes and tasks, :func:`verify_orders` that every
ordered kg is accounted for once in ``orders.csv`` and backed by the other files.
"""

from agrichain.verify.orders import verify_orders
from agrichain.verify.routes import verify_plan

__all__ = ["verify_orders", "verify_plan"]
