"""Reading the written files as text, and the tolerances of the checks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

#: kg differences up to this are rounding in the written files.
TOL_KG = 1e-3


def read_table(folder: Path, name: str) -> pd.DataFrame:
    """A CSV file as text columns (empty cells as ""); an empty frame if it is missing."""
    path = folder / name
    if not path.exists():
        return pd.DataFrame()
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def rows_by_id(folder: Path, name: str, key: str) -> dict[str, dict[str, str]]:
    """The rows of a CSV file as text, by their ``key`` column."""
    return {
        str(r[key]): {str(k): str(v) for k, v in r.items()}
        for r in read_table(folder, name).to_dict("records")
    }


def kg(text: str) -> float:
    """A kg cell (empty: 0)."""
    return float(text) if text.strip() else 0.0


def words(text: str) -> list[str]:
    """The space-separated items of a cell."""
    return [w for w in text.split(" ") if w]
