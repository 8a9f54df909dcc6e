"""Compiled kernels of the insertion heuristics: exact route feasibility and cheapest insertion.

The problem is flattened into
:class:`~agrichain.routing.lns.arrays.ProblemArrays`; routes are node arrays
from a vehicle's start node to its end node. Feasibility follows the checker's
conventions (:mod:`agrichain.routing.check`): load within capacity, allowed
vehicles, service starts within windows and the shift, waiting allowed, pickups
before deliveries on the same route, transit limits (difference constraints
tightened to a fixed point, so the earliest feasible starts are exact), and
:attr:`~agrichain.routing.problem.RoutingProblem.deliver_at_first_visit`.
Compiled with numba on first use and cached on disk; the helpers of
:func:`route_feasible` are inlined into it (``inline="always"``), at no cost.
"""

from __future__ import annotations

import numba as nb
import numpy as np


@nb.njit(cache=True)
def arc_cost(dist: np.ndarray, loc: np.ndarray, coef: float, a: int, b: int) -> int:
    return int(np.rint(dist[loc[a], loc[b]] * coef))


@nb.njit(cache=True, inline="always")
def _loads_fit(
    seq: np.ndarray,
    m: int,
    v: int,
    dem: np.ndarray,
    allowed: np.ndarray,
    cap: np.ndarray,
    pos: np.ndarray,
) -> bool:
    """Vehicle ``v`` allowed at every visit of ``seq[:m]`` and its load within capacity.

    Records each node's position in ``pos`` on the way.
    """
    load = 0
    for k in range(m):
        n = seq[k]
        if 0 < k < m - 1 and not allowed[v, n]:
            return False
        load += dem[n]
        if load < 0 or load > cap[v]:
            return False
        pos[n] = k
    return True


@nb.njit(cache=True, inline="always")
def _leaves_place_loaded(seq: np.ndarray, k: int, b: int, place: int, loc: np.ndarray) -> bool:
    """True if, between positions ``k`` and ``b``, the route leaves ``place`` after reaching it."""
    t = k + 1
    while t < b and loc[seq[t]] != place:
        t += 1
    while t < b:
        if loc[seq[t]] != place:
            return True
        t += 1
    return False


@nb.njit(cache=True, inline="always")
def _pair_lags(
    seq: np.ndarray,
    m: int,
    loc: np.ndarray,
    deliv_of: np.ndarray,
    pick_of: np.ndarray,
    lim: np.ndarray,
    first_rule: bool,
    pos: np.ndarray,
    lag_a: np.ndarray,
    lag_b: np.ndarray,
    lag_l: np.ndarray,
) -> int:
    """Transit limits of the pairs on ``seq[:m]`` as lags (pickup position, delivery position,
    limit) in ``lag_*``; their number, or -1 when a pair is split, out of order or its
    delivery is not made at the first visit."""
    n_lags = 0
    for k in range(1, m - 1):
        n = seq[k]
        d = deliv_of[n]
        if d >= 0:
            b = pos[d]
            if b <= k or b >= m or seq[b] != d:
                return -1
            if first_rule and _leaves_place_loaded(seq, k, b, loc[d], loc):
                return -1
            if lim[n] >= 0:
                lag_a[n_lags] = k
                lag_b[n_lags] = b
                lag_l[n_lags] = lim[n]
                n_lags += 1
        else:
            p = pick_of[n]
            if p >= 0:
                a = pos[p]
                if a >= k or a < 0 or seq[a] != p:
                    return -1
    return n_lags


@nb.njit(cache=True, inline="always")
def _tighten(
    m: int,
    gap: np.ndarray,
    lag_a: np.ndarray,
    lag_b: np.ndarray,
    lag_l: np.ndarray,
    n_lags: int,
    lo: np.ndarray,
    hi: np.ndarray,
) -> bool:
    """Tighten the windows ``[lo, hi]`` by travel gaps and transit lags to a fixed point;
    False if one becomes empty (or no fixed point is reached)."""
    for _ in range(2 * m + 2):
        changed = False
        for k in range(m - 1):
            if lo[k] + gap[k] > lo[k + 1]:
                lo[k + 1] = lo[k] + gap[k]
                changed = True
        for k in range(m - 2, -1, -1):
            if hi[k + 1] - gap[k] < hi[k]:
                hi[k] = hi[k + 1] - gap[k]
                changed = True
        for t in range(n_lags):
            a = lag_a[t]
            b = lag_b[t]
            if lo[b] - lag_l[t] > lo[a]:
                lo[a] = lo[b] - lag_l[t]
                changed = True
            if hi[a] + lag_l[t] < hi[b]:
                hi[b] = hi[a] + lag_l[t]
                changed = True
        for k in range(m):
            if lo[k] > hi[k]:
                return False
        if not changed:
            return True
    return False


