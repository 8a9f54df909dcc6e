"""The planner's inputs: bundled instances, validation issues, table edits, filters, totals."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from agrichain.errors import InputIssue
from agrichain.io import scenario_from_frames, table_frame
from agrichain.model import TABLES, Scenario, plausibility_doubts

#: Environment variable: folder holding the bundled instances (default ``<repo>/instances``).
INSTANCES_ENV = "AGRICHAIN_INSTANCES_DIR"
#: Environment variable: instance loaded when the app opens (default ``county``, else the first).
DEFAULT_INSTANCE_ENV = "AGRICHAIN_DEFAULT_INSTANCE"
#: Instance preferred when the app opens.
PREFERRED_INSTANCE = "county"
#: Tables the planner edits in the app.
EDITABLE_TABLES = ("orders", "vehicles", "supply")
#: Columns of the validation issues table.
ISSUE_COLUMNS = ["file", "row", "column", "problem"]
#: Name of the editors' row numbers (1-based, as issues name the rows).
ROW_LABEL = "row"


# ----- instances ------------------------------------------------------------------------


def instances_dir(repo_root: str | os.PathLike[str]) -> Path:
    """Folder of bundled instances: ``$AGRICHAIN_INSTANCES_DIR`` or ``<repo>/instances``."""
    configured = os.environ.get(INSTANCES_ENV, "").strip()
    return Path(configured) if configured else Path(repo_root) / "instances"


def list_instances(folder: str | os.PathLike[str]) -> list[str]:
    """Names of the sub-folders of ``folder`` that hold a ``scenario.toml``, sorted."""
    root = Path(folder)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "scenario.toml").is_file())


def default_instance(names: Sequence[str]) -> str | None:
    """The instance to open first: ``$AGRICHAIN_DEFAULT_INSTANCE``, ``county``, or the first."""
    wanted = os.environ.get(DEFAULT_INSTANCE_ENV, "").strip()
    for name in (wanted, PREFERRED_INSTANCE):
        if name and name in names:
            return name
    return names[0] if names else None


def id_choices(scenario: Scenario) -> dict[str, list[str]]:
    """Ids the planner picks from: ``sessions``, ``products``, ``points`` (logistics), ``farms``."""
    return {
        "sessions": [s.session_id for s in scenario.sessions],
        "products": [p.product_id for p in scenario.products],
        "points": [p.logistics_point_id for p in scenario.logistics_points],
        "farms": [f.farm_id for f in scenario.farms],
    }


def issues_frame(issues: Iterable[InputIssue]) -> pd.DataFrame:
    """Validation issues as a table: file, row, column, problem."""
    rows = [
        {
            "file": i.file or "",
            "row": "" if i.row is None else str(i.row),
            "column": i.column or "",
            "problem": i.message,
        }
        for i in issues
    ]
    return pd.DataFrame(rows, columns=ISSUE_COLUMNS)


# ----- editing --------------------------------------------------------------------------


def editable_frames(scenario: Scenario) -> dict[str, pd.DataFrame]:
    """The tables the planner edits, as DataFrames with a 0-based row index."""
    return {t: table_frame(scenario, t) for t in EDITABLE_TABLES}


def merge_edited(
    full: pd.DataFrame, shown_index: Iterable[Any], edited: pd.DataFrame
) -> pd.DataFrame:
    """The whole table after edits made to a filtered view of it.

    ``shown_index`` are the labels of ``full`` that were shown; rows of ``edited``
    with those labels replace them, shown rows missing from ``edited`` were deleted,
    other rows of ``edited`` are new and go to the end. The result has a 0-based index.
    """
    shown = full.index.intersection(pd.Index(list(shown_index)))
    is_new = ~edited.index.isin(shown)
    kept = edited.loc[~is_new].reindex(columns=full.columns)
    new = edited.loc[is_new].reindex(columns=full.columns)
    rest = full.loc[~full.index.isin(shown)]
    parts = [p for p in (rest, kept) if len(p)]
    out = pd.concat(parts) if parts else full.iloc[0:0]
    order = {label: pos for pos, label in enumerate(full.index)}
    out = out.iloc[sorted(range(len(out)), key=lambda k: order[out.index[k]])]
    if len(new):
        out = pd.concat([out, new]) if len(out) else new
    return out.reset_index(drop=True).astype(object)


def _normal_rows(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    values = frame.astype(object).where(frame.notna(), None)
    return [tuple(None if v == "" else v for v in row) for row in values.itertuples(index=False)]


def same_rows(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """Whether two tables hold the same cells (empty text and missing count as equal)."""
    return list(a.columns) == list(b.columns) and _normal_rows(a) == _normal_rows(b)


def edit_count(state: Any) -> int:
    """Number of edits in a ``st.data_editor`` state (edited, added and deleted rows)."""
    if not isinstance(state, Mapping):
        return 0
    return sum(len(state.get(k) or ()) for k in ("edited_rows", "added_rows", "deleted_rows"))


def numbered(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its rows numbered from 1 (index ``row``), as the editors show them."""
    return frame.set_axis(pd.RangeIndex(1, len(frame) + 1, name=ROW_LABEL))


