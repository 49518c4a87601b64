"""Per-person sums over the ties and over the directed relationships, for the community
nurture list (:func:`ror_graph.nurture._community_rows`), compiled with numba: one pass each,
no temporary array per figure, and the figures a row adds at one person in one cache line.
Float sums are taken in the same order as ``np.bincount(a, w) + np.bincount(b, w)`` (each
end's sum in row order, then the two added), so they equal it bit for bit.

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


def tie_sums(a, b, volume, fade_risk, n_ab, n_ba, fading, n):
    """Per person (0..n-1), over the ties (a, b) they are an end of: ``volume``, ``fade_risk *
    volume``, events given (n_ab at the a end, n_ba at the b end), events received, all
    events, ties, and ties that are ``fading``."""
    at_b = _person_rows(n, 8)
    vol_a, risk_a = _tie_pass(a, b, volume, fade_risk, n_ab, n_ba, fading, at_b)
    give, get = at_b[:, 2].astype(np.int64), at_b[:, 3].astype(np.int64)
    return (vol_a + at_b[:, 0], risk_a + at_b[:, 1], give, get, give + get,
            at_b[:, 4].astype(np.uint32), at_b[:, 5].astype(np.uint32))


def edge_sums(s, d, n_events, answered_rate, mutual, n):
    """Per person (0..n-1), over the directed relationships s -> d: relationships out, mutual
    ones out, relationships in, events received, and events received that they answered
    (``answered_rate * n_events`` summed at d)."""
    at_d = _person_rows(n, 4)
    out_edges, mutual_out = _edge_pass(s, d, n_events, answered_rate, mutual, at_d)
    return out_edges, mutual_out, at_d[:, 0].astype(np.uint32), at_d[:, 1].copy(), at_d[:, 2].copy()


def _person_rows(n: int, width: int) -> np.ndarray:
    """Zeroed float64 rows of ``width`` (4 or 8) per person, each row within one 64-byte
    cache line: the sums a pass adds at a randomly ordered end cost one memory access per
    row instead of one per figure. Counts stay exact in float64 (below 2**53)."""
    flat = np.zeros(n * width + 8)
    skip = (-flat.ctypes.data % 64) // 8
    return flat[skip:skip + n * width].reshape(n, width)


@numba.njit(cache=True)
def _tie_pass(a, b, volume, fade_risk, n_ab, n_ba, fading, at_b):
    """:func:`tie_sums`' pass: the a end's float sums in two arrays, everything else in the
    rows ``at_b`` (columns: volume and risk at the b end, given, received, ties, fading)."""
    n = at_b.shape[0]
    vol_a, risk_a = np.zeros(n), np.zeros(n)
    for i in range(a.size):
        u, v = a[i], b[i]
        risk = fade_risk[i] * volume[i]
        vol_a[u] += volume[i]
        risk_a[u] += risk
        at_b[v, 0] += volume[i]
        at_b[v, 1] += risk
        at_b[u, 2] += n_ab[i]
        at_b[v, 2] += n_ba[i]
        at_b[u, 3] += n_ba[i]
        at_b[v, 3] += n_ab[i]
        at_b[u, 4] += 1
        at_b[v, 4] += 1
        if fading[i]:
            at_b[u, 5] += 1
            at_b[v, 5] += 1
    return vol_a, risk_a


@numba.njit(cache=True)
def _edge_pass(s, d, n_events, answered_rate, mutual, at_d):
    """:func:`edge_sums`' pass: the s end's counts in two arrays, the d end's figures in the
    rows ``at_d`` (columns: relationships in, events received, answered)."""
    n = at_d.shape[0]
    out_edges = np.zeros(n, np.uint32)
    mutual_out = np.zeros(n, np.uint32)
    for i in range(s.size):
        out_edges[s[i]] += 1
        if mutual[i]:
            mutual_out[s[i]] += 1
        at_d[d[i], 0] += 1
        at_d[d[i], 1] += n_events[i]
        at_d[d[i], 2] += answered_rate[i] * n_events[i]
    return out_edges, mutual_out