@nb.njit(cache=True)
def route_feasible(
    seq: np.ndarray,
    m: int,
    v: int,
    loc: np.ndarray,
    dur: np.ndarray,
    twa: np.ndarray,
    twb: np.ndarray,
    svc: np.ndarray,
    dem: np.ndarray,
    deliv_of: np.ndarray,
    pick_of: np.ndarray,
    lim: np.ndarray,
    allowed: np.ndarray,
    cap: np.ndarray,
    va: np.ndarray,
    vb: np.ndarray,
    first_rule: bool,
    pos: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
) -> bool:
    """True if ``seq[:m]`` (start node … end node) is feasible on vehicle ``v``.

    On success ``lo[:m]`` holds the earliest and ``hi[:m]`` the latest feasible
    service starts of each position.
    """
    if not _loads_fit(seq, m, v, dem, allowed, cap, pos):
        return False
    gap = np.empty(m, dtype=np.int64)
    for k in range(m):
        lo[k] = twa[seq[k]]
        hi[k] = twb[seq[k]]
    lo[0] = max(lo[0], va[v])
    hi[0] = min(hi[0], vb[v])
    lo[m - 1] = max(lo[m - 1], va[v])
    hi[m - 1] = min(hi[m - 1], vb[v])
    for k in range(m - 1):
        gap[k] = svc[seq[k]] + dur[loc[seq[k]], loc[seq[k + 1]]]
    lag_a = np.empty(m, dtype=np.int64)
    lag_b = np.empty(m, dtype=np.int64)
    lag_l = np.empty(m, dtype=np.int64)
    n_lags = _pair_lags(seq, m, loc, deliv_of, pick_of, lim, first_rule, pos, lag_a, lag_b, lag_l)
    if n_lags < 0:
        return False
    return _tighten(m, gap, lag_a, lag_b, lag_l, n_lags, lo, hi)


