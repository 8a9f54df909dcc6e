"""Fuzzing the scenario readers, every table and ``scenario.toml``.

The property: whatever a file holds, loading either succeeds with the values the format
documents (an independent reading of each cell below) or raises ``ScenarioError`` whose
issues name the file and, for a wrong cell, its row (and column) — never another
exception, never a wrong value accepted silently.

Mutations of a table: cells (any text, near misses, valid values, ids of other tables),
a new row, blank lines, a dropped, extra or reordered column, another encoding or line
ending. Of the settings: any value for any key, a key removed or added, garbage text.
The example count comes from the ``agrichain-fuzz`` profile (``tests/io/conftest.py``):
small by default, 1,000 per test with ``pytest -m fuzz``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from builders import tiny_scenario
from hypothesis import given, settings
from hypothesis import strategies as st

from agrichain.errors import InputIssue, ScenarioError
from agrichain.io import columns, load_scenario, save_scenario, settings_toml, table_frame
from agrichain.model import REFERENCES, TABLES, Forecast, Scenario, Stock

pytestmark = [
    pytest.mark.fuzz,
    pytest.mark.filterwarnings("ignore::agrichain.errors.ScenarioWarning"),
]
FUZZ = settings.get_profile("agrichain-fuzz")  # registered in tests/io/conftest.py

INVALID = "<invalid>"
BLANK = "<blank>"
_BOOLS = {word: True for word in ("true", "t", "yes", "y", "on", "1")} | {
    word: False for word in ("false", "f", "no", "n", "off", "0")
}
_CLOCK = r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,6}))?)?"
_DAY = r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
#: Tables whose rows have rules across their cells (a row may fail however valid each cell).
ROW_RULES = {"farms", "logistics_points", "vehicles"}


NAMES = ["杨梅园", "Pêche", ""]


def base_scenario() -> Scenario:
    """The tiny scenario with rows in every table, names to re-encode, two days."""
    tiny = tiny_scenario()
    farms = [f.model_copy(update={"name": n}) for f, n in zip(tiny.farms, NAMES, strict=True)]
    settings_ = tiny.settings.model_copy(update={"horizon_days": 2})
    return tiny.with_settings(settings_).with_tables(
        farms=farms,
        forecast=[Forecast(session_id="S1", product_id="peach", boxes=12)],
        stock=[
            Stock(logistics_point_id="HUB", product_id="peach", age_days=1, kg=40),
            Stock(logistics_point_id="HUB", product_id="bayberry", age_days=0, kg=10),
        ],
    )


BASE = base_scenario()


# ----- the independent reading of one cell -------------------------------------------------


def _clock(m: re.Match[str]) -> dt.time:
    h, mi, s, frac = m.groups()
    return dt.time(int(h), int(mi), int(s or 0), int((frac or "0").ljust(6, "0")))


def reading(kind: str, text: str) -> Any:
    """What a cell means under the documented format: a value, BLANK or INVALID."""
    s = text.strip()
    if not s:
        return BLANK
    try:
        return _reading(kind, s)
    except ValueError:
        return INVALID


def _reading(kind: str, s: str) -> Any:
    if kind == "id":
        refused = any(
            c.isspace() or c in ",;" or unicodedata.category(c) in ("Cc", "Cf", "Cs") for c in s
        )
        return INVALID if refused or len(s) > 64 else s
    if kind == "text":
        return INVALID if any(unicodedata.category(c) in ("Cc", "Cs") for c in s) else s
    if kind == "number":
        x = float(s)
        return x if math.isfinite(x) else INVALID
    if kind == "integer":
        try:
            return int(s)
        except ValueError:
            x = float(s)
            return int(x) if x.is_integer() else INVALID
    if kind == "true/false":
        return _BOOLS.get(s.lower(), INVALID)
    if kind == "HH:MM" and (m := re.fullmatch(_CLOCK, s)):
        return _clock(m)
    if kind == "YYYY-MM-DD" and (m := re.fullmatch(_DAY, s)):
        return dt.date(*(int(x) for x in m.groups()))
    if kind == "YYYY-MM-DD HH:MM" and (m := re.fullmatch(f"{_DAY}[ T]{_CLOCK}", s)):
        day = dt.date(*(int(x) for x in m.groups()[:3]))
        return dt.datetime.combine(day, _clock(re.fullmatch(_CLOCK, s[11:])))  # type: ignore[arg-type]
    return INVALID


def kind_of(table: str, column: str) -> str:
    found = {c.name: c.type for c in columns(table)}[column]
    return "id" if found == "text" and column.endswith("_id") else found


def target_of(table: str, column: str) -> str | None:
    """The table a column refers to, if any."""
    return next((t for s, c, t in REFERENCES if (s, c) == (table, column)), None)


def ids_of(table: str) -> list[str]:
    id_column = TABLES[table].id_column
    return [getattr(r, id_column) for r in getattr(BASE, table)] if id_column else []


def default_of(table: str, column: str) -> Any:
    info = TABLES[table].row.model_fields[column]
    return INVALID if info.is_required() else info.default


# ----- cell texts ---------------------------------------------------------------------------

_NEAR = st.text(alphabet="0123456789:-. T+eE_naiftrus,;\t\x00\r\n\"'", max_size=20)
_ODD = st.sampled_from(
    ["", " ", "nan", "inf", "-inf", "1e400", "-0", "0", "1", "true", "NULL", "1,5", "٣",
     "9" * 40, "2026-06-15", "2026-06-15 17:00", "17:00", "24:00", "23:59:60", "1781481600",
     "2026-06-15T17:00Z", "2026-06-15 17:00+08:00", "07:00:00.5", "7:05", "2026-02-30",
     "F1", "HUB", "S1", "peach", "\ufeffF1", "F\u200b1", "a b", "x" * 65]
)  # fmt: skip


def _formats(kind: str) -> st.SearchStrategy[str]:
    if kind == "number":
        floats = st.floats(-1e6, 1e7) | st.floats(allow_nan=True, allow_infinity=True)
        return floats.map(repr) | st.integers(-10, 10**7).map(str) | floats.map("{:e}".format)
    if kind == "integer":
        return st.integers(-5, 2 * 10**6).map(str) | st.floats(-5, 100).map(repr)
    if kind == "true/false":
        return st.sampled_from(sorted(_BOOLS)).map(lambda s: s.upper() if len(s) > 2 else s)
    if kind == "HH:MM":
        return st.times().map(lambda t: t.isoformat()) | st.times().map(lambda t: f"{t:%H:%M}")
    if kind == "YYYY-MM-DD":
        near = st.dates(dt.date(2026, 6, 13), dt.date(2026, 6, 18))
        return near.map(dt.date.isoformat) | st.dates().map(lambda d: f"{d:%d/%m/%Y}")
    if kind == "YYYY-MM-DD HH:MM":
        near = st.datetimes(dt.datetime(2026, 6, 14), dt.datetime(2026, 6, 17))
        return near.map(lambda d: f"{d:%Y-%m-%d %H:%M}") | st.datetimes().map(dt.datetime.isoformat)
    if kind == "id":
        return st.text(min_size=1, max_size=70)
    return st.text(max_size=20)


def cell_texts(table: str, column: str) -> st.SearchStrategy[str]:
    kind = kind_of(table, column)
    target = target_of(table, column)
    known = st.sampled_from(ids_of(target)) if target else st.nothing()
    return st.one_of(_formats(kind), known, known, _NEAR, _ODD, st.text(max_size=12))


# ----- a table file and what loading it must give -------------------------------------------


@dataclass
class Case:
    """A table file, the values loading must give (or refuse), the failures it must name."""

    header: list[str]
    rows: list[list[str]]
    blank_before: dict[int, str] = field(default_factory=dict)
    expect: dict[tuple[int, str], Any] = field(default_factory=dict)
    """(row index, column) → the value, or INVALID (then the cell must be named)."""
    header_failures: list[tuple[int | None, str | None]] = field(default_factory=list)
    line_end: str = "\r\n"
    quote_all: bool = False
    encoding: str = "utf-8"

    def text(self) -> tuple[str, list[int]]:
        """The CSV text and the line each row starts on."""
        buf = io.StringIO()
        quoting = csv.QUOTE_ALL if self.quote_all else csv.QUOTE_MINIMAL
        writer = csv.writer(buf, lineterminator=self.line_end, quoting=quoting)
        writer.writerow(self.header)
        starts = []
        for i, row in enumerate(self.rows):
            buf.write(self.blank_before.get(i, ""))
            starts.append(len(re.findall(r"\r\n|\r|\n", buf.getvalue())) + 1)
            writer.writerow(row)
        return buf.getvalue(), starts

    def data(self) -> bytes:
        return self.text()[0].encode(self.encoding)

    def kept_rows(self) -> list[int]:
        """The rows the reader keeps (a row of blank cells is a blank line)."""
        return [i for i, row in enumerate(self.rows) if any(c.strip() for c in row)]

    def must_fail(self, table: str) -> list[tuple[int | None, str | None]]:
        """(row index or None, column or None) that issues must name."""
        out = list(self.header_failures)
        kept = set(self.kept_rows())
        for (row, column), meaning in self.expect.items():
            target = target_of(table, column)
            unknown = target is not None and meaning not in (INVALID, None, *ids_of(target))
            alone = sum(r == row for r, _ in self.expect) == 1
            if row in kept and (meaning == INVALID or (unknown and alone)):
                out.append((row, column))
        return out


def base_case(table: str) -> Case:
    frame = table_frame(BASE, table).astype(object).map(_cell_text)
    return Case(list(frame.columns), frame.to_numpy().tolist())


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, dt.time):
        return f"{value:%H:%M}"
    return str(value)


def set_cell(case: Case, table: str, row: int, column: str, text: str) -> None:
    """Write one cell and note what loading must make of it."""
    case.rows[row][case.header.index(column)] = text
    meaning = reading(kind_of(table, column), text)
    case.expect[(row, column)] = default_of(table, column) if meaning == BLANK else meaning


@st.composite
def cell_case(draw: st.DrawFn, table: str) -> Case:
    case = base_case(table)
    for _ in range(draw(st.integers(1, 3))):
        row = draw(st.integers(0, len(case.rows) - 1))
        column = draw(st.sampled_from(case.header))
        set_cell(case, table, row, column, draw(cell_texts(table, column)))
    if draw(st.booleans()):
        for i in draw(st.sets(st.integers(0, len(case.rows) - 1), max_size=2)):
            blank = draw(st.sampled_from(["\n", "\r\n", "  \n", ",,\n", '""\n']))
            case.blank_before[i] = blank
    return case


@st.composite
def new_row_case(draw: st.DrawFn, table: str) -> Case:
    case = base_case(table)
    case.rows.append(list(case.rows[0]))
    for column in case.header:
        set_cell(case, table, len(case.rows) - 1, column, draw(cell_texts(table, column)))
    return case


@st.composite
def column_case(draw: st.DrawFn, table: str) -> Case:
    case = base_case(table)
    fields = TABLES[table].row.model_fields
    how = draw(st.sampled_from(["drop", "extra", "shuffle"]))
    if how == "drop":
        column = draw(st.sampled_from(case.header))
        at = case.header.index(column)
        case.header.pop(at)
        for row in case.rows:
            row.pop(at)
        default = default_of(table, column)
        if default == INVALID:
            case.header_failures.append((None, column))
        else:
            case.expect.update({(i, column): default for i in range(len(case.rows))})
    elif how == "extra":
        names = st.sampled_from([*fields, "notes", "comment", "", " ", "Farm_ID"]) | st.text()
        name = draw(names)
        cells = [draw(st.sampled_from(["", "x", " "])) for _ in case.rows]
        case.header.append(name)
        for row, cell in zip(case.rows, cells, strict=True):
            row.append(cell)
        quiet = name.strip() in ("notes", "comment") or (
            not name.strip() and not any(c.strip() for c in cells)
        )
        case.header_failures += [] if quiet else [(None, None)]
    else:
        order = draw(st.permutations(range(len(case.header))))
        case.header = [case.header[i] for i in order]
        case.rows = [[row[i] for i in order] for row in case.rows]
    return case


_CODECS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "latin-1", "cp1252", "gb18030"]


@st.composite
def encoding_case(draw: st.DrawFn, table: str) -> Case:
    case = base_case(table)
    if "name" in case.header:
        row = draw(st.integers(0, len(case.rows) - 1))
        set_cell(case, table, row, "name", draw(st.text(max_size=8) | st.just("杨梅 Pêche")))
    case.line_end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    case.quote_all = True  # a cell holding a line break stays one cell whatever the line end
    case.encoding = draw(st.sampled_from(_CODECS))
    text, _ = case.text()
    try:
        data = text.encode(case.encoding)
    except UnicodeEncodeError:
        case.encoding = "utf-8"
        return case
    try:
        meant = data.decode("utf-8-sig") == text
    except UnicodeDecodeError:
        case.expect = {}
        case.header_failures = [(None, None)]  # not UTF-8: refused, naming the file
        return case
    if not meant:  # read as the UTF-8 it happens to be: refused, or loaded as that text
        case.expect = {}
    return case


def table_cases(table: str) -> st.SearchStrategy[Case]:
    return st.one_of(
        cell_case(table), cell_case(table), new_row_case(table), column_case(table),
        encoding_case(table),
    )  # fmt: skip


# ----- the property --------------------------------------------------------------------------


def assert_located(issues: tuple[InputIssue, ...], file: str, wanted: list[Any]) -> None:
    """Every issue names a file; each wanted (row, column) of ``file`` is named."""
    assert issues and all(i.file for i in issues), issues
    for row, column in wanted:
        hit = [
            i
            for i in issues
            if i.file == file
            and (row is None or i.row == row)
            and (column is None or i.column == column)
        ]
        assert hit, f"nothing names {file} row {row} column {column}: {issues}"


def check_table_case(folder: Path, table: str, case: Case) -> None:
    file = f"{table}.csv"
    _, starts = case.text()
    (folder / file).write_bytes(case.data())
    must_fail = case.must_fail(table)
    wanted = [(None if r is None else starts[r], c) for r, c in must_fail]
    try:
        scenario = load_scenario(folder)
    except ScenarioError as exc:
        assert_located(exc.issues, file, wanted)
        return
    assert not must_fail, f"accepted what must be refused: {must_fail}"
    records = getattr(scenario, table)
    kept = case.kept_rows()
    assert len(records) == len(kept)
    for (row, column), value in case.expect.items():
        if row in kept:
            assert getattr(records[kept.index(row)], column) == value, (row, column)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return save_scenario(BASE, tmp_path / "scenario")


@pytest.mark.parametrize("table", list(TABLES))
def test_any_table_file_loads_right_or_names_its_problems(folder: Path, table: str) -> None:
    original = (folder / f"{table}.csv").read_bytes()

    @FUZZ
    @given(case=table_cases(table))
    def run(case: Case) -> None:
        try:
            check_table_case(folder, table, case)
        finally:
            (folder / f"{table}.csv").write_bytes(original)

    run()


def test_the_base_scenario_round_trips(folder: Path) -> None:
    assert load_scenario(folder) == BASE


# ----- scenario.toml ----------------------------------------------------------------------------

_SETTING_KINDS = {
    "name": "text", "planning_date": "date", "horizon_days": "integer", "currency": "text",
    "travel.speed_kmh": "number", "travel.circuity": "number",
    "routing.time_limit_s": "number", "routing.solution_limit": "integer",
    "routing.seed": "integer", "routing.engine": "engine", "routing.workers": "integer",
    "routing.drop_penalty_per_kg": "number", "routing.drop_penalty_per_task": "number",
    "inventory.solver": "solver", "inventory.time_limit_s": "number",
    "inventory.mip_gap": "number", "inventory.threads": "integer",
    "inventory.transport_cost_per_kg_km": "number", "inventory.link_fixed_cost": "number",
}  # fmt: skip
_OPTIONS = {"engine": ("auto", "lns", "portfolio", "ortools", "pyvrp"), "solver": ("highs", "cbc")}

_TOML_VALUES = st.one_of(
    st.integers(-(2**63), 2**63 - 1), st.floats(), st.booleans(), st.text(max_size=10),
    st.sampled_from(["auto", "magic", "highs", "cbc", " lns", "30", "2026-06-15", "nan"]),
    st.dates(), st.datetimes(), st.times(), st.lists(st.integers(), max_size=2),
    st.fixed_dictionaries({"x": st.integers()}),
)  # fmt: skip


def setting_reading(kind: str, value: Any) -> Any:
    """What a TOML value means for a setting of ``kind``: a value or INVALID."""
    if isinstance(value, bool | list | dict):
        return INVALID
    if kind in ("number", "integer"):
        if isinstance(value, str):
            got = reading(kind, value)
            return INVALID if got == BLANK else got
        if not isinstance(value, int | float) or not math.isfinite(value):
            return INVALID
        if kind == "integer":
            return int(value) if float(value).is_integer() else INVALID
        return float(value)
    if kind in _OPTIONS:
        ok = isinstance(value, str) and value.strip() in _OPTIONS[kind]
        return value.strip() if ok else INVALID
    if kind == "text":
        if not isinstance(value, str):
            return INVALID
        got = reading("text", value)
        return "" if got == BLANK else got
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else INVALID
    if isinstance(value, dt.date):
        return value
    return reading("YYYY-MM-DD", value) if isinstance(value, str) else INVALID


def _setting(settings_: Any, key: str) -> Any:
    for part in key.split("."):
        settings_ = getattr(settings_, part)
    return settings_


@st.composite
def settings_case(draw: st.DrawFn) -> tuple[str, str | None, Any]:
    """(scenario.toml text, the key changed, what it must read as: a value or INVALID)."""
    data = tomllib.loads(settings_toml(BASE.settings))
    how = draw(st.sampled_from(["value", "value", "drop", "extra", "garbage"]))
    if how == "garbage":
        return draw(st.text(max_size=60) | _NEAR), None, None
    key = draw(st.sampled_from(sorted(_SETTING_KINDS)))
    *sections, leaf = key.split(".")
    where = data
    for section in sections:
        where = where[section]
    if how == "value":
        where[leaf] = value = draw(_TOML_VALUES)
        meaning = setting_reading(_SETTING_KINDS[key], value)
    elif how == "drop":
        where.pop(leaf, None)
        info = _field_info(key)
        meaning = INVALID if info.is_required() else info.default
    else:
        key = ".".join([*sections, "colour"])
        where["colour"] = "red"
        meaning = INVALID
    return tomli_w.dumps(data), key, meaning


def _field_info(key: str) -> Any:
    model: Any = type(BASE.settings)
    *sections, leaf = key.split(".")
    for section in sections:
        model = model.model_fields[section].annotation
    return model.model_fields[leaf]


def test_any_settings_file_loads_right_or_names_its_problems(folder: Path) -> None:
    original = (folder / "scenario.toml").read_bytes()

    @FUZZ
    @given(case=settings_case())
    def run(case: tuple[str, str | None, Any]) -> None:
        text, key, meaning = case
        (folder / "scenario.toml").write_text(text, encoding="utf-8")
        try:
            try:
                scenario = load_scenario(folder)
            except ScenarioError as exc:
                wanted = [] if key is None or meaning != INVALID else [(None, key)]
                assert_located(exc.issues, "scenario.toml", wanted)
                return
            assert meaning != INVALID, f"accepted {key} = {text!r}"
            if key is not None:
                assert _setting(scenario.settings, key) == meaning, key
        finally:
            (folder / "scenario.toml").write_bytes(original)

    run()
