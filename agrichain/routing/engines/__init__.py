"""The other engines: OR-Tools, PyVRP, their portfolio and the PyVRP reference run."""
