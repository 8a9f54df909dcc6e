"""Helpers of the Streamlit planner (``app.py``) that need no Streamlit.

Reading uploads (a zipped scenario folder, or one table as CSV/Excel) with the
library's validation, applying table edits, running :func:`~agrichain.pipeline.plan_day`
in a worker process with progress, the pydeck map layers, per-driver route sheets
(CSV and printable HTML) and the plan as a zip. The app only lays these out;
tests call them directly.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import hashlib
import html
import importlib
import importlib.util
import io
import json
import math
import multiprocessing
import multiprocessing.context
import os
import pickle
import queue
import shutil
import tempfile
import threading
import time
import weakref
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd
import pydeck as pdk

from agrichain.spawning import hidden_main_script
from agrichain.errors import InputIssue, ScenarioError
from agrichain.io import load_scenario, save_scenario, scenario_from_frames, table_frame
from agrichain.io.schema import TABLE_MODELS, columns
from agrichain.model import TABLES, RoutingSettings, Scenario
from agrichain.plan import Plan

#: Environment variable: folder holding the bundled instances (default ``<repo>/instances``).
INSTANCES_ENV = "AGRICHAIN_INSTANCES_DIR"
#: Environment variable: instance loaded when the app opens (default ``county``, else the first).
DEFAULT_INSTANCE_ENV = "AGRICHAIN_DEFAULT_INSTANCE"
#: Environment variable: basemap style URL (MapLibre style JSON); unset = no basemap.
MAP_STYLE_ENV = "AGRICHAIN_MAP_STYLE"
#: Instance preferred when the app opens.
PREFERRED_INSTANCE = "county"
#: Tables the planner edits in the app.
EDITABLE_TABLES = ("orders", "vehicles", "supply")
#: Plan.tables written by the inventory planner, shown when present.
INVENTORY_TABLES = ("flows", "inventory", "spoilage", "lost_sales", "atp")
#: Largest uncompressed scenario zip accepted.
MAX_ZIP_BYTES = 256 * 1024 * 1024
#: Suffixes accepted for one uploaded table.
TABLE_SUFFIXES = (".csv", ".xlsx", ".xlsm")
#: Size of the map drawn by the app, used to fit the view.
MAP_WIDTH_PX = 560
MAP_HEIGHT_PX = 560
#: Width in pixels of the whole world at zoom 0 in deck.gl / MapLibre (512-pixel tiles).
WORLD_PX = 512.0

RGB = list[int]


# ----- instances -----------------------------------------------------------------


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


# ----- issues --------------------------------------------------------------------


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
    return pd.DataFrame(rows, columns=["file", "row", "column", "problem"])


def _renamed(exc: ScenarioError, names: Mapping[str, str]) -> ScenarioError:
    return ScenarioError(
        InputIssue(names.get(i.file or "", i.file), i.row, i.column, i.message) for i in exc.issues
    )


# ----- uploads -------------------------------------------------------------------


def scenario_from_zip(data: bytes, name: str = "scenario.zip") -> Scenario:
    """Load a zipped scenario folder (``scenario.toml`` at the top or in one sub-folder).

    Raises :class:`ScenarioError` for a bad archive or invalid content.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ScenarioError(InputIssue(name, None, None, "not a zip archive")) from None
    with archive, tempfile.TemporaryDirectory(prefix="agrichain-upload-") as tmp:
        root = Path(tmp)
        total = 0
        for info in archive.infolist():
            if info.is_dir():
                continue
            parts = PurePosixPath(info.filename.replace("\\", "/")).parts
            if not parts or parts[0] == "__MACOSX" or parts[-1].startswith("."):
                continue
            if info.filename.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
                raise ScenarioError(
                    InputIssue(name, None, None, f"unsafe path in the archive: {info.filename}")
                )
            total += info.file_size
            if total > MAX_ZIP_BYTES:
                raise ScenarioError(
                    InputIssue(
                        name, None, None, f"archive unpacks to more than {MAX_ZIP_BYTES} bytes"
                    )
                )
            target = root.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                target.write_bytes(archive.read(info))
            except (zipfile.BadZipFile, OSError, RuntimeError) as exc:
                raise ScenarioError(
                    InputIssue(name, None, None, f"cannot unpack {info.filename}: {exc}")
                ) from None
        folders = sorted(
            {p.parent for p in root.rglob("scenario.toml")}, key=lambda p: len(p.parts)
        )
        if not folders:
            raise ScenarioError(InputIssue(name, None, None, "no scenario.toml in the archive"))
        if len(folders) > 1 and len(folders[0].parts) == len(folders[1].parts):
            where = ", ".join(str(f.relative_to(root)) for f in folders[:3])
            raise ScenarioError(
                InputIssue(name, None, None, f"several scenario folders in the archive ({where})")
            )
        folder = folders[0]
        try:
            return load_scenario(folder)
        except ScenarioError as exc:
            raise _renamed(exc, {str(folder): name}) from None


def guess_table(filename: str) -> str | None:
    """The scenario table a file name refers to (``orders_0620.csv`` → ``orders``), if any."""
    stem = Path(filename).stem.strip().lower().replace("-", "_").replace(" ", "_")
    if stem in TABLE_MODELS:
        return stem
    for table in sorted(TABLE_MODELS, key=len, reverse=True):
        if table in stem:
            return table
    return None


