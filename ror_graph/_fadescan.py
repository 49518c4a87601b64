"""The passes behind the fade model's features (:mod:`ror_graph.fade_model`), compiled with numba.

They read the events in (unordered pair, time) order that :class:`ror_graph.network.Network`
already keeps (no group-by, no second sort) and the active periods of each tie, and return the
raw per-pair figures at one origin T_k = as_of - k * step; the features themselves are polars
expressions over these figures (:func:`ror_graph.fade_model._features_from`). An event counts at
T_k when ``ts <= T_k``; a day (period p) counts when it has ended by T_k, ``(p + 1) * res <= T_k``,
and every day counts at k = 0.

Example
-------
>>> import numpy as np
>>> ties, starts = np.array([0]), np.array([0, 3])
>>> fwd, ts = np.array([1, 0, 1], np.uint8), np.array([10, 20, 30])
>>> out = pair_figures(ties, starts, fwd, ts, np.array([0, 1]), np.array([0]), 40, 15, 100, 1)
>>> [int(x[0]) for x in out[:4]]   # n, n_ab, first, last at T_1 = 25
[2, 1, 10, 20]
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["pair_figures", "last_seen", "recent_periods"]


@numba.njit(cache=True)
def pair_figures(ties, starts, fwd, ts, period_off, periods, as_of_us, step_us, res_us, k):
    """For each tie ``ties[i]`` (events ``starts[t]..starts[t+1]`` of the pair-ordered ``fwd``,
    ``ts``; active periods ``periods[period_off[t]..period_off[t+1]]``), over its events at or
    before T_k: count ``n``, ``n_ab`` (a -> b), ``first`` and ``last`` time, ``dec`` = sum of
    round(2 ** (40 - (as_of - ts) / step)) (fixed point, so the sum is exact in any order),
    ``days`` ended by T_k, and ``talked``: an event in (T_k, T_k + step]."""
    t_k = as_of_us - k * step_us
    m = ties.size
    n = np.zeros(m, np.int64)
    n_ab = np.zeros(m, np.int64)
    first = np.zeros(m, np.int64)
    last = np.zeros(m, np.int64)
    dec = np.zeros(m, np.int64)
    days = np.zeros(m, np.int64)
    talked = np.zeros(m, np.bool_)
    for i in range(m):
        t = ties[i]
        j = starts[t]
        end = starts[t + 1]
        if j < end:
            first[i] = ts[j]
        while j < end and ts[j] <= t_k:
            n[i] += 1
            n_ab[i] += fwd[j]
            last[i] = ts[j]
            dec[i] += np.int64(np.rint(2.0 ** (40.0 - (as_of_us - ts[j]) / step_us)))
            j += 1
        talked[i] = j < end and ts[j] <= t_k + step_us
        q = period_off[t]
        q_end = period_off[t + 1]
        if k == 0:
            days[i] = q_end - q
        else:
            while q < q_end and (periods[q] + 1) * res_us <= t_k:
                days[i] += 1
                q += 1
    return n, n_ab, first, last, dec, days, talked


@numba.njit(nogil=True, cache=True)
def last_seen(s, d, ts, t_k, n_nodes):
    """Each person's last event with anyone at or before ``t_k`` (events in time order;
    -1 for nobody)."""
    seen = np.full(n_nodes, -1, np.int64)
    for i in range(ts.size):
        if ts[i] > t_k:
            break
        seen[s[i]] = ts[i]
        seen[d[i]] = ts[i]
    return seen


@numba.njit(nogil=True, cache=True)
def recent_periods(periods, per_tie, cut):
    """For each tie: how many of its active periods (its ``per_tie[t]`` entries of ``periods``,
    ties one after another) end after ``cut[t]`` (in periods), i.e. ``period + 1 > cut[t]``."""
    out = np.zeros(per_tie.size, np.uint32)
    j = 0
    for t in range(per_tie.size):
        c = cut[t]
        count = 0
        for _ in range(per_tie[t]):
            if np.float64(periods[j] + 1) > c:
                count += 1
            j += 1
        out[t] = count
    return out
