"""The week simulation: seeded and reproducible, both policies on the same draws, a calendar
that keeps every simulated day valid, and ``agrichain simulate``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from builders import mixed_scenario, tiny_scenario
from typer.testing import CliRunner

from agrichain.cli import EXIT_INPUT, EXIT_OK, app
from agrichain.day.simulate import (
    POLICIES,
    SIMULATION_COLUMNS,
    SimulationLimits,
    simulate,
    with_calendar,
)
from agrichain.day.simulate_calendar import Calendar, DrawSettings, draw_days
from agrichain.io import save_scenario
from agrichain.model import TABLES, Scenario

runner = CliRunner()
LIMITS = SimulationLimits(solution_limit=10)


def test_the_same_seed_gives_the_same_table() -> None:
    first = simulate(tiny_scenario(), days=3, seed=7, limits=LIMITS)
    again = simulate(tiny_scenario(), days=3, seed=7, limits=LIMITS)
    assert list(first.table.columns) == SIMULATION_COLUMNS
    assert len(first.table) == 3 * len(POLICIES)
    pd.testing.assert_frame_equal(first.table, again.table)
    assert list(first.totals()["policy"]) == list(POLICIES)


def test_both_policies_meet_the_same_draws() -> None:
    scenario = mixed_scenario()
    draws = DrawSettings(breakdown_probability=0.7)
    result = simulate(scenario, days=3, seed=2, limits=LIMITS, draws=draws)
    table = result.table
    by_policy = {p: table[table["policy"] == p].reset_index(drop=True) for p in POLICIES}
    base, other = by_policy["default"], by_policy["nearest"]
    assert list(base["broken_vehicle"]) == list(other["broken_vehicle"])
    assert (base["broken_vehicle"] != "").any()
    assert base.loc[0, "kg_ordered"] == other.loc[0, "kg_ordered"]
    assert list(base["date"]) == [
        (scenario.settings.planning_date + dt.timedelta(days=d)).isoformat() for d in range(3)
    ]
    shipped = table["kg_on_time"] + table["kg_late"]
    assert (shipped <= table["kg_ordered"] + 1e-6).all()
    assert (table[["cost", "kg_spoiled", "kg_lost"]] >= 0).all().all()


def test_draws_depend_on_the_seed_only() -> None:
    scenario = tiny_scenario()
    calendar = Calendar(scenario)
    one = draw_days(scenario, calendar, 3, 11, DrawSettings())
    assert one == draw_days(scenario, calendar, 3, 11, DrawSettings())
    assert one != draw_days(scenario, calendar, 3, 12, DrawSettings())
    always = draw_days(scenario, calendar, 5, 0, DrawSettings(breakdown_probability=1.0))
    # V2 is tiny's only refrigerated vehicle and bayberries need the cold chain
    assert {d.broken_vehicle for d in always} == {"V1"}
    for d in one:
        assert all(0.8 <= f <= 1.1 for f in d.harvest_factor.values())
        assert d.evening_orders
        for o in d.evening_orders:
            assert o.ship_by.date() == calendar.date(d.day + 1)


def test_the_calendar_keeps_every_day_supplied_and_valid() -> None:
    scenario = mixed_scenario()
    calendar = Calendar(scenario)
    assert calendar.cycle == 3
    first = with_calendar(scenario, calendar, 0)
    assert first.supply == scenario.supply  # the scenario covers its own horizon's supply
    added = {s.session_id for s in first.sessions} - {s.session_id for s in scenario.sessions}
    assert added == {"S0-e2", "S0b-e2"}  # no session of its own on the evening of day 2
    copied = {
        (f.session_id, f.product_id): f.boxes for f in first.forecast if f.session_id in added
    }
    sold = {(f"{o.session_id}-e2", o.product_id): 0.0 for o in scenario.orders}
    for o in scenario.orders:
        sold[(f"{o.session_id}-e2", o.product_id)] += o.quantity_boxes
    assert copied == sold
    tables = {name: getattr(scenario, name) for name in TABLES}
    tables |= {"supply": (), "orders": (), "stock": ()}
    settings = scenario.settings.model_copy(update={"planning_date": calendar.date(5)})
    later = Scenario(settings=settings, **tables)
    filled = with_calendar(later, calendar, 5)
    dates = {s.date for s in filled.supply}
    assert dates == {calendar.date(5 + i) for i in range(calendar.horizon)}
    day_5 = sorted(
        (s.farm_id, s.product_id, s.kg) for s in filled.supply if s.date == calendar.date(5)
    )
    day_2 = sorted(
        (s.farm_id, s.product_id, s.kg) for s in scenario.supply if s.date == calendar.date(2)
    )
    assert day_5 == day_2  # day 5 harvests what day 5 mod 3 = 2 did
    evenings = {(s.start.date() - calendar.start).days for s in filled.sessions}
    assert set(range(5, 5 + calendar.horizon)) <= evenings
    forecast_sessions = {f.session_id for f in filled.forecast}
    assert {s.session_id for s in filled.sessions if s.start.date() >= calendar.date(5)} <= (
        forecast_sessions | {s.session_id for s in scenario.sessions}
    )


def test_simulate_command_prints_and_writes_the_table(tmp_path: Path) -> None:
    folder = save_scenario(tiny_scenario(), tmp_path / "sc")
    out = tmp_path / "week.csv"
    args = ["simulate", str(folder), "--days", "2", "--seed", "5", "--solution-limit", "10"]
    result = runner.invoke(app, [*args, "--csv", str(out)])
    assert result.exit_code == EXIT_OK, result.output
    assert "nearest" in result.output and "kg_on_time" in result.output
    written = pd.read_csv(out, keep_default_na=False)
    expected = simulate(tiny_scenario(), days=2, seed=5, limits=LIMITS).table
    assert list(written.columns) == SIMULATION_COLUMNS
    assert written["cost"].tolist() == pytest.approx(expected["cost"].tolist())
    assert written["kg_on_time"].tolist() == pytest.approx(expected["kg_on_time"].tolist())
    assert runner.invoke(app, [*args[:3], "0"]).exit_code == EXIT_INPUT
    assert runner.invoke(app, ["simulate", str(tmp_path / "none")]).exit_code == EXIT_INPUT
    into_folder = runner.invoke(app, [*args, "--csv", str(tmp_path)])
    assert into_folder.exit_code == EXIT_INPUT