def scenario_with_table_file(
    scenario: Scenario, table: str, filename: str, data: bytes
) -> Scenario:
    """``scenario`` with one table replaced by an uploaded CSV or Excel file.

    Validated like a scenario folder; issues name the uploaded file, with CSV line
    numbers or Excel row numbers (header = row 1). An Excel workbook whose sheets are
    named like tables replaces each of those tables.
    """
    if table not in TABLE_MODELS:
        raise ScenarioError(InputIssue(filename, None, None, f"unknown table '{table}'"))
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        return _with_csv(scenario, table, filename, data)
    if suffix in (".xlsx", ".xlsm"):
        return _with_excel(scenario, table, filename, data)
    wanted = ", ".join(TABLE_SUFFIXES)
    raise ScenarioError(InputIssue(filename, None, None, f"expected a file ending in {wanted}"))


def _with_csv(scenario: Scenario, table: str, filename: str, data: bytes) -> Scenario:
    with tempfile.TemporaryDirectory(prefix="agrichain-upload-") as tmp:
        save_scenario(scenario, tmp)
        (Path(tmp) / f"{table}.csv").write_bytes(data)
        try:
            return load_scenario(tmp)
        except ScenarioError as exc:
            raise _renamed(exc, {f"{table}.csv": filename, tmp: filename}) from None


def _text_columns(table: str) -> set[str]:
    return {c.name for c in columns(table) if c.type == "text"}


def _excel_cell(value: Any, text: bool) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if value is pd.NaT:
        return None
    if text and isinstance(value, int | float) and not isinstance(value, bool):
        return str(int(value)) if float(value).is_integer() else str(value)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def _with_excel(scenario: Scenario, table: str, filename: str, data: bytes) -> Scenario:
    try:
        sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, dtype=object)
    except Exception as exc:  # openpyxl raises many types; all mean "unreadable"
        raise ScenarioError(
            InputIssue(filename, None, None, f"cannot read the workbook: {exc}")
        ) from None
    named = {str(s).strip().lower(): (str(s), f) for s, f in sheets.items()}
    named = {t: sf for t, sf in named.items() if t in TABLE_MODELS}
    if named:
        chosen = {t: f for t, (_, f) in named.items()}
        labels = {t: f"{filename} [{s}]" for t, (s, _) in named.items()}
    elif sheets:
        chosen = {table: next(iter(sheets.values()))}
        labels = {table: filename}
    else:
        raise ScenarioError(InputIssue(filename, None, None, "the workbook has no sheets"))
    frames = {t: table_frame(scenario, t) for t in TABLES}
    excel_rows: dict[str, list[int]] = {}
    for t, frame in chosen.items():
        text = _text_columns(t)
        frame = frame.rename(columns=lambda c: str(c).strip())
        cleaned = pd.DataFrame(
            {c: [_excel_cell(v, c in text) for v in frame[c]] for c in frame.columns},
            index=frame.index,
            dtype=object,
        )
        blank = cleaned.apply(lambda r: all(v is None or v == "" for v in r), axis=1)
        cleaned = cleaned.loc[~blank] if len(cleaned) else cleaned
        excel_rows[t] = [int(i) + 2 for i in cleaned.index]
        frames[t] = cleaned.reset_index(drop=True)
    try:
        return scenario_from_frames(scenario.settings, **frames)
    except ScenarioError as exc:
        out = []
        for i in exc.issues:
            if i.file in chosen:
                rows = excel_rows[i.file]
                row = rows[i.row] if i.row is not None and i.row < len(rows) else i.row
                out.append(InputIssue(labels[i.file], row, i.column, i.message))
            else:
                out.append(i)
        raise ScenarioError(out) from None


# ----- editing -------------------------------------------------------------------


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


def scenario_with_frames(scenario: Scenario, frames: Mapping[str, pd.DataFrame]) -> Scenario:
    """``scenario`` with some tables replaced by DataFrames, validated by the library.

    Issues name the table and the 0-based row of the DataFrame.
    """
    tables: dict[str, pd.DataFrame | None] = {t: table_frame(scenario, t) for t in TABLES}
    tables.update({t: f.reset_index(drop=True) for t, f in frames.items()})
    return scenario_from_frames(scenario.settings, **tables)


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


# ----- planning ------------------------------------------------------------------


@dataclass(frozen=True)
class PlanOptions:
    """What the planner chose before pressing Plan. ``None`` keeps the scenario's value."""

    time_limit_s: float
    solution_limit: int | None = None
    seed: int = 0
    engine: str = "auto"
    allocation: str = "inventory"
    drop_penalty_per_kg: float | None = None
    cost_per_km: float | None = None
    """One running cost per km for every vehicle (None: each vehicle's own)."""

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> PlanOptions:
        """The options ``scenario.toml`` implies (what the CLI would use)."""
        r = scenario.settings.routing
        return cls(
            time_limit_s=float(r.time_limit_s),
            solution_limit=r.solution_limit,
            seed=r.seed,
            engine=r.engine,
        )


def allocation_methods() -> list[str]:
    """Allocation methods available here: ``nearest``, and ``inventory`` once installed."""
    methods = ["nearest"]
    if importlib.util.find_spec("agrichain.inventory") is not None:
        try:
            inventory = importlib.import_module("agrichain.inventory")
        except ImportError:
            return methods
        if hasattr(inventory, "InventoryAllocator"):
            methods.append("inventory")
    return methods


