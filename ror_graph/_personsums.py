"""Per-person sums over the ties and over the directed relationships, for the community
nurture list (:func:`ror_graph.nurture._community_rows`), compiled with numba: one pass each,
no temporary array per figure. Float sums are taken in the same order as
``np.bincount(a, w) + np.bincount(b, w)`` (each end's sum in row order, then the two added),
so they equal it bit for bit.

Example
-------
>>> import numpy as np
>>> a, b = np.array([0, 0], np.uint32), np.array([1, 2], np.uint32)
>>> sums = tie_sums(a, b, np.array([1.0, 2.0]), np.array([0.5, 0.0]), np.array([3, 1], np.uint32),
...                 np.array([0, 2], np.uint32), np.array([True, False]), 3)
>>> [x.tolist() for x in sums]
[[3.0, 1.0, 2.0], [0.5, 0.5, 0.0], [4, 0, 2], [2, 3, 1], [6, 3, 3], [2, 1, 1], [1, 1, 0]]
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["tie_sums", "edge_sums"]


@numba.njit(cache=True)
def tie_sums(a, b, volume, fade_risk, n_ab, n_ba, fading, n):
    """Per person (0..n-1), over the ties (a, b) they are an end of: ``volume``, ``fade_risk *
    volume``, events given (n_ab at the a end, n_ba at the b end), events received, all
    events, ties, and ties that are ``fading``."""
    vol_a, vol_b = np.zeros(n), np.zeros(n)
    risk_a, risk_b = np.zeros(n), np.zeros(n)
    give = np.zeros(n, np.int64)
    get = np.zeros(n, np.int64)
    ties = np.zeros(n, np.uint32)
    n_fading = np.zeros(n, np.uint32)
    for i in range(a.size):
        u, v = a[i], b[i]
        vol_a[u] += volume[i]
        vol_b[v] += volume[i]
        risk = fade_risk[i] * volume[i]
        risk_a[u] += risk
        risk_b[v] += risk
        give[u] += n_ab[i]
        give[v] += n_ba[i]
        get[u] += n_ba[i]
        get[v] += n_ab[i]
        ties[u] += 1
        ties[v] += 1
        if fading[i]:
            n_fading[u] += 1
            n_fading[v] += 1
    return vol_a + vol_b, risk_a + risk_b, give, get, give + get, ties, n_fading


@numba.njit(cache=True)
def edge_sums(s, d, n_events, answered_rate, mutual, n):
    """Per person (0..n-1), over the directed relationships s -> d: relationships out, mutual
    ones out, relationships in, events received, and events received that they answered
    (``answered_rate * n_events`` summed at d)."""
    out_edges = np.zeros(n, np.uint32)
    mutual_out = np.zeros(n, np.uint32)
    in_edges = np.zeros(n, np.uint32)
    in_events = np.zeros(n)
    answered = np.zeros(n)
    for i in range(s.size):
        out_edges[s[i]] += 1
        if mutual[i]:
            mutual_out[s[i]] += 1
        in_edges[d[i]] += 1
        in_events[d[i]] += n_events[i]
        answered[d[i]] += answered_rate[i] * n_events[i]
    return out_edges, mutual_out, in_edges, in_events, answered