def scenario_with_frames(scenario: Scenario, frames: Mapping[str, pd.DataFrame]) -> Scenario:
    """``scenario`` with some tables replaced by DataFrames, validated by the library.

    Issues name the table and the 1-based row of its editor (the number shown at the
    left of the table).
    """
    tables: dict[str, pd.DataFrame] = {t: table_frame(scenario, t) for t in TABLES}
    tables.update(frames)
    return scenario_from_frames(scenario.settings, **{t: numbered(f) for t, f in tables.items()})


def scenario_doubts(scenario: Scenario) -> list[InputIssue]:
    """Doubtful but valid values of ``scenario`` (warnings, not errors), each naming the
    table and the 1-based row of its editor."""
    return [
        InputIssue(
            (i.file or "").strip("<>"), None if i.row is None else i.row + 1, i.column, i.message
        )
        for i in plausibility_doubts(scenario)
    ]


# ----- filters and totals ---------------------------------------------------------------


def _order_points(scenario: Scenario, orders: pd.DataFrame) -> pd.Series:
    by_session = {s.session_id: s.logistics_point_id for s in scenario.sessions}
    own = orders["logistics_point_id"].astype(object)
    session = orders["session_id"].astype(object).map(lambda s: by_session.get(s))
    use_own = own.map(lambda v: isinstance(v, str) and v.strip() != "")
    return own.where(use_own, session)


def order_mask(
    scenario: Scenario,
    orders: pd.DataFrame,
    sessions: Sequence[str] = (),
    products: Sequence[str] = (),
    logistics_points: Sequence[str] = (),
) -> pd.Series:
    """Rows of an orders table matching the filters (an empty filter keeps everything)."""
    keep = pd.Series(True, index=orders.index)
    if sessions:
        keep &= orders["session_id"].isin(list(sessions))
    if products:
        keep &= orders["product_id"].isin(list(products))
    if logistics_points:
        keep &= _order_points(scenario, orders).isin(list(logistics_points))
    return keep


def draft_masks(
    scenario: Scenario,
    drafts: Mapping[str, pd.DataFrame],
    sessions: Sequence[str] = (),
    products: Sequence[str] = (),
    logistics_points: Sequence[str] = (),
) -> dict[str, pd.Series]:
    """Rows of each edited table matching the filters: orders by all three, vehicles by
    home logistics point, supply by product (an empty filter keeps everything)."""
    vehicles, supply = drafts["vehicles"], drafts["supply"]
    keep_vehicles = pd.Series(True, index=vehicles.index)
    if logistics_points:
        keep_vehicles = vehicles["home_logistics_point_id"].isin(list(logistics_points))
    keep_supply = pd.Series(True, index=supply.index)
    if products:
        keep_supply = supply["product_id"].isin(list(products))
    orders = order_mask(scenario, drafts["orders"], sessions, products, logistics_points)
    return {"orders": orders, "vehicles": keep_vehicles, "supply": keep_supply}


def product_totals(
    scenario: Scenario,
    sessions: Sequence[str] = (),
    products: Sequence[str] = (),
    logistics_points: Sequence[str] = (),
) -> pd.DataFrame:
    """Ordered kg per product (filtered orders) against harvest and stock.

    ``balance_today_kg`` = harvest on the planning date + stock − kg to ship that day.
    """
    frame = table_frame(scenario, "orders")
    frame = frame.loc[order_mask(scenario, frame, sessions, products, logistics_points)]
    wanted = set(frame["order_id"])
    day0 = scenario.settings.planning_date
    rows = []
    for p in scenario.products:
        if products and p.product_id not in products:
            continue
        mine = [o for o in scenario.orders if o.order_id in wanted and o.product_id == p.product_id]
        kg = sum(scenario.order_kg(o) for o in mine)
        kg_today = sum(scenario.order_kg(o) for o in mine if o.ship_by.date() == day0)
        harvest = [s for s in scenario.supply if s.product_id == p.product_id]
        today = sum(s.kg for s in harvest if s.date == day0)
        stock = sum(s.kg for s in scenario.stock if s.product_id == p.product_id)
        rows.append(
            {
                "product_id": p.product_id,
                "name": p.name,
                "cold_chain": p.needs_cold_chain,
                "orders": len(mine),
                "boxes": sum(o.quantity_boxes for o in mine),
                "ordered_kg": round(kg, 3),
                "ship_today_kg": round(kg_today, 3),
                "harvest_today_kg": round(today, 3),
                "stock_kg": round(stock, 3),
                "balance_today_kg": round(today + stock - kg_today, 3),
                "harvest_horizon_kg": round(sum(s.kg for s in harvest), 3),
            }
        )
    return pd.DataFrame(rows)


__all__ = [
    "DEFAULT_INSTANCE_ENV",
    "EDITABLE_TABLES",
    "INSTANCES_ENV",
    "ISSUE_COLUMNS",
    "PREFERRED_INSTANCE",
    "ROW_LABEL",
    "default_instance",
    "draft_masks",
    "edit_count",
    "editable_frames",
    "id_choices",
    "instances_dir",
    "issues_frame",
    "list_instances",
    "merge_edited",
    "numbered",
    "order_mask",
    "product_totals",
    "same_rows",
    "scenario_with_frames",
]