def engine_names() -> list[str]:
    """Routing engines the library knows."""
    from agrichain.routing.engine import ENGINES

    return list(ENGINES)


def _allocator(method: str) -> Any:
    from agrichain.pipeline import make_allocator

    return make_allocator(method)


def planned_scenario(scenario: Scenario, options: PlanOptions) -> Scenario:
    """The scenario with the cost options applied (drop penalty, cost per km)."""
    out = scenario
    routing = out.settings.routing
    if options.drop_penalty_per_kg is not None and (
        options.drop_penalty_per_kg != routing.drop_penalty_per_kg
    ):
        new_routing = RoutingSettings(
            **{**routing.model_dump(), "drop_penalty_per_kg": options.drop_penalty_per_kg}
        )
        settings = type(out.settings)(**{**out.settings.model_dump(), "routing": new_routing})
        out = out.with_settings(settings)
    if options.cost_per_km is not None and any(
        v.cost_per_km != options.cost_per_km for v in out.vehicles
    ):
        vehicles = [
            type(v)(**{**v.model_dump(), "cost_per_km": options.cost_per_km}) for v in out.vehicles
        ]
        out = out.with_tables(vehicles=vehicles)
    return out


def plan_key(scenario: Scenario, options: PlanOptions) -> str:
    """A digest of the scenario's content and the options: equal keys give the same plan."""
    digest = hashlib.sha256(scenario.model_dump_json().encode("utf-8"))
    digest.update(json.dumps(asdict(options), sort_keys=True).encode("utf-8"))
    return digest.hexdigest()


def run_plan(
    scenario: Scenario,
    options: PlanOptions,
    progress: Callable[[str, float], None] | None = None,
) -> Plan:
    """Plan the day as the CLI would, with the app's options."""
    from agrichain.pipeline import plan_day

    return plan_day(
        planned_scenario(scenario, options),
        time_limit_s=options.time_limit_s,
        seed=options.seed,
        solution_limit=options.solution_limit,
        engine=options.engine,
        allocator=_allocator(options.allocation),
        progress=progress,
    )


def expected_duration_s(scenario: Scenario, options: PlanOptions) -> float:
    """Seconds the solve may take at most by its limits (routing, plus the inventory MILP)."""
    total = options.time_limit_s
    if options.allocation == "inventory":
        total += scenario.settings.inventory.time_limit_s
    return float(total)


STAGE_LABELS = {
    "starting": "starting the solver",
    "allocate": "allocating harvest to orders",
    "route": "routing the fleet",
    "done": "finishing",
}

_CONTEXT: multiprocessing.context.BaseContext | None = None


def worker_context() -> multiprocessing.context.BaseContext:
    """Process context for plan workers: a fork server with the library preloaded.

    A separate process keeps the web server responsive: the routing solver holds
    Python's interpreter lock while it searches.
    """
    global _CONTEXT
    if _CONTEXT is None:
        if "forkserver" in multiprocessing.get_all_start_methods():
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(
                ["agrichain.app_support", "agrichain.pipeline", "agrichain.routing.ortools_engine"]
            )
            _CONTEXT = ctx
        else:  # pragma: no cover - platforms without fork
            _CONTEXT = multiprocessing.get_context("spawn")
    return _CONTEXT


def warm_up() -> None:
    """Start the worker fork server in the background, so the first Plan starts at once."""
    ctx = worker_context()
    if ctx.get_start_method() != "forkserver":  # pragma: no cover - platforms without fork
        return
    from multiprocessing import forkserver

    threading.Thread(
        target=forkserver.ensure_running, name="agrichain-warm-up", daemon=True
    ).start()


def _plan_worker(scenario: Scenario, options: PlanOptions, result_path: str, news: Any) -> None:
    def progress(stage: str, fraction: float) -> None:
        news.put(("progress", stage, float(fraction)))

    try:
        plan = run_plan(scenario, options, progress)
        tmp = result_path + ".part"
        with open(tmp, "wb") as fh:
            pickle.dump(plan, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, result_path)
        news.put(("plan", result_path))
    except ScenarioError as exc:
        news.put(("issues", [asdict(i) for i in exc.issues]))
    except Exception as exc:  # reported to the planner as a message, not a traceback
        news.put(("error", f"{type(exc).__name__}: {exc}"))


_RUNNING: weakref.WeakSet[PlanJob] = weakref.WeakSet()


@atexit.register
def _stop_running_jobs() -> None:
    # Runs before multiprocessing's own exit handler, which would wait for the workers.
    for job in list(_RUNNING):
        job.cancel()