# One compiled loop nest on purpose: split into @njit helpers it ran 3-5 % slower.
@nb.njit(cache=True)
def best_insertion(  # noqa: C901, PLR0915
    p: int,
    d: int,
    seq: np.ndarray,
    m: int,
    v: int,
    start: np.ndarray,
    latest: np.ndarray,
    bound: int,
    loc: np.ndarray,
    dist: np.ndarray,
    dur: np.ndarray,
    twa: np.ndarray,
    twb: np.ndarray,
    svc: np.ndarray,
    dem: np.ndarray,
    deliv_of: np.ndarray,
    pick_of: np.ndarray,
    lim: np.ndarray,
    allowed: np.ndarray,
    cap: np.ndarray,
    va: np.ndarray,
    vb: np.ndarray,
    coef: np.ndarray,
    fixed: np.ndarray,
    first_rule: bool,
    pos: np.ndarray,
) -> tuple[int, int, int]:
    """Cheapest feasible insertion of unit ``(p, d)`` (``d < 0``: a single node) into a route.

    ``seq[:m]`` is the route (start … end) with earliest and latest feasible service
    starts ``start`` and ``latest``.
    ``p`` goes after position ``i`` and ``d`` after position ``j >= i`` of the
    original route (``j == i``: right after ``p``). Returns ``(delta, i, j)``;
    ``(inf, -1, -1)`` when nothing cheaper than ``bound`` fits.
    """
    inf = np.iinfo(np.int64).max // 4
    if not allowed[v, p] or (d >= 0 and not allowed[v, d]):
        return inf, -1, -1
    q = dem[p]
    if q > cap[v]:
        return inf, -1, -1
    c = coef[v]
    extra = fixed[v] if m == 2 else 0
    loads = np.empty(m, dtype=np.int64)
    elapsed = np.empty(m, dtype=np.int64)  # travel + service from position 0, no waiting
    acc = 0
    acc_t = 0
    for k in range(m):
        acc += dem[seq[k]]
        loads[k] = acc
        if k:
            acc_t += svc[seq[k - 1]] + dur[loc[seq[k - 1]], loc[seq[k]]]
        elapsed[k] = acc_t
    limit = lim[p] if d >= 0 else -1
    ld = loc[d] if d >= 0 else -1
    n_cand = 0
    cap_cand = max(4, m * m)
    deltas = np.empty(cap_cand, dtype=np.int64)
    cand_i = np.empty(cap_cand, dtype=np.int64)
    cand_j = np.empty(cap_cand, dtype=np.int64)
    for i in range(m - 1):
        a = seq[i]
        if start[i] + svc[a] > twb[p]:
            break  # every later position starts later still
        sp = max(start[i] + svc[a] + dur[loc[a], loc[p]], twa[p])  # earliest start at p
        if sp > twb[p]:
            continue
        if loads[i] + q > cap[v]:
            continue
        b = seq[i + 1]
        base_i = arc_cost(dist, loc, c, a, p) - arc_cost(dist, loc, c, a, b)
        if d < 0:
            if sp + svc[p] + dur[loc[p], loc[b]] > latest[i + 1]:
                continue
            delta = base_i + arc_cost(dist, loc, c, p, b) + extra
            if delta < bound and n_cand < cap_cand:
                deltas[n_cand] = delta
                cand_i[n_cand] = i
                cand_j[n_cand] = i
                n_cand += 1
            continue
        sd = max(sp + svc[p] + dur[loc[p], loc[d]], twa[d])
        if sd <= twb[d] and sd + svc[d] + dur[loc[d], loc[b]] <= latest[i + 1]:
            delta = base_i + arc_cost(dist, loc, c, p, d) + arc_cost(dist, loc, c, d, b) + extra
            if delta < bound and n_cand < cap_cand:
                deltas[n_cand] = delta
                cand_i[n_cand] = i
                cand_j[n_cand] = i
                n_cand += 1
        lead = svc[p] + dur[loc[p], loc[b]]  # p → the node after it
        push_b = sp + lead  # earliest start of the node after p
        if push_b > latest[i + 1]:
            continue
        seen_ld = False
        for j in range(i + 1, m - 1):
            if loads[j] + q > cap[v]:
                break
            node_j = seq[j]
            if limit >= 0 and lead + elapsed[j] - elapsed[i + 1] > limit:
                break
            if first_rule:
                if loc[node_j] == ld:
                    seen_ld = True
                elif seen_ld:
                    break  # the vehicle would leave d's place still carrying d's cargo
            at_j = max(start[j], push_b + elapsed[j] - elapsed[i + 1])
            sd = max(at_j + svc[node_j] + dur[loc[node_j], loc[d]], twa[d])
            if sd > twb[d]:
                break  # later positions reach d later still
            nxt = seq[j + 1]
            if sd + svc[d] + dur[loc[d], loc[nxt]] > latest[j + 1]:
                continue
            delta_j = (
                base_i
                + arc_cost(dist, loc, c, p, b)
                + arc_cost(dist, loc, c, node_j, d)
                + arc_cost(dist, loc, c, d, nxt)
                - arc_cost(dist, loc, c, node_j, nxt)
                + extra
            )
            if delta_j < bound and n_cand < cap_cand:
                deltas[n_cand] = delta_j
                cand_i[n_cand] = i
                cand_j[n_cand] = j
                n_cand += 1
    if n_cand == 0:
        return inf, -1, -1
    order = np.argsort(deltas[:n_cand], kind="mergesort")
    trial = np.empty(m + 2, dtype=np.int64)
    lo = np.empty(m + 2, dtype=np.int64)
    hi = np.empty(m + 2, dtype=np.int64)
    for t in range(n_cand):
        k = order[t]
        i = cand_i[k]
        j = cand_j[k]
        size = splice(seq, m, p, d, i, j, trial)
        if route_feasible(
            trial, size, v, loc, dur, twa, twb, svc, dem, deliv_of, pick_of, lim,
            allowed, cap, va, vb, first_rule, pos, lo, hi,
        ):  # fmt: skip
            return deltas[k], i, j
    return inf, -1, -1


@nb.njit(cache=True)
def splice(seq: np.ndarray, m: int, p: int, d: int, i: int, j: int, out: np.ndarray) -> int:
    """``seq[:m]`` with ``p`` after position ``i`` and ``d`` (if >= 0) after position ``j``."""
    size = 0
    for k in range(m):
        out[size] = seq[k]
        size += 1
        if k == i:
            out[size] = p
            size += 1
            if d >= 0 and j == i:
                out[size] = d
                size += 1
        elif d >= 0 and k == j:
            out[size] = d
            size += 1
    return size


__all__ = ["arc_cost", "best_insertion", "route_feasible", "splice"]
