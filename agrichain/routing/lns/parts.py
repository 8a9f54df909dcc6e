"""Parts of a large routing problem: cut around neighbouring routes, searched apart.

A part is a group of neighbouring routes of about a target number of units, with
the unplaced units nearest to it and a share of the unused vehicles
(:func:`partition`); :func:`search_part` runs LNS on a part as a problem of its own
(:func:`~agrichain.routing.lns.subproblem.restrict`) and maps its routes back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from agrichain.routing.lns.insertion import unit_nodes, units_of
from agrichain.routing.lns.search import improve
from agrichain.routing.lns.subproblem import restrict
from agrichain.routing.problem import IntArray, RoutingProblem, VehicleRoute

#: Used routes each unit is offered to when re-inserted in a part.
NEAR_ROUTES = 12


@dataclass(frozen=True)
class Part:
    """One piece of a large problem: its vehicles, visits and current routes."""

    vehicles: tuple[int, ...]
    visits: tuple[int, ...]
    routes: tuple[VehicleRoute, ...]


def _medoid(problem: RoutingProblem, route: VehicleRoute) -> int:
    """The location on ``route`` nearest, in sum, to its other locations."""
    locs = np.unique(problem.node_location[route.customer_nodes()])
    sub = problem.distance[np.ix_(locs, locs)]
    return int(locs[int(np.argmin(sub.sum(axis=1)))])


def partition(
    problem: RoutingProblem,
    routes: list[VehicleRoute],
    unplaced: list[int],
    vehicles: IntArray,
    target_units: int,
    rotation: int,
) -> list[Part]:
    """Groups of neighbouring routes of about ``target_units`` units each.

    The first group grows around the route ``rotation`` places into the list;
    unplaced units and unused vehicles join the group whose centre is nearest.
    """
    if not routes:
        return [Part(tuple(vehicles.tolist()), tuple(unplaced), ())]
    dist = problem.distance
    centre = np.array([_medoid(problem, r) for r in routes], dtype=np.int64)
    pickups = problem.node_demand > 0
    units = [max(1, sum(1 for n in r.customer_nodes() if pickups[n])) for r in routes]
    n = len(routes)
    order = [(rotation + k) % n for k in range(n)]
    left = set(range(n))
    groups: list[list[int]] = []
    for seed in order:
        if seed not in left:
            continue
        left.discard(seed)
        group, count = [seed], units[seed]
        near = sorted(left, key=lambda k: (int(dist[centre[seed], centre[k]]), k))
        for k in near:
            if count >= target_units:
                break
            group.append(k)
            count += units[k]
            left.discard(k)
        groups.append(group)
    group_centres = np.array([centre[g[0]] for g in groups], dtype=np.int64)
    extra_visits: list[list[int]] = [[] for _ in groups]
    loc = problem.node_location
    for unit in units_of(problem, np.asarray(unplaced, dtype=np.int64)):
        g = int(np.argmin(dist[loc[unit[0]], group_centres]))
        extra_visits[g].extend(unit_nodes(unit))
    used = {r.vehicle for r in routes}
    extra_vehicles: list[list[int]] = [[] for _ in groups]
    starts = loc[problem.vehicle_start_node]
    for v in vehicles.tolist():
        if v not in used:
            g = int(np.argmin(dist[starts[v], group_centres]))
            extra_vehicles[g].append(int(v))
    parts = []
    for g, group in enumerate(groups):
        group_routes = tuple(routes[k] for k in group)
        visits = [n for r in group_routes for n in r.customer_nodes()] + extra_visits[g]
        own = [r.vehicle for r in group_routes] + extra_vehicles[g]
        parts.append(Part(tuple(sorted(own)), tuple(sorted(visits)), group_routes))
    return parts


def search_part(
    problem: RoutingProblem,
    part: Part,
    end: float,
    iterations: int | None,
    seed: int,
) -> list[VehicleRoute]:
    """LNS on ``part`` of ``problem`` until ``end`` (``time.monotonic()``); its new routes."""
    sub = restrict(problem, np.asarray(part.visits, dtype=np.int64), np.asarray(part.vehicles))
    to_sub = {int(n): k for k, n in enumerate(sub.nodes.tolist())}
    v_sub = {int(v): k for k, v in enumerate(sub.vehicles.tolist())}
    start = [
        VehicleRoute(v_sub[r.vehicle], tuple(replace(x, node=to_sub[x.node]) for x in r.visits))
        for r in part.routes
    ]
    found = improve(
        sub.problem,
        sub.problem.visit_nodes(),
        start,
        end,
        iterations=iterations,
        seed=seed,
        near=NEAR_ROUTES,
    )
    return [
        VehicleRoute(
            int(sub.vehicles[r.vehicle]),
            tuple(replace(x, node=int(sub.nodes[x.node])) for x in r.visits),
        )
        for r in found.routes
    ]


def search_parts(
    problem: RoutingProblem,
    parts: list[Part],
    end: float,
    iterations: int | None,
    seed: int,
) -> list[list[VehicleRoute]]:
    """:func:`search_part` on each of ``parts`` in turn, sharing the time until ``end``."""
    out = []
    for k, part in enumerate(parts):
        now = time.monotonic()
        part_end = now + (end - now) / (len(parts) - k)
        out.append(search_part(problem, part, part_end, iterations, seed + k))
    return out


__all__ = ["NEAR_ROUTES", "Part", "partition", "search_part", "search_parts"]