class PlanJob:
    """One :func:`run_plan` in a worker process; poll it for progress and the plan."""

    #: Jobs started in this process (lets tests check that re-rendering does not re-solve).
    started = 0

    def __init__(self, scenario: Scenario, options: PlanOptions, key: str = "") -> None:
        ctx = worker_context()
        self.scenario = scenario
        self.options = options
        self.key = key or plan_key(scenario, options)
        self.expected_s = expected_duration_s(scenario, options)
        self.stage = "starting"
        self.plan: Plan | None = None
        self.error: str | None = None
        self.issues: tuple[InputIssue, ...] = ()
        self.started_at = time.monotonic()
        self.finished_at: float | None = None
        self._dir = tempfile.mkdtemp(prefix="agrichain-plan-")
        self._result = os.path.join(self._dir, "plan.pickle")
        self._news: Any = ctx.Queue()
        self._process: Any = ctx.Process(  # type: ignore[attr-defined]
            target=_plan_worker,
            args=(scenario, options, self._result, self._news),
            name="agrichain-plan",
        )
        with hidden_main_script():
            self._process.start()
        type(self).started += 1
        _RUNNING.add(self)

    @property
    def done(self) -> bool:
        return self.finished_at is not None

    @property
    def elapsed_s(self) -> float:
        return (self.finished_at or time.monotonic()) - self.started_at

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS.get(self.stage, self.stage)

    def fraction(self) -> float:
        """Progress in [0, 1]: elapsed time against the limits (1 once finished)."""
        if self.done:
            return 1.0
        return max(0.0, min(0.99, self.elapsed_s / max(self.expected_s, 1e-9)))

    def _take(self, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "progress":
            self.stage = str(message[1])
        elif kind == "plan":
            with open(message[1], "rb") as fh:
                self.plan = pickle.load(fh)
            self._finish()
        elif kind == "issues":
            self.issues = tuple(InputIssue(**i) for i in message[1])
            self.error = "the scenario is invalid"
            self._finish()
        elif kind == "error":
            self.error = str(message[1])
            self._finish()

    def _drain(self, wait_s: float = 0.0) -> None:
        while not self.done:
            try:
                message = self._news.get(timeout=wait_s) if wait_s else self._news.get_nowait()
            except queue.Empty:
                return
            self._take(message)

    def poll(self) -> bool:
        """Read the worker's news; True once the job has ended (plan or error)."""
        if self.done:
            return True
        alive = self._process.is_alive()
        self._drain()
        if not self.done and not alive:
            self._drain(wait_s=1.0)
            if not self.done:
                code = self._process.exitcode
                self.error = f"the planning process stopped unexpectedly (exit code {code})"
                self._finish()
        return self.done

    def wait(self, timeout_s: float | None = None, interval_s: float = 0.1) -> bool:
        """Poll until the job ends or ``timeout_s`` passes; True if it ended."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while not self.poll():
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(interval_s)
        return True

    def cancel(self) -> None:
        """Stop the worker; the job ends with the error ``cancelled``."""
        if self.done:
            return
        self._process.terminate()
        self._process.join(timeout=5)
        self.error = "cancelled"
        self._finish()

    def _finish(self) -> None:
        _RUNNING.discard(self)
        self.finished_at = time.monotonic()
        self._process.join(timeout=5)
        with contextlib.suppress(Exception):
            self._news.close()
        shutil.rmtree(self._dir, ignore_errors=True)


@dataclass
class PlanResult:
    """A finished plan with the scenario and options it was made from."""

    plan: Plan
    scenario: Scenario
    """The scenario as planned (options applied)."""
    options: PlanOptions
    key: str
    wall_s: float
    _files: dict[str, bytes] = field(default_factory=dict, repr=False)

    def download(self, name: str, make: Callable[[], bytes]) -> bytes:
        """Bytes of a download, made once per plan."""
        if name not in self._files:
            self._files[name] = make()
        return self._files[name]


# ----- results -------------------------------------------------------------------


def inventory_tables(plan: Plan) -> dict[str, pd.DataFrame]:
    """The inventory planner's tables present in the plan (none with the default allocator)."""
    return {
        n: plan.tables[n] for n in INVENTORY_TABLES if isinstance(plan.tables.get(n), pd.DataFrame)
    }


def _column(frame: pd.DataFrame, names: Sequence[str]) -> str | None:
    for name in names:
        if name in frame.columns:
            return name
    return None


_DAY = ("date", "day", "day_index", "ship_date")
_AGE = ("age_days", "age")
_KG = (
    "kg", "stock_kg", "inventory_kg", "flow_kg", "quantity_kg", "qty_kg", "spoiled_kg", "lost_kg",
)  # fmt: skip


def _kg_column(frame: pd.DataFrame) -> str | None:
    name = _column(frame, _KG)
    if name is not None:
        return name
    for c in frame.columns:
        if str(c).endswith("_kg") and pd.api.types.is_numeric_dtype(frame[c]):
            return str(c)
    return None


def table_kg(frame: pd.DataFrame) -> float | None:
    """Total of a table's kg column, if it has one."""
    kg = _kg_column(frame)
    return None if kg is None else float(pd.to_numeric(frame[kg], errors="coerce").fillna(0).sum())


def spoilage_kg(plan: Plan) -> float | None:
    """kg spoiled over the horizon (inventory plans only)."""
    frame = inventory_tables(plan).get("spoilage")
    return None if frame is None else table_kg(frame)


def stock_by_age(frame: pd.DataFrame) -> pd.DataFrame | None:
    """kg in stock per day (rows) and age in days (columns), for a stacked chart."""
    day, age, kg = _column(frame, _DAY), _column(frame, _AGE), _kg_column(frame)
    if day is None or kg is None or frame.empty:
        return None
    data = frame.assign(_kg=pd.to_numeric(frame[kg], errors="coerce").fillna(0.0))
    if age is None:
        out = data.groupby(day)["_kg"].sum().to_frame("kg")
    else:
        out = data.pivot_table(index=day, columns=age, values="_kg", aggfunc="sum", fill_value=0.0)
        out.columns = [f"age {c} d" for c in out.columns]
    out.index = out.index.astype(str)
    return out


def daily_flows(frame: pd.DataFrame) -> pd.DataFrame | None:
    """kg moved per day (rows) and product (columns), for a stacked chart."""
    day, kg = _column(frame, _DAY), _kg_column(frame)
    if day is None or kg is None or frame.empty:
        return None
    data = frame.assign(_kg=pd.to_numeric(frame[kg], errors="coerce").fillna(0.0))
    if "product_id" in frame.columns:
        out = data.pivot_table(
            index=day, columns="product_id", values="_kg", aggfunc="sum", fill_value=0.0
        )
        out.columns = [str(c) for c in out.columns]
    else:
        out = data.groupby(day)["_kg"].sum().to_frame("kg")
    out.index = out.index.astype(str)
    return out


def kpi_values(plan: Plan) -> list[tuple[str, str]]:
    """Headline numbers of a plan as (label, text) pairs, in display order."""
    s = plan.summary
    out = [
        ("Vehicles used", f"{s['vehicles_used']} / {s['vehicles_available']}"),
        ("Distance (km)", f"{s['distance_km']:,.1f}"),
        (f"Cost ({s['currency']})", f"{s['cost_total']:,.2f}"),
        ("Collected (kg)", f"{s['kg_collected']:,.1f}"),
        ("Unserved (kg)", f"{s['kg_unserved']:,.1f}"),
        ("Orders unserved", f"{s['orders_unserved']} / {s['orders_total']}"),
    ]
    spoiled = spoilage_kg(plan)
    if spoiled is not None:
        out.append(("Spoilage (kg)", f"{spoiled:,.1f}"))
    return out


# ----- map -----------------------------------------------------------------------

PALETTE: tuple[tuple[int, int, int], ...] = (
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
    (140, 86, 75), (227, 119, 194), (23, 190, 207), (188, 189, 34), (127, 127, 127),
    (57, 59, 121), (173, 73, 74), (82, 84, 163), (140, 162, 82), (189, 158, 57),
    (132, 60, 57), (123, 65, 115), (99, 121, 57), (206, 109, 189), (107, 110, 207),
)  # fmt: skip
FARM_RGB: RGB = [96, 160, 72]
POINT_RGB: RGB = [33, 33, 33]
BOUNDARY_RGB: RGB = [120, 144, 156]


def vehicle_colours(scenario: Scenario) -> dict[str, RGB]:
    """A stable colour per vehicle (its position in the vehicles table)."""
    return {v.vehicle_id: list(PALETTE[i % len(PALETTE)]) for i, v in enumerate(scenario.vehicles)}


def hex_colour(rgb: Sequence[int]) -> str:
    """``#rrggbb`` of an RGB triple."""
    return "#" + "".join(f"{int(c):02x}" for c in rgb[:3])


def _mercator_y(lat: float) -> float:
    lat = max(-85.0, min(85.0, lat))
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def fit_view(
    lats: Sequence[float],
    lons: Sequence[float],
    width_px: int = MAP_WIDTH_PX,
    height_px: int = MAP_HEIGHT_PX,
    margin: float = 0.12,
) -> dict[str, float]:
    """Centre and zoom that show every point (web-mercator), with a margin on each side."""
    if not lats:
        return {"latitude": 0.0, "longitude": 0.0, "zoom": 1.0}
    lat0, lat1, lon0, lon1 = min(lats), max(lats), min(lons), max(lons)
    usable_w = width_px * (1 - 2 * margin)
    usable_h = height_px * (1 - 2 * margin)
    zooms = [18.0]
    if lon1 > lon0:
        zooms.append(math.log2(usable_w * 360.0 / (WORLD_PX * (lon1 - lon0))))
    dy = _mercator_y(lat1) - _mercator_y(lat0)
    if dy > 0:
        zooms.append(math.log2(usable_h * 2 * math.pi / (WORLD_PX * dy)))
    y_mid = (_mercator_y(lat0) + _mercator_y(lat1)) / 2
    lat_mid = math.degrees(2 * math.atan(math.exp(y_mid)) - math.pi / 2)
    return {
        "latitude": round(lat_mid, 6),
        "longitude": round((lon0 + lon1) / 2, 6),
        "zoom": max(1.0, math.floor(min(zooms) * 1000) / 1000),
    }


def boundary_geojson(lats: Sequence[float], lons: Sequence[float]) -> dict[str, Any] | None:
    """The convex hull of the places, buffered by 5 % of their extent, as GeoJSON."""
    from shapely.geometry import MultiPoint, mapping

    if not lats:
        return None
    hull = MultiPoint(list(zip(lons, lats, strict=True))).convex_hull
    span = max(max(lats) - min(lats), max(lons) - min(lons))
    shape = hull.buffer(max(0.05 * span, 0.005))
    return {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {}, "geometry": mapping(shape)}],
    }


