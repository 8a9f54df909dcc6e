"""The ``agrichain`` command line: a thin shell over the library.

Exit codes (documented in README):

* 0 — success: the plan covers every order
* 1 — internal error (a bug or a solver fault)
* 2 — input error: bad scenario files or bad options; nothing was written
* 3 — partial plan: files written, some orders or tasks are unserved (see unserved.csv)
"""

from agrichain.cli.commands import app, main
from agrichain.cli.shell import EXIT_INPUT, EXIT_INTERNAL, EXIT_OK, EXIT_PARTIAL

__all__ = ["EXIT_INPUT", "EXIT_INTERNAL", "EXIT_OK", "EXIT_PARTIAL", "app", "main"]
