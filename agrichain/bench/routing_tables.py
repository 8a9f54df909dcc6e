"""Summaries and plain-text tables of routing benchmark results (one row per instance)."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import pandas as pd

from agrichain.bench.routing_sets import PDP_SET_OF_KIND
from agrichain.bench.table import cell, text_table


def group_summary(df: pd.DataFrame) -> pd.DataFrame:
    """Per group and per set: instances, feasible count, mean gap %, wall s (and mean ratio)."""
    if df.empty:
        return pd.DataFrame()
    parts = []
    keys: list[tuple[str, pd.DataFrame]] = [(str(g), d) for g, d in df.groupby("group", sort=False)]
    keys += [(f"all {s}", d) for s, d in df.groupby("set", sort=False)]
    if df["set"].nunique() > 1:
        keys.append(("all", df))
    for name, d in keys:
        rec: dict[str, Any] = {
            "group": name,
            "instances": len(d),
            "feasible": int(d["feasible"].sum()),
            "mean_gap_pct": d["gap_pct"].mean(),
            "mean_vehicles": d["vehicles"].mean(),
            "mean_wall_s": d["wall_s"].mean(),
        }
        if "ratio" in d:
            rec["pyvrp_feasible"] = int(d["pyvrp_feasible"].sum())
            rec["pyvrp_mean_gap_pct"] = d["pyvrp_gap_pct"].mean()
            rec["mean_ratio"] = d["ratio"].mean()
        parts.append(rec)
    return pd.DataFrame(parts)


def darp_summary(df: pd.DataFrame) -> pd.DataFrame:
    """Per DARP group and overall: instances, solved (feasible), mean and max gap %, wall s."""
    parts = []
    keys = [(str(g), d) for g, d in df.groupby("group", sort=False)] + [("all darp", df)]
    for name, d in keys:
        parts.append(
            {
                "group": name,
                "instances": len(d),
                "solved": int(d["feasible"].sum()),
                "mean_gap_pct": d["gap_pct"].mean(),
                "max_gap_pct": d["gap_pct"].max(),
                "mean_wall_s": d["wall_s"].mean(),
            }
        )
    return pd.DataFrame(parts)


def pdptw_summary(df: pd.DataFrame) -> pd.DataFrame:
    """Per Li & Lim group and overall: feasible, BKS vehicle count reached, mean gap there.

    ``bks_vehicles_hit`` counts feasible solutions with exactly the BKS vehicle
    count (fewer would beat the best known); ``mean_gap_pct`` averages the
    distance gap over those only; ``mean_extra_vehicles`` is over feasible ones.
    """
    parts = []
    keys = [(str(g), d) for g, d in df.groupby("group", sort=False)] + [("all pdptw", df)]
    for name, d in keys:
        ok = d[d["feasible"].astype(bool)]
        same = ok[ok["vehicles"] == ok["bks_vehicles"]]
        parts.append(
            {
                "group": name,
                "instances": len(d),
                "feasible": len(ok),
                "bks_vehicles_hit": len(same),
                "fewer_vehicles": int((ok["vehicles"] < ok["bks_vehicles"]).sum()),
                "mean_extra_vehicles": (ok["vehicles"] - ok["bks_vehicles"]).mean(),
                "mean_gap_pct": same["gap_pct"].mean(),
                "mean_wall_s": d["wall_s"].mean(),
            }
        )
    return pd.DataFrame(parts)


def format_routing_table(df: pd.DataFrame) -> str:
    """Plain-text tables: Solomon/X rows (instance, BKS, cost, gap %, vehicles, wall s, ...)
    plus group means, then DARP rows and Li & Lim rows, each with its own summary."""
    if df.empty or "set" not in df.columns:
        return format_classic_table(df)
    pdp = df["set"].isin(list(PDP_SET_OF_KIND.values()))
    parts = []
    if not pdp.all():
        parts.append(format_classic_table(df[~pdp]))
    darp = df[df["set"] == "darp"]
    if not darp.empty:
        parts.append(format_darp_table(darp))
    lilim = df[df["set"] == "pdptw"]
    if not lilim.empty:
        parts.append(format_pdptw_table(lilim))
    return "\n\n".join(parts)


def format_darp_table(df: pd.DataFrame) -> str:
    """DARP rows (optimum, real distance, gap %, feasible by real verification) and summary."""
    headers = ["instance", "optimum", "distance", "gap %", "veh", "dropped", "feasible", "wall s"]
    rows = [
        [
            str(rec["instance"]),
            cell(rec["bks"], 2),
            cell(rec["cost"], 2),
            cell(rec["gap_pct"], 2),
            str(rec["vehicles"]),
            str(rec["dropped"]),
            cell(bool(rec["feasible"]), 0),
            cell(rec["wall_s"], 1),
        ]
        for rec in df.to_dict("records")
    ]
    g_headers = ["group", "n", "solved", "mean gap %", "max gap %", "mean wall s"]
    g_rows = [
        [
            str(rec["group"]),
            str(rec["instances"]),
            f"{rec['solved']}/{rec['instances']}",
            cell(rec["mean_gap_pct"], 2),
            cell(rec["max_gap_pct"], 2),
            cell(rec["mean_wall_s"], 1),
        ]
        for rec in darp_summary(df).to_dict("records")
    ]
    lines = [*text_table(headers, rows), "", *text_table(g_headers, g_rows)]
    lines.append("gap % over solved instances only (real distance vs proven optimum)")
    return "\n".join(lines)


def format_pdptw_table(df: pd.DataFrame) -> str:
    """Li & Lim rows (vehicles and distance vs best known) and summary."""
    headers = [
        "instance",
        "BKS veh",
        "veh",
        "BKS distance",
        "distance",
        "gap %",
        "dropped",
        "feasible",
        "wall s",
    ]
    rows = [
        [
            str(rec["instance"]),
            cell(rec["bks_vehicles"], 0),
            str(rec["vehicles"]),
            cell(rec["bks"], 2),
            cell(rec["cost"], 2),
            cell(rec["gap_pct"], 2),
            str(rec["dropped"]),
            cell(bool(rec["feasible"]), 0),
            cell(rec["wall_s"], 1),
        ]
        for rec in df.to_dict("records")
    ]
    g_headers = [
        "group",
        "n",
        "feasible",
        "veh = BKS",
        "veh < BKS",
        "mean extra veh",
        "mean gap % (veh = BKS)",
        "mean wall s",
    ]
    g_rows = [
        [
            str(rec["group"]),
            str(rec["instances"]),
            f"{rec['feasible']}/{rec['instances']}",
            f"{rec['bks_vehicles_hit']}/{rec['instances']}",
            str(rec["fewer_vehicles"]),
            cell(rec["mean_extra_vehicles"], 2),
            cell(rec["mean_gap_pct"], 2),
            cell(rec["mean_wall_s"], 1),
        ]
        for rec in pdptw_summary(df).to_dict("records")
    ]
    lines = [*text_table(headers, rows), "", *text_table(g_headers, g_rows)]
    lines.append("gap % = distance gap; comparable only where veh = BKS veh (vehicles come first)")
    return "\n".join(lines)


def _classic_row(rec: dict[Hashable, Any], compare: bool) -> list[str]:
    row = [
        str(rec["instance"]),
        cell(rec["bks"], 1),
        cell(rec["cost"], 1),
        cell(rec["gap_pct"], 2),
        str(rec["vehicles"]),
        cell(bool(rec["feasible"]), 0),
        cell(rec["wall_s"], 1),
    ]
    if compare:
        row += [
            cell(rec["pyvrp_cost"], 1),
            cell(rec["pyvrp_gap_pct"], 2),
            cell(rec["pyvrp_wall_s"], 1),
            cell(rec["ratio"], 4),
        ]
    return row


def _classic_group_row(rec: dict[Hashable, Any], compare: bool) -> list[str]:
    row = [
        str(rec["group"]),
        str(rec["instances"]),
        f"{rec['feasible']}/{rec['instances']}",
        cell(rec["mean_gap_pct"], 2),
        cell(rec["mean_vehicles"], 1),
        cell(rec["mean_wall_s"], 1),
    ]
    if compare:
        row += [
            f"{rec['pyvrp_feasible']}/{rec['instances']}",
            cell(rec["pyvrp_mean_gap_pct"], 2),
            cell(rec["mean_ratio"], 4),
        ]
    return row


def format_classic_table(df: pd.DataFrame) -> str:
    """Solomon / CVRPLIB rows plus group means (and the PyVRP columns of a comparison)."""
    compare = "ratio" in df.columns
    headers = ["instance", "BKS", "cost", "gap %", "veh", "feasible", "wall s"]
    if compare:
        headers += ["PyVRP cost", "PyVRP gap %", "PyVRP wall s", "ratio"]
    lines = text_table(headers, [_classic_row(rec, compare) for rec in df.to_dict("records")])
    summary = group_summary(df)
    if not summary.empty:
        g_headers = ["group", "n", "feasible", "mean gap %", "mean veh", "mean wall s"]
        if compare:
            g_headers += ["PyVRP feasible", "PyVRP mean gap %", "mean ratio"]
        g_rows = [_classic_group_row(rec, compare) for rec in summary.to_dict("records")]
        lines += ["", *text_table(g_headers, g_rows)]
    return "\n".join(lines)


__all__ = [
    "darp_summary",
    "format_classic_table",
    "format_darp_table",
    "format_pdptw_table",
    "format_routing_table",
    "group_summary",
    "pdptw_summary",
]