def _hhmm(when: dt.datetime, day: dt.date) -> str:
    text = when.strftime("%H:%M")
    return text if when.date() == day else f"{when:%m-%d} {text}"


@dataclass(frozen=True)
class MapData:
    """Records of each map layer (plain dicts, ready for pydeck) and the view."""

    farms: list[dict[str, Any]]
    logistics_points: list[dict[str, Any]]
    paths: list[dict[str, Any]]
    stops: list[dict[str, Any]]
    boundary: dict[str, Any] | None
    view: dict[str, float]


def map_data(
    scenario: Scenario,
    plan: Plan | None = None,
    width_px: int = MAP_WIDTH_PX,
    height_px: int = MAP_HEIGHT_PX,
) -> MapData:
    """Farms, logistics points, route paths and stops with tooltips (``tip``)."""
    day = scenario.settings.planning_date
    colours = vehicle_colours(scenario)
    visited = set()
    if plan is not None:
        visited = {s.stop_id for r in plan.routes for s in r.stops}
    farms = [
        {
            "id": f.farm_id,
            "lon": f.lon,
            "lat": f.lat,
            "color": FARM_RGB if f.farm_id in visited or plan is None else [150, 170, 150],
            "tip": f"Farm {f.farm_id} {f.name}".rstrip()
            + f"\npickup {f.pickup_open:%H:%M}–{f.pickup_close:%H:%M}",
        }
        for f in scenario.farms
    ]
    points = [
        {
            "id": p.logistics_point_id,
            "lon": p.lon,
            "lat": p.lat,
            "color": POINT_RGB,
            "tip": f"Logistics point {p.logistics_point_id} {p.name}".rstrip()
            + f"\nopen {p.open:%H:%M}–{p.close:%H:%M}, cut-off {p.cutoff:%H:%M}",
        }
        for p in scenario.logistics_points
    ]
    paths: list[dict[str, Any]] = []
    stops: list[dict[str, Any]] = []
    if plan is not None:
        tasks = {t.task_id: t for t in plan.tasks}
        for r in plan.routes:
            colour = colours.get(r.vehicle_id, list(PALETTE[0]))
            cold = " (refrigerated)" if r.refrigerated else ""
            paths.append(
                {
                    "vehicle_id": r.vehicle_id,
                    "path": [[s.lon, s.lat] for s in r.stops],
                    "color": colour,
                    "tip": f"Vehicle {r.vehicle_id}{cold}\n{r.distance_km:,.1f} km, "
                    f"{len(r.stops) - 2} stops, {r.trips} trip(s), {r.kg_collected:,.1f} kg"
                    f"\n{_hhmm(r.start, day)}–{_hhmm(r.end, day)}",
                }
            )
            for s in r.stops[1:-1]:
                verb = "load" if s.stop_kind == "farm" else "unload"
                lines = [
                    f"{verb} {tasks[t].kg:,.1f} kg {tasks[t].product_id}"
                    for t in s.task_ids
                    if t in tasks
                ]
                stops.append(
                    {
                        "vehicle_id": r.vehicle_id,
                        "lon": s.lon,
                        "lat": s.lat,
                        "color": colour,
                        "tip": f"{r.vehicle_id} trip {s.trip}, stop {s.seq}: {s.stop_id} "
                        f"({s.stop_kind.replace('_', ' ')})\narrival {_hhmm(s.arrival, day)}, "
                        f"departure {_hhmm(s.departure, day)}\nload after stop: {s.load_kg:,.1f} kg"
                        + ("\n" + "\n".join(lines[:8]) if lines else "")
                        + (f"\n… {len(lines) - 8} more" if len(lines) > 8 else ""),
                    }
                )
    lats = [float(f.lat) for f in scenario.farms] + [p.lat for p in scenario.logistics_points]
    lons = [float(f.lon) for f in scenario.farms] + [p.lon for p in scenario.logistics_points]
    return MapData(
        farms=farms,
        logistics_points=points,
        paths=paths,
        stops=stops,
        boundary=boundary_geojson(lats, lons),
        view=fit_view(lats, lons, width_px, height_px),
    )


