"""Starting worker processes safely from any host program."""

from __future__ import annotations

import sys
import threading
import types
from collections.abc import Iterator
from contextlib import contextmanager

_LOCK = threading.Lock()


@contextmanager
def hidden_main_script() -> Iterator[None]:
    """Hide ``__main__`` while a ``spawn`` worker starts, so the worker does not run it again.

    multiprocessing re-executes the parent's main script in a spawned worker; under
    Streamlit (or its AppTest) that is ``app.py``, which must not run there.
    """
    with _LOCK:
        main = sys.modules.get("__main__")
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            if main is not None:
                sys.modules["__main__"] = main
