"""County routing benchmark: a tiny generated case end to end (solution limits, not clocks)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from agrichain.bench.county import (
    COLUMNS,
    PLAIN_GLS,
    check_written_plan,
    format_county_table,
    registered_engine,
    run_county_bench,
    solve_plain_gls,
)
from agrichain.bench.county_cases import (
    CASES,
    CountyCase,
    case_scenario,
    resolve_cases,
    tighten_transit,
)
from agrichain.generate import PRESETS
from agrichain.routing import engine as engine_registry
from agrichain.verify import verify_plan

TINY = CountyCase(
    name="tiny",
    config=PRESETS["small"].model_copy(update={"name": "tiny", "seed": 5}),
    max_transit_min=(("bayberry", 75.0),),
)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, Path]:
    work = tmp_path_factory.mktemp("county")
    seen: list[tuple[int, int]] = []
    df = run_county_bench(
        None,
        time_limit_s=2.0,
        seed=3,
        engines=("auto", PLAIN_GLS),
        progress=lambda done, total, row: seen.append((done, total)),
        solution_limit=20,
        cases=[TINY],
        work_dir=work,
    )
    assert seen == [(1, 2), (2, 2)]
    return df, work


def test_both_engines_plan_and_verify(tiny_run: tuple[pd.DataFrame, Path]) -> None:
    df, work = tiny_run
    assert list(df.columns) == COLUMNS
    assert list(df["engine"]) == ["auto", PLAIN_GLS]
    assert (df["scenario"] == "tiny").all()
    assert (df["violations"] == 0).all()
    # every served task's transit and cold chain was checked from the written files
    assert (df["transit_checked"] == df["tasks"] - df["tasks_unserved"]).all()
    assert (df["cold_checked"] <= df["cold_tasks"]).all()
    assert (df["tasks"] > 0).all() and (df["cold_tasks"] > 0).all()
    assert (df["kg_collected"] > 0).all()
    assert (df["processes"] == 1).all()  # the small case is solved whole, in one process
    for rec in df.to_dict("records"):
        assert rec["total_cost"] == pytest.approx(rec["route_cost"] + rec["penalty"])
        assert rec["total_cost"] == pytest.approx(rec["objective"], rel=1e-3)
        assert (work / "tiny" / f"plan-{rec['engine']}" / "tasks.csv").is_file()
    assert df["ratio"].iloc[-1] == pytest.approx(1.0)
    assert df["ratio"].iloc[0] == pytest.approx(df["total_cost"].iloc[0] / df["total_cost"].iloc[1])
    # the written plan carries the tightened limit
    tasks = pd.read_csv(work / "tiny" / f"plan-{PLAIN_GLS}" / "tasks.csv")
    assert set(tasks.loc[tasks["product_id"] == "bayberry", "max_transit_min"]) == {75.0}


def test_written_plan_check_catches_transit_and_cold_chain_breaks(
    tiny_run: tuple[pd.DataFrame, Path], tmp_path: Path
) -> None:
    _, work = tiny_run
    scenario_dir = work / "tiny" / "scenario"
    plan_dir = tmp_path / "plan"
    shutil.copytree(work / "tiny" / f"plan-{PLAIN_GLS}", plan_dir)
    assert check_written_plan(scenario_dir, plan_dir)["violations"] == 0
    tasks = pd.read_csv(plan_dir / "tasks.csv", dtype=str, keep_default_na=False)
    vehicles = pd.read_csv(scenario_dir / "vehicles.csv", dtype=str)
    warm = vehicles.loc[vehicles["refrigerated"].str.lower() == "false", "vehicle_id"].iloc[0]
    cold = tasks.index[(tasks["product_id"] == "bayberry") & (tasks["vehicle_id"] != "")][0]
    tasks.loc[cold, "vehicle_id"] = warm  # cold-chain product on a non-refrigerated vehicle
    pick = pd.Timestamp(tasks.loc[cold, "pickup_time"])
    tasks.loc[cold, "delivery_time"] = (pick + pd.Timedelta(minutes=80)).isoformat()
    tasks.loc[cold, "transit_min"] = "80.0"  # over the tightened 75 min
    tasks.to_csv(plan_dir / "tasks.csv", index=False)
    messages = verify_plan(scenario_dir, plan_dir)
    assert any("transit 80.0 min > max 75" in m for m in messages)
    assert any("cold-chain product on non-refrigerated" in m for m in messages)
    checks = check_written_plan(scenario_dir, plan_dir)
    assert checks["violations"] == len(messages)
    assert checks["transit_tight"] >= 1


def test_reference_engine_is_only_registered_during_the_run(
    tiny_run: tuple[pd.DataFrame, Path],
) -> None:
    assert PLAIN_GLS not in engine_registry.ENGINES
    before = dict(engine_registry.ENGINES)
    with pytest.raises(RuntimeError), registered_engine(PLAIN_GLS, solve_plain_gls):
        assert engine_registry.ENGINES[PLAIN_GLS] is solve_plain_gls
        raise RuntimeError("boom")
    assert before == engine_registry.ENGINES


def test_table_has_rows_and_mean_ratio_lines(tiny_run: tuple[pd.DataFrame, Path]) -> None:
    df, _ = tiny_run
    text = format_county_table(df)
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["scenario", "engine", "tasks"]
    assert sum(1 for line in lines if line.startswith("tiny ")) == 2
    assert any(line.startswith("auto: mean ratio ") and PLAIN_GLS in line for line in lines)
    assert any(line.startswith(f"{PLAIN_GLS}: mean ratio 1.000") for line in lines)


def test_tighten_transit_lowers_only_listed_products() -> None:
    base = case_scenario(CountyCase("t", PRESETS["small"], max_transit_min=()))
    tight = tighten_transit(base, {"bayberry": 60.0, "peach": 10_000.0})
    old = {p.product_id: p.max_transit_min for p in base.products}
    new = {p.product_id: p.max_transit_min for p in tight.products}
    assert new["bayberry"] == 60.0 < old["bayberry"]
    assert new["peach"] == old["peach"]  # never loosened
    assert new["egg"] == old["egg"]


def test_cases_bind_cold_chain_and_grow() -> None:
    farms = [c.config.n_farms for c in CASES.values()]
    assert farms == sorted(farms) and farms[0] >= 60 and farms[-1] >= 300
    assert all(dict(c.max_transit_min)["bayberry"] < 180 for c in CASES.values())
    assert resolve_cases(["f60"])[0].name == "f60"
    with pytest.raises(ValueError, match="unknown county case"):
        resolve_cases(["nope"])
    with pytest.raises(ValueError, match="reference"):
        run_county_bench(None, 1.0, 0, engines=("auto",))