def _points_layer(
    data: Any,
    layer_id: str,
    fill: str | list[int],
    line: str | list[int],
    min_px: float,
    max_px: float,
    line_px: float,
) -> Any:
    """A pickable, outlined scatter layer; sizes in pixels (string props are data accessors)."""
    return pdk.Layer(
        "ScatterplotLayer",
        data,
        id=layer_id,
        get_position="[lon, lat]",
        get_fill_color=fill,
        get_line_color=line,
        get_radius=40,
        radius_min_pixels=min_px,
        radius_max_pixels=max_px,
        stroked=True,
        line_width_min_pixels=line_px,
        pickable=True,
    )


def build_deck(
    data: MapData, map_style: str | None = None, height_px: int = MAP_HEIGHT_PX
) -> pdk.Deck:
    """The pydeck map: boundary, routes, farms, logistics points, stops.

    pydeck turns every string property into an accessor expression, so sizes are
    given in metres with pixel bounds rather than with ``*_units="pixels"``.

    Without ``map_style`` no basemap is requested, so the map works offline.
    """
    layers = []
    if data.boundary is not None:
        layers.append(
            pdk.Layer(
                "GeoJsonLayer",
                data.boundary,
                id="boundary",
                stroked=True,
                filled=True,
                get_fill_color=[*BOUNDARY_RGB, 22],
                get_line_color=[*BOUNDARY_RGB, 160],
                line_width_min_pixels=1,
                pickable=False,
            )
        )
    layers.append(
        pdk.Layer(
            "PathLayer",
            data.paths,
            id="routes",
            get_path="path",
            get_color="color",
            width_min_pixels=3,
            width_max_pixels=6,
            get_width=30,
            joint_rounded=True,
            cap_rounded=True,
            pickable=True,
            auto_highlight=True,
        )
    )
    layers.append(_points_layer(data.farms, "farms", "color", [255, 255, 255], 5, 15, 1))
    layers.append(_points_layer(data.stops, "stops", "color", [255, 255, 255], 7, 21, 1.5))
    layers.append(
        _points_layer(
            data.logistics_points, "logistics_points", [255, 255, 255], "color", 10, 30, 4
        )
    )
    layers.append(
        pdk.Layer(
            "TextLayer",
            data.logistics_points,
            id="logistics_point_labels",
            get_position="[lon, lat]",
            get_text="id",
            get_size=13,
            get_color=POINT_RGB,
            get_pixel_offset=[0, -20],
            font_weight=700,
            pickable=False,
        )
    )
    if map_style:
        return pdk.Deck(
            layers=layers,
            initial_view_state=pdk.ViewState(**data.view),
            map_style=map_style,
            map_provider="carto",
            tooltip={"text": "{tip}"},
            height=height_px,
        )
    return pdk.Deck(
        layers=layers,
        initial_view_state=pdk.ViewState(**data.view),
        map_style=None,
        map_provider=None,
        tooltip={"text": "{tip}"},
        height=height_px,
    )


# ----- hand over -----------------------------------------------------------------

ROUTE_SHEET_COLUMNS = [
    "vehicle_id",
    "trip",
    "stop",
    "place_id",
    "place_name",
    "stop_kind",
    "lat",
    "lon",
    "arrival",
    "departure",
    "action",
    "task_id",
    "product_id",
    "product_name",
    "kg",
    "load_after_kg",
]


def _place_name(scenario: Scenario, place_id: str) -> str:
    if place_id in scenario.farm:
        return scenario.farm[place_id].name
    if place_id in scenario.logistics_point:
        return scenario.logistics_point[place_id].name
    return ""


def route_sheet_frame(plan: Plan, scenario: Scenario, vehicle_id: str) -> pd.DataFrame:
    """One driver's day: a row per task at each stop (load at farms, unload at hubs)."""
    route = next((r for r in plan.routes if r.vehicle_id == vehicle_id), None)
    if route is None:
        raise ValueError(f"vehicle '{vehicle_id}' has no route in this plan")
    tasks = {t.task_id: t for t in plan.tasks}
    rows: list[dict[str, Any]] = []
    last = len(route.stops) - 1
    for k, s in enumerate(route.stops):
        base = {
            "vehicle_id": route.vehicle_id,
            "trip": s.trip,
            "stop": s.seq,
            "place_id": s.stop_id,
            "place_name": _place_name(scenario, s.stop_id),
            "stop_kind": s.stop_kind,
            "lat": s.lat,
            "lon": s.lon,
            "arrival": s.arrival.strftime("%Y-%m-%d %H:%M"),
            "departure": s.departure.strftime("%Y-%m-%d %H:%M"),
            "load_after_kg": round(s.load_kg, 3),
        }
        if s.task_ids:
            action = "load" if s.stop_kind == "farm" else "unload"
            for tid in s.task_ids:
                t = tasks[tid]
                product = scenario.product.get(t.product_id)
                rows.append(
                    {
                        **base,
                        "action": action,
                        "task_id": tid,
                        "product_id": t.product_id,
                        "product_name": product.name if product else "",
                        "kg": round(t.kg, 3),
                    }
                )
        else:
            action = "start" if k == 0 else "end" if k == last else ""
            rows.append({**base, "action": action, "task_id": "", "product_id": "",
                         "product_name": "", "kg": None})  # fmt: skip
    return pd.DataFrame(rows, columns=ROUTE_SHEET_COLUMNS)


def route_sheet_csv(plan: Plan, scenario: Scenario, vehicle_id: str) -> bytes:
    """The route sheet as UTF-8 CSV (with a byte-order mark, so spreadsheets read it)."""
    frame = route_sheet_frame(plan, scenario, vehicle_id)
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8-sig")


_SHEET_CSS = """
body { font-family: system-ui, "Noto Sans", "Noto Sans CJK SC", sans-serif; margin: 1.5em; }
h1 { font-size: 1.4em; margin-bottom: 0.2em; }
.meta { color: #444; margin-bottom: 1em; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1.2em; table-layout: fixed; }
th, td { border: 1px solid #999; padding: 4px 6px; vertical-align: top; text-align: left; }
th { background: #eee; }
td.num { text-align: right; white-space: nowrap; }
td.tick { width: 2em; }
ul { margin: 0; padding-left: 1.1em; }
@media print { body { margin: 0.5cm; } tr { page-break-inside: avoid; } }
"""


_SHEET_COLUMNS = (
    "<colgroup>"
    + "".join(f'<col style="width:{w}%">' for w in (4, 22, 16, 7, 7, 30, 9, 5))
    + "</colgroup>"
)


def route_sheet_html(plan: Plan, scenario: Scenario, vehicle_id: str) -> str:
    """A printable page for the driver: stops in order, place, times, what to load/unload."""
    route = next((r for r in plan.routes if r.vehicle_id == vehicle_id), None)
    if route is None:
        raise ValueError(f"vehicle '{vehicle_id}' has no route in this plan")
    e = html.escape
    tasks = {t.task_id: t for t in plan.tasks}
    vehicle = scenario.vehicle.get(vehicle_id)
    day = plan.planning_date
    title = f"Route sheet {vehicle_id} — {day.isoformat()}"
    body: list[str] = [
        f"<h1>{e(title)}</h1>",
        '<div class="meta">',
        f"Scenario {e(plan.scenario_name)} · home {e(route.home_logistics_point_id)} "
        f"{e(_place_name(scenario, route.home_logistics_point_id))} · "
        f"{'refrigerated' if route.refrigerated else 'not refrigerated'}"
        + (f" · capacity {vehicle.capacity_kg:,.0f} kg" if vehicle else "")
        + f"<br>Leave {e(_hhmm(route.start, day))}, back {e(_hhmm(route.end, day))} · "
        f"{route.distance_km:,.1f} km · {len(route.stops) - 2} stops · {route.trips} trip(s) · "
        f"{route.kg_collected:,.1f} kg to collect",
        "</div>",
    ]
    for trip in range(1, route.trips + 1):
        body.append(f"<h2>Trip {trip}</h2>")
        body.append(
            "<table>"
            + _SHEET_COLUMNS
            + "<thead><tr><th>#</th><th>Place</th><th>Coordinates</th><th>Arrive</th>"
            "<th>Leave</th><th>Load / unload</th><th>On board after</th><th>Done</th></tr>"
            "</thead><tbody>"
        )
        for k, s in enumerate(route.stops):
            if s.trip != trip:
                continue
            what: list[str] = []
            if s.task_ids:
                verb = "Load" if s.stop_kind == "farm" else "Unload"
                for tid in s.task_ids:
                    t = tasks[tid]
                    product = scenario.product.get(t.product_id)
                    pname = f" {product.name}" if product and product.name else ""
                    what.append(
                        f"<li>{verb} <b>{t.kg:,.1f} kg</b> {e(t.product_id)}{e(pname)} "
                        f"<small>({e(tid)})</small></li>"
                    )
            elif k == 0:
                what.append("<li>Start of shift</li>")
            elif k == len(route.stops) - 1:
                what.append("<li>End of shift</li>")
            body.append(
                f"<tr><td class='num'>{s.seq}</td>"
                f"<td><b>{e(s.stop_id)}</b> {e(_place_name(scenario, s.stop_id))}"
                f"<br><small>{e(s.stop_kind.replace('_', ' '))}</small></td>"
                f"<td class='num'>{s.lat:.5f}, {s.lon:.5f}</td>"
                f"<td class='num'>{e(_hhmm(s.arrival, day))}</td>"
                f"<td class='num'>{e(_hhmm(s.departure, day))}</td>"
                f"<td><ul>{''.join(what)}</ul></td>"
                f"<td class='num'>{s.load_kg:,.1f} kg</td><td class='tick'></td></tr>"
            )
        body.append("</tbody></table>")
    totals: dict[str, float] = {}
    for s in route.stops:
        if s.stop_kind == "farm":
            for tid in s.task_ids:
                pid = tasks[tid].product_id
                totals[pid] = totals.get(pid, 0.0) + tasks[tid].kg
    if totals:
        body.append("<h2>To collect today</h2><table><tr><th>Product</th><th>kg</th></tr>")
        for pid, kg in sorted(totals.items()):
            body.append(f"<tr><td>{e(pid)}</td><td class='num'>{kg:,.1f}</td></tr>")
        body.append("</table>")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{e(title)}</title><style>{_SHEET_CSS}</style></head><body>"
        + "\n".join(body)
        + "</body></html>\n"
    )


_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


def _zip(files: Mapping[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()


def plan_zip(plan: Plan) -> bytes:
    """The plan's output files (what the CLI writes) as one zip."""
    return _zip(plan.files())


def route_sheets_zip(plan: Plan, scenario: Scenario) -> bytes:
    """Every driver's route sheet, CSV and HTML, as one zip."""
    files: dict[str, bytes] = {}
    for r in plan.routes:
        files[f"{r.vehicle_id}.csv"] = route_sheet_csv(plan, scenario, r.vehicle_id)
        files[f"{r.vehicle_id}.html"] = route_sheet_html(plan, scenario, r.vehicle_id).encode(
            "utf-8"
        )
    return _zip(files)


__all__ = [
    "EDITABLE_TABLES",
    "INVENTORY_TABLES",
    "MapData",
    "PlanJob",
    "PlanOptions",
    "PlanResult",
    "allocation_methods",
    "boundary_geojson",
    "build_deck",
    "daily_flows",
    "default_instance",
    "edit_count",
    "editable_frames",
    "engine_names",
    "expected_duration_s",
    "fit_view",
    "guess_table",
    "instances_dir",
    "inventory_tables",
    "issues_frame",
    "kpi_values",
    "list_instances",
    "map_data",
    "merge_edited",
    "order_mask",
    "plan_key",
    "plan_zip",
    "planned_scenario",
    "product_totals",
    "route_sheet_csv",
    "route_sheet_frame",
    "route_sheet_html",
    "route_sheets_zip",
    "run_plan",
    "same_rows",
    "scenario_from_zip",
    "scenario_with_frames",
    "scenario_with_table_file",
    "spoilage_kg",
    "stock_by_age",
    "table_kg",
    "vehicle_colours",
]
